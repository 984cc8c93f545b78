"""Tenancy and secrets: one installation never sees another's token or cached data; secrets never logged;
code under review is parsed, never imported or executed.

Two installations share one fake GitHub, one Redis (DB 12) and one token cache,
as they share a production worker. Every log line written meanwhile (DEBUG) is
captured and searched for tokens, the App's private key and the webhook secret.
"""

from __future__ import annotations

import logging
import uuid

import pytest
import redis as redis_lib
from prguard.github.errors import NotFound
from prguard.logs import JsonFormatter
from prguard.publish.publisher import publish_context
from prguard.queue.jobs import ReviewJob
from prguard.queue.state import RedisKeys
from prguard.worker.pipeline import run_review

from tests.fake_github.archives import download_token_installation
from tests.integration.fault_stack import assert_no_secret_in, delete_prefix, pem_body_lines, pipeline_tokens

pytestmark = pytest.mark.integration

REDIS_URL = "redis://127.0.0.1:6379/12"
TENANTS = {101: ("acme", "payments"), 202: ("globex", "search")}
HEAD = "import subprocess\n\n\ndef run(cmd):\n    return subprocess.call(cmd, shell=True)\n"


@pytest.fixture
def world(fake_github, monkeypatch):
    rds = redis_lib.Redis.from_url(REDIS_URL)
    prefix = f"tenancy-{uuid.uuid4().hex[:8]}:"
    tokens = pipeline_tokens(fake_github, monkeypatch, rds, prefix, token_key="ghtoken:")
    lines: list[str] = []

    class Capture(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(JsonFormatter().format(record))

    handler = Capture(logging.DEBUG)
    targets = [logging.getLogger(), logging.getLogger("prguard")]
    saved = [(t, t.level) for t in targets]
    for target in targets:
        target.addHandler(handler)
        target.setLevel(logging.DEBUG)
    try:
        yield fake_github, rds, RedisKeys(prefix), tokens, lines
    finally:
        for target, level in saved:
            target.removeHandler(handler)
            target.setLevel(level)
        delete_prefix(rds, prefix)


def _job(installation: int, owner: str, repo: str, pull) -> ReviewJob:
    return ReviewJob(
        installation, owner, repo, pull.number, pull.head_sha, str(uuid.uuid4()), "pull_request.opened"
    )


def test_two_installations_never_share_tokens_or_cached_data(world):
    fake, rds, keys, tokens, lines = world
    pulls = {}
    for installation, (owner, repo) in TENANTS.items():
        pulls[installation] = fake.seed_pull(
            installation_id=installation, owner=owner, repo=repo, base_files={"app.py": "X = 1\n"},
            head_files={"app.py": HEAD},
        )  # fmt: skip
    for installation, (owner, repo) in TENANTS.items():
        outcome = run_review(
            _job(installation, owner, repo, pulls[installation]), github=tokens, redis=rds, keys=keys,
            publisher=publish_context,
        )  # fmt: skip
        assert outcome.status == "completed"

    for installation, (owner, _repo) in TENANTS.items():
        calls = [c for c in fake.calls() if c.path.startswith(f"/repos/{owner}/")]
        # an archive download's URL is its own credential: it counts for the installation that minted it
        used = {c.installation_id or download_token_installation(fake, c.query) for c in calls}
        assert calls and used == {installation}, "a job used another's token"
    # Cached tokens are keyed by installation and differ.
    cached = {i: rds.get(tokens.key(i)) for i in TENANTS}
    assert all(cached.values()) and cached[101] != cached[202]
    # Every Redis key a job wrote names its installation (or is app-wide, not tenant data).
    tenant_keys = [k.decode() for k in rds.scan_iter(f"{keys.prefix}*")]
    for key in tenant_keys:
        if ":101:" in key or key.endswith(":101") or "acme" in key:
            assert ":202" not in key and "globex" not in key, key

    # A job of installation 101 that names 202's repository cannot reach it: its own token gets a 404.
    globex = pulls[202]
    with pytest.raises(NotFound):
        run_review(_job(101, "globex", "search", globex), github=tokens, redis=rds, keys=keys,
                   publisher=publish_context)  # fmt: skip
    assert len(fake.check_runs("globex", "search")) == 1

    assert len(lines) > 20, "the logs were not captured"
    tokens_issued = [t for _, t in fake.tokens_issued]
    assert_no_secret_in("\n".join(lines), tokens_issued + pem_body_lines(fake.app_private_key))


def test_code_under_review_is_never_imported_or_executed(world, tmp_path):
    fake, rds, keys, tokens, _ = world
    marker = tmp_path / "executed"
    payload = f"open({str(marker)!r}, 'w').write('ran')\n"
    files = {
        "pkg/__init__.py": payload,
        "pkg/module.py": payload + HEAD,
        "conftest.py": payload,
        "setup.py": payload,
        "sitecustomize.py": payload,
        "pkg/__main__.py": payload,
        "pkg/models.py": f"import os\n\nclass Meta(type):\n    def __new__(m, *a):\n        {payload}",
        "pkg/pickled.py": "import pickle\npickle.loads(b'cos\\nsystem\\n(S\"touch "
        + str(marker)
        + "\"\\ntR.')\n",
    }
    pull = fake.seed_pull(installation_id=101, owner="acme", repo="payments", head_files=files)
    outcome = run_review(
        _job(101, "acme", "payments", pull), github=tokens, redis=rds, keys=keys, publisher=publish_context
    )
    assert outcome.status == "completed"
    assert outcome.conclusion == "failure"  # it was analysed: shell=True and pickle.loads were found
    assert not marker.exists(), "prguard executed code from the pull request"
