"""Change events sent by the worker's review path and Celery task, against the fake GitHub and a local OTLP
receiver. Moved from tests/unit/test_change_events.py (marked integration there already)."""

from __future__ import annotations

import copy
import datetime
import json

import pytest
from prguard.worker import change_events

from tests.unit.test_change_events import CART, HELPERS, OtlpReceiver, _records, _value


@pytest.mark.integration
def test_merged_webhook_makes_the_worker_send_one_record_and_write_the_merge_record(
    fake_github, tmp_path, monkeypatch, capsys
):
    import redis
    from prguard.app import create_app
    from prguard.github.client import GitHubClient
    from prguard.ledger.db import engine_for, upgrade
    from prguard.queue.celery_app import ANALYZE_QUEUE, LEDGER_TASK, MERGE_TASK, WRITE_QUEUE
    from prguard.worker.merge import merge_facts, record_and_announce

    from tests.conftest import load_webhook
    from tests.spine_helpers import make_settings, queued_messages
    from tests.unit.test_receiver import REDIS_URL, post

    pull = fake_github.seed_pull(
        base_files={"shop/__init__.py": "", "README.md": "shop\n"},
        head_files={},
        title="Fix rounding",
        commits=[
            {
                "files": {"shop/cart.py": CART},
                "message": "Round totals\n\nCo-Authored-By: Claude <noreply@anthropic.com>",
            },
            {"files": {"shop/helpers.py": HELPERS}, "message": "Add a shell helper"},
        ],
    )
    # the receiver: a merged close queues the merge task (beside the ledger's own event)
    rds = redis.Redis.from_url(REDIS_URL)
    rds.delete(ANALYZE_QUEUE, WRITE_QUEUE)
    settings = make_settings(REDIS_URL)
    client = create_app(settings, redis_client=rds).test_client()
    payload = copy.deepcopy(load_webhook("pull_request", "closed.payload.json"))
    payload["pull_request"]["merged"] = True
    payload["pull_request"]["merge_commit_sha"] = pull.head_sha
    payload["pull_request"]["number"] = pull.number
    payload["number"] = pull.number
    payload["repository"]["owner"]["login"], payload["repository"]["name"] = "octo-org", "widgets"
    assert post(client, "pull_request", payload).get_json()["status"] == "recorded"
    messages = queued_messages(rds, ANALYZE_QUEUE)
    rds.delete(ANALYZE_QUEUE, WRITE_QUEUE)
    assert [m["task"] for m in messages] == [LEDGER_TASK, MERGE_TASK]
    kwargs = messages[1]["kwargs"]
    assert (kwargs["owner"], kwargs["repo"], kwargs["number"], kwargs["merge_commit_sha"]) == (
        "octo-org",
        "widgets",
        pull.number,
        pull.head_sha,
    )
    # the worker's side of the task, against the fake GitHub, the ledger and the OTLP receiver
    github = GitHubClient(api_url=fake_github.url, token=fake_github.issue_token(1), sleep=lambda _: None)
    url = f"sqlite:///{tmp_path / 'ledger.sqlite3'}"
    upgrade(url)
    with OtlpReceiver() as receiver:
        monkeypatch.setenv("OTEL_EXPORTER_OTLP_LOGS_ENDPOINT", receiver.url + "/v1/logs")
        facts = merge_facts(github, **{k: v for k, v in kwargs.items() if k != "delivery_id"})
        outcome = record_and_announce(facts, ledger_engine=engine_for(url))
    assert outcome["event"] == "sent" and outcome["ledger_rows"] == 2
    [(_, _, _, record)] = _records(receiver)
    attributes = {kv.key: _value(kv.value) for kv in record.attributes}
    assert attributes["vcs.change.id"] == str(pull.number) and attributes["vcs.change.state"] == "merged"
    assert attributes["vcs.ref.head.revision"] == pull.head_sha and attributes["vcs.ref.base.name"] == "main"
    assert attributes["vcs.repository.url.full"] == "https://github.com/octo-org/widgets"
    assert attributes["prguard.ai_authored"] is True and attributes["prguard.agents"] == ["claude_code"]
    assert attributes["prguard.ai_line_share"] == pytest.approx(3 / 8)  # 3 of the 8 added lines
    assert attributes["prguard.findings.open"] >= 1 and attributes["prguard.risk"] > 0
    assert attributes["prguard.functions.changed"] == ["shop/cart.py:total", "shop/helpers.py:run"]
    # the merge record answers `prguard trace` from the ledger
    from prguard.cli import main

    tb = tmp_path / "tb.txt"
    tb.write_text(
        'Traceback (most recent call last):\n  File "/srv/app/shop/helpers.py", line 5, in run\n'
        '  File "/srv/app/shop/cart.py", line 3, in total\nZeroDivisionError: division by zero\n'
    )
    monkeypatch.setenv("DATABASE_URL", url)
    code = main(
        [
            "trace",
            "--repo",
            str(tmp_path),
            "--file",
            str(tb),
            "--format",
            "json",
            "--repository",
            "octo-org/widgets",
        ]
    )
    result = json.loads(capsys.readouterr().out)
    assert code == 0 and result["source"] == "ledger"
    frames = {f["function"]: f for f in result["frames"]}
    [total] = frames["total"]["changes"]
    assert (
        total["pull"] == pull.number and total["ai_authored"] is True and total["agents"] == ["claude_code"]
    )
    assert total["ai_line_share"] == 1.0 and total["findings"] == []
    [run] = frames["run"]["changes"]
    assert run["agents"] == [] and run["ai_line_share"] == 0.0
    assert [(f["severity"], f["line"]) for f in run["findings"]] == [("high", 5)]  # open at merge: shell=True


