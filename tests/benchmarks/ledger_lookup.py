"""The per-review "seen before" look-up on PostgreSQL with 1,000,000 finding rows: median / p95.

    .venv/bin/python -m tests.benchmarks.ledger_lookup [--rows 1000000] [--reviews 300] [--regenerate]

Data: the dashboard benchmark's generator (tests/benchmarks/dashboard_overview.py: 12 orgs of very
different sizes, the largest with 40% of the rows, 365 days, a Zipf mix of pattern keys, a quarter
of reviews superseded, a third AI-authored), in a schema of its own (`ledger_bench`, kept between
runs; `--regenerate` rebuilds it).

What is timed: what the worker does per review (prguard.worker.ledger.LedgerHooks.look_up): take a
pooled connection of the look-up engine (autocommit, statement timeout set at connect, pre-ping)
and run `prguard.ledger.queries.seen_before` for the review's pattern keys. Cases: real reviews of
the largest org and of a middle-sized org (their own pattern keys, window 30 days and 365 days), and
a worst case: the largest org's ten most frequent patterns at once. Each case is warmed once.
Target (issue 15): p95 < 20 ms.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from typing import Any

from tests.benchmarks import dashboard_overview as data

SCHEMA = "ledger_bench"


def _cases(
    engine: Any, reviews: int, seed: int = 15
) -> list[tuple[str, str, list[tuple[str, int, list[str]]]]]:
    """(label, org, [(full name, number, pattern keys)]) per case."""
    from prguard.ledger.db import session_scope
    from prguard.ledger.models import Finding, PullRequest, Repository
    from sqlalchemy import func, select

    rng = random.Random(seed)
    cases = []
    with session_scope(engine) as session:
        for org in ("org00", "org05"):
            pulls = session.execute(
                select(PullRequest.id, Repository.full_name_key, PullRequest.number)
                .join(Repository, Repository.id == PullRequest.repository_id)
                .where(PullRequest.org == org)
                .order_by(PullRequest.id)
            ).all()
            chosen = rng.sample(pulls, min(reviews * 3, len(pulls)))
            picked = []
            for pull_id, full_name, number in chosen:
                keys = session.scalars(
                    select(Finding.pattern_key)
                    .distinct()
                    .where(Finding.pull_request_id == pull_id, Finding.superseded.is_(False))
                ).all()
                if keys:
                    picked.append((full_name, number, list(keys)))
                if len(picked) == reviews:
                    break
            cases.append((f"{org} reviews", org, picked))
        top = session.scalars(
            select(Finding.pattern_key)
            .where(Finding.org == "org00", Finding.superseded.is_(False))
            .group_by(Finding.pattern_key)
            .order_by(func.count().desc())
            .limit(10)
        ).all()
        full_name, number = cases[0][2][0][0], cases[0][2][0][1]
        cases.append(("org00 ten most frequent patterns", "org00", [(full_name, number, list(top))] * 50))
    return cases


def _time(engine: Any, org: str, reviews: list[tuple[str, int, list[str]]], window: int) -> list[float]:
    from prguard.ledger.db import session_scope
    from prguard.ledger.queries import seen_before
    from prguard.worker.ledger import lookup_engine

    lookup = lookup_engine(engine)  # the worker's: autocommit, statement timeout set at connect

    def once(full_name: str, number: int, keys: list[str]) -> int:
        with session_scope(lookup) as session:
            return len(
                seen_before(session, org, keys, full_name=full_name, number=number, window_days=window)
            )

    once(*reviews[0])  # warm
    timings = []
    for full_name, number, keys in reviews:
        started = time.perf_counter()
        once(full_name, number, keys)
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def _load() -> str:
    import os

    return " ".join(f"{v:.2f}" for v in os.getloadavg()) + f" on {os.cpu_count()} CPUs"


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=data.DEFAULT_URL)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--reviews", type=int, default=300)
    parser.add_argument("--regenerate", action="store_true")
    args = parser.parse_args()

    from prguard.ledger.db import make_engine, upgrade

    data.SCHEMA = SCHEMA  # the generator writes into our own schema
    have = 0 if args.regenerate else data.existing_rows(args.url)
    if args.regenerate or have < args.rows:
        data.generate(args.url, args.rows)
    else:  # a schema kept from an earlier run gets the newer migrations (indexes) too
        upgrade(data.schema_url(args.url))
        with make_engine(data.schema_url(args.url)).connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM ANALYZE")
    engine = make_engine(data.schema_url(args.url))
    with engine.connect() as connection:
        from sqlalchemy import text

        rows = connection.scalar(text("select count(*) from ledger_findings"))
    print(f"ledger_findings rows: {rows:,} (PostgreSQL, schema {SCHEMA}); load average {_load()}")
    header = ("case", "window", "n", "keys/review", "median ms", "p95 ms", "max ms")
    print("{:<36} {:>7} {:>5} {:>11} {:>10} {:>8} {:>8}".format(*header))
    for label, org, reviews in _cases(engine, args.reviews):
        for window in (30, 365):
            timings = _time(engine, org, reviews, window)
            keys = statistics.mean(len(k) for *_, k in reviews)
            median, p95 = statistics.median(timings), _p95(timings)
            print(
                f"{label:<36} {window:>6}d {len(timings):>5} {keys:>11.1f} {median:>10.2f} "
                f"{p95:>8.2f} {max(timings):>8.2f}"
            )
    writes = _time_writes(engine, 100)
    print(
        f"{'record a review (6 findings), org05':<36} {'':>7} {len(writes):>5} {'':>11} "
        f"{statistics.median(writes):>10.2f} {_p95(writes):>8.2f} {max(writes):>8.2f}"
    )
    engine.dispose()
    return 0


def _time_writes(engine: Any, count: int) -> list[float]:
    """What the worker does after publishing: record one review (upsert, findings, supersession)."""
    from prguard.engine.model import Finding as EngineFinding
    from prguard.engine.model import ReviewResult, Severity
    from prguard.ledger.db import session_scope
    from prguard.ledger.extract import review_record
    from prguard.ledger.models import Finding, PullRequest, Review
    from prguard.ledger.record import record_review
    from sqlalchemy import delete, select

    first = 9_000_000  # pull request numbers no generated row uses; deleted afterwards
    with engine.begin() as connection:  # the generator COPYs ids in: move the sequences past them
        for table in ("ledger_pull_requests", "ledger_reviews", "ledger_findings", "ledger_repositories"):
            connection.exec_driver_sql(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"
            )
    timings = []
    try:
        for index in range(count):
            findings = [
                EngineFinding(
                    f"PG-BENCH{n:03d}", "bench", Severity.MEDIUM, f"src/m{n}.py", 3, 3, "m", f"fp{n}"
                )
                for n in range(6)
            ]
            result = ReviewResult(
                "neutral", findings, [], [], {}, {"ai_authored": True, "agents": [{"id": "codex"}]}
            )
            record = review_record(
                installation_id=6, owner="Org05", repo="service-000", number=first + index,
                head_sha=f"{index:040x}", result=result,
            )  # fmt: skip
            started = time.perf_counter()
            with session_scope(engine) as session:
                record_review(session, record)
            timings.append((time.perf_counter() - started) * 1000)
    finally:
        with session_scope(engine) as session:
            pulls = select(PullRequest.id).where(PullRequest.number >= first)
            session.execute(delete(Finding).where(Finding.pull_request_id.in_(pulls)))
            session.execute(delete(Review).where(Review.pull_request_id.in_(pulls)))
            session.execute(delete(PullRequest).where(PullRequest.number >= first))
    return timings


if __name__ == "__main__":
    sys.exit(main())
