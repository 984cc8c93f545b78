"""Celery tasks: thin adapters from a queued message to the pipeline and the publish commands.

Retries are for transient GitHub trouble only (5xx, timeouts, resets, rate
limits): the countdown is GitHub's `Retry-After`/reset when it gave one, else
exponential backoff with jitter, capped below the broker's visibility timeout.
Everything else is final: the check run says what happened, nothing loops.
"""

from __future__ import annotations

import functools
import logging
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

import redis as redis_lib
from celery.exceptions import SoftTimeLimitExceeded, TimeLimitExceeded
from celery.signals import task_failure
from prguard.config import Settings
from prguard.github.auth import InstallationTokens
from prguard.github.errors import TransientGitHubError, Unauthorized
from prguard.github.ratelimit import retry_countdown
from prguard.publish import identity
from prguard.publish.commands import WaiverStore, answer_help, waive
from prguard.publish.publisher import publish_context
from prguard.queue.celery_app import (
    ANALYZE_QUEUE,
    FORGET_TASK,
    HELP_TASK,
    LEDGER_TASK,
    MAX_RETRY_COUNTDOWN,
    REVIEW_TASK,
    WAIVE_TASK,
    WRITE_QUEUE,
    celery_app,
)
from prguard.queue.jobs import ReviewJob
from prguard.queue.state import PullState, RedisKeys
from prguard.worker.analysis_cache import RedisAnalysisCache
from prguard.worker.checkruns import close_timed_out_run, fail_check_run, remembered_check_run
from prguard.worker.fairness import dispatch as _fair_dispatch  # noqa: F401 - connects the fair dispatch
from prguard.worker.ledger import count as ledger_count
from prguard.worker.ledger import review_hooks
from prguard.worker.pipeline import run_review
from prguard.worker.warmup import preload as _preload  # noqa: F401 - connects the start-up warm-up

log = logging.getLogger("prguard.tasks")

MAX_RETRIES = 6
TIMED_OUT_TASK = "workers.tasks.close_timed_out_review"
_CLOSED_AT_HARD_LIMIT: deque[str | None] = deque(maxlen=256)  # task ids, in the worker's main process


@dataclass
class Runtime:
    """Per worker process: settings, one Redis connection pool, the token cache."""

    settings: Settings
    redis: Any
    keys: RedisKeys
    tokens: Any  # prguard.github.auth.InstallationTokens

    def bot_login(self) -> str:
        """`<app slug>[bot]`, the login our comments carry (GET /app when not cached; the same
        resolver and Redis key as publishing: prguard.publish.identity)."""

        def from_app() -> str | None:
            return identity.login_of_app(self.tokens.app_client().get("/app"))

        return identity.bot_login(self.redis, self.keys.prefix, from_app)


@functools.cache
def runtime() -> Runtime:
    settings = Settings.from_env()
    redis = redis_lib.Redis.from_url(settings.redis_url, socket_timeout=10, socket_connect_timeout=5)
    tokens = InstallationTokens(
        app_id=settings.github_app_id,
        private_key=settings.github_private_key,
        api_url=settings.github_api_url,
        graphql_url=settings.github_graphql_url,
        redis=redis,
        key_prefix=f"{settings.redis_key_prefix}ghtoken:",
    )
    return Runtime(settings, redis, RedisKeys(settings.redis_key_prefix), tokens)


def _retry(task: Any, exc: Exception) -> None:
    """Raise the Celery retry for a transient failure (or return when retries are used up)."""
    if task.request.retries >= task.max_retries:
        return
    # A refused (revoked/expired) token is retried at once with a freshly minted one.
    countdown = retry_countdown(exc, task.request.retries) if isinstance(exc, TransientGitHubError) else 1.0
    raise task.retry(exc=exc, countdown=min(countdown, MAX_RETRY_COUNTDOWN))


