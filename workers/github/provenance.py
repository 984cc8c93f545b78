"""Line-level AI provenance through GitHub's REST API (the App's side of prguard.cli.provenance_git).

Notes are not in webhook payloads: the notes ref is read like any ref. `GET git/ref/notes/ai`
(404: the repository has none, one call), its commit, that commit's tree (entries are named by
the annotated commit's SHA, possibly fanned out as `ab/cdef…`), and one blob per commit of the
pull request that carries a note. Agent Trace records come from `.agent-trace/*.json[l]` files the
pull request changes and from `refs/notes/agent-trace`. Commit-derived lines read each AI
commit's patch (`GET commits/{sha}`). File texts at a commit come from aliased GraphQL blob queries. Every
read is capped; a failure becomes a note, never a failed review.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from typing import Any

from prguard.engine.model import ChangedFile
from prguard.engine.provenance_records import (
    AGENT_TRACE_DIR,
    ClaimSet,
    LineClaim,
    ProvenanceError,
    add_agent_trace,
    added_line_numbers,
    commit_agent,
    parse_git_ai_note,
)
from prguard.github.errors import GitHubError, NotFound
from prguard.github.pulls import BLOBS_PER_QUERY, _BlobRequest, _query_blobs

NOTES_REFS = {"git-ai": "notes/ai", "agent-trace": "notes/agent-trace"}
MAX_NOTES = 100
MAX_AI_COMMITS = 20
MAX_FILES_PER_COMMIT = 50
MAX_TEXT_BYTES = 1_000_000
MAX_TEXTS = 300  # file versions read for claims (3 GraphQL queries at most)


class GitHubProvenance:
    """A `ProvenanceSource` for one pull request, read through a GitHubClient."""

    def __init__(
        self,
        client: Any,
        owner: str,
        repo: str,
        commits: Sequence[str],
        head_sha: str,
        files: Sequence[ChangedFile] = (),
    ) -> None:
        self.client = client
        self.where = {"owner": owner, "repo": repo}
        self.commits = list(commits)
        self.head_sha = head_sha
        self.files = list(files)

    # -- notes ------------------------------------------------------------------------------------

    def notes(self, ref: str) -> dict[str, str]:
        """commit → note text under refs/`ref`, for this pull request's commits."""
        try:
            answer = self.client.get(
                "/repos/{owner}/{repo}/git/ref/{+ref}", url_vars={**self.where, "ref": ref}
            )
        except NotFound:
            return {}
        notes_commit = ((answer or {}).get("object") or {}).get("sha")
        if not notes_commit:
            return {}
        commit = self.client.get(
            "/repos/{owner}/{repo}/git/commits/{sha}", url_vars={**self.where, "sha": notes_commit}
        )
        tree_sha = ((commit or {}).get("tree") or {}).get("sha")
        tree = self.client.get(
            "/repos/{owner}/{repo}/git/trees/{sha}",
            url_vars={**self.where, "sha": tree_sha},
            params={"recursive": "1"},
        )
        wanted = set(self.commits)
        blobs = {}
        for entry in (tree or {}).get("tree") or ():
            name = str(entry.get("path") or "").replace("/", "")
            if entry.get("type") == "blob" and name in wanted:
                blobs[name] = entry.get("sha")
        texts = {}
        for annotated, blob_sha in list(blobs.items())[:MAX_NOTES]:
            blob = self.client.get(
                "/repos/{owner}/{repo}/git/blobs/{sha}", url_vars={**self.where, "sha": blob_sha}
            )
            data = _decode(blob)
            if data is not None:
                texts[annotated] = data
        return texts

    # -- the source -------------------------------------------------------------------------------

    def claims(self, ai_commits: Mapping[str, Sequence[str]]) -> ClaimSet:
        out = ClaimSet(order=list(self.commits))
        recorded: set[str] = set()
        try:
            for commit, text in self.notes(NOTES_REFS["git-ai"]).items():
                try:
                    out.claims.extend(parse_git_ai_note(text, commit))
                    recorded.add(commit)
                except ProvenanceError as error:
                    out.notes.append(f"git-ai note on {commit[:7]} not read: {error}")
            for commit, text in self.notes(NOTES_REFS["agent-trace"]).items():
                add_agent_trace(
                    out, recorded, text, commit, f"Agent Trace note on {commit[:7]}", self.commits
                )
        except GitHubError as error:
            out.notes.append(f"AI provenance notes not read: {error.message}")
        for changed in self.files:
            if (
                changed.path.startswith(AGENT_TRACE_DIR)
                and changed.head
                and changed.path.endswith((".json", ".jsonl"))
            ):
                add_agent_trace(
                    out, recorded, changed.head.decode("utf-8", "replace"), None, changed.path, self.commits
                )
        pending = [c for c in self.commits if c in ai_commits and c not in recorded][:MAX_AI_COMMITS]
        for commit in pending:
            try:
                out.claims.extend(self._commit_claims(commit, ai_commits[commit]))
            except GitHubError as error:
                out.notes.append(f"lines of AI commit {commit[:7]} not read: {error.message}")
        self._read_texts(out)
        return out

    def _commit_claims(self, commit: str, agents: Sequence[str]) -> list[LineClaim]:
        agent = commit_agent(agents)
        answer = self.client.get(
            "/repos/{owner}/{repo}/commits/{ref}", url_vars={**self.where, "ref": commit}
        )
        claims = []
        for entry in ((answer or {}).get("files") or ())[:MAX_FILES_PER_COMMIT]:
            lines = added_line_numbers(entry.get("patch"))
            if lines and entry.get("filename"):
                claims.append(LineClaim(commit, entry["filename"], frozenset(lines), agent))
        return claims

    def _read_texts(self, out: ClaimSet) -> None:
        """Each claimed file's text at its commit: aliased GraphQL blob queries (100 a query, as for
        the pull request's own files). A claim whose text cannot be read is dropped, not guessed."""
        heads = {c.path: c.head for c in self.files if c.head is not None}
        wanted: list[tuple[str, str]] = []
        for claim in out.claims:
            key = (claim.commit, claim.path)
            if key in out.texts or key in wanted:
                continue
            if claim.commit == self.head_sha and claim.path in heads:
                out.texts[key] = heads[claim.path].decode("utf-8", "replace")
            else:
                wanted.append(key)
        for start in range(0, min(len(wanted), MAX_TEXTS), BLOBS_PER_QUERY):
            batch = [
                _BlobRequest("head", path, commit) for commit, path in wanted[start : start + BLOBS_PER_QUERY]
            ]
            try:
                blobs = _query_blobs(self.client, self.where["owner"], self.where["repo"], batch)
            except GitHubError as error:
                out.notes.append(f"AI provenance: file versions not read ({error.message})")
                break
            for request, blob in zip(batch, blobs, strict=True):
                if isinstance(blob, dict) and not blob.get("isBinary") and not blob.get("isTruncated"):
                    text = blob.get("text")
                    if isinstance(text, str):
                        out.texts[(request.sha, request.path)] = text
        kept = [c for c in out.claims if (c.commit, c.path) in out.texts]
        if len(kept) < len(out.claims):
            missing = len(out.claims) - len(kept)
            out.notes.append(
                f"AI provenance: {missing} claim(s) left out (file version at the commit not read)"
            )
        out.claims[:] = kept


def _decode(answer: Any) -> str | None:
    if not isinstance(answer, dict) or answer.get("encoding") != "base64":
        return None
    if int(answer.get("size") or 0) > MAX_TEXT_BYTES:
        return None
    try:
        return base64.b64decode(answer.get("content") or "").decode("utf-8", "replace")
    except ValueError:
        return None
