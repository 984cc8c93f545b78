"""The ledger store on SQLite and PostgreSQL: idempotent writes, supersession, look-ups, lifecycle."""

from __future__ import annotations

import datetime as dt

from prguard.ledger import figures, queries
from prguard.ledger.db import session_scope
from prguard.ledger.extract import review_record
from prguard.ledger.lifecycle import enforce_retention, purge_installation
from prguard.ledger.models import Base, ChangedFunction, Finding, PullRequest, Review
from prguard.ledger.record import record_closed, record_review, record_waiver
from sqlalchemy import func, select

from tests.ledger_helpers import NOW, head_file, review_result, timeout_finding


def _record(owner="acme", repo="api", number=1, head="a" * 40, *, installation=7, at=NOW, ai=True,
            agent="claude-code", findings=None, check_run_id=None):  # fmt: skip
    result = review_result([timeout_finding()] if findings is None else findings, ai=ai, agent=agent)
    return review_record(
        installation_id=installation, owner=owner, repo=repo, number=number, head_sha=head, result=result,
        files=[head_file()], reviewed_at=at, trigger="pull_request.opened", check_run_id=check_run_id,
    )  # fmt: skip


def _write(engine, record):
    with session_scope(engine) as session:
        record_review(session, record)


def _count(engine, model, *where):
    with session_scope(engine) as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


def test_redelivery_retry_and_rerun_count_once(store):
    record = _record()
    for _ in range(3):  # the same head under the same policy: one review, one finding
        _write(store, record)
    assert _count(store, Review) == 1
    assert _count(store, Finding) == 1
    with session_scope(store) as session:
        summary = figures.pattern_summary(session, "ACME", record.findings[0].pattern_key)
        occurrences = figures.occurrences(session, "ACME", record.findings[0].pattern_key)
    assert summary is not None and summary.pulls == 1 and occurrences.total == 1


def test_newer_head_supersedes_older_review(store):
    _write(store, _record(head="a" * 40, at=NOW - dt.timedelta(hours=2)))
    _write(store, _record(head="b" * 40, at=NOW - dt.timedelta(hours=1), findings=[]))
    assert _count(store, Review, Review.superseded.is_(True)) == 1
    assert _count(store, Finding, Finding.superseded.is_(False)) == 0
    with session_scope(store) as session:
        overview = figures.overview(session, "acme", figures.window_start(90, now=NOW))
    assert overview.total == 0 and overview.by_severity == []


def test_seen_before_counts_other_pulls_of_the_same_org_only(store):
    _write(store, _record(repo="api", number=1, head="1" * 40, at=NOW - dt.timedelta(days=3)))
    _write(store, _record(repo="web", number=2, head="2" * 40, at=NOW - dt.timedelta(days=2), agent="codex"))
    _write(store, _record(owner="other", repo="api", number=1, installation=8, head="9" * 40))
    _write(
        store, _record(repo="api", number=5, head="8" * 40, at=NOW - dt.timedelta(days=90))
    )  # out of window
    third = _record(repo="api", number=3, head="3" * 40, at=NOW)
    _write(store, third)
    with session_scope(store) as session:
        history = queries.seen_before(
            session, "acme", third.pattern_keys(), full_name="acme/api", number=3, window_days=30, now=NOW
        )
    assert len(history) == 1
    pattern = history[0]
    assert (pattern.pulls, pattern.repositories, pattern.ai_pulls) == (2, 2, 2)
    assert pattern.agents == {"claude-code": 1, "codex": 1}
    assert [(p.full_name, p.number) for p in pattern.earlier] == [("acme/web", 2), ("acme/api", 1)]
    assert pattern.other_repository is True
    assert pattern.first_seen == NOW - dt.timedelta(days=90)  # first seen ever, not only in the window


def test_seen_before_is_empty_for_a_first_occurrence_and_for_another_org(store):
    first = _record()
    _write(store, first)
    with session_scope(store) as session:
        assert (
            queries.seen_before(session, "acme", first.pattern_keys(), full_name="acme/api", number=1) == []
        )
        assert (
            queries.seen_before(session, "other", first.pattern_keys(), full_name="other/x", number=1) == []
        )


def test_merge_waiver_and_accepted_risk(store):
    """Accepted risk: merged with open findings; a waiver closes them, so the pull request leaves it."""
    since = figures.window_start(90, now=NOW)
    _write(store, _record(check_run_id=55))
    with session_scope(store) as session:
        record_closed(session, installation_id=7, owner="acme", repo="api", number=1, merged=True,
                      merge_commit_sha="c" * 40, merged_at=NOW, closed_at=NOW)  # fmt: skip
    with session_scope(store) as session:
        pull = session.scalars(select(PullRequest)).one()
        assert (pull.state, pull.merged, pull.merge_commit_sha) == ("merged", True, "c" * 40)
        accepted = figures.accepted_risk(session, "acme", since)
    assert [(p.repository, p.number, p.open_findings) for p in accepted] == [("acme/api", 1, 1)]
    with session_scope(store) as session:
        record_waiver(session, installation_id=7, owner="acme", repo="api", check_run_id=55,
                      login="lead", reason="Waive button", head_sha="a" * 40)  # fmt: skip
    with session_scope(store) as session:
        assert session.scalars(select(Finding.waived_by)).all() == ["lead"]
        assert figures.accepted_risk(session, "acme", since) == []


