"""The workers' side of per-installation fairness (prguard.queue.fair): dispatch when capacity appears.

After every task a worker process tops the `analyze` queue up again, round-robin across installations,
and a worker that starts does so once; the receiver does it when work arrives. A failed dispatch loses
nothing (the jobs wait in Redis for the next one).
"""

from __future__ import annotations

import functools
import logging
from typing import Any

import redis as redis_lib
from celery import signals
from prguard.queue.celery_app import ANALYZE_QUEUE
from prguard.queue.fair import FairQueue, enabled

log = logging.getLogger("prguard.worker")


@functools.cache
def fair_queue() -> FairQueue:
    from prguard.worker.tasks import runtime

    current = runtime()
    return FairQueue(current.redis, current.keys.prefix, ANALYZE_QUEUE)


def dispatch() -> None:
    if not enabled():
        return
    try:
        fair_queue().dispatch()
    except redis_lib.RedisError as exc:
        log.warning("fair dispatch deferred: %s", type(exc).__name__)


@signals.task_postrun.connect
def _after_task(**_: Any) -> None:
    dispatch()


@signals.worker_ready.connect
def _on_start(**_: Any) -> None:
    dispatch()
