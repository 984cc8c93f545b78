"""The ledger wired through the real processes: receiver + Celery worker + PostgreSQL (or SQLite).

A signed `pull_request.opened` ends with the review in the ledger; `pull_request.closed` (merged)
reaches it through the receiver's queued event; `installation.deleted` leaves no row.
"""

from __future__ import annotations

import time
import uuid

import pytest
from prguard.ledger.db import make_engine, session_scope, upgrade
from prguard.ledger.models import Base, Finding, PullRequest, Review
from sqlalchemy import func, select, text

from tests.conftest import load_webhook
from tests.integration.fault_stack import (
    INSTALLATION,
    completed_runs,
    pr_payload,
    running_stack,
    seed_service_pull,
)
from tests.ledger_helpers import PG_URL, postgres_problem

pytestmark = pytest.mark.integration

REDIS_URL = "redis://127.0.0.1:6379/1"  # this test's own DB: its worker consumes only from here


@pytest.fixture
def ledger_url(tmp_path):
    """A PostgreSQL schema of its own (migrated, as `prguard db upgrade` does), else a SQLite file."""
    if postgres_problem():
        yield f"sqlite:///{tmp_path / 'ledger.sqlite3'}"
        return
    schema = f"ledger_stack_{uuid.uuid4().hex[:10]}"
    admin = make_engine(PG_URL)
    with admin.begin() as connection:
        connection.execute(text(f'create schema "{schema}"'))
    upgrade(PG_URL, schema=schema)
    try:
        yield f"{PG_URL}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'drop schema "{schema}" cascade'))
        admin.dispose()


@pytest.fixture
def stack(fake_github, github_app_key, tmp_path, ledger_url):
    yield from running_stack(
        fake_github, github_app_key, tmp_path, REDIS_URL, DATABASE_URL=ledger_url,
        GITHUB_WEB_URL="https://github.example",
    )  # fmt: skip


def _eventually(engine, query, expected, what: str, timeout: float = 30):
    deadline = time.monotonic() + timeout
    value = None
    while time.monotonic() < deadline:
        with session_scope(engine) as session:
            value = query(session)
        if value == expected:
            return
        time.sleep(0.2)
    pytest.fail(f"{what}: {value!r}, expected {expected!r}")


def test_the_worker_records_reviews_merges_and_purges(stack, fake_github, ledger_url):
    engine = make_engine(ledger_url)
    pull = seed_service_pull(fake_github, title="Add the service")
    assert stack.post("pull_request", pr_payload(pull)).status_code == 202
    stack.wait_for(lambda fake: completed_runs(fake), "the review")

    def reviews(session):
        return session.execute(select(Review.head_sha, Review.installation_id, Review.org)).all()

    _eventually(engine, reviews, [(pull.head_sha, INSTALLATION, "codertocat")], "the review in the ledger")
    with session_scope(engine) as session:
        assert session.scalar(select(func.count()).select_from(Finding)) > 0

    closed = pr_payload(pull, "closed")
    closed["pull_request"].update(
        {"merged": True, "state": "closed", "merge_commit_sha": "f" * 40,
         "merged_at": "2026-12-04T10:00:00Z", "closed_at": "2026-12-04T10:00:00Z"}
    )  # fmt: skip
    assert stack.post("pull_request", closed).status_code == 202
    _eventually(
        engine, lambda s: s.execute(select(PullRequest.state, PullRequest.merge_commit_sha)).all(),
        [("merged", "f" * 40)], "the merge in the ledger",
    )  # fmt: skip

    deleted = load_webhook("installation", "deleted.payload.json")
    deleted["installation"]["id"] = INSTALLATION
    assert stack.post("installation", deleted).status_code == 202

    def rows(session):
        return sum(session.scalar(select(func.count()).select_from(t)) for t in Base.metadata.sorted_tables)

    _eventually(engine, rows, 0, "rows left after installation.deleted")
    engine.dispose()
