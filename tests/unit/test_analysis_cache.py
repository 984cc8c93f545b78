"""Redis analysis cache: unchanged files are never analysed twice, per installation, and never break a review.

End to end on the fake GitHub and the real Redis (DB 7, a unique key prefix per test).
"""

from __future__ import annotations

import textwrap
import uuid
from types import SimpleNamespace

import pytest
import redis
from prguard.engine.cache import CachedAnalysis
from prguard.engine.model import Confidence, Finding, FlowStep, Severity
from prguard.queue.jobs import ReviewJob
from prguard.worker.analysis_cache import RedisAnalysisCache, decode, encode

from tests.spine_helpers import unreachable_redis

OWNER, REPO, INSTALLATION = "octo-org", "services", 31
CACHEABLE = ("security", "complexity", "instrumentation", "rules")


@pytest.fixture
def rds():
    client = redis.Redis.from_url("redis://127.0.0.1:6379/7")
    prefix = f"actest-{uuid.uuid4().hex[:8]}:"
    yield SimpleNamespace(client=client, prefix=prefix)
    leftover = list(client.scan_iter(f"{prefix}*"))
    if leftover:
        client.delete(*leftover)


def sample_finding(**changes) -> Finding:
    base = Finding(
        rule_id="B602",
        analyzer="security",
        severity=Severity.HIGH,
        path="svc/run.py",
        start_line=4,
        end_line=5,
        message="subprocess call with shell=True — “quoted”",
        fingerprint="f" * 32,
        confidence=Confidence.HIGH,
        cwe=78,
        suggestion="subprocess.call(cmd)\n",
        title="Shell injection",
        start_column=11,
        end_column=40,
        flow=(FlowStep(2, "request.args → cmd"), FlowStep(4, "cmd → subprocess.call")),
        relevant_lines=(3, 5),
    )
    for name, value in changes.items():
        setattr(base, name, value)
    return base


def test_findings_and_metrics_round_trip_exactly():
    minimal = sample_finding(
        confidence=None, cwe=None, suggestion=None, title=None, start_column=None, end_column=None,
        flow=(), relevant_lines=None,
    )  # fmt: skip
    value = CachedAnalysis(
        (sample_finding(), minimal),
        {"maintainability": [{"path": "svc/run.py", "before": None, "after": 71.2, "rank": "A"}]},
    )
    assert decode(encode(value)) == value
    assert Finding.from_dict(sample_finding().to_dict()).to_dict() == sample_finding().to_dict()


def test_large_entries_are_compressed_and_still_round_trip():
    many = tuple(sample_finding(start_line=i, fingerprint=f"{i:032d}") for i in range(200))
    data = encode(CachedAnalysis(many))
    assert data[:1] == b"z"
    assert len(data) < 200 * len(sample_finding().message)
    assert decode(data).findings == many


def test_entries_are_per_installation_expire_and_respect_the_size_cap(rds):
    value = CachedAnalysis((sample_finding(),))
    ours = RedisAnalysisCache(rds.client, 1, prefix=rds.prefix, ttl=3600)
    theirs = RedisAnalysisCache(rds.client, 2, prefix=rds.prefix)
    ours.set("prguard:analysis:security:abc", value)
    assert ours.get("prguard:analysis:security:abc") == value
    assert theirs.get("prguard:analysis:security:abc") is None  # another installation never reads it
    [stored] = list(rds.client.scan_iter(f"{rds.prefix}ac:1:*"))
    assert 3500 < rds.client.ttl(stored) <= 3600
    tiny = RedisAnalysisCache(rds.client, 1, prefix=rds.prefix, max_entry_bytes=50)
    tiny.set("prguard:analysis:security:big", value)
    assert tiny.too_large == 1 and tiny.get("prguard:analysis:security:big") is None


def test_a_malformed_entry_is_a_miss_and_is_removed(rds):
    cache = RedisAnalysisCache(rds.client, 1, prefix=rds.prefix)
    for junk in (b"j{not json", b"j[]", b'j{"f":[{"rule_id":"x"}]}', b"zgarbage", b"?"):
        rds.client.set(cache.key("k"), junk)
        assert cache.get("k") is None
        assert rds.client.exists(cache.key("k")) == 0
    assert cache.errors == 0


def test_redis_down_is_a_miss_with_one_log_line_and_one_connection_attempt(caplog):
    cache = RedisAnalysisCache(unreachable_redis(), 1)
    caplog.set_level("WARNING", logger="prguard.analysis_cache")
    assert cache.get("a") is None
    cache.set("a", CachedAnalysis((sample_finding(),)))
    assert cache.get("b") is None
    assert cache.errors == 1  # later calls do not wait on Redis again
    assert [r.getMessage() for r in caplog.records] == [
        "analysis cache unavailable (read failed: ConnectionError); this review continues without it"
    ]


# --- end to end: the pipeline on the fake GitHub -------------------------------------------------


def service_module(i: int, extra: str = "") -> str:
    """A plausible service module; every fifth one calls a shell with user input."""
    risky = i % 5 == 0
    body = textwrap.dedent(
        f'''\
        """Handlers for job queue {i}."""

        import json
        import logging
        import subprocess

        log = logging.getLogger(__name__)


        def load_{i}(raw):
            try:
                data = json.loads(raw)
            except ValueError:
                log.warning("bad payload for queue {i}")
                return None
            if data.get("kind") == "batch":
                return [item for item in data.get("items", []) if item]
            return data


        def run_{i}(command):
            if not command:
                return 0
            return subprocess.call(command, shell={risky})
        '''
    )
    return body + extra


def review_job(pull_number: int, head_sha: str) -> ReviewJob:
    return ReviewJob(
        INSTALLATION, OWNER, REPO, pull_number, head_sha, str(uuid.uuid4()), "pull_request.synchronize"
    )
