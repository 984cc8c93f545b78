"""What every report says the same way: the verdict and its reason, counts, policy provenance."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from prguard.engine.model import Finding, ReviewResult, Severity
from prguard.engine.plugin import rank

SEVERITIES: tuple[Severity, ...] = (Severity.HIGH, Severity.MEDIUM, Severity.LOW, Severity.INFO)


@dataclass(frozen=True, slots=True)
class Verdict:
    conclusion: str
    word: str  # PASSED | PASSED (partial) | BLOCKED | ACTION REQUIRED
    icon: str
    reason: str


def fail_on(result: ReviewResult) -> str:
    return result.fail_on


def blocking(result: ReviewResult) -> list[Finding]:
    """The blocking findings, as the gate and every publisher count them (ReviewResult.blocking)."""
    return result.blocking()


def ai_authored(result: ReviewResult) -> bool:
    return bool((result.authorship or {}).get("ai_authored"))


def stricter_for_ai(result: ReviewResult) -> bool:
    """True when `ai_authored:` overrides changed the gate of this AI-authored change."""
    policy = result.policy
    if policy is None or not ai_authored(result):
        return False
    override = (policy.get("ai_authored", default={}) or {}).get("gate", {}) or {}
    return "fail_on" in override


def files_reviewed(stats: dict[str, Any]) -> list[str]:
    """ "N of M changed files reviewed" when the engine counted them (else nothing), in every report."""
    if "files_reviewed" not in stats:
        return []
    return [f"{stats['files_reviewed']} of {stats.get('files_changed', '?')} changed files reviewed"]


def severity_phrase(findings: Sequence[Finding]) -> str:
    counts = Counter(f.severity for f in findings)
    return ", ".join(f"{counts[s]} {s.value}" for s in SEVERITIES if counts[s])


def verdict(result: ReviewResult) -> Verdict:
    """The one-line answer: may this change merge, and why."""
    threshold = fail_on(result)
    stricter = " (stricter AI-authored policy" if stricter_for_ai(result) else " ("
    gate = f"{stricter}{': ' if stricter_for_ai(result) else ''}fail on {threshold})"
    errors = getattr(result.policy, "errors", ()) if result.policy is not None else ()
    if result.conclusion == "action_required":
        if errors:
            reason = f"the policy file is invalid: {errors[0]}"
        else:
            reason = next((n for n in result.notes if "invalid" in n or "policy" in n), "a person must act")
        return Verdict(result.conclusion, "ACTION REQUIRED", "⚠️", reason)
    if result.conclusion == "failure":
        blockers = blocking(result)
        if blockers:
            reason = f"{severity_phrase(blockers)}{gate}"
        else:
            reason = next(iter(result.notes), "the gate failed")
        return Verdict(result.conclusion, "BLOCKED", "❌", reason)
    if result.conclusion == "neutral":
        partial = [s for s in result.skipped if s.reason != "excluded"]
        found = (
            f"{len(result.findings)} finding(s) below the gate" if result.findings else "no blocking findings"
        )
        why = f"{len(partial)} file(s) not reviewed" if partial else "coverage is partial"
        return Verdict(result.conclusion, "PASSED (partial)", "⚠️", f"{found}, but {why}")
    found = (
        f"{len(result.findings)} finding(s), none at or above {threshold}"
        if result.findings
        else "no new findings"
    )
    return Verdict(result.conclusion, "PASSED", "✅", found)


def counts_by_analyzer(findings: Sequence[Finding]) -> dict[str, Counter[Severity]]:
    table: dict[str, Counter[Severity]] = {}
    for finding in findings:
        table.setdefault(finding.analyzer, Counter())[finding.severity] += 1
    # each analyzer's declared `report_order`; any other (a plugin that declares none) after, by name
    return dict(sorted(table.items(), key=lambda item: (rank(item[0], "report_order"), item[0])))


def policy_sources(result: ReviewResult) -> str:
    policy = result.policy
    sources = getattr(policy, "sources", None) or ("built-in default",)
    return " ← ".join(reversed(sources))


def effective_policy_yaml(result: ReviewResult) -> str:
    policy = result.policy
    if policy is None or not hasattr(policy, "to_yaml"):
        return ""
    return str(policy.to_yaml())


def authorship_agents(result: ReviewResult) -> list[dict[str, Any]]:
    return list((result.authorship or {}).get("agents") or [])


def findings_by_file(findings: Sequence[Finding]) -> dict[str, list[Finding]]:
    grouped: dict[str, list[Finding]] = {}
    for finding in sorted(findings, key=lambda f: (f.path, f.start_line, -f.severity.rank, f.rule_id)):
        grouped.setdefault(finding.path, []).append(finding)
    return grouped


def complexity_rows(result: ReviewResult) -> list[dict[str, Any]]:
    rows = result.stats.get("complexity_changes") if isinstance(result.stats, dict) else None
    return [row for row in rows or [] if isinstance(row, dict)]


def widest_reach(result: ReviewResult, limit: int = 5) -> tuple[list[dict[str, Any]], str]:
    """The changed symbols with the most call sites elsewhere (the impact analyzer's), and why
    there are none when the repository could not be indexed ("" otherwise)."""
    impact = (getattr(result, "sections", None) or {}).get("impact") or {}
    if impact.get("skipped"):
        return [], str(impact["skipped"])
    rows = [s for s in impact.get("symbols") or () if s.get("change") != "added" and s.get("references")]
    return rows[:limit], ""
