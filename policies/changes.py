"""A change that edits the repository's policy file: it applies only after merge, and must be valid.

Shared by the command line and the App pipeline: both review with the BASE policy
(a change cannot weaken its own review) and tell the author what the edit means.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from prguard.policies.loader import load_policy
from prguard.policies.model import PolicyError

REPO_POLICY_PATH = ".github/prguard.yml"


@dataclass(frozen=True, slots=True)
class PolicyChange:
    """What the change does to the policy file; `error` is set when the new file is invalid."""

    note: str
    error: PolicyError | None = None


def check_policy_change(files: Iterable[object], path: str = REPO_POLICY_PATH) -> PolicyChange | None:
    """None when the change leaves the policy file alone.

    `files` are ChangedFile-like objects (`path`, `head` bytes or None).
    """
    changed = next((f for f in files if getattr(f, "path", None) == path), None)
    if changed is None:
        return None
    head: bytes | None = changed.head  # type: ignore[attr-defined]
    if head is None:
        return PolicyChange(f"This change removes {path}; after merge the built-in default policy applies.")
    source = f"{path} in this change"
    try:
        text = head.decode("utf-8-sig")
        load_policy(repo_text=text, repo_source=source)
    except UnicodeDecodeError as exc:
        error = PolicyError(source, f"not UTF-8 text (byte {exc.start})")
    except PolicyError as exc:
        error = exc
    else:
        return PolicyChange(
            f"This change edits {path}; the new policy is valid and applies after merge "
            "(this review used the base policy)."
        )
    return PolicyChange(
        f"This change makes {path} invalid: {error}. "
        "Fix it before merging; this review used the base policy.",
        error,
    )
