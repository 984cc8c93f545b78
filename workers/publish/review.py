"""One pull-request review per run, with inline comments GitHub accepts.

GitHub rejects the whole review (422) when one comment is on a line outside
the diff, so every comment is placed here from the file's own hunks: RIGHT
side only, multi-line only within one hunk and with start < line, never
`position`. At most `gate.max_inline_comments` comments, highest severity
first; the rest are left to the check run's annotations.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from prguard.engine.diffmap import FileDiff
from prguard.engine.model import ChangedFile, Finding, ReviewResult
from prguard.github.errors import GitHubError, UnprocessableEntity
from prguard.publish.checkrun import ai_agents, blocking_findings, is_ai_authored, ordered, severity_counts
from prguard.publish.dedupe import fingerprint_marker, parse_review_marker, review_marker

COMMENT_BODY_LIMIT = 60_000  # GitHub caps bodies near 65,536 characters; keep a margin
DEFAULT_MAX_INLINE = 20


@dataclass(frozen=True, slots=True)
class InlineComment:
    """A review comment placed on lines GitHub accepts."""

    finding: Finding
    path: str
    line: int
    start_line: int | None  # set only for a multi-line comment inside one hunk
    body: str

    def to_api(self) -> dict[str, Any]:
        out: dict[str, Any] = {"path": self.path, "body": self.body, "line": self.line, "side": "RIGHT"}
        if self.start_line is not None:
            out["start_line"] = self.start_line
            out["start_side"] = "RIGHT"
        return out


@dataclass(frozen=True, slots=True)
class Placement:
    """Where a finding's comment goes: lines start..line, and whether its suggestion fits there."""

    line: int
    start_line: int | None
    suggestion_fits: bool


def place(finding: Finding, diff: FileDiff) -> Placement | None:
    """Anchor a finding on commentable lines, or None when none of its lines is in a hunk.

    The whole range start..end is used when one hunk holds it (and then a
    suggestion can replace exactly those lines); otherwise the comment goes on
    one commentable line of the range and the suggestion is shown as plain code.
    """
    start = max(1, finding.start_line)
    end = max(start, finding.end_line)
    if start == end and diff.is_commentable(end):
        return Placement(end, None, True)
    if start < end and diff.commentable_range(start, end):
        return Placement(end, start, True)
    added = sorted(line for line in diff.added_lines if start <= line <= end)
    candidates = added or [line for line in range(start, end + 1) if diff.is_commentable(line)]
    if not candidates:
        return None
    return Placement(candidates[0], None, False)


def _fence(text: str) -> str:
    """A backtick fence longer than any run of backticks inside the text."""
    longest = run = 0
    for char in text:
        run = run + 1 if char == "`" else 0
        longest = max(longest, run)
    return "`" * max(3, longest + 1)


def suggestion_block(suggestion: str) -> str:
    """A ```suggestion block whose content replaces exactly the commented lines."""
    content = suggestion[:-1] if suggestion.endswith("\n") else suggestion
    fence = _fence(content)
    return f"{fence}suggestion\n{content}\n{fence}" if content else f"{fence}suggestion\n{fence}"


def _code_block(text: str, language: str = "python") -> str:
    content = text[:-1] if text.endswith("\n") else text
    fence = _fence(content)
    return f"{fence}{language}\n{content}\n{fence}"


