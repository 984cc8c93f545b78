"""What every dashboard request shares: settings, the cookie sealer, GitHub, membership cache, database."""

from __future__ import annotations

import datetime as dt
import functools
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from prguard.app.dashboard.github_user import GitHubUserClient
from prguard.app.dashboard.membership import MembershipCache
from prguard.app.dashboard.sessions import CookieSealer
from prguard.config import Settings

MIN_WINDOW_DAYS = 7
MAX_WINDOW_DAYS = 366
WORK_MEM = "64MB"
STATEMENT_TIMEOUT_MS = 15_000
OVERVIEW_THREADS = 4  # one per independent overview query (the engine's pool holds 5 connections)


@dataclass
class Dashboard:
    settings: Settings
    sealer: CookieSealer
    github: GitHubUserClient
    membership: MembershipCache
    engine_factory: Callable[[], Any]
    _engine: Any = None

    @classmethod
    def build(
        cls, settings: Settings, *, engine: Any = None, github: Any = None, clock: Any = None
    ) -> Dashboard:
        github = github or GitHubUserClient(
            web_url=settings.github_web_url,
            api_url=settings.github_api_url,
            client_id=settings.github_oauth_client_id,
            client_secret=settings.github_oauth_client_secret,
        )
        membership = MembershipCache(
            github.is_active_member, ttl=settings.dashboard_membership_ttl, clock=clock or time.monotonic
        )
        return cls(
            settings=settings,
            sealer=CookieSealer(settings.session_secret),
            github=github,
            membership=membership,
            engine_factory=_default_engine,
            _engine=engine,
        )

    @property
    def engine(self) -> Any:
        if self._engine is None:
            self._engine = self.engine_factory()
        return self._engine

    @contextmanager
    def db(self) -> Iterator[Any]:
        """A read-only unit of work on the ledger."""
        from sqlalchemy import text
        from sqlalchemy.orm import Session

        with Session(self.engine) as session:
            if session.get_bind().dialect.name == "postgresql":
                # the org page hashes and sorts a few hundred thousand index entries: in memory, not on disk
                session.execute(text(f"SET LOCAL work_mem = '{WORK_MEM}'"))
                # a page that cannot be answered in time frees its web thread and connection
                session.execute(text(f"SET LOCAL statement_timeout = '{STATEMENT_TIMEOUT_MS}'"))
            yield session

    def overview(self, org: str, since: dt.datetime) -> Any:
        """The org overview; on PostgreSQL its independent queries run side by side, one connection each."""
        from prguard.ledger import figures

        if self.engine.dialect.name != "postgresql":
            with self.db() as session:
                return figures.overview(session, org, since)

        def run(part: Callable[..., Any]) -> Any:
            with self.db() as session:
                return part(session, org, since)

        parts = dict(
            zip(figures.OVERVIEW_PARTS, self._pool.map(run, figures.OVERVIEW_PARTS.values()), strict=True)
        )
        return figures.overview_from_parts(parts, org, since)

    @functools.cached_property
    def _pool(self) -> ThreadPoolExecutor:
        return ThreadPoolExecutor(max_workers=OVERVIEW_THREADS, thread_name_prefix="dashboard-query")


def _default_engine() -> Any:
    from prguard.ledger.db import default_engine

    return default_engine()


def window_days(raw: str | None, default: int = 90) -> int:
    """The ?days= of a page or API call, clamped to a week .. a year."""
    try:
        days = int(raw) if raw else default
    except ValueError:
        days = default
    return max(MIN_WINDOW_DAYS, min(MAX_WINDOW_DAYS, days))


def since_of(days: int) -> dt.datetime:
    from prguard.ledger.figures import window_start

    return window_start(days)
