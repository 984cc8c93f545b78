"""The worker's side of the ledger: events, failures that never fail a review, the weekly digest once."""

from __future__ import annotations

import base64
import datetime as dt
from types import SimpleNamespace

import pytest
from prguard.github.errors import NotFound
from prguard.ledger.db import make_engine, session_scope
from prguard.ledger.digest import build_digest, iso_week, render_digest
from prguard.ledger.extract import record_from_dict, record_to_dict, review_record
from prguard.ledger.models import Digest, PullRequest, Review, Waiver
from prguard.ledger.record import record_closed, record_review
from prguard.worker.ledger import LedgerHooks, window_days
from prguard.worker.ledger_tasks import apply_event, post_digest_if_due
from sqlalchemy import func, select

from tests.ledger_helpers import (
    NOW,
    head_file,
    review_result,
    timeout_finding,
)

NESTED = (
    "import requests\n\n\nclass Client:\n    def send(self, url, body):\n"
    "        def attempt():\n            return requests.post(url, json=body)\n\n        return attempt()\n"
)


def _record(number=1, repo="api", at=NOW, head="a" * 40, ai=True):
    return review_record(
        installation_id=7, owner="acme", repo=repo, number=number, head_sha=head,
        result=review_result([timeout_finding()], ai=ai), files=[head_file()], reviewed_at=at,
        info=SimpleNamespace(title=f"PR {number}", author_login="dev"), check_run_id=100 + number,
    )  # fmt: skip


def test_record_keeps_the_enclosing_function_and_the_changed_functions_but_no_code():
    record = review_record(
        installation_id=1, owner="o", repo="r", number=1, head_sha="h",
        result=review_result([timeout_finding(line=7)]), files=[head_file(text_=NESTED)],
    )  # fmt: skip
    (finding,) = record.findings
    assert finding.function == "Client.send.attempt"
    assert finding.masked_snippet == "requests.post(_,json=_)"
    assert {(f.function, f.start_line) for f in record.changed_functions} == {
        ("Client.send", 5),
        ("Client.send.attempt", 6),
    }
    assert "url" not in str(record_to_dict(record)["findings"])  # no local name, no literal
    assert record_from_dict(record_to_dict(record)) == record


def test_window_days_comes_from_the_policy_with_a_default():
    class Policy:
        def __init__(self, value):
            self.value = value

        def get(self, *keys, default=None):
            return self.value

    assert window_days(Policy(7)) == 7
    assert window_days(Policy("junk")) == 30
    assert window_days(None) == 30


def test_a_ledger_that_does_not_answer_leaves_the_review_alone():
    broken = make_engine("postgresql+psycopg://nobody@127.0.0.1:1/none")
    queued = []
    hooks = LedgerHooks(engine=broken, requeue=queued.append)
    result = review_result([timeout_finding()])
    job = SimpleNamespace(
        installation_id=7, owner="acme", repo="api", number=1, trigger="pull_request.opened"
    )
    snapshot = SimpleNamespace(head_sha="a" * 40, base_sha="b" * 40, files=[head_file()], info=None)
    record = hooks.prepare(job, snapshot, result, 5, None)
    assert result.seen_before.unavailable and not result.seen_before.patterns
    assert result.risk == 20  # unchanged
    assert hooks.completed(record) is False
    assert len(queued) == 1 and queued[0]["check_run_id"] == 5

    def refuse(_record):
        raise ConnectionError("broker down")

    assert LedgerHooks(engine=broken, requeue=refuse).completed(record) is False  # counted lost, no raise


def test_events_closed_waiver_purge_and_junk(store):
    with session_scope(store) as session:
        record_review(session, _record())
    at = "2026-12-01T10:00:00Z"
    closed = {"installation_id": 7, "owner": "acme", "repo": "api", "number": 1, "merged": True,
              "merge_commit_sha": "c" * 40, "merged_at": at, "closed_at": at}  # fmt: skip
    apply_event(store, "closed", closed)
    apply_event(store, "waiver", {"installation_id": 7, "owner": "acme", "repo": "api", "check_run_id": 101,
                                  "login": "lead", "reason": "Waive button"})  # fmt: skip
    apply_event(store, "waiver", {"installation_id": 7, "owner": "acme", "repo": "api", "check_run_id": 101,
                                  "login": "lead", "reason": "Waive button"})  # a redelivery  # fmt: skip
    with session_scope(store) as session:
        pull = session.scalars(select(PullRequest)).one()
        assert pull.merged and pull.merged_at.replace(tzinfo=dt.UTC) == dt.datetime(
            2026, 12, 1, 10, tzinfo=dt.UTC
        )
        assert session.scalar(select(func.count()).select_from(Waiver)) == 1
        assert session.scalars(select(Review.waived_by)).one() == "lead"
    with pytest.raises(ValueError):
        apply_event(store, "nonsense", {})
    with pytest.raises(KeyError):
        apply_event(store, "closed", {"owner": "acme"})
    apply_event(store, "purge", {"installation_id": 7})
    with session_scope(store) as session:
        assert session.scalar(select(func.count()).select_from(Review)) == 0