@celery_app.task(
    bind=True,
    name=REVIEW_TASK,
    acks_late=True,
    max_retries=MAX_RETRIES,
    retry_backoff=True,
    retry_backoff_max=MAX_RETRY_COUNTDOWN,
    retry_jitter=True,
)
def review_pull_request(
    self: Any,
    installation_id: int,
    owner: str,
    repo: str,
    number: int,
    head_sha: str | None,
    delivery_id: str,
    trigger: str,
    comment_id: int | None = None,
) -> dict[str, Any]:
    """Review one PR at one head (see `prguard.worker.pipeline.run_review`)."""
    job = ReviewJob(installation_id, owner, repo, number, head_sha, delivery_id, trigger, comment_id)
    rt = runtime()
    context = {"delivery": delivery_id, "repo": job.full_name, "pr": number, "head_sha": head_sha}
    deadline = analysis_deadline(self.soft_time_limit or celery_app.conf.task_soft_time_limit)
    try:
        cache = RedisAnalysisCache(rt.redis, installation_id, prefix=rt.keys.prefix)
        outcome = run_review(
            job, github=rt.tokens, redis=rt.redis, keys=rt.keys, publisher=publish_context, cache=cache,
            engine_deadline=deadline, ledger=review_hooks(),
        )  # fmt: skip
    except (TransientGitHubError, Unauthorized) as exc:
        if isinstance(exc, Unauthorized):
            rt.tokens.forget(installation_id)
        _retry(self, exc)
        log.error("giving up after %s retries: %s", self.request.retries, exc, extra=context)
        _give_up(rt, job, exc)
        return {"status": "failed", "detail": f"gave up after {self.request.retries} retries"}
    except SoftTimeLimitExceeded as exc:
        log.error("review hit the soft time limit", extra=context)
        _give_up(rt, job, exc, timed_out=True)
        return {"status": "timed_out", "detail": "time limit"}
    except Exception:
        log.exception("review failed", extra=context)
        _release_content_claim(rt, job)  # a redelivery may try again
        return {"status": "failed", "detail": "error (see the check run)"}
    if outcome.status in ("superseded", "dropped", "closed"):
        _release_content_claim(rt, job)  # a force-push back to this head must be reviewed again
    log.info("review %s: %s", outcome.status, outcome.detail, extra={**context, "outcome": outcome.status})
    return outcome.to_dict()


def analysis_deadline(soft_limit: float | None, now: float | None = None) -> float | None:
    """When analysis must stop so publishing still fits before the soft time limit.

    The engine checks its budget between files, so a slow review ends `neutral` with the
    files it could not reach listed, instead of being cut off mid-analysis by the limit.
    A quarter of the limit (at most 90 s) is left for publishing.
    """
    if not soft_limit:
        return None
    start = time.monotonic() if now is None else now
    return start + soft_limit - min(90.0, soft_limit / 4)


def _give_up(rt: Runtime, job: ReviewJob, exc: BaseException, *, timed_out: bool = False) -> None:
    _release_content_claim(rt, job)
    run_id = remembered_check_run(rt.redis, rt.keys, job)
    if run_id is None:
        return
    try:
        client = rt.tokens.client(job.installation_id)
        if timed_out:
            close_timed_out_run(client, job, run_id, exc)
        else:
            fail_check_run(client, job, run_id, exc)
    except Exception as inner:  # GitHub may still be down: the run goes stale on its own after 14 days
        log.warning("could not close check run %s: %s", run_id, type(inner).__name__)


@task_failure.connect(sender=review_pull_request)
def _review_killed_at_hard_limit(
    task_id: str | None = None, exception: BaseException | None = None, kwargs: Any = None, **_: Any
) -> None:
    """The hard time limit killed the child mid-review (Celery acks the message: no redelivery).

    Runs in the worker's main process, which must not block on GitHub: it only queues the
    closing of the check run (`timed_out`), which would otherwise stay `in_progress` for days.
    """
    if not isinstance(exception, TimeLimitExceeded) or not isinstance(kwargs, dict):
        return
    if task_id in _CLOSED_AT_HARD_LIMIT:  # Celery signals a hard time-out twice (pool error + on_timeout)
        return
    _CLOSED_AT_HARD_LIMIT.append(task_id)
    log.error("review killed at the hard time limit", extra={"delivery": kwargs.get("delivery_id")})
    try:
        celery_app.send_task(TIMED_OUT_TASK, kwargs=dict(kwargs), queue=WRITE_QUEUE)
    except Exception as exc:  # the broker is gone: the run goes stale on its own after 14 days
        log.warning("could not queue the closing of a timed-out review: %s", type(exc).__name__)


