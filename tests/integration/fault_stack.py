"""The real stack for fault tests: gunicorn + a prefork Celery worker (concurrency 1) + Redis + fake GitHub.

Each test gets its own Redis key prefix (and its own queue names are shared per
DB, so the fault tests use their own DB numbers), a webhook secret, an App key
and installation tokens that are all recognisable, and at teardown every
captured log line of the receiver and the worker is searched for them: no
secret may ever be logged. The worker and the receiver can be started, killed
and restarted by the test; `child_pids()` names the prefork child doing the work.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import redis
import requests
from prguard.app import create_app
from prguard.config import Settings
from prguard.github.auth import InstallationTokens
from prguard.publish import publisher as publisher_module
from prguard.publish.throttle import WriteBudget
from prguard.queue.celery_app import ANALYZE_QUEUE, WRITE_QUEUE

from tests.conftest import load_webhook
from tests.spine_helpers import make_settings, webhook_headers

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
OWNER, REPO, INSTALLATION = "Codertocat", "Hello-World", 31337

BASE_APP = '''"""Tiny service."""


def greet(name):
    return f"hello {name}"
'''
HEAD_APP = '''"""Tiny service."""
import subprocess

import requests


def greet(name):
    return f"hello {name}"


def archive(folder):
    return subprocess.call("tar czf backup.tgz " + folder, shell=True)


def fetch(url):
    return requests.get(url)
'''


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(
    predicate: Callable[[], Any],
    timeout: float,
    what: str,
    interval: float = 0.05,
    *,
    ignore: tuple[type[Exception], ...] = (),
) -> Any:
    """Poll until `predicate()` is truthy and return its value; `ignore` names errors that mean "not yet"."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = predicate()
        except ignore:
            value = None
        if value:
            return value
        time.sleep(interval)
    raise TimeoutError(f"timed out after {timeout}s waiting for {what}")


def children(pid: int) -> list[int]:
    """Direct children of a process (Linux /proc), e.g. the prefork pool's child of a Celery worker."""
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(p) for p in text.split()]


def seed_service_pull(fake: Any, **extra: Any) -> Any:
    """A PR on OWNER/REPO turning BASE_APP into HEAD_APP (shell=True and a request without a timeout)."""
    return fake.seed_pull(
        installation_id=INSTALLATION, owner=OWNER, repo=REPO,
        base_files={"service/app.py": BASE_APP}, head_files={"service/app.py": HEAD_APP}, **extra,
    )  # fmt: skip


def pr_payload(pull: Any, action: str = "opened", *, installation: int = INSTALLATION) -> dict:
    """GitHub's real `pull_request.opened` example, with our installation, PR number, SHAs and action."""
    payload = load_webhook("pull_request", "opened.payload.json")
    payload["action"] = action
    payload["installation"]["id"] = installation
    pr = payload["pull_request"]
    pr["number"] = payload["number"] = pull.number
    pr["head"]["sha"], pr["base"]["sha"] = pull.head_sha, pull.base_sha
    pr["head"]["ref"], pr["base"]["ref"] = pull.head_ref, pull.base_ref
    return payload