class DigestClient:
    """The two GitHub calls of a digest: the org policy, and the issue it opens."""

    def __init__(self, policy: str | None):
        self.policy = policy
        self.issues: list[dict] = []

    def get(self, path, url_vars=None, params=None, **_):
        if url_vars["repo"] == ".github" and url_vars["path"] == "prguard.yml" and self.policy is not None:
            content = base64.b64encode(self.policy.encode()).decode()
            return {"type": "file", "size": len(self.policy), "content": content}
        raise NotFound("Not Found")

    def post(self, path, url_vars=None, json=None, **_):
        assert path == "/repos/{owner}/{repo}/issues"
        self.issues.append({"repo": url_vars["repo"], **json})
        return {"html_url": f"https://github.example/acme/{url_vars['repo']}/issues/{len(self.issues)}"}


MONDAY = dt.date(2026, 11, 30)
DIGEST_POLICY = "ledger:\n  digest: {repo: .github, weekday: monday}\n"


def test_digest_is_posted_once_per_week_even_when_beat_runs_twice(store):
    with session_scope(store) as session:
        for number, repo in ((1, "api"), (2, "web")):
            record_review(session, _record(number, repo, at=dt.datetime(2026, 11, 25, tzinfo=dt.UTC)))
        record_closed(session, installation_id=7, owner="acme", repo="api", number=1, merged=True,
                      merged_at=dt.datetime(2026, 11, 26, tzinfo=dt.UTC))  # fmt: skip
    client = DigestClient(DIGEST_POLICY)
    first = post_digest_if_due(store, client, 7, "acme", MONDAY, "https://github.example")
    again = post_digest_if_due(store, client, 7, "acme", MONDAY, "https://github.example")
    assert first and again is None
    (issue,) = client.issues
    assert issue["repo"] == ".github" and issue["title"] == f"prguard weekly digest: {iso_week(MONDAY)}"
    assert "requests.post(_,json=_)" in issue["body"]  # a new pattern in two pull requests
    assert "https://github.example/acme/api/pull/1" in issue["body"]  # merged with a finding open
    with session_scope(store) as session:
        row = session.scalars(select(Digest)).one()
        assert (row.state, row.issue_url) == ("posted", first)
    # not the configured weekday, or no digest configured: nothing
    assert post_digest_if_due(store, client, 7, "acme", MONDAY + dt.timedelta(days=1)) is None
    assert post_digest_if_due(store, DigestClient(None), 7, "acme", MONDAY + dt.timedelta(days=7)) is None
    assert len(client.issues) == 1


def test_a_failed_post_lets_the_next_run_try_again(store):
    class Failing(DigestClient):
        def post(self, *args, **kwargs):
            raise ConnectionError("GitHub is down")

    with session_scope(store) as session:
        record_review(session, _record(1, at=dt.datetime(2026, 11, 25, tzinfo=dt.UTC)))
    with pytest.raises(ConnectionError):
        post_digest_if_due(store, Failing(DIGEST_POLICY), 7, "acme", MONDAY)
    client = DigestClient(DIGEST_POLICY)
    assert post_digest_if_due(store, client, 7, "acme", MONDAY)
    assert len(client.issues) == 1


def test_digest_text_shows_the_ai_share_and_its_trend(store):
    with session_scope(store) as session:
        record_review(session, _record(1, at=dt.datetime(2026, 11, 18, tzinfo=dt.UTC), ai=False))
        record_review(session, _record(2, at=dt.datetime(2026, 11, 25, tzinfo=dt.UTC), ai=True))
        data = build_digest(session, "ACME", since=dt.datetime(2026, 11, 23, tzinfo=dt.UTC),
                            until=dt.datetime(2026, 11, 30, tzinfo=dt.UTC))  # fmt: skip
    text = render_digest(data)
    assert "**AI-authored share:** 100% of 1 reviewed pull requests (1 AI-authored) (+100 points" in text


def test_digest_riskiest_merged_are_the_accepted_risk_of_the_week(store):
    """The digest lists what the dashboard calls accepted risk: merged in the week, findings still open."""
    from prguard.ledger.record import record_waiver

    week_start, week_end = dt.datetime(2026, 11, 23, tzinfo=dt.UTC), dt.datetime(2026, 11, 30, tzinfo=dt.UTC)
    with session_scope(store) as session:
        merges = {1: week_start + dt.timedelta(days=1), 2: week_start + dt.timedelta(days=2),
                  3: week_start - dt.timedelta(days=3)}  # fmt: skip
        for number, merged_at in merges.items():
            record_review(
                session, _record(number, at=merged_at - dt.timedelta(hours=1), head=f"{number}" * 40)
            )
            record_closed(session, installation_id=7, owner="acme", repo="api", number=number, merged=True,
                          merge_commit_sha="c" * 40, merged_at=merged_at, closed_at=merged_at)  # fmt: skip
        record_waiver(session, installation_id=7, owner="acme", repo="api", check_run_id=102,
                      login="lead", reason="accepted")  # fmt: skip
        data = build_digest(session, "acme", since=week_start, until=week_end)
    assert [(p.number, p.open_findings) for p in data.riskiest_merged] == [(1, 1)]  # 2 waived, 3 earlier
    assert "[acme/api#1](https://github.com/acme/api/pull/1)" in render_digest(data)


