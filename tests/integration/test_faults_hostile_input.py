"""Hostile and broken input: each gets a clear outcome (HTTP answer, check run or log), nothing crashes.

The receiver runs in-process (Flask test client) on the real Redis (DB 12, own
prefix); files and policies go through the real pipeline (`run_review` with the
publisher) against the fake GitHub, as a worker would run them.
"""

from __future__ import annotations

import json
import time
import uuid

import pytest
import redis as redis_lib
from prguard.publish.publisher import publish_context
from prguard.queue.jobs import ReviewJob
from prguard.queue.state import RedisKeys
from prguard.worker.pipeline import run_review

from tests.conftest import load_webhook
from tests.integration.fault_stack import delete_prefix, in_process_receiver, pipeline_tokens
from tests.spine_helpers import sign, webhook_headers

pytestmark = pytest.mark.integration

REDIS_URL = "redis://127.0.0.1:6379/12"
OWNER, REPO, INSTALLATION = "octo-org", "widgets", 4711
TRIED: list[str] = []  # every malformed input, for the README figures


# -- the receiver --------------------------------------------------------------------------------


@pytest.fixture
def receiver():
    for client, _settings in in_process_receiver(REDIS_URL):
        yield client


def _opened() -> bytes:
    return json.dumps(load_webhook("pull_request", "opened.payload.json")).encode()


def _signed(body: bytes, event: str = "pull_request") -> dict:
    return webhook_headers(event, body)


BODY = _opened()
NESTED = b'{"action": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
CASES = [
    # (name, body, headers, status, reason fragment)
    ("forged signature", BODY, {**_signed(BODY), "X-Hub-Signature-256": sign(BODY, "not-the-secret")}, 401,
     "does not match"),
    ("missing signature", BODY, {k: v for k, v in _signed(BODY).items() if k != "X-Hub-Signature-256"}, 401,
     "missing X-Hub-Signature-256"),
    ("SHA-1 signature only", BODY,
     {**{k: v for k, v in _signed(BODY).items() if k != "X-Hub-Signature-256"},
      "X-Hub-Signature": "sha1=" + "0" * 40}, 401, "SHA-1"),
    ("signature without sha256=", BODY, {**_signed(BODY), "X-Hub-Signature-256": "0" * 64}, 401, "sha256="),
    ("truncated JSON", BODY[:-40], _signed(BODY[:-40]), 400, "not JSON"),
    ("not JSON", b"hello=world&x", _signed(b"hello=world&x"), 400, "not JSON"),
    ("JSON array, not object", b"[1, 2]", _signed(b"[1, 2]"), 400, "not a JSON object"),
    ("deeply nested JSON", NESTED, _signed(NESTED), 400, "JSON"),
    ("not UTF-8", b'{"a": "\xff\xfe"}', _signed(b'{"a": "\xff\xfe"}'), 400, "JSON"),
    ("missing event header", BODY, {k: v for k, v in _signed(BODY).items() if k != "X-GitHub-Event"}, 400,
     "X-GitHub-Event"),
    ("unknown event", BODY, _signed(BODY, "deployment_protection_rule"), 204, None),
    ("unknown action", json.dumps({**json.loads(BODY), "action": "teleported"}).encode(), None, 204, None),
]  # fmt: skip


@pytest.mark.parametrize(("name", "body", "headers", "status", "reason"), CASES, ids=[c[0] for c in CASES])
def test_the_receiver_answers_broken_and_hostile_deliveries_clearly(
    receiver, name, body, headers, status, reason
):
    headers = headers or _signed(body)
    answer = receiver.post("/webhooks", data=body, headers=headers)
    TRIED.append(name)
    assert answer.status_code == status, answer.get_data(as_text=True)[:300]
    if reason:
        assert reason in answer.get_json()["reason"]
    if status == 204:
        assert answer.headers["X-Prguard-Reason"]


def test_a_30_mb_body_is_refused_with_413(receiver):
    body = b'{"pad": "' + b"x" * (30 * 1024 * 1024) + b'"}'
    answer = receiver.post("/webhooks", data=body, headers=_signed(body))
    TRIED.append("30 MB body")
    assert answer.status_code == 413
    assert "larger than" in answer.get_json()["reason"]


# -- files and policies through the pipeline ---------------------------------------------------


@pytest.fixture
def world(fake_github, monkeypatch):
    rds = redis_lib.Redis.from_url(REDIS_URL)
    prefix = f"hostile-{uuid.uuid4().hex[:8]}:"
    tokens = pipeline_tokens(fake_github, monkeypatch, rds, prefix)
    yield fake_github, rds, RedisKeys(prefix), tokens
    delete_prefix(rds, prefix)


