"""The org's figures, one definition each, for the dashboard, its JSON API and the weekly digest.

Every function takes the org (login, any case) and filters on it first: nothing of another org can
come back. The definitions, the same on every page, in the API and in the digest:
- a finding *counts* (an "introduced finding") when its review is the pull request's newest
  (`superseded` false), the pull request introduced it (`is_new`: the recorder stores pre-existing
  findings too, marked so) and it is not suppressed in the code (the partial indexes'
  predicate, `models.COUNTED_FINDINGS`);
- a finding is *open* when it counts and nobody waived it (a waiver covers a whole check run);
- *accepted risk* is a merged pull request that still has open findings;
- a pattern *recurs* when it entered two or more pull requests;
- a finding's *author* series is its agent, "ai (agent unknown)" or "human" (weekly series are
  split by it).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from prguard.ledger.history import pull_url
from prguard.ledger.models import Finding, Installation, PullRequest, Repository, Review, aware, org_key
from sqlalchemy import ColumnElement, and_, case, distinct, exists, func, or_, select
from sqlalchemy.orm import Session

HUMAN = "human"
UNKNOWN_AGENT = "ai (agent unknown)"
SEVERITIES = ("high", "medium", "low", "info")
DEFAULT_WINDOW_DAYS = 90
TOP_PATTERNS = 10
ACCEPTED_RISK_SHOWN = 20


def counted(org: str) -> ColumnElement[bool]:
    """The findings of `org` that count (see the module doc)."""
    return and_(Finding.org == org_key(org), _counted_in_review())


def _counted_in_review() -> ColumnElement[bool]:
    """What makes a finding count, org aside (correlated look-ups are keyed by pull request)."""
    return and_(
        Finding.superseded.is_(False),
        Finding.is_new.is_(True),
        Finding.suppressed_kind.is_(None),
    )


def is_open() -> ColumnElement[bool]:
    return Finding.waived_by.is_(None)


def author_of(ai_authored: bool, agent: str | None) -> str:
    """The series a finding belongs to: its agent, 'ai (agent unknown)', or 'human'."""
    if not ai_authored:
        return HUMAN
    return agent or UNKNOWN_AGENT


def author_order(by_author: dict[str, int]) -> list[str]:
    """Series in a stable order: agents by size (then name), then human last."""
    agents = sorted((a for a in by_author if a != HUMAN), key=lambda a: (-by_author[a], a))
    return [*agents, HUMAN] if HUMAN in by_author else agents


@dataclass(slots=True)
class Week:
    start: dt.date
    by_author: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.by_author.values())


@dataclass(slots=True)
class PatternSummary:
    pattern_key: str
    rule_id: str
    title: str
    masked_snippet: str
    findings: int
    pulls: int
    repositories: int
    ai_findings: int
    first_seen: dt.datetime
    last_seen: dt.datetime
    ai_pulls: int = 0  # pull requests AI-authored among `pulls`

    def to_dict(self) -> dict[str, Any]:
        return {
            "pattern_key": self.pattern_key,
            "rule_id": self.rule_id,
            "title": self.title,
            "masked_snippet": self.masked_snippet,
            "findings": self.findings,
            "pulls": self.pulls,
            "repositories": self.repositories,
            "ai_findings": self.ai_findings,
            "first_seen": _iso(self.first_seen),
            "last_seen": _iso(self.last_seen),
        }


@dataclass(slots=True)
class RepositorySummary:
    name: str
    full_name: str
    findings: int
    pulls: int
    ai_findings: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "full_name": self.full_name,
            "findings": self.findings,
            "pulls": self.pulls,
            "ai_findings": self.ai_findings,
        }


@dataclass(slots=True)
class PullSummary:
    repository: str  # owner/name
    number: int
    title: str
    author_login: str
    state: str
    merged_at: dt.datetime | None
    open_findings: int
    findings: int
    risk: int = 0  # of the newest review, as are the authorship facts below
    ai_authored: bool = False
    agents: list[str] = field(default_factory=list)

    def to_dict(self, web_url: str) -> dict[str, Any]:
        return {
            "repository": self.repository,
            "number": self.number,
            "title": self.title,
            "author_login": self.author_login,
            "state": self.state,
            "merged_at": _iso(self.merged_at),
            "open_findings": self.open_findings,
            "findings": self.findings,
            "url": pull_url(web_url, self.repository, self.number),
        }


@dataclass(slots=True)
class Overview:
    org: str
    since: dt.datetime
    weeks: list[Week]
    by_author: dict[str, int]
    by_severity: list[tuple[str, int]]
    top_patterns: list[PatternSummary]
    repositories: list[RepositorySummary]
    accepted_risk: list[PullSummary]

    @property
    def total(self) -> int:
        return sum(self.by_author.values())

    @property
    def ai_total(self) -> int:
        return self.total - self.by_author.get(HUMAN, 0)

    def authors(self) -> list[str]:
        return author_order(self.by_author)


@dataclass(slots=True)
class Occurrence:
    repository: str
    number: int
    title: str
    author_login: str
    pull_state: str
    ai_authored: bool
    agent: str
    reviewed_at: dt.datetime
    path: str
    start_line: int
    function: str
    severity: str
    status: str  # open | waived | suppressed | pre-existing

    def to_dict(self, web_url: str) -> dict[str, Any]:
        return {
            "repository": self.repository,
            "number": self.number,
            "title": self.title,
            "author_login": self.author_login,
            "pull_state": self.pull_state,
            "ai_authored": self.ai_authored,
            "agent": self.agent or None,
            "reviewed_at": _iso(self.reviewed_at),
            "path": self.path,
            "line": self.start_line,
            "function": self.function or None,
            "severity": self.severity,
            "status": self.status,
            "url": pull_url(web_url, self.repository, self.number),
        }


@dataclass(slots=True)
class Page[T]:
    items: list[T]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def window_start(days: int = DEFAULT_WINDOW_DAYS, now: dt.datetime | None = None) -> dt.datetime:
    """The first instant of the window: a Monday at 00:00 UTC, so the first week is a whole one."""
    now = now or dt.datetime.now(dt.UTC)
    start = (now - dt.timedelta(days=days)).date()
    start -= dt.timedelta(days=start.weekday())
    return dt.datetime(start.year, start.month, start.day, tzinfo=dt.UTC)


def overview(session: Session, org: str, since: dt.datetime) -> Overview:
    """The org page in three scans of the org's counted findings plus one pull-request look-up."""
    return overview_from_parts(
        {name: part(session, org, since) for name, part in OVERVIEW_PARTS.items()}, org, since
    )


