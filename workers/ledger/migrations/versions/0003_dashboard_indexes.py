"""dashboard indexes: the org overview answered from two partial covering indexes

Both hold only the findings every dashboard count uses (newest review, introduced by the pull
request, not suppressed in code), with the columns the overview reads, so PostgreSQL scans the
index alone: (org, reviewed_at) for the weekly, severity, author and repository figures, and
(org, pattern_key, pull_request_id) for the recurring patterns, in the order they are grouped.
With 1,000,000 findings (tests/benchmarks/dashboard_overview.py) they take the largest org's
overview from a heap scan to index-only scans. SQLite gets the same partial indexes (no INCLUDE).

Revision ID: 0003_dashboard_indexes
Revises: 0002_merged_functions
Create Date: 2026-12-04 10:45:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_dashboard_indexes"
down_revision = "0002_merged_functions"
branch_labels = None
depends_on = None

COUNTED = "superseded IS false AND is_new IS true AND suppressed_kind IS NULL"


def upgrade() -> None:
    op.create_index(
        "ix_ledger_findings_counted",
        "ledger_findings",
        ["org", "reviewed_at"],
        postgresql_include=["severity", "ai_authored", "agent", "repository_id", "pull_request_id"],
        postgresql_where=sa.text(COUNTED),
        sqlite_where=sa.text(COUNTED),
    )
    op.create_index(
        "ix_ledger_findings_counted_pattern",
        "ledger_findings",
        ["org", "pattern_key", "pull_request_id"],
        postgresql_include=["reviewed_at", "repository_id", "ai_authored"],
        postgresql_where=sa.text(COUNTED),
        sqlite_where=sa.text(COUNTED),
    )


def downgrade() -> None:
    op.drop_index("ix_ledger_findings_counted_pattern", table_name="ledger_findings")
    op.drop_index("ix_ledger_findings_counted", table_name="ledger_findings")
