"""The dashboard over what the worker's recorder writes, on SQLite and PostgreSQL (issue 15's scenario):
three AI-authored pull requests in two repositories add the same `requests.post(...)` without a timeout;
the dashboard shows one pattern with three occurrences, a redelivery changes no count, and a user who is
not a member of the org gets 404."""

from __future__ import annotations

import datetime as dt
from typing import Any

import redis
from prguard.app import create_app
from prguard.app.dashboard.sessions import SESSION_COOKIE, CookieSealer, Session
from prguard.ledger.db import session_scope
from prguard.ledger.extract import review_record
from prguard.ledger.record import record_closed, record_review

from tests.dashboard_helpers import SESSION_SECRET, dashboard_settings
from tests.ledger_helpers import head_file, review_result, timeout_finding

NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)


class Members:
    """GitHub as the dashboard asks it: which token's user is an active member of which org."""

    def __init__(self, memberships: dict[str, set[str]]) -> None:
        self.memberships = memberships
        self.asked: list[str] = []

    def is_active_member(self, token: str, org: str) -> bool:
        self.asked.append(org)
        return org.lower() in self.memberships.get(token, set())


def write(engine: Any, *, owner: str, repo: str, number: int, days_ago: float, agent: str, installation: int):
    record = review_record(
        installation_id=installation,
        owner=owner,
        repo=repo,
        number=number,
        head_sha=f"{number:040x}",
        result=review_result(
            [timeout_finding(fingerprint=f"fp-{repo}-{number}")], ai=bool(agent), agent=agent
        ),
        files=[head_file()],
        reviewed_at=NOW - dt.timedelta(days=days_ago),
        trigger="pull_request.opened",
    )
    with session_scope(engine) as session:
        record_review(session, record)
    return record


def client_for(engine: Any, members: Members, token: str) -> Any:
    app = create_app(
        dashboard_settings("https://api.github.com", github_web_url="https://github.com"),
        redis_client=redis.Redis(),
        dashboard={"engine": engine, "github": members},
    )
    client = app.test_client()
    client.environ_base["wsgi.url_scheme"] = "https"
    cookie = CookieSealer(SESSION_SECRET).seal_session(Session("alice", 1, token, "csrf-token"))
    client.set_cookie(SESSION_COOKIE, cookie, domain="localhost")
    return client


def test_three_ai_pulls_in_two_repositories_are_one_pattern_with_three_occurrences(store):
    first = write(store, owner="Acme", repo="api", number=1, days_ago=6, agent="claude-code", installation=7)
    write(store, owner="Acme", repo="web", number=2, days_ago=4, agent="copilot", installation=7)
    write(store, owner="Acme", repo="api", number=3, days_ago=1, agent="claude-code", installation=7)
    write(store, owner="Globex", repo="core", number=9, days_ago=2, agent="", installation=8)
    with session_scope(store) as session:
        record_closed(
            session, installation_id=7, owner="Acme", repo="api", number=1, merged=True,
            merge_commit_sha="c" * 40,
            merged_at=NOW - dt.timedelta(days=5), closed_at=NOW - dt.timedelta(days=5),
        )  # fmt: skip
    key = first.findings[0].pattern_key
    members = Members({"gho_alice": {"acme"}, "gho_mallory": {"globex"}})
    alice = client_for(store, members, "gho_alice")

    page = alice.get("/orgs/Acme")
    assert page.status_code == 200
    assert f'href="/orgs/Acme/patterns/{key}"' in page.text
    pattern = alice.get(f"/orgs/Acme/patterns/{key}")
    assert "Every occurrence (3)" in pattern.text
    for link in ("Acme/api/pull/1", "Acme/web/pull/2", "Acme/api/pull/3"):
        assert f"https://github.com/{link}" in pattern.text
    assert "Globex" not in page.text and "Globex" not in pattern.text

    api = alice.get("/api/v1/orgs/acme/summary", headers={"Authorization": "Bearer gho_alice"}).json
    [top] = api["top_patterns"]
    assert (top["pattern_key"], top["pulls"], top["repositories"], top["ai_findings"]) == (key, 3, 2, 3)
    assert api["by_author"] == {"claude-code": 2, "copilot": 1}
    assert [p["number"] for p in api["accepted_risk"]] == [1]

    write(
        store, owner="Acme", repo="api", number=3, days_ago=1, agent="claude-code", installation=7
    )  # redelivery
    again = alice.get("/api/v1/orgs/acme/summary", headers={"Authorization": "Bearer gho_alice"}).json
    assert again["findings"] == api["findings"] and again["top_patterns"] == api["top_patterns"]

    mallory = client_for(store, members, "gho_mallory")
    assert mallory.get("/orgs/Acme").status_code == 404
    assert mallory.get(f"/orgs/Acme/patterns/{key}").status_code == 404
    assert mallory.get("/orgs/Acme/repos/api").status_code == 404
    assert (
        mallory.get("/api/v1/orgs/acme/pulls", headers={"Authorization": "Bearer gho_mallory"}).status_code
        == 404
    )
    globex = mallory.get("/orgs/Globex")
    assert globex.status_code == 200 and "Acme" not in globex.text


def test_a_newer_head_without_the_finding_takes_it_out_of_the_counts(store):
    write(store, owner="Acme", repo="api", number=1, days_ago=3, agent="devin", installation=7)
    record = review_record(
        installation_id=7, owner="Acme", repo="api", number=1, head_sha="f" * 40,
        result=review_result([], ai=True, agent="devin"), files=[head_file()],
        reviewed_at=NOW - dt.timedelta(days=2), trigger="pull_request.synchronize",
    )  # fmt: skip
    with session_scope(store) as session:
        record_review(session, record)
    alice = client_for(store, Members({"gho_alice": {"acme"}}), "gho_alice")
    summary = alice.get("/api/v1/orgs/acme/summary", headers={"Authorization": "Bearer gho_alice"}).json
    assert summary["findings"]["total"] == 0 and summary["top_patterns"] == []
    repo = alice.get("/orgs/acme/repos/api")
    assert repo.status_code == 200 and "Acme/api#1" in repo.text