def overview_from_parts(parts: dict[str, Any], org: str, since: dt.datetime) -> Overview:
    """Assemble the overview from the results of `OVERVIEW_PARTS` (run one after another or side by side)."""
    weeks, by_author, by_severity = parts["weekly"]
    return Overview(
        org=org,
        since=since,
        weeks=weeks,
        by_author=by_author,
        by_severity=by_severity,
        top_patterns=parts["patterns"],
        repositories=parts["repositories"],
        accepted_risk=parts["accepted_risk"],
    )


def _week_of(session: Session, column: Any) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        return func.date_trunc("week", func.timezone("UTC", column))
    return func.date(column, "-6 days", "weekday 1")  # SQLite: the Monday on or before


def _as_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _weekly(
    session: Session, org: str, since: dt.datetime, repository_id: int | None = None
) -> tuple[list[Week], dict[str, int], list[tuple[str, int]]]:
    week = _week_of(session, Finding.reviewed_at).label("week")
    where = [counted(org), Finding.reviewed_at >= since]
    if repository_id is not None:
        where.append(Finding.repository_id == repository_id)
    rows = session.execute(
        select(week, Finding.severity, Finding.ai_authored, Finding.agent, func.count())
        .where(*where)
        .group_by(week, Finding.severity, Finding.ai_authored, Finding.agent)
    ).all()
    by_week: dict[dt.date, Week] = {}
    by_author: dict[str, int] = defaultdict(int)
    by_severity: dict[str, int] = defaultdict(int)
    for week_value, severity, ai_authored, agent, count in rows:
        start = _as_date(week_value)
        author = author_of(ai_authored, agent)
        bucket = by_week.setdefault(start, Week(start))
        bucket.by_author[author] = bucket.by_author.get(author, 0) + count
        by_author[author] += count
        by_severity[severity] += count
    first = since.date()
    last = dt.datetime.now(dt.UTC).date()
    weeks = []
    day = first - dt.timedelta(days=first.weekday())
    while day <= last:
        weeks.append(by_week.get(day, Week(day)))
        day += dt.timedelta(days=7)
    severities = [(s, by_severity.pop(s)) for s in SEVERITIES if s in by_severity]
    severities += sorted(by_severity.items())
    return weeks, dict(by_author), severities


