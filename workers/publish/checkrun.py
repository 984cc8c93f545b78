"""The `prguard` check run: verdict title, capped summary, annotations, buttons.

The pure functions build the JSON GitHub expects (limits from the Checks API:
summary and text at most 65,535 characters, at most 50 annotations per
request, annotation title at most 255 characters and message at most 64 KB,
columns only on single-line annotations, at most 3 buttons with label ≤ 20,
description ≤ 40 and identifier ≤ 20 characters). The few functions at the end
send them.
"""

from __future__ import annotations

import datetime
import math
import re
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from prguard.engine.model import Finding, ReviewResult, Severity

CHECK_NAME = "prguard"
OUTPUT_LIMIT = 65_535  # characters, for output.summary and output.text
ANNOTATION_TITLE_LIMIT = 255
ANNOTATION_MESSAGE_LIMIT = 64 * 1024  # bytes (UTF-8)
ANNOTATIONS_PER_REQUEST = 50

LEVEL_BY_SEVERITY = {
    Severity.HIGH: "failure",
    Severity.MEDIUM: "warning",
    Severity.LOW: "notice",
    Severity.INFO: "notice",
}

RERUN = "rerun"
WAIVE = "waive"
_RERUN_ACTION = {"label": "Re-run", "description": "Review this pull request again", "identifier": RERUN}
_WAIVE_ACTION = {"label": "Waive", "description": "Accept the findings (write access)", "identifier": WAIVE}


@dataclass(frozen=True, slots=True)
class Waiver:
    """Someone with write access accepted a failing run; shown in the summary."""

    login: str
    at: str = ""  # ISO 8601 time, when known


def ordered(findings: Sequence[Finding]) -> list[Finding]:
    """Highest severity first, then by place, so caps keep what matters most."""
    return sorted(findings, key=lambda f: (-f.severity.rank, f.path, f.start_line, f.rule_id))


def fail_on(result: ReviewResult) -> str:
    return result.fail_on


def blocking_findings(result: ReviewResult) -> list[Finding]:
    """The findings at or above the gate's `fail_on` severity (none when it is `never`): the
    same answer as the reports' (ReviewResult.blocking)."""
    return result.blocking()


AGENT_NAMES = {
    "claude_code": "Claude Code",
    "copilot": "GitHub Copilot",
    "codex": "Codex",
    "devin": "Devin",
    "cursor": "Cursor",
    "aider": "Aider",
    "jules": "Jules",
    "openhands": "OpenHands",
    "amazon_q": "Amazon Q",
    "sweep": "Sweep",
    "gemini_code_assist": "Gemini Code Assist",
    "replit": "Replit Agent",
    "roo_code": "Roo Code",
    "continue": "Continue",
    "amp": "Amp",
    "opencode": "opencode",
    "unknown_ai": "an unnamed AI agent",
}


def agent_name(agent_id: str) -> str:
    return AGENT_NAMES.get(agent_id, agent_id.replace("_", " "))


def ai_agents(authorship: Mapping[str, Any] | None) -> list[str]:
    """Display names of the coding agents the authorship verdict names (`agents[].id`)."""
    if not authorship:
        return []
    names: list[str] = []
    for item in authorship.get("agents") or ():
        raw = (item.get("id") or item.get("name")) if isinstance(item, Mapping) else item
        name = agent_name(raw) if isinstance(raw, str) and raw else None
        if name and name not in names:
            names.append(name)
    return names


def is_ai_authored(authorship: Mapping[str, Any] | None) -> bool | None:
    """True/False when authorship was judged, None when it was not."""
    if not authorship or "ai_authored" not in authorship:
        return None
    return bool(authorship["ai_authored"])


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 else "s")


def conclusion_for(result: ReviewResult, *, superseded: bool = False, waiver: Waiver | None = None) -> str:
    """The check conclusion: the gate's, `cancelled` when superseded, `neutral` for a waived failure."""
    if superseded:
        return "cancelled"
    if waiver is not None and result.conclusion == "failure":
        return "neutral"
    return result.conclusion


def verdict_title(
    result: ReviewResult,
    *,
    superseded_by: str | None = None,
    waiver: Waiver | None = None,
) -> str:
    """One line a reviewer reads first, e.g. `3 findings block this change · AI-authored (Claude Code)`."""
    if superseded_by is not None:
        return f"Superseded by {superseded_by[:7]}" if superseded_by else "Superseded by a newer push"
    total = len(result.findings)
    if result.conclusion == "action_required":
        head = "Policy error: fix the prguard policy file"
    elif result.conclusion == "failure":
        blocking = len(blocking_findings(result)) or total
        if waiver is not None:
            head = f"Waived by @{waiver.login} · {_plural(blocking, 'finding')} would block"
        else:
            head = f"{_plural(blocking, 'finding')} {'blocks' if blocking == 1 else 'block'} this change"
    elif total:
        head = f"{_plural(total, 'finding')}, none blocking"
    else:
        head = "No findings"
    if result.skipped and result.conclusion != "action_required":
        head += f" · {_plural(len(result.skipped), 'file')} not reviewed"
    if is_ai_authored(result.authorship):
        agents = ai_agents(result.authorship)
        head += f" · AI-authored ({', '.join(agents)})" if agents else " · AI-authored"
    return head[:ANNOTATION_TITLE_LIMIT]


