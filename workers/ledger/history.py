"""What the ledger knows about a review's patterns, as plain data the report renders.

The worker fills it from the database (`prguard.ledger.queries.seen_before`); the
engine and the report never touch the database.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

DEFAULT_WEB_URL = "https://github.com"
CROSS_REPO_RISK = 10  # added to the review's risk per pattern that recurred in another repository
MAX_RISK_BUMP = 20
EARLIER_SHOWN = 3


def pull_url(web_url: str, full_name: str, number: int) -> str:
    """`https://github.com/<org>/<repo>/pull/<n>` under the configured web URL (GHES works)."""
    owner, _, repo = full_name.partition("/")
    return f"{web_url.rstrip('/')}/{quote(owner)}/{quote(repo)}/pull/{int(number)}"


@dataclass(frozen=True, slots=True)
class EarlierPull:
    full_name: str  # owner/repo as GitHub spells it
    number: int
    title: str
    reviewed_at: dt.datetime
    ai_authored: bool
    agent: str

    def to_dict(self, web_url: str = DEFAULT_WEB_URL) -> dict[str, Any]:
        return {
            "repository": self.full_name,
            "number": self.number,
            "title": self.title,
            "reviewed_at": self.reviewed_at.isoformat(),
            "ai_authored": self.ai_authored,
            "agent": self.agent or None,
            "url": pull_url(web_url, self.full_name, self.number),
        }


@dataclass(slots=True)
class PatternHistory:
    """One pattern of this review that the org's other pull requests had within the window."""

    pattern_key: str
    rule_id: str
    pulls: int  # other pull requests (this one not counted)
    repositories: int  # distinct repositories of those
    ai_pulls: int
    agents: dict[str, int]  # agent -> pull requests
    first_seen: dt.datetime
    earlier: list[EarlierPull] = field(default_factory=list)  # newest first, at most EARLIER_SHOWN
    other_repository: bool = False  # seen in a repository other than this review's
    capped: bool = False  # only the newest occurrences were read: the counts are "at least"

    def to_dict(self, web_url: str = DEFAULT_WEB_URL) -> dict[str, Any]:
        return {
            "pattern_key": self.pattern_key,
            "rule_id": self.rule_id,
            "pulls": self.pulls,
            "repositories": self.repositories,
            "ai_pulls": self.ai_pulls,
            "agents": dict(self.agents),
            "first_seen": self.first_seen.isoformat(),
            "other_repository": self.other_repository,
            "capped": self.capped,
            "earlier": [pull.to_dict(web_url) for pull in self.earlier],
        }


@dataclass(slots=True)
class SeenBefore:
    """The review's recurring patterns (empty when none recurred or the ledger could not answer)."""

    window_days: int
    web_url: str = DEFAULT_WEB_URL
    patterns: list[PatternHistory] = field(default_factory=list)
    findings: dict[str, str] = field(default_factory=dict)  # finding fingerprint -> pattern key
    unavailable: str = ""  # why the look-up did not answer (the section says so instead)

    def risk_bump(self) -> int:
        """A pattern recurring across repositories is systemic: it raises the review's risk."""
        crossing = sum(1 for p in self.patterns if p.other_repository)
        return min(MAX_RISK_BUMP, CROSS_REPO_RISK * crossing)

    def to_dict(self) -> dict[str, Any]:
        return {
            "window_days": self.window_days,
            "patterns": [p.to_dict(self.web_url) for p in self.patterns],
        }
