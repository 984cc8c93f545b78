"""Reading the ledger during a review: the per-review "seen before" look-up.

It takes the org (login, any case) first and filters on it before anything else: nothing of
another org can come back. It counts what `prguard.ledger.figures` counts (the counted findings:
newest review, introduced by the pull request, not suppressed in code); the org's figures for the
dashboard, its API and the digest live there.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from prguard.ledger.history import EARLIER_SHOWN, EarlierPull, PatternHistory
from prguard.ledger.models import PullRequest, Repository, Review, aware, org_key
from sqlalchemy import and_, select
from sqlalchemy.orm import Session


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
