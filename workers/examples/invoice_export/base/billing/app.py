"""HTTP API of the billing service."""

import logging

from flask import Flask, abort, jsonify

from billing.store import get_invoice

app = Flask(__name__)
log = logging.getLogger(__name__)


@app.get("/healthz")
def healthz():
    return {"ok": True}


@app.get("/invoices/<int:invoice_id>")
def show_invoice(invoice_id):
    invoice = get_invoice(invoice_id)
    if invoice is None:
        abort(404)
    log.info("invoice shown", extra={"invoice_id": invoice_id})
    return jsonify(invoice)
