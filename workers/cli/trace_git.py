"""`prguard trace` from local git history: a frame's function and the changes that touched it.

For each frame in the repository: the enclosing function at HEAD (qualified name and line span,
from the Python source), then `git log -L <span>:<path>` for the commits that changed those lines,
newest first. Each commit is tied to its pull request: a squash merge's subject ends `(#123)`; a
merge commit says `Merge pull request #123` (a commit merged that way is found through the first
merge on its ancestry path to HEAD). Authorship comes from the commits of that pull request
(trailers, PR-body footers GitHub keeps in squash messages) and git-ai notes / Agent Trace
records; `ai_line_share` is the share of the function's current lines the change's agents wrote.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import PurePosixPath
from typing import Any

from prguard.cli.gitrepo import GitError, GitRepo
from prguard.cli.provenance_git import GitProvenance
from prguard.engine.functions import enclosing_function
from prguard.engine.model import CommitInfo, Person, PullRequestInfo
from prguard.engine.provenance_records import lines_at_head
from prguard.ledger.frames import Frame

_SQUASH = re.compile(r"\(#(\d+)\)\s*$")
_MERGE = re.compile(r"^Merge pull request #(\d+)\b")
_FIELD = "\x1f"
_RECORD = "\x1e"


def repo_path(frame_path: str, tracked: Sequence[str]) -> str | None:
    """The tracked file a frame's (often absolute, deployed) path names: the longest common tail."""
    parts = PurePosixPath(frame_path.replace("\\", "/")).parts
    if "site-packages" in parts or "dist-packages" in parts:
        return None
    best: tuple[int, str] | None = None
    for path in tracked:
        tail = PurePosixPath(path).parts
        n = 0
        while n < min(len(tail), len(parts)) and tail[-1 - n] == parts[-1 - n]:
            n += 1
        if (n == len(tail) or n >= 2) and (best is None or n > best[0]):
            best = (n, path)
    return best[1] if best else None


