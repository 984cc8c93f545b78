"""Each button and command, from GitHub's real webhook payloads (adapted only in ids, SHAs, logins and text).

The payload goes through the receiver's router, and the work it decides runs
against the fake GitHub as the worker would run it: re-runs review again
without duplicating anything, Waive needs write access (checked through the
API), `/prguard review` is acknowledged with a reaction, `/prguard help` is
answered once.
"""

from __future__ import annotations

import copy

import pytest
from prguard.app.routing import route
from prguard.publish.commands import WaiverStore, answer_help, waive
from prguard.publish.publisher import publish_context
from prguard.queue.state import PullState, RedisKeys
from prguard.worker.pipeline import run_review

from tests.conftest import load_webhook
from tests.integration.test_publish_e2e import BASE, HEAD, OWNER, REPO, make_world, review

pytestmark = pytest.mark.integration


@pytest.fixture
def world(fake_github, monkeypatch):
    yield from make_world(fake_github, monkeypatch)


def _adapt(payload: dict, fake, *, sha: str | None = None, login: str = "octocat") -> dict:
    data = copy.deepcopy(payload)
    data["installation"] = {"id": 1, "node_id": "MDIz"}
    data["repository"]["name"] = REPO
    data["repository"]["full_name"] = f"{OWNER}/{REPO}"
    data["repository"]["owner"]["login"] = OWNER
    data["sender"]["login"] = login
    return data


def _check_run_payload(name: str, fake, run: dict, number: int, **kwargs) -> dict:
    data = _adapt(load_webhook("check_run", name), fake, **kwargs)
    data["check_run"].update(id=run["id"], head_sha=run["head_sha"], external_id=run.get("external_id") or "")
    data["check_run"]["app"]["id"] = fake.app_id
    for pr in data["check_run"]["pull_requests"]:
        pr["number"] = number
        pr["head"]["sha"] = run["head_sha"]
        pr["base"]["repo"]["name"] = REPO
    return data


def _run_decision(world, decision) -> list:
    _fake, redis, prefix, tokens = world
    outcomes = []
    for job in decision.jobs:
        outcomes.append(
            run_review(job, github=tokens, redis=redis, keys=RedisKeys(prefix), publisher=publish_context)
        )
    return outcomes


def _known(world) -> PullState:
    _fake, redis, prefix, _tokens = world
    return PullState(redis, RedisKeys(prefix))


@pytest.fixture
def reviewed(world):
    fake = world[0]
    pull = fake.seed_pull(base_files=BASE, head_files=HEAD, title="Convert")
    review(world, pull.number, pull.head_sha, "first")
    (run,) = fake.check_runs(OWNER, REPO)
    assert run["conclusion"] == "failure"
    return pull, run


def test_rerun_button_and_rerequested_check_run_and_suite_review_again_without_duplicates(world, reviewed):
    fake = world[0]
    pull, run = reviewed
    comments = len(fake.review_comments(OWNER, REPO, pull.number))
    button = _check_run_payload("requested_action.payload.json", fake, run, pull.number)
    button["requested_action"]["identifier"] = "rerun"
    rerequested = _check_run_payload("rerequested.payload.json", fake, run, pull.number)
    rerequested["check_run"]["pull_requests"] = []  # like a fork: the PR comes from the run's external_id
    suite = _adapt(load_webhook("check_suite", "rerequested.payload.json"), fake)
    suite["check_suite"]["head_sha"] = pull.head_sha
    suite["check_suite"]["app"]["id"] = fake.app_id
    for pr in suite["check_suite"]["pull_requests"]:
        pr["number"] = pull.number
        pr["base"]["repo"]["name"] = REPO
    for event, data, delivery in (
        ("check_run", button, "button-1"),
        ("check_run", rerequested, "rerequested-1"),
        ("check_suite", suite, "suite-1"),
    ):
        decision = route(event, data, delivery, app_id=fake.app_id, known=_known(world))
        assert decision.kind == "review", decision.reason
        assert [o.status for o in _run_decision(world, decision)] == ["completed"]
    runs = fake.check_runs(OWNER, REPO)
    assert len(runs) == 4 and all(r["status"] == "completed" for r in runs)
    assert len(fake.reviews(OWNER, REPO, pull.number)) == 1
    assert len(fake.review_comments(OWNER, REPO, pull.number)) == comments


