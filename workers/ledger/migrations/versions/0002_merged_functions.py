"""merged functions: the merge record (functions a merged pull request changed)

Revision ID: 0002_merged_functions
Revises: 0001
Create Date: 2026-12-04 10:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_merged_functions"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ledger_merged_functions",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("installation_id", sa.BigInteger(), nullable=False),
        sa.Column("org", sa.String(length=100), nullable=False),
        sa.Column("repository_id", sa.BigInteger(), nullable=False),
        sa.Column("pull_request_id", sa.BigInteger(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("merge_commit_sha", sa.String(length=64), nullable=False),
        sa.Column("merged_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("path", sa.String(length=1000), nullable=False),
        sa.Column("function", sa.String(length=500), nullable=False),
        sa.Column("start_line", sa.Integer(), nullable=False),
        sa.Column("end_line", sa.Integer(), nullable=False),
        sa.Column("ai_authored", sa.Boolean(), nullable=False),
        sa.Column("agents", sa.JSON(), nullable=False),
        sa.Column("ai_line_share", sa.Float(), nullable=False),
        sa.Column("findings", sa.JSON(), nullable=False),
        sa.Column("risk", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["repository_id"],
            ["ledger_repositories.id"],
            name=op.f("fk_ledger_merged_functions_repository_id"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["pull_request_id"],
            ["ledger_pull_requests.id"],
            name=op.f("fk_ledger_merged_functions_pull_request_id"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_merged_functions")),
    )
    with op.batch_alter_table("ledger_merged_functions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_ledger_merged_functions_installation_id"), ["installation_id"], unique=False
        )
        batch_op.create_index(
            "ix_ledger_merged_functions_lookup", ["org", "repository_id", "path", "function"], unique=False
        )
        batch_op.create_index(
            "ix_ledger_merged_functions_merge", ["pull_request_id", "merge_commit_sha"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("ledger_merged_functions", schema=None) as batch_op:
        batch_op.drop_index("ix_ledger_merged_functions_merge")
        batch_op.drop_index("ix_ledger_merged_functions_lookup")
        batch_op.drop_index(batch_op.f("ix_ledger_merged_functions_installation_id"))
    op.drop_table("ledger_merged_functions")