def comment_body(
    finding: Finding, placement: Placement | None = None, *, with_suggestion: bool = True
) -> str:
    """The Markdown of one inline comment (see reference/what-reviewers-see.md)."""
    label = [finding.analyzer, finding.severity.value, finding.rule_id]
    if finding.cwe:
        label.append(f"CWE-{finding.cwe}")
    headline = f"**{' · '.join(label)}**"
    message = (finding.message or "").strip()
    if finding.title:
        message = f"{finding.title.strip()}. {message}" if message else finding.title.strip()
    parts = [f"{headline} — {message}" if message else headline]
    if finding.flow:
        steps = " → ".join(f"line {s.line} ({s.description})" for s in finding.flow)
        parts.append(f"Data flow: {steps}.")
    if finding.suggestion is not None:
        fits = placement.suggestion_fits if placement is not None else True
        if fits and with_suggestion:
            parts.append(suggestion_block(finding.suggestion))
        else:
            span = (
                f"{finding.start_line}"
                if finding.start_line == finding.end_line
                else (f"{finding.start_line}-{finding.end_line}")
            )
            parts.append(f"Suggested fix for line {span}:\n{_code_block(finding.suggestion)}")
    parts.append(f"Suppress only with a reason: `# prguard: ignore[{finding.rule_id}] <why this is safe>`")
    marker = fingerprint_marker(finding.fingerprint)
    body = "\n\n".join(parts)
    if len(body) + len(marker) + 1 > COMMENT_BODY_LIMIT:
        body = body[: COMMENT_BODY_LIMIT - len(marker) - 20] + "\n\n… (cut)"
    return f"{body}\n{marker}"


@dataclass(slots=True)
class InlinePlan:
    """The comments to post, and why the other findings get none."""

    comments: list[InlineComment] = field(default_factory=list)
    already_commented: list[Finding] = field(default_factory=list)
    not_commentable: list[Finding] = field(default_factory=list)
    over_cap: list[Finding] = field(default_factory=list)


def diffs_by_path(files: Iterable[ChangedFile]) -> dict[str, FileDiff]:
    """Each changed file's hunks (a file without a patch gets none: nothing is commentable)."""
    return {f.path: FileDiff.parse(f.patch) for f in files}


def plan_inline_comments(
    findings: Sequence[Finding],
    diffs: Mapping[str, FileDiff],
    *,
    limit: int = DEFAULT_MAX_INLINE,
    already_commented: Iterable[str] = (),
) -> InlinePlan:
    """Choose and place the inline comments of one review.

    Findings already commented are skipped but count toward the cap, so the
    page never holds more than `limit` open prguard comments for the current
    findings and a re-run never adds "the next 20"; the cap keeps the highest
    severities. Only one suggestion block may touch a line
    (GitHub applies suggestions of one batch only when they do not overlap), so
    a later overlapping suggestion is shown as plain code instead.
    """
    plan = InlinePlan()
    skip = set(already_commented)
    suggested_lines: set[int | tuple[str, int]] = set()
    seen: set[str] = set()
    budget = max(0, limit - len({f.fingerprint for f in findings if f.fingerprint in skip}))
    for finding in ordered(findings):
        if finding.fingerprint in skip:
            plan.already_commented.append(finding)
            continue
        if finding.fingerprint in seen:
            continue
        diff = diffs.get(finding.path)
        placement = place(finding, diff) if diff is not None else None
        if placement is None:
            plan.not_commentable.append(finding)
            continue
        if len(plan.comments) >= budget:
            plan.over_cap.append(finding)
            continue
        with_suggestion = False
        if finding.suggestion is not None and placement.suggestion_fits:
            span = {
                (finding.path, n) for n in range(placement.start_line or placement.line, placement.line + 1)
            }
            if not span & suggested_lines:
                suggested_lines |= span
                with_suggestion = True
        body = comment_body(finding, placement, with_suggestion=with_suggestion)
        plan.comments.append(InlineComment(finding, finding.path, placement.line, placement.start_line, body))
        seen.add(finding.fingerprint)
    return plan


def revalidate(
    comments: Sequence[InlineComment], diffs: Mapping[str, FileDiff], *, hint: str = ""
) -> list[int]:
    """Indexes of comments GitHub may reject, judged again from the hunks and the 422 message.

    Used after a 422: a comment whose lines are no longer inside one hunk of
    its file (or on a file without a patch) is dropped; when the message says
    the start line was the problem, every multi-line comment is suspect.
    """
    hint = hint.lower()
    multi_line_problem = "start line" in hint or "start_line" in hint
    bad: list[int] = []
    for index, comment in enumerate(comments):
        diff = diffs.get(comment.path)
        outside = diff is None or not diff.is_commentable(comment.line)
        bad_range = comment.start_line is not None and (
            multi_line_problem
            or diff is None
            or comment.start_line >= comment.line
            or not diff.commentable_range(comment.start_line, comment.line)
        )
        if outside or bad_range:
            bad.append(index)
    return bad


