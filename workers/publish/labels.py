"""The AI-authored label: added when authorship says so, removed when a later push says otherwise.

The PR's current labels come with the pull request JSON prguard already read,
so deciding costs no call and applying costs at most one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from prguard.github.errors import NotFound

DEFAULT_LABEL = "ai-generated"


def label_name(policy: Any) -> str:
    """The label name from policy `ai_authored.label` (default `ai-generated`)."""
    name = policy.get("ai_authored", "label", default=DEFAULT_LABEL) if policy is not None else DEFAULT_LABEL
    if not isinstance(name, str) or not name.strip():
        return DEFAULT_LABEL
    return name.strip()


def current_labels(pull_json: Mapping[str, Any] | None) -> list[str]:
    """Label names of a REST pull request (`labels[].name`)."""
    labels = (pull_json or {}).get("labels") or []
    return [str(label.get("name")) for label in labels if isinstance(label, Mapping) and label.get("name")]


@dataclass(frozen=True, slots=True)
class LabelChange:
    action: str  # "add" | "remove"
    name: str


def plan_label(labels: Iterable[str], ai_authored: bool | None, name: str) -> LabelChange | None:
    """Add when AI-authored and missing, remove when judged human and present; None otherwise.

    `ai_authored=None` (authorship could not be judged) never changes labels.
    GitHub label names compare case-insensitively.
    """
    present = any(existing.lower() == name.lower() for existing in labels)
    if ai_authored is True and not present:
        return LabelChange("add", name)
    if ai_authored is False and present:
        return LabelChange("remove", name)
    return None


def apply_label(client: Any, owner: str, repo: str, number: int, change: LabelChange | None) -> bool:
    """One call at most: POST the label, or DELETE it (already gone counts as done)."""
    if change is None:
        return False
    where = {"owner": owner, "repo": repo, "number": number}
    if change.action == "add":
        client.post(
            "/repos/{owner}/{repo}/issues/{number}/labels", url_vars=where, json={"labels": [change.name]}
        )
        return True
    try:
        client.delete(
            "/repos/{owner}/{repo}/issues/{number}/labels/{name}", url_vars={**where, "name": change.name}
        )
    except NotFound:
        return False
    return True
