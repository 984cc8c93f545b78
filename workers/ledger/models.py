"""The ledger's tables (SQLAlchemy 2 declarative). Alembic migrations in `migrations/` create them.

Scoping: every row that a query can return carries `org` (the lower-cased account login
of the installation) and `installation_id`; every query filters on `org` first, so one
org's data never shows up in another's answers. Findings repeat a few columns of their
review (org, repository, pull request, time, authorship, superseded) so the per-review
look-up and the org overview read one indexed table instead of joining per row.

Nothing here holds file contents, tokens or secrets: findings keep a location, a
fingerprint, a pattern key and the *masked* shape of the flagged code
(`prguard.ledger.patterns.masked_shape`: identifiers and literals replaced).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s",
    "pk": "pk_%(table_name)s",
}

# The findings the dashboard counts: newest review, introduced by the pull request, not suppressed.
COUNTED_FINDINGS = "superseded IS false AND is_new IS true AND suppressed_kind IS NULL"

# SQLite only autoincrements INTEGER PRIMARY KEY; PostgreSQL gets BIGINT identities.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def UtcDateTime() -> DateTime:
    """Timezone-aware in PostgreSQL; SQLite keeps naive UTC, read back as aware UTC by `aware()`."""
    return DateTime(timezone=True)


def aware(value: dt.datetime | None) -> dt.datetime | None:
    """SQLite returns naive datetimes: they are UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=dt.UTC)


class Installation(Base):
    """A GitHub App installation on one account (org or user)."""

    __tablename__ = "ledger_installations"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    org: Mapped[str] = mapped_column(String(100), index=True)  # lower-cased account login
    account_login: Mapped[str] = mapped_column(String(100))  # as GitHub spells it
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow)


class Repository(Base):
    __tablename__ = "ledger_repositories"
    __table_args__ = (UniqueConstraint("installation_id", "full_name_key"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    installation_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("ledger_installations.id", ondelete="CASCADE"), index=True
    )
    org: Mapped[str] = mapped_column(String(100), index=True)
    owner: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(100))
    full_name_key: Mapped[str] = mapped_column(String(201))  # lower-cased owner/name


class PullRequest(Base):
    """One pull request; its merge (or close without merge) is recorded on `pull_request.closed`."""

    __tablename__ = "ledger_pull_requests"
    __table_args__ = (
        UniqueConstraint("repository_id", "number"),
        Index("ix_ledger_pull_requests_org_merged", "org", "merged", "merged_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    installation_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("ledger_installations.id", ondelete="CASCADE"), index=True
    )
    org: Mapped[str] = mapped_column(String(100))
    repository_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("ledger_repositories.id", ondelete="CASCADE")
    )
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(500), default="")
    author_login: Mapped[str] = mapped_column(String(100), default="")
    first_seen_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow)
    state: Mapped[str] = mapped_column(String(10), default="open")  # open | closed | merged
    merged: Mapped[bool] = mapped_column(Boolean, default=False)
    merge_commit_sha: Mapped[str | None] = mapped_column(String(64), nullable=True)
    merged_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime(), nullable=True)

    repository: Mapped[Repository] = relationship(lazy="joined")


class Review(Base):
    """One completed review of one head.

    `idempotency_key` makes a redelivery, a retry or a re-run of the same head under the
    same policy one row. Only the newest review of a pull request counts: older ones are
    marked `superseded` (and so are their findings).
    """

    __tablename__ = "ledger_reviews"
    __table_args__ = (Index("ix_ledger_reviews_org_time", "org", "reviewed_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    installation_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("ledger_installations.id", ondelete="CASCADE"), index=True
    )
    org: Mapped[str] = mapped_column(String(100))
    repository_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("ledger_repositories.id", ondelete="CASCADE")
    )
    pull_request_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("ledger_pull_requests.id", ondelete="CASCADE"), index=True
    )
    head_sha: Mapped[str] = mapped_column(String(64))
    base_sha: Mapped[str] = mapped_column(String(64), default="")
    check_run_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True, index=True)
    policy_digest: Mapped[str] = mapped_column(String(64), default="")
    trigger: Mapped[str] = mapped_column(String(60), default="")
    reviewed_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow)
    conclusion: Mapped[str] = mapped_column(String(20))
    risk: Mapped[int] = mapped_column(Integer, default=0)
    ai_authored: Mapped[bool] = mapped_column(Boolean, default=False)
    agents: Mapped[list[str]] = mapped_column(JSON, default=list)  # agent ids, strongest first
    ai_confidence: Mapped[str] = mapped_column(String(10), default="")
    superseded: Mapped[bool] = mapped_column(Boolean, default=False)
    waived_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    findings_count: Mapped[int] = mapped_column(Integer, default=0)

    pull_request: Mapped[PullRequest] = relationship(lazy="joined")


