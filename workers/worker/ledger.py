"""The worker's side of the change ledger: look a review's patterns up, then record the review.

Neither step may fail or hold up a review: the look-up has a time limit and, when the
database does not answer, the check run says "not checked this time"; a write that
fails is queued again (`LEDGER_RECORD_TASK`, with backoff) and counted in
`prguard_ledger_operations{outcome="retried"|"lost"}`.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from prguard import metrics
from prguard.ledger.extract import ReviewRecord, add_changed_functions, record_to_dict, review_record
from prguard.ledger.history import DEFAULT_WEB_URL, SeenBefore
from prguard.queue.celery_app import ANALYZE_QUEUE, LEDGER_TASK, celery_app

log = logging.getLogger("prguard.ledger")

DEFAULT_WINDOW_DAYS = 30
LOOKUP_TIMEOUT_MS = 2000


def count(operation: str, outcome: str) -> None:
    metrics.LEDGER_OPERATIONS.labels(operation, outcome).inc()


def window_days(policy: Any) -> int:
    try:
        value = int(policy.get("ledger", "window_days", default=DEFAULT_WINDOW_DAYS))
    except (AttributeError, TypeError, ValueError):
        return DEFAULT_WINDOW_DAYS
    return value if value > 0 else DEFAULT_WINDOW_DAYS


@dataclass
class LedgerHooks:
    """What `run_review(..., ledger=...)` calls. `engine` is a SQLAlchemy engine (or a callable making one).

    `requeue` gets a failed write's record as a dict and queues it again (the Celery task);
    without one a failed write is counted as lost.
    """

    engine: Any
    web_url: str = DEFAULT_WEB_URL
    requeue: Callable[[dict[str, Any]], None] | None = None
    _files: dict[str, Any] = field(default_factory=dict, repr=False)  # head files until `completed`

    def _engine(self) -> Any:
        return self.engine() if callable(self.engine) else self.engine

    def prepare(self, job: Any, snapshot: Any, result: Any, check_run_id: int, waived_by: str | None) -> Any:
        """Build the record, look its patterns up and attach `seen_before` to the result (risk raised)."""
        try:
            record = review_record(
                installation_id=job.installation_id,
                owner=job.owner,
                repo=job.repo,
                number=job.number,
                head_sha=snapshot.head_sha,
                base_sha=str(getattr(snapshot, "base_sha", "") or ""),
                result=result,
                files=getattr(snapshot, "files", []) or [],
                info=getattr(snapshot, "info", None),
                trigger=job.trigger,
                check_run_id=check_run_id,
                waived_by=waived_by,
                with_functions=False,  # after publishing (`completed`): parsing every file takes time
            )
        except Exception as exc:  # a bug here must not stop the review
            log.warning("could not build the ledger record: %s", type(exc).__name__, exc_info=True)
            count("review", "lost")
            return None
        self._files[record.idempotency_key] = getattr(snapshot, "files", []) or []
        days = window_days(getattr(result, "policy", None))
        seen = self.look_up(record, days)
        result.seen_before = seen
        bump = seen.risk_bump()
        if bump:
            result.risk = min(100, int(result.risk or 0) + bump)
            record.risk = result.risk
        return record

    def look_up(self, record: ReviewRecord, days: int) -> SeenBefore:
        from prguard.ledger.db import session_scope
        from prguard.ledger.queries import seen_before

        seen = SeenBefore(window_days=days, web_url=self.web_url)
        keys = record.pattern_keys()
        if not keys:
            return seen
        try:
            engine = lookup_engine(self._engine())
            with metrics.stage("ledger_lookup"), session_scope(engine) as session:
                seen.patterns = seen_before(
                    session, record.owner, keys, full_name=record.full_name, number=record.number,
                    window_days=days,
                )  # fmt: skip
        except Exception as exc:  # the database is down or slow: the review goes on without history
            log.warning("ledger look-up failed: %s", type(exc).__name__)
            count("lookup", "failed")
            seen.unavailable = "the change ledger did not answer"
            return seen
        count("lookup", "ok")
        seen.findings = {f.fingerprint: f.pattern_key for f in record.findings if f.suppressed_kind is None}
        return seen

    def completed(self, record: ReviewRecord | None) -> bool:
        """Write the review; on failure queue it again. True when it is in the ledger now."""
        if record is None:
            return False
        files = self._files.pop(record.idempotency_key, None)
        if files is not None:
            try:
                add_changed_functions(record, files)
            except Exception as exc:  # a bug here costs the changed functions, not the record
                log.warning("could not list the changed functions: %s", type(exc).__name__)
        try:
            write_review(self._engine(), record)
        except Exception as exc:
            log.warning("ledger write failed, queued again: %s", type(exc).__name__)
            self._requeue(record)
            return False
        count("review", "ok")
        return True

    def _requeue(self, record: ReviewRecord) -> None:
        if self.requeue is None:
            count("review", "lost")
            return
        try:
            self.requeue(record_to_dict(record))
            count("review", "retried")
        except Exception as exc:  # the broker is gone too
            log.error("ledger write lost (could not queue it again): %s", type(exc).__name__)
            count("review", "lost")


def lookup_engine(engine: Any) -> Any:
    """The engine the look-up runs on: the ledger's own URL, autocommit, LOOKUP_TIMEOUT_MS per statement."""
    from prguard.ledger.db import lookup_engine_for

    return lookup_engine_for(engine.url.render_as_string(hide_password=False), LOOKUP_TIMEOUT_MS)


def write_review(engine: Any, record: ReviewRecord) -> None:
    from prguard.ledger.db import session_scope
    from prguard.ledger.record import record_review

    with metrics.stage("ledger_write"), session_scope(engine) as session:
        record_review(session, record)


_MIGRATED: set[str] = set()  # embedded ledgers this process (or the parent it forked from) migrated


def ledger_engine(url: str | None = None) -> Any:
    """The process's ledger engine; an embedded SQLite ledger is migrated before its first use (there is
    no server to run `prguard db upgrade` for it). The worker's main process does it at start
    (`migrate_embedded_ledger`), so its forked children do not spend a review's time on it."""
    from prguard.ledger.db import database_url, engine_for, upgrade

    target = url or database_url()
    if target.startswith("sqlite") and target not in _MIGRATED:
        upgrade(target)
        _MIGRATED.add(target)
    return engine_for(target)


def migrate_embedded_ledger() -> None:
    """At worker start: migrate an embedded SQLite ledger once, before the pool forks (never raises)."""
    from prguard.ledger.db import database_url, upgrade

    target = database_url()
    if not target.startswith("sqlite") or target in _MIGRATED:
        return
    try:
        upgrade(target)
        _MIGRATED.add(target)
    except Exception as exc:  # reviews still run; each tries again and counts its misses
        log.warning("could not migrate the embedded ledger at start: %s", type(exc).__name__)


def web_url() -> str:
    return (os.environ.get("GITHUB_WEB_URL", "").strip() or DEFAULT_WEB_URL).rstrip("/")


def requeue_review(record: dict[str, Any]) -> None:
    celery_app.send_task(
        LEDGER_TASK, kwargs={"kind": "review", "record": record}, queue=ANALYZE_QUEUE, countdown=30
    )


def review_hooks() -> LedgerHooks:
    """What the review task passes to `run_review(..., ledger=...)`."""
    return LedgerHooks(engine=ledger_engine, web_url=web_url(), requeue=requeue_review)
