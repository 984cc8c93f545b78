"""The instrumentation analyzer inside the engine: only changed code, one finding where bandit agrees,
AI-authored strictness, and defaults that match the built-in policy."""

from __future__ import annotations

import textwrap

from prguard.analyzers.instrumentation import InstrumentationAnalyzer
from prguard.analyzers.instrumentation.rules import DEFAULT_SETTINGS, RULES
from prguard.analyzers.security import SecurityAnalyzer
from prguard.engine.model import ChangedFile
from prguard.engine.review import review
from prguard.policies.loader import load_policy

from tests.unit.instrumentation_helpers import changed_file

BASE = """
import logging

import requests
from celery import shared_task

logger = logging.getLogger(__name__)


def legacy_sync(url):
    return requests.get(url).json()


@shared_task
def nightly_report(day):
    rows = build(day)
    return len(rows)


def untouched():
    try:
        cleanup()
    except Exception:
        pass
"""

HEAD = """
import logging

import requests
from celery import shared_task

logger = logging.getLogger(__name__)


def legacy_sync(url):
    return requests.get(url).json()


@shared_task
def nightly_report(day):
    rows = build(day)
    send(rows)
    return len(rows)


def untouched():
    try:
        cleanup()
    except Exception:
        pass


def new_export(url, rows):
    try:
        requests.post(url, json=rows)
    except Exception:
        return None
"""


def _review(files: list[ChangedFile], *, ai: bool = False, analyzers=None):
    return review(files, load_policy(), ai_authored=ai, analyzers=analyzers)


def test_only_new_or_changed_code_is_flagged() -> None:
    result = _review([changed_file("jobs/sync.py", BASE, HEAD)], analyzers=[InstrumentationAnalyzer()])
    found = sorted((f.rule_id, f.start_line) for f in result.findings)
    # new_export: timeout, swallowed-to-default, no logging; nightly_report changed and logs nothing.
    # legacy_sync's old call without a timeout and untouched()'s old `except: pass` are not reported.
    assert found == [
        ("PG-ERR002", 31),
        ("PG-OBS002", 15),
        ("PG-OBS003", 28),
        ("PG-TIMEOUT001", 30),
    ]
    obs = next(f for f in result.findings if f.rule_id == "PG-OBS002")
    assert "nightly_report" in obs.message


def test_an_unchanged_function_is_not_reported_when_lines_elsewhere_change() -> None:
    head = BASE.replace("def untouched():", "def untouched():  # keep")
    result = _review([changed_file("jobs/sync.py", BASE, head)], analyzers=[InstrumentationAnalyzer()])
    assert [f.rule_id for f in result.findings] == []  # the edited def line has an old, pre-existing ERR001


def test_engine_keeps_one_finding_where_bandit_b113_and_b110_also_fire() -> None:
    code = textwrap.dedent(
        """
        import requests

        def ping(url):
            try:
                return requests.get(url).status_code
            except Exception:
                pass
        """
    )
    # B113 is a low-confidence bandit test: let the security analyzer report it too
    policy = load_policy(repo_text="version: 1\nanalyzers:\n  security:\n    min_confidence: low\n")
    change = [ChangedFile("svc/ping.py", "added", code.encode(), None)]
    security = [SecurityAnalyzer()]
    alone = review(change, policy, ai_authored=False, analyzers=security)
    assert sorted((f.rule_id, f.start_line) for f in alone.findings) == [("B110", 7), ("B113", 6)]

    both = review(change, policy, ai_authored=False, analyzers=[*security, InstrumentationAnalyzer()])
    by_line: dict[int, list[str]] = {}
    for finding in both.findings:
        by_line.setdefault(finding.start_line, []).append(f"{finding.analyzer}:{finding.rule_id}")
    assert by_line[6] == ["instrumentation:PG-TIMEOUT001"]
    assert by_line[7] == ["instrumentation:PG-ERR001"]
    assert both.stats["duplicates"] == 2


def test_same_change_passes_for_a_human_and_is_flagged_when_ai_authored() -> None:
    code = textwrap.dedent(
        """
        from fastapi import FastAPI

        app = FastAPI()

        @app.post("/refunds")
        async def create_refund(payload: dict):
            return {"status": "queued", "id": payload["id"]}
        """
    )
    change = [ChangedFile("api/refunds.py", "added", code.encode(), None)]
    human = _review(change, ai=False, analyzers=[InstrumentationAnalyzer()])
    assert human.findings == []
    ai = _review(change, ai=True, analyzers=[InstrumentationAnalyzer()])
    assert [(f.rule_id, f.start_line, f.relevant_lines) for f in ai.findings] == [("PG-OBS001", 7, (6, 8))]


def test_built_in_defaults_match_the_default_policy_and_every_rule_has_a_check() -> None:
    assert load_policy().analyzer("instrumentation") == DEFAULT_SETTINGS
    for rule in RULES.values():
        assert rule.check in DEFAULT_SETTINGS["checks"], rule.rule_id
