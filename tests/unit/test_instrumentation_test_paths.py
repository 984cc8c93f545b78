"""Test code is not a production path: no instrumentation findings there unless the policy opts in,
and complexity findings there are at most `low`."""

from __future__ import annotations

import pytest
from prguard.analyzers.complexity import ComplexityAnalyzer
from prguard.analyzers.instrumentation.rules import DEFAULT_SETTINGS
from prguard.analyzers.testpaths import is_test_path
from prguard.engine.review import review

from tests.unit.engine_helpers import added, make_policy
from tests.unit.instrumentation_helpers import analyze, rules

RISKY = """
import requests

def fetch_all(ids):
    out = []
    for item in ids:
        try:
            out.append(requests.get(f"https://api.example.com/{item}").json())
        except Exception:
            pass
    return out
"""

COMPLEX = """
def route(request, routes):
    if request.method == "GET" and request.path in routes:
        return routes[request.path]
    elif request.method == "POST":
        return None
    elif request.method == "PUT" or request.method == "PATCH":
        return None
    for prefix in routes:
        if request.path.startswith(prefix):
            return routes[prefix]
    return None
"""


@pytest.mark.parametrize(
    "path",
    [
        "tests/test_client.py",
        "tests/unit/helpers.py",
        "pkg/tests/api.py",
        "test/integration/run.py",
        "src/app/test_views.py",
        "src/app/views_test.py",
        "conftest.py",
        "src/conftest.py",
        "tests/fixtures/client.py",
        "src/fixtures/payloads.py",
        "testing/tools.py",
    ],
)
def test_test_files_get_no_instrumentation_findings(path: str) -> None:
    assert is_test_path(path)
    assert analyze(RISKY, path=path) == []


@pytest.mark.parametrize(
    "path", ["svc/app.py", "src/testimony/api.py", "src/attestation.py", "latest_client.py", "contest.py"]
)
def test_production_files_with_test_like_names_are_still_reviewed(path: str) -> None:
    assert not is_test_path(path)
    assert {"PG-TIMEOUT001", "PG-ERR001", "PG-LOOP002"} <= set(rules(analyze(RISKY, path=path)))


def test_policy_can_opt_test_files_in() -> None:
    settings = {**DEFAULT_SETTINGS, "include_tests": True}
    found = rules(analyze(RISKY, path="tests/test_client.py", settings=settings))
    assert {"PG-TIMEOUT001", "PG-ERR001", "PG-LOOP002"} <= set(found)


def test_complexity_in_tests_is_at_most_low() -> None:
    policy = make_policy({"analyzers": {"complexity": {"max_function_complexity": 5, "severity": "high"}}})
    in_tests = review([added("tests/test_router.py", COMPLEX)], policy, analyzers=[ComplexityAnalyzer()])
    in_code = review([added("svc/router.py", COMPLEX)], policy, analyzers=[ComplexityAnalyzer()])
    assert [f.severity for f in in_tests.findings if f.rule_id == "complexity-new-function"] == ["low"]
    assert [f.severity for f in in_code.findings if f.rule_id == "complexity-new-function"] == ["high"]


def test_complexity_in_tests_keeps_a_lower_configured_severity() -> None:
    policy = make_policy({"analyzers": {"complexity": {"max_function_complexity": 5, "severity": "info"}}})
    result = review([added("tests/test_router.py", COMPLEX)], policy, analyzers=[ComplexityAnalyzer()])
    assert [f.severity for f in result.findings if f.rule_id == "complexity-new-function"] == ["info"]