class Finding(Base):
    """One finding of one review (its review's scoping columns repeated: see the module doc)."""

    __tablename__ = "ledger_findings"
    __table_args__ = (
        # the per-review look-up: this org, these pattern keys, within the window
        Index("ix_ledger_findings_pattern", "org", "pattern_key", "reviewed_at"),
        Index("ix_ledger_findings_org_time", "org", "reviewed_at"),
        # the dashboard's counts, read from the index alone (migration 0003_dashboard_indexes)
        Index(
            "ix_ledger_findings_counted",
            "org",
            "reviewed_at",
            postgresql_include=["severity", "ai_authored", "agent", "repository_id", "pull_request_id"],
            postgresql_where=text(COUNTED_FINDINGS),
            sqlite_where=text(COUNTED_FINDINGS),
        ),
        Index(
            "ix_ledger_findings_counted_pattern",
            "org",
            "pattern_key",
            "pull_request_id",
            postgresql_include=["reviewed_at", "repository_id", "ai_authored"],
            postgresql_where=text(COUNTED_FINDINGS),
            sqlite_where=text(COUNTED_FINDINGS),
        ),
        # the per-review "seen before" look-up, newest first within the window, from the index alone
        # (migration 0004_seen_before_index)
        Index(
            "ix_ledger_findings_seen_before",
            "org",
            "pattern_key",
            "reviewed_at",
            postgresql_include=["pull_request_id", "repository_id", "ai_authored", "agent", "rule_id"],
            postgresql_where=text(COUNTED_FINDINGS),
            sqlite_where=text(COUNTED_FINDINGS),
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    review_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("ledger_reviews.id", ondelete="CASCADE"), index=True
    )
    installation_id: Mapped[int] = mapped_column(BigInteger, index=True)
    org: Mapped[str] = mapped_column(String(100))
    repository_id: Mapped[int] = mapped_column(BigInteger, index=True)
    pull_request_id: Mapped[int] = mapped_column(BigInteger, index=True)
    reviewed_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    superseded: Mapped[bool] = mapped_column(Boolean, default=False)
    ai_authored: Mapped[bool] = mapped_column(Boolean, default=False)
    agent: Mapped[str] = mapped_column(String(60), default="")  # the strongest agent, "" for none

    rule_id: Mapped[str] = mapped_column(String(100))
    analyzer: Mapped[str] = mapped_column(String(40))
    severity: Mapped[str] = mapped_column(String(10))
    cwe: Mapped[int | None] = mapped_column(Integer, nullable=True)
    path: Mapped[str] = mapped_column(String(1000))
    start_line: Mapped[int] = mapped_column(Integer)
    end_line: Mapped[int] = mapped_column(Integer)
    function: Mapped[str] = mapped_column(String(500), default="")  # enclosing qualified name
    fingerprint: Mapped[str] = mapped_column(String(64))
    pattern_key: Mapped[str] = mapped_column(String(64))
    masked_snippet: Mapped[str] = mapped_column(String(500), default="")
    title: Mapped[str] = mapped_column(String(300), default="")
    is_new: Mapped[bool] = mapped_column(Boolean, default=True)
    suppressed_kind: Mapped[str | None] = mapped_column(String(20), nullable=True)  # prguard|nosec|...
    waived_by: Mapped[str | None] = mapped_column(String(100), nullable=True)


class ComplexityChange(Base):
    __tablename__ = "ledger_complexity_changes"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    review_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("ledger_reviews.id", ondelete="CASCADE"), index=True
    )
    path: Mapped[str] = mapped_column(String(1000))
    function: Mapped[str] = mapped_column(String(500))
    before: Mapped[int | None] = mapped_column(Integer, nullable=True)
    after: Mapped[int] = mapped_column(Integer)


class ChangedFunction(Base):
    __tablename__ = "ledger_changed_functions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    review_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("ledger_reviews.id", ondelete="CASCADE"), index=True
    )
    path: Mapped[str] = mapped_column(String(1000))
    function: Mapped[str] = mapped_column(String(500))
    start_line: Mapped[int] = mapped_column(Integer)
    end_line: Mapped[int] = mapped_column(Integer)


class Waiver(Base):
    """Someone with write access pressed Waive on a failing check run."""

    __tablename__ = "ledger_waivers"
    __table_args__ = (UniqueConstraint("installation_id", "check_run_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    installation_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("ledger_installations.id", ondelete="CASCADE"), index=True
    )
    org: Mapped[str] = mapped_column(String(100))
    repository_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("ledger_repositories.id", ondelete="CASCADE")
    )
    check_run_id: Mapped[int] = mapped_column(BigInteger)
    head_sha: Mapped[str] = mapped_column(String(64), default="")
    login: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str] = mapped_column(Text, default="")
    waived_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow)


class Digest(Base):
    """One weekly digest per org and ISO week: the unique key is what makes it once a week."""

    __tablename__ = "ledger_digests"
    __table_args__ = (UniqueConstraint("org", "week"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    installation_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("ledger_installations.id", ondelete="CASCADE"), index=True
    )
    org: Mapped[str] = mapped_column(String(100))
    week: Mapped[str] = mapped_column(String(10))  # ISO week, 2026-W49
    state: Mapped[str] = mapped_column(String(10), default="claimed")  # claimed | posted
    issue_url: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow)


def org_key(login: str) -> str:
    return login.strip().lower()


def row_dict(row: Any, *names: str) -> dict[str, Any]:
    return {name: getattr(row, name) for name in names}
