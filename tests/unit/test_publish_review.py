"""Inline comments only where GitHub accepts them, capped, highest severity first, suggestions that apply."""

from __future__ import annotations

import re

from prguard.engine.diffmap import FileDiff
from prguard.engine.model import ChangedFile, FlowStep
from prguard.publish import review
from prguard.publish.dedupe import parse_fingerprint, parse_review_marker

from tests.unit.publish_factories import finding, policy, result

HEAD = """import subprocess


def convert(filename):
    cmd = "convert " + filename + " out.png"
    return subprocess.call(cmd, shell=True)


def untouched():
    return 1


def added_later(x):
    y = x + 1
    return y
"""

# Hunk 1 covers head lines 3-7 (5-6 added); hunk 2 covers head lines 12-15 (13-15 added).
PATCH = "\n".join(
    [
        "@@ -1,5 +1,7 @@",
        " import subprocess",
        " ",
        " ",
        " def convert(filename):",
        "-    return 0",
        '+    cmd = "convert " + filename + " out.png"',
        "+    return subprocess.call(cmd, shell=True)",
        "@@ -9,1 +12,4 @@",
        " ",
        "+def added_later(x):",
        "+    y = x + 1",
        "+    return y",
    ]
)

DIFF = FileDiff.parse(PATCH)
PATH = "app/views.py"


def test_the_fixture_diff_has_two_hunks():
    assert [(h.new_start, h.new_end) for h in DIFF.hunks] == [(1, 7), (12, 15)]


def test_single_line_inside_a_hunk_is_commented_on_that_line():
    placed = review.place(finding(6), DIFF)
    assert placed == review.Placement(6, None, True)


def test_multi_line_within_one_hunk_uses_start_line():
    placed = review.place(finding(5, end=6), DIFF)
    assert placed == review.Placement(6, 5, True)
    comment = review.plan_inline_comments([finding(5, end=6)], {PATH: DIFF}).comments[0]
    assert comment.to_api() == {
        "path": PATH,
        "body": comment.body,
        "line": 6,
        "side": "RIGHT",
        "start_line": 5,
        "start_side": "RIGHT",
    }
    assert "position" not in comment.to_api()


def test_range_across_hunks_falls_back_to_one_line_without_suggestion():
    f = finding(6, end=13, suggestion="pass\n")
    placed = review.place(f, DIFF)
    assert placed is not None and placed.start_line is None and not placed.suggestion_fits
    assert DIFF.is_commentable(placed.line)
    body = review.plan_inline_comments([f], {PATH: DIFF}).comments[0].body
    assert "```suggestion" not in body and "Suggested fix for line 6-13" in body


def test_lines_outside_every_hunk_are_not_commented():
    plan = review.plan_inline_comments([finding(9), finding(10, path="other.py")], {PATH: DIFF})
    assert plan.comments == [] and len(plan.not_commentable) == 2


def test_file_without_patch_gets_no_comment():
    diffs = review.diffs_by_path([ChangedFile("big.py", "modified", b"x", b"y", patch=None)])
    plan = review.plan_inline_comments([finding(1, path="big.py")], diffs)
    assert plan.comments == [] and len(plan.not_commentable) == 1


def test_cap_keeps_the_highest_severities_and_leaves_the_rest_to_the_check_run():
    findings = [
        finding(13, severity="low", snippet="a"),
        finding(14, severity="high", snippet="b"),
        finding(5, severity="medium", snippet="c"),
        finding(6, severity="high", snippet="d"),
        finding(15, severity="info", snippet="e"),
    ]
    plan = review.plan_inline_comments(findings, {PATH: DIFF}, limit=3)
    assert [c.finding.severity.value for c in plan.comments] == ["high", "high", "medium"]
    assert [f.severity.value for f in plan.over_cap] == ["low", "info"]
    assert review.plan_inline_comments(findings, {PATH: DIFF}, limit=0).comments == []


def test_already_commented_findings_are_skipped_and_count_toward_the_cap():
    a, b, c = finding(5, snippet="a"), finding(6, snippet="b"), finding(13, severity="low", snippet="c")
    plan = review.plan_inline_comments([a, b, c], {PATH: DIFF}, limit=2, already_commented={c.fingerprint})
    assert [x.finding for x in plan.comments] == [a]
    assert plan.already_commented == [c] and plan.over_cap == [b]
    again = review.plan_inline_comments(
        [a, b, c], {PATH: DIFF}, limit=2, already_commented={a.fingerprint, c.fingerprint}
    )
    assert again.comments == []  # a re-run never posts "the next" findings over the cap


def _suggestion_of(body: str) -> str:
    match = re.search(r"^(`{3,})suggestion\n(.*?)\n?\1$", body, re.S | re.M)
    assert match, body
    return match.group(2)


def _apply(text: str, start: int, end: int, replacement: str) -> str:
    lines = text.splitlines()
    new = replacement.splitlines() if replacement else []
    return "\n".join(lines[: start - 1] + new + lines[end:]) + "\n"


