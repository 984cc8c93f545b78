"""The org's Semgrep rules: run once on the changed files, offline, findings through the engine."""

from __future__ import annotations

import subprocess

import pytest
from prguard.analyzers import semgrep as semgrep_module
from prguard.analyzers.semgrep import SemgrepAnalyzer, find_semgrep
from prguard.engine.model import ChangedFile, Severity
from prguard.engine.review import review
from prguard.policies.loader import load_policy, load_policy_text
from prguard.policies.model import PolicyError
from prguard.publish.checkrun import build_output, conclusion_for
from prguard.report.markdown import render_summary

needs_semgrep = pytest.mark.skipif(
    find_semgrep() is None,
    reason="Semgrep CE is not installed (pip install 'prguard[semgrep]'); .ci/test installs it",
)

POLICY = (
    "paths:\n  include: ['**/*.py', '**/*.js']\nsemgrep:\n  rules: ['.semgrep/', 'org:semgrep/base.yml']\n"
)
RULE_FILES = {
    ".semgrep/javascript.yml": """\
rules:
  - id: no-eval
    pattern: eval($CODE)
    message: eval() runs whatever string it is given
    languages: [javascript]
    severity: ERROR
    fix: JSON.parse($CODE)
    metadata:
      cwe: "CWE-95: Improper Neutralization of Directives in Dynamically Evaluated Code"
""",
    ".semgrep/python.yml": """\
rules:
  - id: no-yaml-load
    pattern: yaml.load(...)
    message: yaml.load builds arbitrary objects; use yaml.safe_load
    languages: [python]
    severity: WARNING
""",
    "org:semgrep/base.yml": """\
rules:
  - id: todo-left
    pattern-regex: "TODO\\\\(nobody\\\\)"
    message: a TODO nobody owns
    languages: [generic]
    severity: INFO
""",
}
JS_BASE = "const a = eval(old);\n"
JS_HEAD = (
    "const a = eval(old);\nconst b = eval(input);\n"
    "// nosemgrep: no-eval trusted build-time constant\nconst c = eval(CONFIG);\n"
)
JS_PATCH = (
    "@@ -1 +1,4 @@\n const a = eval(old);\n+const b = eval(input);\n"
    "+// nosemgrep: no-eval trusted build-time constant\n+const c = eval(CONFIG);\n"
)
PY_HEAD = "import yaml\n\n\ndef load(text):\n    return yaml.load(text)  # TODO(nobody)\n"


def _files() -> list[ChangedFile]:
    return [
        ChangedFile("web/app.js", "modified", JS_HEAD.encode(), JS_BASE.encode(), JS_PATCH),
        ChangedFile("svc/config.py", "added", PY_HEAD.encode(), None),
    ]


def _review(**kwargs):
    policy = load_policy(repo_text=POLICY)
    return review(
        _files(), policy, ai_authored=False, analyzers=[SemgrepAnalyzer(**kwargs)], rule_files=RULE_FILES
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
    result = _review()
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
    result = review(_files(), policy, ai_authored=False, analyzers=[SemgrepAnalyzer()], rule_files=RULE_FILES)
    assert any("rules/gone.yml were not found" in note for note in result.notes)
    assert result.findings  # the rules that exist still ran
    assert result.conclusion == "failure"
    policy = load_policy(
        repo_text=POLICY.replace("'org:semgrep/base.yml'", "'rules/gone.yml'").replace(
            "include: ['**/*.py', '**/*.js']", "include: ['nothing/**']"
        )
    )
    quiet = review(_files(), policy, ai_authored=False, analyzers=[SemgrepAnalyzer()], rule_files={})
    assert quiet.conclusion == "neutral"


def test_without_semgrep_installed_the_review_says_the_rules_did_not_run(monkeypatch):
    monkeypatch.setattr(semgrep_module, "find_semgrep", lambda: None)
    result = _review()
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
    result = review(_files(), load_policy(), ai_authored=False, analyzers=[SemgrepAnalyzer()])
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
