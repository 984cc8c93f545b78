"""Buttons and comment commands: Re-run, Waive, `/prguard review`, `/prguard help`.

Re-runs become ordinary review jobs (the receiver routes them). What needs a
GitHub call of its own lives here: acknowledging a command with a reaction,
answering `/prguard help`, and waiving a failing check — which only users with
write, maintain or admin access may do, checked through the API, never trusted
from the payload.
"""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from prguard.commands import parse_command as parse_command  # re-exported: its callers read it here
from prguard.github.errors import NotFound
from prguard.publish.checkrun import CHECK_NAME, Waiver, actions_for, waiver_line, with_note

WAIVE_ROLES = frozenset({"admin", "maintain", "write"})
WAIVER_TTL = 30 * 24 * 3600

HELP_MARKER = "<!-- prguard:help reply-to={comment_id} -->"
HELP_TEXT = """**prguard** reviews this pull request on every push: the `prguard` check run has the verdict \
and every finding; inline comments cover the most severe ones on changed lines.

| command | what it does |
|---|---|
| `/prguard review` | review the pull request again now (same as the check run's **Re-run** button) |
| `/prguard help` | this message |

On the `prguard` check run: **Re-run** reviews again; **Waive** (people with write access) turns a \
failing check into neutral and records who waived it.

To silence one finding, say why in the code: `# prguard: ignore[RULE-ID] <why this is safe>` — it is \
listed under "Suppressions used" in the check run. Policy lives in `.github/prguard.yml`."""


def reaction_for(command: str) -> str:
    """How a command is acknowledged: 👀 for a review being started, 👍 for anything answered."""
    return "eyes" if command == "review" else "+1"


def may_waive(permission: Mapping[str, Any]) -> bool:
    """Write, maintain or admin (`GET …/collaborators/{user}/permission`: `permission` or `role_name`)."""
    values = {str(permission.get("permission") or "").lower(), str(permission.get("role_name") or "").lower()}
    return bool(values & WAIVE_ROLES)


def waived_title(title: str, login: str) -> str:
    core = re.sub(r"^Waived by @\S+ · ", "", title or "")
    core = core.replace(" blocks this change", " would block").replace(" block this change", " would block")
    return f"Waived by @{login} · {core}"[:255]


class WaiverStore:
    """Waivers per (installation, repo, head SHA) in Redis, so a re-run of the same push keeps it."""

    def __init__(self, redis: Any, prefix: str = "prguard:") -> None:
        self.redis = redis
        self.prefix = prefix

    def key(self, installation_id: int, full_name: str, head_sha: str) -> str:
        return f"{self.prefix}waiver:{installation_id}:{full_name.lower()}:{head_sha}"

    def get(self, installation_id: int, full_name: str, head_sha: str) -> Waiver | None:
        raw = self.redis.get(self.key(installation_id, full_name, head_sha))
        if not raw:
            return None
        try:
            data = json.loads(raw)
            return Waiver(str(data["login"]), str(data.get("at") or ""))
        except (ValueError, KeyError, TypeError):
            return None

    def put(self, installation_id: int, full_name: str, head_sha: str, waiver: Waiver) -> None:
        value = json.dumps({"login": waiver.login, "at": waiver.at})
        self.redis.set(self.key(installation_id, full_name, head_sha), value, ex=WAIVER_TTL)


# -- GitHub calls -------------------------------------------------------------------------------


def user_permission(client: Any, owner: str, repo: str, login: str) -> dict[str, Any]:
    """The user's access to the repository; someone who is no collaborator has none."""
    try:
        answer = client.get(
            "/repos/{owner}/{repo}/collaborators/{username}/permission",
            url_vars={"owner": owner, "repo": repo, "username": login},
        )
    except NotFound:
        return {"permission": "none"}
    return dict(answer) if isinstance(answer, Mapping) else {"permission": "none"}