def top_patterns(
    session: Session,
    org: str,
    since: dt.datetime,
    *,
    until: dt.datetime | None = None,
    limit: int = TOP_PATTERNS,
    offset: int = 0,
    repository_id: int | None = None,
    recurring_only: bool = True,
    only_pattern: str | None = None,
) -> list[PatternSummary]:
    """Patterns by how many pull requests they entered (recurring: two or more), most first.

    Counted per (pattern, pull request) first, then per pattern, in the order of the partial index
    `ix_ledger_findings_counted_pattern` (org, pattern, pull request): PostgreSQL answers from the
    index alone, streaming both levels without a sort. Rule, title and snippet are then read for the
    few patterns shown.
    """
    where = [counted(org), Finding.reviewed_at >= since]
    if until is not None:
        where.append(Finding.reviewed_at < until)
    if repository_id is not None:
        where.append(Finding.repository_id == repository_id)
    if only_pattern is not None:
        where.append(Finding.pattern_key == only_pattern)
    per_pull = (
        select(
            Finding.pattern_key.label("pattern_key"),
            func.max(Finding.repository_id).label("repository_id"),  # a pull request has one repository
            func.count().label("findings"),
            func.sum(case((Finding.ai_authored.is_(True), 1), else_=0)).label("ai"),
            func.min(Finding.reviewed_at).label("first"),
            func.max(Finding.reviewed_at).label("last"),
        )
        .where(*where)
        .group_by(Finding.pattern_key, Finding.pull_request_id)  # the index's order: no sort, no hash
    ).subquery()
    pulls = func.count()
    findings = func.sum(per_pull.c.findings)
    query = (
        select(
            per_pull.c.pattern_key,
            findings,
            pulls,
            func.count(distinct(per_pull.c.repository_id)),
            func.sum(per_pull.c.ai),
            func.min(per_pull.c.first),
            func.max(per_pull.c.last),
            func.sum(case((per_pull.c.ai > 0, 1), else_=0)),
        )
        .group_by(per_pull.c.pattern_key)
        .order_by(pulls.desc(), findings.desc(), per_pull.c.pattern_key)
        .limit(limit)
        .offset(offset)
    )
    if recurring_only:
        query = query.having(pulls >= 2)
    rows = session.execute(query).all()
    described = _describe_patterns(session, org, [row[0] for row in rows])
    return [
        PatternSummary(
            pattern_key=key,
            rule_id=described.get(key, ("", "", ""))[0],
            title=described.get(key, ("", "", ""))[1],
            masked_snippet=described.get(key, ("", "", ""))[2],
            findings=int(count),
            pulls=npulls,
            repositories=nrepos,
            ai_findings=int(ai or 0),
            first_seen=aware(first),
            last_seen=aware(last),
            ai_pulls=int(ai_pulls or 0),
        )
        for key, count, npulls, nrepos, ai, first, last, ai_pulls in rows
    ]


def _describe_patterns(session: Session, org: str, keys: Sequence[str]) -> dict[str, tuple[str, str, str]]:
    """(rule, title, masked snippet) of each pattern, from its newest finding (one index probe each)."""
    described = {}
    for key in keys:
        row = session.execute(
            select(Finding.rule_id, Finding.title, Finding.masked_snippet)
            .where(Finding.org == org_key(org), Finding.pattern_key == key)
            .order_by(Finding.reviewed_at.desc())
            .limit(1)
        ).first()
        if row is not None:
            described[key] = (row[0], row[1] or "", row[2] or "")
    return described


def count_patterns(session: Session, org: str, since: dt.datetime, *, recurring_only: bool) -> int:
    pulls = func.count(distinct(Finding.pull_request_id))
    inner = (
        select(Finding.pattern_key)
        .where(counted(org), Finding.reviewed_at >= since)
        .group_by(Finding.pattern_key)
    )
    if recurring_only:
        inner = inner.having(pulls >= 2)
    return session.execute(select(func.count()).select_from(inner.subquery())).scalar_one()


