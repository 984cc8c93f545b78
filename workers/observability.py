"""Wires logs, metrics and tracing into the Celery worker through Celery's signals.

Per task: the log context (delivery, installation, repo, PR, head SHA) is set
from the task's own keyword arguments, queue wait is measured from the
`prguard_enqueued_at` header the receiver stamps on the message, the trace
continues from its `traceparent` header, and duration and outcome are counted.
Per worker: JSON logging for every logger (Celery's too) and, when
`WORKER_METRICS_PORT` is set, a metrics exporter in the main process.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import Token
from typing import Any

from celery import signals
from prguard import logs, metrics, tracing

ENQUEUED_HEADER = "prguard_enqueued_at"
_MAX_TRACKED = 1024

log = logging.getLogger("prguard.worker")
_running: dict[str, tuple[float, Token, Any]] = {}  # task id -> (start, log-context token, span scope)


def message_headers() -> dict[str, Any]:
    """Headers for a Celery message the receiver sends: when it was queued, and the trace context."""
    return tracing.inject({ENQUEUED_HEADER: time.time()})


@contextmanager
def stage(name: str) -> Iterator[None]:
    """One stage of a review job: timed as a metric and, with tracing on, a `stage <name>` span."""
    with metrics.stage(name), tracing.span(f"stage {name}"):
        yield


def _short_task(name: str | None) -> str:
    return (name or "unknown").rsplit(".", 1)[-1]


@signals.setup_logging.connect
def _json_logging(loglevel: Any = None, **_: Any) -> None:
    """Replace Celery's log setup: every line the worker writes is one JSON object."""
    level = os.environ.get("LOG_LEVEL") or (logging.getLevelName(loglevel) if loglevel else "INFO")
    logs.configure_logging(
        str(level).upper() if str(level).upper() in logging._nameToLevel else "INFO", root=True
    )


@signals.worker_init.connect
def _start_worker_observability(**_: Any) -> None:
    """In the worker's main process, before the pool forks: fresh metrics files, exporter, tracing."""
    metrics.reset_multiproc_dir()
    port = os.environ.get(metrics.WORKER_PORT_ENV, "").strip()
    if port:
        try:
            metrics.start_exporter(int(port))
        except (ValueError, OSError) as exc:
            log.error("cannot serve worker metrics on port %r: %s", port, exc)
        else:
            if not os.environ.get(metrics.MULTIPROC_ENV):
                log.warning(
                    "%s is not set: the exporter shows only this process (fine with --pool solo/threads, "
                    "empty for the default prefork pool)",
                    metrics.MULTIPROC_ENV,
                )
            log.info("worker metrics on :%s/metrics", port)


@signals.worker_process_init.connect
def _child_tracing(**_: Any) -> None:
    tracing.setup("prguard-worker")  # exporters hold threads, which do not survive a fork


@signals.worker_process_shutdown.connect
def _child_exited(pid: int | None = None, **_: Any) -> None:
    metrics.process_exited(pid or os.getpid())


@signals.task_prerun.connect
def _task_started(task_id: str = "", task: Any = None, kwargs: dict | None = None, **_: Any) -> None:
    name = _short_task(getattr(task, "name", None))
    request = getattr(task, "request", None)
    enqueued = getattr(request, ENQUEUED_HEADER, None) if request is not None else None
    waited = None
    if isinstance(enqueued, int | float) and getattr(request, "retries", 0) == 0:
        waited = max(0.0, time.time() - enqueued)
        metrics.QUEUE_WAIT_SECONDS.labels(name).observe(waited)
    tracing.setup("prguard-worker")  # no-op after the first call, and without OTEL_EXPORTER_OTLP_ENDPOINT
    scope = tracing.span(f"task {name}", parent=tracing.extract(request), **logs.job_fields(kwargs or {}))
    scope.__enter__()
    fields = {
        **logs.job_fields(kwargs or {}),
        "task": name,
        "task_id": task_id,
        "trace_id": tracing.trace_id(),
        "queue_wait_ms": round(waited * 1000) if waited is not None else None,  # every line of the job
    }
    token = logs.push_context(**fields)
    if len(_running) < _MAX_TRACKED:
        _running[task_id] = (time.perf_counter(), token, scope)


@signals.task_postrun.connect
def _task_finished(
    task_id: str = "", task: Any = None, retval: Any = None, state: str = "", **_: Any
) -> None:
    started = _running.pop(task_id, None)
    if started is None:
        return
    begun, token, scope = started
    name = _short_task(getattr(task, "name", None))
    status = (
        retval.get("status") if isinstance(retval, dict) and retval.get("status") else (state or "").lower()
    )
    status = str(status or "unknown")[:32]
    metrics.JOB_SECONDS.labels(name, status).observe(time.perf_counter() - begun)
    metrics.JOBS.labels(name, status).inc()
    if status == "superseded":
        metrics.SUPERSEDED.inc()
    logs.pop_context(token)
    scope.__exit__(None, None, None)


@signals.task_retry.connect
def _task_retried(request: Any = None, reason: Any = None, **_: Any) -> None:
    name = _short_task(getattr(request, "task", None))
    metrics.RETRIES.labels(
        name, type(reason).__name__ if isinstance(reason, BaseException) else "retry"
    ).inc()
