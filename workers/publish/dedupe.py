"""No duplicates, no stale comments: what prguard already said on a pull request.

Every inline comment carries a hidden fingerprint marker and every review a
hidden state marker. Before posting, prguard lists its own comments (only those
written by its bot login, so nobody can silence a finding by pasting a marker),
skips findings already commented, and resolves the threads of findings that a
later push fixed (or minimizes the comment as outdated when no thread is found).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

_FP_MARKER = re.compile(r"<!--\s*prguard:fp=([A-Za-z0-9:._-]{1,128})\s*-->")
_REVIEW_MARKER = re.compile(r"<!--\s*prguard:review((?:\s+[a-z_]+=[^\s>]*)*)\s*-->")
_REVIEW_FIELD = re.compile(r"([a-z_]+)=([^\s>]*)")


def fingerprint_marker(fingerprint: str) -> str:
    """The hidden line that identifies the finding an inline comment is about."""
    if not _FP_MARKER.fullmatch(f"<!-- prguard:fp={fingerprint} -->"):
        raise ValueError(f"fingerprint cannot be put in a marker: {fingerprint!r}")
    return f"<!-- prguard:fp={fingerprint} -->"


def parse_fingerprint(body: str | None) -> str | None:
    """The fingerprint of a comment body written by prguard, or None."""
    match = _FP_MARKER.search(body or "")
    return match.group(1) if match else None


def review_marker(head_sha: str, state: str) -> str:
    """Hidden line in a review body: which push it reviewed and the verdict it gave."""
    return f"<!-- prguard:review sha={head_sha} state={state} -->"


def parse_review_marker(body: str | None) -> dict[str, str] | None:
    match = _REVIEW_MARKER.search(body or "")
    if not match:
        return None
    return dict(_REVIEW_FIELD.findall(match.group(1)))


def _is_own(user: Any, bot_login: str) -> bool:
    return isinstance(user, Mapping) and str(user.get("login", "")).lower() == bot_login.lower()


@dataclass(frozen=True, slots=True)
class PostedComment:
    """One inline comment prguard posted earlier, with the finding it was about."""

    id: int
    node_id: str
    fingerprint: str
    path: str
    commit_id: str


def own_comments(comments_json: Iterable[Mapping[str, Any]], bot_login: str) -> list[PostedComment]:
    """prguard's own top-level review comments (`GET /pulls/{n}/comments`) that carry a marker."""
    out: list[PostedComment] = []
    for comment in comments_json:
        if not _is_own(comment.get("user"), bot_login) or comment.get("in_reply_to_id"):
            continue
        fingerprint = parse_fingerprint(comment.get("body"))
        if fingerprint is None or not isinstance(comment.get("id"), int):
            continue
        out.append(
            PostedComment(
                id=comment["id"],
                node_id=str(comment.get("node_id") or ""),
                fingerprint=fingerprint,
                path=str(comment.get("path") or ""),
                commit_id=str(comment.get("commit_id") or ""),
            )
        )
    return out


@dataclass(frozen=True, slots=True)
class PostedReview:
    """One review prguard submitted earlier (`GET /pulls/{n}/reviews`)."""

    id: int
    state: str  # COMMENTED | CHANGES_REQUESTED | DISMISSED | PENDING | APPROVED
    commit_id: str
    marker: Mapping[str, str]

    @property
    def blocking(self) -> bool:
        return self.state == "CHANGES_REQUESTED"


def own_reviews(reviews_json: Iterable[Mapping[str, Any]], bot_login: str) -> list[PostedReview]:
    """prguard's own reviews in the order GitHub lists them (oldest first)."""
    out: list[PostedReview] = []
    for review in reviews_json:
        if not _is_own(review.get("user"), bot_login) or not isinstance(review.get("id"), int):
            continue
        out.append(
            PostedReview(
                id=review["id"],
                state=str(review.get("state") or ""),
                commit_id=str(review.get("commit_id") or ""),
                marker=parse_review_marker(review.get("body")) or {},
            )
        )
    return out


@dataclass(frozen=True, slots=True)
class DedupePlan:
    """Which current findings are already on the page, and which posted comments went stale."""

    already_commented: frozenset[str]
    stale: tuple[PostedComment, ...]


def plan_dedupe(posted: Sequence[PostedComment], current_fingerprints: Iterable[str]) -> DedupePlan:
    """Compare what is on the page with what this run found.

    A fingerprint commented twice (e.g. by an older prguard) still counts once;
    every comment of a finding that is gone is stale.
    """
    current = frozenset(current_fingerprints)
    commented = frozenset(c.fingerprint for c in posted) & current
    stale = tuple(c for c in posted if c.fingerprint not in current)
    return DedupePlan(already_commented=commented, stale=stale)


@dataclass(frozen=True, slots=True)
class ReviewThread:
    """A review thread from GraphQL `pullRequest.reviewThreads` (ids are `PRRT_…`, not REST ids)."""

    id: str
    is_resolved: bool
    comment_ids: tuple[int, ...]  # REST ids (`databaseId`) of the thread's comments


