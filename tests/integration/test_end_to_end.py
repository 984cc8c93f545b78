"""The real thing: gunicorn + a real Celery worker process + the real Redis + the fake GitHub.

A signed real `pull_request.opened` payload (adapted only in ids, SHAs and
numbers) goes in; the check run must be created `in_progress` and completed on
the fake GitHub with the engine's own conclusion, and every request body the
workers sent must have passed validation against GitHub's OpenAPI description.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import redis
import requests

from tests.conftest import load_webhook
from tests.spine_helpers import webhook_headers
from workers.celery_app import ANALYZE_QUEUE, WRITE_QUEUE

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
REDIS_URL = "redis://127.0.0.1:6379/12"
SECRET = "integration-secret"
OWNER, REPO, INSTALLATION = "Codertocat", "Hello-World", 31337

BASE_APP = '''"""Tiny service."""


def greet(name):
    return f"hello {name}"
'''
HEAD_APP = '''"""Tiny service."""
import subprocess


def greet(name):
    return f"hello {name}"


def archive(folder):
    return subprocess.call("tar czf backup.tgz " + folder, shell=True)
'''


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_http(url: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=1).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"{url} never answered 200")


@pytest.fixture
def stack(fake_github, github_app_key, tmp_path):
    """gunicorn + Celery worker pointed at the fake GitHub, on Redis DB 12 with a unique key prefix."""
    prefix = f"itest-{uuid.uuid4().hex[:8]}:"
    rds = redis.Redis.from_url(REDIS_URL)
    rds.delete(ANALYZE_QUEUE, WRITE_QUEUE)
    env = {
        **os.environ,
        "GITHUB_APP_ID": str(github_app_key.app_id),
        "GITHUB_PRIVATE_KEY": github_app_key.private_pem,
        "GITHUB_WEBHOOK_SECRET": SECRET,
        "GITHUB_API_URL": fake_github.api_url,
        "REDIS_URL": REDIS_URL,
        "REDIS_KEY_PREFIX": prefix,
        "LOG_LEVEL": "INFO",
        "PYTHONPATH": str(ROOT),
    }
    port = _free_port()
    logs = {name: (tmp_path / f"{name}.log").open("wb") for name in ("web", "worker")}
    web = subprocess.Popen(
        [str(BIN / "gunicorn"), "app:create_app()", "--bind", f"127.0.0.1:{port}", "--workers", "1",
         "--threads", "4", "--worker-class", "gthread"],
        cwd=ROOT, env=env, stdout=logs["web"], stderr=subprocess.STDOUT,
    )  # fmt: skip
    worker = subprocess.Popen(
        [str(BIN / "celery"), "-A", "workers.celery_app", "worker", "-Q", "analyze,github-write",
         "--pool", "solo", "--concurrency", "1", "-n", f"itest-{uuid.uuid4().hex[:6]}@%h",
         "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel", "INFO"],
        cwd=ROOT, env=env, stdout=logs["worker"], stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        _wait_http(f"http://127.0.0.1:{port}/healthz")
        yield {"url": f"http://127.0.0.1:{port}", "redis": rds, "prefix": prefix, "logs": tmp_path}
    finally:
        for process in (web, worker):
            process.terminate()
        for process in (web, worker):
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        for handle in logs.values():
            handle.close()
        keys = list(rds.scan_iter(f"{prefix}*"))
        if keys:
            rds.delete(*keys)
        rds.delete(ANALYZE_QUEUE, WRITE_QUEUE)


def _opened_payload(pull) -> dict:
    """GitHub's real `pull_request.opened` example, with our installation, PR number and SHAs."""
    payload = load_webhook("pull_request", "opened.payload.json")
    payload["installation"]["id"] = INSTALLATION
    pr = payload["pull_request"]
    pr["number"] = payload["number"] = pull.number
    pr["head"]["sha"], pr["base"]["sha"] = pull.head_sha, pull.base_sha
    pr["head"]["ref"], pr["base"]["ref"] = pull.head_ref, pull.base_ref
    return payload


def _engine_result(fake_github, pull):
    """What the engine concludes on the same PR, computed in-process from the same fake data."""
    from policies.loader import load_effective_policy
    from workers.engine.review import review
    from workers.github.client import GitHubClient
    from workers.github.pulls import fetch_pull_request

    client = GitHubClient(api_url=fake_github.api_url, token=fake_github.issue_token(INSTALLATION))
    snapshot = fetch_pull_request(client, OWNER, REPO, pull.number)
    return review(snapshot.files, load_effective_policy(), snapshot.info)


def test_signed_pull_request_opened_is_reviewed_on_the_fake_github(stack, fake_github):
    started = time.monotonic()
    pull = fake_github.seed_pull(
        installation_id=INSTALLATION, owner=OWNER, repo=REPO,
        base_files={"service/app.py": BASE_APP}, head_files={"service/app.py": HEAD_APP},
        title="Add archive helper",
    )  # fmt: skip
    body = json.dumps(_opened_payload(pull)).encode()
    delivery = str(uuid.uuid4())
    response = requests.post(
        stack["url"] + "/webhooks", data=body,
        headers=webhook_headers("pull_request", body, delivery=delivery, secret=SECRET), timeout=5,
    )  # fmt: skip
    assert response.status_code == 202, response.text
    answer = response.json()
    assert answer["status"] == "queued"
    assert answer["job"] == {
        "installation_id": INSTALLATION, "owner": OWNER, "repo": REPO, "number": pull.number,
        "head_sha": pull.head_sha, "delivery_id": delivery, "trigger": "pull_request.opened",
    }  # fmt: skip

    try:
        fake_github.wait_for(
            lambda f: any(r.get("status") == "completed" for r in f.check_runs(OWNER, REPO)), timeout=45
        )
    except TimeoutError:
        worker_log = (stack["logs"] / "worker.log").read_text(errors="replace")[-4000:]
        pytest.fail(f"the check run was never completed; worker log tail:\n{worker_log}")

    [run] = fake_github.check_runs(OWNER, REPO)
    created = [c for c in fake_github.calls("POST", "/repos/{owner}/{repo}/check-runs")]
    assert len(created) == 1
    assert created[0].body["status"] == "in_progress"
    assert created[0].body["head_sha"] == pull.head_sha
    assert created[0].installation_id == INSTALLATION  # the job used its own installation's token

    expected = _engine_result(fake_github, pull)
    assert expected.findings, "the head adds a shell=True call: the engine must find it"
    assert run["name"] == "prguard" and run["head_sha"] == pull.head_sha
    assert run["conclusion"] == expected.conclusion
    assert run["output"]["title"]
    from workers.report.markdown import render_summary

    first_line = render_summary(expected).splitlines()[0]
    assert first_line in run["output"]["summary"]
    assert run["output"]["annotations_count"] == len(expected.findings)

    # A duplicate delivery is not reviewed twice.
    again = requests.post(
        stack["url"] + "/webhooks", data=body,
        headers=webhook_headers("pull_request", body, delivery=delivery, secret=SECRET), timeout=5,
    )  # fmt: skip
    assert again.json()["status"] == "duplicate"
    assert fake_github.validation_failures == []
    assert time.monotonic() - started < 60
