"""AI-written lines in the review: the authorship result's `lines`, findings on those lines, and
`ai_authored.scope: lines` (the `ai_authored:` overrides apply to AI-written lines only).

The caller (CLI from git, worker from GitHub's API) passes a `ProvenanceSource`; this module asks
it for records and commit-derived claims and maps them to the head (prguard.engine.provenance_records).
A source that fails never fails the review: its error becomes a note.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from prguard.engine.gate import GateInput, conclude
from prguard.engine.model import ChangedFile, Finding, PullRequestInfo, ReviewResult
from prguard.engine.provenance_records import (
    ClaimSet,
    ProvenanceError,
    ProvenanceSource,
    added_line_numbers,
    line_share,
    lines_at_head,
    on_ai_lines,
)

SCOPES = ("pull", "lines")


def scope_of(policy: Any) -> str:
    """`ai_authored.scope` of a policy: `pull` (default) or `lines`."""
    if policy is None:
        return "pull"
    value = (policy.get("ai_authored", default={}) or {}).get("scope", "pull")
    return value if value in SCOPES else "pull"


def _heads(files: Sequence[ChangedFile]) -> dict[str, str]:
    out = {}
    for changed in files:
        if changed.head is not None and changed.status != "removed":
            out[changed.path] = changed.head.decode("utf-8", errors="replace")
    return out


def _added(files: Sequence[ChangedFile]) -> dict[str, set[int]]:
    out: dict[str, set[int]] = {}
    for changed in files:
        if changed.head is None or changed.status == "removed":
            continue
        if changed.patch:
            out[changed.path] = added_line_numbers(changed.patch)
        elif changed.status == "added":
            out[changed.path] = set(range(1, len(changed.head.splitlines()) + 1))
    return out


def _whole_pull_by_agents(authorship: dict[str, Any], pull: PullRequestInfo) -> list[str] | None:
    """The agents, when every commit of the pull request was authored by one (all lines are theirs)."""
    commits = authorship.get("commits") or []
    if not pull.commits or len(commits) != len(pull.commits):
        return None
    if any(c.get("role") != "authored" for c in commits):
        return None
    return sorted({a for c in commits for a in c.get("agents") or ()})


def apply_provenance(
    authorship: dict[str, Any] | None,
    is_ai: bool,
    files: Sequence[ChangedFile],
    pull: PullRequestInfo | None,
    source: ProvenanceSource | None,
    notes: list[str],
) -> tuple[dict[str, Any] | None, bool]:
    """Add `lines`, `lines_source` and `line_share` to the authorship result; records (git-ai
    notes, Agent Trace) that name AI-written lines make the change AI-authored."""
    if authorship is None or pull is None or authorship.get("source") == "caller":
        return authorship, is_ai
    ai_commits = {c["sha"]: list(c.get("agents") or ()) for c in authorship.get("commits") or ()}
    claims = ClaimSet(order=[c.sha for c in pull.commits])
    if source is not None:
        try:
            claims = source.claims(ai_commits)
        except ProvenanceError as error:
            notes.append(f"AI provenance records not read: {error}")
        except Exception as error:  # a source failure must never fail the review
            notes.append(f"AI provenance not read ({type(error).__name__}: {error})")
        notes.extend(claims.notes)
    heads = _heads(files)
    added = _added(files)
    lines: dict[str, list[dict[str, Any]]] = {}
    lines_source = None
    if claims.claims:
        lines = lines_at_head(claims, heads, pull.commits[-1].sha if pull.commits else None)
        lines_source = "records" if claims.from_records else "commits"
    else:
        agents = _whole_pull_by_agents(authorship, pull)
        if agents:
            agent = agents[0] if len(agents) == 1 else "+".join(agents)
            for path, numbers in added.items():
                lines[path] = [
                    {"start": s, "end": e, "agent": agent, "tool": None, "model": None}
                    for s, e in _spans(numbers)
                ]
            lines_source = "commits"
    authorship = dict(authorship)
    authorship["lines"] = lines
    authorship["lines_source"] = lines_source
    share = line_share(lines, added)
    authorship["line_share"] = share
    if claims.from_records and lines and not is_ai:
        is_ai = True
        authorship["ai_authored"] = True
        record_agents = sorted({span["agent"] for spans in lines.values() for span in spans})
        known = {a.get("id") for a in authorship.get("agents") or ()}
        authorship["agents"] = list(authorship.get("agents") or ()) + [
            {
                "id": agent,
                "confidence": "high",
                "evidence": [
                    {
                        "marker": "provenance.records",
                        "where": "git-ai notes / Agent Trace records",
                        "detail": "line-level provenance records name lines this agent wrote",
                        "strength": "strong",
                    }
                ],
            }
            for agent in record_agents
            if agent not in known
        ]
        authorship["summary"] = f"AI-authored: {', '.join(record_agents)} (line-level provenance records)."
    if share["by_agent"]:
        parts = ", ".join(f"{agent} {value:.0%}" for agent, value in share["by_agent"].items())
        authorship["summary"] = (
            f"{authorship.get('summary') or ''} Added lines written by an agent: {parts} of {share['added']}."
        ).strip()
    return authorship, is_ai


def _spans(numbers: set[int]) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for number in sorted(numbers):
        if spans and spans[-1][1] == number - 1:
            spans[-1] = (spans[-1][0], number)
        else:
            spans.append((number, number))
    return spans


def _agents_at(finding: Finding, lines: dict[str, Any]) -> list[str]:
    start, end = finding.relevant_lines or (finding.start_line, max(finding.end_line, finding.start_line))
    return on_ai_lines(lines, finding.path, start, end)


def annotate(findings: Sequence[Finding], authorship: dict[str, Any] | None) -> None:
    """Say in each finding's message when it sits on AI-written lines (and whose)."""
    lines = (authorship or {}).get("lines") or {}
    if not lines:
        return
    for finding in findings:
        agents = _agents_at(finding, lines)
        if agents and "AI-written lines" not in finding.message:
            finding.message = f"{finding.message.rstrip()} (on AI-written lines: {', '.join(agents)})"


