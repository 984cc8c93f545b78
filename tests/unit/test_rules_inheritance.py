"""Org rules apply to every repository; a repository may switch one off only where the org allows it."""

from __future__ import annotations

import pytest
from prguard.analyzers.rules import RulesAnalyzer
from prguard.engine.model import ChangedFile
from prguard.engine.review import review
from prguard.policies.loader import load_effective_policy, load_policy
from prguard.policies.model import PolicyError
from prguard.report.markdown import render_summary

ORG = """\
rules:
  - id: ORG-001
    message: pickle runs code from the data it loads; use json
    severity: high
    kind: forbidden_import
    module: pickle
  - id: ORG-002
    message: print() in services; use the logger
    severity: low
    kind: forbidden_call
    call: print
    overridable: true
"""
ORG_SOURCE = "acme/.github/prguard.yml"
CODE = ChangedFile("svc/jobs.py", "added", b"import pickle\n\nprint(pickle.dumps(1))\n", None)


def _review(policy):
    return review([CODE], policy, ai_authored=False, analyzers=[RulesAnalyzer()])


def test_org_rules_apply_to_a_repository_without_its_own_policy():
    policy = load_policy(org_text=ORG, org_source=ORG_SOURCE)
    assert [f.rule_id for f in _review(policy).findings] == ["ORG-001", "ORG-002"]


def test_repo_rules_add_to_org_rules_instead_of_replacing_them():
    repo = "rules:\n  - {id: REPO-1, message: no TODO, severity: info, kind: regex, pattern: pickle.dumps}\n"
    policy = load_policy(org_text=ORG, org_source=ORG_SOURCE, repo_text=repo)
    assert [(r["id"], r["source"]) for r in policy.get("rules")] == [
        ("ORG-001", ORG_SOURCE),
        ("ORG-002", ORG_SOURCE),
        ("REPO-1", ".github/prguard.yml"),
    ]
    assert {f.rule_id for f in _review(policy).findings} == {"ORG-001", "ORG-002", "REPO-1"}


def test_a_repo_may_switch_off_an_overridable_org_rule():
    policy = load_policy(org_text=ORG, org_source=ORG_SOURCE, repo_text="rules_disabled: [ORG-002]\n")
    result = _review(policy)
    assert [f.rule_id for f in result.findings] == ["ORG-001"]
    assert result.conclusion == "failure"  # ORG-001 is high
    summary = render_summary(result)
    assert "`ORG-001` forbidden_import, high — from `acme/.github/prguard.yml`" in summary
    assert "switched off (rules_disabled): `ORG-002`" in summary


def test_a_repo_that_tries_to_switch_off_a_locked_org_rule_gets_a_policy_error_and_the_rule():
    repo = "gate:\n  fail_on: never\nrules_disabled:\n  - ORG-002\n  - ORG-001\n"
    with pytest.raises(PolicyError) as info:
        load_policy(org_text=ORG, org_source=ORG_SOURCE, repo_text=repo)
    error = info.value
    assert (error.source, error.key, error.line) == (".github/prguard.yml", "rules_disabled[1]", 5)
    assert "ORG-001" in error.message and ORG_SOURCE in error.message

    policy = load_effective_policy(org_text=ORG, org_source=ORG_SOURCE, repo_text=repo)
    result = _review(policy)
    assert result.conclusion == "action_required"
    assert [f.rule_id for f in result.findings] == ["ORG-001"]  # still applies; ORG-002 was allowed off
    assert "rules_disabled[1]" in render_summary(result)


def test_a_repo_cannot_redefine_a_locked_org_rule_under_its_id():
    repo = "rules:\n  - {id: ORG-001, message: fine, severity: info, kind: regex, pattern: zzz}\n"
    policy = load_effective_policy(org_text=ORG, org_source=ORG_SOURCE, repo_text=repo)
    assert [(e.key, e.line) for e in policy.errors] == [("rules[0].id", 2)]
    original = next(r for r in policy.get("rules") if r["id"] == "ORG-001")
    assert original["kind"] == "forbidden_import" and original["source"] == ORG_SOURCE


def test_a_repo_may_redefine_an_overridable_org_rule():
    repo = (
        "rules:\n  - {id: ORG-002, message: print is fine in scripts, severity: info, kind: forbidden_call,"
    )
    repo += " call: print, paths: ['scripts/**']}\n"
    policy = load_policy(org_text=ORG, org_source=ORG_SOURCE, repo_text=repo)
    assert [f.rule_id for f in _review(policy).findings] == ["ORG-001"]


def test_switching_off_a_rule_the_org_no_longer_has_is_harmless():
    policy = load_policy(org_text=ORG, org_source=ORG_SOURCE, repo_text="rules_disabled: [ORG-999]\n")
    assert [r["id"] for r in policy.get("rules")] == ["ORG-001", "ORG-002"]


def test_ai_authored_overrides_cannot_drop_org_rules():
    policy = load_effective_policy(
        org_text=ORG, org_source=ORG_SOURCE, repo_text="ai_authored:\n  rules: []\n"
    )
    assert policy.errors and policy.errors[0].key == "ai_authored.rules"
    assert [
        f.rule_id for f in review([CODE], policy, ai_authored=True, analyzers=[RulesAnalyzer()]).findings
    ] == [
        "ORG-001",
        "ORG-002",
    ]


def test_the_effective_policy_with_rules_loads_again():
    policy = load_policy(org_text=ORG, org_source=ORG_SOURCE, repo_text="rules_disabled: [ORG-002]\n")
    again = load_policy(repo_text=policy.to_yaml(), repo_source="effective.yml")
    assert [r["id"] for r in again.get("rules")] == ["ORG-001"]
