"""Gate: conclusions from findings, coverage and policy; the risk score."""

from __future__ import annotations

import pytest
from prguard.engine.gate import GateInput, conclude, risk_score
from prguard.engine.model import Finding, Severity


def finding(severity: str) -> Finding:
    return Finding("R1", "security", Severity(severity), "a.py", 1, 1, "m", "fp")


@pytest.mark.parametrize(
    ("fail_on", "severities", "expected"),
    [
        ("high", ["medium", "low"], "success"),
        ("high", ["high"], "failure"),
        ("medium", ["medium"], "failure"),
        ("low", ["info"], "success"),
        ("info", ["info"], "failure"),
        ("never", ["high"], "success"),
    ],
)
def test_fail_on_threshold(fail_on, severities, expected):
    conclusion, _ = conclude([finding(s) for s in severities], GateInput(fail_on=fail_on))
    assert conclusion == expected


def test_partial_coverage_is_neutral_and_says_why():
    conclusion, notes = conclude([], GateInput(fail_on="high", skipped_reasons=("syntax-error", "too-large")))
    assert conclusion == "neutral"
    assert notes == ["2 file(s) could not be reviewed (1 syntax-error, 1 too-large); coverage is partial"]
    assert conclude([], GateInput(fail_on="high", failed_analyzers=("taint",)))[0] == "neutral"
    assert conclude([], GateInput(fail_on="high", coverage_cut=True))[0] == "neutral"
    conclusion, notes = conclude([], GateInput(fail_on="high", skipped_reasons=("excluded",)))
    assert conclusion == "success" and "excluded by policy" in notes[0]


def test_failure_beats_partial_coverage_and_broken_policy_beats_everything():
    gate = GateInput(fail_on="high", skipped_reasons=("binary",))
    assert conclude([finding("high")], gate)[0] == "failure"
    broken = GateInput(fail_on="high", policy_broken=True)
    assert conclude([finding("high")], broken)[0] == "action_required"


def test_unknown_fail_on_falls_back_to_high_with_a_note():
    conclusion, notes = conclude([finding("medium")], GateInput(fail_on="critical"))
    assert conclusion == "success" and "used 'high'" in notes[0]


def test_risk_score_weights_findings_size_and_ai_authorship():
    assert risk_score([], 0, False) == 0
    assert risk_score([], 10, False) == 7
    assert risk_score([], 100_000, True) == 40
    assert risk_score([finding("high")] * 5, 0, False) == 60
    assert risk_score([finding("high")] * 5, 1000, True) == 100
    assert risk_score([finding("medium"), finding("low")], 0, False) == 13
