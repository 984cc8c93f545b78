"""Shared by the dashboard's tests, its browser test and the screenshot script: a seeded ledger and an app."""

from __future__ import annotations

import datetime as dt
import itertools
import random
from dataclasses import dataclass
from typing import Any

from prguard.ledger.models import Base, Finding, Installation, PullRequest, Repository, Review
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from tests.spine_helpers import make_settings

SESSION_SECRET = "dashboard-session-secret-for-tests-0123456789"
CLIENT_ID = "Iv1.dashboardtest"
CLIENT_SECRET = "dashboard-client-secret-for-tests"
TIMEOUT_PATTERN = "requests-post-no-timeout-0001"
_ids = itertools.count(1)


def dashboard_settings(github_url: str, **overrides: Any) -> Any:
    values = {
        "github_api_url": github_url,
        "github_web_url": github_url,
        "github_oauth_client_id": CLIENT_ID,
        "github_oauth_client_secret": CLIENT_SECRET,
        "session_secret": SESSION_SECRET,
    }
    values.update(overrides)
    return make_settings("redis://127.0.0.1:6379/0", **values)


def sqlite_engine(path: str) -> Any:
    engine = create_engine(f"sqlite:///{path}")
    Base.metadata.create_all(engine)
    return engine


@dataclass
class Seeder:
    """Writes ledger rows the way the worker's recorder does (one review per pull request here)."""

    session: Session
    org_login: str
    installation_id: int

    @classmethod
    def for_org(cls, session: Session, org_login: str, installation_id: int) -> Seeder:
        session.add(Installation(id=installation_id, org=org_login.lower(), account_login=org_login))
        session.flush()
        return cls(session, org_login, installation_id)

    def repo(self, name: str) -> Repository:
        repo = Repository(
            installation_id=self.installation_id,
            org=self.org_login.lower(),
            owner=self.org_login,
            name=name,
            full_name_key=f"{self.org_login}/{name}".lower(),
        )
        self.session.add(repo)
        self.session.flush()
        return repo

    def pull(
        self,
        repo: Repository,
        number: int,
        *,
        title: str,
        author: str,
        when: dt.datetime,
        agent: str = "",
        merged: bool = False,
        findings: list[dict[str, Any]] = (),  # type: ignore[assignment]
    ) -> PullRequest:
        org = self.org_login.lower()
        pull = PullRequest(
            installation_id=self.installation_id,
            org=org,
            repository_id=repo.id,
            number=number,
            title=title,
            author_login=author,
            first_seen_at=when,
            state="merged" if merged else "open",
            merged=merged,
            merged_at=when + dt.timedelta(hours=3) if merged else None,
        )
        self.session.add(pull)
        self.session.flush()
        review = Review(
            idempotency_key=f"review-{next(_ids)}",
            installation_id=self.installation_id,
            org=org,
            repository_id=repo.id,
            pull_request_id=pull.id,
            head_sha="a" * 40,
            reviewed_at=when,
            conclusion="failure" if findings else "success",
            ai_authored=bool(agent),
            agents=[agent] if agent else [],
            findings_count=len(findings),
        )
        self.session.add(review)
        self.session.flush()
        for index, spec in enumerate(findings):
            values = {
                "rule_id": "PG-TIMEOUT001",
                "analyzer": "instrumentation",
                "severity": "medium",
                "path": "app/client.py",
                "start_line": 10 + index,
                "end_line": 10 + index,
                "function": "app.client.send",
                "fingerprint": f"fp-{next(_ids)}",
                "pattern_key": TIMEOUT_PATTERN,
                "masked_snippet": "requests.post(NAME, json=NAME)",
                "title": "HTTP call without a timeout",
                **spec,
            }
            self.session.add(
                Finding(
                    review_id=review.id,
                    installation_id=self.installation_id,
                    org=org,
                    repository_id=repo.id,
                    pull_request_id=pull.id,
                    reviewed_at=when,
                    ai_authored=bool(agent),
                    agent=agent,
                    **values,
                )
            )
        self.session.flush()
        return pull