@pytest.mark.integration
def test_endpoint_down_leaves_the_review_path_alone(fake_github, tmp_path, monkeypatch):
    from prguard.engine.review import review
    from prguard.github.client import GitHubClient
    from prguard.github.pulls import fetch_pull_request
    from prguard.policies.loader import load_policy
    from prguard.worker.merge import merge_facts, record_and_announce

    pull = fake_github.seed_pull(base_files={"README.md": "x\n"}, head_files={"shop/cart.py": CART})
    github = GitHubClient(api_url=fake_github.url, token=fake_github.issue_token(1), sleep=lambda _: None)
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_LOGS_ENDPOINT", "http://127.0.0.1:9/v1/logs")  # nothing listens
    monkeypatch.setattr(change_events, "RETRY_DELAYS", (0.01, 0.01))
    before = review(fetch_pull_request(github, "octo-org", "widgets", pull.number).files, load_policy())
    facts = merge_facts(
        github, installation_id=1, owner="octo-org", repo="widgets", number=pull.number,
        merge_commit_sha=pull.head_sha, merged_at=None,
    )  # fmt: skip
    outcome = record_and_announce(facts, ledger_engine=None)  # returns: no exception, no hang
    assert outcome["event"] == "failed"
    after = review(fetch_pull_request(github, "octo-org", "widgets", pull.number).files, load_policy())
    assert after.conclusion == before.conclusion and len(after.findings) == len(before.findings)
    assert not fake_github.validation_failures


@pytest.mark.integration
def test_the_celery_task_records_and_sends_and_survives_a_dead_endpoint(fake_github, tmp_path, monkeypatch):
    """The task itself (run eagerly): a dead endpoint is retried, dropped, and the task still succeeds."""
    import types

    import redis
    from prguard.github.client import GitHubClient
    from prguard.ledger.db import engine_for, upgrade
    from prguard.queue.state import RedisKeys
    from prguard.worker import ledger as worker_ledger
    from prguard.worker import tasks
    from prguard.worker.merge_tasks import merge_record

    pull = fake_github.seed_pull(base_files={"README.md": "x\n"}, head_files={"shop/cart.py": CART})
    url = f"sqlite:///{tmp_path / 'ledger.sqlite3'}"
    upgrade(url)
    tokens = types.SimpleNamespace(
        client=lambda _id: GitHubClient(
            api_url=fake_github.url, token=fake_github.issue_token(1), sleep=lambda _: None
        ),
        forget=lambda _id: None,
    )
    rt = types.SimpleNamespace(
        tokens=tokens,
        redis=redis.Redis.from_url("redis://127.0.0.1:6379/11"),
        keys=RedisKeys("pgtest-merge:"),
    )
    monkeypatch.setattr(tasks, "runtime", lambda: rt)
    monkeypatch.setattr(worker_ledger, "ledger_engine", lambda: engine_for(url))
    monkeypatch.setattr(change_events, "RETRY_DELAYS", (0.01, 0.01))
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_LOGS_ENDPOINT", "http://127.0.0.1:9/v1/logs")  # nothing listens
    kwargs = {"installation_id": 1, "owner": "octo-org", "repo": "widgets", "number": pull.number,
              "merge_commit_sha": pull.head_sha, "merged_at": "2026-12-01T10:00:00Z",
              "delivery_id": "d-1"}  # fmt: skip
    outcome = merge_record.apply(kwargs=kwargs).get()
    assert outcome == {"status": "done", "functions": 1, "ledger_rows": 1, "event": "failed"}
    with OtlpReceiver() as receiver:
        monkeypatch.setenv("OTEL_EXPORTER_OTLP_LOGS_ENDPOINT", receiver.url + "/v1/logs")
        again = merge_record.apply(kwargs=kwargs).get()
        third = merge_record.apply(kwargs=kwargs).get()  # redelivered after the event went out
    assert again == {"status": "done", "functions": 1, "ledger_rows": 0, "event": "sent"}  # one ledger record
    assert third == {"status": "done", "functions": 1, "ledger_rows": 0, "event": "duplicate"}  # one event
    [(_, _, _, record)] = _records(receiver)
    merged = datetime.datetime(2026, 12, 1, 10, tzinfo=datetime.UTC)
    assert record.time_unix_nano == int(merged.timestamp()) * 10**9  # the merge time
    for key in list(rt.redis.scan_iter("pgtest-merge:*")):
        rt.redis.delete(key)
