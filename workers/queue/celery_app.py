"""The one Celery app of prguard, on the Redis broker, with the reliability settings that are not optional.

- Late acks + reject on worker lost: a worker killed mid-review leaves its message
  to be redelivered instead of losing it (the review task is idempotent).
- Prefetch 1: reviews are long; a worker must not hoard messages another could run.
- visibility_timeout (30 min) is larger than the hard time limit (10 min) and
  than any retry countdown (`MAX_RETRY_COUNTDOWN`, 10 min), otherwise Redis
  would hand a still-running or still-waiting message to a second worker.
- Two queues: `analyze` (CPU: fetch + engine) and `github-write` (rate-limited
  mutations), so writes waiting on GitHub's secondary limits never starve analysis.
- JSON only: a message is ids and SHAs; nothing executable is ever deserialised.

`celery -A prguard.queue.celery_app worker -Q analyze,github-write` finds `celery_app`
here. The broker comes from REDIS_URL; the rest of the settings are validated
when the worker starts (a clear error names every missing variable).
"""

from __future__ import annotations

import base64
import functools
import os
import uuid
from typing import Any

from celery import Celery
from celery.schedules import crontab
from celery.signals import worker_init
from prguard.config import (
    DEFAULT_REDIS_URL,
    DEFAULT_SOFT_TIME_LIMIT,
    DEFAULT_TIME_LIMIT,
    VISIBILITY_TIMEOUT,
    Settings,
    task_time_limits,
)
from prguard.observability import message_headers  # also connects the worker's log/metric signals
from prguard.queue import fastjson

ANALYZE_QUEUE = "analyze"
WRITE_QUEUE = "github-write"
SOFT_TIME_LIMIT = DEFAULT_SOFT_TIME_LIMIT  # the defaults; TASK_SOFT_TIME_LIMIT / TASK_TIME_LIMIT override
HARD_TIME_LIMIT = DEFAULT_TIME_LIMIT
MAX_RETRY_COUNTDOWN = 10 * 60
# Task names are wire format: queued messages and running workers of the previous release use them,
# so they keep the names they had before the code moved under the prguard package.

REVIEW_TASK = "workers.tasks.review_pull_request"
FORGET_TASK = "workers.tasks.forget_installation"
HELP_TASK = "workers.tasks.reply_help"
WAIVE_TASK = "workers.tasks.write_waive"
LEDGER_TASK = "workers.tasks.ledger_event"  # change-ledger writes from the receiver, and retried writes
LEDGER_RETENTION_TASK = "workers.tasks.ledger_retention"
LEDGER_DIGEST_TASK = "workers.tasks.ledger_digests"
MERGE_TASK = "workers.tasks.merge_record"  # on merge: the ledger's merge record and the change event

assert SOFT_TIME_LIMIT < HARD_TIME_LIMIT < VISIBILITY_TIMEOUT
assert MAX_RETRY_COUNTDOWN < VISIBILITY_TIMEOUT


