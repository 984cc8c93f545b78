"""The weekly digest of an org: new recurring patterns, the AI-authored share and its trend, the
riskiest merged pull requests. Printed by `prguard digest`, posted weekly as an issue by beat.

Once per org and ISO week: `claim_week` inserts the week's row (unique on org + week), so a
second beat, a retry or a re-run finds it taken and posts nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from prguard.ledger.figures import PatternSummary, PullSummary, counted, pulls, top_patterns
from prguard.ledger.history import DEFAULT_WEB_URL, pull_url
from prguard.ledger.models import Digest as DigestRow
from prguard.ledger.models import Finding, Review, aware, org_key
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
LISTED = 10


def iso_week(day: dt.date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


@dataclass(slots=True)
class DigestData:
    org: str
    since: dt.datetime
    until: dt.datetime
    new_patterns: list[PatternSummary] = field(default_factory=list)
    ai_pulls: int = 0
    human_pulls: int = 0
    previous_ai_pulls: int = 0
    previous_human_pulls: int = 0
    riskiest_merged: list[PullSummary] = field(default_factory=list)

    @staticmethod
    def share(ai: int, human: int) -> float | None:
        return ai / (ai + human) if ai + human else None


def build_digest(session: Session, org: str, *, since: dt.datetime, until: dt.datetime) -> DigestData:
    """The digest's figures over [since, until) and, for the trend, the same length before it."""
    data = DigestData(org=org_key(org), since=since, until=until)
    recurring = top_patterns(session, org, since, until=until, limit=200)  # two or more pull requests
    first_seen = dict(
        session.execute(
            select(Finding.pattern_key, func.min(Finding.reviewed_at))
            .where(counted(org), Finding.pattern_key.in_([p.pattern_key for p in recurring]))
            .group_by(Finding.pattern_key)
        ).all()
    )
    new = [p for p in recurring if (aware(first_seen.get(p.pattern_key)) or since) >= since]
    data.new_patterns = new[:LISTED]
    length = until - since
    data.ai_pulls, data.human_pulls = _authorship(session, org, since, until)
    data.previous_ai_pulls, data.previous_human_pulls = _authorship(session, org, since - length, since)
    data.riskiest_merged = pulls(
        session,
        org,
        since=since,
        until=until,
        merged_with_open_findings=True,
        riskiest_first=True,
        per_page=LISTED,
    ).items
    return data


def _authorship(session: Session, org: str, since: dt.datetime, until: dt.datetime) -> tuple[int, int]:
    counts = dict(
        session.execute(
            select(Review.ai_authored, func.count())
            .where(
                Review.org == org_key(org),
                Review.superseded.is_(False),
                Review.reviewed_at >= since,
                Review.reviewed_at < until,
            )
            .group_by(Review.ai_authored)
        ).all()
    )
    return int(counts.get(True, 0)), int(counts.get(False, 0))


def render_digest(data: DigestData, web_url: str = DEFAULT_WEB_URL) -> str:
    """The digest in Markdown (an issue body, or the terminal)."""
    period = f"{data.since:%Y-%m-%d} to {data.until:%Y-%m-%d}"
    lines = [f"## prguard digest for {data.org}, {period}", ""]
    share, before = (
        DigestData.share(data.ai_pulls, data.human_pulls),
        DigestData.share(data.previous_ai_pulls, data.previous_human_pulls),
    )
    reviewed = data.ai_pulls + data.human_pulls
    if share is None:
        lines.append("No pull request was reviewed in this period.")
    else:
        trend = ""
        if before is not None:
            change = round((share - before) * 100)
            trend = f" ({'+' if change >= 0 else ''}{change} points on the period before: {before:.0%})"
        lines.append(
            f"**AI-authored share:** {share:.0%} of {reviewed} reviewed pull requests "
            f"({data.ai_pulls} AI-authored){trend}."
        )
    lines += ["", "### New recurring patterns", ""]
    if data.new_patterns:
        lines += [
            "| rule | code shape | pull requests | repositories | AI-authored PRs |",
            "|---|---|---:|---:|---:|",
        ]
        for p in data.new_patterns:
            shape = (p.masked_snippet or "").replace("|", "\\|").replace("`", "'")[:120]
            lines.append(f"| `{p.rule_id}` | `{shape}` | {p.pulls} | {p.repositories} | {p.ai_pulls} |")
    else:
        lines.append("None: no pattern first seen in this period recurred in two or more pull requests.")
    lines += ["", "### Riskiest merged pull requests (merged with findings open)", ""]
    if data.riskiest_merged:
        for p in data.riskiest_merged:
            who = f", AI-authored ({', '.join(p.agents) or 'agent unknown'})" if p.ai_authored else ""
            title = p.title.replace("[", "(").replace("]", ")")[:120]
            link = pull_url(web_url, p.repository, p.number)
            lines.append(
                f"- [{p.repository}#{p.number}]({link}) {title}: "
                f"risk {p.risk}, {p.open_findings} open of {p.findings} findings{who}"
            )
    else:
        lines.append("None.")
    return "\n".join(lines) + "\n"


def claim_week(session: Session, installation_id: int, org: str, week: str) -> bool:
    """Take this org's digest for `week`; False when it is taken already (posted or being posted)."""
    try:
        with session.begin_nested():
            session.add(DigestRow(installation_id=installation_id, org=org_key(org), week=week))
    except IntegrityError:
        return False
    return True


def release_week(session: Session, org: str, week: str) -> None:
    """Posting failed: let the next run try again."""
    session.execute(delete(DigestRow).where(DigestRow.org == org_key(org), DigestRow.week == week))


def mark_posted(session: Session, org: str, week: str, issue_url: str) -> None:
    row = session.scalars(
        select(DigestRow).where(DigestRow.org == org_key(org), DigestRow.week == week)
    ).one()
    row.state, row.issue_url = "posted", issue_url[:500]
