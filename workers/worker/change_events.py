"""Change events for observability backends: one OpenTelemetry log record per merged pull request.

Sent over OTLP/HTTP (protobuf, `POST <endpoint>/v1/logs`) to the collector or backend the standard
variables name: `OTEL_EXPORTER_OTLP_LOGS_ENDPOINT` (used as is) or `OTEL_EXPORTER_OTLP_ENDPOINT`
(+ `/v1/logs`), headers from `OTEL_EXPORTER_OTLP_LOGS_HEADERS` / `OTEL_EXPORTER_OTLP_HEADERS`
(`key=value,...`, values URL-encoded), timeout from `OTEL_EXPORTER_OTLP_LOGS_TIMEOUT` /
`OTEL_EXPORTER_OTLP_TIMEOUT` (milliseconds). Off when no endpoint is set.

Attributes follow the VCS semantic conventions (`vcs.*`: the change is the pull request, its head
revision the merge commit) plus prguard's own (`prguard.*`). Sending retries transient failures a
few times with backoff and then gives up with a log line: it runs in its own task after the merge,
so it can neither delay nor fail a review. Header values are never logged.
"""

from __future__ import annotations

import logging
import os
import time
import urllib.parse
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger("prguard.change_events")

MAX_FUNCTIONS = 50
MAX_AGENTS = 20
RETRY_DELAYS = (0.5, 2.0, 5.0)
DEFAULT_TIMEOUT_SECONDS = 10.0
SCOPE_NAME = "prguard.change_events"
EVENT_NAME = "prguard.change.merged"
SEVERITY_INFO = 9  # SeverityNumber.SEVERITY_NUMBER_INFO


@dataclass(slots=True)
class ChangeEvent:
    """What prguard knows about one merged pull request."""

    owner: str
    repo: str
    number: int
    title: str
    merge_commit_sha: str
    base_ref: str
    repository_url: str
    ai_authored: bool = False
    agents: list[str] = field(default_factory=list)
    ai_line_share: float = 0.0
    risk: int = 0
    findings_open: int = 0
    functions_changed: list[str] = field(default_factory=list)
    merged_at_unix_nano: int | None = None

    def attributes(self) -> dict[str, Any]:
        return {
            "vcs.provider.name": "github",
            "vcs.owner.name": self.owner,
            "vcs.repository.name": self.repo,
            "vcs.repository.url.full": self.repository_url,
            "vcs.change.id": str(self.number),
            "vcs.change.title": self.title,
            "vcs.change.state": "merged",
            "vcs.ref.head.revision": self.merge_commit_sha,
            "vcs.ref.base.name": self.base_ref,
            "prguard.ai_authored": bool(self.ai_authored),
            "prguard.agents": list(self.agents[:MAX_AGENTS]),
            "prguard.ai_line_share": float(self.ai_line_share),
            "prguard.risk": int(self.risk),
            "prguard.findings.open": int(self.findings_open),
            "prguard.functions.changed": list(self.functions_changed[:MAX_FUNCTIONS]),
        }


@dataclass(frozen=True, slots=True)
class Exporter:
    endpoint: str
    headers: Mapping[str, str]
    timeout: float


def exporter_from_env(environ: Mapping[str, str] | None = None) -> Exporter | None:
    """The OTLP/HTTP logs endpoint the standard variables configure, or None (events off)."""
    env = os.environ if environ is None else environ
    endpoint = env.get("OTEL_EXPORTER_OTLP_LOGS_ENDPOINT", "").strip()
    if not endpoint:
        base = env.get("OTEL_EXPORTER_OTLP_ENDPOINT", "").strip()
        if not base:
            return None
        endpoint = base.rstrip("/") + "/v1/logs"
    headers = _headers(
        env.get("OTEL_EXPORTER_OTLP_LOGS_HEADERS") or env.get("OTEL_EXPORTER_OTLP_HEADERS") or ""
    )
    timeout_text = env.get("OTEL_EXPORTER_OTLP_LOGS_TIMEOUT") or env.get("OTEL_EXPORTER_OTLP_TIMEOUT") or ""
    try:
        timeout = float(timeout_text) / 1000 if timeout_text.strip() else DEFAULT_TIMEOUT_SECONDS
    except ValueError:
        timeout = DEFAULT_TIMEOUT_SECONDS
    return Exporter(endpoint, headers, max(0.1, timeout))