def make_celery(redis_url: str | None = None) -> Celery:
    """A configured Celery app; the receiver builds one per Flask app (its own broker URL)."""
    url = redis_url or os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL
    tasks = ["prguard.worker.tasks", "prguard.worker.ledger_tasks", "prguard.worker.merge_tasks"]
    app = Celery("prguard", broker=url, backend=url, include=tasks)
    soft_limit, hard_limit = task_time_limits()  # validated: soft < hard < VISIBILITY_TIMEOUT
    transport = {"visibility_timeout": VISIBILITY_TIMEOUT}
    app.conf.update(
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        result_accept_content=["json"],
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_soft_time_limit=soft_limit,
        task_time_limit=hard_limit,
        broker_transport_options=dict(transport),
        result_backend_transport_options=dict(transport),
        visibility_timeout=VISIBILITY_TIMEOUT,
        result_expires=24 * 3600,
        task_ignore_result=True,  # outcomes live on GitHub and in the logs, not in the result backend
        task_default_queue=ANALYZE_QUEUE,
        task_routes={
            REVIEW_TASK: {"queue": ANALYZE_QUEUE},
            FORGET_TASK: {"queue": ANALYZE_QUEUE},
            HELP_TASK: {"queue": WRITE_QUEUE},
            WAIVE_TASK: {"queue": WRITE_QUEUE},
            LEDGER_TASK: {"queue": ANALYZE_QUEUE},
            LEDGER_RETENTION_TASK: {"queue": ANALYZE_QUEUE},
            LEDGER_DIGEST_TASK: {"queue": WRITE_QUEUE},
            MERGE_TASK: {"queue": ANALYZE_QUEUE},
        },
        # `celery -A prguard.queue.celery_app beat` (the Procfile's `beat`; run exactly one): the
        # ledger's daily retention and the weekly digests (each org's digest is claimed once per ISO
        # week in the database, so a second beat or a re-run posts nothing twice)
        beat_schedule={
            "ledger-retention": {"task": LEDGER_RETENTION_TASK, "schedule": crontab(hour=3, minute=17)},
            "ledger-digests": {"task": LEDGER_DIGEST_TASK, "schedule": crontab(hour=7, minute=5)},
        },
        timezone="UTC",
        # The webhook must answer fast: fail over to a 503 quickly when Redis is gone.
        broker_connection_timeout=2,
        broker_connection_retry_on_startup=True,
        task_publish_retry=True,
        task_publish_retry_policy={
            "max_retries": 1,
            "interval_start": 0,
            "interval_step": 0.2,
            "interval_max": 0.2,
        },
        worker_hijack_root_logger=False,
        worker_send_task_events=False,
        broker_pool_limit=32,
    )
    return app


def wire_message(app: Celery, task: str, kwargs: dict[str, Any], queue: str) -> str:
    """The exact envelope kombu's Redis transport LPUSHes for `send_task(task, kwargs=…, queue=queue)`.

    The receiver pushes it itself, inside the same Lua script that dedupes the
    delivery: one Redis round trip per webhook, and "claimed" and "queued" can
    never disagree. The static headers and properties come from Celery's own
    protocol-2 builder, once per (app, task, queue, process) (`_message_template`);
    per message only the ids, the kwargs and the queued-at/trace headers change.
    The kwargs are JSON-encoded once: that text is both the body's kwargs and
    the `kwargsrepr` header (Celery's saferepr would cost more than the rest of the webhook).
    """
    static_headers, static_properties = _message_template(app, task, queue, os.getpid())
    task_id = str(uuid.uuid4())
    kwargs_json = fastjson.dumps(kwargs)
    headers = {**static_headers, "id": task_id, "root_id": task_id, "kwargsrepr": kwargs_json.decode()}
    headers.update(message_headers())  # queued-at time (queue-wait metric) and trace context
    properties = {**static_properties, "correlation_id": task_id, "delivery_tag": str(uuid.uuid4())}
    body = b"[[]," + kwargs_json + b"," + _EMBED_JSON + b"]"  # protocol 2: (args, kwargs, embed)
    envelope = {
        "body": base64.b64encode(body).decode(),
        "content-encoding": "utf-8",
        "content-type": "application/json",
        "headers": headers,
        "properties": properties,
    }
    return fastjson.dumps(envelope).decode()


# Protocol 2's third body element for a message with no callbacks, errbacks, chain or chord.
_EMBED_JSON = fastjson.dumps({"callbacks": None, "errbacks": None, "chain": None, "chord": None})


@functools.cache
def _message_template(app: Celery, task: str, queue: str, pid: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """The headers and properties Celery gives every message of `task` (keyed by pid: `origin` names it)."""
    headers, properties, body, _ = app.amqp.create_task_message(
        "", task, (), {}, ignore_result=True, argsrepr="()", kwargsrepr="{}"
    )
    if list(body[2]) != ["callbacks", "errbacks", "chain", "chord"] or any(body[2].values()):
        raise RuntimeError(f"unexpected Celery protocol-2 embed {body[2]!r}")  # a Celery upgrade changed it
    for per_message in ("id", "root_id", "kwargsrepr"):
        headers.pop(per_message)
    properties = {
        **properties,
        "delivery_mode": 2,
        "delivery_info": {"exchange": "", "routing_key": queue},
        "priority": 0,
        "body_encoding": "base64",
    }
    properties.pop("correlation_id")
    return headers, properties


celery_app = make_celery()


@worker_init.connect
def _validate_settings_at_start(**_: object) -> None:
    """Refuse to start a worker that could not authenticate to GitHub; name every bad variable."""
    Settings.from_env()
