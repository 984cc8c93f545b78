"""Change events and the merge record: an OTLP/HTTP receiver that decodes the real protobuf
(opentelemetry-proto) checks every attribute; a merged pull_request webhook goes through the real
receiver, the worker's merge task reads the fake GitHub, writes the ledger's merge record (which
`prguard trace` then reads) and sends one log record; an endpoint that is down changes nothing
for reviews."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from prguard.worker.change_events import ChangeEvent, Exporter, exporter_from_env, send


class OtlpReceiver:
    """A local OTLP/HTTP logs endpoint: keeps each request's headers and decoded body."""

    def __init__(self, status: int = 200) -> None:
        self.requests: list[tuple[dict[str, str], ExportLogsServiceRequest]] = []
        self.status = status
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                decoded = ExportLogsServiceRequest.FromString(body)
                receiver.requests.append(({k.lower(): v for k, v in self.headers.items()}, decoded))
                self.send_response(receiver.status)
                self.send_header("content-type", "application/x-protobuf")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> OtlpReceiver:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


def _value(any_value):
    kind = any_value.WhichOneof("value")
    if kind == "array_value":
        return [_value(v) for v in any_value.array_value.values]
    return getattr(any_value, kind)


def _records(receiver: OtlpReceiver):
    out = []
    for headers, request in receiver.requests:
        for resource_logs in request.resource_logs:
            for scope_logs in resource_logs.scope_logs:
                for record in scope_logs.log_records:
                    out.append((headers, resource_logs, scope_logs, record))
    return out


EVENT = ChangeEvent(
    owner="octo-org",
    repo="widgets",
    number=42,
    title="Fix rounding",
    merge_commit_sha="a" * 40,
    base_ref="main",
    repository_url="https://github.com/octo-org/widgets",
    ai_authored=True,
    agents=["claude_code"],
    ai_line_share=0.5,
    risk=31,
    findings_open=2,
    functions_changed=["shop/cart.py:total"],
)


def test_one_log_record_with_every_attribute_decoded_from_protobuf():
    with OtlpReceiver() as receiver:
        env = {
            "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.url + "/",
            "OTEL_EXPORTER_OTLP_HEADERS": "x-honeycomb-team=abc%20123,x-scope=prod",
        }
        assert send(EVENT, exporter_from_env(env)) == "sent"
    [(headers, resource_logs, scope_logs, record)] = _records(receiver)
    assert headers["content-type"] == "application/x-protobuf"
    assert headers["x-honeycomb-team"] == "abc 123" and headers["x-scope"] == "prod"
    assert {kv.key: _value(kv.value) for kv in resource_logs.resource.attributes} == {
        "service.name": "prguard"
    }
    assert scope_logs.scope.name == "prguard.change_events"
    assert record.severity_text == "INFO" and record.severity_number == 9
    assert record.event_name == "prguard.change.merged"
    assert "#42 merged" in record.body.string_value
    assert {kv.key: _value(kv.value) for kv in record.attributes} == {
        "vcs.provider.name": "github",
        "vcs.owner.name": "octo-org",
        "vcs.repository.name": "widgets",
        "vcs.repository.url.full": "https://github.com/octo-org/widgets",
        "vcs.change.id": "42",
        "vcs.change.title": "Fix rounding",
        "vcs.change.state": "merged",
        "vcs.ref.head.revision": "a" * 40,
        "vcs.ref.base.name": "main",
        "prguard.ai_authored": True,
        "prguard.agents": ["claude_code"],
        "prguard.ai_line_share": 0.5,
        "prguard.risk": 31,
        "prguard.findings.open": 2,
        "prguard.functions.changed": ["shop/cart.py:total"],
    }


def test_endpoint_variables_follow_the_otlp_exporter_spec():
    assert exporter_from_env({}) is None  # off when unset
    base = exporter_from_env({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"})
    assert base.endpoint == "http://collector:4318/v1/logs" and base.timeout == 10.0
    signal = exporter_from_env(
        {
            "OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318",
            "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT": "https://api.honeycomb.io/v1/logs",
            "OTEL_EXPORTER_OTLP_LOGS_HEADERS": "x-honeycomb-team=key",
            "OTEL_EXPORTER_OTLP_HEADERS": "ignored=1",
            "OTEL_EXPORTER_OTLP_LOGS_TIMEOUT": "2500",
        }
    )
    assert signal.endpoint == "https://api.honeycomb.io/v1/logs"
    assert dict(signal.headers) == {"x-honeycomb-team": "key"} and signal.timeout == 2.5


def test_transient_failures_are_retried_then_dropped_never_raised():
    waits: list[float] = []
    with OtlpReceiver(status=503) as receiver:
        outcome = send(
            EVENT, Exporter(receiver.url + "/v1/logs", {}, 2.0), sleep=waits.append, delays=(0.1, 0.2)
        )
    assert outcome == "failed" and len(receiver.requests) == 3 and waits == [0.1, 0.2]
    with OtlpReceiver(status=400) as receiver:
        assert send(EVENT, Exporter(receiver.url + "/v1/logs", {}, 2.0), sleep=waits.append) == "rejected"
    assert len(receiver.requests) == 1  # a client error is not retried
    down = Exporter("http://127.0.0.1:9/v1/logs", {"authorization": "Bearer secret"}, 0.5)
    started = time.monotonic()
    assert send(EVENT, down, sleep=lambda _: None) == "failed"
    assert time.monotonic() - started < 10


def test_secret_headers_are_never_logged(caplog):
    down = Exporter("http://127.0.0.1:9/v1/logs", {"authorization": "Bearer s3cr3t-token"}, 0.5)
    with caplog.at_level("INFO", logger="prguard.change_events"):
        send(EVENT, down, sleep=lambda _: None)
    assert "s3cr3t" not in caplog.text and caplog.text


# ------------------------------------------------------------------ the merge flow end to end

CART = (
    'def total(items):\n    amount = sum(i["price"] for i in items)\n'
    "    return round(amount / len(items), 2)\n"
)
HELPERS = "import subprocess\n\n\ndef run(cmd):\n    return subprocess.call(cmd, shell=True)\n"
