"""Line-level AI provenance from a local repository: git-ai notes, Agent Trace records, commits.

* git-ai authorship logs: the note `refs/notes/ai` attaches to each commit of the change;
* Agent Trace records: notes under `refs/notes/agent-trace`, and `.agent-trace/*.json[l]` files
  at the head (records name their revision; only the change's commits count);
* commits: the lines an AI-authored or AI-co-authored commit added (`git diff-tree` against its
  first parent), for commits without a record.

The texts of each file at each such commit are read in one `git cat-file --batch`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cached_property

from prguard.cli.gitrepo import GitError, GitRepo
from prguard.engine.provenance_records import (
    AGENT_TRACE_DIR,
    GIT_AI_NOTES_REF,
    ClaimSet,
    LineClaim,
    ProvenanceError,
    add_agent_trace,
    added_line_numbers,
    commit_agent,
    parse_git_ai_note,
)

AGENT_TRACE_NOTES_REF = "refs/notes/agent-trace"
MAX_COMMITS = 250


class GitProvenance:
    """A `ProvenanceSource` over a local repository for the commits of one change (oldest first)."""

    def __init__(self, repo: GitRepo, commits: Sequence[str], head: str) -> None:
        self.repo = repo
        self.commits = list(commits)[-MAX_COMMITS:]
        self.head = head

    def notes(self, ref: str) -> dict[str, str]:
        """commit → note text under `ref` for this change's commits (empty when the ref is absent)."""
        if ref not in self._notes_refs or not self.repo.has_ref(ref):
            return {}
        listing = self.repo.git("notes", "--ref", ref, "list", check=False)
        blobs: dict[str, str] = {}
        wanted = set(self.commits)
        for line in listing.splitlines():
            parts = line.split()
            if len(parts) == 2 and parts[1] in wanted:
                blobs[parts[1]] = parts[0]
        if not blobs:
            return {}
        texts = self.repo.read_blobs(blobs.values())
        return {
            commit: (texts.get(blob) or b"").decode("utf-8", "replace")
            for commit, blob in blobs.items()
            if texts.get(blob)
        }

    def claims(self, ai_commits: Mapping[str, Sequence[str]]) -> ClaimSet:
        out = ClaimSet(order=list(self.commits))
        recorded: set[str] = set()
        for commit, text in self.notes(GIT_AI_NOTES_REF).items():
            try:
                out.claims.extend(parse_git_ai_note(text, commit))
                recorded.add(commit)
            except ProvenanceError as error:
                out.notes.append(f"git-ai note on {commit[:7]} not read: {error}")
        for commit, text in self.notes(AGENT_TRACE_NOTES_REF).items():
            add_agent_trace(out, recorded, text, commit, f"Agent Trace note on {commit[:7]}", self.commits)
        for path in self._trace_files():
            blob = self.repo.read_blobs([f"{self.head}:{path}"]).get(f"{self.head}:{path}")
            if blob:
                add_agent_trace(out, recorded, blob.decode("utf-8", "replace"), None, path, self.commits)
        for commit in self.commits:
            if commit in ai_commits and commit not in recorded:
                out.claims.extend(self._commit_claims(commit, ai_commits[commit]))
        self._read_texts(out)
        return out

    @cached_property
    def _notes_refs(self) -> frozenset[str]:
        """The notes refs there are, listed once: most repositories have none, and then neither
        notes ref is looked up."""
        return self.repo.refs("refs/notes/")

    def _trace_files(self) -> list[str]:
        """The head's `.agent-trace/` records, from the head's file list (which the repository index
        of the same review has usually read already)."""
        try:
            listing = [
                entry[3] for entry in self.repo.tree(self.head) if entry[3].startswith(AGENT_TRACE_DIR)
            ]
        except GitError:
            return []
        return [p for p in listing if p.endswith((".json", ".jsonl"))][:50]

    def _commit_claims(self, commit: str, agents: Sequence[str]) -> list[LineClaim]:
        agent = commit_agent(agents)
        out = self.repo.git(
            "diff-tree", "-p", "-U0", "--no-color", "--no-ext-diff", "--root", "-r", "--no-commit-id", commit
        )
        claims = []
        for path, patch in _per_file(out):
            lines = added_line_numbers(patch)
            if lines:
                claims.append(LineClaim(commit, path, frozenset(lines), agent))
        return claims

    def _read_texts(self, out: ClaimSet) -> None:
        specs = {(c.commit, c.path): f"{c.commit}:{c.path}" for c in out.claims}
        blobs = self.repo.read_blobs(specs.values())
        for key, spec in specs.items():
            blob = blobs.get(spec)
            if blob is not None:
                out.texts[key] = blob.decode("utf-8", "replace")


def _per_file(diff: str) -> list[tuple[str, str]]:
    """(new path, hunks) of each file in a `git diff-tree -p` output."""
    files: list[tuple[str, str]] = []
    path: str | None = None
    hunks: list[str] = []
    for line in diff.splitlines():
        if line.startswith("diff --git "):
            if path is not None:
                files.append((path, "\n".join(hunks)))
            path, hunks = None, []
        elif line.startswith("+++ "):
            target = line[4:]
            path = target[2:] if target.startswith("b/") else None
        elif line.startswith(("@@", "+", "-", " ", "\\")) and not line.startswith(("--- ", "+++ ")):
            hunks.append(line)
    if path is not None:
        files.append((path, "\n".join(hunks)))
    return files
