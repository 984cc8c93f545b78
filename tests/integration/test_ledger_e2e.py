"""The change ledger through the real pipeline and the fake GitHub (issue 15's done-when scenario).

Three AI-authored pull requests in two repositories of one org add the same `requests.post(...)`
without a timeout (other names, other literals, other files): the third one's check-run summary
says the pattern was seen before, with links to the two earlier pull requests. Redelivery, retry
and re-run change no count; uninstalling the App leaves no row.
"""

from __future__ import annotations

import pytest
from prguard.ledger import figures
from prguard.ledger.db import make_engine, session_scope, upgrade
from prguard.ledger.lifecycle import purge_installation
from prguard.ledger.models import Base, ChangedFunction, Finding, Review
from prguard.publish.publisher import publish_context
from prguard.queue.jobs import ReviewJob
from prguard.queue.state import RedisKeys
from prguard.worker.ledger import LedgerHooks
from prguard.worker.pipeline import run_review
from sqlalchemy import func, select

from tests.integration.fault_stack import pipeline_tokens
from tests.spine_helpers import redis_under_prefix

pytestmark = pytest.mark.integration

ORG = "octo-org"
WEB_URL = "https://github.example"
AI_BODY = "Adds a call.\n\n🤖 Generated with [Claude Code](https://claude.com/claude-code)"
CHANGES = [  # (repository, path, code): one mistake, three spellings
    ("billing", "app/charge.py",
     "import requests\n\nBILLING_URL = 'https://billing.example/charge'\n\n\n"
     "def charge(amount):\n    return requests.post(BILLING_URL, json={'amount': amount})\n"),
    ("shipping", "ship/notify.py",
     "import requests\n\n\ndef notify(order):\n"
     "    resp = requests.post(\"https://hooks.example/ship\", json=order)\n    return resp.ok\n"),
    ("billing", "app/refund.py",
     "import requests\n\n\ndef refund(payment_id, refund_url):\n"
     "    return requests.post(\n        refund_url,\n        json={\"id\": payment_id},\n    )\n"),
]  # fmt: skip


def _seed(fake, repo: str, path: str, code: str, title: str):
    exists = (ORG, repo) in fake.repos
    commit = {
        "files": {path: code},
        "message": f"{title}\n\nCo-Authored-By: Claude <noreply@anthropic.com>",
    }
    return fake.seed_pull(
        owner=ORG, repo=repo, base_files=None if exists else {"README.md": "x\n"}, head_files={},
        commits=[commit], body=AI_BODY, title=title,
    )  # fmt: skip


def _summary(fake, repo: str, head_sha: str) -> str:
    runs = [r for r in fake.check_runs(ORG, repo) if r["head_sha"] == head_sha and r["status"] == "completed"]
    return runs[-1]["output"]["summary"]


def _review(world, hooks, repo, pull, delivery, trigger="pull_request.opened"):
    tokens, redis, prefix = world
    job = ReviewJob(1, ORG, repo, pull.number, pull.head_sha, delivery, trigger)
    outcome = run_review(
        job, github=tokens, redis=redis, keys=RedisKeys(prefix), publisher=publish_context, ledger=hooks
    )
    assert outcome.status in ("completed", "already-completed"), outcome  # a redelivery: already
    return outcome


def _counts(engine, key: str) -> tuple[int, int, int]:
    with session_scope(engine) as session:
        summary = figures.pattern_summary(session, ORG, key)
        occurrences = figures.occurrences(session, ORG, key)
        reviews = session.scalar(select(func.count()).select_from(Review).where(Review.superseded.is_(False)))
    assert summary is not None
    return summary.pulls, occurrences.total, reviews


def test_the_third_pull_request_says_seen_before_with_links(fake_github, monkeypatch, tmp_path):
    url = f"sqlite:///{tmp_path / 'ledger.sqlite3'}"
    upgrade(url)
    engine = make_engine(url)
    hooks = LedgerHooks(engine=engine, web_url=WEB_URL)
    for redis, prefix in redis_under_prefix(13, "test-ledger-"):
        world = (pipeline_tokens(fake_github, monkeypatch, redis, prefix), redis, prefix)
        pulls = []
        for index, (repo, path, code) in enumerate(CHANGES, start=1):
            pull = _seed(fake_github, repo, path, code, f"Change {index}")
            _review(world, hooks, repo, pull, f"d-{index}")
            pulls.append((repo, pull))

        first, second, third = (_summary(fake_github, repo, pull.head_sha) for repo, pull in pulls)
        assert "Seen before" not in first
        assert "Seen before in this org" in second
        assert "Seen before in this org" in third
        links = [f"{WEB_URL}/{ORG}/{repo}/pull/{pull.number}" for repo, pull in pulls]
        assert links[0] in third and links[1] in third  # the two earlier pull requests
        assert links[2] not in third  # not itself
        assert "other pull requests in **2** repositories" in third
        assert "2 AI-authored (claude_code: 2)" in third
        assert "risk raised by" in third  # recurring across repositories

        with session_scope(engine) as session:
            keys = {
                k
                for (k,) in session.execute(
                    select(Finding.pattern_key).where(Finding.rule_id == "PG-TIMEOUT001")
                )
            }
        assert len(keys) == 1, "the three spellings are one pattern"
        (key,) = keys
        before = _counts(engine, key)
        assert before == (3, 3, 3)

        # Redelivery (same delivery), a retry, a re-run button and a /prguard review: no count changes.
        repo, pull = pulls[2]
        _review(world, hooks, repo, pull, "d-3")
        _review(world, hooks, repo, pull, "d-3-rerun", "check_run.rerequested")
        _review(world, hooks, repo, pull, "d-3-command", "command.review")
        assert _counts(engine, key) == before

        # Recorded after publishing: the functions each pull request changed, and where each finding sits.
        with session_scope(engine) as session:
            changed = set(session.scalars(select(ChangedFunction.function)))
            enclosing = set(session.scalars(select(Finding.function)))
        assert {"charge", "notify", "refund"} <= changed
        assert {"charge", "notify", "refund"} <= enclosing

        # Uninstalling the App leaves no row of the installation.
        with session_scope(engine) as session:
            purge_installation(session, 1)
        with session_scope(engine) as session:
            for table in Base.metadata.sorted_tables:
                assert session.scalar(select(func.count()).select_from(table)) == 0, table.name
    engine.dispose()


def test_a_database_that_is_down_does_not_stop_the_review(fake_github, monkeypatch, tmp_path):
    broken = make_engine("postgresql+psycopg://nobody@127.0.0.1:1/none")  # nothing listens on port 1
    queued: list[dict] = []
    hooks = LedgerHooks(engine=broken, web_url=WEB_URL, requeue=queued.append)
    for redis, prefix in redis_under_prefix(13, "test-ledger-down-"):
        tokens = pipeline_tokens(fake_github, monkeypatch, redis, prefix)
        repo, path, code = CHANGES[0]
        pull = _seed(fake_github, repo, path, code, "Change")
        job = ReviewJob(1, ORG, repo, pull.number, pull.head_sha, "d-down", "pull_request.opened")
        outcome = run_review(
            job, github=tokens, redis=redis, keys=RedisKeys(prefix), publisher=publish_context, ledger=hooks
        )
        assert outcome.status == "completed"
        summary = _summary(fake_github, repo, pull.head_sha)
        assert "not checked this time" in summary
        assert len(queued) == 1 and queued[0]["number"] == pull.number  # the write is retried later
        assert "PG-TIMEOUT001" in {f["rule_id"] for f in queued[0]["findings"]}
