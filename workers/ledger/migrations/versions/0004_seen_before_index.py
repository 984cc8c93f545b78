"""seen-before index: the per-review look-up reads the newest occurrences of a pattern from the index

A partial covering index over the counted findings (the same predicate as 0003's), ordered by
(org, pattern_key, reviewed_at) and carrying what the look-up aggregates, so PostgreSQL answers
"the newest occurrences of these patterns in this org since the window's start" with an
index-only range scan (tests/benchmarks/ledger_lookup.py). SQLite gets the same partial index.

Revision ID: 0004_seen_before_index
Revises: 0003_dashboard_indexes
Create Date: 2026-12-04 11:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_seen_before_index"
down_revision = "0003_dashboard_indexes"
branch_labels = None
depends_on = None

COUNTED = "superseded IS false AND is_new IS true AND suppressed_kind IS NULL"


def upgrade() -> None:
    op.create_index(
        "ix_ledger_findings_seen_before",
        "ledger_findings",
        ["org", "pattern_key", "reviewed_at"],
        postgresql_include=["pull_request_id", "repository_id", "ai_authored", "agent", "rule_id"],
        postgresql_where=sa.text(COUNTED),
        sqlite_where=sa.text(COUNTED),
    )


def downgrade() -> None:
    op.drop_index("ix_ledger_findings_seen_before", table_name="ledger_findings")
