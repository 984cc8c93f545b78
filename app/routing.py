"""Which webhook deliveries become work, and which are ignored (and why). DESIGN.md 2.1.

Pure decisions over the payload; the only outside knowledge is a read-only view
of the shared Redis state (head SHA -> PR for fork check suites, draft flags,
latest heads), passed in as `known`. No GitHub calls: the webhook path stays fast.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from prguard.commands import parse_command
from prguard.queue.jobs import ReviewJob
from prguard.queue.state import HeadRecord

REVIEW_ACTIONS = frozenset({"opened", "synchronize", "reopened", "ready_for_review", "edited"})
# `requested_action` button identifiers (<= 20 chars) that ask for a fresh review.
RERUN_IDENTIFIERS = frozenset({"rerun", "review"})
WAIVE_IDENTIFIER = "waive"
# Who may drive prguard with a comment command on a PR (besides the PR's author).
TRUSTED_ASSOCIATIONS = frozenset({"OWNER", "MEMBER", "COLLABORATOR"})
#: the comment commands the receiver routes (prguard.commands reads them; others are ignored)
_ROUTED_COMMANDS = frozenset({"review", "help"})
_EXTERNAL_ID = re.compile(r"^prguard:(\d+):")


class KnownState(Protocol):
    """The read-only parts of `prguard.queue.state.PullState` the router consults."""

    def pull_for_sha(self, installation_id: int, full_name: str, head_sha: str) -> int | None: ...

    def is_draft(self, installation_id: int, full_name: str, number: int) -> bool: ...

    def latest_head(self, installation_id: int, full_name: str, number: int) -> str | None: ...


@dataclass(frozen=True)
class Decision:
    """What to do with one delivery.

    kind: review (enqueue `jobs`), help (reply with the command list), waive (the Waive
    button: `extra` is the write job; permission is checked by the worker), forget / restore
    (an installation or some of its repositories went away / came back), record (state
    only), ignore (a handled event we chose to skip: 202 with the reason) or
    unhandled (an event or action prguard does not use: 204).
    """

    kind: str
    reason: str
    jobs: tuple[ReviewJob, ...] = ()
    installation_id: int | None = None
    repositories: tuple[str, ...] | None = None  # forget/restore: None = the whole installation
    full_name: str = ""
    number: int = 0
    head: HeadRecord | None = None  # pull_request events: the PR's head as of this event
    closed: Mapping[str, Any] | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)


def route(
    event: str, data: Mapping[str, Any], delivery_id: str, *, app_id: int, known: KnownState
) -> Decision:
    """Decide from the event name, its action and the payload; never raises on odd payloads."""
    handler = _HANDLERS.get(event)
    if handler is None:
        return Decision("unhandled", f"event {event!r} is not used by prguard")
    try:
        return handler(data, delivery_id, app_id, known)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        return Decision(
            "ignore", f"{event} payload is missing what prguard needs ({type(exc).__name__}: {exc})"
        )


def _installation_id(data: Mapping[str, Any]) -> int | None:
    installation = data.get("installation") or {}
    value = installation.get("id") if isinstance(installation, Mapping) else None
    return int(value) if value is not None else None


def _repository(data: Mapping[str, Any]) -> tuple[str, str]:
    repo = data["repository"]
    return repo["owner"]["login"], repo["name"]


def _pull_request(data: Mapping[str, Any], delivery_id: str, app_id: int, known: KnownState) -> Decision:
    action = data.get("action")
    if action not in REVIEW_ACTIONS | {"closed", "converted_to_draft"}:
        return Decision("unhandled", f"pull_request.{action} does not change what prguard reviews")
    installation_id = _installation_id(data)
    if installation_id is None:
        return Decision("ignore", "no installation in the payload (not a delivery to the GitHub App)")
    pull = data["pull_request"]
    owner, repo = _repository(data)
    full_name = f"{owner}/{repo}"
    number = int(pull["number"])
    head_sha = str(pull["head"]["sha"])
    head = HeadRecord(head_sha, str(pull.get("updated_at") or ""), bool(pull.get("draft")))
    common = {"installation_id": installation_id, "full_name": full_name, "number": number, "head": head}

    if action == "closed":
        closed = {
            "merged": bool(pull.get("merged")),
            "merged_at": pull.get("merged_at"),
            "closed_at": pull.get("closed_at"),
            "head_sha": head_sha,
            "merge_commit_sha": pull.get("merge_commit_sha"),
        }
        verb = "merged" if closed["merged"] else "closed without merging"
        return Decision("record", f"pull request {verb}: recorded for attribution", closed=closed, **common)
    if action == "converted_to_draft":
        return Decision("record", "converted to draft: reviews resume when it is ready for review", **common)
    if pull.get("state") == "closed":
        return Decision("ignore", f"pull_request.{action} on a closed pull request", **common)
    if action == "edited" and not (data.get("changes") or {}).get("base"):
        return Decision(
            "ignore",
            "edited without a base branch change (title/body edits do not change the code)",
            **common,
        )
    if head.draft:
        return Decision("ignore", "draft pull request: reviewed once it is marked ready for review", **common)
    job = ReviewJob(installation_id, owner, repo, number, head_sha, delivery_id, f"pull_request.{action}")
    return Decision("review", f"pull_request.{action}", jobs=(job,), **common)


def _check_run(data: Mapping[str, Any], delivery_id: str, app_id: int, known: KnownState) -> Decision:
    action = data.get("action")
    installation_id = _ours(data, "check_run", ("rerequested", "requested_action"), app_id)
    if isinstance(installation_id, Decision):
        return installation_id
    run = data["check_run"]
    trigger = f"check_run.{action}"
    if action == "requested_action":
        identifier = str((data.get("requested_action") or {}).get("identifier") or "")
        if identifier == WAIVE_IDENTIFIER:
            owner, repo = _repository(data)
            login = str((data.get("sender") or {}).get("login") or "")
            if not login:
                return Decision("ignore", "waive request without a sender")
            waiver = {
                "installation_id": installation_id,
                "owner": owner,
                "repo": repo,
                "check_run_id": int(run["id"]),
                "login": login,
                "delivery_id": delivery_id,
            }
            return Decision(
                "waive",
                f"waive requested by @{login}",
                installation_id=installation_id,
                full_name=f"{owner}/{repo}",
                extra=waiver,
            )
        if identifier not in RERUN_IDENTIFIERS:
            return Decision("ignore", f"check run button {identifier[:40]!r} is not a prguard re-run")
    owner, repo = _repository(data)
    head_sha = str(run["head_sha"])
    numbers = _pull_numbers(run.get("pull_requests"), owner, repo)
    if not numbers:
        match = _EXTERNAL_ID.match(str(run.get("external_id") or ""))
        if match:
            numbers = [int(match.group(1))]
    return _review_numbers(numbers, installation_id, owner, repo, head_sha, delivery_id, trigger, known, True)


def _check_suite(data: Mapping[str, Any], delivery_id: str, app_id: int, known: KnownState) -> Decision:
    action = data.get("action")
    installation_id = _ours(data, "check_suite", ("requested", "rerequested"), app_id)
    if isinstance(installation_id, Decision):
        return installation_id
    suite = data["check_suite"]
    owner, repo = _repository(data)
    head_sha = str(suite["head_sha"])
    numbers = _pull_numbers(suite.get("pull_requests"), owner, repo)
    explicit = action == "rerequested"
    return _review_numbers(
        numbers, installation_id, owner, repo, head_sha, delivery_id, f"check_suite.{action}", known, explicit
    )


def _ours(data: Mapping[str, Any], event: str, actions: tuple[str, ...], app_id: int) -> int | Decision:
    """The installation of a check_run/check_suite event prguard acts on, or the Decision to leave it:
    an action it has no work for, another app's check, no installation."""
    action = data.get("action")
    if action not in actions:
        return Decision("unhandled", f"{event}.{action} needs no work from prguard")
    check_app = (data[event].get("app") or {}).get("id")
    if check_app != app_id:
        what = event.replace("_", " ")
        return Decision("ignore", f"{what} of another app (id {check_app}), not prguard's")
    installation_id = _installation_id(data)
    if installation_id is None:
        return Decision("ignore", "no installation in the payload")
    return installation_id


