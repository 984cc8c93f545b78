"""Writing to the ledger: completed reviews, merges, waivers. Every write is an idempotent upsert.

A redelivery, a retry or a re-run of the same head under the same policy lands on the
same review row (`ReviewRecord.idempotency_key`) and replaces its findings; only the
newest review of a pull request counts, older ones are marked superseded.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from prguard.ledger.extract import ReviewRecord
from prguard.ledger.models import (
    ChangedFunction,
    ComplexityChange,
    Finding,
    Installation,
    PullRequest,
    Repository,
    Review,
    Waiver,
    org_key,
)
from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session


def _get_or_create(session: Session, model: Any, where: dict[str, Any], values: dict[str, Any]) -> Any:
    """The row matching `where`, created with `values` when missing (a concurrent insert is re-read)."""
    statement = select(model).filter_by(**where)
    row = session.scalars(statement).first()
    if row is not None:
        return row
    try:
        with session.begin_nested():
            row = model(**where, **values)
            session.add(row)
    except IntegrityError:
        row = session.scalars(statement).one()
    return row


def ensure_installation(session: Session, installation_id: int, account_login: str) -> Installation:
    installation = _get_or_create(
        session,
        Installation,
        {"id": installation_id},
        {"org": org_key(account_login), "account_login": account_login},
    )
    if account_login and installation.account_login != account_login:
        installation.account_login, installation.org = account_login, org_key(account_login)
    return installation


def ensure_repository(session: Session, installation_id: int, owner: str, name: str) -> Repository:
    return _get_or_create(
        session,
        Repository,
        {"installation_id": installation_id, "full_name_key": f"{owner}/{name}".lower()},
        {"org": org_key(owner), "owner": owner, "name": name},
    )


def ensure_pull(session: Session, repository: Repository, number: int) -> PullRequest:
    return _get_or_create(
        session,
        PullRequest,
        {"repository_id": repository.id, "number": number},
        {"installation_id": repository.installation_id, "org": repository.org},
    )


def record_review(session: Session, record: ReviewRecord) -> Review:
    """Write one completed review (upsert on its idempotency key) and settle which review counts."""
    ensure_installation(session, record.installation_id, record.account_login)
    repository = ensure_repository(session, record.installation_id, record.owner, record.repo)
    pull = ensure_pull(session, repository, record.number)
    if pull.state == "closed":  # reviewed again: it was reopened
        pull.state, pull.closed_at = "open", None
    if record.title:
        pull.title = record.title
    if record.author_login:
        pull.author_login = record.author_login
    values = {
        "installation_id": record.installation_id,
        "org": repository.org,
        "repository_id": repository.id,
        "pull_request_id": pull.id,
        "head_sha": record.head_sha,
        "base_sha": record.base_sha,
        "check_run_id": record.check_run_id,
        "policy_digest": record.policy_digest,
        "trigger": record.trigger,
        "conclusion": record.conclusion,
        "risk": record.risk,
        "ai_authored": record.ai_authored,
        "agents": list(record.agents),
        "ai_confidence": record.ai_confidence,
        "findings_count": sum(1 for f in record.findings if f.suppressed_kind is None),
    }
    review = session.scalars(select(Review).filter_by(idempotency_key=record.idempotency_key)).first()
    if review is None:
        review = Review(idempotency_key=record.idempotency_key, reviewed_at=record.reviewed_at, **values)
        if record.waived_by:
            review.waived_by = record.waived_by
        session.add(review)
        session.flush()
    else:  # the same review again: keep its first time, replace what it found
        for name, value in values.items():
            setattr(review, name, value)
        review.waived_by = record.waived_by or review.waived_by
        for model in (Finding, ComplexityChange, ChangedFunction):
            session.execute(delete(model).where(model.review_id == review.id))
    _insert_children(session, review, record)
    settle_superseded(session, pull.id)
    return review


def _insert_children(session: Session, review: Review, record: ReviewRecord) -> None:
    agent = record.agents[0] if record.agents else ""
    rows = [
        {
            "review_id": review.id,
            "installation_id": review.installation_id,
            "org": review.org,
            "repository_id": review.repository_id,
            "pull_request_id": review.pull_request_id,
            "reviewed_at": review.reviewed_at,
            "superseded": False,
            "ai_authored": record.ai_authored,
            "agent": agent,
            "rule_id": f.rule_id[:100],
            "analyzer": f.analyzer[:40],
            "severity": f.severity[:10],
            "cwe": f.cwe,
            "path": f.path[:1000],
            "start_line": f.start_line,
            "end_line": f.end_line,
            "function": f.function[:500],
            "fingerprint": f.fingerprint[:64],
            "pattern_key": f.pattern_key,
            "masked_snippet": f.masked_snippet[:500],
            "title": f.title[:300],
            "is_new": f.is_new,
            "suppressed_kind": f.suppressed_kind,
            "waived_by": review.waived_by if f.suppressed_kind is None else None,
        }
        for f in record.findings
    ]
    if rows:
        session.execute(insert(Finding), rows)
    if record.complexity:
        session.execute(
            insert(ComplexityChange),
            [
                {
                    "review_id": review.id,
                    "path": c.path[:1000],
                    "function": c.function[:500],
                    "before": c.before,
                    "after": c.after,
                }
                for c in record.complexity
            ],
        )
    if record.changed_functions:
        session.execute(
            insert(ChangedFunction),
            [
                {
                    "review_id": review.id,
                    "path": c.path[:1000],
                    "function": c.function[:500],
                    "start_line": c.start_line,
                    "end_line": c.end_line,
                }
                for c in record.changed_functions
            ],
        )


def settle_superseded(session: Session, pull_request_id: int) -> None:
    """The newest review of the pull request counts; every other one (and its findings) is superseded."""
    session.flush()
    newest = session.scalars(
        select(Review.id)
        .where(Review.pull_request_id == pull_request_id)
        .order_by(Review.reviewed_at.desc(), Review.id.desc())
        .limit(1)
    ).first()
    if newest is None:
        return
    for model, key in ((Review, Review.id), (Finding, Finding.review_id)):
        session.execute(
            update(model)
            .where(model.pull_request_id == pull_request_id, key != newest, model.superseded.is_(False))
            .values(superseded=True)
        )
        session.execute(
            update(model).where(key == newest, model.superseded.is_(True)).values(superseded=False)
        )


def record_closed(
    session: Session,
    *,
    installation_id: int,
    owner: str,
    repo: str,
    number: int,
    merged: bool,
    merge_commit_sha: str | None = None,
    merged_at: dt.datetime | None = None,
    closed_at: dt.datetime | None = None,
    title: str = "",
    author_login: str = "",
) -> PullRequest:
    """`pull_request.closed`: merged or not, the merge commit, the time (a redelivery writes the same)."""
    ensure_installation(session, installation_id, owner)
    repository = ensure_repository(session, installation_id, owner, repo)
    pull = ensure_pull(session, repository, number)
    pull.state = "merged" if merged else "closed"
    pull.merged = merged
    pull.merge_commit_sha = merge_commit_sha if merged else None
    pull.merged_at = merged_at if merged else None
    pull.closed_at = closed_at
    if title:
        pull.title = title[:500]
    if author_login:
        pull.author_login = author_login
    return pull


def record_reopened(session: Session, *, installation_id: int, owner: str, repo: str, number: int) -> None:
    pull = session.scalars(
        select(PullRequest)
        .join(Repository, Repository.id == PullRequest.repository_id)
        .where(
            Repository.installation_id == installation_id,
            Repository.full_name_key == f"{owner}/{repo}".lower(),
            PullRequest.number == number,
        )
    ).first()
    if pull is not None:
        pull.state, pull.merged, pull.merged_at, pull.closed_at = "open", False, None, None


def record_waiver(
    session: Session,
    *,
    installation_id: int,
    owner: str,
    repo: str,
    check_run_id: int,
    login: str,
    reason: str,
    head_sha: str = "",
    waived_at: dt.datetime | None = None,
) -> Waiver:
    """Who waived which run and why; the run's reviews and findings carry `waived_by` from then on."""
    ensure_installation(session, installation_id, owner)
    repository = ensure_repository(session, installation_id, owner, repo)
    waiver = _get_or_create(
        session,
        Waiver,
        {"installation_id": installation_id, "check_run_id": check_run_id},
        {
            "org": repository.org,
            "repository_id": repository.id,
            "login": login,
            "reason": reason,
            "head_sha": head_sha,
            "waived_at": waived_at or dt.datetime.now(dt.UTC),
        },
    )
    waiver.login, waiver.reason = login, reason
    reviews = select(Review.id).where(
        Review.installation_id == installation_id, Review.check_run_id == check_run_id
    )
    session.execute(update(Review).where(Review.id.in_(reviews)).values(waived_by=login))
    session.execute(
        update(Finding)
        .where(Finding.review_id.in_(reviews), Finding.suppressed_kind.is_(None))
        .values(waived_by=login)
    )
    return waiver