class GitTrace:
    """Answers `prguard trace` from one local repository."""

    def __init__(self, repo: GitRepo, head: str = "HEAD", limit: int = 5) -> None:
        self.repo = repo
        self.head = repo.resolve(head)
        self.limit = limit
        self._tracked: list[str] | None = None
        self._pr_cache: dict[str, dict[str, Any]] = {}

    def tracked(self) -> list[str]:
        if self._tracked is None:
            self._tracked = [
                p for p in self.repo.git("ls-tree", "-r", "--name-only", self.head).splitlines() if p
            ]
        return self._tracked

    def frame(self, frame: Frame) -> dict[str, Any] | None:
        """The JSON of one frame (None when its file is not in the repository)."""
        path = repo_path(frame.path, self.tracked())
        if path is None:
            return None
        blob = self.repo.read_blobs([f"{self.head}:{path}"]).get(f"{self.head}:{path}")
        source = (blob or b"").decode("utf-8", "replace")
        span = enclosing_function(source, frame.line) if path.endswith(".py") else None
        start, end = (span.start, span.end) if span else (frame.line, frame.line)
        function = span.name if span else (frame.function or "<module>")
        changes = self.changes(path, start, end, source)
        return {"path": path, "line": frame.line, "function": function, "changes": changes}

    def changes(self, path: str, start: int, end: int, head_text: str) -> list[dict[str, Any]]:
        fmt = _RECORD + _FIELD.join(("%H", "%aI", "%P", "%s"))
        try:
            out = self.repo.git(
                "log",
                f"-L{start},{end}:{path}",
                f"--format={fmt}",
                "--no-color",
                "-n",
                str(self.limit),
                self.head,
            )
        except GitError:
            return []
        seen: set[str] = set()
        changes = []
        for record in out.split(_RECORD)[1:]:
            header = record.split("\n", 1)[0]
            sha, date, _parents, subject = [*header.split(_FIELD), "", "", ""][:4]
            pull = self.pull_of(sha, subject)
            key = f"pr:{pull['number']}" if pull["number"] is not None else sha
            if key in seen:
                continue  # several commits of one pull request touched the function: the newest stands
            seen.add(key)
            share = self.ai_share(pull, path, start, end, head_text)
            changes.append(
                {
                    "pull": pull["number"],
                    "commit": pull.get("merge_commit") or sha,
                    "title": pull["title"],
                    "date": date,
                    "ai_authored": pull["ai_authored"],
                    "agents": pull["agents"],
                    "ai_line_share": share,
                    "findings": None,  # git history does not know what the review said; the ledger does
                }
            )
        return changes

    # -- pull requests ----------------------------------------------------------------------------

    def pull_of(self, sha: str, subject: str) -> dict[str, Any]:
        """The pull request a commit came in with: number, title, its commits and authorship."""
        if sha in self._pr_cache:
            return self._pr_cache[sha]
        squash = _SQUASH.search(subject)
        if squash:
            commits = [self._commit(sha)]
            info = {
                "number": int(squash.group(1)),
                "title": _SQUASH.sub("", subject).strip(),
                "commits": commits,
            }
        else:
            merge = self._merge_commit_of(sha)
            if merge is not None:
                merge_sha, number = merge
                body = self.repo.git("log", "-1", "--format=%b", merge_sha).strip()
                title = body.split("\n", 1)[0].strip() if body else subject
                commits = self._commits(f"{merge_sha}^1..{merge_sha}^2")
                info = {"number": number, "title": title, "commits": commits, "merge_commit": merge_sha}
            else:
                info = {"number": None, "title": subject, "commits": [self._commit(sha)]}
        info.update(self._authorship(info))
        self._pr_cache[sha] = info
        return info

    def _merge_commit_of(self, sha: str) -> tuple[str, int] | None:
        match = _MERGE.match(self.repo.git("log", "-1", "--format=%s", sha))
        if match:
            return sha, int(match.group(1))
        out = self.repo.git(
            "log",
            "--ancestry-path",
            "--merges",
            "--reverse",
            "--format=%H%x1f%s",
            f"{sha}..{self.head}",
            check=False,
        )
        for line in out.splitlines():
            merge_sha, _, merge_subject = line.partition(_FIELD)
            match = _MERGE.match(merge_subject)
            if match:
                return merge_sha, int(match.group(1))
        return None

    def _commit(self, sha: str) -> CommitInfo:
        fmt = _FIELD.join(("%H", "%an", "%ae", "%cn", "%ce", "%B"))
        record = self.repo.git("log", "-1", f"--format={fmt}", sha)
        sha_, an, ae, cn, ce, message = record.split(_FIELD, 5)
        return CommitInfo(sha_.strip(), message.rstrip("\n"), Person(an, ae), Person(cn, ce))

    def _commits(self, rev_range: str) -> list[CommitInfo]:
        shas = self.repo.git("rev-list", "--reverse", "--no-merges", rev_range).split()
        return [self._commit(s) for s in shas[-100:]]

    def _authorship(self, info: dict[str, Any]) -> dict[str, Any]:
        from prguard.analyzers.authorship import detect_authorship

        commits: list[CommitInfo] = info["commits"]
        pull = PullRequestInfo(number=info["number"], title=info["title"], commits=tuple(commits))
        verdict = detect_authorship(pull).to_dict()
        agents = [a["id"] for a in verdict["agents"]]
        ai_commits = {c["sha"]: list(c["agents"]) for c in verdict["commits"]}
        provenance = GitProvenance(
            self.repo, [c.sha for c in commits], commits[-1].sha if commits else self.head
        )
        try:
            claims = provenance.claims(ai_commits)
        except GitError:
            claims = None
        if claims is not None and claims.from_records:
            agents = sorted(set(agents) | {c.agent for c in claims.claims})
        return {"ai_authored": bool(agents), "agents": agents, "claims": claims}

    def ai_share(self, pull: dict[str, Any], path: str, start: int, end: int, head_text: str) -> float:
        """Share of the function's current lines (at HEAD) this pull request's agents wrote."""
        claims = pull.get("claims")
        if not pull["ai_authored"] or claims is None or not claims.claims:
            return 0.0
        mine = [c for c in claims.claims if c.path == path]
        if not mine:
            return 0.0
        subset = type(claims)(claims=mine, texts=claims.texts, order=claims.order)
        lines = lines_at_head(subset, {path: head_text}, head_sha=self.head)
        written = {n for span in lines.get(path, ()) for n in range(span["start"], span["end"] + 1)}
        total = end - start + 1
        return round(len(written & set(range(start, end + 1))) / total, 4) if total else 0.0
