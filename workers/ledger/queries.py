"""Reading the ledger: the per-review "seen before" look-up and the org pages' data.

The public functions here are what the worker, the dashboard and the JSON API call.
Every one takes the org (login, any case) first and filters on it before anything
else: nothing of another org can come back. Counts leave out superseded reviews (only
the newest review of a pull request counts) and findings suppressed in the code.
Results are plain dataclasses with `to_dict()` (the JSON API's shapes).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from prguard.ledger.history import EARLIER_SHOWN, EarlierPull, PatternHistory
from prguard.ledger.models import Finding, Installation, PullRequest, Repository, Review, aware, org_key
from sqlalchemy import Select, and_, case, distinct, func, select
from sqlalchemy.orm import Session

SEVERITIES = ("high", "medium", "low", "info")
DEFAULT_OVERVIEW_WEEKS = 12
MAX_PER_PAGE = 100


def _counted(org: str) -> list[Any]:
    """The filter every count uses: this org, newest review of each PR, introduced by the PR (new), not
    suppressed in code. The same predicate as the partial indexes (models.COUNTED_FINDINGS)."""
    return [
        Finding.org == org_key(org),
        Finding.superseded.is_(False),
        Finding.is_new.is_(True),
        Finding.suppressed_kind.is_(None),
    ]


def _iso(value: dt.datetime | None) -> str | None:
    value = aware(value)
    return value.isoformat() if value is not None else None


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or dt.datetime.now(dt.UTC)


# -- the per-review look-up ---------------------------------------------------------------------------


def current_pull_id(session: Session, org: str, full_name: str, number: int) -> int | None:
    return session.scalars(
        select(PullRequest.id)
        .join(Repository, Repository.id == PullRequest.repository_id)
        .where(
            Repository.org == org_key(org),
            Repository.full_name_key == full_name.lower(),
            PullRequest.number == number,
        )
    ).first()


SCAN_CAP = 500  # newest occurrences per pattern the look-up reads; beyond, counts are "at least"


def seen_before(
    session: Session,
    org: str,
    pattern_keys: Sequence[str],
    *,
    full_name: str,
    number: int,
    window_days: int = 30,
    now: dt.datetime | None = None,
) -> list[PatternHistory]:
    """The patterns among `pattern_keys` that other pull requests of the org had within the window.

    `full_name`/`number` is the pull request under review: it is not counted in its own history.
    Ordered: most pull requests first. Each pattern reads at most its SCAN_CAP newest occurrences
    (an index-only range scan of `ix_ledger_findings_seen_before`), so a pattern in thousands of pull
    requests costs a review no more than a rare one; its counts are then marked `capped`. Two
    round trips whatever the number of patterns: one statement for the occurrences grouped per pull
    request, when each pattern was first seen and this review's own ids; one for the earlier pull
    requests' facts.
    """
    keys = sorted(set(pattern_keys))
    if not keys:
        return []
    since = _now(now) - dt.timedelta(days=window_days)
    params: dict[str, Any] = {
        "org": org_key(org), "full_name": full_name.lower(), "number": number, "since": since,
        "cap": SCAN_CAP, **{f"k{index}": key for index, key in enumerate(keys)},
    }  # fmt: skip
    totals: dict[str, Any] = {}
    agents: dict[str, dict[str, int]] = defaultdict(dict)
    newest: dict[str, list[int]] = defaultdict(list)
    first_seen: dict[str, Any] = {}
    for row in session.execute(_seen_before_sql(len(keys)), params):
        if row.kind == "t":
            totals[row.key] = row
        elif row.kind == "a":
            agents[row.key][row.agent] = int(row.n1)
        elif row.kind == "e":
            newest[row.key].append(row.pull)  # ordered newest first
        else:
            first_seen[row.key] = row.at
    if not totals:
        return []
    facts = _pull_facts(session, org, {pull for pulls in newest.values() for pull in pulls})
    histories = [
        PatternHistory(
            pattern_key=key,
            rule_id=row.rule,
            pulls=int(row.n1),
            repositories=int(row.n2),
            ai_pulls=int(row.n3 or 0),
            agents=dict(sorted(agents[key].items(), key=lambda item: (-item[1], item[0]))),
            first_seen=aware(_as_datetime(first_seen.get(key))) or since,
            earlier=[facts[pull] for pull in newest[key] if pull in facts],
            other_repository=int(row.n4) > 0,
            capped=int(row.n5) >= SCAN_CAP,
        )
        for key, row in totals.items()
    ]
    histories.sort(key=lambda h: (-h.pulls, -h.repositories, h.rule_id, h.pattern_key))
    return histories


# Plain SQL that SQLite and PostgreSQL both run. Only these constants and integer indexes go into the
# text (`__I__` becomes the pattern's index); every value is a bind parameter.
_COUNTED_SQL = "org = :org AND superseded IS false AND is_new IS true AND suppressed_kind IS NULL"
_RECENT_MEMBER = (
    "SELECT * FROM (SELECT pattern_key AS key, pull_request_id AS pull, repository_id AS repo, "
    "ai_authored AS ai, agent, rule_id AS rule, reviewed_at AS at FROM ledger_findings WHERE __COUNTED__ "
    "AND pattern_key = :k__I__ AND reviewed_at >= :since "
    "AND pull_request_id != COALESCE((SELECT pull FROM here), -1) "
    "ORDER BY reviewed_at DESC LIMIT :cap) AS r__I__"
)
_HERE = (  # this review's repository and pull request (absent before its first review)
    "WITH here AS (SELECT r.id AS repo, (SELECT p.id FROM ledger_pull_requests p "
    "WHERE p.repository_id = r.id AND p.number = :number) AS pull FROM ledger_repositories r "
    "WHERE r.org = :org AND r.full_name_key = :full_name ORDER BY r.id DESC LIMIT 1), "
)
# Rows of four kinds, one shape (kind, key, pull, agent, rule, at, n1..n5):
#   t: per pattern: n1 pull requests, n2 repositories, n3 AI-authored ones, n4 repositories other than
#      this one, n5 occurrences read (SCAN_CAP means capped), rule the rule id
#   a: per pattern and agent: n1 AI-authored pull requests of that agent
#   e: the EARLIER_SHOWN pull requests with the newest occurrences, newest first
#   f: when the org first had the pattern (its first index entry)
_SEEN_BEFORE = (
    "recent AS (__RECENT__), "
    "per_pull AS (SELECT key, pull, MAX(repo) AS repo, MAX(CASE WHEN ai THEN 1 ELSE 0 END) AS ai, "
    "MAX(agent) AS agent, MIN(rule) AS rule, MAX(at) AS at, COUNT(*) AS n FROM recent GROUP BY key, pull), "
    "ranked AS (SELECT key, pull, at, ROW_NUMBER() OVER (PARTITION BY key ORDER BY at DESC, pull DESC) AS "
    "position FROM per_pull) "
    "SELECT 't' AS kind, key, CAST(NULL AS BIGINT) AS pull, NULL AS agent, MIN(rule) AS rule, "
    "CAST(NULL AS TIMESTAMP WITH TIME ZONE) AS at, COUNT(*) AS n1, "
    "COUNT(DISTINCT repo) AS n2, SUM(ai) AS n3, "
    "COUNT(DISTINCT CASE WHEN repo != COALESCE((SELECT repo FROM here), -1) THEN repo END) AS n4, "
    "SUM(n) AS n5 FROM per_pull GROUP BY key "
    "UNION ALL SELECT 'a', key, NULL, agent, NULL, NULL, COUNT(*), NULL, NULL, NULL, NULL FROM per_pull "
    "WHERE ai = 1 AND agent != '' GROUP BY key, agent "
    "UNION ALL SELECT 'e', key, pull, NULL, NULL, at, position, NULL, NULL, NULL, NULL FROM ranked "
    "WHERE position <= __EARLIER__ "
    "UNION ALL SELECT 'f', key, NULL, NULL, NULL, at, NULL, NULL, NULL, NULL, NULL "
    "FROM (__FIRST__) AS firsts "
    "ORDER BY kind, key, n1"
)
_FIRST_MEMBER = (
    "SELECT * FROM (SELECT pattern_key AS key, reviewed_at AS at FROM ledger_findings WHERE __COUNTED__ "
    "AND pattern_key = :k__I__ ORDER BY reviewed_at ASC LIMIT 1) AS f__I__"
)


_FIRSTS = "SELECT * FROM (__MEMBERS__) AS all_firsts"


def _members(template: str, count: int) -> str:
    template = template.replace("__COUNTED__", _COUNTED_SQL)
    return " UNION ALL ".join(template.replace("__I__", str(index)) for index in range(count))


@functools.lru_cache(maxsize=64)
def _seen_before_sql(count: int) -> Any:
    """One statement for patterns :k0 ... :kN over each one's newest SCAN_CAP occurrences in the window
    outside this pull request, answering in the row kinds described above. Cached per pattern count."""
    from sqlalchemy import DateTime, Integer, String, bindparam, text

    firsts = _FIRSTS.replace("__MEMBERS__", _members(_FIRST_MEMBER, count))
    sql = _HERE + _SEEN_BEFORE.replace("__RECENT__", _members(_RECENT_MEMBER, count))
    sql = sql.replace("__FIRST__", firsts).replace("__EARLIER__", str(EARLIER_SHOWN))
    since = bindparam("since", type_=DateTime(timezone=True))  # stored the way the ORM stores it
    return text(sql).bindparams(since).columns(
        kind=String(), key=String(), pull=Integer(), agent=String(), rule=String(),
        at=DateTime(timezone=True), n1=Integer(), n2=Integer(), n3=Integer(), n4=Integer(), n5=Integer(),
    )  # fmt: skip


def _as_datetime(value: Any) -> dt.datetime | None:
    if value is None or isinstance(value, dt.datetime):
        return value
    return dt.datetime.fromisoformat(str(value))


def _pull_facts(session: Session, org: str, pull_ids: set[int]) -> dict[int, EarlierPull]:
    """Repository, number, title and authorship of each pull request (from its counted review)."""
    if not pull_ids:
        return {}
    rows = session.execute(
        select(
            PullRequest.id,
            Repository.owner,
            Repository.name,
            PullRequest.number,
            PullRequest.title,
            Review.reviewed_at,
            Review.ai_authored,
            Review.agents,
        )
        .join(Repository, Repository.id == PullRequest.repository_id)
        .join(Review, and_(Review.pull_request_id == PullRequest.id, Review.superseded.is_(False)))
        .where(PullRequest.org == org_key(org), PullRequest.id.in_(sorted(pull_ids)))
    ).all()
    facts = {}
    for pull_id, owner, name, number, title, reviewed_at, ai, agents in rows:
        facts[pull_id] = EarlierPull(
            full_name=f"{owner}/{name}",
            number=number,
            title=title or "",
            reviewed_at=aware(reviewed_at),
            ai_authored=bool(ai),
            agent=(agents or [""])[0] if ai else "",
        )
    return facts


# -- org pages ------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Page:
    """One page of a list: `items` plus where it sits (`total` items over all pages)."""

    items: list[Any]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    def to_dict(self) -> dict[str, Any]:
        return {
            "items": [item.to_dict() for item in self.items],
            "page": self.page,
            "per_page": self.per_page,
            "total": self.total,
            "pages": self.pages,
        }


def _page_bounds(page: int, per_page: int) -> tuple[int, int]:
    page = max(1, int(page))
    per_page = min(MAX_PER_PAGE, max(1, int(per_page)))
    return page, per_page


@dataclass(frozen=True, slots=True)
class PatternSummary:
    pattern_key: str
    rule_id: str
    masked_snippet: str
    findings: int
    pulls: int
    repositories: int
    ai_pulls: int
    first_seen: dt.datetime | None
    last_seen: dt.datetime | None
    severity: str

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["first_seen"], out["last_seen"] = _iso(self.first_seen), _iso(self.last_seen)
        return out


@dataclass(frozen=True, slots=True)
class RepositorySummary:
    full_name: str
    findings: int
    pulls: int
    ai_findings: int
    last_reviewed: dt.datetime | None

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["last_reviewed"] = _iso(self.last_reviewed)
        return out


@dataclass(frozen=True, slots=True)
class PullSummary:
    full_name: str
    number: int
    title: str
    author_login: str
    state: str  # open | closed | merged
    merged_at: dt.datetime | None
    reviewed_at: dt.datetime | None
    conclusion: str
    risk: int
    ai_authored: bool
    agents: list[str]
    findings: int
    waived_by: str | None

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["merged_at"], out["reviewed_at"] = _iso(self.merged_at), _iso(self.reviewed_at)
        return out


@dataclass(frozen=True, slots=True)
class Occurrence:
    """One finding of a pattern in one pull request."""

    full_name: str
    number: int
    title: str
    author_login: str
    state: str
    ai_authored: bool
    agent: str
    path: str
    start_line: int
    function: str
    severity: str
    reviewed_at: dt.datetime | None
    waived_by: str | None

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["reviewed_at"] = _iso(self.reviewed_at)
        return out


@dataclass(slots=True)
class Overview:
    """The org page: `since` is the start of the period every figure covers."""

    org: str
    since: dt.datetime
    findings_per_week: list[tuple[dt.date, int]] = field(default_factory=list)  # week start (Monday)
    ai_findings: int = 0
    human_findings: int = 0
    by_agent: dict[str, int] = field(default_factory=dict)  # findings in AI-authored PRs, per agent
    ai_pulls: int = 0
    human_pulls: int = 0
    by_severity: dict[str, int] = field(default_factory=dict)
    top_patterns: list[PatternSummary] = field(default_factory=list)
    repositories: list[RepositorySummary] = field(default_factory=list)
    accepted_risk: list[PullSummary] = field(default_factory=list)  # merged with findings open

    def to_dict(self) -> dict[str, Any]:
        return {
            "org": self.org,
            "since": _iso(self.since),
            "findings_per_week": [{"week": w.isoformat(), "findings": n} for w, n in self.findings_per_week],
            "authorship": {
                "ai_findings": self.ai_findings,
                "human_findings": self.human_findings,
                "ai_pulls": self.ai_pulls,
                "human_pulls": self.human_pulls,
                "by_agent": dict(self.by_agent),
            },
            "by_severity": dict(self.by_severity),
            "top_patterns": [p.to_dict() for p in self.top_patterns],
            "repositories": [r.to_dict() for r in self.repositories],
            "accepted_risk": [p.to_dict() for p in self.accepted_risk],
        }


def org_known(session: Session, org: str) -> bool:
    """Whether the ledger has an installation for this org (pages 404 otherwise)."""
    return (
        session.scalars(select(Installation.id).where(Installation.org == org_key(org)).limit(1)).first()
        is not None
    )


def _week_start(session: Session, column: Any) -> Any:
    """The Monday starting the column's week, as a date string the database computes."""
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.date_trunc("week", column), "YYYY-MM-DD")
    # SQLite: weekday 0 = Sunday; step back to Monday
    return func.date(column, "-" + func.cast((func.strftime("%w", column) + 6) % 7, _text()) + " days")


