"""The check-run summary in Markdown: verdict and reason first, then the facts behind them.

Also `prguard review --format markdown` (with the findings listed, since a
terminal has no annotations). Everything user-controlled is escaped so a file
name or a commit message cannot break the layout.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from prguard.engine.model import Finding, ReviewResult
from prguard.report.common import (
    SEVERITIES,
    authorship_agents,
    complexity_rows,
    counts_by_analyzer,
    effective_policy_yaml,
    files_reviewed,
    findings_by_file,
    policy_sources,
    verdict,
    widest_reach,
)

MAX_EVIDENCE = 8
MAX_LISTED = 50  # skipped files, suppressions, complexity rows, findings


def render_summary(result: ReviewResult, *, include_findings: bool = False) -> str:
    parts: list[str] = []
    answer = verdict(result)
    parts.append(f"### {answer.icon} {answer.word.capitalize()}: {_text(answer.reason)}")
    facts = [f"Risk **{result.risk}**/100"]
    stats = result.stats if isinstance(result.stats, dict) else {}
    facts.extend(files_reviewed(stats))
    if stats.get("pre_existing"):
        facts.append(f"{stats['pre_existing']} pre-existing finding(s) not repeated")
    parts.append(" · ".join(facts))
    if result.notes:
        parts.append("\n".join(f"- {_text(note)}" for note in result.notes))

    parts.append(_counts_table(result.findings, stats.get("new_in_push")))
    authorship = _authorship(result)
    if authorship:
        parts.append(authorship)
    seen = _seen_before(result)
    if seen:
        parts.append(seen)
    reach = _reach(result)
    if reach:
        parts.append(reach)
    complexity = _complexity(result)
    if complexity:
        parts.append(complexity)
    if include_findings and result.findings:
        parts.append(_findings(result.findings))
    if result.skipped:
        parts.append(_skipped(result))
    if result.suppressed:
        parts.append(_suppressed(result))
    rules = _rules_applied(result)
    if rules:
        parts.append(rules)
    policy = effective_policy_yaml(result)
    if policy:
        fence = _fence(policy)
        parts.append(
            f"<details><summary>Effective policy ({_text(policy_sources(result))})</summary>\n\n"
            f"{fence}yaml\n{policy.rstrip()}\n{fence}\n</details>"
        )
    return "\n\n".join(parts) + "\n"


def render(result: ReviewResult) -> str:
    """The Markdown report of the command line: the summary plus every finding."""
    return render_summary(result, include_findings=True)


def _counts_table(findings: Sequence[Finding], new_in_push: object = None) -> str:
    """Counts by analyzer and severity; `stats["new_in_push"]` ({analyzer: n}, set by the
    publisher from the previous push's findings) adds a "new in this push" column."""
    table = counts_by_analyzer(findings)
    if not table:
        return "No findings."
    new = new_in_push if isinstance(new_in_push, dict) else None
    header = "| analyzer | " + " | ".join(s.value for s in SEVERITIES) + " | total |"
    rule = "|---|" + "---:|" * (len(SEVERITIES) + 1)
    if new is not None:
        header += " new in this push |"
        rule += "---:|"
    rows = [
        f"| {_cell(name)} | "
        + " | ".join(str(c[s]) for s in SEVERITIES)
        + f" | {sum(c.values())} |"
        + (f" {int(new.get(name, 0))} |" if new is not None else "")
        for name, c in table.items()
    ]
    return "\n".join([header, rule, *rows])


def _authorship(result: ReviewResult) -> str:
    data = result.authorship or {}
    agents = authorship_agents(result)
    if not data or (not data.get("ai_authored") and not agents):
        return ""
    lines = [f"**AI authorship** — {_text(str(data.get('summary') or ''))}"]
    for agent in agents:
        lines.append(
            f"- **{_text(str(agent.get('id')))}** ({_text(str(agent.get('confidence')))} confidence)"
        )
        evidence = agent.get("evidence") or []
        for item in evidence[:MAX_EVIDENCE]:
            lines.append(f"  - {_text(str(item.get('where')))}: {_code(str(item.get('detail')))}")
        omitted = len(evidence) - MAX_EVIDENCE + int(agent.get("evidence_omitted") or 0)
        if omitted > 0:
            lines.append(f"  - … and {omitted} more")
    label = data.get("label")
    if label and data.get("ai_authored"):
        lines.append(f"- label: {_code(str(label))}")
    return "\n".join(lines)


def _seen_before(result: ReviewResult) -> str:
    """Findings whose pattern the org's other pull requests had lately (prguard.ledger.history.SeenBefore)."""
    seen = getattr(result, "seen_before", None)
    if seen is None or not (seen.patterns or seen.unavailable):
        return ""
    if not seen.patterns:
        return f"**Seen before in this org** — not checked this time ({_text(seen.unavailable)})."
    where: dict[str, list[Finding]] = {}
    for finding in result.findings:
        key = seen.findings.get(finding.fingerprint)
        if key:
            where.setdefault(key, []).append(finding)
    lines = [f"**Seen before in this org** (last {int(seen.window_days)} days)", ""]
    for pattern in seen.patterns[:MAX_LISTED]:
        found = where.get(pattern.pattern_key, [])
        title = next((f.title for f in found if f.title), "") or pattern.rule_id
        at = ", ".join(_code(f"{f.path}:{f.start_line}") for f in found[:3])
        repos = "repository" if pattern.repositories == 1 else "repositories"
        pulls = "pull request" if pattern.pulls == 1 else "pull requests"
        located = f" at {at}" if at else ""
        least = "at least " if getattr(pattern, "capped", False) else ""  # only the newest were read
        text = (
            f"- {_code(pattern.rule_id)} {_text(title)}{located}: in {least}**{pattern.pulls}** other "
            f"{pulls} in **{pattern.repositories}** {repos}"
        )
        if pattern.ai_pulls:
            agents = ", ".join(f"{_text(name)}: {count}" for name, count in pattern.agents.items())
            text += f", {pattern.ai_pulls} AI-authored" + (f" ({agents})" if agents else "")
        text += f"; first seen {pattern.first_seen:%Y-%m-%d}"
        if pattern.earlier:
            links = ", ".join(
                f"[{_text(pull.full_name)}#{int(pull.number)}]({pull.to_dict(seen.web_url)['url']})"
                for pull in pattern.earlier
            )
            text += f". Earlier: {links}"
        lines.append(text)
    bump = seen.risk_bump()
    if bump:
        lines.append("")
        lines.append(f"A pattern recurring across repositories is systemic: risk raised by {bump}.")
    return "\n".join(lines)


def _reach(result: ReviewResult) -> str:
    """The changed symbols with the widest reach in the repository (the impact analyzer's)."""
    rows, skipped = widest_reach(result)
    if skipped:
        return f"_Blast radius not assessed: {_text(skipped)}_"
    if not rows:
        return ""
    lines = [
        "**Blast radius** (changed symbols by call sites elsewhere)",
        "",
        "| symbol | change | call sites | modules |",
        "|---|---|---:|---:|",
    ]
    for row in rows:
        where = f"{row.get('path')}:{row.get('line')}"
        lines.append(
            f"| {_code(str(row.get('name')), table=True)} ({_code(where, table=True)}) | {row.get('change')} "
            f"| {row.get('call_sites')} | {row.get('importing_modules')} |"
        )
    return "\n".join(lines)


def _complexity(result: ReviewResult) -> str:
    rows = complexity_rows(result)
    if not rows:
        return ""
    lines = ["**Complexity changes**", "", "| function | before | after |", "|---|---:|---:|"]
    for row in rows[:MAX_LISTED]:
        before = f"{row['before']} ({row.get('before_rank')})" if row.get("before") is not None else "new"
        after = f"{row.get('after')} ({row.get('after_rank')})"
        function = _code(str(row.get("function")) + "()", table=True)
        lines.append(f"| {_code(str(row.get('path')), table=True)} {function} | {before} | {after} |")
    if len(rows) > MAX_LISTED:
        lines.append(f"\n… and {len(rows) - MAX_LISTED} more")
    return "\n".join(lines)


def _findings(findings: Sequence[Finding]) -> str:
    lines = [f"**Findings** ({len(findings)})"]
    shown = 0
    for path, items in findings_by_file(findings).items():
        lines.append(f"\n{_code(path)}")
        for f in items:
            if shown >= MAX_LISTED:
                break
            shown += 1
            cwe = f" · CWE-{f.cwe}" if f.cwe else ""
            lines.append(
                f"- line {f.start_line} **{f.severity.value}** · {_code(f.rule_id)}{cwe} — {_text(f.message)}"
            )
    if len(findings) > shown:
        lines.append(f"\n… and {len(findings) - shown} more")
    return "\n".join(lines)


def _skipped(result: ReviewResult) -> str:
    lines = [f"**Not reviewed** ({len(result.skipped)} file{'s' if len(result.skipped) != 1 else ''})"]
    for skipped in result.skipped[:MAX_LISTED]:
        detail = f": {_text(skipped.detail)}" if skipped.detail else ""
        lines.append(f"- {_code(skipped.path)} — {_text(skipped.reason)}{detail}")
    lines.extend(_more(result.skipped))
    return "\n".join(lines)


def _more(items: Sequence[object]) -> list[str]:
    """The list item that counts what MAX_LISTED left out (none when nothing was)."""
    return [f"- … and {len(items) - MAX_LISTED} more"] if len(items) > MAX_LISTED else []


def _rules_applied(result: ReviewResult) -> str:
    """The policy's own rules that applied, and where each came from (org file, repo file, preset)."""
    policy = result.policy
    rules = [r for r in (policy.get("rules", default=[]) or []) if isinstance(r, dict)] if policy else []
    disabled = [str(i) for i in (policy.get("rules_disabled", default=[]) or [])] if policy else []
    semgrep = policy.get("semgrep", "rules", default=[]) or [] if policy else []
    if not rules and not disabled and not semgrep:
        return ""
    lines = [f"<details><summary>Policy rules applied ({len(rules)})</summary>\n"]
    for rule in rules[:MAX_LISTED]:
        lines.append(
            f"- {_code(str(rule.get('id')))} {_text(str(rule.get('kind')))}, "
            f"{_text(str(rule.get('severity')))} — from {_code(str(rule.get('source', 'policy')))}"
        )
    lines.extend(_more(rules))
    if disabled:
        lines.append(f"- switched off (rules_disabled): {', '.join(_code(i) for i in disabled)}")
    if semgrep:
        lines.append(f"- Semgrep rules: {', '.join(_code(str(p)) for p in semgrep)}")
    lines.append("</details>")
    return "\n".join(lines)


def _suppressed(result: ReviewResult) -> str:
    lines = [f"**Suppressions used** ({len(result.suppressed)})"]
    for used in result.suppressed[:MAX_LISTED]:
        reason = f" — “{_text(used.reason)}”" if used.reason else ""
        lines.append(f"- {_code(f'{used.path}:{used.line}')} {_code(used.rule_id)} ({used.kind}){reason}")
    lines.extend(_more(result.suppressed))
    return "\n".join(lines)


_HTML = str.maketrans({"<": "&lt;", ">": "&gt;", "&": "&amp;"})


_CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1")


def _text(value: str) -> str:
    """Text inside Markdown: no raw HTML or accidental tables outside code spans (kept as written)."""
    value = value.replace("\n", " ")
    out: list[str] = []
    last = 0
    for span in _CODE_SPAN.finditer(value):
        out.append(value[last : span.start()].translate(_HTML).replace("|", "\\|"))
        out.append(span.group(0))
        last = span.end()
    out.append(value[last:].translate(_HTML).replace("|", "\\|"))
    return "".join(out)


def _cell(value: str) -> str:
    return _text(value)


def _code(value: str, *, table: bool = False) -> str:
    """Inline code that survives backticks in the value (and pipes, inside a table)."""
    value = value.replace("\n", " ")
    if table:
        value = value.replace("|", "\\|")
    longest = max((len(run) for run in re.findall(r"`+", value)), default=0)
    ticks = "`" * (longest + 1)
    pad = " " if value.startswith("`") or value.endswith("`") else ""
    return f"{ticks}{pad}{value}{pad}{ticks}"


def _fence(body: str) -> str:
    longest = max((len(run) for run in re.findall(r"`{3,}", body)), default=2)
    return "`" * max(3, longest + 1)
