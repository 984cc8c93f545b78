"""The merge task: queued by the receiver for a `pull_request` `closed` delivery with `merged: true`.

Writes the merge record and sends the change event (prguard.worker.merge). It is its own task on
the analyze queue, after the review work: it cannot delay or fail a review. Transient GitHub
trouble is retried a few times; anything else is logged and dropped.
"""

from __future__ import annotations

import logging
from typing import Any

from prguard.github.errors import TransientGitHubError, Unauthorized
from prguard.github.ratelimit import retry_countdown
from prguard.queue.celery_app import MAX_RETRY_COUNTDOWN, MERGE_TASK, celery_app

log = logging.getLogger("prguard.merge")

MERGE_MAX_RETRIES = 4
SENT_TTL_SECONDS = 7 * 24 * 3600  # a redelivered merge (task retry, worker restart) sends no second event


def _was_sent(redis: Any, key: str) -> bool:
    try:
        return bool(redis.exists(key))
    except Exception:  # Redis trouble: better a duplicate event than none
        return False


def _already_sent(_event: Any) -> str:
    return "duplicate"


@celery_app.task(bind=True, name=MERGE_TASK, acks_late=True, max_retries=MERGE_MAX_RETRIES)
def merge_record(
    self: Any,
    installation_id: int,
    owner: str,
    repo: str,
    number: int,
    merge_commit_sha: str | None = None,
    merged_at: str | None = None,
    delivery_id: str = "",
) -> dict[str, Any]:
    """The merge record in the ledger and one change event for the configured OTLP endpoint."""
    from prguard.worker.analysis_cache import RedisAnalysisCache
    from prguard.worker.ledger import ledger_engine, web_url
    from prguard.worker.merge import merge_facts, record_and_announce
    from prguard.worker.tasks import runtime

    context = {"delivery": delivery_id, "repo": f"{owner}/{repo}", "pr": number}
    rt = runtime()
    try:
        facts = merge_facts(
            rt.tokens.client(installation_id),
            installation_id=installation_id,
            owner=owner,
            repo=repo,
            number=number,
            merge_commit_sha=merge_commit_sha,
            merged_at=merged_at,
            web_url=web_url(),
            cache=RedisAnalysisCache(rt.redis, installation_id, prefix=rt.keys.prefix),
        )
    except (TransientGitHubError, Unauthorized) as exc:
        if isinstance(exc, Unauthorized):
            rt.tokens.forget(installation_id)
        if self.request.retries < MERGE_MAX_RETRIES:
            wait = (
                retry_countdown(exc, self.request.retries) if isinstance(exc, TransientGitHubError) else 5.0
            )
            countdown = min(MAX_RETRY_COUNTDOWN, wait)
            raise self.retry(exc=exc, countdown=countdown) from exc
        log.error("merge record given up after %s retries: %s", self.request.retries, exc, extra=context)
        return {"status": "failed"}
    except Exception:
        log.exception("merge record failed", extra=context)
        return {"status": "failed"}
    try:
        engine = ledger_engine()
    except Exception as exc:  # the ledger is optional for the change event
        log.warning("ledger not available for the merge record: %s", type(exc).__name__, extra=context)
        engine = None
    sent_key = f"{rt.keys.prefix}merge-event:{owner}/{repo}:{facts.event.merge_commit_sha}".lower()
    outcome = record_and_announce(
        facts, ledger_engine=engine, send=_already_sent if _was_sent(rt.redis, sent_key) else None
    )
    if outcome["event"] == "sent":
        try:
            rt.redis.set(sent_key, 1, ex=SENT_TTL_SECONDS)
        except Exception as exc:  # Redis trouble: a redelivery may send the event twice, nothing worse
            log.info("could not remember the sent change event: %s", type(exc).__name__, extra=context)
    log.info("merge recorded: %s", outcome, extra=context)
    return {"status": "done", **outcome}