def _close_open_blocks(text: str) -> str:
    """Closers for a code fence or <details> left open by a cut."""
    closers = ""
    fences = sum(1 for line in text.splitlines() if line.lstrip().startswith("```"))
    if fences % 2:
        closers += "\n```"
    opened = text.count("<details") - text.count("</details>")
    closers += "\n</details>" * max(opened, 0)
    return closers


def cap_markdown(text: str, limit: int = OUTPUT_LIMIT, *, unit: str = "lines", more_hint: str = "") -> str:
    """Cut Markdown at a line boundary to fit `limit` characters, saying honestly what was left out."""
    if len(text) <= limit:
        return text
    lines = text.splitlines()
    kept: list[str] = []
    size = 0
    reserve = 400 + len(more_hint)
    for line in lines:
        if size + len(line) + 1 > limit - reserve:
            break
        kept.append(line)
        size += len(line) + 1
    body = "\n".join(kept)
    left = len(lines) - len(kept)
    note = f"\n\n… and {left} more {unit} not shown (GitHub caps this text at {limit:,} characters)."
    if more_hint:
        note += f" {more_hint}"
    out = body + _close_open_blocks(body) + note
    return out[:limit]


def _utf8_cap(text: str, limit_bytes: int) -> str:
    data = text.encode("utf-8")
    if len(data) <= limit_bytes:
        return text
    suffix = "\n… (cut)"
    return data[: limit_bytes - len(suffix.encode())].decode("utf-8", "ignore") + suffix


def _rule_label(finding: Finding) -> str:
    parts = [finding.rule_id]
    if finding.cwe:
        parts.append(f"CWE-{finding.cwe}")
    return " · ".join(parts)


def annotation(finding: Finding) -> dict[str, Any]:
    """One Checks API annotation for one finding, sanitised to what GitHub accepts."""
    start = max(1, int(finding.start_line or 1))
    end = max(start, int(finding.end_line or start))
    title = f"{_rule_label(finding)}: {finding.title}" if finding.title else _rule_label(finding)
    out: dict[str, Any] = {
        "path": finding.path,
        "start_line": start,
        "end_line": end,
        "annotation_level": LEVEL_BY_SEVERITY.get(finding.severity, "notice"),
        "message": _utf8_cap(finding.message or finding.rule_id, ANNOTATION_MESSAGE_LIMIT),
        "title": title[:ANNOTATION_TITLE_LIMIT],
    }
    if start == end and finding.start_column is not None and finding.end_column is not None:
        first = max(1, int(finding.start_column))
        last = max(first, int(finding.end_column))
        out["start_column"], out["end_column"] = first, last
    details = []
    if finding.flow:
        details.append("Data flow:\n" + "\n".join(f"  line {s.line}: {s.description}" for s in finding.flow))
    if finding.suggestion is not None:
        details.append(f"Suggested fix for lines {start}-{end}:\n{finding.suggestion}")
    if details:
        out["raw_details"] = _utf8_cap("\n\n".join(details), ANNOTATION_MESSAGE_LIMIT)
    return out


def annotation_batches(
    findings: Sequence[Finding], size: int = ANNOTATIONS_PER_REQUEST
) -> Iterator[list[dict]]:
    """The annotations in the order they are sent, at most `size` per request."""
    annotations = [annotation(f) for f in ordered(findings)]
    for start in range(0, len(annotations), size):
        yield annotations[start : start + size]


def batch_count(findings: int, size: int = ANNOTATIONS_PER_REQUEST) -> int:
    return math.ceil(findings / size)


def actions_for(conclusion: str) -> list[dict[str, str]]:
    """Buttons under a completed run: always Re-run; Waive only on a failure that can be waived."""
    actions = [dict(_RERUN_ACTION)]
    if conclusion == "failure":
        actions.append(dict(_WAIVE_ACTION))
    return actions