def _text() -> Any:
    from sqlalchemy import String

    return String()


def overview(
    session: Session,
    org: str,
    *,
    since: dt.datetime | None = None,
    now: dt.datetime | None = None,
    top: int = 10,
) -> Overview:
    """Everything on the org page over the period (default: the last twelve weeks)."""
    start = since or (_now(now) - dt.timedelta(weeks=DEFAULT_OVERVIEW_WEEKS))
    counted = [*_counted(org), Finding.reviewed_at >= start]
    result = Overview(org=org_key(org), since=start)

    week = _week_start(session, Finding.reviewed_at).label("week")
    result.findings_per_week = [
        (dt.date.fromisoformat(str(w)), int(n))
        for w, n in session.execute(select(week, func.count()).where(*counted).group_by(week).order_by(week))
    ]
    for ai, agent, count in session.execute(
        select(Finding.ai_authored, Finding.agent, func.count())
        .where(*counted)
        .group_by(Finding.ai_authored, Finding.agent)
    ):
        if ai:
            result.ai_findings += count
            result.by_agent[agent or "unknown"] = result.by_agent.get(agent or "unknown", 0) + count
        else:
            result.human_findings += count
    result.by_agent = dict(sorted(result.by_agent.items(), key=lambda item: (-item[1], item[0])))
    for ai, count in session.execute(
        select(Review.ai_authored, func.count())
        .where(Review.org == org_key(org), Review.superseded.is_(False), Review.reviewed_at >= start)
        .group_by(Review.ai_authored)
    ):
        if ai:
            result.ai_pulls += count
        else:
            result.human_pulls += count
    severity = dict(
        session.execute(
            select(Finding.severity, func.count()).where(*counted).group_by(Finding.severity)
        ).all()
    )
    result.by_severity = {name: int(severity.get(name, 0)) for name in SEVERITIES} | {
        name: int(n) for name, n in severity.items() if name not in SEVERITIES
    }
    result.top_patterns = _patterns(session, org, counted, limit=top)
    result.repositories = _repositories(session, org, counted)
    result.accepted_risk = pulls(session, org, merged=True, with_findings=True, per_page=top).items
    return result


