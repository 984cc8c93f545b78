"""Dashboard org overview on PostgreSQL with 1,000,000 finding rows: render time median / p95.

    .venv/bin/python -m tests.benchmarks.dashboard_overview [--rows 1000000] [--runs 30] [--regenerate]

Builds its own schema (`dashboard_bench`) in postgresql+psycopg://postgres@127.0.0.1:5432/prguard_test
with the ledger's Alembic migrations, then fills it with a generator (COPY, seeded RNG): 12 orgs
of very different sizes (the largest holds 40% of all rows), 365 days of history, a long-tailed
(Pareto) mix of pattern keys, a quarter of pull requests reviewed twice (the first review superseded),
35% AI-authored by one of five agents, a fifth merged, 15% of findings pre-existing, a few suppressed
or waived; then VACUUM ANALYZE, as autovacuum would. The schema is kept between runs (`--regenerate`
rebuilds it, also needed after a new migration).

What is timed: the whole `GET /orgs/<org>` of the Flask app (membership answered from the cache,
as after the first view; every query, the SVG charts and the template), for the largest org and a
middle-sized one, with the default 90-day window and a 365-day one. Each case is warmed once,
then run `--runs` times. Target (issue 15): < 300 ms.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import statistics
import sys
import time
from typing import Any

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/prguard_test"
SCHEMA = "dashboard_bench"
ORG_WEIGHTS = [40, 15, 10, 8, 6, 5, 4, 3, 3, 2, 2, 2]
AGENTS = ["copilot", "claude-code", "devin", "cursor", "codex"]
SEVERITIES = [("high", 1), ("medium", 3), ("low", 4), ("info", 2)]
RULES = [f"PG-BENCH{n:03d}" for n in range(40)] + ["B602", "B608", "B105", "B301"]
DAYS = 365
FINDINGS_PER_REVIEW = 6  # mean


def schema_url(base: str) -> str:
    separator = "&" if "?" in base else "?"
    return f"{base}{separator}options=-csearch_path%3D{SCHEMA}"


def generate(base_url: str, rows: int, seed: int = 15) -> None:
    """Drop and rebuild the schema, migrate it, COPY the rows in."""
    import psycopg
    from prguard.ledger.db import upgrade

    plain = base_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
        conn.execute(f"CREATE SCHEMA {SCHEMA}")
    upgrade(schema_url(base_url))
    rng = random.Random(seed)
    now = dt.datetime.now(dt.UTC)
    started = time.perf_counter()
    total_weight = sum(ORG_WEIGHTS)
    severities = [s for s, w in SEVERITIES for _ in range(w)]
    ids = {"repo": 0, "pull": 0, "review": 0, "finding": 0}
    with psycopg.connect(plain, autocommit=False, options=f"-csearch_path={SCHEMA}") as conn:
        cur = conn.cursor()
        with (
            cur.copy("COPY ledger_installations (id, org, account_login, created_at) FROM STDIN") as inst,
        ):
            for index in range(len(ORG_WEIGHTS)):
                inst.write_row(
                    (index + 1, f"org{index:02d}", f"Org{index:02d}", now - dt.timedelta(days=DAYS))
                )
        repos: list[tuple[int, int, str]] = []
        with cur.copy(
            "COPY ledger_repositories (id, installation_id, org, owner, name, full_name_key) FROM STDIN"
        ) as copy:
            for index, weight in enumerate(ORG_WEIGHTS):
                for r in range(max(3, weight * 3)):
                    ids["repo"] += 1
                    name = f"service-{r:03d}"
                    copy.write_row(
                        (
                            ids["repo"],
                            index + 1,
                            f"org{index:02d}",
                            f"Org{index:02d}",
                            name,
                            f"org{index:02d}/{name}",
                        )
                    )
                    repos.append((ids["repo"], index + 1, f"org{index:02d}"))
        by_org: dict[str, list[tuple[int, int, str]]] = {}
        for repo in repos:
            by_org.setdefault(repo[2], []).append(repo)
        pull_rows, review_rows, finding_rows = [], [], []
        written = 0
        for index, weight in enumerate(ORG_WEIGHTS):
            org = f"org{index:02d}"
            org_rows = (
                rows * weight // total_weight
                if index
                else rows - sum(rows * w // total_weight for w in ORG_WEIGHTS[1:])
            )
            patterns = [f"{org}-pattern-{p:05d}" for p in range(max(50, org_rows // 200))]
            pattern_rules = {p: rng.choice(RULES) for p in patterns}
            made = 0
            while made < org_rows:
                repo_id, installation_id, _ = rng.choice(by_org[org])
                ids["pull"] += 1
                pull_id = ids["pull"]
                opened = now - dt.timedelta(seconds=rng.uniform(0, DAYS * 86400))
                ai = rng.random() < 0.35
                agent = rng.choice(AGENTS) if ai else ""
                merged = rng.random() < 0.2
                merged_at = opened + dt.timedelta(hours=rng.uniform(1, 72)) if merged else None
                pull_rows.append(
                    (
                        pull_id,
                        installation_id,
                        org,
                        repo_id,
                        pull_id,
                        f"Change {pull_id}",
                        f"{agent or 'dev'}-{pull_id % 97}",
                        opened,
                        "merged" if merged else "open",
                        merged,
                        merged_at,
                    )
                )
                reviews = 2 if rng.random() < 0.25 else 1
                for r in range(reviews):
                    ids["review"] += 1
                    review_id = ids["review"]
                    superseded = r < reviews - 1
                    reviewed = opened + dt.timedelta(minutes=10 * r)
                    count = min(org_rows - made, max(0, int(rng.expovariate(1 / FINDINGS_PER_REVIEW))))
                    review_rows.append(
                        (
                            review_id,
                            f"k{review_id}",
                            installation_id,
                            org,
                            repo_id,
                            pull_id,
                            f"{review_id:040x}",
                            "",
                            "",
                            "pull_request.opened",
                            "high" if ai else "",
                            reviewed,
                            "failure" if count else "success",
                            rng.randint(0, 90),
                            ai,
                            json.dumps([agent] if agent else []),
                            superseded,
                            count,
                        )
                    )
                    for _ in range(count):
                        ids["finding"] += 1
                        key = patterns[min(len(patterns) - 1, int(rng.paretovariate(1.1)) - 1)]
                        suppressed = "prguard" if rng.random() < 0.03 else None
                        waived = "lead" if rng.random() < 0.02 else None
                        finding_rows.append(
                            (
                                ids["finding"],
                                review_id,
                                installation_id,
                                org,
                                repo_id,
                                pull_id,
                                reviewed,
                                superseded,
                                ai,
                                agent,
                                pattern_rules[key],
                                "bench",
                                rng.choice(severities),
                                None,
                                f"src/mod{rng.randint(0, 400)}.py",
                                rng.randint(1, 900),
                                rng.randint(1, 900),
                                "pkg.mod.func",
                                f"fp{ids['finding']}",
                                key,
                                "call(NAME, NAME)",
                                "A finding",
                                rng.random() < 0.85,
                                suppressed,
                                waived,
                            )
                        )
                    made += count
            written += made
            flush(cur, pull_rows, review_rows, finding_rows)
            print(f"  {org}: {made:,} findings", file=sys.stderr)
        conn.commit()
    with psycopg.connect(plain, autocommit=True, options=f"-csearch_path={SCHEMA}") as conn:
        # what autovacuum does to an insert-heavy table (PostgreSQL 13+): statistics and the visibility map
        conn.execute("VACUUM ANALYZE")
    print(f"generated {written:,} finding rows in {time.perf_counter() - started:.1f} s", file=sys.stderr)


def flush(cur: Any, pulls: list[tuple], reviews: list[tuple], findings: list[tuple]) -> None:
    with cur.copy(
        "COPY ledger_pull_requests (id, installation_id, org, repository_id, number, title, author_login,"
        " first_seen_at, state, merged, merged_at) FROM STDIN"
    ) as copy:
        for row in pulls:
            copy.write_row(row)
    with cur.copy(
        "COPY ledger_reviews (id, idempotency_key, installation_id, org, repository_id, pull_request_id,"
        " head_sha, base_sha, policy_digest, trigger, ai_confidence, reviewed_at, conclusion, risk,"
        " ai_authored, agents, superseded, findings_count) FROM STDIN"
    ) as copy:
        for row in reviews:
            copy.write_row(row)
    with cur.copy(
        "COPY ledger_findings (id, review_id, installation_id, org, repository_id, pull_request_id,"
        " reviewed_at, superseded, ai_authored, agent, rule_id, analyzer, severity, cwe, path, start_line,"
        " end_line, function, fingerprint, pattern_key, masked_snippet, title, is_new, suppressed_kind,"
        " waived_by) FROM STDIN"
    ) as copy:
        for row in findings:
            copy.write_row(row)
    pulls.clear()
    reviews.clear()
    findings.clear()


def existing_rows(base_url: str) -> int:
    import psycopg

    plain = base_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain) as conn:
        found = conn.execute(
            "SELECT 1 FROM information_schema.tables"
            " WHERE table_schema = %s AND table_name = 'ledger_findings'",
            (SCHEMA,),
        ).fetchone()
        if not found:
            return 0
        return conn.execute(f"SELECT count(*) FROM {SCHEMA}.ledger_findings").fetchone()[0]


class MemberOfAll:
    """Stands in for GitHub: every token is an active member (the cache answers after the first view)."""

    web_url = "https://github.com"

    def is_active_member(self, token: str, org: str) -> bool:
        return True


def measure(base_url: str, runs: int) -> list[dict[str, Any]]:
    import redis
    from prguard.app import create_app
    from prguard.app.dashboard.sessions import SESSION_COOKIE, CookieSealer, Session
    from prguard.ledger.db import make_engine

    from tests.dashboard_helpers import SESSION_SECRET, dashboard_settings

    engine = make_engine(schema_url(base_url))
    app = create_app(
        dashboard_settings("https://api.github.com", github_web_url="https://github.com"),
        redis_client=redis.Redis(),
        dashboard={"engine": engine, "github": MemberOfAll()},
    )
    client = app.test_client()
    client.environ_base["wsgi.url_scheme"] = "https"
    cookie = CookieSealer(SESSION_SECRET).seal_session(Session("bench", 1, "gho_bench", "csrf"))
    client.set_cookie(SESSION_COOKIE, cookie, domain="localhost")
    results = []
    for org, label in (("org00", "largest org (40% of rows)"), ("org04", "middle org (6% of rows)")):
        counted = org_findings(engine, org)
        for days in (90, 365):
            path = f"/orgs/{org}?days={days}"
            warm = client.get(path)
            if warm.status_code != 200:
                raise SystemExit(f"{path} answered {warm.status_code}")
            times = []
            for _ in range(runs):
                started = time.perf_counter()
                answer = client.get(path)
                times.append((time.perf_counter() - started) * 1000)
                assert answer.status_code == 200
            times.sort()
            results.append(
                {
                    "case": f"{label}, {days} days",
                    "org_findings": counted,
                    "median_ms": statistics.median(times),
                    "p95_ms": statistics.quantiles(times, n=20, method="inclusive")[18],
                    "max_ms": times[-1],
                }
            )
    engine.dispose()
    return results


def org_findings(engine: Any, org: str) -> int:
    from sqlalchemy import text

    with engine.connect() as conn:
        return conn.execute(
            text("SELECT count(*) FROM ledger_findings WHERE org = :org"), {"org": org}
        ).scalar()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", default=DEFAULT_URL)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--regenerate", action="store_true")
    args = parser.parse_args()
    have = existing_rows(args.url)
    if args.regenerate or have < args.rows:
        print(f"generating {args.rows:,} finding rows in schema {SCHEMA} ...", file=sys.stderr)
        generate(args.url, args.rows)
    total = existing_rows(args.url)
    print(f"ledger_findings rows: {total:,} (schema {SCHEMA}); {args.runs} runs per case after one warm-up")
    print(f"{'case':<36} {'org rows':>10} {'median ms':>10} {'p95 ms':>8} {'max ms':>8}")
    for row in measure(args.url, args.runs):
        print(
            f"{row['case']:<36} {row['org_findings']:>10,} {row['median_ms']:>10.1f} "
            f"{row['p95_ms']:>8.1f} {row['max_ms']:>8.1f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
