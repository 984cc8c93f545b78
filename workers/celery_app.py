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

`celery -A workers.celery_app worker -Q analyze,github-write` finds `celery_app`
here. The broker comes from REDIS_URL; the rest of the settings are validated
when the worker starts (a clear error names every missing variable).
"""

from __future__ import annotations

import base64
import json
import os
import uuid
from typing import Any

from celery import Celery
from celery.signals import worker_init
from kombu.serialization import dumps as kombu_dumps

from workers.config import (
    DEFAULT_REDIS_URL,
    DEFAULT_SOFT_TIME_LIMIT,
    DEFAULT_TIME_LIMIT,
    VISIBILITY_TIMEOUT,
    task_time_limits,
)
from workers.observability import message_headers  # also connects the worker's log/metric signals

ANALYZE_QUEUE = "analyze"
WRITE_QUEUE = "github-write"
SOFT_TIME_LIMIT = DEFAULT_SOFT_TIME_LIMIT  # the defaults; TASK_SOFT_TIME_LIMIT / TASK_TIME_LIMIT override
HARD_TIME_LIMIT = DEFAULT_TIME_LIMIT
MAX_RETRY_COUNTDOWN = 10 * 60

REVIEW_TASK = "workers.tasks.review_pull_request"
FORGET_TASK = "workers.tasks.forget_installation"
HELP_TASK = "workers.tasks.reply_help"
WAIVE_TASK = "workers.tasks.write_waive"

assert SOFT_TIME_LIMIT < HARD_TIME_LIMIT < VISIBILITY_TIMEOUT
assert MAX_RETRY_COUNTDOWN < VISIBILITY_TIMEOUT


def make_celery(redis_url: str | None = None) -> Celery:
    """A configured Celery app; the receiver builds one per Flask app (its own broker URL)."""
    url = redis_url or os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL
    app = Celery("prguard", broker=url, backend=url, include=["workers.tasks"])
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
        },
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
    never disagree. Headers and body come from Celery's own protocol-2 builder.
    """
    task_id = str(uuid.uuid4())
    headers, properties, body, _ = app.amqp.create_task_message(
        task_id, task, (), kwargs, ignore_result=True, argsrepr="()", kwargsrepr=json.dumps(kwargs)
    )  # the reprs given: Celery's saferepr would cost more than the rest of the webhook
    headers.update(message_headers())  # queued-at time (queue-wait metric) and trace context
    content_type, content_encoding, payload = kombu_dumps(body, serializer="json")
    properties = {
        **properties,
        "delivery_mode": 2,
        "delivery_info": {"exchange": "", "routing_key": queue},
        "priority": 0,
        "body_encoding": "base64",
        "delivery_tag": str(uuid.uuid4()),
    }
    data = payload.encode() if isinstance(payload, str) else payload
    envelope = {
        "body": base64.b64encode(data).decode(),
        "content-encoding": content_encoding,
        "content-type": content_type,
        "headers": headers,
        "properties": properties,
    }
    return json.dumps(envelope)


celery_app = make_celery()


@worker_init.connect
def _validate_settings_at_start(**_: object) -> None:
    """Refuse to start a worker that could not authenticate to GitHub; name every bad variable."""
    from workers.config import Settings

    Settings.from_env()