@dataclass
class Stack:
    fake: Any
    redis_url: str
    env: dict[str, str]
    logs: Path
    prefix: str
    secret: str
    private_pem: str
    redis: redis.Redis = field(init=False)
    web: subprocess.Popen | None = None
    worker: subprocess.Popen | None = None
    port: int = 0
    _handles: list[Any] = field(default_factory=list)
    _starts: int = 0
    webhooks_sent: int = 0

    def __post_init__(self) -> None:
        self.redis = redis.Redis.from_url(self.redis_url, socket_timeout=5)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # -- processes -------------------------------------------------------------------------------

    def _log(self, name: str) -> Any:
        handle = (self.logs / f"{name}.log").open("ab")
        self._handles.append(handle)
        return handle

    def start_web(self) -> None:
        self.port = self.port or free_port()
        self.web = subprocess.Popen(
            [str(BIN / "gunicorn"), "prguard.app:create_app()", "--bind", f"127.0.0.1:{self.port}",
             "--workers", "1", "--threads", "4", "--worker-class", "gthread"],
            cwd=ROOT, env=self.env, stdout=self._log("web"), stderr=subprocess.STDOUT,
        )  # fmt: skip
        wait_until(self._web_up, 20, "the receiver to answer /healthz")

    def _web_up(self) -> bool:
        try:
            return requests.get(self.url + "/healthz", timeout=1).status_code in (200, 503)
        except requests.RequestException:
            return False

    def start_worker(self, *, pool: str = "prefork", **extra_env: str) -> None:
        self._starts += 1
        env = {**self.env, **extra_env}
        self.worker = subprocess.Popen(
            [str(BIN / "celery"), "-A", "prguard.queue.celery_app", "worker",
             "-Q", f"{ANALYZE_QUEUE},{WRITE_QUEUE}",
             "--pool", pool, "--concurrency", "1", "-n", f"fault-{uuid.uuid4().hex[:6]}@%h",
             "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel", "INFO"],
            cwd=ROOT, env=env, stdout=self._log("worker"), stderr=subprocess.STDOUT,
        )  # fmt: skip
        wait_until(
            lambda: self.worker_log().count(" ready.") >= self._starts, 30, "the Celery worker to be ready"
        )

    def stop_worker(self) -> None:
        if self.worker is None:
            return
        self.worker.terminate()
        try:
            self.worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.worker.kill()
            self.worker.wait(timeout=5)
        self.worker = None

    def child_pids(self) -> list[int]:
        return children(self.worker.pid) if self.worker else []

    def kill_child(self) -> int:
        """SIGKILL the prefork child (the process running the task); the parent survives."""
        [child] = wait_until(self.child_pids, 10, "the prefork child")
        os.kill(child, signal.SIGKILL)
        return child

    def close(self) -> None:
        for process in (self.web, self.worker):
            if process is not None and process.poll() is None:
                process.terminate()
        for process in (self.web, self.worker):
            if process is None:
                continue
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        for handle in self._handles:
            handle.close()

    # -- talking to it ---------------------------------------------------------------------------

    def post(
        self, event: str, payload: dict | bytes, *, delivery: str | None = None, secret: str | None = None
    ) -> requests.Response:
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        headers = webhook_headers(event, body, delivery=delivery, secret=secret or self.secret)
        self.webhooks_sent += 1
        return requests.post(self.url + "/webhooks", data=body, headers=headers, timeout=10)

    def worker_log(self) -> str:
        path = self.logs / "worker.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def web_log(self) -> str:
        path = self.logs / "web.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def secrets(self) -> list[str]:
        """Every credential the processes held: webhook secret, private key lines, installation tokens."""
        tokens = [token for _, token in self.fake.tokens_issued]
        return [self.secret, *pem_body_lines(self.private_pem), *tokens]

    def assert_no_secret_logged(self) -> None:
        assert_no_secret_in(self.worker_log() + self.web_log(), self.secrets())

    def wait_for(self, predicate: Callable[[Any], Any], what: str = "the review", timeout: float = 60) -> Any:
        """`fake.wait_for(predicate)`, failing the test with the worker log's tail when it never happens."""
        try:
            return self.fake.wait_for(predicate, timeout=timeout)
        except TimeoutError:
            pytest.fail(f"{what} never happened; worker log:\n{self.worker_log()[-5000:]}")


def pem_body_lines(pem: str) -> list[str]:
    """The base64 lines of a PEM key: any of them in a log is a leaked key."""
    return [line for line in pem.splitlines() if line and not line.startswith("-----")]


def assert_no_secret_in(text: str, secrets: list[str]) -> None:
    """No credential (or its first characters in the message) may appear in captured log text."""
    leaked = [s[:12] + "…" for s in secrets if s and s in text]
    assert not leaked, f"secrets found in the logs: {leaked}"


def make_stack(fake_github, github_app_key, tmp_path, redis_url: str, **env_overrides: str) -> Stack:
    prefix = f"fault-{uuid.uuid4().hex[:8]}:"
    secret = f"whsec-{uuid.uuid4().hex}"
    env = {
        **os.environ,
        "GITHUB_APP_ID": str(github_app_key.app_id),
        "GITHUB_PRIVATE_KEY": github_app_key.private_pem,
        "GITHUB_WEBHOOK_SECRET": secret,
        "GITHUB_API_URL": fake_github.api_url,
        "REDIS_URL": redis_url,
        "REDIS_KEY_PREFIX": prefix,
        "LOG_LEVEL": "DEBUG",
        "PYTHONPATH": str(ROOT),
        **env_overrides,
    }
    return Stack(fake_github, redis_url, env, tmp_path, prefix, secret, github_app_key.private_pem)


