"""HTTP API of the billing service."""

import logging
import subprocess

from flask import Flask, abort, jsonify, request, send_file

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


@app.get("/invoices/<int:invoice_id>/pdf")
def export_invoice(invoice_id):
    """Render an invoice as PDF with wkhtmltopdf."""
    invoice = get_invoice(invoice_id)
    if invoice is None:
        abort(404)
    name = request.args.get("filename", f"invoice-{invoice_id}")
    url = f"http://localhost:8000/invoices/{invoice_id}/html"
    subprocess.run(f"wkhtmltopdf {url} /tmp/{name}.pdf", shell=True, check=True)
    return send_file(f"/tmp/{name}.pdf", mimetype="application/pdf")
