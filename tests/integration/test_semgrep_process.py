"""The org's Semgrep rules run by the real semgrep process: one process for every file and rule file,
findings and nosemgrep suppressions through the engine. Integration because each review starts semgrep
(seconds); tests/unit/test_semgrep.py covers the rest without it."""

from __future__ import annotations

import subprocess

import pytest
from prguard.analyzers import semgrep as semgrep_module
from prguard.analyzers.semgrep import SemgrepAnalyzer, find_semgrep
from prguard.engine.model import Severity
from prguard.engine.review import review
from prguard.policies.loader import load_policy

from tests.unit.semgrep_helpers import POLICY, RULE_FILES, semgrep_files, semgrep_review

needs_semgrep = pytest.mark.skipif(
    find_semgrep() is None,
    reason="Semgrep CE is not installed (pip install 'prguard[semgrep]'); .ci/test installs it",
)


@pytest.mark.integration  # runs the semgrep process
@needs_semgrep
def test_semgrep_rules_on_javascript_and_python_become_findings(monkeypatch):
    runs: list[list[str]] = []
    real_run = subprocess.run

    def spy(command, **kwargs):
        runs.append(list(command))
        return real_run(command, **kwargs)

    monkeypatch.setattr(semgrep_module.subprocess, "run", spy)
    result = semgrep_review()
    found = [(f.path, f.start_line, f.rule_id, f.severity, f.cwe) for f in result.findings]
    assert found == [
        ("svc/config.py", 5, "no-yaml-load", Severity.MEDIUM, None),
        ("svc/config.py", 5, "todo-left", Severity.LOW, None),
        ("web/app.js", 2, "no-eval", Severity.HIGH, 95),  # line 1 is unchanged: not reported
    ]
    js = result.findings[-1]
    assert js.suggestion == "const b = JSON.parse(input);" and js.analyzer == "semgrep"
    assert [(s.rule_id, s.line, s.kind, s.reason) for s in result.suppressed] == [
        ("no-eval", 3, "nosemgrep", "trusted build-time constant")
    ]
    assert result.conclusion == "failure"
    (command,) = runs  # one Semgrep process for every file and every rule file
    assert command.count("--config") == 1
    assert "--metrics=off" in command and "--disable-version-check" in command
    assert not any(part.startswith(("p/", "r/")) for part in command)


@pytest.mark.integration  # runs the semgrep process
@needs_semgrep
def test_a_rule_file_that_is_missing_at_the_base_is_reported_not_skipped_silently():
    policy = load_policy(repo_text=POLICY.replace("'org:semgrep/base.yml'", "'rules/gone.yml'"))
    result = review(
        semgrep_files(), policy, ai_authored=False, analyzers=[SemgrepAnalyzer()], rule_files=RULE_FILES
    )
    assert any("rules/gone.yml were not found" in note for note in result.notes)
    assert result.findings  # the rules that exist still ran
    assert result.conclusion == "failure"
    policy = load_policy(
        repo_text=POLICY.replace("'org:semgrep/base.yml'", "'rules/gone.yml'").replace(
            "include: ['**/*.py', '**/*.js']", "include: ['nothing/**']"
        )
    )
    quiet = review(semgrep_files(), policy, ai_authored=False, analyzers=[SemgrepAnalyzer()], rule_files={})
    assert quiet.conclusion == "neutral"