REVIEW_THREADS_QUERY = """
query($owner: String!, $repo: String!, $number: Int!, $after: String) {
  repository(owner: $owner, name: $repo) {
    pullRequest(number: $number) {
      reviewThreads(first: 100, after: $after) {
        pageInfo { hasNextPage endCursor }
        nodes { id isResolved comments(first: 1) { nodes { databaseId } } }
      }
    }
  }
}
"""

RESOLVE_THREAD_MUTATION = """
mutation($threadId: ID!) {
  resolveReviewThread(input: {threadId: $threadId}) { thread { id isResolved } }
}
"""

MINIMIZE_COMMENT_MUTATION = """
mutation($subjectId: ID!) {
  minimizeComment(input: {subjectId: $subjectId, classifier: OUTDATED}) { minimizedComment { isMinimized } }
}
"""


def threads_page(data: Mapping[str, Any]) -> tuple[list[ReviewThread], str | None]:
    """Threads of one GraphQL page and the cursor of the next page (None on the last)."""
    try:
        connection = data["repository"]["pullRequest"]["reviewThreads"]
    except (KeyError, TypeError) as exc:
        raise ValueError(f"unexpected reviewThreads answer: missing {exc}") from None
    threads = []
    for node in connection.get("nodes") or []:
        if not isinstance(node, Mapping) or not node.get("id"):
            continue
        comments = (node.get("comments") or {}).get("nodes") or []
        ids = tuple(c["databaseId"] for c in comments if isinstance(c, Mapping) and c.get("databaseId"))
        threads.append(
            ReviewThread(id=str(node["id"]), is_resolved=bool(node.get("isResolved")), comment_ids=ids)
        )
    info = connection.get("pageInfo") or {}
    return threads, (info.get("endCursor") if info.get("hasNextPage") else None)


@dataclass(frozen=True, slots=True)
class CleanupPlan:
    """What to do with stale comments: resolve these threads, minimize these comments."""

    resolve_thread_ids: tuple[str, ...]
    minimize_node_ids: tuple[str, ...]


def plan_cleanup(stale: Sequence[PostedComment], threads: Sequence[ReviewThread]) -> CleanupPlan:
    """Resolve the open thread of each stale comment; minimize a comment no thread holds.

    Threads already resolved are left alone, so a second push does not repeat the work.
    """
    thread_of: dict[int, ReviewThread] = {}
    for thread in threads:
        for comment_id in thread.comment_ids:
            thread_of.setdefault(comment_id, thread)
    resolve: list[str] = []
    minimize: list[str] = []
    for comment in stale:
        thread = thread_of.get(comment.id)
        if thread is None:
            if comment.node_id and comment.node_id not in minimize:
                minimize.append(comment.node_id)
        elif not thread.is_resolved and thread.id not in resolve:
            resolve.append(thread.id)
    return CleanupPlan(tuple(resolve), tuple(minimize))


# -- GitHub calls -------------------------------------------------------------------------------


def list_own_comments(client: Any, owner: str, repo: str, number: int, bot_login: str) -> list[PostedComment]:
    """prguard's review comments on the PR, 100 per page."""
    pages = client.paginate(
        "/repos/{owner}/{repo}/pulls/{number}/comments",
        url_vars={"owner": owner, "repo": repo, "number": number},
        per_page=100,
    )
    return own_comments(pages, bot_login)


def list_own_reviews(client: Any, owner: str, repo: str, number: int, bot_login: str) -> list[PostedReview]:
    pages = client.paginate(
        "/repos/{owner}/{repo}/pulls/{number}/reviews",
        url_vars={"owner": owner, "repo": repo, "number": number},
        per_page=100,
    )
    return own_reviews(pages, bot_login)


def list_review_threads(
    client: Any, owner: str, repo: str, number: int, *, max_pages: int = 30
) -> list[ReviewThread]:
    """Every review thread of the PR (GraphQL, 100 per page)."""
    threads: list[ReviewThread] = []
    cursor: str | None = None
    for _ in range(max_pages):
        data = client.graphql(
            REVIEW_THREADS_QUERY, {"owner": owner, "repo": repo, "number": number, "after": cursor}
        )
        page, cursor = threads_page(data)
        threads.extend(page)
        if cursor is None:
            break
    return threads


def apply_cleanup(client: Any, plan: CleanupPlan) -> tuple[int, int]:
    """Resolve and minimize as planned; returns (threads resolved, comments minimized)."""
    for thread_id in plan.resolve_thread_ids:
        client.graphql(RESOLVE_THREAD_MUTATION, {"threadId": thread_id})
    for node_id in plan.minimize_node_ids:
        client.graphql(MINIMIZE_COMMENT_MUTATION, {"subjectId": node_id})
    return len(plan.resolve_thread_ids), len(plan.minimize_node_ids)