def test_installation_deleted_leaves_no_row(store):
    _write(store, _record(check_run_id=1))
    _write(store, _record(owner="other", installation=8, head="f" * 40))
    with session_scope(store) as session:
        record_waiver(
            session, installation_id=7, owner="acme", repo="api", check_run_id=1, login="x", reason=""
        )
        purge_installation(session, 7)
    with session_scope(store) as session:
        for table in Base.metadata.sorted_tables:
            column = table.c.id if table.name == "ledger_installations" else table.c.get("installation_id")
            if column is not None:
                assert session.scalar(select(func.count()).select_from(table).where(column == 7)) == 0, table
        assert session.scalar(select(func.count()).select_from(Review)) == 1
        assert session.scalar(select(func.count()).select_from(ChangedFunction)) == 1  # the other's


def test_retention_deletes_old_reviews(store):
    _write(store, _record(number=1, head="1" * 40, at=NOW - dt.timedelta(days=400)))
    _write(store, _record(number=2, head="2" * 40, at=NOW - dt.timedelta(days=10)))
    with session_scope(store) as session:
        enforce_retention(session, 365, now=NOW)
    assert _count(store, Review) == 1
    assert _count(store, Finding) == 1


def test_overview_pages_and_repository_page(store):
    _write(store, _record(repo="api", number=1, head="1" * 40, at=NOW - dt.timedelta(days=8)))
    _write(store, _record(repo="web", number=2, head="2" * 40, at=NOW - dt.timedelta(days=1), ai=False))
    since = figures.window_start(90, now=NOW)
    with session_scope(store) as session:
        overview = figures.overview(session, "acme", since)
        assert sum(week.total for week in overview.weeks) == 2
        assert all(week.start.weekday() == 0 for week in overview.weeks)
        assert overview.by_author == {"claude-code": 1, figures.HUMAN: 1} and overview.ai_total == 1
        assert overview.top_patterns[0].pulls == 2 and overview.top_patterns[0].repositories == 2
        assert overview.top_patterns[0].ai_pulls == 1
        assert overview.top_patterns[0].masked_snippet == "requests.post(_,json=_)"
        assert {r.full_name for r in overview.repositories} == {"acme/api", "acme/web"}
        page = figures.pulls(session, "acme", per_page=1)
        assert (page.total, len(page.items), page.pages) == (2, 1, 2)
        assert page.items[0].number == 2 and page.items[0].ai_authored is False
        repo = figures.repository(session, "ACME", "api")
        assert repo is not None and figures.repository(session, "other", "api") is None
        repo_page = figures.repository_page(session, "acme", repo, since)
        assert repo_page.pulls.total == 1 and repo_page.repository.findings == 1
        assert figures.known_orgs(session) == ["acme"]
        assert figures.count_patterns(session, "acme", since, recurring_only=True) == 1


def test_a_pattern_in_many_pull_requests_reads_only_its_newest_occurrences(store, monkeypatch):
    from prguard.ledger.history import SeenBefore
    from prguard.report.markdown import render_summary

    monkeypatch.setattr(queries, "SCAN_CAP", 2)
    for number in range(1, 5):
        _write(store, _record(number=number, head=f"{number}" * 40, at=NOW - dt.timedelta(days=number)))
    current = _record(number=10, head="0" * 40, at=NOW)
    with session_scope(store) as session:
        (pattern,) = queries.seen_before(
            session, "acme", current.pattern_keys(), full_name="acme/api", number=10, now=NOW
        )
    assert pattern.capped and pattern.pulls == 2
    assert [p.number for p in pattern.earlier] == [1, 2]  # the newest
    result = review_result([timeout_finding()])
    result.seen_before = SeenBefore(window_days=30, patterns=[pattern])
    assert "in at least **2** other pull requests" in render_summary(result)


def test_the_migrations_create_exactly_the_models(migrated_store):
    import importlib
    import pkgutil

    import prguard.ledger
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    for module in pkgutil.iter_modules(prguard.ledger.__path__):  # every model of every part of the ledger
        if not module.ispkg:
            importlib.import_module(f"prguard.ledger.{module.name}")

    with migrated_store.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []


def test_retention_reaches_every_table_with_a_time_column(store):
    import importlib
    import pkgutil

    import prguard.ledger
    from prguard.ledger.lifecycle import _HANDLED, _TIME_COLUMNS

    for module in pkgutil.iter_modules(prguard.ledger.__path__):
        if not module.ispkg:
            importlib.import_module(f"prguard.ledger.{module.name}")
    for table in Base.metadata.sorted_tables:
        if table.name not in _HANDLED and "installation_id" in table.c:
            assert any(name in table.c for name in _TIME_COLUMNS), f"{table.name}: how does it expire?"
