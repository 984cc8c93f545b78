"""The GitHub calls of publishing, against `responses`: 422 recovery, waive, help, check-run batches."""

from __future__ import annotations

import json

import pytest
import responses
from prguard.github.client import GitHubClient
from prguard.github.errors import UnprocessableEntity
from prguard.publish import checkrun, commands, review
from prguard.publish.checkrun import Waiver

from tests.unit.publish_factories import finding, result
from tests.unit.test_publish_review import DIFF, PATH

API = "https://api.github.test"
BOT = "prguard[bot]"
SHA = "c" * 40
REVIEWS = f"{API}/repos/o/r/pulls/5/reviews"
RUN = f"{API}/repos/o/r/check-runs/77"


def _client() -> GitHubClient:
    return GitHubClient(api_url=API, token="t", max_wait=0)


def _bodies(method: str, url: str) -> list[dict]:
    return [
        json.loads(c.request.body)
        for c in responses.calls
        if c.request.method == method and c.request.url == url
    ]


def _post(comments, diffs=None, **kwargs):
    return review.post_review(
        _client(),
        "o",
        "r",
        5,
        head_sha=SHA,
        event="COMMENT",
        comments=comments,
        diffs=diffs or {PATH: DIFF},
        make_body=lambda dropped: f"body ({len(dropped)} dropped)",
        bot_login=BOT,
        **kwargs,
    )


def _422(message="Pull request review thread line must be part of the diff"):
    return responses.Response(
        "POST",
        REVIEWS,
        status=422,
        json={"message": "Unprocessable Entity", "errors": [message]},
    )


@responses.activate
def test_review_is_posted_once_with_commit_id_event_and_comments():
    responses.post(REVIEWS, json={"id": 900, "state": "COMMENTED"})
    comments = review.plan_inline_comments([finding(6)], {PATH: DIFF}).comments
    outcome = _post(comments)
    assert outcome.review_id == 900 and outcome.attempts == 1 and outcome.dropped == []
    (sent,) = _bodies("POST", REVIEWS)
    assert sent["commit_id"] == SHA and sent["event"] == "COMMENT" and sent["body"]
    assert sent["comments"] == [c.to_api() for c in comments]


@responses.activate
def test_on_422_the_rejected_comment_is_dropped_and_the_review_retried_once():
    stale_diffs = {PATH: DIFF}
    good = review.InlineComment(finding(6), PATH, 6, None, "good")
    bad = review.InlineComment(finding(9, snippet="x"), PATH, 9, None, "bad")  # line 9 is outside the hunks
    responses.add(_422())
    responses.get(REVIEWS, json=[])  # no orphan review was created
    responses.post(REVIEWS, json={"id": 901})
    outcome = _post([good, bad], stale_diffs)
    assert outcome.review_id == 901 and outcome.attempts == 2
    assert [c.body for c in outcome.posted] == ["good"] and [c.body for c in outcome.dropped] == ["bad"]
    first, retry = _bodies("POST", REVIEWS)
    assert len(first["comments"]) == 2 and [c["body"] for c in retry["comments"]] == ["good"]
    assert retry["body"] == "body (1 dropped)"


@responses.activate
def test_on_422_for_a_start_line_every_multi_line_comment_becomes_suspect():
    single = review.InlineComment(finding(6), PATH, 6, None, "single")
    multi = review.InlineComment(finding(5, end=6, snippet="m"), PATH, 6, 5, "multi")
    responses.add(_422("Pull request review thread start line must be part of the same hunk as the line."))
    responses.get(REVIEWS, json=[])
    responses.post(REVIEWS, json={"id": 902})
    outcome = _post([single, multi])
    assert [c.body for c in outcome.posted] == ["single"] and [c.body for c in outcome.dropped] == ["multi"]


@responses.activate
def test_on_422_an_orphan_pending_review_is_deleted_before_the_retry():
    comment = review.InlineComment(finding(9), PATH, 9, None, "bad")
    ok = review.InlineComment(finding(6, snippet="ok"), PATH, 6, None, "ok")
    responses.add(_422())
    responses.get(
        REVIEWS,
        json=[
            {"id": 1, "user": {"login": BOT}, "state": "COMMENTED", "commit_id": "old", "body": "x"},
            {"id": 2, "user": {"login": BOT}, "state": "PENDING", "commit_id": SHA, "body": "x"},
        ],
    )
    responses.delete(f"{REVIEWS}/2", json={"id": 2})
    responses.post(REVIEWS, json={"id": 903})
    outcome = _post([comment, ok], known_review_ids=[1])
    assert outcome.orphan_id == 2 and outcome.review_id == 903
    assert [c.request.method for c in responses.calls] == ["POST", "GET", "DELETE", "POST"]