def review_state(result: ReviewResult) -> str:
    """Compact verdict recorded in the review marker: conclusion and counts by severity."""
    counts = severity_counts(result.findings)
    return f"{result.conclusion}:{counts['high']}-{counts['medium']}-{counts['low']}-{counts['info']}"


def review_event(result: ReviewResult) -> str:
    """REQUEST_CHANGES only when the policy opts in and the change is blocked; else COMMENT."""
    policy = result.policy
    wanted = policy.get("gate", "review_event", default="COMMENT") if policy is not None else "COMMENT"
    if str(wanted).upper() == "REQUEST_CHANGES" and result.conclusion == "failure":
        return "REQUEST_CHANGES"
    return "COMMENT"


def review_body(
    result: ReviewResult,
    plan: InlinePlan,
    *,
    head_sha: str,
    check_url: str | None = None,
    dropped: Sequence[InlineComment] = (),
) -> str:
    """The review's own text: the verdict in one line, what is inline, and where the rest is."""
    findings = result.findings
    counts = severity_counts(findings)
    check = f"[check run]({check_url})" if check_url else "check run"
    lines: list[str] = []
    if result.conclusion == "failure":
        blocking = len(blocking_findings(result)) or len(findings)
        lines.append(f"**prguard: {blocking} finding{'s' if blocking != 1 else ''} block this change.**")
    elif result.conclusion == "action_required":
        lines.append("**prguard: the policy file has an error; see the check run.**")
    elif findings:
        lines.append(
            f"**prguard: {len(findings)} finding{'s' if len(findings) != 1 else ''}, none blocking.**"
        )
    else:
        lines.append(
            "**prguard: no findings in this push.** Earlier comments whose finding is fixed are resolved."
        )
    if findings:
        by_severity = ", ".join(f"{counts[s]} {s}" for s in ("high", "medium", "low", "info") if counts[s])
        lines.append(f"Findings: {by_severity}.")
    if is_ai_authored(result.authorship):
        agents = ai_agents(result.authorship)
        lines.append(
            f"AI-authored{' (' + ', '.join(agents) + ')' if agents else ''}: the AI-authored policy applies."
        )
    inline = len(plan.comments) - len(dropped)
    notes = []
    if inline:
        notes.append(f"{inline} new inline comment{'s' if inline != 1 else ''} below")
    if plan.already_commented:
        notes.append(f"{len(plan.already_commented)} already commented earlier")
    elsewhere = len(plan.not_commentable) + len(plan.over_cap) + len(dropped)
    if elsewhere:
        notes.append(f"{elsewhere} only in the {check} (outside the diff or over the inline cap)")
    if notes:
        lines.append("; ".join(notes) + ".")
    if dropped:
        lines.append("GitHub refused comments on these lines, so they are listed here instead:")
        for comment in dropped:
            f = comment.finding
            lines.append(
                f"- `{f.path}:{f.start_line}` {f.severity.value} {f.rule_id}: {f.message.strip()[:300]}"
            )
    lines.append(review_marker(head_sha, review_state(result)))
    body = "\n\n".join(lines)
    return (
        body
        if len(body) <= COMMENT_BODY_LIMIT
        else body[: COMMENT_BODY_LIMIT - 200] + "\n\n… (cut)\n" + lines[-1]
    )


def should_post(plan: InlinePlan, state: str, previous_state: str | None) -> bool:
    """Post a review only with new comments, or when the verdict changed since prguard's last review.

    No "nothing new" noise: a re-run, a re-delivered webhook or a push that
    changes nothing prguard would say posts nothing.
    """
    if plan.comments:
        return True
    if previous_state is None:
        return False
    return previous_state != state


# -- GitHub calls -------------------------------------------------------------------------------


@dataclass(slots=True)
class PostedOutcome:
    """What reached GitHub: the review id, the comments it carries, and those GitHub refused."""

    review_id: int | None
    posted: list[InlineComment]
    dropped: list[InlineComment]
    attempts: int
    orphan_id: int | None = None