def _review(world, head_files, base_files=None, number=None):
    fake, rds, keys, tokens = world
    pull = fake.seed_pull(
        installation_id=INSTALLATION, owner=OWNER, repo=REPO,
        base_files=base_files or {"app/ok.py": "X = 1\n"}, head_files=head_files,
    )  # fmt: skip
    job = ReviewJob(
        INSTALLATION, OWNER, REPO, pull.number, pull.head_sha, str(uuid.uuid4()), "pull_request.opened"
    )
    started = time.monotonic()
    outcome = run_review(job, github=tokens, redis=rds, keys=keys, publisher=publish_context)
    elapsed = time.monotonic() - started
    [run] = [r for r in fake.check_runs(OWNER, REPO) if r["head_sha"] == pull.head_sha]
    return outcome, run, elapsed


NESTED_PY = "x = " + "(" * 10_000 + "1" + ")" * 10_000 + "\n"
DEEP_CALLS = "x = " + "f(" * 10_000 + ")" * 10_000 + "\n"
BIG_PY = "".join(f"def f{i}(a):\n    return a + {i}\n\n" for i in range(150_000))  # ~5 MB
HOSTILE_FILES: dict[str, str | bytes] = {
    "app/broken.py": "def broken(:\n    return\n",
    "app/latin1.py": "# caf\xe9\nNAME = 'caf\xe9'\n".encode("latin-1"),
    "app/huge.py": BIG_PY,
    "app/blob.py": bytes(range(256)) * 64,
    "app/nested.py": NESTED_PY,
    "app/calls.py": DEEP_CALLS,
    "app/../../etc/evil.py": "import os\nos.system('id')\n",
    "/abs/evil.py": "import os\nos.system('id')\n",
    "app/ctl\x1b[31mred\x07.py": "import os\nos.system('id')\n",
    "app/new\nline.py": "import os\nos.system('id')\n",
}


def test_unparsable_undecodable_huge_binary_deep_files_and_odd_paths_are_skipped_or_reviewed(world):
    assert len(BIG_PY) > 5_000_000
    outcome, run, elapsed = _review(world, HOSTILE_FILES)
    TRIED.extend(f"file {p!r}" for p in HOSTILE_FILES)
    assert outcome.status == "completed", outcome
    assert run["status"] == "completed"
    assert run["conclusion"] != "success", "a run that skipped files is never plain green"
    summary = run["output"]["summary"]
    for path in ("app/broken.py", "app/latin1.py", "app/blob.py"):
        assert path in summary, f"{path} is not listed as skipped"
    assert elapsed < 60


@pytest.mark.parametrize(
    ("name", "policy", "expected"),
    [
        ("invalid YAML", "gate:\n  fail_on: [high\n", "YAML"),
        ("billion laughs", "a: &a [x,x,x,x,x,x,x,x,x]\n" + "".join(
            f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},"
            f"*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)}]\n" for i in range(8)
        ), ""),
        ("unknown key", "gate:\n  fail_on: high\n  fail_on_everything: true\n", "fail_on_everything"),
        ("backtracking regex", "rules:\n  - id: slow\n    message: m\n    regex: '(a+)+$'\n", ""),
        ("backtracking glob", "paths:\n  include: ['" + "*" * 200 + "a']\n", ""),
    ],
)  # fmt: skip
def test_a_broken_or_hostile_base_policy_concludes_action_required_quickly(world, name, policy, expected):
    outcome, run, elapsed = _review(
        world, {"app/views.py": "import os\nos.system('id')\n"}, base_files={".github/prguard.yml": policy}
    )
    TRIED.append(f"policy: {name}")
    assert outcome.status == "completed"
    assert run["conclusion"] == "action_required", run["output"]["title"]
    assert ".github/prguard.yml" in run["output"]["summary"]
    if expected:
        assert expected in run["output"]["summary"]
    assert elapsed < 30, f"{name} took {elapsed:.1f}s"


def test_a_pull_request_cannot_switch_prguard_off_before_merge(world):
    off = "gate:\n  fail_on: never\npaths:\n  include: []\nanalyzers:\n  security: {enabled: false}\n"
    outcome, run, _ = _review(
        world,
        {".github/prguard.yml": off, "app/views.py": "import subprocess\n\n\ndef run(cmd):\n"
         "    return subprocess.call(cmd, shell=True)\n"},
    )  # fmt: skip
    assert outcome.status == "completed"
    assert run["conclusion"] == "failure", "the PR's own policy edit must not apply before merge"
    summary = run["output"]["summary"]
    assert "applies after merge" in summary and ".github/prguard.yml" in summary
