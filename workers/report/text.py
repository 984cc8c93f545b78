"""Terminal report: the verdict first, then findings grouped by file, then what was not reviewed."""

from __future__ import annotations

import textwrap

from prguard.engine.model import Finding, ReviewResult
from prguard.report.common import (
    authorship_agents,
    complexity_rows,
    files_reviewed,
    findings_by_file,
    policy_sources,
    verdict,
    widest_reach,
)

_WIDTH = 100


def render(result: ReviewResult) -> str:
    lines: list[str] = []
    answer = verdict(result)
    lines.append(f"prguard: {answer.word} — {answer.reason}")
    facts = [f"risk {result.risk}/100"]
    stats = result.stats if isinstance(result.stats, dict) else {}
    facts.extend(files_reviewed(stats))
    facts.append(f"{len(result.findings)} finding{'s' if len(result.findings) != 1 else ''}")
    lines.append("  " + " · ".join(facts))
    authorship = result.authorship or {}
    if authorship.get("summary"):
        lines.append(f"  authorship: {authorship['summary']}")
    for note in result.notes:
        lines.extend(_wrap(f"note: {note}", "  ", "        "))

    for path, findings in findings_by_file(result.findings).items():
        lines.append("")
        lines.append(path)
        for finding in findings:
            lines.extend(_finding(finding))

    if authorship.get("ai_authored") or authorship_agents(result):
        lines.append("")
        lines.append("AI authorship")
        for agent in authorship_agents(result):
            lines.append(f"  {agent.get('id')} ({agent.get('confidence')} confidence)")
            for evidence in agent.get("evidence") or []:
                lines.extend(_wrap(f"- {evidence.get('where')}: {evidence.get('detail')}", "    ", "      "))

    reach, skipped_reach = widest_reach(result)
    if reach or skipped_reach:
        lines.append("")
        lines.append("Blast radius" + (f": not assessed ({skipped_reach})" if skipped_reach else ""))
        for row in reach:
            lines.append(
                f"  {row.get('name')} ({row.get('path')}:{row.get('line')}, {row.get('change')}): "
                f"{row.get('call_sites')} call site(s) in {row.get('importing_modules')} other module(s)"
            )

    rows = complexity_rows(result)
    if rows:
        lines.append("")
        lines.append("Complexity changes")
        for row in rows:
            before = f"{row['before']} ({row.get('before_rank')})" if row.get("before") is not None else "new"
            after = f"{row.get('after')} ({row.get('after_rank')})"
            lines.append(f"  {row.get('path')} {row.get('function')}(): {before} → {after}")

    if result.skipped:
        lines.append("")
        lines.append(f"Not reviewed ({len(result.skipped)} file{'s' if len(result.skipped) != 1 else ''})")
        for skipped in result.skipped:
            detail = f": {skipped.detail}" if skipped.detail else ""
            lines.extend(_wrap(f"- {skipped.path} — {skipped.reason}{detail}", "  ", "    "))

    if result.suppressed:
        lines.append("")
        lines.append(f"Suppressions used ({len(result.suppressed)})")
        for used in result.suppressed:
            reason = f' — "{used.reason}"' if used.reason else ""
            lines.append(f"  {used.path}:{used.line} {used.rule_id} ({used.kind}){reason}")

    lines.append("")
    lines.append(f"policy: {policy_sources(result)}")
    return "\n".join(lines) + "\n"


def _finding(finding: Finding) -> list[str]:
    where = f"{finding.start_line}" + (
        f"-{finding.end_line}" if finding.end_line != finding.start_line else ""
    )
    tags = [finding.analyzer]
    if finding.confidence:
        tags.append(f"confidence {finding.confidence.value}")
    if finding.cwe:
        tags.append(f"CWE-{finding.cwe}")
    head = f"  {where:>7}  {finding.severity.value:<6}  {finding.rule_id}  [{', '.join(tags)}]"
    out = [head]
    out.extend(_wrap(finding.message, "           ", "           "))
    for step in finding.flow:
        out.append(f"           ↳ line {step.line}: {step.description}")
    if finding.suggestion is not None:
        out.append("           suggestion:")
        for line in finding.suggestion.splitlines() or [""]:
            out.append(f"           | {line}")
    return out


def _wrap(text: str, first: str, rest: str) -> list[str]:
    wrapped = textwrap.wrap(
        text, _WIDTH, initial_indent=first, subsequent_indent=rest, break_on_hyphens=False
    )
    return wrapped or [first.rstrip()]
