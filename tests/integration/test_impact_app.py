"""The App path of the impact analyzer: the pipeline downloads the head's repository archive from
the fake GitHub (one call per head, GitHub's redirect followed without the token), indexes it,
and the check run carries the PG-IMPACT finding and the blast radius."""

from __future__ import annotations

import uuid
from types import SimpleNamespace

import pytest
import redis
from prguard.github.auth import InstallationTokens
from prguard.queue.jobs import ReviewJob
from prguard.queue.state import RedisKeys
from prguard.worker.pipeline import run_review

from tests.unit.impact_scenario import BASE, BREAKING, STALE_SITES, head_of

pytestmark = pytest.mark.integration  # starts the fake GitHub server

OWNER, REPO, INSTALLATION = "acme", "shop", 91
TARBALL = "/repos/{owner}/{repo}/tarball/{ref}"


@pytest.fixture
def env(fake_github, github_app_key, tmp_path, monkeypatch):
    monkeypatch.setenv("PRGUARD_INDEX_CACHE", str(tmp_path / "index"))
    rds = redis.Redis.from_url("redis://127.0.0.1:6379/11")
    keys = RedisKeys(f"impact-{uuid.uuid4().hex[:8]}:")
    tokens = InstallationTokens(
        app_id=github_app_key.app_id, private_key=github_app_key.private_pem, api_url=fake_github.api_url,
        redis=rds, key_prefix=keys.prefix + "ghtoken:",
    )  # fmt: skip
    pull = fake_github.seed_pull(
        installation_id=INSTALLATION,
        owner=OWNER,
        repo=REPO,
        base_files=dict(BASE),
        head_files=head_of(BREAKING),
    )
    yield SimpleNamespace(fake=fake_github, redis=rds, keys=keys, tokens=tokens, pull=pull)
    leftover = list(rds.scan_iter(f"{keys.prefix}*"))
    if leftover:
        rds.delete(*leftover)


def review(env):
    job = ReviewJob(INSTALLATION, OWNER, REPO, env.pull.number, env.pull.head_sha, str(uuid.uuid4()),
                    "pull_request.opened", None)  # fmt: skip
    return run_review(job, github=env.tokens, redis=env.redis, keys=env.keys)


def test_check_run_names_the_stale_call_sites_and_the_blast_radius(env):
    outcome = review(env)
    assert outcome.status == "completed" and outcome.conclusion == "failure"
    [check] = env.fake.check_runs(OWNER, REPO)
    summary = check["output"]["summary"]
    assert "Blast radius" in summary and "billing.pricing.charge" in summary
    assert "PG-IMPACT001" in summary or "impact" in summary
    [download, follow] = env.fake.calls("GET", TARBALL)
    assert download.auth == "token" and download.path.endswith(env.pull.head_sha)
    assert follow.auth is None  # the redirect target gets no installation token
    assert env.fake.archive_downloads == 1


def test_findings_reach_the_check_run_annotations(env):
    review(env)
    annotations = [
        a for c in env.fake.calls("PATCH", "/repos/{owner}/{repo}/check-runs/{check_run_id}")
        for a in ((c.body or {}).get("output") or {}).get("annotations") or []
    ]  # fmt: skip
    impact = [a for a in annotations if "PG-IMPACT001" in (a.get("title") or "") + a.get("message", "")]
    assert impact, annotations
    assert impact[0]["path"] == "billing/pricing.py"
    for site in STALE_SITES:
        assert site in impact[0]["message"]


def test_an_archive_above_the_cap_is_skipped_with_its_reason(env, monkeypatch):
    from prguard.github import archive

    monkeypatch.setattr(archive, "MAX_ARCHIVE_BYTES", 100)
    outcome = review(env)
    assert outcome.status == "completed"
    [check] = env.fake.check_runs(OWNER, REPO)
    assert "Blast radius not assessed: the repository archive is larger than" in check["output"]["summary"]