def _headers(text: str) -> dict[str, str]:
    out = {}
    for item in text.split(","):
        key, sep, value = item.partition("=")
        if sep and key.strip():
            out[urllib.parse.unquote(key.strip())] = urllib.parse.unquote(value.strip())
    return out


def _any_value(value: Any) -> Any:
    from opentelemetry.proto.common.v1.common_pb2 import AnyValue, ArrayValue

    if isinstance(value, bool):
        return AnyValue(bool_value=value)
    if isinstance(value, int):
        return AnyValue(int_value=value)
    if isinstance(value, float):
        return AnyValue(double_value=value)
    if isinstance(value, (list, tuple)):
        return AnyValue(array_value=ArrayValue(values=[_any_value(v) for v in value]))
    return AnyValue(string_value=str(value))


def encode(event: ChangeEvent, *, service_name: str = "prguard", now_unix_nano: int | None = None) -> bytes:
    """The ExportLogsServiceRequest protobuf bytes carrying the event's one log record."""
    from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
    from opentelemetry.proto.common.v1.common_pb2 import InstrumentationScope, KeyValue
    from opentelemetry.proto.logs.v1.logs_pb2 import LogRecord, ResourceLogs, ScopeLogs
    from opentelemetry.proto.resource.v1.resource_pb2 import Resource

    now = now_unix_nano or time.time_ns()
    record = LogRecord(
        time_unix_nano=event.merged_at_unix_nano or now,
        observed_time_unix_nano=now,
        severity_number=SEVERITY_INFO,
        severity_text="INFO",
        body=_any_value(f"{event.owner}/{event.repo} #{event.number} merged: {event.title}"),
        attributes=[KeyValue(key=k, value=_any_value(v)) for k, v in event.attributes().items()],
    )
    if "event_name" in LogRecord.DESCRIPTOR.fields_by_name:
        record.event_name = EVENT_NAME
    resource = Resource(attributes=[KeyValue(key="service.name", value=_any_value(service_name))])
    request = ExportLogsServiceRequest(
        resource_logs=[
            ResourceLogs(
                resource=resource,
                scope_logs=[ScopeLogs(scope=InstrumentationScope(name=SCOPE_NAME), log_records=[record])],
            )
        ]
    )
    return request.SerializeToString()


def send(
    event: ChangeEvent,
    exporter: Exporter | None = None,
    *,
    post: Callable[..., Any] | None = None,
    sleep: Callable[[float], None] | None = None,
    delays: Sequence[float] | None = None,
) -> str:
    """Send the event; returns sent | off | failed | rejected (never raises)."""
    sleep = sleep or time.sleep
    delays = RETRY_DELAYS if delays is None else delays
    exporter = exporter or exporter_from_env()
    if exporter is None:
        return "off"
    try:
        body = encode(event, service_name=os.environ.get("OTEL_SERVICE_NAME", "").strip() or "prguard")
    except Exception as exc:  # opentelemetry-proto missing or broken: say so once, never fail the merge
        log.warning("change event not encoded: %s", type(exc).__name__)
        return "failed"
    if post is None:
        import requests

        post = requests.post
    headers = {**exporter.headers, "Content-Type": "application/x-protobuf"}
    attempts = [0.0, *delays]
    for attempt, delay in enumerate(attempts):
        if delay:
            sleep(delay)
        try:
            response = post(exporter.endpoint, data=body, headers=headers, timeout=exporter.timeout)
        except Exception as exc:  # connection refused, timeout, DNS: transient, try again
            log.info("change event not sent (attempt %d): %s", attempt + 1, type(exc).__name__)
            continue
        status = int(getattr(response, "status_code", 0))
        if 200 <= status < 300:
            return "sent"
        if status in (408, 429) or status >= 500:
            log.info("change event not accepted yet (attempt %d): HTTP %d", attempt + 1, status)
            continue
        log.warning("change event rejected by %s: HTTP %d", _origin(exporter.endpoint), status)
        return "rejected"
    log.warning("change event dropped after %d attempts to %s", len(attempts), _origin(exporter.endpoint))
    return "failed"


def _origin(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return f"{parts.scheme}://{parts.hostname or ''}{':' + str(parts.port) if parts.port else ''}"
