"""Background jobs of the billing service."""

import logging

from celery import Celery

from billing.store import mark_sent, unsent_invoices

celery = Celery("billing", broker="redis://localhost:6379/0")
log = logging.getLogger(__name__)


@celery.task(bind=True, max_retries=5)
def send_reminders(self):
    for invoice in unsent_invoices():
        log.info("reminder queued", extra={"invoice_id": invoice["id"]})
        mark_sent(invoice["id"])
