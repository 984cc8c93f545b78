"""The Celery message of one review: ids and SHAs only, never a token or the webhook payload."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# Triggers that ask for a review again on purpose: they bypass the content dedupe.
EXPLICIT_TRIGGERS = frozenset(
    {"check_run.rerequested", "check_run.requested_action", "check_suite.rerequested", "command.review"}
)


@dataclass(frozen=True, slots=True)
class ReviewJob:
    """What a worker needs to review one pull request at one head SHA.

    `head_sha` is None only for a `/prguard review` comment on a PR whose head the
    receiver has not seen yet; the worker then reads it from GitHub.
    """

    installation_id: int
    owner: str
    repo: str
    number: int
    head_sha: str | None
    delivery_id: str
    trigger: str
    comment_id: int | None = None  # the `/prguard review|help` comment to acknowledge

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.repo}"

    @property
    def explicit(self) -> bool:
        return self.trigger in EXPLICIT_TRIGGERS

    def to_kwargs(self) -> dict[str, Any]:
        """The task's keyword arguments (built by hand: `dataclasses.asdict` deep-copies, per webhook)."""
        out = {
            "installation_id": self.installation_id,
            "owner": self.owner,
            "repo": self.repo,
            "number": self.number,
            "head_sha": self.head_sha,
            "delivery_id": self.delivery_id,
            "trigger": self.trigger,
        }
        if self.comment_id is not None:  # keep the message to the agreed fields unless a command sent it
            out["comment_id"] = self.comment_id
        return out

    @classmethod
    def from_kwargs(cls, kwargs: dict[str, Any]) -> ReviewJob:
        return cls(
            installation_id=int(kwargs["installation_id"]),
            owner=str(kwargs["owner"]),
            repo=str(kwargs["repo"]),
            number=int(kwargs["number"]),
            head_sha=kwargs.get("head_sha") or None,
            delivery_id=str(kwargs.get("delivery_id") or ""),
            trigger=str(kwargs.get("trigger") or "unknown"),
            comment_id=int(kwargs["comment_id"]) if kwargs.get("comment_id") else None,
        )

    def describe(self) -> str:
        sha = (self.head_sha or "HEAD")[:12]
        return f"{self.full_name}#{self.number}@{sha} ({self.trigger}, delivery {self.delivery_id})"
