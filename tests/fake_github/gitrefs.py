"""Git refs, commits and trees of the fake GitHub: what reading git notes through the API needs.

`add_notes(fake, owner, name, "notes/ai", {commit_sha: text})` stores a notes ref the way git
does: a commit whose tree has one blob per annotated commit, named by that commit's SHA. The
handlers answer `git/get-ref`, `git/get-commit`, `git/get-tree` and `repos/get-commit` (a
commit with its files and patches) from the fake's store. Registered on import (rest.py imports
this module).
"""

from __future__ import annotations

import hashlib
from typing import Any

from tests.fake_github.gitdata import unified_patch
from tests.fake_github.rest import Context, _HTTPError, _Reply, handles


def _refs(fake: Any) -> dict[tuple[str, str, str], str]:
    refs = getattr(fake, "_notes_refs", None)
    if refs is None:
        refs = {}
        fake._notes_refs = refs
    return refs


def tree_sha(commit_sha: str) -> str:
    """The fake's id for a commit's root tree (the store keeps trees flat, inside commits)."""
    return hashlib.sha1(f"tree:{commit_sha}".encode(), usedforsecurity=False).hexdigest()


def add_notes(fake: Any, owner: str, name: str, ref: str, notes: dict[str, str]) -> str:
    """Attach notes under refs/`ref` (e.g. "notes/ai"); returns the notes commit's SHA."""
    key = (owner, name, ref)
    parent = _refs(fake).get(key)
    sha = fake.commit(
        owner, name, dict(notes.items()), parent=parent, message="Notes added by 'git notes add'"
    )
    _refs(fake)[key] = sha
    return sha


def _commit_for_tree(fake: Any, sha: str) -> str | None:
    return next((c for c in fake.git.commits if tree_sha(c) == sha), None)


@handles("git/get-ref")
def get_ref(ctx: Context) -> _Reply:
    repo = ctx.repo()
    ref = ctx.params["ref"].strip("/")
    sha = _refs(ctx.fake).get((repo.owner, repo.name, ref))
    if sha is None and ref.startswith("heads/"):
        sha = repo.branches.get(ref.removeprefix("heads/"))
    if sha is None:
        raise _HTTPError(404, "Not Found")
    url = f"{ctx.fake.api_url}/repos/{repo.full_name}/git/refs/{ref}"
    return _Reply(
        200,
        {
            "ref": f"refs/{ref}",
            "node_id": "REF_" + sha[:8],
            "url": url,
            "object": {"type": "commit", "sha": sha, "url": url},
        },
    )


@handles("git/get-commit")
def get_git_commit(ctx: Context) -> _Reply:
    ctx.repo()
    commit = ctx.fake.git.commits.get(ctx.params["commit_sha"])
    if commit is None:
        raise _HTTPError(404, "Not Found")
    return _Reply(
        200,
        {
            "sha": commit.sha,
            "message": commit.message,
            "author": commit.author,
            "committer": commit.committer,
            "tree": {"sha": tree_sha(commit.sha)},
            "parents": [{"sha": p} for p in commit.parents],
        },
    )


@handles("git/get-tree")
def get_tree(ctx: Context) -> _Reply:
    ctx.repo()
    sha = ctx.params["tree_sha"]
    commit_sha = _commit_for_tree(ctx.fake, sha) or (sha if sha in ctx.fake.git.commits else None)
    if commit_sha is None:
        raise _HTTPError(404, "Not Found")
    tree = ctx.fake.git.commits[commit_sha].tree
    entries = [
        {"path": path, "mode": "100644", "type": "blob", "sha": blob, "size": len(ctx.fake.git.blobs[blob])}
        for path, blob in sorted(tree.items())
    ]
    return _Reply(200, {"sha": sha, "tree": entries, "truncated": False})


@handles("repos/get-commit")
def get_commit_with_files(ctx: Context) -> _Reply:
    repo = ctx.repo()
    sha = ctx.fake.resolve_ref(repo, ctx.params["ref"])
    if sha is None:
        raise _HTTPError(422, f"No commit found for SHA: {ctx.params['ref']}")
    commit = ctx.fake.git.commits[sha]
    parent_tree = ctx.fake.git.commits[commit.parents[0]].tree if commit.parents else {}
    files = []
    for path in sorted(set(parent_tree) | set(commit.tree)):
        old, new = parent_tree.get(path), commit.tree.get(path)
        if old == new:
            continue
        base = ctx.fake.git.blobs[old] if old else None
        head = ctx.fake.git.blobs[new] if new else None
        status = "added" if base is None else "removed" if head is None else "modified"
        files.append(
            {"filename": path, "status": status, "sha": new or old, "patch": unified_patch(base, head)}
        )
    return _Reply(
        200,
        {
            "sha": sha,
            "commit": {"message": commit.message, "author": commit.author, "committer": commit.committer},
            "parents": [{"sha": p} for p in commit.parents],
            "files": files,
        },
    )
