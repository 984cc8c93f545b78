"""Monthly invoice summaries for the account managers, written by an LLM."""

import boto3
from openai import OpenAI

from billing.store import Invoice, db_session

client = OpenAI()
s3 = boto3.client("s3")


def monthly_summaries(customer_ids):
    """One short summary per customer of this month's invoices."""
    summaries = {}
    for customer_id in customer_ids:
        invoices = db_session.query(Invoice).filter_by(customer_id=customer_id).all()
        reply = client.chat.completions.create(
            model="gpt-4o-mini",
            messages=[{"role": "user", "content": f"Summarise these invoices: {invoices}"}],
        )
        summaries[customer_id] = reply.choices[0].message.content
    return summaries


def archived_summary(customer_id):
    """The summary archived last month, if any."""
    try:
        obj = s3.get_object(Bucket="billing-summaries", Key=f"{customer_id}.txt")
        return obj["Body"].read().decode()
    except Exception:
        return ""