@responses.activate
def test_on_422_a_submitted_orphan_is_kept_as_the_review_when_nothing_is_left():
    comment = review.InlineComment(finding(9), PATH, 9, None, "bad")
    responses.add(_422())
    responses.get(REVIEWS, json=[{"id": 3, "user": {"login": BOT}, "state": "COMMENTED", "commit_id": SHA}])
    responses.put(f"{REVIEWS}/3", json={"id": 3})
    outcome = _post([comment])
    assert outcome.review_id == 3 and outcome.posted == [] and len(outcome.dropped) == 1
    assert _bodies("PUT", f"{REVIEWS}/3") == [{"body": "body (1 dropped)"}]
    assert len(_bodies("POST", REVIEWS)) == 1  # no second review


@responses.activate
def test_on_422_with_no_identifiable_culprit_the_findings_go_in_the_body_never_dropped():
    comment = review.InlineComment(finding(6), PATH, 6, None, "looks fine")
    responses.add(_422("Line could not be resolved"))
    responses.get(REVIEWS, json=[])
    responses.post(REVIEWS, json={"id": 904})
    outcome = _post([comment])
    assert outcome.review_id == 904 and outcome.posted == [] and len(outcome.dropped) == 1
    assert _bodies("POST", REVIEWS)[1] == {
        "commit_id": SHA,
        "body": "body (1 dropped)",
        "event": "COMMENT",
        "comments": [],
    }


@responses.activate
def test_a_422_without_comments_is_not_hidden():
    responses.add(_422("Body is required"))
    with pytest.raises(UnprocessableEntity):
        _post([])


@responses.activate
@pytest.mark.parametrize(("count", "patches"), [(0, 1), (1, 1), (50, 1), (51, 2), (120, 3)])
def test_check_run_annotations_go_50_per_patch_and_the_last_batch_completes_the_run(count, patches):
    responses.patch(RUN, json={"id": 77})
    res = result([finding(i + 1, snippet=str(i)) for i in range(count)])
    progress: list[int] = []
    made = checkrun.send_check_run(_client(), "o", "r", 77, res, "## summary", on_batch=progress.append)
    bodies = _bodies("PATCH", RUN)
    assert made == patches == len(bodies)
    assert [len(b["output"].get("annotations", [])) for b in bodies] == [
        min(50, count - 50 * i) for i in range(patches)
    ]
    assert all(b.get("status") == "in_progress" and "conclusion" not in b for b in bodies[:-1])
    last = bodies[-1]
    assert last["status"] == "completed" and last["conclusion"] == "failure"
    assert last["output"]["summary"] == "## summary"
    assert [a["identifier"] for a in last["actions"]] == ["rerun", "waive"]
    assert progress == (list(range(1, patches + 1)) if count else [])


@responses.activate
def test_check_run_retry_skips_batches_already_sent():
    responses.patch(RUN, json={"id": 77})
    res = result([finding(i + 1, snippet=str(i)) for i in range(120)])
    made = checkrun.send_check_run(_client(), "o", "r", 77, res, "s", batches_sent=2)
    bodies = _bodies("PATCH", RUN)
    assert made == 1 and len(bodies[0]["output"]["annotations"]) == 20


@responses.activate
def test_annotations_already_sent_reads_the_run():
    responses.get(RUN, json={"id": 77, "output": {"annotations_count": 100}})
    assert checkrun.annotations_already_sent(_client(), "o", "r", 77) == 2


@responses.activate
def test_waived_run_concludes_neutral_and_names_who_waived():
    responses.patch(RUN, json={"id": 77})
    checkrun.send_check_run(_client(), "o", "r", 77, result([finding(1)]), "s", waiver=Waiver("mona", "t"))
    (body,) = _bodies("PATCH", RUN)
    assert body["conclusion"] == "neutral" and "Waived by @mona" in body["output"]["summary"]