def _severity_rank() -> Any:
    return func.max(
        case(
            (Finding.severity == "high", 3),
            (Finding.severity == "medium", 2),
            (Finding.severity == "low", 1),
            else_=0,
        )
    )


def _patterns(
    session: Session, org: str, conditions: list[Any], *, limit: int, offset: int = 0
) -> list[PatternSummary]:
    pulls_count = func.count(distinct(Finding.pull_request_id))
    rows = session.execute(
        select(
            Finding.pattern_key,
            func.min(Finding.rule_id),
            func.max(Finding.masked_snippet),
            func.count(),
            pulls_count,
            func.count(distinct(Finding.repository_id)),
            func.count(distinct(case((Finding.ai_authored.is_(True), Finding.pull_request_id)))),
            func.min(Finding.reviewed_at),
            func.max(Finding.reviewed_at),
            _severity_rank(),
        )
        .where(*conditions)
        .group_by(Finding.pattern_key)
        .order_by(pulls_count.desc(), func.count().desc(), Finding.pattern_key)
        .limit(limit)
        .offset(offset)
    ).all()
    names = {3: "high", 2: "medium", 1: "low", 0: "info"}
    return [
        PatternSummary(
            key, rule, snippet or "", n, p, r, ai, aware(first), aware(last), names[int(rank or 0)]
        )
        for key, rule, snippet, n, p, r, ai, first, last, rank in rows
    ]