def test_cli_digest_prints_the_markdown(tmp_path, capsys):
    from prguard.cli import main

    url = f"sqlite:///{tmp_path / 'ledger.sqlite3'}"
    assert main(["db", "upgrade", "--url", url]) == 0
    engine = make_engine(url)
    with session_scope(engine) as session:
        record_review(session, _record(1, at=dt.datetime(2026, 11, 25, tzinfo=dt.UTC)))
        record_review(session, _record(2, repo="web", at=dt.datetime(2026, 11, 26, tzinfo=dt.UTC)))
    engine.dispose()
    capsys.readouterr()
    assert (
        main(["digest", "--org", "acme", "--since", "2026-11-23", "--until", "2026-11-30", "--url", url]) == 0
    )
    out = capsys.readouterr().out
    assert out.startswith("## prguard digest for acme, 2026-11-23 to 2026-11-30")
    assert "requests.post(_,json=_)" in out
    assert main(["digest", "--org", "acme", "--since", "2026-13-01", "--url", url]) == 2


def test_a_ledger_event_is_retried_while_the_database_is_down_then_counted_lost(monkeypatch):
    from prguard import metrics
    from prguard.worker import ledger_tasks

    broken = make_engine("postgresql+psycopg://nobody@127.0.0.1:1/none")
    monkeypatch.setattr(ledger_tasks, "ledger_engine", lambda: broken)
    retried = metrics.LEDGER_OPERATIONS.labels("purge", "retried")
    lost = metrics.LEDGER_OPERATIONS.labels("purge", "lost")
    before = (retried._value.get(), lost._value.get())
    result = ledger_tasks.ledger_event.apply(kwargs={"kind": "purge", "installation_id": 1})
    assert result.get() == {"status": "lost", "detail": "OperationalError"}
    assert retried._value.get() - before[0] == ledger_tasks.LEDGER_MAX_RETRIES
    assert lost._value.get() - before[1] == 1


def test_a_ledger_event_that_cannot_be_read_is_dropped_not_retried(monkeypatch, store):
    from prguard.worker import ledger_tasks

    monkeypatch.setattr(ledger_tasks, "ledger_engine", lambda: store)
    result = ledger_tasks.ledger_event.apply(kwargs={"kind": "closed", "owner": "acme"})
    assert result.get()["status"] == "dropped"


def test_a_late_write_for_an_uninstalled_installation_is_dropped(monkeypatch, store):
    from prguard.queue.state import RedisKeys
    from prguard.worker import ledger_tasks, tasks

    keys = RedisKeys("test-ledger:")

    class Redis:  # what PullState uses of Redis here
        def register_script(self, _source):
            return None

        def exists(self, *names):
            return sum(1 for name in names if name == keys.installation_removed(7))

    monkeypatch.setattr(tasks, "runtime", lambda: SimpleNamespace(redis=Redis(), keys=keys))
    monkeypatch.setattr(ledger_tasks, "ledger_engine", lambda: store)
    late = ledger_tasks.ledger_event.apply(kwargs={"kind": "review", "record": record_to_dict(_record())})
    assert late.get()["status"] == "dropped"
    kept = record_to_dict(_record())
    kept["installation_id"] = 8  # another installation: recorded
    assert (
        ledger_tasks.ledger_event.apply(kwargs={"kind": "review", "record": kept}).get()["status"]
        == "recorded"
    )
    with session_scope(store) as session:
        assert session.scalars(select(Review.installation_id)).all() == [8]


def test_the_pattern_key_stays_when_the_code_moves():
    moved = "import requests\n\n# a comment\n\n\nclass Api:\n    def send(self, url, body):\n" \
        "        return requests.post(url, json=body)\n"  # fmt: skip
    here = review_record(
        installation_id=1, owner="o", repo="r", number=1, head_sha="h",
        result=review_result([timeout_finding(line=5)]), files=[head_file()],
    )  # fmt: skip
    there = review_record(
        installation_id=1, owner="o", repo="other", number=2, head_sha="g",
        result=review_result([timeout_finding(path="lib/api.py", line=8)]),
        files=[head_file("lib/api.py", moved)],
    )  # fmt: skip
    assert here.findings[0].pattern_key == there.findings[0].pattern_key
    assert (here.findings[0].function, there.findings[0].function) == ("send", "Api.send")