def _error_text(exc: GitHubError) -> str:
    return f"{exc.message} {exc.errors!r}" if exc.errors else exc.message


def post_review(
    client: Any,
    owner: str,
    repo: str,
    number: int,
    *,
    head_sha: str,
    event: str,
    comments: Sequence[InlineComment],
    diffs: Mapping[str, FileDiff],
    make_body: Any,
    bot_login: str,
    known_review_ids: Iterable[int] = (),
) -> PostedOutcome:
    """POST one review; on a 422 drop only the comments GitHub may refuse and retry once.

    `make_body(dropped)` renders the body, listing dropped comments in it so no
    finding is lost. After a 422 GitHub sometimes created a body-only review
    anyway: a PENDING one is deleted; a submitted one is kept as this run's
    review when no comment is left to post.
    """
    where = {"owner": owner, "repo": repo, "number": number}
    path = "/repos/{owner}/{repo}/pulls/{number}/reviews"

    def payload(kept: Sequence[InlineComment], dropped: Sequence[InlineComment]) -> dict[str, Any]:
        return {
            "commit_id": head_sha,
            "body": make_body(list(dropped)),
            "event": event,
            "comments": [c.to_api() for c in kept],
        }

    try:
        created = client.post(path, url_vars=where, json=payload(comments, ()))
        return PostedOutcome(_id(created), list(comments), [], 1)
    except UnprocessableEntity as exc:
        if not comments:
            raise
        suspects = set(revalidate(comments, diffs, hint=_error_text(exc)))
        if not suspects:
            suspects = set(range(len(comments)))  # GitHub does not say which: keep the findings in the body
    kept = [c for i, c in enumerate(comments) if i not in suspects]
    dropped = [c for i, c in enumerate(comments) if i in suspects]
    orphan = _find_orphan(client, owner, repo, number, head_sha, bot_login, set(known_review_ids))
    orphan_id = orphan["id"] if orphan else None
    if orphan is not None and orphan.get("state") == "PENDING":
        client.delete(path + "/{review_id}", url_vars={**where, "review_id": orphan_id})
    elif orphan is not None and not kept:
        client.put(
            path + "/{review_id}",
            url_vars={**where, "review_id": orphan_id},
            json={"body": make_body(dropped)},
        )
        return PostedOutcome(orphan_id, [], dropped, 1, orphan_id)
    try:
        created = client.post(path, url_vars=where, json=payload(kept, dropped))
        return PostedOutcome(_id(created), kept, dropped, 2, orphan_id)
    except UnprocessableEntity:
        if not kept:
            raise
    # Still refused: the last resort is the body alone, which lists every finding.
    created = client.post(path, url_vars=where, json=payload([], list(comments)))
    return PostedOutcome(_id(created), [], list(comments), 3, orphan_id)


def _id(created: Any) -> int | None:
    return created.get("id") if isinstance(created, Mapping) else None


def _find_orphan(
    client: Any, owner: str, repo: str, number: int, head_sha: str, bot_login: str, known: set[int]
) -> dict[str, Any] | None:
    """A review of ours on this head that appeared during the refused POST."""
    for item in client.paginate(
        "/repos/{owner}/{repo}/pulls/{number}/reviews",
        url_vars={"owner": owner, "repo": repo, "number": number},
        per_page=100,
    ):
        login = str((item.get("user") or {}).get("login", "")).lower()
        if login != bot_login.lower() or item.get("id") in known:
            continue
        marker = parse_review_marker(item.get("body")) or {}
        if item.get("commit_id") == head_sha or marker.get("sha") == head_sha:
            return dict(item)
    return None


def dismiss_review(client: Any, owner: str, repo: str, number: int, review_id: int, message: str) -> None:
    """Dismiss one of prguard's own REQUEST_CHANGES reviews (it would keep blocking otherwise)."""
    client.put(
        "/repos/{owner}/{repo}/pulls/{number}/reviews/{review_id}/dismissals",
        url_vars={"owner": owner, "repo": repo, "number": number, "review_id": review_id},
        json={"message": message, "event": "DISMISS"},
    )
