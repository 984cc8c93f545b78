"""The fake GitHub's endpoint handlers, by OpenAPI operationId, and its GraphQL resolvers."""

from __future__ import annotations

import base64
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import graphql

from tests.fake_github import specs
from tests.fake_github.gitdata import hunks_of, looks_binary
from tests.fake_github.server import (
    ANNOTATIONS_PER_REQUEST,
    CONTENTS_JSON_CAP,
    GITHUB_COMMITS_CAP,
    GITHUB_FILES_CAP,
    FakeGitHub,
    PullRequest,
    Repo,
    ValidationFailure,
    _HTTPError,
    _line_of,
    _now_iso,
    _public,
    _Reply,
    b64_lines,
)

GRAPHQL_TEXT_CAP = 512_000
REVIEW_STATES = {"COMMENT": "COMMENTED", "REQUEST_CHANGES": "CHANGES_REQUESTED", "APPROVE": "APPROVED"}


@dataclass(slots=True)
class Context:
    fake: FakeGitHub
    method: str
    path: str
    params: dict[str, str]
    query: dict[str, str]
    body: Any
    headers: dict[str, str]
    auth: str | None
    installation_id: int | None
    auth_error: str | None
    user_login: str | None = None  # a user token's login (tests.fake_github.oauth)

    @property
    def raw_wanted(self) -> bool:
        return "raw" in self.headers.get("accept", "")

    def repo(self) -> Repo:
        """The repository of the path, visible to this installation's token (else 401/404 like GitHub)."""
        if self.auth_error:
            raise _HTTPError(401, self.auth_error)
        if self.auth != "token":
            raise _HTTPError(401, "Requires authentication")
        repo = self.fake.repos.get((self.params["owner"], self.params["repo"]))
        if repo is None or not self.fake.can_see(self.installation_id, repo):
            raise _HTTPError(404, "Not Found")
        return repo

    def pull(self, repo: Repo, key: str = "pull_number") -> PullRequest:
        pull = repo.pulls.get(int(self.params[key]))
        if pull is None:
            raise _HTTPError(404, "Not Found")
        return pull

    def json(self) -> dict[str, Any]:
        return self.body if isinstance(self.body, dict) else {}


_HANDLERS: dict[str, Callable[[Context], _Reply]] = {}


def handles(*operation_ids: str) -> Callable[[Callable[[Context], _Reply]], Callable[[Context], _Reply]]:
    def register(function: Callable[[Context], _Reply]) -> Callable[[Context], _Reply]:
        for operation_id in operation_ids:
            _HANDLERS[operation_id] = function
        return function

    return register


def dispatch(operation_id: str, ctx: Context) -> _Reply:
    handler = _HANDLERS.get(operation_id)
    if handler is None:
        with ctx.fake.lock:
            ctx.fake.validation_failures.append(
                ValidationFailure(ctx.method, ctx.path, operation_id, ["not implemented by the fake GitHub"])
            )
        raise _HTTPError(501, f"{operation_id} is not implemented by the fake GitHub")
    with ctx.fake.lock:
        return handler(ctx)


