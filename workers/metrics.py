"""prguard's Prometheus metrics, defined once for the web process and the workers.

Why prometheus_client: it is the reference client, and its multiprocess mode is
what makes counters correct under gunicorn's and Celery's pre-forked processes
(each process writes its own mmap file in `PROMETHEUS_MULTIPROC_DIR`; the
exporter sums them). Without that variable each process keeps its own values,
which is right for a single process (Celery `--pool solo`, tests).

The web process serves `GET /metrics`; a worker serves the same text on
`WORKER_METRICS_PORT` (see `prguard.observability`). Label values are bounded:
route templates, rule ids, stages and outcomes, never ids or SHAs.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    start_http_server,
)
from prometheus_client import multiprocess as _multiprocess

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
WORKER_PORT_ENV = "WORKER_METRICS_PORT"

_multiproc_dir = os.environ.get(MULTIPROC_ENV)
if _multiproc_dir:
    Path(_multiproc_dir).mkdir(parents=True, exist_ok=True)  # values are written there from the first use

_FAST = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)
_SLOW = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600)

WEBHOOKS = Counter(
    "prguard_webhooks",
    "Webhook deliveries received, by event and outcome (queued, duplicate, ignored, recorded, unhandled, "
    "rejected-401/400/413, unavailable).",
    ["event", "outcome"],
)
WEBHOOK_SECONDS = Histogram(
    "prguard_webhook_duration_seconds", "Time to answer a webhook delivery.", ["event"], buckets=_FAST
)
QUEUE_WAIT_SECONDS = Histogram(
    "prguard_queue_wait_seconds", "Time a job waited in the queue before a worker started it.", ["task"],
    buckets=_SLOW,
)  # fmt: skip
JOB_SECONDS = Histogram(
    "prguard_job_duration_seconds", "Time a worker spent on a job, by task and status.", ["task", "status"],
    buckets=_SLOW,
)  # fmt: skip
STAGE_SECONDS = Histogram(
    "prguard_job_stage_duration_seconds",
    "Time spent in each stage of a review (check_run, policy, fetch, engine, publish).",
    ["stage"],
    buckets=_SLOW,
)
JOBS = Counter("prguard_jobs", "Jobs finished, by task and status.", ["task", "status"])
SUPERSEDED = Counter(
    "prguard_jobs_superseded", "Review jobs stopped because a newer push replaced their head SHA."
)
RETRIES = Counter("prguard_task_retries", "Task retries scheduled, by task and reason.", ["task", "reason"])
FINDINGS = Counter(
    "prguard_findings", "Findings reported, by analyzer, rule and severity.", ["analyzer", "rule", "severity"]
)
GITHUB_CALLS = Counter(
    "prguard_github_api_calls",
    "GitHub API requests, by method, route template and status (0: no answer).",
    ["method", "route", "status"],
)
LEDGER_OPERATIONS = Counter(
    "prguard_ledger_operations",
    "Change-ledger reads and writes, by operation (review, closed, waiver, purge, retention, lookup, digest) "
    "and outcome (ok; retried: the database did not answer and the write was queued again; lost: given up; "
    "failed: a look-up that did not answer).",
    ["operation", "outcome"],
)
RATE_LIMIT_REMAINING = Gauge(
    "prguard_github_rate_limit_remaining",
    "Requests left in GitHub's rate-limit window, as last seen, by resource (core, graphql, ...).",
    ["resource"],
    multiprocess_mode="mostrecent",
)
QUEUE_DEPTH = Gauge(
    "prguard_queue_depth",
    "Jobs waiting, read from Redis when the web process is scraped: analyze and github-write (on the Celery "
    "queues) and fair (reviews waiting for their installation's turn). Autoscale workers on "
    "analyze + fair.",
    ["queue"],
    multiprocess_mode="mostrecent",
)


def export_registry() -> CollectorRegistry:
    """The registry to expose: every process's values in multiprocess mode, else this process's."""
    if not os.environ.get(MULTIPROC_ENV):
        return REGISTRY
    registry = CollectorRegistry()
    _multiprocess.MultiProcessCollector(registry)
    return registry


def render() -> tuple[bytes, str]:
    """The Prometheus text exposition and its content type (for `GET /metrics`)."""
    return generate_latest(export_registry()), CONTENT_TYPE_LATEST


def reset_multiproc_dir() -> None:
    """Drop the values of processes that are gone (a previous run); call once in the parent at start.

    Files of live processes stay: this process's own (a solo-pool worker counts in it)
    and those of anything still running against the same directory.
    """
    directory = os.environ.get(MULTIPROC_ENV)
    if not directory:
        return
    path = Path(directory)
    path.mkdir(parents=True, exist_ok=True)
    for entry in path.glob("*.db"):
        pid = entry.stem.rsplit("_", 1)[-1]
        if pid.isdigit() and not _alive(int(pid)):
            entry.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's live process
    return True


def process_exited(pid: int) -> None:
    """A child process ended: its live gauges no longer count."""
    if os.environ.get(MULTIPROC_ENV):
        _multiprocess.mark_process_dead(pid)


def start_exporter(port: int, addr: str = "0.0.0.0") -> Any:  # noqa: S104 - scraped from other hosts
    """Serve the metrics text on `addr:port` from a daemon thread; returns the server."""
    server, _thread = start_http_server(port, addr=addr, registry=export_registry())
    return server


@contextmanager
def stage(name: str) -> Iterator[None]:
    """Time one stage of a review job."""
    started = time.perf_counter()
    try:
        yield
    finally:
        STAGE_SECONDS.labels(name).observe(time.perf_counter() - started)


def observe_github_call(method: str, route: str, status: int | None, remaining: Any = None) -> None:
    """One GitHub API exchange (called by `prguard.github.client`)."""
    GITHUB_CALLS.labels(method, route, str(status or 0)).inc()
    if remaining is not None and getattr(remaining, "remaining", None) is not None:
        resource = getattr(remaining, "resource", None) or ("graphql" if route == "/graphql" else "core")
        RATE_LIMIT_REMAINING.labels(resource).set(remaining.remaining)


def observe_findings(findings: Any) -> None:
    """Count the findings of a finished review."""
    for finding in findings:
        severity = getattr(finding.severity, "value", finding.severity)
        FINDINGS.labels(finding.analyzer, finding.rule_id, str(severity)).inc()
