"""Read a change out of a local git repository: the same inputs GitHub gives the App.

Contents come from one `git cat-file --batch` process (not one process per file),
diffs from one `git diff` run split per file, so a large change costs a handful
of git processes whatever its size. Nothing here executes repository code: git
runs with external diff drivers and textconv disabled.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
import subprocess
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from prguard.engine.model import ChangedFile, CommitInfo, Person, PullRequestInfo

INDEX = ":index"  # as a head: the staged change (the index), not a commit
EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"  # git's empty tree: the base before a first commit
_STATUS = {"A": "added", "M": "modified", "D": "removed", "R": "renamed", "C": "copied", "T": "changed"}
_FIELD = "\x1f"
_FULL_SHA = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")
#: the largest work tree file `work_tree_blob` reads (beyond it git reads the blob)
_WORK_TREE_MAX_BYTES = 4_000_000
# Options that keep a repository's own configuration from running programs or changing the output.
_SAFE_DIFF = ("--no-ext-diff", "--no-textconv", "--no-color", "--src-prefix=a/", "--dst-prefix=b/")


class GitError(Exception):
    """A git command failed; the message is git's own explanation."""


@dataclass(frozen=True, slots=True)
class FileChange:
    path: str
    status: str
    previous_path: str | None = None


class GitRepo:
    """A local repository, addressed by any path inside its work tree."""

    def __init__(self, path: str | Path = ".") -> None:
        self.path = Path(path)
        if not self.path.is_dir():
            raise GitError(f"{self.path}: no such directory")
        self.root = Path(self.git("rev-parse", "--show-toplevel").strip())
        self._commits: dict[str, str] = {}  # commit SHA -> itself, once verified (never changes)
        self._trees: dict[str, list[tuple[str, str, str, str]]] = {}  # commit -> `ls-tree -r` entries

    def git(self, *args: str, input: bytes | None = None, check: bool = True) -> str:
        return self.git_bytes(*args, input=input, check=check).decode("utf-8", "surrogateescape")

    def git_bytes(self, *args: str, input: bytes | None = None, check: bool = True) -> bytes:
        cmd = ["git", "-c", "core.quotepath=off", "-C", str(self.path), *args]
        try:
            proc = subprocess.run(cmd, input=input, capture_output=True, check=False, timeout=300)
        except FileNotFoundError:
            raise GitError("git is not installed") from None
        except subprocess.TimeoutExpired:
            raise GitError(f"git {args[0]} took longer than 300 s") from None
        if check and proc.returncode != 0:
            message = proc.stderr.decode("utf-8", "replace").strip() or f"exit status {proc.returncode}"
            raise GitError(f"git {' '.join(args[:3])}: {message}")
        return proc.stdout

    # --- refs --------------------------------------------------------------------------------

    def resolve(self, ref: str) -> str:
        """The commit SHA a ref names; GitError when it names none."""
        if ref.startswith("-"):
            raise GitError(f"{ref!r} is not a git ref")
        if ref in self._commits:
            return ref
        out = self.git(
            "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}", check=False
        )
        sha = out.strip()
        if not sha:
            raise GitError(f"{ref!r} does not name a commit in {self.root}")
        self._commits[sha] = sha
        return sha

    def resolve_all(self, refs: Sequence[str]) -> list[str]:
        """`resolve` of each ref, from one `git rev-parse` when all name commits (else ref by ref,
        so the error names the ref that does not)."""
        if len(refs) < 2 or any(ref.startswith("-") or "\n" in ref for ref in refs):
            return [self.resolve(ref) for ref in refs]
        out = self.git("rev-parse", "--end-of-options", *(f"{ref}^{{commit}}" for ref in refs), check=False)
        shas = out.split()
        if shas[:1] == ["--end-of-options"]:  # git before 2.43 echoes it outside --verify
            shas = shas[1:]
        # one full SHA per ref, or something else (a range, a path, an unknown ref): ask one by one
        if len(shas) != len(refs) or not all(_FULL_SHA.fullmatch(sha) for sha in shas):
            return [self.resolve(ref) for ref in refs]
        self._commits.update((sha, sha) for sha in shas)
        return shas

    def has_ref(self, ref: str) -> bool:
        return bool(self.git("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", check=False).strip())

    def refs(self, prefix: str) -> frozenset[str]:
        """The full names of the refs under `prefix` (`refs/notes/`), from one `git for-each-ref`."""
        out = self.git("for-each-ref", "--format=%(refname)", "--end-of-options", prefix, check=False)
        return frozenset(out.split("\n")) - {""}

    def default_branch(self) -> str:
        """origin/HEAD's target, else main, else master (local or on origin)."""
        out = self.git("symbolic-ref", "--quiet", "refs/remotes/origin/HEAD", check=False).strip()
        if out and self.has_ref(out):
            return out.removeprefix("refs/remotes/")
        for name in ("main", "master", "origin/main", "origin/master"):
            if self.has_ref(name):
                return name
        raise GitError("cannot find the default branch (no origin/HEAD, main or master); pass --base")

    def merge_base(self, a: str, b: str) -> str:
        out = self.git("merge-base", a, b, check=False).strip()
        if not out:
            raise GitError(f"{a} and {b} have no common ancestor; pass --base")
        return out

    def current_branch(self) -> str:
        return self.git("symbolic-ref", "--quiet", "--short", "HEAD", check=False).strip()

    # --- the change ----------------------------------------------------------------------------

    def head_or_empty_tree(self) -> str:
        """HEAD's commit, or the empty tree in a repository without commits (what a first commit adds to)."""
        return (
            self.git("rev-parse", "--verify", "--quiet", "HEAD^{commit}", check=False).strip() or EMPTY_TREE
        )

    def changes(self, base: str, head: str) -> list[FileChange]:
        """Changed files with rename detection, in git's order (head INDEX: the staged change)."""
        out = self.git("diff", "--name-status", "-z", "-M", *_SAFE_DIFF, *_sides(base, head), "--")
        return _parse_changes(out.split("\0"), 0)[0]

    def changes_and_patches(self, base: str, head: str) -> tuple[list[FileChange], list[str | None]]:
        """`changes` and `patches` from one `git diff` (`--raw -z` records, then the patches)."""
        out = self.git("diff", "--raw", "-z", "-p", "-M", "-U3", *_SAFE_DIFF, *_sides(base, head), "--")
        parts = out.split("\0")
        changes, end = _parse_changes(parts, 0, raw=True)
        chunks = _split_diff("\0".join(parts[end + 1 :])) if changes else []
        if len(chunks) != len(changes):  # should not happen; fall back to one diff per file
            chunks = [self._one_patch(base, head, change) for change in changes]
        return changes, [_hunks_only(chunk) for chunk in chunks]

    def patches(self, base: str, head: str, changes: Sequence[FileChange]) -> list[str | None]:
        """The unified diff (3 lines of context, hunks only) of each change, in the same order."""
        out = self.git("diff", "-M", "-U3", *_SAFE_DIFF, *_sides(base, head), "--")
        chunks = _split_diff(out)
        if len(chunks) != len(changes):  # should not happen; fall back to one diff per file
            chunks = [self._one_patch(base, head, change) for change in changes]
        return [_hunks_only(chunk) for chunk in chunks]

    def _one_patch(self, base: str, head: str, change: FileChange) -> str:
        paths = [change.path] + ([change.previous_path] if change.previous_path else [])
        return self.git("diff", "-M", "-U3", *_SAFE_DIFF, *_sides(base, head), "--", *paths)

    def work_tree_blob(self, path: str, object_id: str) -> bytes | None:
        """The work tree's `path` when its bytes are the blob `object_id` (hashed as git hashes a
        blob), else None: a file of the checked-out tree read without starting git (the review
        asks for the repository's files one at a time). Only a regular file is read."""
        hasher = {40: hashlib.sha1, 64: hashlib.sha256}.get(len(object_id))
        if hasher is None:
            return None
        try:
            handle = os.open(self.root / path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        except (OSError, ValueError):
            return None
        try:
            info = os.fstat(handle)
            if not stat.S_ISREG(info.st_mode) or info.st_size > _WORK_TREE_MAX_BYTES:
                return None
            with os.fdopen(handle, "rb", closefd=False) as file:
                content = file.read(_WORK_TREE_MAX_BYTES + 1)
        except OSError:
            return None
        finally:
            os.close(handle)
        digest = hasher(b"blob %d\0" % len(content), usedforsecurity=False)
        digest.update(content)
        return content if digest.hexdigest() == object_id else None

    def read_blobs(self, specs: Iterable[str]) -> dict[str, bytes | None]:
        """Contents of `<rev>:<path>` specs through one `git cat-file --batch`; None when missing."""
        wanted = list(dict.fromkeys(specs))
        result: dict[str, bytes | None] = {}
        batchable = [s for s in wanted if "\n" not in s]
        for spec in wanted:
            if "\n" in spec:  # cat-file --batch is line-based; such paths are read one by one
                rev, _, path = spec.partition(":")
                result[spec] = self.git_bytes("show", f"{rev}:{path}", check=False) or None
        if not batchable:
            return result
        out = self.git_bytes("cat-file", "--batch", input=("\n".join(batchable) + "\n").encode())
        pos = 0
        for spec in batchable:
            end = out.index(b"\n", pos)
            header = out[pos:end].decode("utf-8", "surrogateescape").split()
            pos = end + 1
            if len(header) == 3 and header[1] == "blob":
                size = int(header[2])
                result[spec] = out[pos : pos + size]
                pos += size + 1
            elif len(header) == 3:  # a tree or submodule commit: skip its body, not a file
                pos += int(header[2]) + 1
                result[spec] = None
            else:  # "<spec> missing" / "ambiguous"
                result[spec] = None
        return result

    def changed_files(self, base: str, head: str) -> list[ChangedFile]:
        changes, patches = self.changes_and_patches(base, head)
        head_rev = "" if head == INDEX else head  # ":path" is the path's staged blob
        specs: list[str] = []
        for change in changes:
            if change.status != "removed":
                specs.append(f"{head_rev}:{change.path}")
            if change.status != "added":
                specs.append(f"{base}:{change.previous_path or change.path}")
        blobs = self.read_blobs(specs)
        return [
            ChangedFile(
                path=change.path,
                status=change.status,
                head=None if change.status == "removed" else blobs.get(f"{head_rev}:{change.path}"),
                base=None
                if change.status == "added"
                else blobs.get(f"{base}:{change.previous_path or change.path}"),
                patch=patch,
                previous_path=change.previous_path,
            )
            for change, patch in zip(changes, patches, strict=True)
        ]

    def python_blobs(self, rev: str) -> dict[str, str]:
        """Every Python file of a commit (or of the index, for INDEX) → its blob id, from one
        `git ls-tree` (`git ls-files`): the repository index reads only the blobs it has not
        seen. Symlinks and submodules are left out."""
        if rev == INDEX:
            out = self.git("ls-files", "-s", "-z")
            rows = (line.split("\t", 1) for line in out.split("\0") if "\t" in line)
            entries = [(meta.split()[0], meta.split()[1], path) for meta, path in rows]
        else:
            entries = [(mode, sha, path) for mode, _kind, sha, path in self.tree(rev)]
        return {path: sha for mode, sha, path in entries if mode.startswith("100") and path.endswith(".py")}

    def tree(self, commit: str) -> list[tuple[str, str, str, str]]:
        """(mode, type, object id, path from the top) of every file of a commit, from one
        `git ls-tree -r` per commit and repository object (the index and provenance both read it)."""
        if commit not in self._trees:
            out = self.git("ls-tree", "-r", "-z", "--full-tree", "--end-of-options", commit)
            rows = (line.split("\t", 1) for line in out.split("\0") if "\t" in line)
            self._trees[commit] = [(*meta.split(), path) for meta, path in rows]  # type: ignore[misc]
        return self._trees[commit]

    def commits(self, base: str, head: str) -> list[CommitInfo]:
        """Commits in base..head, oldest first, with author, committer and full message."""
        fmt = _FIELD.join(("%H", "%an", "%ae", "%cn", "%ce", "%B"))
        out = self.git("log", "-z", "--reverse", "--no-color", f"--format={fmt}", f"{base}..{head}", "--")
        commits = []
        for record in out.split("\0"):
            if not record.strip():
                continue
            sha, author_name, author_email, committer_name, committer_email, message = record.split(_FIELD, 5)
            commits.append(
                CommitInfo(
                    sha=sha.strip(),
                    message=message.rstrip("\n"),
                    author=Person(author_name, author_email),
                    committer=Person(committer_name, committer_email),
                )
            )
        return commits

    def pull_request_info(self, base: str, head: str, *, base_ref: str, head_ref: str) -> PullRequestInfo:
        """What a pull request from head_ref into base_ref would tell (no PR number, title or body)."""
        return PullRequestInfo(head_ref=head_ref, base_ref=base_ref, commits=tuple(self.commits(base, head)))


def _parse_changes(parts: list[str], start: int, *, raw: bool = False) -> tuple[list[FileChange], int]:
    """FileChanges from `git diff --name-status -z` (or `--raw -z`) fields from `start`; and the
    index of the empty field that ends them."""
    changes: list[FileChange] = []
    i = start
    while i < len(parts) and parts[i]:
        code = parts[i].rsplit(" ", 1)[-1][0] if raw else parts[i][0]
        if code in "RC":
            changes.append(FileChange(parts[i + 2], _STATUS[code], previous_path=parts[i + 1]))
            i += 3
        else:
            changes.append(FileChange(parts[i + 1], _STATUS.get(code, "changed")))
            i += 2
    return changes, i


def _sides(base: str, head: str) -> tuple[str, ...]:
    """`git diff` arguments comparing base with a commit, or with the index when head is INDEX."""
    return ("--cached", base) if head == INDEX else (base, head)


def _split_diff(out: str) -> list[str]:
    chunks: list[str] = []
    current: list[str] = []
    for line in out.splitlines(keepends=True):
        if line.startswith("diff --git ") and current:
            chunks.append("".join(current))
            current = []
        current.append(line)
    if current:
        chunks.append("".join(current))
    return chunks


def _hunks_only(chunk: str) -> str | None:
    """Drop the file headers, as GitHub's `patch` does; None when there is no hunk (binary, mode-only)."""
    start = chunk.find("\n@@ ")
    if chunk.startswith("@@ "):
        return chunk
    return chunk[start + 1 :] if start >= 0 else None