def repositories(session: Session, org: str, since: dt.datetime, limit: int = 50) -> list[RepositorySummary]:
    """The org's repositories by counted findings in the window (per pull request first, as patterns)."""
    per_pull = (
        select(
            Finding.repository_id.label("repository_id"),
            func.count().label("findings"),
            func.sum(case((Finding.ai_authored.is_(True), 1), else_=0)).label("ai"),
        )
        .where(counted(org), Finding.reviewed_at >= since)
        .group_by(Finding.repository_id, Finding.pull_request_id)
    ).subquery()
    findings = func.sum(per_pull.c.findings).label("findings")
    per_repo = (
        select(per_pull.c.repository_id, findings, func.count().label("pulls"), func.sum(per_pull.c.ai))
        .group_by(per_pull.c.repository_id)
        .order_by(findings.desc())
        .limit(limit)
    ).subquery()
    rows = session.execute(
        select(Repository.name, Repository.owner, *per_repo.c[1:])
        .join(per_repo, per_repo.c.repository_id == Repository.id)
        .order_by(per_repo.c.findings.desc(), Repository.name)
    ).all()
    return [
        RepositorySummary(name, f"{owner}/{name}", int(count), npulls, int(ai or 0))
        for name, owner, count, npulls, ai in rows
    ]


def _findings_of_pull(*, only_open: bool) -> Any:
    """How many counted (or open) findings the pull request of the row has."""
    where = [Finding.pull_request_id == PullRequest.id, _counted_in_review()]
    if only_open:
        where.append(is_open())
    return select(func.count()).where(*where).correlate(PullRequest).scalar_subquery()


def has_open_findings() -> ColumnElement[bool]:
    """The pull request of the row still has open findings (with `merged`: accepted risk)."""
    return exists().where(Finding.pull_request_id == PullRequest.id, _counted_in_review(), is_open())


def accepted_risk(
    session: Session, org: str, since: dt.datetime, limit: int = ACCEPTED_RISK_SHOWN
) -> list[PullSummary]:
    """Merged pull requests (merged in the window) that still have open findings, newest merge first."""
    page = pulls(session, org, since=since, merged_with_open_findings=True, per_page=limit)
    return page.items


