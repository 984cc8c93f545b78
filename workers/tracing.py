"""Optional OpenTelemetry tracing of a job: webhook (web) → task (worker) → GitHub calls.

Off unless `OTEL_EXPORTER_OTLP_ENDPOINT` is set AND the `prguard[otel]` extra is
installed; otherwise every function here is a cheap no-op, so tracing is never
required to run prguard. The trace context crosses the queue as a W3C
`traceparent` header on the Celery message (never in the job's arguments).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator, MutableMapping
from contextlib import contextmanager
from typing import Any

ENDPOINT_ENV = "OTEL_EXPORTER_OTLP_ENDPOINT"
SERVICE_ENV = "OTEL_SERVICE_NAME"

log = logging.getLogger("prguard.tracing")
_tracer: Any = None


def enabled() -> bool:
    return _tracer is not None


def setup(service_name: str) -> bool:
    """Install the OTLP exporter once per process when configured; True when tracing is on."""
    global _tracer
    if _tracer is not None:
        return True
    if not os.environ.get(ENDPOINT_ENV):
        return False
    try:
        from opentelemetry import trace
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor
    except ImportError:
        log.warning(
            "%s is set but the otel extra is not installed: pip install 'prguard[otel]'", ENDPOINT_ENV
        )
        return False
    provider = TracerProvider(
        resource=Resource.create({"service.name": os.environ.get(SERVICE_ENV) or service_name})
    )
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))  # endpoint/headers from OTEL_* env
    trace.set_tracer_provider(provider)
    try:
        from opentelemetry.instrumentation.requests import RequestsInstrumentor

        RequestsInstrumentor().instrument()  # one client span per GitHub API call
    except ImportError:
        log.info("opentelemetry-instrumentation-requests not installed: no spans for GitHub calls")
    _tracer = trace.get_tracer("prguard")
    return True


@contextmanager
def span(name: str, *, parent: Any = None, **attributes: Any) -> Iterator[Any]:
    """A span around the block (a no-op without tracing); `parent` is a context from `extract`."""
    if _tracer is None:
        yield None
        return
    clean = {f"prguard.{k}": v for k, v in attributes.items() if isinstance(v, str | int | float | bool)}
    with _tracer.start_as_current_span(name, context=parent, attributes=clean) as current:
        yield current


def annotate(**attributes: Any) -> None:
    """Add `prguard.<name>` attributes to the current span (a no-op without tracing): what a webhook
    turned out to be about (delivery, repository, PR) is known only after it was read."""
    if _tracer is None:
        return
    from opentelemetry import trace

    current = trace.get_current_span()
    current.set_attributes(
        {f"prguard.{k}": v for k, v in attributes.items() if isinstance(v, str | int | float | bool)}
    )


def inject(carrier: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """Add the current trace context (`traceparent`) to a message's headers."""
    if _tracer is not None:
        from opentelemetry.propagate import inject as _inject

        _inject(carrier)
    return carrier


def extract(carrier: Any) -> Any:
    """The trace context a message carried (None without tracing or without a `traceparent`)."""
    if _tracer is None:
        return None
    from opentelemetry.propagate import extract as _extract

    getter = carrier if isinstance(carrier, dict) else {"traceparent": getattr(carrier, "traceparent", None)}
    return _extract({k: v for k, v in getter.items() if v})


def trace_id() -> str | None:
    """The current trace id in hex, for log lines (None without an active span)."""
    if _tracer is None:
        return None
    from opentelemetry import trace

    context = trace.get_current_span().get_span_context()
    return f"{context.trace_id:032x}" if context.is_valid else None