def _pull_numbers(pull_requests: Any, owner: str, repo: str) -> list[int]:
    """PR numbers of a check payload whose base is this repository (forks list none at all)."""
    numbers = []
    for pr in pull_requests or []:
        base_repo = ((pr.get("base") or {}).get("repo") or {}).get("name")
        if base_repo is None or str(base_repo).lower() == repo.lower():
            numbers.append(int(pr["number"]))
    return numbers


def _review_numbers(
    numbers: list[int],
    installation_id: int,
    owner: str,
    repo: str,
    head_sha: str,
    delivery_id: str,
    trigger: str,
    known: KnownState,
    explicit: bool,
) -> Decision:
    full_name = f"{owner}/{repo}"
    if not numbers:
        number = known.pull_for_sha(installation_id, full_name, head_sha)
        if number is None:
            return Decision(
                "ignore",
                f"no open pull request known for head {head_sha[:12]} (push without a PR yet, or a fork "
                "whose pull_request event has not arrived)",
                installation_id=installation_id,
                full_name=full_name,
            )
        numbers = [number]
    jobs = []
    for number in dict.fromkeys(numbers):
        if not explicit and known.is_draft(installation_id, full_name, number):
            continue
        jobs.append(ReviewJob(installation_id, owner, repo, number, head_sha, delivery_id, trigger))
    if not jobs:
        return Decision("ignore", "draft pull request: reviewed once it is marked ready for review")
    return Decision("review", trigger, jobs=tuple(jobs), installation_id=installation_id, full_name=full_name)


