"""`POST /api/v1/orgs/<org>/trace`: the dashboard API's bearer authorisation, the ledger's merge
records, and the three input formats."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import redis
from prguard.app import create_app
from prguard.ledger.db import session_scope
from prguard.ledger.merge_record import record_merge
from prguard.ledger.merges import FunctionAtMerge, MergeRecord

from tests.dashboard_helpers import CLIENT_ID, CLIENT_SECRET, dashboard_settings, sqlite_engine
from tests.fake_github.oauth import oauth_of

pytestmark = pytest.mark.integration  # the fake GitHub answers the membership check

TRACEBACK = (
    "Traceback (most recent call last):\n"
    '  File "/srv/app/shop/cart.py", line 12, in total\n'
    "ZeroDivisionError: division by zero\n"
)


def _merge(
    engine, number: int, when: dt.datetime, share: float, agents: list[str], findings: list[dict]
) -> None:
    record = MergeRecord(
        installation_id=7,
        account_login="Acme",
        owner="Acme",
        repo="shop",
        number=number,
        title=f"Change {number}",
        merge_commit_sha=f"{number:040d}",
        merged_at=when,
        ai_authored=bool(agents),
        risk=10 * number,
        functions=[FunctionAtMerge("shop/cart.py", "total", 10, 13, share, agents, findings)],
    )
    with session_scope(engine) as session:
        record_merge(session, record)
        assert record_merge(session, record) == 0  # a redelivered merge writes nothing twice


@pytest.fixture
def app(fake_github, tmp_path):
    state = oauth_of(fake_github)
    state.configure(CLIENT_ID, CLIENT_SECRET)
    state.add_user("alice", {"Acme": "active"})
    engine = sqlite_engine(str(tmp_path / "ledger.sqlite3"))
    _merge(engine, 3, dt.datetime(2026, 11, 1, tzinfo=dt.UTC), 0.0, [], [])
    _merge(
        engine, 42, dt.datetime(2026, 11, 20, tzinfo=dt.UTC), 0.75, ["claude_code"],
        [{"rule_id": "PG-OBS003", "severity": "medium", "title": "no timeout", "line": 12}],
    )  # fmt: skip
    app = create_app(
        dashboard_settings(fake_github.url), redis_client=redis.Redis(), dashboard={"engine": engine}
    )
    app.alice = state.issue_user_token("alice")
    return app


def _post(app, token, body, **kwargs):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return app.test_client().post("/api/v1/orgs/acme/trace", headers=headers, **kwargs)


def test_trace_names_the_merged_changes_newest_first(app):
    answer = _post(app, app.alice, None, json={"repository": "Acme/shop", "input": TRACEBACK})
    assert answer.status_code == 200, answer.json
    body = answer.json
    assert body["source"] == "ledger" and body["input"] == "traceback"
    [frame] = body["frames"]
    assert (frame["path"], frame["line"], frame["function"]) == ("shop/cart.py", 12, "total")
    assert [c["pull"] for c in frame["changes"]] == [42, 3]
    newest = frame["changes"][0]
    assert newest["ai_authored"] is True and newest["agents"] == ["claude_code"]
    assert newest["ai_line_share"] == 0.75 and newest["findings"][0]["rule_id"] == "PG-OBS003"
    assert set(newest) == {
        "pull",
        "commit",
        "title",
        "date",
        "ai_authored",
        "agents",
        "ai_line_share",
        "findings",
    }


def test_sentry_event_and_plain_text_inputs(app):
    event = {"exception": {"values": [{"stacktrace": {"frames": [
        {"filename": "shop/cart.py", "abs_path": "/srv/app/shop/cart.py", "function": "total", "lineno": 11}
    ]}}]}}  # fmt: skip
    answer = _post(app, app.alice, None, json=event, query_string={"repository": "Acme/shop", "limit": 1})
    assert answer.status_code == 200 and answer.json["input"] == "sentry"
    assert [c["pull"] for c in answer.json["frames"][0]["changes"]] == [42]
    text = _post(
        app,
        app.alice,
        None,
        data=TRACEBACK,
        content_type="text/plain",
        query_string={"repository": "Acme/shop"},
    )
    assert text.status_code == 200 and text.json["frames"][0]["function"] == "total"


def test_authorisation_and_bad_input(app):
    assert _post(app, None, None, json={"repository": "Acme/shop", "input": TRACEBACK}).status_code == 401
    other = _post(app, app.alice, None, json={"repository": "Other/shop", "input": TRACEBACK})
    assert other.status_code == 404  # another org's repository is not reachable through this org
    assert _post(app, app.alice, None, json={"repository": "shop", "input": TRACEBACK}).status_code == 400
    bad = _post(app, app.alice, None, json={"repository": "Acme/shop", "input": "no frames"})
    assert bad.status_code == 422 and "File" in bad.json["message"]
    assert json.loads(_post(app, app.alice, None, data="{", content_type="application/json").data)["message"]
