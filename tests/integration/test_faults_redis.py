"""Redis restarted under prguard: with persistence nothing is lost; without it, the logs make it replayable.

Each test runs its OWN redis-server on a free port (never the machine's 6379),
and "restarts" it the hard way (SIGKILL, then start again on the same port and
data directory):
- appendonly + fsync always: a job queued before the crash, or held by a worker
  during it, still completes, exactly once;
- memory only: the queued job is gone; the receiver's "queued" log line carries
  it, and `prguard replay` re-enqueues it (twice is harmless);
- Redis down: the receiver answers 503 (never 202) naming the delivery, and the
  same delivery redelivered later is accepted and reviewed.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import uuid
from pathlib import Path

import pytest
import redis

from tests.fake_github.server import Fault
from tests.integration.fault_stack import (
    BIN,
    OWNER,
    REPO,
    ROOT,
    assert_published_once,
    completed_runs,
    free_port,
    make_stack,
    pr_payload,
    seed_service_pull,
    wait_until,
)

pytestmark = pytest.mark.integration

FILES = "/repos/{owner}/{repo}/pulls/{pull_number}/files"
REDIS_SERVER = shutil.which("redis-server")


class RedisServer:
    """A throwaway redis-server; `persistent` turns on the append-only file with fsync on every write."""

    def __init__(self, directory: Path, *, persistent: bool) -> None:
        self.dir = directory
        self.port = free_port()
        self.persistent = persistent
        self.process: subprocess.Popen | None = None
        self.restarts = 0

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        persistence = (
            ["--appendonly", "yes", "--appendfsync", "always", "--save", ""]
            if self.persistent
            else ["--appendonly", "no", "--save", ""]
        )
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.dir),
             "--protected-mode", "no", *persistence],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        client = redis.Redis(port=self.port, socket_connect_timeout=0.2)
        wait_until(lambda: _pings(client), 10, "the test redis-server")

    def crash(self) -> None:
        """SIGKILL: no shutdown save, only what the append-only file already holds survives."""
        if self.process is not None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=5)
            self.process = None

    def restart(self) -> None:
        self.crash()
        self.restarts += 1
        self.start()

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=5)
            self.process = None


def _pings(client: redis.Redis) -> bool:
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False


@pytest.fixture
def world(fake_github, github_app_key, tmp_path, request):
    if REDIS_SERVER is None:
        pytest.skip("redis-server is not installed")
    persistent = request.param == "persistent"
    data = tmp_path / "redis"
    data.mkdir()
    server = RedisServer(data, persistent=persistent)
    server.start()
    stack = make_stack(fake_github, github_app_key, tmp_path, server.url)
    stack.start_web()
    try:
        yield stack, server
    finally:
        stack.close()
        server.stop()
    stack.assert_no_secret_logged()


@pytest.mark.parametrize("world", ["persistent"], indirect=True)
def test_job_queued_before_a_redis_crash_survives_with_persistence(world, fake_github):
    stack, server = world
    pull = seed_service_pull(fake_github)
    answer = stack.post("pull_request", pr_payload(pull))
    assert answer.status_code == 202 and answer.json()["status"] == "queued"

    server.restart()  # between receive and work: no worker has seen the job yet
    stack.start_worker()
    stack.wait_for(completed_runs)
    assert_published_once(fake_github, pull.number, pull.head_sha)


@pytest.mark.parametrize("world", ["persistent"], indirect=True)
def test_redis_crash_while_a_worker_holds_the_job(world, fake_github):
    stack, server = world
    pull = seed_service_pull(fake_github)
    fake_github.inject("GET", FILES, Fault(delay=3.0))  # the worker is mid-job, holding the message
    stack.start_worker()
    assert stack.post("pull_request", pr_payload(pull)).status_code == 202
    wait_until(lambda: fake_github.calls("GET", FILES), 60, "the worker to fetch the files")

    server.restart()
    stack.wait_for(completed_runs)
    assert_published_once(fake_github, pull.number, pull.head_sha)
    # The message was acknowledged on the restarted Redis: nothing is left to run a second time.
    wait_until(
        lambda: redis.Redis.from_url(server.url).hlen("unacked") == 0, 30, "the message to be acknowledged"
    )
    assert redis.Redis.from_url(server.url).llen("analyze") == 0


@pytest.mark.parametrize("world", ["memory"], indirect=True)
def test_redis_that_lost_its_memory_is_replayed_from_the_receiver_log(world, fake_github):
    stack, server = world
    pull = seed_service_pull(fake_github)
    delivery = str(uuid.uuid4())
    answer = stack.post("pull_request", pr_payload(pull), delivery=delivery)
    assert answer.status_code == 202 and answer.json()["job"]["delivery_id"] == delivery

    server.restart()  # memory only: the queued job and every dedupe key are gone
    assert redis.Redis.from_url(server.url).llen("analyze") == 0
    stack.start_worker()

    log_path = stack.logs / "web.log"
    replay = _replay(stack, log_path)
    assert replay.returncode == 0, replay.stderr
    assert f"queued: {OWNER}/{REPO}#{pull.number}@{pull.head_sha[:12]}" in replay.stdout
    assert "1 replayed, 0 already known" in replay.stdout
    stack.wait_for(completed_runs)
    run = assert_published_once(fake_github, pull.number, pull.head_sha)
    assert run["external_id"] == f"prguard:{pull.number}:{delivery}"  # the same job, not a new one

    again = _replay(stack, log_path)  # an operator who replays twice changes nothing
    assert "0 replayed, 1 already known" in again.stdout
    assert_published_once(fake_github, pull.number, pull.head_sha)


def _replay(stack, log_path: Path) -> subprocess.CompletedProcess:
    """What the operator runs: `prguard replay <receiver log>` with the workers' environment."""
    return subprocess.run(
        [str(BIN / "prguard"), "replay", str(log_path)],
        cwd=ROOT, env=stack.env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip


@pytest.mark.parametrize("world", ["memory"], indirect=True)
def test_receiver_answers_503_while_redis_is_down_and_the_redelivery_is_reviewed(world, fake_github):
    stack, server = world
    pull = seed_service_pull(fake_github)
    delivery = str(uuid.uuid4())
    server.crash()

    answer = stack.post("pull_request", pr_payload(pull), delivery=delivery)
    assert answer.status_code == 503
    assert answer.json() == {
        "status": "unavailable",
        "reason": "queue unavailable; redeliver this delivery from the App's settings",
        "delivery": delivery,
    }
    health = stack.web_log()
    assert delivery in health and '"outcome": "unavailable"' in health

    server.start()
    stack.start_worker()
    redelivered = stack.post("pull_request", pr_payload(pull), delivery=delivery)  # GitHub's "Redeliver"
    assert redelivered.status_code == 202 and redelivered.json()["status"] == "queued"
    stack.wait_for(completed_runs)
    assert_published_once(fake_github, pull.number, pull.head_sha)