def running_stack(
    fake_github,
    github_app_key,
    tmp_path,
    redis_url: str,
    *,
    worker: bool = True,
    pool: str = "prefork",
    **env_overrides: str,
) -> Iterator[Stack]:
    """A fixture body: the receiver (and a worker) on clean queues; closed, cleaned, and its logs searched."""
    stack = make_stack(fake_github, github_app_key, tmp_path, redis_url, **env_overrides)
    cleanup_redis(stack)
    stack.start_web()
    if worker:
        stack.start_worker(pool=pool)
    try:
        yield stack
    finally:
        stack.close()
        cleanup_redis(stack)
    stack.assert_no_secret_logged()


def in_process_receiver(redis_url: str) -> Iterator[tuple[Any, Settings]]:
    """A fixture body: the receiver app's Flask test client on `redis_url` under a fresh key prefix, and
    its settings; the prefix and the queues are emptied afterwards."""
    client = redis.Redis.from_url(redis_url)
    settings = make_settings(redis_url)
    yield create_app(settings, redis_client=client).test_client(), settings
    delete_prefix(client, settings.redis_key_prefix)
    client.delete(ANALYZE_QUEUE, WRITE_QUEUE)


def pipeline_tokens(
    fake_github: Any, monkeypatch: Any, client: redis.Redis, prefix: str, *, token_key: str = "token:"
) -> InstallationTokens:
    """Installation tokens from the fake GitHub, cached under the test's prefix, for running the pipeline
    in-process; published writes are spaced 10 ms apart instead of GitHub's second."""
    monkeypatch.setattr(publisher_module, "WRITE_BUDGET", WriteBudget(spacing_seconds=0.01))
    return InstallationTokens(
        app_id=fake_github.app_id, private_key=fake_github.app_private_key, api_url=fake_github.api_url,
        graphql_url=fake_github.graphql_url, redis=client, key_prefix=f"{prefix}{token_key}",
    )  # fmt: skip


def delete_prefix(client: redis.Redis, prefix: str) -> None:
    """Delete every Redis key a test wrote under its own prefix."""
    keys = list(client.scan_iter(f"{prefix}*"))
    if keys:
        client.delete(*keys)


def cleanup_redis(stack: Stack) -> None:
    try:
        delete_prefix(stack.redis, stack.prefix)
        stack.redis.delete(ANALYZE_QUEUE, WRITE_QUEUE, "unacked", "unacked_index")
    except redis.RedisError:
        pass


def completed_runs(fake: Any) -> list[dict]:
    return [r for r in fake.check_runs(OWNER, REPO) if r.get("status") == "completed"]


def assert_published_once(fake: Any, number: int, head_sha: str) -> dict:
    """Exactly one check run on the head, completed once; one review; each fingerprint commented once."""
    from prguard.publish.dedupe import parse_fingerprint

    runs = [r for r in fake.check_runs(OWNER, REPO) if r["head_sha"] == head_sha]
    assert len(runs) == 1, f"{len(runs)} check runs on {head_sha[:7]}"
    [run] = runs
    assert run["status"] == "completed"
    completions = [
        c
        for c in fake.calls("PATCH", "/repos/{owner}/{repo}/check-runs/{check_run_id}")
        if c.path.endswith(f"/check-runs/{run['id']}")
        and isinstance(c.body, dict)
        and c.body.get("status") == "completed"
        and c.status == 200
    ]
    assert len(completions) == 1, f"the run was completed {len(completions)} times"
    reviews = fake.reviews(OWNER, REPO, number)
    assert len(reviews) <= 1, f"{len(reviews)} reviews posted"
    prints = [parse_fingerprint(c["body"]) for c in fake.review_comments(OWNER, REPO, number)]
    assert len(prints) == len(set(prints)), "a finding was commented twice"
    return run
