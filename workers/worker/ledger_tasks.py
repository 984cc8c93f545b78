"""Celery tasks of the change ledger: events from the receiver, retried writes, retention, digests.

A database that does not answer is retried with backoff (it may be restarting); a payload
that cannot be read is dropped and counted. Every outcome is counted in
`prguard_ledger_operations`.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from typing import Any

from celery.signals import worker_init
from prguard.ledger.history import DEFAULT_WEB_URL
from prguard.queue.celery_app import (
    LEDGER_DIGEST_TASK,
    LEDGER_RETENTION_TASK,
    LEDGER_TASK,
    celery_app,
)
from prguard.worker.ledger import count, ledger_engine, migrate_embedded_ledger

log = logging.getLogger("prguard.ledger")


@worker_init.connect
def _migrate_embedded_ledger_at_start(**_: Any) -> None:
    """The worker's main process, before its pool forks (Celery imports this module first)."""
    migrate_embedded_ledger()


LEDGER_MAX_RETRIES = 10
MAX_BACKOFF_SECONDS = 3600
DIGEST_TITLE = "prguard weekly digest: {week}"


def apply_event(engine: Any, kind: str, payload: dict[str, Any]) -> str:
    """Write one ledger event; raises on a database error (the task retries), KeyError/ValueError on junk."""
    from prguard.ledger.db import session_scope
    from prguard.ledger.extract import record_from_dict
    from prguard.ledger.lifecycle import purge_installation
    from prguard.ledger.record import record_closed, record_reopened, record_review, record_waiver

    with session_scope(engine) as session:
        if kind == "review":
            record_review(session, record_from_dict(payload["record"]))
        elif kind == "closed":
            record_closed(
                session,
                installation_id=int(payload["installation_id"]),
                owner=str(payload["owner"]),
                repo=str(payload["repo"]),
                number=int(payload["number"]),
                merged=bool(payload.get("merged")),
                merge_commit_sha=payload.get("merge_commit_sha") or None,
                merged_at=_time(payload.get("merged_at")),
                closed_at=_time(payload.get("closed_at")),
            )
        elif kind == "reopened":
            record_reopened(
                session, installation_id=int(payload["installation_id"]), owner=str(payload["owner"]),
                repo=str(payload["repo"]), number=int(payload["number"]),
            )  # fmt: skip
        elif kind == "waiver":
            record_waiver(
                session,
                installation_id=int(payload["installation_id"]),
                owner=str(payload["owner"]),
                repo=str(payload["repo"]),
                check_run_id=int(payload["check_run_id"]),
                login=str(payload["login"]),
                reason=str(payload.get("reason") or ""),
                head_sha=str(payload.get("head_sha") or ""),
            )
        elif kind == "purge":
            purge_installation(session, int(payload["installation_id"]))
        else:
            raise ValueError(f"unknown ledger event {kind!r}")
    return kind


def _time(value: Any) -> dt.datetime | None:
    if not value:
        return None
    parsed = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


@celery_app.task(bind=True, name=LEDGER_TASK, acks_late=True, max_retries=LEDGER_MAX_RETRIES)
def ledger_event(self: Any, kind: str, delivery_id: str = "", **payload: Any) -> dict[str, Any]:
    """One ledger write: a merge or close, a waiver, a purge, or a review whose first write failed."""
    if kind != "purge" and _uninstalled(payload):
        return {"status": "dropped", "detail": "the installation was removed: its rows are purged"}
    try:
        apply_event(ledger_engine(), kind, payload)
    except (KeyError, TypeError, ValueError) as exc:
        log.error("ledger event %s dropped: %s", kind, exc, extra={"delivery": delivery_id})
        count(kind, "lost")
        return {"status": "dropped", "detail": str(exc)[:200]}
    except Exception as exc:  # the database: wait for it
        if self.request.retries >= self.max_retries:
            log.error("ledger event %s lost after %s retries", kind, self.request.retries)
            count(kind, "lost")
            return {"status": "lost", "detail": type(exc).__name__}
        count(kind, "retried")
        raise self.retry(exc=exc, countdown=min(MAX_BACKOFF_SECONDS, 30 * 2**self.request.retries)) from exc
    count(kind, "ok")
    return {"status": "recorded", "kind": kind}


def _uninstalled(payload: dict[str, Any]) -> bool:
    """The receiver's removed mark for the event's installation (a late write must not re-create rows the
    uninstall purged). Without Redis or settings, the write goes ahead."""
    record = payload.get("record") if isinstance(payload.get("record"), dict) else payload
    try:
        from prguard.queue.state import PullState
        from prguard.worker.tasks import runtime

        rt = runtime()
        full_name = f"{record['owner']}/{record['repo']}"
        return PullState(rt.redis, rt.keys).is_removed(int(record["installation_id"]), full_name)
    except Exception:  # no settings (tests, tools) or Redis down: record; the purge path stays authoritative
        return False