@pytest.mark.parametrize(("permission", "waived"), [("write", True), ("maintain", True), ("read", False)])
def test_waive_button_needs_write_access(world, reviewed, permission, waived):
    fake, redis, prefix, tokens = world
    pull, run = reviewed
    fake.set_permission(OWNER, REPO, "hubot", permission)
    data = _check_run_payload("requested_action.payload.json", fake, run, pull.number, login="hubot")
    data["requested_action"]["identifier"] = "waive"
    decision = route("check_run", data, "waive-1", app_id=fake.app_id, known=_known(world))
    assert decision.kind == "waive"
    extra = dict(decision.extra)
    outcome = waive(
        tokens.client(1), extra["owner"], extra["repo"], extra["check_run_id"], extra["login"],
        store=WaiverStore(redis, prefix), installation_id=1,
    )  # fmt: skip
    assert outcome.waived is waived
    after = fake.check_runs(OWNER, REPO)[0]
    if waived:
        assert after["conclusion"] == "neutral"
        assert after["output"]["title"].startswith("Waived by @hubot")
        assert "Waived by @hubot" in after["output"]["summary"]
        # The waiver holds for a re-run of the same push.
        review(world, pull.number, pull.head_sha, "after-waive", "check_run.rerequested")
        assert fake.check_runs(OWNER, REPO)[-1]["conclusion"] == "neutral"
    else:
        assert after["conclusion"] == "failure"
        assert "waiving needs write access" in after["output"]["summary"]


def _comment_payload(fake, number: int, body: str) -> dict:
    data = _adapt(load_webhook("issue_comment", "created.with-installation.payload.json"), fake)
    made = fake.add_issue_comment(OWNER, REPO, number, body, login=data["comment"]["user"]["login"])
    data["comment"].update(id=made["id"], body=body, author_association="MEMBER")
    data["issue"]["number"] = number
    data["issue"]["pull_request"] = {"url": f"https://api.github.com/repos/{OWNER}/{REPO}/pulls/{number}"}
    return data


def test_prguard_review_comment_is_acknowledged_and_reviews_again(world, reviewed):
    fake = world[0]
    pull, _run = reviewed
    data = _comment_payload(fake, pull.number, "/prguard review")
    decision = route("issue_comment", data, "cmd-1", app_id=fake.app_id, known=_known(world))
    assert decision.kind == "review"
    assert [o.status for o in _run_decision(world, decision)] == ["completed"]
    reactions = fake.calls("POST", "/repos/{owner}/{repo}/issues/comments/{comment_id}/reactions")
    assert [r.body["content"] for r in reactions] == ["eyes"]
    assert len(fake.reviews(OWNER, REPO, pull.number)) == 1


def test_prguard_help_is_answered_once(world, reviewed):
    fake, _redis, _prefix, tokens = world
    pull, _run = reviewed
    data = _comment_payload(fake, pull.number, "/prguard help")
    decision = route("issue_comment", data, "help-1", app_id=fake.app_id, known=_known(world))
    assert decision.kind == "help"
    (job,) = decision.jobs
    for _ in range(2):  # a redelivery or a retry must not answer twice
        answer_help(tokens.client(1), OWNER, REPO, pull.number, job.comment_id, fake.bot_user["login"])
    replies = [c for c in fake.issue_comments(OWNER, REPO, pull.number) if c["user"]["type"] == "Bot"]
    assert len(replies) == 1 and "/prguard review" in replies[0]["body"]
    reactions = fake.calls("POST", "/repos/{owner}/{repo}/issues/comments/{comment_id}/reactions")
    assert {r.body["content"] for r in reactions} == {"+1"}