def seed_demo(engine: Any, now: dt.datetime | None = None, *, history: bool = False) -> None:
    """Org Acme (the issue's scenario: one pattern in three AI-authored PRs in two repos) and Other."""
    now = now or dt.datetime.now(dt.UTC)
    day = dt.timedelta(days=1)
    with Session(engine) as session:
        acme = Seeder.for_org(session, "Acme", 101)
        api, web = acme.repo("api"), acme.repo("web")
        acme.pull(
            api,
            11,
            title="Add billing webhook",
            author="devin-ai[bot]",
            agent="devin",
            when=now - 20 * day,
            merged=True,
            findings=[{}],
        )
        acme.pull(
            web,
            4,
            title="Post signups to CRM",
            author="alice",
            agent="copilot",
            when=now - 9 * day,
            findings=[
                {},
                {
                    "rule_id": "B602",
                    "analyzer": "security",
                    "severity": "high",
                    "pattern_key": "subprocess-shell-0002",
                    "title": "subprocess with shell=True",
                    "masked_snippet": "subprocess.run(NAME, shell=True)",
                },
            ],
        )
        acme.pull(
            api,
            12,
            title="Retry failed payouts",
            author="devin-ai[bot]",
            agent="devin",
            when=now - 2 * day,
            findings=[{}],
        )
        acme.pull(
            web,
            5,
            title="Tidy templates",
            author="bob",
            when=now - 30 * day,
            merged=True,
            findings=[
                {
                    "rule_id": "PG-OBS003",
                    "analyzer": "instrumentation",
                    "severity": "low",
                    "pattern_key": "bare-except-0003",
                    "title": "Exception swallowed",
                    "masked_snippet": "except Exception: pass",
                }
            ],
        )
        acme.pull(
            web,
            6,
            title="Shell out for thumbnails",
            author="bob",
            when=now - 15 * day,
            findings=[
                {
                    "rule_id": "B602",
                    "analyzer": "security",
                    "severity": "high",
                    "pattern_key": "subprocess-shell-0002",
                    "title": "subprocess with shell=True",
                    "masked_snippet": "subprocess.run(NAME, shell=True)",
                }
            ],
        )
        if history:
            add_history(acme, [api, web, acme.repo("worker")], now)
        other = Seeder.for_org(session, "Other", 202)
        secret = other.repo("secret-project")
        other.pull(secret, 1, title="Internal thing", author="mallory", when=now - 3 * day, findings=[{}])
        session.commit()


HISTORY_PATTERNS = [
    (
        "PG-TIMEOUT001",
        "medium",
        TIMEOUT_PATTERN,
        "HTTP call without a timeout",
        "requests.post(NAME, json=NAME)",
    ),
    (
        "B602",
        "high",
        "subprocess-shell-0002",
        "subprocess with shell=True",
        "subprocess.run(NAME, shell=True)",
    ),
    ("PG-OBS003", "low", "bare-except-0003", "Exception swallowed", "except Exception: pass"),
    ("B608", "high", "sql-format-0004", "SQL built with string formatting", 'NAME.execute(f"...{NAME}")'),
    ("PG-OBS001", "info", "print-debug-0005", "print() left in service code", "print(NAME)"),
]


def add_history(org: Seeder, repos: list[Repository], now: dt.datetime, weeks: int = 12) -> None:
    """Twelve weeks of pull requests (a fixed random sequence) so the charts have a shape: the screenshot."""
    rng = random.Random(15)
    authors = [("devin-ai[bot]", "devin"), ("copilot-swe-agent[bot]", "copilot"), ("alice", ""), ("bob", "")]
    number = 100
    for week in range(weeks, 0, -1):
        for _ in range(rng.randint(2, 6)):
            number += 1
            login, agent = rng.choice(authors)
            findings = []
            for _ in range(rng.randint(1, 3)):
                rule, severity, key, title, snippet = rng.choice(HISTORY_PATTERNS)
                findings.append(
                    {"rule_id": rule, "severity": severity, "pattern_key": key, "title": title,
                     "masked_snippet": snippet}
                )  # fmt: skip
            org.pull(
                rng.choice(repos),
                number,
                title=f"Change {number}",
                author=login,
                agent=agent,
                when=now - dt.timedelta(days=7 * week - rng.uniform(0, 6)),
                merged=rng.random() < 0.3,
                findings=findings,
            )