@celery_app.task(bind=True, name=LEDGER_RETENTION_TASK, acks_late=True, max_retries=3)
def ledger_retention(self: Any, days: int | None = None) -> dict[str, Any]:
    """Daily: delete what is older than LEDGER_RETENTION_DAYS (default 365)."""
    from prguard.config import DEFAULT_LEDGER_RETENTION_DAYS
    from prguard.ledger.db import session_scope
    from prguard.ledger.lifecycle import enforce_retention

    keep = days or _retention_days(DEFAULT_LEDGER_RETENTION_DAYS)
    try:
        with session_scope(ledger_engine()) as session:
            removed = enforce_retention(session, keep)
    except Exception as exc:
        count("retention", "retried")
        raise self.retry(exc=exc, countdown=600) from exc
    count("retention", "ok")
    log.info("ledger retention: %s rows older than %s days deleted", removed, keep)
    return {"status": "done", "removed": removed, "days": keep}


def _retention_days(default: int) -> int:
    raw = os.environ.get("LEDGER_RETENTION_DAYS", "").strip()
    try:
        value = int(raw) if raw else default
    except ValueError:
        return default
    return value if value > 0 else default


@celery_app.task(bind=True, name=LEDGER_DIGEST_TASK, acks_late=True, max_retries=3)
def ledger_digests(self: Any, today: str | None = None) -> dict[str, Any]:
    """Daily: for each org whose policy sets `ledger.digest` with today's weekday, post the week's digest
    once (see prguard.ledger.digest.claim_week)."""
    from prguard.worker.tasks import runtime

    day = dt.date.fromisoformat(today) if today else dt.datetime.now(dt.UTC).date()
    rt = runtime()
    posted = post_due_digests(ledger_engine(), rt.tokens, day, web_url=rt.settings.github_web_url)
    return {"status": "done", "posted": posted}


def post_due_digests(engine: Any, tokens: Any, day: dt.date, *, web_url: str = DEFAULT_WEB_URL) -> list[str]:
    """Post the digest of every org due on `day`; returns the issue URLs posted."""
    from prguard.ledger.db import session_scope
    from prguard.ledger.models import Installation
    from sqlalchemy import select

    with session_scope(engine) as session:
        installations = session.execute(select(Installation.id, Installation.account_login)).all()
    posted = []
    for installation_id, login in installations:
        try:
            url = post_digest_if_due(
                engine, tokens.client(installation_id), installation_id, login, day, web_url
            )
        except Exception as exc:  # one org's trouble does not stop the others
            log.warning("digest for %s failed: %s", login, type(exc).__name__)
            count("digest", "failed")
            continue
        if url:
            posted.append(url)
    return posted


def post_digest_if_due(
    engine: Any, client: Any, installation_id: int, login: str, day: dt.date, web_url: str = DEFAULT_WEB_URL
) -> str | None:
    """The org's digest for `day`'s week, posted as an issue if the org policy asks for it today."""
    from prguard.github.pulls import fetch_policy_texts
    from prguard.ledger.db import session_scope
    from prguard.ledger.digest import (
        WEEKDAYS,
        build_digest,
        claim_week,
        iso_week,
        mark_posted,
        release_week,
        render_digest,
    )
    from prguard.policies.loader import load_effective_policy

    texts = fetch_policy_texts(client, login, ".github", "")
    policy = load_effective_policy(
        org_text=texts.org_text, org_source=texts.org_source, repo_text=None, repo_source=None
    )
    settings = policy.get("ledger", "digest", default=None)
    if not isinstance(settings, dict) or not settings.get("repo"):
        return None
    if WEEKDAYS.index(str(settings.get("weekday") or "monday")) != day.weekday():
        return None
    week = iso_week(day)
    with session_scope(engine) as session:
        if not claim_week(session, installation_id, login, week):
            return None
    until = dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)
    try:
        with session_scope(engine) as session:
            body = render_digest(
                build_digest(session, login, since=until - dt.timedelta(days=7), until=until), web_url
            )
        issue = client.post(
            "/repos/{owner}/{repo}/issues",
            url_vars={"owner": login, "repo": str(settings["repo"])},
            json={"title": DIGEST_TITLE.format(week=week), "body": body},
        )
    except Exception:
        with session_scope(engine) as session:
            release_week(session, login, week)
        raise
    url = str((issue or {}).get("html_url") or "")
    with session_scope(engine) as session:
        mark_posted(session, login, week, url)
    count("digest", "ok")
    return url
