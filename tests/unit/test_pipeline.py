"""The review pipeline against the fake GitHub (in-process server) and the real Redis (DB 11)."""

from __future__ import annotations

import uuid
from types import SimpleNamespace

import pytest
import redis
from prguard.github.auth import InstallationTokens
from prguard.github.errors import RateLimited, TransientGitHubError
from prguard.queue.celery_app import MAX_RETRY_COUNTDOWN
from prguard.queue.jobs import ReviewJob
from prguard.queue.state import RedisKeys
from prguard.worker.pipeline import run_review
from prguard.worker.tasks import _retry

OWNER, REPO, INSTALLATION = "octo-org", "widgets", 77
CREATE = "/repos/{owner}/{repo}/check-runs"
UPDATE = "/repos/{owner}/{repo}/check-runs/{check_run_id}"
HEAD = "import subprocess\n\n\ndef run(cmd):\n    return subprocess.call(cmd, shell=True)\n"


@pytest.fixture
def env(fake_github, github_app_key):
    rds = redis.Redis.from_url("redis://127.0.0.1:6379/11")
    keys = RedisKeys(f"pipe-{uuid.uuid4().hex[:8]}:")
    tokens = InstallationTokens(
        app_id=github_app_key.app_id, private_key=github_app_key.private_pem, api_url=fake_github.api_url,
        redis=rds, key_prefix=keys.prefix + "ghtoken:",
    )  # fmt: skip
    pull = fake_github.seed_pull(
        installation_id=INSTALLATION, owner=OWNER, repo=REPO,
        base_files={"pkg/tool.py": "X = 1\n"}, head_files={"pkg/tool.py": "X = 1\n" + HEAD},
    )  # fmt: skip
    yield SimpleNamespace(fake=fake_github, redis=rds, keys=keys, tokens=tokens, pull=pull)
    leftover = list(rds.scan_iter(f"{keys.prefix}*"))
    if leftover:
        rds.delete(*leftover)


def job_for(env, head_sha=None, delivery=None, trigger="pull_request.opened", comment_id=None):
    return ReviewJob(INSTALLATION, OWNER, REPO, env.pull.number, head_sha or env.pull.head_sha,
                     delivery or str(uuid.uuid4()), trigger, comment_id)  # fmt: skip


def run(env, job):
    return run_review(job, github=env.tokens, redis=env.redis, keys=env.keys)


class _Task:
    def __init__(self, retries):
        self.request = SimpleNamespace(retries=retries)
        self.max_retries = 6
        self.countdown = None

    def retry(self, exc, countdown):
        self.countdown = countdown
        return RuntimeError("retry")


def test_retry_countdown_honours_retry_after_and_stays_below_the_visibility_timeout():
    task = _Task(0)
    with pytest.raises(RuntimeError):
        _retry(task, RateLimited("limited", retry_after=42.0))
    assert 42.0 <= task.countdown < 43.0
    task = _Task(5)
    with pytest.raises(RuntimeError):
        _retry(task, RateLimited("limited", retry_after=5000.0))
    assert task.countdown == MAX_RETRY_COUNTDOWN
    task = _Task(3)
    with pytest.raises(RuntimeError):
        _retry(task, TransientGitHubError("502"))
    assert 0 < task.countdown <= MAX_RETRY_COUNTDOWN
    spent = _Task(6)
    assert _retry(spent, TransientGitHubError("502")) is None  # retries used up: the caller gives up


def test_analysis_deadline_leaves_a_quarter_of_the_soft_limit_at_most_90_s_for_publishing():
    from prguard.worker.tasks import analysis_deadline

    assert analysis_deadline(None) is None
    assert analysis_deadline(480, now=1000.0) == 1000.0 + 480 - 90
    assert analysis_deadline(8, now=0.0) == 6.0
