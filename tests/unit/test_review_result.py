"""One answer to "which findings block" (ReviewResult.blocking), one policy-change gate, one
bot-login resolver: the App's publishers, the reports and the command line share each."""

from __future__ import annotations

import pytest
from prguard.engine.gate import gate_policy_change
from prguard.engine.model import ChangedFile, Finding, ReviewResult, Severity
from prguard.policies.loader import load_policy
from prguard.publish import checkrun, identity, publisher
from prguard.report import common


def finding(severity: Severity, line: int) -> Finding:
    return Finding("B602", "security", severity, "a.py", line, line, "m", f"fp{line}")


def result(fail_on: str | None, conclusion: str = "failure") -> ReviewResult:
    text = f"gate:\n  fail_on: {fail_on}\n" if fail_on else None
    policy = load_policy(repo_text=text, repo_source="t.yml") if text else load_policy()
    findings = [finding(Severity.HIGH, 1), finding(Severity.MEDIUM, 2), finding(Severity.LOW, 3)]
    return ReviewResult(conclusion, findings, [], [], {}, policy=policy)


@pytest.mark.parametrize(
    ("fail_on", "lines"), [(None, [1]), ("medium", [1, 2]), ("info", [1, 2, 3]), ("never", [])]
)
def test_reports_and_publishers_count_the_same_blocking_findings(fail_on, lines):
    reviewed = result(fail_on)
    assert [f.start_line for f in reviewed.blocking()] == lines
    assert common.blocking(reviewed) == reviewed.blocking() == checkrun.blocking_findings(reviewed)
    assert common.fail_on(reviewed) == checkrun.fail_on(reviewed) == (fail_on or "high")


def test_without_a_policy_the_gate_is_high():
    reviewed = ReviewResult("failure", [finding(Severity.HIGH, 1), finding(Severity.LOW, 2)], [], [], {})
    assert reviewed.fail_on == "high" and [f.start_line for f in reviewed.blocking()] == [1]


POLICY = ".github/prguard.yml"


@pytest.mark.parametrize(
    ("text", "before", "after"),
    [
        ("gate:\n  fail_on: medium\n", "success", "success"),
        ("gate:\n  fail_on: sometimes\n", "success", "action_required"),
        ("gate:\n  fail_on: sometimes\n", "failure", "failure"),
    ],
)
def test_the_policy_change_gate(text, before, after):
    reviewed = result(None, conclusion=before)
    files = [ChangedFile(POLICY, "modified", text.encode(), b"version: 1\n")]
    gate_policy_change(reviewed, files)
    assert reviewed.conclusion == after
    assert any(POLICY in note for note in reviewed.notes)


def test_a_change_that_leaves_the_policy_alone_is_not_gated():
    reviewed = result(None, conclusion="success")
    gate_policy_change(reviewed, [ChangedFile("a.py", "modified", b"x = 1\n", b"x = 0\n")])
    assert reviewed.conclusion == "success" and reviewed.notes == []


class FakeRedis:
    def __init__(self) -> None:
        self.data: dict[str, bytes] = {}

    def get(self, key):
        return self.data.get(key)

    def set(self, key, value, ex=None):
        self.data[key] = value.encode() if isinstance(value, str) else value


class FakeClient:
    def __init__(self, slug: str | None) -> None:
        self.slug = slug
        self.calls = 0

    def get(self, path, url_vars=None):
        self.calls += 1
        return {"id": 7, "app": {"slug": self.slug} if self.slug else None}


def test_one_bot_login_resolver_and_one_key_for_tasks_and_publishing():
    redis = FakeRedis()
    client = FakeClient("prguard-dev")
    assert publisher.bot_login_for_run(client, "o", "r", 7, redis, "p:") == "prguard-dev[bot]"
    assert redis.data == {"p:app:bot-login": b"prguard-dev[bot]"}
    # the worker's tasks (GET /app) read the same key: GitHub is not asked again
    asked = []
    assert identity.bot_login(redis, "p:", lambda: asked.append(1) or "other[bot]") == "prguard-dev[bot]"
    assert asked == [] and client.calls == 1
    assert identity.login_of_app({"slug": "x"}) == "x[bot]" and identity.login_of_app(None) is None


def test_an_answer_naming_no_app_is_an_error_not_a_wrong_login():
    with pytest.raises(ValueError, match="names no app"):
        publisher.bot_login_for_run(FakeClient(None), "o", "r", 7, FakeRedis(), "p:")
