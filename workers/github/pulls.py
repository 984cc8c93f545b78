"""Read what a review needs from a pull request in a number of calls independent of its size.

Calls: the PR (1), its commits (1 page per 100, at most 250 commits), its file
list (1 per 100 files, GitHub stops at 3,000), and the contents of the changed
files at head and base in aliased GraphQL blob queries (100 blobs = 50 files a
query). REST is used per file only where GraphQL cannot answer: text cut at
512,000 bytes, or no object at that path. Binary files are not downloaded.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from prguard.engine.model import ChangedFile, PullRequestInfo, SkippedFile
from prguard.github import rest_shapes
from prguard.github.client import RAW_ACCEPT, GitHubClient
from prguard.github.errors import GitHubError, NotFound

log = logging.getLogger("prguard.github.pulls")

GITHUB_FILES_CAP = 3000  # GET /pulls/{n}/files never lists more
GITHUB_COMMITS_CAP = 250  # GET /pulls/{n}/commits never lists more
BLOBS_PER_QUERY = 100
MAX_FILE_BYTES = 1_000_000
ORG_POLICY_REPO = ".github"
ORG_POLICY_PATH = "prguard.yml"
REPO_POLICY_PATH = ".github/prguard.yml"
MAX_POLICY_BYTES = 256_000

_BLOB_FIELDS = "... on Blob { oid byteSize isBinary isTruncated text }"


@dataclass(slots=True)
class PullRequestSnapshot:
    """One pull request at one head SHA, with everything the engine reads."""

    owner: str
    repo: str
    number: int
    head_sha: str
    base_sha: str
    base_ref: str
    head_ref: str
    draft: bool
    state: str
    raw: dict[str, Any]
    info: PullRequestInfo
    files: list[ChangedFile]
    truncated: bool
    changed_files: int = 0  # GitHub's count, which can exceed len(files)
    binary: frozenset[str] = frozenset()  # head (or base) is binary: contents left None on purpose
    skipped: list[SkippedFile] = field(default_factory=list)  # head contents not fetched, with the reason
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class PolicyTexts:
    """The org and repo policy files as found on the default/base branch (None: there is none)."""

    org_text: str | None
    org_source: str
    repo_text: str | None
    repo_source: str
    problems: tuple[str, ...] = ()  # a file that exists but could not be read, said plainly


@dataclass(frozen=True, slots=True)
class _BlobRequest:
    side: str  # "head" | "base"
    path: str  # the path on that side (a rename's base is its previous path)
    sha: str

    @property
    def expression(self) -> str:
        return f"{self.sha}:{self.path}"


@dataclass(slots=True)
class _Contents:
    data: dict[tuple[str, str], bytes | None] = field(default_factory=dict)
    binary: set[str] = field(default_factory=set)
    skipped: dict[str, SkippedFile] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def fetch_pull_request(
    client: GitHubClient,
    owner: str,
    repo: str,
    number: int,
    *,
    max_files: int = GITHUB_FILES_CAP,
    contents_for: Callable[[ChangedFile], bool] | None = None,
    max_file_bytes: int = MAX_FILE_BYTES,
    blobs_per_query: int = BLOBS_PER_QUERY,
) -> PullRequestSnapshot:
    """The PR, its commits, its files and their head/base contents.

    `contents_for` picks the files whose contents are fetched (default: all);
    the others keep head/base None and their patch.
    """
    where = {"owner": owner, "repo": repo, "number": int(number)}
    pull = client.get("/repos/{owner}/{repo}/pulls/{number}", url_vars=where)
    if not isinstance(pull, dict):
        raise GitHubError(
            "pull request answer is not a JSON object", route="/repos/{owner}/{repo}/pulls/{number}"
        )
    commits = list(
        client.paginate(
            "/repos/{owner}/{repo}/pulls/{number}/commits", url_vars=where, max_items=GITHUB_COMMITS_CAP
        )
    )
    limit = max(0, min(max_files, GITHUB_FILES_CAP))
    files_json = list(
        client.paginate("/repos/{owner}/{repo}/pulls/{number}/files", url_vars=where, max_items=limit)
    )
    head_sha = str(pull.get("head", {}).get("sha") or "")
    base_sha = str(pull.get("base", {}).get("sha") or "")
    changed_count = int(pull.get("changed_files") or len(files_json))

    listed = rest_shapes.changed_files(files_json)  # contents not yet known: pick which to fetch
    wanted = [f for f in listed if contents_for is None or contents_for(f)]
    contents = _fetch_contents(
        client, owner, repo, wanted, head_sha, base_sha, max_file_bytes, blobs_per_query
    )
    head = {path: data for (side, path), data in contents.data.items() if side == "head"}
    base = {path: data for (side, path), data in contents.data.items() if side == "base"}
    files = rest_shapes.changed_files(files_json, head, base)

    truncated = changed_count > len(files_json)
    notes = list(contents.notes)
    if truncated:
        notes.append(
            f"GitHub listed {len(files_json)} of {changed_count} changed files; the rest were not reviewed"
        )
    return PullRequestSnapshot(
        owner=owner,
        repo=repo,
        number=int(number),
        head_sha=head_sha,
        base_sha=base_sha,
        base_ref=str(pull.get("base", {}).get("ref") or ""),
        head_ref=str(pull.get("head", {}).get("ref") or ""),
        draft=bool(pull.get("draft")),
        state=str(pull.get("state") or ""),
        raw=pull,
        info=rest_shapes.pull_request_info(pull, commits),
        files=files,
        truncated=truncated,
        changed_files=changed_count,
        binary=frozenset(contents.binary),
        skipped=list(contents.skipped.values()),
        notes=notes,
    )


def _blob_requests(files: Sequence[ChangedFile], head_sha: str, base_sha: str) -> list[_BlobRequest]:
    wanted: list[_BlobRequest] = []
    for changed in files:
        if changed.status != "removed" and head_sha:
            wanted.append(_BlobRequest("head", changed.path, head_sha))
        if changed.status != "added" and base_sha:
            wanted.append(_BlobRequest("base", changed.previous_path or changed.path, base_sha))
    return wanted


def _fetch_contents(
    client: GitHubClient,
    owner: str,
    repo: str,
    files: Sequence[ChangedFile],
    head_sha: str,
    base_sha: str,
    max_file_bytes: int,
    blobs_per_query: int,
) -> _Contents:
    out = _Contents()
    requests_ = _blob_requests(files, head_sha, base_sha)
    size = max(1, blobs_per_query)
    for start in range(0, len(requests_), size):
        batch = requests_[start : start + size]
        for request, blob in zip(batch, _query_blobs(client, owner, repo, batch), strict=True):
            out.data[(request.side, request.path)] = _blob_bytes(
                client, owner, repo, request, blob, max_file_bytes, out
            )
    return out


def _query_blobs(
    client: GitHubClient, owner: str, repo: str, batch: Sequence[_BlobRequest]
) -> list[dict[str, Any] | None]:
    """One GraphQL query for a batch of `SHA:path` blobs; expressions travel as variables, never spliced."""
    declarations = ", ".join(f"$e{i}: String!" for i in range(len(batch)))
    fields = "\n".join(f"    b{i}: object(expression: $e{i}) {{ {_BLOB_FIELDS} }}" for i in range(len(batch)))
    query = (
        f"query($owner: String!, $name: String!, {declarations}) {{\n"
        f"  repository(owner: $owner, name: $name) {{\n{fields}\n  }}\n}}"
    )
    variables: dict[str, Any] = {"owner": owner, "name": repo}
    variables.update({f"e{i}": request.expression for i, request in enumerate(batch)})
    data = client.graphql(query, variables)
    repository = data.get("repository")
    if not isinstance(repository, dict):
        raise NotFound(f"repository {owner}/{repo} is not visible to this installation", route="/graphql")
    return [repository.get(f"b{i}") for i in range(len(batch))]


def _blob_bytes(
    client: GitHubClient,
    owner: str,
    repo: str,
    request: _BlobRequest,
    blob: dict[str, Any] | None,
    max_file_bytes: int,
    out: _Contents,
) -> bytes | None:
    """Bytes of one side of one file, or None with the reason recorded."""

    def skip(reason: str, detail: str) -> None:
        if request.side == "head":
            out.skipped[request.path] = SkippedFile(request.path, reason, detail)
        else:
            out.notes.append(f"base of {request.path} not read: {detail}")

    if blob is not None and not blob:
        skip("not-a-file", "a submodule or other non-blob object")
        return None
    if blob is not None:
        if blob.get("isBinary"):
            out.binary.add(request.path)
            skip("binary", f"binary file ({blob.get('byteSize', '?')} bytes)")
            return None
        byte_size = int(blob.get("byteSize") or 0)
        if byte_size > max_file_bytes:
            skip("too-large", f"{byte_size} bytes is over the {max_file_bytes}-byte cap")
            return None
        text = blob.get("text")
        if isinstance(text, str) and not blob.get("isTruncated"):
            return text.encode("utf-8", "surrogatepass")
    # GraphQL could not give the text (cut at 512,000 bytes, or no object): REST, raw bytes.
    try:
        if blob is not None and blob.get("oid"):
            data = client.get(
                "/repos/{owner}/{repo}/git/blobs/{sha}",
                url_vars={"owner": owner, "repo": repo, "sha": blob["oid"]},
                accept=RAW_ACCEPT,
                raw=True,
            )
        else:
            data = client.get(
                "/repos/{owner}/{repo}/contents/{+path}",
                url_vars={"owner": owner, "repo": repo, "path": request.path},
                params={"ref": request.sha},
                accept=RAW_ACCEPT,
                raw=True,
            )
    except NotFound:
        skip("unavailable", f"no file at {request.sha[:12]}")
        return None
    if not isinstance(data, bytes):
        data = str(data).encode("utf-8")
    if len(data) > max_file_bytes:
        skip("too-large", f"{len(data)} bytes is over the {max_file_bytes}-byte cap")
        return None
    if b"\x00" in data[:8000]:
        out.binary.add(request.path)
        skip("binary", f"binary file ({len(data)} bytes)")
        return None
    return data


def fetch_policy_texts(client: GitHubClient, owner: str, repo: str, base_ref: str) -> PolicyTexts:
    """The org policy (`<owner>/.github`, default branch) and the repo policy at the base ref."""
    problems: list[str] = []
    org_source = f"{owner}/{ORG_POLICY_REPO}/{ORG_POLICY_PATH}"
    repo_source = REPO_POLICY_PATH
    org_text = _read_text_file(client, owner, ORG_POLICY_REPO, ORG_POLICY_PATH, None, org_source, problems)
    repo_text = _read_text_file(
        client, owner, repo, REPO_POLICY_PATH, base_ref or None, repo_source, problems
    )
    return PolicyTexts(org_text, org_source, repo_text, repo_source, tuple(problems))


def _read_text_file(
    client: GitHubClient, owner: str, repo: str, path: str, ref: str | None, source: str, problems: list[str]
) -> str | None:
    try:
        answer = client.get(
            "/repos/{owner}/{repo}/contents/{+path}",
            url_vars={"owner": owner, "repo": repo, "path": path},
            params={"ref": ref} if ref else None,
        )
    except NotFound:
        return None
    except GitHubError as exc:
        if exc.status == 403:  # the installation cannot see that repo: as good as absent, but say so
            problems.append(f"{source}: not readable by this installation ({exc.message})")
            return None
        raise
    if not isinstance(answer, dict) or answer.get("type") != "file":
        problems.append(f"{source}: is not a file")
        return None
    size = int(answer.get("size") or 0)
    if size > MAX_POLICY_BYTES:
        problems.append(f"{source}: {size} bytes is over the {MAX_POLICY_BYTES}-byte cap for a policy file")
        return None
    try:
        raw = base64.b64decode(answer.get("content") or "", validate=False)
        return raw.decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        problems.append(f"{source}: is not UTF-8 text")
        return None