def react(client: Any, owner: str, repo: str, comment_id: int, content: str) -> None:
    """Acknowledge a comment; an existing reaction is answered 200, so a repeat is harmless."""
    client.post(
        "/repos/{owner}/{repo}/issues/comments/{comment_id}/reactions",
        url_vars={"owner": owner, "repo": repo, "comment_id": comment_id},
        json={"content": content},
    )


def answer_help(client: Any, owner: str, repo: str, number: int, comment_id: int, bot_login: str) -> bool:
    """React 👍 and reply with the command list once per asking comment; False when already answered."""
    react(client, owner, repo, comment_id, reaction_for("help"))
    marker = HELP_MARKER.format(comment_id=comment_id)
    where = {"owner": owner, "repo": repo, "number": number}
    for comment in client.paginate(
        "/repos/{owner}/{repo}/issues/{number}/comments", url_vars=where, per_page=100
    ):
        login = str((comment.get("user") or {}).get("login", "")).lower()
        if login == bot_login.lower() and marker in str(comment.get("body") or ""):
            return False
    client.post(
        "/repos/{owner}/{repo}/issues/{number}/comments",
        url_vars=where,
        json={"body": f"{HELP_TEXT}\n{marker}"},
    )
    return True


@dataclass(frozen=True, slots=True)
class WaiveOutcome:
    waived: bool
    reason: str


def waive(
    client: Any,
    owner: str,
    repo: str,
    check_run_id: int,
    login: str,
    *,
    store: WaiverStore | None = None,
    installation_id: int = 0,
    now: str | None = None,
) -> WaiveOutcome:
    """Turn a failing prguard run into `neutral`, recording who waived it; refuse clearly otherwise.

    Permission is read from GitHub (write, maintain or admin). A refusal or a
    run that is not failing leaves the conclusion as it is and says why at the
    top of the summary.
    """
    where = {"owner": owner, "repo": repo, "check_run_id": check_run_id}
    run = client.get("/repos/{owner}/{repo}/check-runs/{check_run_id}", url_vars=where) or {}
    if run.get("name") not in (None, CHECK_NAME):
        return WaiveOutcome(False, f"check run {check_run_id} is not prguard's")
    output = run.get("output") or {}
    title, summary = str(output.get("title") or "prguard"), str(output.get("summary") or "")
    permission = user_permission(client, owner, repo, login)
    if not may_waive(permission):
        role = permission.get("role_name") or permission.get("permission") or "none"
        note = (
            f"> ⛔ @{login} asked to waive this check, but waiving needs write access to "
            f"{owner}/{repo} (their access: {role}). Nothing was changed."
        )
        client.patch(
            "/repos/{owner}/{repo}/check-runs/{check_run_id}",
            url_vars=where,
            json={"output": {"title": title, "summary": with_note(summary, note)}},
        )
        return WaiveOutcome(False, f"@{login} has {role} access; waiving needs write")
    if run.get("conclusion") != "failure":
        conclusion = run.get("conclusion")
        note = f"> @{login} asked to waive this check, but it is not failing (conclusion: {conclusion})."
        client.patch(
            "/repos/{owner}/{repo}/check-runs/{check_run_id}",
            url_vars=where,
            json={"output": {"title": title, "summary": with_note(summary, note)}},
        )
        return WaiveOutcome(False, "the check is not failing")
    waiver = Waiver(login, now or datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
    if store is not None and run.get("head_sha"):
        store.put(installation_id, f"{owner}/{repo}", str(run["head_sha"]), waiver)
    client.patch(
        "/repos/{owner}/{repo}/check-runs/{check_run_id}",
        url_vars=where,
        json={
            "conclusion": "neutral",
            "output": {
                "title": waived_title(title, login),
                "summary": with_note(summary, waiver_line(waiver)),
            },
            "actions": actions_for("neutral"),
        },
    )
    return WaiveOutcome(True, f"waived by @{login}")