def _run(conclusion="failure"):
    return {
        "id": 77,
        "name": "prguard",
        "head_sha": SHA,
        "conclusion": conclusion,
        "output": {"title": "2 findings block this change", "summary": "### ❌ Blocked"},
    }


PERMISSION = f"{API}/repos/o/r/collaborators/{{}}/permission"


@responses.activate
@pytest.mark.parametrize(
    ("answer", "allowed"),
    [
        ({"permission": "admin", "role_name": "admin"}, True),
        ({"permission": "write", "role_name": "maintain"}, True),
        ({"permission": "write", "role_name": "write"}, True),
        ({"permission": "read", "role_name": "triage"}, False),
        ({"permission": "read", "role_name": "read"}, False),
        ({"permission": "none", "role_name": "none"}, False),
    ],
)
def test_waive_needs_write_access_checked_through_the_api(answer, allowed):
    responses.get(RUN, json=_run())
    responses.get(PERMISSION.format("mona"), json=answer)
    responses.patch(RUN, json={"id": 77})
    outcome = commands.waive(_client(), "o", "r", 77, "mona", now="2026-05-01T10:00:00Z")
    assert outcome.waived is allowed
    (body,) = _bodies("PATCH", RUN)
    if allowed:
        assert body["conclusion"] == "neutral"
        assert body["output"]["title"] == "Waived by @mona · 2 findings would block"
        assert body["output"]["summary"].startswith("> ✋ **Waived by @mona** at 2026-05-01T10:00:00Z")
    else:
        assert "conclusion" not in body  # nothing changes
        assert "waiving needs write access" in body["output"]["summary"]
        assert body["output"]["title"] == "2 findings block this change"


@responses.activate
def test_waive_by_a_stranger_is_refused():
    responses.get(RUN, json=_run())
    responses.get(PERMISSION.format("eve"), status=404, json={"message": "Not Found"})
    responses.patch(RUN, json={"id": 77})
    assert not commands.waive(_client(), "o", "r", 77, "eve").waived
    assert "their access: none" in _bodies("PATCH", RUN)[0]["output"]["summary"]


@responses.activate
def test_waive_twice_does_not_stack_notes_and_a_passing_run_has_nothing_to_waive():
    responses.get(RUN, json=_run())
    responses.get(PERMISSION.format("mona"), json={"permission": "admin"})
    responses.patch(RUN, json={"id": 77})
    commands.waive(_client(), "o", "r", 77, "mona", now="t1")
    first = _bodies("PATCH", RUN)[0]["output"]["summary"]
    responses.replace(
        responses.GET, RUN, json={**_run("neutral"), "output": {"title": "x", "summary": first}}
    )
    assert not commands.waive(_client(), "o", "r", 77, "mona").waived
    second = _bodies("PATCH", RUN)[1]["output"]["summary"]
    assert second.count("<!-- prguard:note -->") == 1 and "it is not failing" in second
    assert second.endswith("### ❌ Blocked")


def test_parse_command():
    assert commands.parse_command("/prguard review") == "review"
    assert commands.parse_command("thanks!\n  /PRGUARD help please") == "help"
    assert commands.parse_command("> /prguard review\nquoted only") is None
    assert commands.parse_command("see /prguard review") is None
    assert commands.reaction_for("review") == "eyes" and commands.reaction_for("help") == "+1"


@responses.activate
def test_help_is_answered_once_per_comment_with_a_reaction():
    reactions = f"{API}/repos/o/r/issues/comments/555/reactions"
    issue_comments = f"{API}/repos/o/r/issues/5/comments"
    responses.post(reactions, json={"content": "+1"})
    responses.get(issue_comments, json=[])
    responses.post(issue_comments, json={"id": 1})
    assert commands.answer_help(_client(), "o", "r", 5, 555, BOT)
    reply = _bodies("POST", issue_comments)[0]["body"]
    assert "/prguard review" in reply and "<!-- prguard:help reply-to=555 -->" in reply
    responses.replace(responses.GET, issue_comments, json=[{"id": 1, "user": {"login": BOT}, "body": reply}])
    assert not commands.answer_help(_client(), "o", "r", 5, 555, BOT)
    assert len(_bodies("POST", issue_comments)) == 1
    assert _bodies("POST", reactions) == [{"content": "+1"}, {"content": "+1"}]
