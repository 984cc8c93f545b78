"""Data lifecycle: an uninstalled installation leaves no row; nothing outlives LEDGER_RETENTION_DAYS."""

from __future__ import annotations

import datetime as dt

from prguard.ledger.models import (
    Base,
    ChangedFunction,
    ComplexityChange,
    Digest,
    Finding,
    Installation,
    PullRequest,
    Repository,
    Review,
    Waiver,
)
from sqlalchemy import delete, exists, select
from sqlalchemy.orm import Session

DEFAULT_RETENTION_DAYS = 365


def purge_installation(session: Session, installation_id: int) -> int:
    """Delete every row of the installation, in every ledger table (children first). Rows removed.

    Generic over the tables so a table added later (any with `installation_id`) is purged too;
    rows that only hang off a review (complexity, changed functions) go with their reviews.
    """
    reviews = select(Review.id).where(Review.installation_id == installation_id)
    removed = 0
    for statement in (
        delete(ComplexityChange).where(ComplexityChange.review_id.in_(reviews)),
        delete(ChangedFunction).where(ChangedFunction.review_id.in_(reviews)),
    ):
        removed += session.execute(statement).rowcount or 0
    for table in reversed(Base.metadata.sorted_tables):
        column = table.c.id if table.name == Installation.__tablename__ else table.c.get("installation_id")
        if column is not None:
            removed += session.execute(delete(table).where(column == installation_id)).rowcount or 0
    return removed


def purge_repositories(session: Session, installation_id: int, full_names: list[str]) -> int:
    """Repositories removed from the installation: their rows go too."""
    keys = [name.lower() for name in full_names]
    repositories = select(Repository.id).where(
        Repository.installation_id == installation_id, Repository.full_name_key.in_(keys)
    )
    reviews = select(Review.id).where(Review.repository_id.in_(repositories))
    removed = 0
    for statement in (
        delete(Finding).where(Finding.repository_id.in_(repositories)),
        delete(ComplexityChange).where(ComplexityChange.review_id.in_(reviews)),
        delete(ChangedFunction).where(ChangedFunction.review_id.in_(reviews)),
        delete(Review).where(Review.repository_id.in_(repositories)),
        delete(Waiver).where(Waiver.repository_id.in_(repositories)),
        delete(PullRequest).where(PullRequest.repository_id.in_(repositories)),
        delete(Repository).where(Repository.id.in_(repositories)),
    ):
        removed += session.execute(statement).rowcount or 0
    return removed


def enforce_retention(session: Session, days: int, now: dt.datetime | None = None) -> int:
    """Delete reviews (with their findings) older than `days`, then pull requests left without one."""
    cutoff = (now or dt.datetime.now(dt.UTC)) - dt.timedelta(days=days)
    old = select(Review.id).where(Review.reviewed_at < cutoff)
    removed = 0
    for statement in (
        delete(Finding).where(Finding.reviewed_at < cutoff),
        delete(ComplexityChange).where(ComplexityChange.review_id.in_(old)),
        delete(ChangedFunction).where(ChangedFunction.review_id.in_(old)),
        delete(Review).where(Review.reviewed_at < cutoff),
        delete(Waiver).where(Waiver.waived_at < cutoff),
        delete(Digest).where(Digest.created_at < cutoff),
        delete(PullRequest).where(
            PullRequest.first_seen_at < cutoff,
            ~exists().where(Review.pull_request_id == PullRequest.id),
        ),
    ):
        removed += session.execute(statement).rowcount or 0
    return removed + _expire_other_tables(session, cutoff)


# tables of the ledger's other parts (merged functions, ...) expire on the first of these they have
_TIME_COLUMNS = ("reviewed_at", "merged_at", "recorded_at", "created_at")
_HANDLED = frozenset(
    model.__tablename__
    for model in (Finding, ComplexityChange, ChangedFunction, Review, Waiver, Digest, PullRequest, Repository,
                  Installation)
)  # fmt: skip


def _expire_other_tables(session: Session, cutoff: dt.datetime) -> int:
    removed = 0
    for table in reversed(Base.metadata.sorted_tables):
        if table.name in _HANDLED:
            continue
        column = next((table.c[name] for name in _TIME_COLUMNS if name in table.c), None)
        if column is not None:
            removed += session.execute(delete(table).where(column < cutoff)).rowcount or 0
    return removed