def findings_text(findings: Sequence[Finding], limit: int = OUTPUT_LIMIT) -> str:
    """output.text: every finding on one line, highest severity first, capped with "… and N more"."""
    if not findings:
        return ""
    lines = ["| severity | where | rule | finding |", "|---|---|---|---|"]
    for f in ordered(findings):
        where = (
            f"`{f.path}:{f.start_line}`"
            if f.start_line == f.end_line
            else f"`{f.path}:{f.start_line}-{f.end_line}`"
        )
        message = " ".join((f.message or "").split()).replace("|", "\\|")
        if len(message) > 300:
            message = message[:297] + "…"
        lines.append(f"| {f.severity.value} | {where} | {_rule_label(f)} | {message} |")
    text = "\n".join(lines)
    if len(text) <= limit:
        return text
    kept: list[str] = []
    size = 0
    for line in lines:
        if size + len(line) + 1 > limit - 200:
            break
        kept.append(line)
        size += len(line) + 1
    more = len(lines) - len(kept)
    return "\n".join(kept) + f"\n\n… and {more} more findings (every one is also an annotation)."


def waiver_line(waiver: Waiver) -> str:
    when = f" at {waiver.at}" if waiver.at else ""
    return f"> ✋ **Waived by @{waiver.login}**{when}: the findings below no longer fail this check."


_NOTE = "<!-- prguard:note -->"
_NOTE_BLOCK = re.compile(r"\A(?:(?:(?!<!-- prguard:note -->).)*" + re.escape(_NOTE) + r"\n\n)+", re.S)


def strip_notes(summary: str) -> str:
    """The summary without the notes prguard put on top of it earlier, so notes never pile up."""
    return _NOTE_BLOCK.sub("", summary or "", count=1)


def with_note(summary: str, note: str) -> str:
    """A note (waiver, refusal) on top of the summary, replacing any earlier note."""
    return f"{note}\n{_NOTE}\n\n{strip_notes(summary)}"


def severity_counts(findings: Sequence[Finding]) -> Counter[str]:
    return Counter(f.severity.value for f in findings)


def build_output(
    result: ReviewResult,
    summary_markdown: str,
    *,
    waiver: Waiver | None = None,
    notice: str | None = None,
) -> dict[str, str]:
    """The `output` object: verdict title, summary (rendered report, waiver/notice first) and text."""
    head = []
    if waiver is not None and result.conclusion == "failure":
        head.append(waiver_line(waiver))
    if notice:
        head.append(notice)
    summary = with_note(summary_markdown, "\n\n".join(head)) if head else summary_markdown
    output = {
        "title": verdict_title(result, waiver=waiver),
        "summary": cap_markdown(summary, more_hint="Run `prguard review` locally for the full report."),
    }
    text = findings_text(result.findings)
    if text:
        output["text"] = text
    return output


# -- GitHub calls -------------------------------------------------------------------------------

_CHECK_RUN = "/repos/{owner}/{repo}/check-runs/{check_run_id}"


def _now_iso() -> str:
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def annotations_already_sent(client: Any, owner: str, repo: str, check_run_id: int) -> int:
    """Batches a crashed earlier attempt already appended, read from the run's annotations_count."""
    run = client.get(_CHECK_RUN, url_vars={"owner": owner, "repo": repo, "check_run_id": check_run_id})
    count = ((run or {}).get("output") or {}).get("annotations_count") or 0
    return int(count) // ANNOTATIONS_PER_REQUEST


def send_check_run(
    client: Any,
    owner: str,
    repo: str,
    check_run_id: int,
    result: ReviewResult,
    summary_markdown: str,
    *,
    waiver: Waiver | None = None,
    notice: str | None = None,
    batches_sent: int = 0,
    on_batch: Any = None,
) -> int:
    """Append the annotations 50 per PATCH and complete the run with the last batch; returns PATCHes made.

    `batches_sent` skips batches an earlier attempt already appended (annotations
    append, so sending them twice would show every finding twice); `on_batch(n)`
    records progress after each accepted batch.
    """
    where = {"owner": owner, "repo": repo, "check_run_id": check_run_id}
    batches = list(annotation_batches(result.findings))
    total = sum(len(b) for b in batches)
    output = build_output(result, summary_markdown, waiver=waiver, notice=notice)
    conclusion = conclusion_for(result, waiver=waiver)
    pending = batches[batches_sent:]
    requests_made = 0
    for index, batch in enumerate(pending[:-1], start=batches_sent + 1):
        sent_so_far = index * ANNOTATIONS_PER_REQUEST
        interim = {
            "title": output["title"],
            "summary": f"Adding annotations: {sent_so_far} of {total}…",
            "annotations": batch,
        }
        client.patch(_CHECK_RUN, url_vars=where, json={"status": "in_progress", "output": interim})
        requests_made += 1
        if on_batch is not None:
            on_batch(index)
    final_output: dict[str, Any] = dict(output)
    if pending:
        final_output["annotations"] = pending[-1]
    client.patch(
        _CHECK_RUN,
        url_vars=where,
        json={
            "status": "completed",
            "conclusion": conclusion,
            "completed_at": _now_iso(),
            "output": final_output,
            "actions": actions_for(conclusion),
        },
    )
    if on_batch is not None and pending:
        on_batch(len(batches))
    return requests_made + 1