def pulls(
    session: Session,
    org: str,
    *,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    state: str | None = None,
    merged_with_open_findings: bool = False,
    riskiest_first: bool = False,
    repository_id: int | None = None,
    page: int = 1,
    per_page: int = 50,
) -> Page[PullSummary]:
    """The org's pull requests the ledger knows, newest first, with their open and counted findings.

    `merged_with_open_findings` keeps the accepted risk (merged in [since, until)), newest merge
    first, or with `riskiest_first` by the newest review's risk, then open findings.
    """
    where: list[Any] = [PullRequest.org == org_key(org)]
    if repository_id is not None:
        where.append(PullRequest.repository_id == repository_id)
    if state:
        where.append(PullRequest.state == state)
    order = [PullRequest.first_seen_at.desc(), PullRequest.id.desc()]
    open_findings = _findings_of_pull(only_open=True)
    if merged_with_open_findings:
        where += [PullRequest.merged.is_(True), has_open_findings()]
        if since is not None:
            where.append(PullRequest.merged_at >= since)
        if until is not None:
            where.append(PullRequest.merged_at < until)
        order = [PullRequest.merged_at.desc(), PullRequest.id.desc()]
        if riskiest_first:
            order = [func.coalesce(Review.risk, 0).desc(), open_findings.desc(), *order]
    elif since is not None:
        where.append(or_(PullRequest.first_seen_at >= since, PullRequest.merged_at >= since))
    total = session.execute(select(func.count()).select_from(PullRequest).where(*where)).scalar_one()
    rows = session.execute(
        select(
            Repository.owner,
            Repository.name,
            PullRequest.number,
            PullRequest.title,
            PullRequest.author_login,
            PullRequest.state,
            PullRequest.merged_at,
            open_findings,
            _findings_of_pull(only_open=False),
            Review.risk,
            Review.ai_authored,
            Review.agents,
        )
        .join(Repository, Repository.id == PullRequest.repository_id)
        .outerjoin(Review, and_(Review.pull_request_id == PullRequest.id, Review.superseded.is_(False)))
        .where(*where)
        .order_by(*order)
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    items = [
        PullSummary(
            f"{owner}/{name}",
            number,
            title,
            author,
            state,
            aware(merged_at),
            open_,
            all_,
            risk=int(risk or 0),
            ai_authored=bool(ai),
            agents=list(agents or []),
        )
        for owner, name, number, title, author, state, merged_at, open_, all_, risk, ai, agents in rows
    ]
    return Page(items, total, page, per_page)


def occurrences(
    session: Session, org: str, pattern_key: str, *, page: int = 1, per_page: int = 50
) -> Page[Occurrence]:
    """Every finding of a pattern in the org's newest reviews (with its status), newest first."""
    where = [Finding.org == org_key(org), Finding.pattern_key == pattern_key, Finding.superseded.is_(False)]
    total = session.execute(select(func.count()).select_from(Finding).where(*where)).scalar_one()
    rows = session.execute(
        select(Finding, PullRequest, Repository.owner, Repository.name)
        .join(PullRequest, PullRequest.id == Finding.pull_request_id)
        .join(Repository, Repository.id == Finding.repository_id)
        .where(*where)
        .order_by(Finding.reviewed_at.desc(), Finding.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    items = [
        Occurrence(
            repository=f"{owner}/{name}",
            number=pull.number,
            title=pull.title,
            author_login=pull.author_login,
            pull_state=pull.state,
            ai_authored=finding.ai_authored,
            agent=finding.agent,
            reviewed_at=aware(finding.reviewed_at),
            path=finding.path,
            start_line=finding.start_line,
            function=finding.function,
            severity=finding.severity,
            status=status_of(finding),
        )
        for finding, pull, owner, name in rows
    ]
    return Page(items, total, page, per_page)


def pattern_summary(session: Session, org: str, pattern_key: str) -> PatternSummary | None:
    """The pattern's counts over all time (None when the org never had it)."""
    found = top_patterns(
        session,
        org,
        dt.datetime(1970, 1, 1, tzinfo=dt.UTC),
        limit=1,
        recurring_only=False,
        only_pattern=pattern_key,
    )
    return found[0] if found else None


def status_of(finding: Finding) -> str:
    if finding.waived_by:
        return "waived"
    if finding.suppressed_kind:
        return "suppressed"
    if not finding.is_new:
        return "pre-existing"
    return "open"


def repository(session: Session, org: str, name: str) -> Repository | None:
    return session.execute(
        select(Repository)
        .where(Repository.org == org_key(org), func.lower(Repository.name) == name.lower())
        .limit(1)
    ).scalar_one_or_none()


@dataclass(slots=True)
class RepositoryPage:
    repository: RepositorySummary
    weeks: list[Week]
    by_author: dict[str, int]
    by_severity: list[tuple[str, int]]
    patterns: list[PatternSummary]
    pulls: Page[PullSummary]

    def authors(self) -> list[str]:
        return author_order(self.by_author)


def repository_page(session: Session, org: str, repo: Repository, since: dt.datetime) -> RepositoryPage:
    weeks, by_author, by_severity = _weekly(session, org, since, repository_id=repo.id)
    repo_pulls = pulls(session, org, repository_id=repo.id, per_page=30)
    return RepositoryPage(
        repository=RepositorySummary(
            repo.name,
            f"{repo.owner}/{repo.name}",
            sum(by_author.values()),
            repo_pulls.total,
            sum(v for k, v in by_author.items() if k != HUMAN),
        ),
        weeks=weeks,
        by_author=by_author,
        by_severity=by_severity,
        patterns=top_patterns(session, org, since, repository_id=repo.id, recurring_only=False),
        pulls=repo_pulls,
    )


def _iso(value: dt.datetime | None) -> str | None:
    value = aware(value)
    return value.isoformat() if value else None


__all__: Sequence[str] = [
    "Overview",
    "Page",
    "PatternSummary",
    "PullSummary",
    "accepted_risk",
    "occurrences",
    "overview",
    "pattern_summary",
    "pulls",
    "repository",
    "repository_page",
    "top_patterns",
    "window_start",
]


OVERVIEW_PARTS: dict[str, Any] = {
    "weekly": lambda session, org, since: _weekly(session, org, since),
    "patterns": lambda session, org, since: top_patterns(session, org, since),
    "repositories": lambda session, org, since: repositories(session, org, since),
    "accepted_risk": lambda session, org, since: accepted_risk(session, org, since),
}


def known_orgs(session: Session, limit: int = 200) -> list[str]:
    """The accounts the App is installed on, as GitHub spells them (for the home page's list)."""
    rows = session.execute(
        select(Installation.account_login).group_by(Installation.account_login).limit(limit)
    ).scalars()
    return sorted(rows, key=str.lower)
