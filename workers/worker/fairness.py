"""The workers' side of per-installation fairness (prguard.queue.fair): dispatch when capacity appears.

After every task a worker process tops the `analyze` queue up again, round-robin across installations;
the receiver does it when work arrives. The worker's main process also dispatches when it starts and then
every few seconds, so a job never stays in the intake because the one dispatch that should have moved it
failed (Redis blinked right after the receiver queued it) while nothing else happened. A failed dispatch
loses nothing: the jobs wait in Redis for the next one.
"""

from __future__ import annotations

import functools
import logging
import threading
from typing import Any

import redis as redis_lib
from celery import signals
from prguard.queue.celery_app import ANALYZE_QUEUE
from prguard.queue.fair import FairQueue, enabled

log = logging.getLogger("prguard.worker")
TICK_SECONDS = 5.0
_ticker: threading.Event | None = None


@functools.cache
def fair_queue() -> FairQueue:
    """The pool process's dispatcher, on the task runtime's Redis connection."""
    from prguard.worker.tasks import runtime

    current = runtime()
    return FairQueue(current.redis, current.keys.prefix, ANALYZE_QUEUE)


def _own_fair_queue() -> FairQueue:
    """The main process's dispatcher, on a Redis client of its own: the pool's children, forked from this
    process, never share a connection (or a lock) with the ticking thread."""
    from prguard.config import Settings

    settings = Settings.from_env()
    client = redis_lib.Redis.from_url(settings.redis_url, socket_timeout=10, socket_connect_timeout=5)
    return FairQueue(client, settings.redis_key_prefix, ANALYZE_QUEUE)


def dispatch(queue: FairQueue | None = None) -> None:
    if not enabled():
        return
    try:
        (queue or fair_queue()).dispatch()
    except redis_lib.RedisError as exc:
        log.warning("fair dispatch deferred: %s", type(exc).__name__)


@signals.task_postrun.connect
def _after_task(**_: Any) -> None:
    dispatch()


@signals.worker_ready.connect
def _on_start(**_: Any) -> None:
    global _ticker
    if not enabled() or _ticker is not None:
        return
    queue = _own_fair_queue()
    dispatch(queue)
    _ticker = threading.Event()
    thread = threading.Thread(target=_tick, args=(queue, _ticker), name="prguard-fair-dispatch", daemon=True)
    thread.start()


@signals.worker_shutdown.connect
def _on_stop(**_: Any) -> None:
    if _ticker is not None:
        _ticker.set()


def _tick(queue: FairQueue, stopped: threading.Event) -> None:
    while not stopped.wait(TICK_SECONDS):
        dispatch(queue)
