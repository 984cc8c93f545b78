"""The git side of the fake GitHub: blobs, commits, trees, and diffs computed like GitHub shows them."""

from __future__ import annotations

import difflib
import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


def blob_sha(data: bytes) -> str:
    """The git object id of a blob, as git computes it."""
    return hashlib.sha1(b"blob %d\x00" % len(data) + data, usedforsecurity=False).hexdigest()


def looks_binary(data: bytes) -> bool:
    return b"\x00" in data[:8000]


def to_bytes(content: str | bytes) -> bytes:
    return content.encode("utf-8") if isinstance(content, str) else content


@dataclass(slots=True)
class Commit:
    sha: str
    tree: dict[str, str]  # path -> blob sha
    parents: list[str]
    message: str
    author: dict[str, Any]  # {"name", "email", "date"}
    committer: dict[str, Any]
    author_login: str | None = None
    committer_login: str | None = None


@dataclass(frozen=True, slots=True)
class DiffHunk:
    old_start: int
    old_count: int
    new_start: int
    new_count: int

    def has_new(self, line: int) -> bool:
        return self.new_count > 0 and self.new_start <= line < self.new_start + self.new_count

    def has_old(self, line: int) -> bool:
        return self.old_count > 0 and self.old_start <= line < self.old_start + self.old_count


def hunks_of(patch: str | None) -> list[DiffHunk]:
    out = []
    for line in (patch or "").splitlines():
        match = _HUNK.match(line)
        if match:
            old_start, old_count, new_start, new_count = match.groups()
            out.append(
                DiffHunk(
                    int(old_start),
                    int(old_count) if old_count is not None else 1,
                    int(new_start),
                    int(new_count) if new_count is not None else 1,
                )
            )
    return out


def unified_patch(base: bytes | None, head: bytes | None) -> str | None:
    """GitHub's `patch` for one file: hunks without file headers; None for binary files."""
    if (base and looks_binary(base)) or (head and looks_binary(head)):
        return None
    old = (base or b"").decode("utf-8", "replace").splitlines()
    new = (head or b"").decode("utf-8", "replace").splitlines()
    lines = list(difflib.unified_diff(old, new, n=3, lineterm=""))
    return "\n".join(lines[2:]) if lines else ""


@dataclass(slots=True)
class FileChange:
    filename: str
    status: str
    base: bytes | None
    head: bytes | None
    patch: str | None
    previous_filename: str | None = None

    @property
    def additions(self) -> int:
        return sum(1 for line in (self.patch or "").splitlines() if line.startswith("+"))

    @property
    def deletions(self) -> int:
        return sum(1 for line in (self.patch or "").splitlines() if line.startswith("-"))


@dataclass(slots=True)
class GitStore:
    blobs: dict[str, bytes] = field(default_factory=dict)
    commits: dict[str, Commit] = field(default_factory=dict)
    counter: int = 0

    def put_blob(self, data: bytes) -> str:
        sha = blob_sha(data)
        self.blobs[sha] = data
        return sha

    def file(self, commit_sha: str, path: str) -> bytes | None:
        commit = self.commits.get(commit_sha)
        if commit is None or path not in commit.tree:
            return None
        return self.blobs[commit.tree[path]]

    def diff(self, base_sha: str, head_sha: str, renames: dict[str, str]) -> list[FileChange]:
        """Files that differ between two commits, in path order (renames given as new -> old)."""
        base_tree = self.commits[base_sha].tree
        head_tree = self.commits[head_sha].tree
        renamed_from = set(renames.values())
        changes = []
        for path in sorted(set(base_tree) | set(head_tree)):
            if path in renamed_from and path not in head_tree:
                continue
            old_path = renames.get(path) if path not in base_tree else None
            old_sha = base_tree.get(old_path or path)
            new_sha = head_tree.get(path)
            if old_sha == new_sha and not old_path:
                continue
            base = self.blobs[old_sha] if old_sha else None
            head = self.blobs[new_sha] if new_sha else None
            if old_path and old_sha:
                status = "renamed"
            elif base is None:
                status = "added"
            elif head is None:
                status = "removed"
            else:
                status = "modified"
            changes.append(FileChange(path, status, base, head, unified_patch(base, head), old_path))
        return changes