def merge_scoped(
    human: ReviewResult, ai: ReviewResult, authorship: dict[str, Any], notes: list[str]
) -> ReviewResult:
    """`ai_authored.scope: lines`: findings on AI-written lines as the overrides judge them, the
    rest as the plain policy does; each part gated by its own `gate.fail_on`."""
    lines = authorship.get("lines") or {}
    ai_part = [f for f in ai.findings if _agents_at(f, lines)]
    human_part = [f for f in human.findings if not _agents_at(f, lines)]
    findings = sorted(ai_part + human_part, key=lambda f: (f.path, f.start_line, -f.severity.rank, f.rule_id))
    coverage = GateInput(
        fail_on="never",
        policy_broken=bool(getattr(ai.policy, "errors", ())),
        skipped_reasons=tuple(s.reason for s in ai.skipped),
        failed_analyzers=tuple(n for n, s in (ai.stats.get("analyzers") or {}).items() if s.get("errors")),
        coverage_cut=any(s.reason == "time-budget" for s in ai.skipped),
    )
    conclusion, gate_notes = conclude([], coverage)
    blocking = []
    for part, result in ((ai_part, ai), (human_part, human)):
        fail_on = str(result.policy.get("gate", "fail_on", default="high")) if result.policy else "high"
        verdict, part_notes = conclude(part, GateInput(fail_on=fail_on))
        if verdict == "failure":
            blocking.append(part_notes[0])
    if conclusion != "action_required" and blocking:
        conclusion = "failure"
        gate_notes = blocking + gate_notes
    stats = dict(ai.stats)
    stats["findings"] = len(findings)
    annotate(findings, authorship)
    return ReviewResult(
        conclusion=conclusion,
        findings=findings,
        skipped=ai.skipped,
        suppressed=ai.suppressed,
        stats=stats,
        authorship=authorship,
        risk=ai.risk,
        notes=notes
        + [n for n in ai.notes if n not in gate_notes]
        + ["ai_authored overrides applied to AI-written lines only (ai_authored.scope: lines)"]
        + gate_notes,
        policy=ai.policy,
        sections=ai.sections,
    )
