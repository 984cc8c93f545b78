"""Pure converters from GitHub REST JSON to the engine model.

The same shapes come from the App (REST calls), from the CLI (files saved from
`GET /repos/{o}/{r}/pulls/{n}`, `/commits`, `/files`) and from webhook payloads,
so they are converted here once. GitHub leaves many fields null (a deleted
user, a commit email not linked to any account, a body nobody wrote); every
converter tolerates that and rejects only input that is not the right shape.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from prguard.engine.model import ChangedFile, CommitInfo, Person, PullRequestInfo


class RestShapeError(ValueError):
    """Input that is not the JSON GitHub's REST API returns for this endpoint."""


def _mapping(value: Any, what: str) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise RestShapeError(f"{what}: expected a JSON object, got {type(value).__name__}")
    return value


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _optional_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def person(git_identity: Any, account: Any = None, *, what: str = "person") -> Person:
    """A git identity (`commit.author`: name/email) joined with its GitHub account (`author`: login).

    The account is null when the email is not linked to any GitHub user.
    """
    identity = _mapping(git_identity, what)
    login = _mapping(account, f"{what} account").get("login")
    return Person(
        name=_text(identity.get("name")),
        email=_text(identity.get("email")),
        login=login if isinstance(login, str) and login else None,
    )


def commit_info(commit_json: Any) -> CommitInfo:
    """One element of `GET /repos/{o}/{r}/pulls/{n}/commits` (or `/commits/{sha}`)."""
    item = _mapping(commit_json, "commit")
    sha = item.get("sha")
    if not isinstance(sha, str) or not sha:
        raise RestShapeError("commit: missing 'sha'")
    git = _mapping(item.get("commit"), f"commit {sha[:7]} 'commit'")
    return CommitInfo(
        sha=sha,
        message=_text(git.get("message")),
        author=person(git.get("author"), item.get("author"), what=f"commit {sha[:7]} author"),
        committer=person(git.get("committer"), item.get("committer"), what=f"commit {sha[:7]} committer"),
    )


def pull_request_info(pull_json: Any, commits_json: Any = ()) -> PullRequestInfo:
    """A pull request (`GET /repos/{o}/{r}/pulls/{n}` or a webhook's `pull_request`) and its commits."""
    pull = _mapping(pull_json, "pull request")
    if not pull:
        raise RestShapeError("pull request: empty object")
    if commits_json is None:
        commits_json = ()
    if isinstance(commits_json, Mapping) or not isinstance(commits_json, list | tuple):
        raise RestShapeError(
            f"commits: expected a JSON array (GET .../pulls/{{n}}/commits), got {type(commits_json).__name__}"
        )
    user = _mapping(pull.get("user"), "pull request 'user'")
    labels = []
    for label in pull.get("labels") or ():
        name = label.get("name") if isinstance(label, Mapping) else label
        if isinstance(name, str) and name:
            labels.append(name)
    return PullRequestInfo(
        number=_optional_int(pull.get("number")),
        title=_text(pull.get("title")),
        body=_text(pull.get("body")),
        author_login=_text(user.get("login")),
        author_type=_text(user.get("type")),
        author_id=_optional_int(user.get("id")),
        head_ref=_text(_mapping(pull.get("head"), "pull request 'head'").get("ref")),
        base_ref=_text(_mapping(pull.get("base"), "pull request 'base'").get("ref")),
        labels=tuple(labels),
        commits=tuple(commit_info(item) for item in commits_json),
    )


def changed_files(
    files_json: Any,
    head: Mapping[str, bytes | None] | None = None,
    base: Mapping[str, bytes | None] | None = None,
) -> list[ChangedFile]:
    """The list from `GET /repos/{o}/{r}/pulls/{n}/files`, joined with fetched contents.

    `head`/`base` map a path to its contents at that side (None or absent: not
    fetched or not there). A renamed file's base content is looked up under its
    previous path when not given under the new one.
    """
    head = head or {}
    base = base or {}
    if isinstance(files_json, Mapping) or not isinstance(files_json, list | tuple):
        raise RestShapeError(
            f"files: expected a JSON array (GET .../pulls/{{n}}/files), got {type(files_json).__name__}"
        )
    out: list[ChangedFile] = []
    for index, raw in enumerate(files_json):
        item = _mapping(raw, f"files[{index}]")
        path = item.get("filename")
        if not isinstance(path, str) or not path:
            raise RestShapeError(f"files[{index}]: missing 'filename'")
        status = _text(item.get("status")) or "modified"
        previous = item.get("previous_filename")
        previous = previous if isinstance(previous, str) and previous else None
        patch = item.get("patch")
        base_bytes = base.get(path)
        if base_bytes is None and previous:
            base_bytes = base.get(previous)
        out.append(
            ChangedFile(
                path=path,
                status=status,
                head=None if status == "removed" else head.get(path),
                base=None if status == "added" else base_bytes,
                patch=patch if isinstance(patch, str) else None,
                previous_path=previous,
            )
        )
    return out
