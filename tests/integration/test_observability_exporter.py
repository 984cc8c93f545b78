"""The worker's metrics exporter served over HTTP. Moved from tests/unit/test_observability.py (marked
integration there already)."""

from __future__ import annotations

import socket

import pytest
import requests
from prguard import metrics

from tests.unit.test_observability import _sample


@pytest.mark.integration  # starts the metrics exporter's HTTP server
def test_the_worker_exporter_serves_the_metrics():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = metrics.start_exporter(port, addr="127.0.0.1")
    try:
        metrics.RETRIES.labels("review_pull_request", "RateLimited").inc()
        text = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
        assert (
            _sample(text, "prguard_task_retries_total", task="review_pull_request", reason="RateLimited") >= 1
        )
    finally:
        server.shutdown()