def patterns(
    session: Session, org: str, *, since: dt.datetime | None = None, page: int = 1, per_page: int = 25
) -> Page:
    """Recurring patterns of the org, most pull requests first (the JSON API's `patterns`)."""
    page, per_page = _page_bounds(page, per_page)
    conditions = [*_counted(org)]
    if since is not None:
        conditions.append(Finding.reviewed_at >= since)
    total = session.scalar(select(func.count(distinct(Finding.pattern_key))).where(*conditions)) or 0
    items = _patterns(session, org, conditions, limit=per_page, offset=(page - 1) * per_page)
    return Page(items, page, per_page, int(total))


def _repositories(session: Session, org: str, conditions: list[Any]) -> list[RepositorySummary]:
    rows = session.execute(
        select(
            Repository.owner,
            Repository.name,
            func.count(),
            func.count(distinct(Finding.pull_request_id)),
            func.sum(case((Finding.ai_authored.is_(True), 1), else_=0)),
            func.max(Finding.reviewed_at),
        )
        .join(Repository, Repository.id == Finding.repository_id)
        .where(*conditions)
        .group_by(Repository.owner, Repository.name)
        .order_by(func.count().desc(), Repository.name)
    ).all()
    return [
        RepositorySummary(f"{owner}/{name}", n, p, int(ai or 0), aware(last))
        for owner, name, n, p, ai, last in rows
    ]


