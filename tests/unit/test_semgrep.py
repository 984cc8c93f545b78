"""The org's Semgrep rules: run once on the changed files, offline, findings through the engine."""

from __future__ import annotations

import pytest
from prguard.analyzers import semgrep as semgrep_module
from prguard.analyzers.semgrep import SemgrepAnalyzer
from prguard.engine.review import review
from prguard.policies.loader import load_policy, load_policy_text
from prguard.policies.model import PolicyError
from prguard.publish.checkrun import build_output, conclusion_for
from prguard.report.markdown import render_summary

from tests.unit.semgrep_helpers import semgrep_files, semgrep_review

# The tests that run the semgrep process are in tests/integration/test_semgrep_process.py.


def test_without_semgrep_installed_the_review_says_the_rules_did_not_run(monkeypatch):
    monkeypatch.setattr(semgrep_module, "find_semgrep", lambda: None)
    result = semgrep_review()
    assert result.findings == []
    assert result.conclusion == "neutral"  # never a plain pass
    note = next(n for n in result.notes if "Semgrep is not installed" in n)
    assert "3 Semgrep rule(s)" in note and "pip install 'prguard[semgrep]'" in note
    summary = render_summary(result)
    assert "Semgrep is not installed" in summary
    output = build_output(result, summary)
    assert "Semgrep is not installed" in output["summary"]
    assert conclusion_for(result) != "success"


def test_no_semgrep_rules_means_no_semgrep_process(monkeypatch):
    monkeypatch.setattr(semgrep_module.subprocess, "run", lambda *a, **k: pytest.fail("semgrep ran"))
    result = review(semgrep_files(), load_policy(), ai_authored=False, analyzers=[SemgrepAnalyzer()])
    assert result.findings == [] and result.conclusion == "success"


@pytest.mark.parametrize(
    "config", ["p/python", "r/python.lang.security", "auto", "https://semgrep.dev/c/p/x"]
)
def test_registry_configs_and_urls_are_refused_by_the_policy(config):
    with pytest.raises(PolicyError) as info:
        load_policy_text(f"semgrep:\n  rules: ['{config}']\n", "repo.yml")
    assert info.value.key == "semgrep.rules[0]" and "offline" in info.value.message


def test_a_folder_named_like_a_registry_prefix_is_written_with_dot_slash():
    assert load_policy_text("semgrep:\n  rules: ['./p/rules.yml', 'org:.semgrep/']\n", "repo.yml")
    with pytest.raises(PolicyError):
        load_policy_text("semgrep:\n  rules: ['../other-repo/rules.yml']\n", "repo.yml")
