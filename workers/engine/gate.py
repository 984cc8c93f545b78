"""The gate: from reported findings, coverage and policy to a check-run conclusion and a risk score."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from prguard.engine.model import FAIL_ON_CHOICES as FAIL_ON_CHOICES  # re-exported: the CLI's --fail-on
from prguard.engine.model import ChangedFile, Finding, ReviewResult, Severity
from prguard.policies.changes import REPO_POLICY_PATH, check_policy_change

#: skip reasons chosen by the policy author; they do not make coverage partial
POLICY_CHOSEN_SKIPS = frozenset({"excluded"})


@dataclass(frozen=True, slots=True)
class GateInput:
    """What the conclusion depends on besides the findings themselves."""

    fail_on: str
    policy_broken: bool = False
    skipped_reasons: tuple[str, ...] = ()
    failed_analyzers: tuple[str, ...] = ()
    coverage_cut: bool = False  # a time budget or cache problem left files unanalysed


def conclude(findings: Sequence[Finding], gate: GateInput) -> tuple[str, list[str]]:
    """Return (conclusion, notes explaining it).

    Order of precedence: a broken policy file needs a human (`action_required`);
    a finding at or above `fail_on` fails; partial coverage (files skipped, an
    analyzer failed, a budget cut) is `neutral` so it never reads as a clean pass;
    otherwise `success`.
    """
    notes: list[str] = []
    fail_on = gate.fail_on if gate.fail_on in FAIL_ON_CHOICES else "high"
    if fail_on != gate.fail_on:
        notes.append(f"gate.fail_on {gate.fail_on!r} is not one of {', '.join(FAIL_ON_CHOICES)}; used 'high'")
    if gate.policy_broken:
        notes.append("a policy file could not be used; fix it to get a passing check")
        return "action_required", notes
    blocking = [] if fail_on == "never" else [f for f in findings if f.severity.at_least(fail_on)]
    partial = [r for r in gate.skipped_reasons if r not in POLICY_CHOSEN_SKIPS]
    if partial:
        notes.append(
            f"{len(partial)} file(s) could not be reviewed ({_count_reasons(partial)}); coverage is partial"
        )
    elif gate.skipped_reasons:
        notes.append(f"{len(gate.skipped_reasons)} file(s) excluded by policy were not reviewed")
    if gate.failed_analyzers:
        notes.append(f"analyzer(s) failed: {', '.join(gate.failed_analyzers)}; coverage is partial")
    if gate.coverage_cut:
        notes.append("the review ran out of its time budget; some files were not analysed")
    if blocking:
        notes.insert(0, f"{len(blocking)} finding(s) at or above '{fail_on}' block this change")
        return "failure", notes
    if partial or gate.failed_analyzers or gate.coverage_cut:
        return "neutral", notes
    return "success", notes


def _count_reasons(reasons: Sequence[str]) -> str:
    counts: dict[str, int] = {}
    for reason in reasons:
        counts[reason] = counts.get(reason, 0) + 1
    return ", ".join(f"{n} {reason}" for reason, n in sorted(counts.items()))


SEVERITY_WEIGHT = {Severity.HIGH: 25, Severity.MEDIUM: 10, Severity.LOW: 3, Severity.INFO: 1}


def risk_score(findings: Sequence[Finding], added_lines: int, ai_authored: bool) -> int:
    """Risk of a change, 0-100: what a reviewer should look at first.

    risk = min(60, sum of severity weights)             high 25, medium 10, low 3, info 1
         + min(20, 20 * log10(1 + added_lines) / 3)     10 lines ≈ 7, 100 ≈ 13, 1000+ = 20
         + 20 if the change is AI-authored
    capped at 100 and rounded. Findings dominate; a large or machine-written change
    with no findings still scores up to 40, because it deserves a closer look.
    """
    findings_part = min(60, sum(SEVERITY_WEIGHT[f.severity] for f in findings))
    size_part = min(20.0, 20.0 * math.log10(1 + max(0, added_lines)) / 3.0)
    ai_part = 20 if ai_authored else 0
    return round(min(100.0, findings_part + size_part + ai_part))


def gate_policy_change(result: ReviewResult, files: Sequence[ChangedFile]) -> None:
    """The policy-change gate, the same for the App and the command line: a change that edits
    the repository's policy file is told what the edit will do once merged (the review itself
    used the policy at the base), and one that would leave an invalid policy behind needs a
    person (`action_required`, unless it already fails): merging it would break every later review.
    """
    change = check_policy_change(list(files), REPO_POLICY_PATH)
    if change is None:
        return
    result.notes.append(change.note)
    if change.error is not None and result.conclusion != "failure":
        result.conclusion = "action_required"