def test_suggestion_block_replaces_exactly_the_commented_lines():
    fix = '    return subprocess.call(["convert", filename, "out.png"])\n'
    f = finding(5, end=6, suggestion=fix)
    comment = review.plan_inline_comments([f], {PATH: DIFF}).comments[0]
    applied = _apply(HEAD, comment.start_line, comment.line, _suggestion_of(comment.body))
    assert applied == HEAD.replace(
        '    cmd = "convert " + filename + " out.png"\n    return subprocess.call(cmd, shell=True)\n', fix
    )


def test_suggestion_with_backticks_gets_a_longer_fence_and_still_applies():
    fix = '    doc = """```"""\n'
    comment = review.plan_inline_comments([finding(14, suggestion=fix)], {PATH: DIFF}).comments[0]
    assert "````suggestion" in comment.body
    assert _apply(HEAD, 14, 14, _suggestion_of(comment.body)).splitlines()[13] == fix.rstrip("\n")


def test_empty_suggestion_deletes_the_lines():
    comment = review.plan_inline_comments([finding(14, suggestion="")], {PATH: DIFF}).comments[0]
    assert "```suggestion\n```" in comment.body


def test_only_one_suggestion_per_line():
    first = finding(6, severity="high", suggestion="    return 1\n", snippet="a")
    second = finding(5, end=6, severity="low", suggestion="    pass\n", rule="X1", snippet="b")
    plan = review.plan_inline_comments([second, first], {PATH: DIFF})
    bodies = {c.finding.rule_id: c.body for c in plan.comments}
    assert "```suggestion" in bodies["B602"]
    assert "```suggestion" not in bodies["X1"] and "Suggested fix" in bodies["X1"]


def test_comment_body_reads_like_a_reviewer_wrote_it():
    f = finding(6, suggestion="    return 0\n")
    f.flow = (FlowStep(4, "filename parameter"), FlowStep(5, "cmd"), FlowStep(6, "shell"))
    body = review.comment_body(f)
    first = body.splitlines()[0]
    assert first == "**security · high · B602 · CWE-78** — subprocess call with shell=True"
    assert "Data flow: line 4 (filename parameter) → line 5 (cmd) → line 6 (shell)." in body
    assert "`# prguard: ignore[B602] <why this is safe>`" in body
    assert parse_fingerprint(body) == f.fingerprint
    assert body.rstrip().endswith(f"<!-- prguard:fp={f.fingerprint} -->")


def test_comment_body_is_capped():
    body = review.comment_body(finding(6, message="m" * 100_000))
    assert len(body) <= review.COMMENT_BODY_LIMIT and parse_fingerprint(body)


def test_revalidate_flags_comments_outside_the_hunks():
    good = review.InlineComment(finding(6), PATH, 6, None, "b")
    outside = review.InlineComment(finding(9), PATH, 9, None, "b")
    cross = review.InlineComment(finding(6), PATH, 13, 6, "b")
    multi = review.InlineComment(finding(5), PATH, 6, 5, "b")
    gone = review.InlineComment(finding(1), "gone.py", 1, None, "b")
    comments = [good, outside, cross, multi, gone]
    assert review.revalidate(comments, {PATH: DIFF}) == [1, 2, 4]
    hint = "Pull request review thread start line must be part of the same hunk"
    assert review.revalidate(comments, {PATH: DIFF}, hint=hint) == [1, 2, 3, 4]


def test_review_event_request_changes_only_when_opted_in_and_blocked():
    opted = policy(gate={"review_event": "REQUEST_CHANGES"})
    assert review.review_event(result([finding(6)], pol=opted)) == "REQUEST_CHANGES"
    assert review.review_event(result([finding(6)], pol=opted, conclusion="success")) == "COMMENT"
    assert review.review_event(result([finding(6)])) == "COMMENT"


def test_review_body_is_never_empty_and_carries_the_state_marker():
    res = result([finding(6), finding(9, snippet="x")])
    plan = review.plan_inline_comments(res.findings, {PATH: DIFF})
    body = review.review_body(res, plan, head_sha="a" * 40, check_url="https://x/check")
    assert body.startswith("**prguard: 2 findings block this change.**")
    assert "1 new inline comment below" in body and "1 only in the [check run](https://x/check)" in body
    assert parse_review_marker(body) == {"sha": "a" * 40, "state": "failure:2-0-0-0"}
    clean = review.review_body(result(conclusion="success"), review.InlinePlan(), head_sha="b" * 40)
    assert clean.strip()


def test_should_post_only_with_new_comments_or_a_changed_verdict():
    plan = review.plan_inline_comments([finding(6)], {PATH: DIFF})
    assert review.should_post(plan, "failure:1-0-0-0", None)
    empty = review.InlinePlan()
    assert not review.should_post(empty, "failure:1-0-0-0", None)
    assert not review.should_post(empty, "failure:1-0-0-0", "failure:1-0-0-0")
    assert review.should_post(empty, "success:0-0-0-0", "failure:1-0-0-0")