@celery_app.task(bind=True, name=TIMED_OUT_TASK, acks_late=True, max_retries=MAX_RETRIES)
def close_timed_out_review(self: Any, **job_kwargs: Any) -> dict[str, Any]:
    """Complete a hard-killed review's check run `timed_out` (once: a completed run is left alone).

    Takes the killed review's own keyword arguments as they were queued, newer fields included."""
    job = ReviewJob.from_kwargs(job_kwargs)
    rt = runtime()
    _release_content_claim(rt, job)
    run_id = remembered_check_run(rt.redis, rt.keys, job)
    try:
        closed = close_timed_out_run(rt.tokens.client(job.installation_id), job, run_id, TimeLimitExceeded())
    except (TransientGitHubError, Unauthorized) as exc:
        _retry(self, exc)
        return {"status": "failed", "detail": str(exc)}
    return {"status": "timed_out" if closed else "already-completed", "check_run_id": run_id}


def _release_content_claim(rt: Runtime, job: ReviewJob) -> None:
    if not job.head_sha:
        return
    state = PullState(rt.redis, rt.keys)
    try:
        state.release(
            rt.keys.content(job.installation_id, job.full_name, job.number, job.head_sha), job.delivery_id
        )
        state.release(rt.keys.delivery(job.delivery_id), job.delivery_id)
    except redis_lib.RedisError as exc:
        log.warning("could not release the dedupe claim: %s", type(exc).__name__)


@celery_app.task(name=FORGET_TASK, acks_late=True)
def forget_installation(
    installation_id: int, repositories: list[str] | None = None, delivery_id: str = ""
) -> dict[str, Any]:
    """An installation (or some of its repositories) went away: drop its cached token.

    The receiver already marked it removed, so review jobs still queued for it stop at their start.
    """
    rt = runtime()
    rt.tokens.forget(installation_id)
    log.info(
        "forgot installation %s token (repositories: %s)",
        installation_id,
        repositories or "all",
        extra={"delivery": delivery_id, "installation": installation_id},
    )
    return {"status": "forgotten", "installation_id": installation_id, "repositories": repositories}


@celery_app.task(bind=True, name=HELP_TASK, acks_late=True, max_retries=MAX_RETRIES)
def reply_help(
    self: Any,
    installation_id: int,
    owner: str,
    repo: str,
    number: int,
    delivery_id: str,
    trigger: str = "command.help",
    comment_id: int | None = None,
    head_sha: str | None = None,
) -> dict[str, Any]:
    """Answer `/prguard help` once per asking comment (prguard.publish.commands)."""
    rt = runtime()
    if comment_id is None:
        return {"status": "ignored", "detail": "no comment to answer"}
    try:
        client = rt.tokens.client(installation_id)
        posted = answer_help(client, owner, repo, number, comment_id, rt.bot_login())
    except (TransientGitHubError, Unauthorized) as exc:
        _retry(self, exc)
        return {"status": "failed", "detail": str(exc)}
    return {"status": "answered" if posted else "already-answered"}


@celery_app.task(bind=True, name=WAIVE_TASK, acks_late=True, max_retries=MAX_RETRIES)
def write_waive(
    self: Any,
    installation_id: int,
    owner: str,
    repo: str,
    check_run_id: int,
    login: str,
    delivery_id: str = "",
) -> dict[str, Any]:
    """The Waive button: permission is checked against GitHub, never trusted from the payload."""
    rt = runtime()
    try:
        client = rt.tokens.client(installation_id)
        outcome = waive(
            client, owner, repo, check_run_id, login,
            store=WaiverStore(rt.redis, rt.keys.prefix), installation_id=installation_id,
        )  # fmt: skip
    except (TransientGitHubError, Unauthorized) as exc:
        _retry(self, exc)
        return {"status": "failed", "detail": str(exc)}
    if outcome.waived:
        _record_waiver(installation_id, owner, repo, check_run_id, login, delivery_id)
    return {"status": "waived" if outcome.waived else "refused", "detail": outcome.reason}


def _record_waiver(
    installation_id: int, owner: str, repo: str, check_run_id: int, login: str, delivery_id: str
) -> None:
    """The ledger keeps who waived which run (queued: the database may be down; never fails the waive)."""
    event = {
        "kind": "waiver", "installation_id": installation_id, "owner": owner, "repo": repo,
        "check_run_id": check_run_id, "login": login, "delivery_id": delivery_id,
        "reason": "pressed Waive on the failing check run (write access checked with GitHub)",
    }  # fmt: skip
    try:
        celery_app.send_task(LEDGER_TASK, kwargs=event, queue=ANALYZE_QUEUE)
    except Exception as exc:
        ledger_count("waiver", "lost")
        log.warning("could not queue the ledger's waiver record: %s", type(exc).__name__)