def _issue_comment(data: Mapping[str, Any], delivery_id: str, app_id: int, known: KnownState) -> Decision:
    action = data.get("action")
    if action != "created":
        return Decision("unhandled", f"issue_comment.{action}: only new comments carry commands")
    issue = data["issue"]
    if not issue.get("pull_request"):
        return Decision("ignore", "comment on an issue, not on a pull request")
    comment = data["comment"]
    command = parse_command(str(comment.get("body") or ""))
    if command not in _ROUTED_COMMANDS:
        return Decision("ignore", "no /prguard command in the comment")
    commenter = comment.get("user") or {}
    if commenter.get("type") == "Bot":
        return Decision("ignore", "comment by a bot: commands are for people")
    is_author = commenter.get("login") and commenter.get("login") == (issue.get("user") or {}).get("login")
    if not is_author and comment.get("author_association") not in TRUSTED_ASSOCIATIONS:
        return Decision("ignore", "only the PR author, collaborators and members may run /prguard commands")
    installation_id = _installation_id(data)
    if installation_id is None:
        return Decision("ignore", "no installation in the payload")
    owner, repo = _repository(data)
    full_name = f"{owner}/{repo}"
    number = int(issue["number"])
    head_sha = known.latest_head(installation_id, full_name, number)
    comment_id = int(comment["id"]) if comment.get("id") else None
    job = ReviewJob(
        installation_id, owner, repo, number, head_sha, delivery_id, f"command.{command}", comment_id
    )
    kind = "review" if command == "review" else "help"
    return Decision(
        kind, f"/prguard {command}", jobs=(job,), installation_id=installation_id, full_name=full_name
    )


def _installation(data: Mapping[str, Any], delivery_id: str, app_id: int, known: KnownState) -> Decision:
    action = data.get("action")
    installation_id = _installation_id(data)
    if installation_id is None:
        return Decision("ignore", "installation event without an installation id")
    if action in ("deleted", "suspend"):
        # deleted: the change ledger's rows of the installation go too (a suspension keeps them)
        purge = {"purge_ledger": True} if action == "deleted" else {}
        return Decision("forget", f"installation {action}", installation_id=installation_id, extra=purge)
    if action in ("created", "unsuspend"):
        return Decision("restore", f"installation {action}", installation_id=installation_id)
    return Decision("unhandled", f"installation.{action} needs no work from prguard")


def _installation_repositories(
    data: Mapping[str, Any], delivery_id: str, app_id: int, known: KnownState
) -> Decision:
    action = data.get("action")
    installation_id = _installation_id(data)
    if installation_id is None:
        return Decision("ignore", "installation_repositories event without an installation id")
    if action == "removed":
        names = tuple(str(r["full_name"]) for r in data.get("repositories_removed") or [])
        return Decision(
            "forget",
            f"{len(names)} repositories removed",
            installation_id=installation_id,
            repositories=names,
        )
    if action == "added":
        names = tuple(str(r["full_name"]) for r in data.get("repositories_added") or [])
        return Decision(
            "restore", f"{len(names)} repositories added", installation_id=installation_id, repositories=names
        )
    return Decision("unhandled", f"installation_repositories.{action} needs no work from prguard")


def _ping(data: Mapping[str, Any], delivery_id: str, app_id: int, known: KnownState) -> Decision:
    return Decision("unhandled", "ping: the webhook is reachable")


_HANDLERS = {
    "pull_request": _pull_request,
    "check_run": _check_run,
    "check_suite": _check_suite,
    "issue_comment": _issue_comment,
    "installation": _installation,
    "installation_repositories": _installation_repositories,
    "ping": _ping,
}