def _page(ctx: Context, items: list[Any], cap: int | None = None, key: str | None = None) -> _Reply:
    """One page of `items` with GitHub's Link header (per_page ≤ 100, default 30)."""
    if cap is not None:
        items = items[:cap]
    try:
        per_page = max(1, min(100, int(ctx.query.get("per_page", 30))))
        page = max(1, int(ctx.query.get("page", 1)))
    except ValueError:
        raise _HTTPError(400, "per_page and page must be integers") from None
    start = (page - 1) * per_page
    chunk = items[start : start + per_page]
    last = max(1, -(-len(items) // per_page))
    links = []
    base = ctx.fake.url + ctx.path

    def link(number: int, rel: str) -> str:
        query = urllib.parse.urlencode({**ctx.query, "per_page": per_page, "page": number})
        return f'<{base}?{query}>; rel="{rel}"'

    if page < last:
        links += [link(page + 1, "next"), link(last, "last")]
    if page > 1:
        links += [link(1, "first"), link(page - 1, "prev")]
    headers = {"link": ", ".join(links)} if links else {}
    body = {"total_count": len(items), key: chunk} if key else chunk
    return _Reply(200, body, headers)


def _user(login: str, type_: str = "User", id_: int = 1) -> dict[str, Any]:
    return {"login": login, "id": id_, "node_id": f"U_{id_}", "type": type_}


# -- app and repositories -------------------------------------------------------------------------


@handles("apps/create-installation-access-token")
def create_installation_token(ctx: Context) -> _Reply:
    if ctx.auth != "jwt" or ctx.auth_error:
        raise _HTTPError(401, ctx.auth_error or "A JSON web token could not be decoded")
    installation_id = int(ctx.params["installation_id"])
    if installation_id not in ctx.fake.installations:
        raise _HTTPError(404, "Not Found")
    token = ctx.fake.issue_token(installation_id)
    expires = ctx.fake.tokens[token][1]
    expires_at = _now_iso(expires - time.time())
    return _Reply(
        201, {"token": token, "expires_at": expires_at, "permissions": {}, "repository_selection": "all"}
    )


@handles("apps/get-authenticated")
def get_app(ctx: Context) -> _Reply:
    if ctx.auth != "jwt" or ctx.auth_error:
        raise _HTTPError(401, ctx.auth_error or "A JSON web token could not be decoded")
    return _Reply(200, {"id": ctx.fake.app_id, "slug": ctx.fake.app_slug, "name": ctx.fake.app_slug})


@handles("repos/get")
def get_repo(ctx: Context) -> _Reply:
    repo = ctx.repo()
    return _Reply(200, _repo_json(ctx.fake, repo))


def _repo_json(fake: FakeGitHub, repo: Repo) -> dict[str, Any]:
    return {
        "id": repo.id,
        "node_id": f"R_{repo.id}",
        "name": repo.name,
        "full_name": repo.full_name,
        "owner": _user(repo.owner, "Organization", 2),
        "private": repo.private,
        "default_branch": repo.default_branch,
        "html_url": f"https://github.com/{repo.full_name}",
    }


# -- pulls ----------------------------------------------------------------------------------------


def _pull_json(fake: FakeGitHub, repo: Repo, pull: PullRequest) -> dict[str, Any]:
    files = fake.files_of(repo, pull)
    labels = [
        {"id": i + 1, "name": name, "color": "ededed"}
        for i, name in enumerate(repo.issue_labels[pull.number])
    ]
    return {
        "id": repo.id * 1000 + pull.number,
        "node_id": f"PR_{repo.id}_{pull.number}",
        "number": pull.number,
        "state": pull.state,
        "draft": pull.draft,
        "title": pull.title,
        "body": pull.body,
        "user": pull.user,
        "labels": labels,
        "head": {"ref": pull.head_ref, "sha": pull.head_sha, "repo": _repo_json(fake, repo)},
        "base": {"ref": pull.base_ref, "sha": pull.base_sha, "repo": _repo_json(fake, repo)},
        "merged": False,
        "commits": len(pull.commit_shas),
        "changed_files": len(files),
        "additions": sum(f.additions for f in files),
        "deletions": sum(f.deletions for f in files),
        "html_url": f"https://github.com/{repo.full_name}/pull/{pull.number}",
        "url": f"{fake.url}/repos/{repo.full_name}/pulls/{pull.number}",
    }


@handles("pulls/get")
def get_pull(ctx: Context) -> _Reply:
    repo = ctx.repo()
    return _Reply(200, _pull_json(ctx.fake, repo, ctx.pull(repo)))


def _commit_json(fake: FakeGitHub, repo: Repo, sha: str) -> dict[str, Any]:
    commit = fake.git.commits[sha]
    return {
        "sha": sha,
        "node_id": f"C_{sha}",
        "commit": {"message": commit.message, "author": commit.author, "committer": commit.committer},
        "author": _user(commit.author_login) if commit.author_login else None,
        "committer": _user(commit.committer_login) if commit.committer_login else None,
        "parents": [{"sha": p} for p in commit.parents],
        "url": f"{fake.url}/repos/{repo.full_name}/commits/{sha}",
    }


@handles("pulls/list-commits")
def list_pull_commits(ctx: Context) -> _Reply:
    repo = ctx.repo()
    pull = ctx.pull(repo)
    items = [_commit_json(ctx.fake, repo, sha) for sha in pull.commit_shas]
    return _page(ctx, items, cap=GITHUB_COMMITS_CAP)


@handles("pulls/list-files")
def list_pull_files(ctx: Context) -> _Reply:
    repo = ctx.repo()
    pull = ctx.pull(repo)
    items = []
    for change in ctx.fake.files_of(repo, pull):
        item = {
            "sha": ctx.fake.git.put_blob(change.head) if change.head is not None else None,
            "filename": change.filename,
            "status": change.status,
            "additions": change.additions,
            "deletions": change.deletions,
            "changes": change.additions + change.deletions,
            "blob_url": f"https://github.com/{repo.full_name}/blob/{pull.head_sha}/{change.filename}",
            "raw_url": f"https://github.com/{repo.full_name}/raw/{pull.head_sha}/{change.filename}",
            "contents_url": (
                f"{ctx.fake.url}/repos/{repo.full_name}/contents/{change.filename}?ref={pull.head_sha}"
            ),
        }
        if change.patch is not None:
            item["patch"] = change.patch
        if change.previous_filename:
            item["previous_filename"] = change.previous_filename
        items.append(item)
    return _page(ctx, items, cap=GITHUB_FILES_CAP)


# -- contents and blobs ---------------------------------------------------------------------------


@handles("repos/get-content")
def get_content(ctx: Context) -> _Reply:
    repo = ctx.repo()
    sha = ctx.fake.resolve_ref(repo, ctx.query.get("ref"))
    if sha is None:
        raise _HTTPError(404, f"No commit found for the ref {ctx.query.get('ref')}")
    path = ctx.params["path"].strip("/")
    tree = ctx.fake.git.commits[sha].tree
    if path in tree:
        data = ctx.fake.git.blobs[tree[path]]
        if ctx.raw_wanted:
            return _Reply(200, data, {"content-type": "application/vnd.github.raw"})
        inline = len(data) <= CONTENTS_JSON_CAP
        return _Reply(
            200,
            {
                "type": "file",
                "encoding": "base64" if inline else "none",
                "size": len(data),
                "name": path.rsplit("/", 1)[-1],
                "path": path,
                "content": b64_lines(data) if inline else "",
                "sha": tree[path],
            },
        )
    entries = sorted({p[len(path) + 1 :].split("/", 1)[0] for p in tree if p.startswith(path + "/")})
    if not entries:
        raise _HTTPError(404, "Not Found")
    return _Reply(200, [{"type": "dir" if f"{path}/{e}" not in tree else "file", "name": e} for e in entries])


@handles("git/get-blob")
def get_blob(ctx: Context) -> _Reply:
    ctx.repo()
    data = ctx.fake.git.blobs.get(ctx.params["file_sha"])
    if data is None:
        raise _HTTPError(404, "Not Found")
    if ctx.raw_wanted:
        return _Reply(200, data, {"content-type": "application/vnd.github.raw"})
    return _Reply(
        200,
        {"sha": ctx.params["file_sha"], "size": len(data), "encoding": "base64", "content": b64_lines(data)},
    )


# -- check runs -----------------------------------------------------------------------------------


def _apply_check_run(ctx: Context, run: dict[str, Any], body: dict[str, Any]) -> None:
    output = body.get("output") or {}
    annotations = output.get("annotations") or []
    if len(annotations) > ANNOTATIONS_PER_REQUEST:
        raise _HTTPError(
            422, f"Only {ANNOTATIONS_PER_REQUEST} annotations are allowed per request", errors=[]
        )
    for key in ("name", "details_url", "external_id", "started_at", "completed_at", "status", "actions"):
        if key in body:
            run[key] = body[key]
    if "conclusion" in body:
        run["conclusion"] = body["conclusion"]
        run["status"] = "completed"
        run["completed_at"] = run.get("completed_at") or _now_iso()
    if output:
        for key in ("title", "summary", "text"):
            if key in output:
                run["output"][key] = output[key]
        for item in annotations:
            if item.get("start_line", 0) < 1 or item.get("end_line", 0) < item.get("start_line", 0):
                raise _HTTPError(
                    422, "Invalid annotation: lines must be >= 1 and end_line >= start_line", errors=[]
                )
            if ("start_column" in item or "end_column" in item) and item["start_line"] != item["end_line"]:
                raise _HTTPError(
                    422, "Invalid annotation: columns only when start_line == end_line", errors=[]
                )
        run["annotations"].extend(annotations)
        run["output"]["annotations_count"] = len(run["annotations"])
        if annotations:
            run["annotation_batches"].append(len(annotations))


def _run_json(run: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in run.items() if k not in ("annotations", "annotation_batches")}


@handles("checks/create")
def create_check_run(ctx: Context) -> _Reply:
    repo = ctx.repo()
    body = ctx.json()
    if ctx.fake.resolve_ref(repo, body["head_sha"]) is None:
        raise _HTTPError(422, "No commit found for SHA: " + body["head_sha"], errors=[])
    run_id = ctx.fake.next_id()
    run: dict[str, Any] = {
        "id": run_id,
        "node_id": f"CR_{run_id}",
        "head_sha": body["head_sha"],
        "name": body["name"],
        "status": "queued",
        "conclusion": None,
        "started_at": _now_iso(),
        "completed_at": None,
        "external_id": "",
        "details_url": None,
        "output": {"title": None, "summary": None, "text": None, "annotations_count": 0},
        "app": {"id": ctx.fake.app_id, "slug": ctx.fake.app_slug},
        "check_suite": {"id": _suite_id(body["head_sha"])},
        "pull_requests": [],
        "url": f"{ctx.fake.url}/repos/{repo.full_name}/check-runs/{run_id}",
        "html_url": f"https://github.com/{repo.full_name}/runs/{run_id}",
        "annotations": [],
        "annotation_batches": [],
    }
    _apply_check_run(ctx, run, body)
    repo.check_runs[run_id] = run
    return _Reply(201, _run_json(run))


def _suite_id(head_sha: str) -> int:
    try:
        return int(head_sha[:7], 16)
    except ValueError:
        return 1


def _run(ctx: Context, repo: Repo) -> dict[str, Any]:
    run = repo.check_runs.get(int(ctx.params["check_run_id"]))
    if run is None:
        raise _HTTPError(404, "Not Found")
    return run


@handles("checks/update")
def update_check_run(ctx: Context) -> _Reply:
    repo = ctx.repo()
    run = _run(ctx, repo)
    _apply_check_run(ctx, run, ctx.json())
    return _Reply(200, _run_json(run))


@handles("checks/get")
def get_check_run(ctx: Context) -> _Reply:
    repo = ctx.repo()
    return _Reply(200, _run_json(_run(ctx, repo)))


@handles("checks/list-annotations")
def list_annotations(ctx: Context) -> _Reply:
    repo = ctx.repo()
    return _page(ctx, list(_run(ctx, repo)["annotations"]))


@handles("checks/list-for-ref")
def list_check_runs_for_ref(ctx: Context) -> _Reply:
    repo = ctx.repo()
    sha = ctx.fake.resolve_ref(repo, ctx.params["ref"])
    runs = [
        _run_json(r)
        for r in repo.check_runs.values()
        if r["head_sha"] == sha and ctx.query.get("check_name") in (None, r["name"])
    ]
    return _page(ctx, runs, key="check_runs")


# -- reviews and review comments ------------------------------------------------------------------


def _comment_problem(ctx: Context, repo: Repo, pull: PullRequest, comment: dict[str, Any]) -> str | None:
    """GitHub's 422 message for a review comment it cannot place, or None when it can."""
    changes = {c.filename: c for c in ctx.fake.files_of(repo, pull)}
    change = changes.get(comment.get("path", ""))
    if change is None:
        return "Path could not be resolved"
    hunks = hunks_of(change.patch)
    if "line" not in comment:
        if "position" in comment:
            count = len((change.patch or "").splitlines())
            return None if 1 <= comment["position"] < count else "Line could not be resolved"
        return "Line could not be resolved"
    side = comment.get("side", "RIGHT")
    line = comment["line"]

    def hunk_of(number: int, which: str) -> int | None:
        for index, hunk in enumerate(hunks):
            if hunk.has_new(number) if which == "RIGHT" else hunk.has_old(number):
                return index
        return None

    end_hunk = hunk_of(line, side)
    if end_hunk is None:
        return "Pull request review thread line must be part of the diff"
    if "start_line" in comment:
        start = comment["start_line"]
        if start >= line and comment.get("start_side", side) == side:
            return "Pull request review thread start line must precede the end line"
        if hunk_of(start, comment.get("start_side", side)) != end_hunk:
            return "Pull request review thread start line must be part of the same hunk as the line."
    return None


def _add_review_comment(
    ctx: Context, repo: Repo, pull: PullRequest, spec: dict[str, Any], review_id: int | None, commit_id: str
) -> dict[str, Any]:
    comment_id = ctx.fake.next_id()
    line = spec.get("line")
    comment = {
        "id": comment_id,
        "node_id": f"PRRC_{comment_id}",
        "pull_request_review_id": review_id,
        "path": spec["path"],
        "body": spec["body"],
        "line": line,
        "original_line": line,
        "side": spec.get("side", "RIGHT") if line is not None else None,
        "start_line": spec.get("start_line"),
        "original_start_line": spec.get("start_line"),
        "start_side": spec.get("start_side") if spec.get("start_line") else None,
        "position": spec.get("position"),
        "subject_type": spec.get("subject_type", "line"),
        "commit_id": commit_id,
        "original_commit_id": commit_id,
        "user": ctx.fake.bot_user,
        "created_at": _now_iso(),
        "updated_at": _now_iso(),
        "in_reply_to_id": spec.get("in_reply_to"),
        "html_url": f"https://github.com/{repo.full_name}/pull/{pull.number}#discussion_r{comment_id}",
        "pull_request_url": f"{ctx.fake.url}/repos/{repo.full_name}/pulls/{pull.number}",
        "_line_text": _line_of(ctx.fake.git.file(commit_id, spec["path"]), line) if line else None,
        "isMinimized": False,
        "minimizedReason": None,
    }
    pull.comments.append(comment)
    reply_to = spec.get("in_reply_to")
    thread = next((t for t in pull.threads if reply_to in t["comment_ids"]), None) if reply_to else None
    if thread is None:
        thread_id = ctx.fake.next_id()
        pull.threads.append(
            {
                "id": f"PRRT_{thread_id}",
                "isResolved": False,
                "isOutdated": False,
                "path": spec["path"],
                "line": line,
                "startLine": spec.get("start_line"),
                "diffSide": comment["side"] or "RIGHT",
                "comment_ids": [comment_id],
            }
        )
    else:
        thread["comment_ids"].append(comment_id)
    return comment


def _review_json(review: dict[str, Any]) -> dict[str, Any]:
    return dict(review)


@handles("pulls/create-review")
def create_review(ctx: Context) -> _Reply:
    repo = ctx.repo()
    pull = ctx.pull(repo)
    body = ctx.json()
    event = body.get("event")
    commit_id = body.get("commit_id") or pull.head_sha
    if commit_id not in pull.commit_shas:
        raise _HTTPError(422, "Unprocessable Entity", errors=["commit_id is not part of the pull request"])
    if event in ("COMMENT", "REQUEST_CHANGES") and not body.get("body"):
        raise _HTTPError(422, "Unprocessable Entity", errors=[f"Body is required for event {event}"])
    problems = [p for c in body.get("comments") or [] if (p := _comment_problem(ctx, repo, pull, c))]
    review_id = ctx.fake.next_id()
    review = {
        "id": review_id,
        "node_id": f"PRR_{review_id}",
        "user": ctx.fake.bot_user,
        "body": body.get("body", ""),
        "state": REVIEW_STATES.get(event, "PENDING"),
        "commit_id": commit_id,
        "submitted_at": _now_iso() if event else None,
        "html_url": f"https://github.com/{repo.full_name}/pull/{pull.number}#pullrequestreview-{review_id}",
        "pull_request_url": f"{ctx.fake.url}/repos/{repo.full_name}/pulls/{pull.number}",
        "author_association": "NONE",
    }
    if problems:
        if ctx.fake.orphan_review_on_422 and body.get("body"):
            pull.reviews.append(review)
        raise _HTTPError(422, "Unprocessable Entity", errors=problems[:1])
    pull.reviews.append(review)
    for spec in body.get("comments") or []:
        _add_review_comment(ctx, repo, pull, spec, review_id, commit_id)
    return _Reply(200, _review_json(review))


def _review(ctx: Context, pull: PullRequest) -> dict[str, Any]:
    review = next((r for r in pull.reviews if r["id"] == int(ctx.params["review_id"])), None)
    if review is None:
        raise _HTTPError(404, "Not Found")
    return review


@handles("pulls/list-reviews")
def list_reviews(ctx: Context) -> _Reply:
    repo = ctx.repo()
    return _page(ctx, [_review_json(r) for r in ctx.pull(repo).reviews])


@handles("pulls/get-review")
def get_review(ctx: Context) -> _Reply:
    repo = ctx.repo()
    return _Reply(200, _review_json(_review(ctx, ctx.pull(repo))))


@handles("pulls/dismiss-review")
def dismiss_review(ctx: Context) -> _Reply:
    repo = ctx.repo()
    review = _review(ctx, ctx.pull(repo))
    if review["state"] == "PENDING":
        raise _HTTPError(
            422, "Unprocessable Entity", errors=["Can not dismiss a pending pull request review"]
        )
    review["state"] = "DISMISSED"
    review["dismissal_message"] = ctx.json().get("message")
    return _Reply(200, _review_json(review))


@handles("pulls/list-review-comments")
def list_review_comments(ctx: Context) -> _Reply:
    repo = ctx.repo()
    return _page(ctx, [_public(c) for c in ctx.pull(repo).comments])


@handles("pulls/list-comments-for-review")
def list_comments_for_review(ctx: Context) -> _Reply:
    repo = ctx.repo()
    pull = ctx.pull(repo)
    review = _review(ctx, pull)
    return _page(ctx, [_public(c) for c in pull.comments if c["pull_request_review_id"] == review["id"]])


@handles("pulls/create-review-comment")
def create_review_comment(ctx: Context) -> _Reply:
    repo = ctx.repo()
    pull = ctx.pull(repo)
    spec = ctx.json()
    if spec.get("subject_type") != "file" and "in_reply_to" not in spec:
        problem = _comment_problem(ctx, repo, pull, spec)
        if problem:
            raise _HTTPError(422, "Unprocessable Entity", errors=[problem])
    comment = _add_review_comment(ctx, repo, pull, spec, None, spec.get("commit_id") or pull.head_sha)
    return _Reply(201, _public(comment))


def _find_review_comment(repo: Repo, comment_id: int) -> tuple[PullRequest, dict[str, Any]]:
    for pull in repo.pulls.values():
        for comment in pull.comments:
            if comment["id"] == comment_id:
                return pull, comment
    raise _HTTPError(404, "Not Found")


@handles("pulls/get-review-comment")
def get_review_comment(ctx: Context) -> _Reply:
    repo = ctx.repo()
    return _Reply(200, _public(_find_review_comment(repo, int(ctx.params["comment_id"]))[1]))


@handles("pulls/update-review-comment")
def update_review_comment(ctx: Context) -> _Reply:
    repo = ctx.repo()
    _, comment = _find_review_comment(repo, int(ctx.params["comment_id"]))
    comment["body"] = ctx.json()["body"]
    comment["updated_at"] = _now_iso()
    return _Reply(200, _public(comment))


@handles("pulls/delete-review-comment")
def delete_review_comment(ctx: Context) -> _Reply:
    repo = ctx.repo()
    pull, comment = _find_review_comment(repo, int(ctx.params["comment_id"]))
    pull.comments.remove(comment)
    for thread in pull.threads:
        if comment["id"] in thread["comment_ids"]:
            thread["comment_ids"].remove(comment["id"])
    pull.threads[:] = [t for t in pull.threads if t["comment_ids"]]
    return _Reply(204)


# -- issues: comments, reactions, labels ----------------------------------------------------------


def _issue_number(ctx: Context, repo: Repo) -> int:
    number = int(ctx.params["issue_number"])
    if number not in repo.pulls and number not in repo.issue_labels:
        raise _HTTPError(404, "Not Found")
    return number


@handles("issues/list-comments")
def list_issue_comments(ctx: Context) -> _Reply:
    repo = ctx.repo()
    number = _issue_number(ctx, repo)
    return _page(ctx, [_public(c) for c in repo.issue_comments.values() if c["_issue"] == number])


@handles("issues/create-comment")
def create_issue_comment(ctx: Context) -> _Reply:
    repo = ctx.repo()
    number = _issue_number(ctx, repo)
    comment = ctx.fake._new_issue_comment(repo, number, ctx.json()["body"], ctx.fake.bot_user)
    return _Reply(201, _public(comment))


def _issue_comment(ctx: Context, repo: Repo) -> dict[str, Any]:
    comment = repo.issue_comments.get(int(ctx.params["comment_id"]))
    if comment is None:
        raise _HTTPError(404, "Not Found")
    return comment


@handles("issues/get-comment")
def get_issue_comment(ctx: Context) -> _Reply:
    return _Reply(200, _public(_issue_comment(ctx, ctx.repo())))


@handles("issues/update-comment")
def update_issue_comment(ctx: Context) -> _Reply:
    comment = _issue_comment(ctx, ctx.repo())
    comment["body"] = ctx.json()["body"]
    return _Reply(200, _public(comment))


@handles("issues/delete-comment")
def delete_issue_comment(ctx: Context) -> _Reply:
    repo = ctx.repo()
    del repo.issue_comments[_issue_comment(ctx, repo)["id"]]
    return _Reply(204)


@handles("reactions/create-for-issue-comment")
def create_reaction(ctx: Context) -> _Reply:
    comment = _issue_comment(ctx, ctx.repo())
    content = ctx.json()["content"]
    existing = next(
        (
            r
            for r in comment["reactions"]
            if r["content"] == content and r["user"]["login"] == ctx.fake.bot_user["login"]
        ),
        None,
    )
    if existing:
        return _Reply(200, existing)
    reaction = {
        "id": ctx.fake.next_id(),
        "content": content,
        "user": ctx.fake.bot_user,
        "created_at": _now_iso(),
    }
    comment["reactions"].append(reaction)
    return _Reply(201, reaction)


@handles("reactions/list-for-issue-comment")
def list_reactions(ctx: Context) -> _Reply:
    comment = _issue_comment(ctx, ctx.repo())
    return _page(ctx, list(comment["reactions"]))


def _labels_json(repo: Repo, number: int) -> list[dict[str, Any]]:
    return [
        {"id": i + 1, "name": name, "color": "ededed"} for i, name in enumerate(repo.issue_labels[number])
    ]


@handles("issues/list-labels-on-issue")
def list_labels(ctx: Context) -> _Reply:
    repo = ctx.repo()
    return _page(ctx, _labels_json(repo, _issue_number(ctx, repo)))


@handles("issues/add-labels")
def add_labels(ctx: Context) -> _Reply:
    repo = ctx.repo()
    number = _issue_number(ctx, repo)
    body = ctx.body
    names = body.get("labels", []) if isinstance(body, dict) else body or []
    for item in names:
        name = item["name"] if isinstance(item, dict) else item
        if name not in repo.issue_labels[number]:
            repo.issue_labels[number].append(name)
    return _Reply(200, _labels_json(repo, number))


@handles("issues/remove-label")
def remove_label(ctx: Context) -> _Reply:
    repo = ctx.repo()
    number = _issue_number(ctx, repo)
    name = ctx.params["name"]
    if name not in repo.issue_labels[number]:
        raise _HTTPError(404, "Label does not exist")
    repo.issue_labels[number].remove(name)
    return _Reply(200, _labels_json(repo, number))


@handles("repos/get-collaborator-permission-level")
def collaborator_permission(ctx: Context) -> _Reply:
    repo = ctx.repo()
    login = ctx.params["username"]
    permission = repo.permissions.get(login, "none")
    legacy = {"maintain": "write", "triage": "read"}.get(permission, permission)
    return _Reply(200, {"permission": legacy, "role_name": permission, "user": _user(login)})


# -- GraphQL --------------------------------------------------------------------------------------


def _blob_node(fake: FakeGitHub, sha: str, data: bytes) -> dict[str, Any]:
    binary = looks_binary(data)
    text: str | None = None
    if not binary:
        try:
            text = data[:GRAPHQL_TEXT_CAP].decode("utf-8")
        except UnicodeDecodeError:
            text = None  # GitHub cannot say it as a String: the client has to fetch the bytes
    return {
        "__typename": "Blob",
        "id": f"B_{sha}",
        "oid": sha,
        "abbreviatedOid": sha[:7],
        "byteSize": len(data),
        "isBinary": binary,
        "isTruncated": not binary and len(data) > GRAPHQL_TEXT_CAP,
        "text": text,
    }


def _connection(items: list[Any], first: int | None, after: str | None) -> dict[str, Any]:
    if first is not None and first > 100:
        raise graphql.GraphQLError(
            f"Requesting {first} records on the connection exceeds the `first` limit of 100 records."
        )
    start = int(base64.b64decode(after).decode()) + 1 if after else 0
    size = first if first is not None else 100
    chunk = items[start : start + size]
    end = start + len(chunk) - 1
    return {
        "nodes": chunk,
        "edges": [
            {"node": n, "cursor": base64.b64encode(str(start + i).encode()).decode()}
            for i, n in enumerate(chunk)
        ],
        "totalCount": len(items),
        "pageInfo": {
            "hasNextPage": start + len(chunk) < len(items),
            "hasPreviousPage": start > 0,
            "endCursor": base64.b64encode(str(end).encode()).decode() if chunk else None,
            "startCursor": base64.b64encode(str(start).encode()).decode() if chunk else None,
        },
    }


def _comment_node(fake: FakeGitHub, comment: dict[str, Any], kind: str) -> dict[str, Any]:
    login = comment["user"]["login"]
    return {
        "__typename": kind,
        "id": comment["node_id"],
        "databaseId": comment["id"],
        "fullDatabaseId": str(comment["id"]),
        "body": comment["body"],
        "author": {"__typename": "Bot" if comment["user"].get("type") == "Bot" else "User", "login": login},
        "isMinimized": comment["isMinimized"],
        "minimizedReason": comment["minimizedReason"],
        "viewerCanMinimize": True,
        "path": comment.get("path"),
        "line": comment.get("line"),
        "url": comment.get("html_url"),
        "createdAt": comment.get("created_at"),
        "outdated": comment.get("line") is None and comment.get("path") is not None,
    }


def _thread_node(fake: FakeGitHub, pull: PullRequest, thread: dict[str, Any]) -> dict[str, Any]:
    comments = [c for c in pull.comments if c["id"] in thread["comment_ids"]]
    return {
        "__typename": "PullRequestReviewThread",
        "id": thread["id"],
        "isResolved": thread["isResolved"],
        "isOutdated": thread["isOutdated"],
        "isCollapsed": thread["isResolved"],
        "path": thread["path"],
        "line": None if thread["isOutdated"] else thread["line"],
        "originalLine": thread["line"],
        "startLine": thread["startLine"],
        "diffSide": thread["diffSide"],
        "subjectType": "LINE",
        "viewerCanResolve": True,
        "viewerCanUnresolve": True,
        "viewerCanReply": True,
        "comments": lambda info, first=None, after=None, **_: _connection(
            [_comment_node(fake, c, "PullRequestReviewComment") for c in comments], first, after
        ),
    }


class _Resolvers:
    """Root values for GraphQL execution, bound to one request's installation."""

    def __init__(self, fake: FakeGitHub, installation_id: int | None) -> None:
        self.fake = fake
        self.installation_id = installation_id

    def root(self) -> dict[str, Any]:
        return {
            "repository": self.repository,
            "node": self.node,
            "rateLimit": lambda info, **_: {
                "cost": 1,
                "limit": 5000,
                "remaining": 4999,
                "used": 1,
                "nodeCount": 1,
                "resetAt": _now_iso(3600),
            },
            "resolveReviewThread": lambda info, input: self._set_resolved(input, True),
            "unresolveReviewThread": lambda info, input: self._set_resolved(input, False),
            "minimizeComment": self.minimize,
        }

    def repository(self, info: Any, owner: str, name: str, **_: Any) -> dict[str, Any]:
        repo = self.fake.repos.get((owner, name))
        if repo is None or not self.fake.can_see(self.installation_id, repo):
            raise graphql.GraphQLError(
                f"Could not resolve to a Repository with the name '{owner}/{name}'.",
                extensions={"type": "NOT_FOUND"},
            )
        return {
            "__typename": "Repository",
            "id": f"R_{repo.id}",
            "name": repo.name,
            "nameWithOwner": repo.full_name,
            "object": lambda info, expression=None, oid=None: self._object(repo, expression, oid),
            "pullRequest": lambda info, number: self._pull(repo, number),
        }

    def _object(self, repo: Repo, expression: str | None, oid: str | None) -> dict[str, Any] | None:
        git = self.fake.git
        if oid is not None:
            data = git.blobs.get(oid)
            if data is not None:
                return _blob_node(self.fake, oid, data)
            return {"__typename": "Commit", "id": f"C_{oid}", "oid": oid} if oid in git.commits else None
        rev, sep, path = (expression or "").partition(":")
        sha = self.fake.resolve_ref(repo, rev or None)
        if sha is None:
            return None
        if not sep:
            return {"__typename": "Commit", "id": f"C_{sha}", "oid": sha}
        tree = git.commits[sha].tree
        if path in tree:
            return _blob_node(self.fake, tree[path], git.blobs[tree[path]])
        if any(p.startswith(path.rstrip("/") + "/") for p in tree):
            return {"__typename": "Tree", "id": f"T_{sha}_{path}", "oid": sha}
        return None

    def _pull(self, repo: Repo, number: int) -> dict[str, Any] | None:
        pull = repo.pulls.get(number)
        if pull is None:
            raise graphql.GraphQLError(
                f"Could not resolve to a PullRequest with the number of {number}.",
                extensions={"type": "NOT_FOUND"},
            )
        return {
            "__typename": "PullRequest",
            "id": f"PR_{repo.id}_{pull.number}",
            "number": pull.number,
            "title": pull.title,
            "isDraft": pull.draft,
            "headRefOid": pull.head_sha,
            "baseRefOid": pull.base_sha,
            "headRefName": pull.head_ref,
            "baseRefName": pull.base_ref,
            "reviewThreads": lambda info, first=None, after=None, **_: _connection(
                [_thread_node(self.fake, pull, t) for t in pull.threads], first, after
            ),
        }

    def _visible_pulls(self) -> list[tuple[Repo, PullRequest]]:
        return [
            (repo, pull)
            for repo in self.fake.repos.values()
            if self.fake.can_see(self.installation_id, repo)
            for pull in repo.pulls.values()
        ]

    def node(self, info: Any, id: str) -> dict[str, Any] | None:
        for _, pull in self._visible_pulls():
            for thread in pull.threads:
                if thread["id"] == id:
                    return _thread_node(self.fake, pull, thread)
            for comment in pull.comments:
                if comment["node_id"] == id:
                    return _comment_node(self.fake, comment, "PullRequestReviewComment")
        for repo in self.fake.repos.values():
            if self.fake.can_see(self.installation_id, repo):
                for comment in repo.issue_comments.values():
                    if comment["node_id"] == id:
                        return _comment_node(self.fake, comment, "IssueComment")
        return None

    def _set_resolved(self, payload: dict[str, Any], resolved: bool) -> dict[str, Any]:
        for _, pull in self._visible_pulls():
            for thread in pull.threads:
                if thread["id"] == payload["threadId"]:
                    thread["isResolved"] = resolved
                    return {
                        "clientMutationId": payload.get("clientMutationId"),
                        "thread": _thread_node(self.fake, pull, thread),
                    }
        raise graphql.GraphQLError(
            f"Could not resolve to a node with the global id of '{payload['threadId']}'",
            extensions={"type": "NOT_FOUND"},
        )

    def minimize(self, info: Any, input: dict[str, Any]) -> dict[str, Any]:
        subject = input["subjectId"]
        candidates: list[tuple[dict[str, Any], str]] = [
            (c, "PullRequestReviewComment") for _, pull in self._visible_pulls() for c in pull.comments
        ]
        candidates += [
            (c, "IssueComment")
            for repo in self.fake.repos.values()
            if self.fake.can_see(self.installation_id, repo)
            for c in repo.issue_comments.values()
        ]
        for comment, kind in candidates:
            if comment["node_id"] == subject:
                comment["isMinimized"] = True
                comment["minimizedReason"] = input["classifier"].lower()
                return {
                    "clientMutationId": input.get("clientMutationId"),
                    "minimizedComment": _comment_node(self.fake, comment, kind),
                }
        raise graphql.GraphQLError(
            f"Could not resolve to a node with the global id of '{subject}'", extensions={"type": "NOT_FOUND"}
        )


def serve_graphql(
    fake: FakeGitHub, body: Any, auth: str | None, installation_id: int | None, auth_error: str | None
) -> _Reply:
    """POST /graphql: validate against GitHub's schema, then execute with the fake's state."""
    if auth_error or auth != "token":
        raise _HTTPError(401, auth_error or "This endpoint requires you to be authenticated.")
    if not isinstance(body, dict) or not isinstance(body.get("query"), str):
        raise _HTTPError(400, "A query attribute must be specified and must be a string.")
    variables = body.get("variables") or {}
    schema = specs.graphql_schema()
    try:
        document = graphql.parse(body["query"])
    except graphql.GraphQLError as exc:
        return _graphql_failure(fake, body, [exc.message])
    problems = graphql.validate(schema, document)
    if problems:
        return _graphql_failure(fake, body, [p.message for p in problems])
    with fake.lock:
        result = graphql.execute_sync(
            schema, document, root_value=_Resolvers(fake, installation_id).root(), variable_values=variables
        )
    out: dict[str, Any] = {"data": result.data}
    if result.errors:
        out["errors"] = [_github_error(e) for e in result.errors]
    return _Reply(200, out)


def _graphql_failure(fake: FakeGitHub, body: dict[str, Any], messages: list[str]) -> _Reply:
    with fake.lock:
        fake.validation_failures.append(ValidationFailure("POST", "/graphql", "graphql", messages))
    return _Reply(
        200, {"errors": [{"message": m, "extensions": {"code": "undefinedField"}} for m in messages]}
    )


def _github_error(error: graphql.GraphQLError) -> dict[str, Any]:
    formatted = dict(error.formatted)
    extensions = formatted.pop("extensions", None) or {}
    if "type" in extensions:
        formatted["type"] = extensions["type"]
    return formatted


from tests.fake_github import (  # noqa: E402  (each registers its handlers)
    archives,  # noqa: F401  (repository tarballs)
    gitrefs,  # noqa: F401  (git refs, trees, commits with files)
    manifests,  # noqa: F401  (the App manifest conversion)
)