def pattern(
    session: Session, org: str, key: str, *, page: int = 1, per_page: int = 50
) -> tuple[PatternSummary | None, Page]:
    """One pattern: its summary and every occurrence (newest first), or (None, empty page)."""
    page, per_page = _page_bounds(page, per_page)
    conditions = [*_counted(org), Finding.pattern_key == key]
    summaries = _patterns(session, org, conditions, limit=1)
    if not summaries:
        return None, Page([], page, per_page, 0)
    total = session.scalar(select(func.count()).select_from(Finding).where(*conditions)) or 0
    rows = session.execute(
        select(
            Repository.owner,
            Repository.name,
            PullRequest.number,
            PullRequest.title,
            PullRequest.author_login,
            PullRequest.state,
            Finding.ai_authored,
            Finding.agent,
            Finding.path,
            Finding.start_line,
            Finding.function,
            Finding.severity,
            Finding.reviewed_at,
            Finding.waived_by,
        )
        .join(PullRequest, PullRequest.id == Finding.pull_request_id)
        .join(Repository, Repository.id == Finding.repository_id)
        .where(*conditions)
        .order_by(Finding.reviewed_at.desc(), Finding.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    items = [
        Occurrence(
            f"{owner}/{name}",
            number,
            title or "",
            author or "",
            state,
            bool(ai),
            agent or "",
            path,
            line,
            function or "",
            severity,
            aware(at),
            waived,
        )
        for (
            owner,
            name,
            number,
            title,
            author,
            state,
            ai,
            agent,
            path,
            line,
            function,
            severity,
            at,
            waived,
        ) in (rows)
    ]
    return summaries[0], Page(items, page, per_page, int(total))


def pulls(
    session: Session,
    org: str,
    *,
    repository: str | None = None,
    merged: bool | None = None,
    with_findings: bool = False,
    page: int = 1,
    per_page: int = 25,
) -> Page:
    """Pull requests with their counted review, newest review first.

    `repository` is a repository name or owner/name of the org; `merged=True` lists merged
    ones only; `with_findings` keeps those whose counted review has open findings
    (with `merged=True`: the accepted risk, riskiest first).
    """
    page, per_page = _page_bounds(page, per_page)
    statement: Select[Any] = (
        select(
            Repository.owner,
            Repository.name,
            PullRequest.number,
            PullRequest.title,
            PullRequest.author_login,
            PullRequest.state,
            PullRequest.merged_at,
            Review.reviewed_at,
            Review.conclusion,
            Review.risk,
            Review.ai_authored,
            Review.agents,
            Review.findings_count,
            Review.waived_by,
        )
        .join(Repository, Repository.id == PullRequest.repository_id)
        .join(Review, and_(Review.pull_request_id == PullRequest.id, Review.superseded.is_(False)))
        .where(PullRequest.org == org_key(org))
    )
    if repository:
        name = repository.lower()
        statement = statement.where(
            Repository.full_name_key == (name if "/" in name else f"{org_key(org)}/{name}")
        )
    if merged is not None:
        statement = statement.where(PullRequest.merged.is_(merged))
    if with_findings:
        statement = statement.where(Review.findings_count > 0)
    total = session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    if merged and with_findings:
        order = (Review.risk.desc(), Review.findings_count.desc(), PullRequest.merged_at.desc())
    else:
        order = (Review.reviewed_at.desc(), PullRequest.id.desc())
    rows = session.execute(statement.order_by(*order).limit(per_page).offset((page - 1) * per_page)).all()
    items = [
        PullSummary(
            f"{owner}/{name}",
            number,
            title or "",
            author or "",
            state,
            aware(merged_at),
            aware(reviewed),
            conclusion,
            risk,
            bool(ai),
            list(agents or []),
            count,
            waived,
        )
        for (
            owner,
            name,
            number,
            title,
            author,
            state,
            merged_at,
            reviewed,
            conclusion,
            risk,
            ai,
            agents,
            count,
            waived,
        ) in rows
    ]
    return Page(items, page, per_page, int(total))


@dataclass(slots=True)
class RepositoryPage:
    org: str
    full_name: str
    summary: RepositorySummary | None
    top_patterns: list[PatternSummary]
    pulls: Page

    def to_dict(self) -> dict[str, Any]:
        return {
            "org": self.org,
            "repository": self.full_name,
            "summary": self.summary.to_dict() if self.summary else None,
            "top_patterns": [p.to_dict() for p in self.top_patterns],
            "pulls": self.pulls.to_dict(),
        }


def repository_page(
    session: Session, org: str, repository: str, *, page: int = 1, per_page: int = 25, top: int = 10
) -> RepositoryPage | None:
    """One repository of the org (by name): its figures, patterns and pull requests; None if unknown."""
    key = repository.lower() if "/" in repository else f"{org_key(org)}/{repository.lower()}"
    repo = session.execute(
        select(Repository.id, Repository.owner, Repository.name).where(
            Repository.org == org_key(org), Repository.full_name_key == key
        )
    ).first()
    if repo is None:
        return None
    conditions = [*_counted(org), Finding.repository_id == repo.id]
    summaries = _repositories(session, org, conditions)
    return RepositoryPage(
        org=org_key(org),
        full_name=f"{repo.owner}/{repo.name}",
        summary=summaries[0] if summaries else None,
        top_patterns=_patterns(session, org, conditions, limit=top),
        pulls=pulls(session, org, repository=key, page=page, per_page=per_page),
    )
