"""A fake GitHub for tests: a real threaded HTTP server on 127.0.0.1 that keeps state in memory.

It serves the REST and GraphQL endpoints prguard uses, answers like GitHub
(paging with Link headers, 404 for repos an installation cannot see, 422 for a
review comment outside the diff, 50 annotations per request), records every
request, validates every request body against GitHub's OpenAPI description and
every GraphQL query against GitHub's GraphQL schema, and injects faults per
route. Tests seed it and inspect it through the methods of `FakeGitHub`.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import hashlib
import itertools
import json
import socket
import struct
import threading
import time
import urllib.parse
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt as pyjwt

from tests.fake_github import specs
from tests.fake_github.gitdata import Commit, FileChange, GitStore, hunks_of, looks_binary, to_bytes

GITHUB_FILES_CAP = 3000
GITHUB_COMMITS_CAP = 250
ANNOTATIONS_PER_REQUEST = 50
CONTENTS_JSON_CAP = 1_000_000
DOCS = "https://docs.github.com/rest"


# -- what tests see ------------------------------------------------------------------------------


@dataclass(slots=True)
class Fault:
    """One injected misbehaviour for one request on a route.

    status: answer with this status (and headers/body) instead of serving it.
    delay: sleep this long first (then serve normally unless status/drop is set).
    drop: close the connection with a TCP reset, no answer at all.
    after: serve the request first (GitHub applied it), then delay and/or drop the answer:
        the "POST timed out but GitHub created the resource anyway" case.
    """

    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None
    delay: float = 0.0
    drop: bool = False
    after: bool = False


@dataclass(slots=True)
class RecordedRequest:
    method: str
    path: str
    route: str  # the OpenAPI path template, or /graphql
    operation_id: str | None
    query: dict[str, str]
    headers: dict[str, str]  # lower-case names, Authorization left out
    body: Any
    auth: str | None  # "jwt" | "token" | None
    installation_id: int | None
    status: int | None = None
    fault: bool = False


@dataclass(slots=True)
class ValidationFailure:
    method: str
    path: str
    operation_id: str | None
    errors: list[str]


class _Reply:
    __slots__ = ("body", "headers", "status")

    def __init__(self, status: int, body: Any = None, headers: Mapping[str, str] | None = None) -> None:
        self.status = status
        self.body = body
        self.headers = dict(headers or {})


class _HTTPError(Exception):
    def __init__(
        self, status: int, message: str, errors: Any = None, headers: Mapping[str, str] | None = None
    ):
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = errors
        self.headers = dict(headers or {})


def _now_iso(offset: float = 0.0) -> str:
    return (
        dt.datetime.fromtimestamp(time.time() + offset, dt.UTC)
        .replace(microsecond=0)
        .isoformat()
        .replace("+00:00", "Z")
    )


# -- state ---------------------------------------------------------------------------------------


@dataclass(slots=True)
class Repo:
    owner: str
    name: str
    id: int
    default_branch: str
    private: bool = False
    branches: dict[str, str] = field(default_factory=dict)
    pulls: dict[int, PullRequest] = field(default_factory=dict)
    check_runs: dict[int, dict[str, Any]] = field(default_factory=dict)
    issue_comments: dict[int, dict[str, Any]] = field(default_factory=dict)
    issue_labels: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))
    permissions: dict[str, str] = field(default_factory=dict)  # login -> admin|maintain|write|triage|read

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"


@dataclass(slots=True)
class PullRequest:
    number: int
    title: str
    body: str
    user: dict[str, Any]
    head_ref: str
    base_ref: str
    base_sha: str
    head_sha: str
    commit_shas: list[str]
    draft: bool = False
    state: str = "open"
    renames: dict[str, str] = field(default_factory=dict)
    reviews: list[dict[str, Any]] = field(default_factory=list)
    comments: list[dict[str, Any]] = field(default_factory=list)  # review comments
    threads: list[dict[str, Any]] = field(default_factory=list)


class FakeGitHub:
    """The fake's state, its HTTP server, and the helpers tests use."""

    def __init__(
        self,
        *,
        app_id: int = 4242,
        app_slug: str = "prguard",
        app_public_key: str | bytes | None = None,
        validate: bool = True,
        token_lifetime: float = 3600.0,
    ) -> None:
        self.app_id = app_id
        self.app_slug = app_slug
        self.app_public_key = app_public_key
        self.validate = validate
        self.token_lifetime = token_lifetime
        self.lock = threading.RLock()
        self.git = GitStore()
        self.repos: dict[tuple[str, str], Repo] = {}
        self.installations: dict[int, dict[str, Any]] = {}
        self.tokens: dict[str, tuple[int, float]] = {}  # token -> (installation id, expiry epoch)
        self.tokens_issued: list[tuple[int, str]] = []
        self.requests: list[RecordedRequest] = []
        self.validation_failures: list[ValidationFailure] = []
        self.orphan_review_on_422 = False  # GitHub quirk: a body-only review sometimes survives a 422
        self.allow_validation_failures = False  # the fixture fails a test whose requests failed validation
        self.app_private_key: str | None = None  # set by the fixture, for tests that mint JWTs
        self._faults: dict[tuple[str, str], deque[Fault]] = defaultdict(deque)
        self._ids = itertools.count(1000)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._rate_used: dict[str, int] = defaultdict(int)
        self._changed = threading.Condition(self.lock)
        self.bot_user = {
            "login": f"{app_slug}[bot]",
            "id": 900000 + app_id,
            "node_id": f"BOT_{app_id}",
            "type": "Bot",
        }

    # -- lifecycle -------------------------------------------------------------------------------

    def start(self) -> FakeGitHub:
        specs.openapi()  # load before the first request, and fail early when npm ci was not run
        specs.graphql_schema()
        handler = type("Handler", (_Handler,), {"fake": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, name="fake-github", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeGitHub:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the fake GitHub server is not running")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def api_url(self) -> str:
        return self.url

    @property
    def graphql_url(self) -> str:
        return self.url + "/graphql"

    # -- seeding ---------------------------------------------------------------------------------

    def next_id(self) -> int:
        return next(self._ids)

    def add_installation(
        self, installation_id: int, account: str, repositories: Iterable[str] | None = None
    ) -> None:
        """An installation on `account`; `repositories` (names) limits it, None means all of the account's."""
        with self.lock:
            self.installations[installation_id] = {
                "account": account,
                "repositories": set(repositories) if repositories is not None else None,
            }

    def issue_token(self, installation_id: int, lifetime: float | None = None) -> str:
        """Mint an installation token directly (what POST .../access_tokens does)."""
        with self.lock:
            if installation_id not in self.installations:
                raise KeyError(f"no installation {installation_id}")
            token = f"ghs_fake{installation_id}x{self.next_id()}{'A' * 16}"
            expires = time.time() + (self.token_lifetime if lifetime is None else lifetime)
            self.tokens[token] = (installation_id, expires)
            self.tokens_issued.append((installation_id, token))
            return token

    def add_repo(
        self,
        owner: str,
        name: str,
        files: Mapping[str, str | bytes] | None = None,
        *,
        default_branch: str = "main",
        private: bool = False,
    ) -> Repo:
        """A repository whose default branch has one commit with `files`."""
        with self.lock:
            repo = Repo(owner, name, self.next_id(), default_branch, private)
            self.repos[(owner, name)] = repo
            sha = self.commit(owner, name, files or {}, parent=None, message="Initial commit")
            repo.branches[default_branch] = sha
            return repo

    def seed_pull(
        self,
        *,
        installation_id: int = 1,
        owner: str = "octo-org",
        repo: str = "widgets",
        base_files: Mapping[str, str | bytes] | None = None,
        head_files: Mapping[str, str | bytes | None],
        **pull_kwargs: Any,
    ) -> PullRequest:
        """Installation + repository (created when missing) + an open PR, in one call."""
        with self.lock:
            if installation_id not in self.installations:
                self.add_installation(installation_id, owner)
            if (owner, repo) not in self.repos:
                self.add_repo(owner, repo, base_files or {})
                base_files = None
            return self.open_pull(owner, repo, head_files, base_files=base_files, **pull_kwargs)

    def repo(self, owner: str, name: str) -> Repo:
        return self.repos[(owner, name)]

    def commit(
        self,
        owner: str,
        name: str,
        files: Mapping[str, str | bytes | None],
        *,
        parent: str | None,
        message: str = "Change",
        author: Mapping[str, str] | None = None,
        committer: Mapping[str, str] | None = None,
        author_login: str | None = "octocat",
        committer_login: str | None = None,
    ) -> str:
        """A commit on top of `parent` with `files` changed (None deletes a file); returns its SHA."""
        with self.lock:
            tree = dict(self.git.commits[parent].tree) if parent else {}
            for path, content in files.items():
                if content is None:
                    tree.pop(path, None)
                else:
                    tree[path] = self.git.put_blob(to_bytes(content))
            who = {"name": "Mona Octocat", "email": "mona@example.com", **(author or {}), "date": _now_iso()}
            by = {**who, **(committer or {})}
            basis = json.dumps([owner, name, parent, sorted(tree.items()), message, self.next_id()])
            sha = _sha1(basis)
            self.git.commits[sha] = Commit(
                sha,
                tree,
                [parent] if parent else [],
                message,
                who,
                by,
                author_login,
                committer_login or author_login,
            )
            return sha

    def open_pull(
        self,
        owner: str,
        name: str,
        head_files: Mapping[str, str | bytes | None],
        *,
        base_files: Mapping[str, str | bytes | None] | None = None,
        number: int | None = None,
        title: str = "A change",
        body: str = "",
        user: Mapping[str, Any] | None = None,
        head_ref: str = "feature",
        base_ref: str | None = None,
        commits: Iterable[Mapping[str, Any]] | None = None,
        renames: Mapping[str, str] | None = None,
        draft: bool = False,
        labels: Iterable[str] = (),
    ) -> PullRequest:
        """A PR: base = default branch (+ `base_files` committed first), head = base + `head_files`.

        `commits` optionally splits the head into several commits: each item is
        the keyword arguments of `commit()` (files, message, author, author_login …);
        when given, `head_files` is committed last only if non-empty.
        `renames` maps new path -> old path (the old path should be deleted in head_files).
        """
        with self.lock:
            repo = self.repo(owner, name)
            base_ref = base_ref or repo.default_branch
            base_sha = repo.branches[base_ref]
            if base_files:
                base_sha = self.commit(
                    owner, name, base_files, parent=base_sha, message="Base for the change"
                )
                repo.branches[base_ref] = base_sha
            parent = base_sha
            shas = []
            for spec in commits or ():
                spec = dict(spec)
                parent = self.commit(owner, name, spec.pop("files", {}), parent=parent, **spec)
                shas.append(parent)
            if head_files or not shas:
                parent = self.commit(owner, name, head_files, parent=parent, message=title)
                shas.append(parent)
            repo.branches[head_ref] = parent
            number = number or (max([*repo.pulls, *repo.issue_labels, 0]) + 1)
            pull = PullRequest(
                number=number,
                title=title,
                body=body,
                user=dict(user or {"login": "octocat", "id": 1, "type": "User"}),
                head_ref=head_ref,
                base_ref=base_ref,
                base_sha=base_sha,
                head_sha=parent,
                commit_shas=shas,
                draft=draft,
                renames=dict(renames or {}),
            )
            repo.pulls[number] = pull
            repo.issue_labels[number].extend(labels)
            return pull

    def push(
        self,
        owner: str,
        name: str,
        number: int,
        files: Mapping[str, str | bytes | None],
        *,
        message: str = "More changes",
        **commit_kwargs: Any,
    ) -> str:
        """A new commit on the PR's head (a `synchronize`); review threads whose line changed go outdated."""
        with self.lock:
            repo = self.repo(owner, name)
            pull = repo.pulls[number]
            sha = self.commit(owner, name, files, parent=pull.head_sha, message=message, **commit_kwargs)
            pull.head_sha = sha
            pull.commit_shas.append(sha)
            repo.branches[pull.head_ref] = sha
            changes = {c.filename: c for c in self.files_of(repo, pull)}
            for comment in pull.comments:
                if comment["line"] is None:
                    continue
                change = changes.get(comment["path"])
                text = _line_of(self.git.file(sha, comment["path"]), comment["line"])
                still = (
                    change is not None
                    and any(h.has_new(comment["line"]) for h in hunks_of(change.patch))
                    and text == comment["_line_text"]
                )
                if not still:
                    comment["line"] = None
                    comment["start_line"] = None
                    comment["position"] = None
                    for thread in pull.threads:
                        if comment["id"] in thread["comment_ids"]:
                            thread["isOutdated"] = True
            self._notify()
            return sha

    def add_issue_comment(
        self, owner: str, name: str, number: int, body: str, *, login: str = "octocat"
    ) -> dict:
        """A comment someone wrote on the PR's conversation (e.g. `/prguard review`)."""
        with self.lock:
            repo = self.repo(owner, name)
            comment = self._new_issue_comment(repo, number, body, {"login": login, "id": 7, "type": "User"})
            return dict(comment)

    def set_permission(self, owner: str, name: str, login: str, permission: str) -> None:
        with self.lock:
            self.repo(owner, name).permissions[login] = permission

    # -- faults ----------------------------------------------------------------------------------

    def inject(self, method: str, route: str, *faults: Fault | int) -> None:
        """Queue faults for the next requests on (method, route template); an int is a bare status.

        `route` is the OpenAPI path template (e.g. "/repos/{owner}/{repo}/pulls/{pull_number}/files")
        or "/graphql"; method "*" matches any method.
        """
        with self.lock:
            for fault in faults:
                self._faults[(method.upper(), route)].append(
                    Fault(status=fault) if isinstance(fault, int) else fault
                )

    def pending_faults(self) -> int:
        with self.lock:
            return sum(len(queue) for queue in self._faults.values())

    def _take_fault(self, method: str, route: str) -> Fault | None:
        with self.lock:
            for key in ((method, route), ("*", route)):
                queue = self._faults.get(key)
                if queue:
                    return queue.popleft()
        return None

    # -- inspection ------------------------------------------------------------------------------

    def calls(self, method: str | None = None, route: str | None = None) -> list[RecordedRequest]:
        with self.lock:
            return [
                r
                for r in self.requests
                if (method is None or r.method == method.upper()) and (route is None or r.route == route)
            ]

    def check_runs(self, owner: str, name: str) -> list[dict[str, Any]]:
        with self.lock:
            return [json.loads(json.dumps(run)) for run in self.repo(owner, name).check_runs.values()]

    def reviews(self, owner: str, name: str, number: int) -> list[dict[str, Any]]:
        with self.lock:
            return [dict(r) for r in self.repo(owner, name).pulls[number].reviews]

    def review_comments(self, owner: str, name: str, number: int) -> list[dict[str, Any]]:
        with self.lock:
            return [_public(c) for c in self.repo(owner, name).pulls[number].comments]

    def review_threads(self, owner: str, name: str, number: int) -> list[dict[str, Any]]:
        with self.lock:
            return [dict(t) for t in self.repo(owner, name).pulls[number].threads]

    def issue_comments(self, owner: str, name: str, number: int) -> list[dict[str, Any]]:
        with self.lock:
            repo = self.repo(owner, name)
            return [dict(c) for c in repo.issue_comments.values() if c["_issue"] == number]

    def labels(self, owner: str, name: str, number: int) -> list[str]:
        with self.lock:
            return list(self.repo(owner, name).issue_labels[number])

    def wait_for(self, predicate: Callable[[FakeGitHub], Any], timeout: float = 30.0) -> Any:
        """Block until predicate(self) is truthy (re-checked after every request); return its value."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                value = predicate(self)
                if value:
                    return value
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError("the fake GitHub never reached the expected state")
                self._changed.wait(min(left, 0.2))

    def _notify(self) -> None:
        with self._changed:
            self._changed.notify_all()

    # -- shared building blocks ------------------------------------------------------------------

    def files_of(self, repo: Repo, pull: PullRequest) -> list[FileChange]:
        return self.git.diff(pull.base_sha, pull.head_sha, pull.renames)

    def resolve_ref(self, repo: Repo, ref: str | None) -> str | None:
        ref = ref or repo.default_branch
        ref = ref.removeprefix("refs/heads/")
        if ref in repo.branches:
            return repo.branches[ref]
        if ref in self.git.commits:
            return ref
        matches = [sha for sha in self.git.commits if len(ref) >= 7 and sha.startswith(ref)]
        return matches[0] if len(matches) == 1 else None

    def can_see(self, installation_id: int | None, repo: Repo) -> bool:
        if installation_id is None:
            return False
        inst = self.installations.get(installation_id)
        if inst is None or inst["account"] != repo.owner:
            return False
        return inst["repositories"] is None or repo.name in inst["repositories"]

    def _new_issue_comment(self, repo: Repo, number: int, body: str, user: dict[str, Any]) -> dict[str, Any]:
        comment_id = self.next_id()
        comment = {
            "id": comment_id,
            "node_id": f"IC_{comment_id}",
            "body": body,
            "user": user,
            "created_at": _now_iso(),
            "updated_at": _now_iso(),
            "html_url": f"https://github.com/{repo.full_name}/pull/{number}#issuecomment-{comment_id}",
            "issue_url": f"{self.url}/repos/{repo.full_name}/issues/{number}",
            "author_association": "MEMBER",
            "reactions": [],
            "isMinimized": False,
            "minimizedReason": None,
            "_issue": number,
        }
        repo.issue_comments[comment_id] = comment
        return comment


def _sha1(text: str) -> str:
    return hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()


def _line_of(data: bytes | None, line: int) -> str | None:
    if data is None or line < 1:
        return None
    lines = data.decode("utf-8", "replace").splitlines()
    return lines[line - 1] if line <= len(lines) else None


def _public(item: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in item.items() if not k.startswith("_")}


# -- HTTP ----------------------------------------------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    fake: FakeGitHub
    protocol_version = "HTTP/1.1"
    server_version = "FakeGitHub/1.0"

    def log_message(self, format: str, *args: Any) -> None:  # quiet: tests read fake.requests instead
        return

    def setup(self) -> None:
        super().setup()
        # The status line and headers, then the body, go out as two writes: without TCP_NODELAY the body
        # waited for the client's delayed ACK, ~40 ms on every call, a cost of this fake, not of GitHub.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_PATCH(self) -> None:
        self._handle("PATCH")

    def do_PUT(self) -> None:
        self._handle("PUT")

    def do_DELETE(self) -> None:
        self._handle("DELETE")

    def _handle(self, method: str) -> None:
        from tests.fake_github import oauth, rest  # the route handlers

        fake = self.fake
        split = urllib.parse.urlsplit(self.path)
        path = urllib.parse.unquote(split.path)
        path = "/graphql" if path == "/api/graphql" else path.removeprefix("/api/v3")
        query = {k: v[-1] for k, v in urllib.parse.parse_qs(split.query).items()}
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items() if k.lower() != "authorization"}
        if path.startswith(oauth.WEB_PREFIX):  # GitHub's web pages, not its REST API
            self._serve_oauth_web(method, path, query, raw, headers)
            return
        auth_kind, installation_id, auth_error = self._authenticate()
        user_login = oauth.user_for_header(fake, self.headers.get("authorization"))
        if user_login is not None:
            auth_kind, auth_error = "user", None
        elif oauth.is_client_basic_auth(fake, self.headers.get("authorization")):
            auth_kind, auth_error = "oauth-client", None
        body: Any = None
        bad_json = False
        if raw:
            try:
                body = json.loads(raw)
            except ValueError:
                bad_json = True
        if path == "/graphql":
            route, operation, params = "/graphql", None, {}
        else:
            found = specs.openapi().find(method, path)
            operation, params = found if found else (None, {})
            route = operation.template if operation else path
        record = RecordedRequest(
            method=method,
            path=path,
            route=route,
            operation_id=operation.operation_id if operation else None,
            query=query,
            headers=headers,
            body=body if not bad_json else raw.decode("utf-8", "replace"),
            auth=auth_kind,
            installation_id=installation_id,
        )
        with fake.lock:
            fake.requests.append(record)
        try:
            fault = fake._take_fault(method, route)
            if fault is not None and fault.after:
                record.fault = True
                fault, late = None, fault
            else:
                late = None
            if fault is not None:
                record.fault = True
                if fault.delay:
                    time.sleep(fault.delay)
                if fault.drop:
                    record.status = None
                    self._reset_connection()
                    return
                if fault.status is not None:
                    body_out = fault.body if fault.body is not None else _fault_body(fault.status)
                    self._send(_Reply(fault.status, body_out, fault.headers), record, installation_id, route)
                    return
            if bad_json:
                raise _HTTPError(400, "Problems parsing JSON")
            if path == "/graphql":
                reply = rest.serve_graphql(fake, body, auth_kind, installation_id, auth_error)
            else:
                if operation is None:
                    fake.validation_failures.append(ValidationFailure(method, path, None, ["no such route"]))
                    raise _HTTPError(404, "Not Found")
                if fake.validate:
                    errors = specs.openapi().body_errors(operation, body, bool(raw))
                    if errors:
                        with fake.lock:
                            fake.validation_failures.append(
                                ValidationFailure(method, path, operation.operation_id, errors)
                            )
                        raise _HTTPError(422, "Invalid request.\n\n" + "\n".join(errors))
                ctx = rest.Context(
                    fake=fake,
                    method=method,
                    path=path,
                    params=params,
                    query=query,
                    body=body,
                    headers=headers,
                    auth=auth_kind,
                    installation_id=installation_id,
                    auth_error=auth_error,
                    user_login=user_login,
                )
                reply = rest.dispatch(operation.operation_id, ctx)
        except _HTTPError as exc:
            out = {"message": exc.message, "documentation_url": DOCS, "status": str(exc.status)}
            if exc.errors is not None:
                out["errors"] = exc.errors
            reply = _Reply(exc.status, out, exc.headers)
        except (BrokenPipeError, ConnectionResetError):
            return
        if late is not None:
            fake._notify()  # the state changed; the answer is what goes missing
            if late.delay:
                time.sleep(late.delay)
            if late.drop:
                record.status = reply.status
                self._reset_connection()
                return
        self._send(reply, record, installation_id, route)
        fake._notify()

    def _serve_oauth_web(
        self, method: str, path: str, query: dict[str, str], raw: bytes, headers: dict[str, str]
    ) -> None:
        from tests.fake_github import oauth

        fields = urllib.parse.parse_qsl(raw.decode("utf-8", "replace"))
        form_shown = {k: ("***" if k == "client_secret" else v) for k, v in fields}
        record = RecordedRequest(method, path, path, None, query, headers, form_shown, None, None)
        with self.fake.lock:
            self.fake.requests.append(record)
        self._send(oauth.serve_web(self.fake, method, path, query, raw, headers), record, None, path)
        self.fake._notify()

    def _authenticate(self) -> tuple[str | None, int | None, str | None]:
        """(kind, installation id, why it failed) from the Authorization header."""
        value = self.headers.get("authorization") or ""
        scheme, _, credential = value.partition(" ")
        if not credential:
            return None, None, "Requires authentication"
        fake = self.fake
        with fake.lock:
            known = fake.tokens.get(credential)
        if known is not None:
            installation_id, expires = known
            if expires < time.time():
                return "token", installation_id, "Bad credentials"
            return "token", installation_id, None
        if scheme.lower() == "bearer" and credential.count(".") == 2:
            if fake.app_public_key is None:
                return "jwt", None, None
            try:
                claims = pyjwt.decode(
                    credential,
                    fake.app_public_key,
                    algorithms=["RS256"],
                    options={"require": ["iat", "exp", "iss"]},
                    leeway=60,
                )
            except pyjwt.PyJWTError as exc:
                return "jwt", None, f"A JSON web token could not be decoded ({type(exc).__name__})"
            if claims["exp"] - claims["iat"] > 600:
                return "jwt", None, "'Expiration time' claim ('exp') is too far in the future"
            if str(claims["iss"]) != str(fake.app_id):
                return "jwt", None, "'Issuer' claim ('iss') must be the app id"
            return "jwt", None, None
        return "token", None, "Bad credentials"

    def _send(self, reply: _Reply, record: RecordedRequest, installation_id: int | None, route: str) -> None:
        fake = self.fake
        record.status = reply.status
        if isinstance(reply.body, bytes):
            payload = reply.body
            content_type = reply.headers.pop("content-type", "application/vnd.github.raw")
        elif reply.body is None:
            payload = b""
            content_type = None
        else:
            payload = json.dumps(reply.body).encode()
            content_type = "application/json; charset=utf-8"
        resource = "graphql" if route == "/graphql" else "core"
        key = f"{installation_id}:{resource}"
        with fake.lock:
            fake._rate_used[key] += 1
            used = fake._rate_used[key]
        headers = {
            "x-ratelimit-limit": "5000",
            "x-ratelimit-remaining": str(max(0, 5000 - used)),
            "x-ratelimit-used": str(used),
            "x-ratelimit-reset": str(int(time.time()) + 3600),
            "x-ratelimit-resource": resource,
            "x-github-request-id": f"FAKE:{len(fake.requests)}",
            "x-github-api-version-selected": self.headers.get("x-github-api-version") or "2022-11-28",
        }
        headers.update({k.lower(): v for k, v in reply.headers.items()})
        try:
            self.send_response(reply.status)
            for name, value in headers.items():
                self.send_header(name, value)
            if content_type:
                self.send_header("content-type", content_type)
            self.send_header("content-length", str(len(payload)))
            self.end_headers()
            if payload and self.command != "HEAD":
                self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def _reset_connection(self) -> None:
        """Drop the connection with RST, like a load balancer that gave up."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()


def _fault_body(status: int) -> dict[str, Any] | None:
    messages = {
        403: "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
        429: "API rate limit exceeded.",
        500: "Internal Server Error",
        502: "Server Error",
        503: "Service Unavailable",
        504: "We couldn't respond to your request in time.",
    }
    message = messages.get(status)
    return {"message": message, "documentation_url": DOCS} if message else None


def b64_lines(data: bytes) -> str:
    """Base64 as GitHub's contents API sends it: wrapped every 60 characters."""
    encoded = base64.b64encode(data).decode()
    return "\n".join(encoded[i : i + 60] for i in range(0, len(encoded), 60)) + "\n"


__all__ = [
    "ANNOTATIONS_PER_REQUEST",
    "CONTENTS_JSON_CAP",
    "GITHUB_COMMITS_CAP",
    "GITHUB_FILES_CAP",
    "FakeGitHub",
    "Fault",
    "PullRequest",
    "RecordedRequest",
    "Repo",
    "ValidationFailure",
    "b64_lines",
    "looks_binary",
]
