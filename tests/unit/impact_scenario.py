"""The issue's scenario for the impact analyzer, shared by its engine, CLI and App tests.

billing/pricing.py defines charge(amount, currency="usd"), called from four other files (one
through `from billing.pricing import charge as bill`, one through `import billing.pricing as p`).
The change makes it charge(amount, currency, *, idempotency_key) and updates one caller only.
"""

from __future__ import annotations

import io
import tarfile

BASE: dict[str, str] = {
    "billing/__init__.py": "",
    "billing/pricing.py": 'def charge(amount, currency="usd"):\n    return amount\n',
    "shop/__init__.py": "",
    "shop/checkout.py": (
        "from billing.pricing import charge as bill\n\n\ndef checkout(total):\n    return bill(total)\n"
    ),
    "shop/refunds.py": (
        'import billing.pricing as p\n\n\ndef refund(total):\n    return p.charge(-total, "eur")\n'
    ),
    "shop/subscriptions.py": (
        "from billing.pricing import charge\n\n\n"
        "def renew(plan):\n    return charge(plan.price, currency=plan.currency)\n"
    ),
    "shop/invoices.py": (
        "from billing import pricing\n\n\ndef invoice(total):\n    return pricing.charge(total)\n"
    ),
    "shop/forwarding.py": (
        "from billing.pricing import charge\n\n\n"
        "def forward(*args, **kwargs):\n    return charge(*args, **kwargs)\n"
    ),
}

#: the signature change, and the one caller it updates
BREAKING: dict[str, str] = {
    "billing/pricing.py": "def charge(amount, currency, *, idempotency_key):\n    return amount\n",
    "shop/invoices.py": (
        "from billing import pricing\n\n\n"
        'def invoice(total):\n    return pricing.charge(total, "usd", idempotency_key="inv-1")\n'
    ),
}

#: a parameter with a default added: every old call still binds
COMPATIBLE: dict[str, str] = {
    "billing/pricing.py": (
        'def charge(amount, currency="usd", *, idempotency_key=None):\n    return amount\n'
    ),
}

#: where the three callers the breaking change left behind call
STALE_SITES = ("shop/checkout.py:5", "shop/refunds.py:5", "shop/subscriptions.py:5")


def head_of(change: dict[str, str]) -> dict[str, str]:
    return {**BASE, **change}


def tarball(files: dict[str, str], top: str = "acme-shop-0123abc") -> bytes:
    """A repository archive shaped like GitHub's: one top folder holding the tree."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for path, text in sorted(files.items()):
            data = text.encode()
            member = tarfile.TarInfo(f"{top}/{path}")
            member.size = len(data)
            archive.addfile(member, io.BytesIO(data))
    return buffer.getvalue()
