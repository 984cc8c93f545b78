"""Markers, prguard's own comments, and which threads a later push resolves."""

from __future__ import annotations

import pytest
from prguard.publish import dedupe

BOT = "prguard[bot]"


def _comment(cid, fp, *, login=BOT, reply_to=None, body=None):
    return {
        "id": cid,
        "node_id": f"PRRC_{cid}",
        "body": body if body is not None else f"text\n<!-- prguard:fp={fp} -->",
        "user": {"login": login, "type": "Bot"},
        "path": "a.py",
        "commit_id": "c" * 40,
        "in_reply_to_id": reply_to,
    }


def test_marker_round_trip_and_rejects_what_would_break_html():
    marker = dedupe.fingerprint_marker("3f9c0e12ab")
    assert marker == "<!-- prguard:fp=3f9c0e12ab -->"
    assert dedupe.parse_fingerprint(f"**x**\n\n{marker}\n") == "3f9c0e12ab"
    assert dedupe.parse_fingerprint("no marker here") is None
    assert dedupe.parse_fingerprint(None) is None
    with pytest.raises(ValueError):
        dedupe.fingerprint_marker("a --> b")


def test_review_marker_round_trip():
    body = "text\n" + dedupe.review_marker("a" * 40, "failure:2-0-1-0")
    assert dedupe.parse_review_marker(body) == {"sha": "a" * 40, "state": "failure:2-0-1-0"}
    assert dedupe.parse_review_marker("plain") is None


def test_own_comments_ignores_other_users_replies_and_unmarked_comments():
    comments = [
        _comment(1, "aaa"),
        _comment(2, "bbb", login="mallory"),  # a pasted marker must not silence a finding
        _comment(3, "ccc", reply_to=1),
        _comment(4, "", body="a human-looking comment by the bot"),
        _comment(5, "ddd", login="PRGUARD[BOT]"),
    ]
    own = dedupe.own_comments(comments, BOT)
    assert [(c.id, c.fingerprint) for c in own] == [(1, "aaa"), (5, "ddd")]


def test_plan_dedupe_splits_already_commented_and_stale():
    posted = dedupe.own_comments([_comment(1, "aaa"), _comment(2, "bbb"), _comment(3, "aaa")], BOT)
    plan = dedupe.plan_dedupe(posted, ["aaa", "new"])
    assert plan.already_commented == {"aaa"}
    assert [c.id for c in plan.stale] == [2]


def _threads_answer(nodes, has_next=False, cursor=None):
    return {
        "repository": {
            "pullRequest": {
                "reviewThreads": {"pageInfo": {"hasNextPage": has_next, "endCursor": cursor}, "nodes": nodes}
            }
        }
    }


def test_threads_page_parses_ids_and_cursor():
    answer = _threads_answer(
        [
            {"id": "PRRT_1", "isResolved": False, "comments": {"nodes": [{"databaseId": 1}]}},
            {"id": "PRRT_2", "isResolved": True, "comments": {"nodes": [{"databaseId": 2}]}},
        ],
        has_next=True,
        cursor="Y3Vy",
    )
    threads, cursor = dedupe.threads_page(answer)
    assert threads == [dedupe.ReviewThread("PRRT_1", False, (1,)), dedupe.ReviewThread("PRRT_2", True, (2,))]
    assert cursor == "Y3Vy"
    with pytest.raises(ValueError):
        dedupe.threads_page({"repository": None})


def test_cleanup_resolves_open_threads_once_and_minimizes_orphans():
    posted = dedupe.own_comments([_comment(1, "a"), _comment(2, "b"), _comment(3, "c")], BOT)
    threads = [dedupe.ReviewThread("PRRT_1", False, (1,)), dedupe.ReviewThread("PRRT_2", True, (2,))]
    plan = dedupe.plan_cleanup(posted, threads)
    assert plan.resolve_thread_ids == ("PRRT_1",)  # PRRT_2 is already resolved: nothing to do
    assert plan.minimize_node_ids == ("PRRC_3",)  # no thread found: minimize as outdated


def test_own_reviews_and_blocking():
    reviews = [
        {"id": 7, "user": {"login": BOT}, "state": "CHANGES_REQUESTED", "commit_id": "a", "body": "x"},
        {"id": 8, "user": {"login": "alice"}, "state": "CHANGES_REQUESTED", "commit_id": "a", "body": "x"},
        {"id": 9, "user": {"login": BOT}, "state": "COMMENTED", "commit_id": "b",
         "body": dedupe.review_marker("b", "success:0-0-0-0")},
    ]  # fmt: skip
    own = dedupe.own_reviews(reviews, BOT)
    assert [(r.id, r.blocking) for r in own] == [(7, True), (9, False)]
    assert own[1].marker["state"] == "success:0-0-0-0"
