"""Small builders of engine results for the publish tests."""

from __future__ import annotations

from pathlib import Path

import yaml
from prguard.engine.model import Finding, ReviewResult, Severity, make_fingerprint
from prguard.policies.model import Policy, deep_merge

DEFAULT_POLICY = yaml.safe_load(
    (Path(__file__).resolve().parents[2] / "policies" / "presets" / "default.yml").read_text()
)


def policy(**overrides) -> Policy:
    return Policy(deep_merge(DEFAULT_POLICY, overrides))


def finding(
    line: int = 3,
    *,
    end: int | None = None,
    path: str = "app/views.py",
    rule: str = "B602",
    severity: Severity | str = Severity.HIGH,
    analyzer: str = "security",
    suggestion: str | None = None,
    snippet: str | None = None,
    cwe: int | None = 78,
    message: str = "subprocess call with shell=True",
) -> Finding:
    return Finding(
        rule_id=rule,
        analyzer=analyzer,
        severity=Severity(severity),
        path=path,
        start_line=line,
        end_line=end if end is not None else line,
        message=message,
        fingerprint=make_fingerprint(rule, path, snippet or f"{rule}:{path}:{line}"),
        cwe=cwe,
        suggestion=suggestion,
    )


def result(
    findings=(), *, conclusion: str = "failure", authorship=None, pol: Policy | None = None, skipped=()
):
    return ReviewResult(
        conclusion=conclusion,
        findings=list(findings),
        skipped=list(skipped),
        suppressed=[],
        stats={},
        authorship=authorship,
        policy=pol or policy(),
    )
