"""The PG-IMPACT rules: their metadata, kept as data next to the code that raises them."""

from __future__ import annotations

from typing import Any

RULES: dict[str, dict[str, Any]] = {
    "PG-IMPACT001": {
        "id": "PG-IMPACT001",
        "title": "Call site left behind by a signature change",
        "severity": "high",
        "cwe": 628,
        "why": (
            "A function's parameters changed (one removed or renamed, a new required one, a default "
            "dropped, positional/keyword-only rules changed) and calls elsewhere in the repository, "
            "outside the diff, still use the old shape. They raise TypeError when they run; a reviewer "
            "reading the diff cannot see them and the tests may not reach them."
        ),
        "bad": (
            "# billing/pricing.py\n"
            "def charge(amount, currency, *, idempotency_key): ...\n"
            "# shop/checkout.py (not in the diff)\n"
            "charge(total)  # TypeError: missing 'currency' and 'idempotency_key'\n"
        ),
        "good": (
            "# update every caller in the same change, or keep the old shape working:\n"
            "def charge(amount, currency='usd', *, idempotency_key=None): ...\n"
        ),
        "fix": (
            "Update the listed call sites in this change, or give the new parameters defaults so the "
            "old calls still bind."
        ),
    },
    "PG-IMPACT002": {
        "id": "PG-IMPACT002",
        "title": "Removed or renamed symbol still referenced",
        "severity": "high",
        "cwe": None,
        "why": (
            "A function, class or method was removed or renamed while other modules still import it or "
            "look it up on its module or class: ImportError or AttributeError at run time."
        ),
        "bad": (
            "# billing/pricing.py: charge renamed to charge_card\n"
            "# shop/checkout.py (not in the diff)\n"
            "from billing.pricing import charge  # ImportError\n"
        ),
        "good": ("# keep an alias while callers move:\ncharge = charge_card\n"),
        "fix": "Update the listed references in this change, or keep the old name as an alias.",
    },
}
