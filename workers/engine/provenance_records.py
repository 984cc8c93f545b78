"""Line-level AI provenance: which lines at the head an agent wrote.

Two record formats name AI-written lines per commit, and without them the commits do:

* git-ai authorship logs (git notes under `refs/notes/ai`, schema `authorship/3.0.0`): an
  attestation section (a file path at the start of a line, then `  <session hash> <ranges>`
  lines), a `---` line, and JSON metadata whose `prompts` map each session hash to its
  `agent_id {tool, id, model}`. Keys starting with `h_` name humans, not sessions.
* Agent Trace records (v0.1.0 JSON): `files[].conversations[]`, each with a `contributor`
  (`type` human / ai / mixed / unknown, `model_id`) and `ranges[{start_line, end_line}]`
  (a range may override the contributor), at the revision in `vcs.revision`.
* Without records: the lines an AI-authored or AI-co-authored commit of the pull request added.

Each source yields `LineClaim`s: lines of a file as it was at one commit. `lines_at_head` maps
them onto the head version (a line keeps its claim while the diff from that commit's version to
the head leaves it unchanged; a later commit's claim wins), so lines later rewritten by someone
else are no longer attributed. Plain Python: callers fetch the texts (git, or GitHub's API).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from prguard.engine.diffmap import FileDiff

GIT_AI_SCHEMA = "authorship/3.0.0"
GIT_AI_NOTES_REF = "refs/notes/ai"
AGENT_TRACE_DIR = ".agent-trace/"
MAX_NOTE_BYTES = 2_000_000
MAX_RANGE_LINES = 200_000

_RANGE_ITEM = re.compile(r"^(\d+)(?:-(\d+))?$")
_SESSION_LINE = re.compile(r"^  (\S+) (\S+)$")

# git-ai `agent_id.tool` / Agent Trace `tool.name` → prguard's agent id
_TOOL_AGENTS = {
    "claude": "claude_code",
    "claude-code": "claude_code",
    "claude_code": "claude_code",
    "claudecode": "claude_code",
    "cursor": "cursor",
    "cursor-agent": "cursor",
    "copilot": "copilot",
    "github-copilot": "copilot",
    "github_copilot": "copilot",
    "vscode": "copilot",
    "codex": "codex",
    "codex-cli": "codex",
    "openai-codex": "codex",
    "amp": "amp",
    "opencode": "opencode",
    "aider": "aider",
    "devin": "devin",
    "jules": "jules",
    "continue": "continue",
    "goose": "goose",
    "openhands": "openhands",
    "roo-code": "roo_code",
    "roo": "roo_code",
}


class ProvenanceError(ValueError):
    """A record that cannot be read (the message says which and why)."""


def agent_of_tool(tool: str | None) -> str:
    """prguard's agent id for a tool name from a record (`unknown_ai` when not known)."""
    key = (tool or "").strip().lower().replace(" ", "-")
    return _TOOL_AGENTS.get(key, "unknown_ai")


@dataclass(frozen=True, slots=True)
class LineClaim:
    """Lines of one file, as it was at `commit`, that an agent wrote."""

    commit: str
    path: str
    lines: frozenset[int]
    agent: str
    tool: str | None = None
    model: str | None = None
    source: str = "commit"  # git-ai | agent-trace | commit


@dataclass(slots=True)
class ClaimSet:
    """Everything known about a pull request's AI-written lines, before mapping to the head."""

    claims: list[LineClaim] = field(default_factory=list)
    texts: dict[tuple[str, str], str] = field(default_factory=dict)  # (commit, path) → file text there
    order: list[str] = field(default_factory=list)  # the pull request's commits, oldest first
    notes: list[str] = field(default_factory=list)

    @property
    def from_records(self) -> bool:
        return any(c.source != "commit" for c in self.claims)


class ProvenanceSource(Protocol):
    """Where a caller reads records and commit texts from (git, or GitHub's API)."""

    def claims(self, ai_commits: Mapping[str, Sequence[str]]) -> ClaimSet:
        """Records for the pull request's commits; commit-derived claims for `ai_commits`
        (sha → agents) where a commit has no record."""
        ...


# ------------------------------------------------------------------ git-ai


def parse_ranges(text: str) -> set[int]:
    """`1-4,9,12-14` → {1, 2, 3, 4, 9, 12, 13, 14}."""
    lines: set[int] = set()
    for item in text.split(","):
        match = _RANGE_ITEM.match(item.strip())
        if not match:
            raise ProvenanceError(f"bad line range {item!r}")
        start = int(match.group(1))
        end = int(match.group(2) or start)
        if start < 1 or end < start or end - start > MAX_RANGE_LINES:
            raise ProvenanceError(f"bad line range {item!r}")
        lines.update(range(start, end + 1))
    return lines


def _unquote_path(line: str) -> str:
    if line.startswith('"') and line.endswith('"') and len(line) >= 2:
        return line[1:-1]
    return line


def parse_git_ai_note(text: str, commit: str) -> list[LineClaim]:
    """The AI-written lines a git-ai authorship log (schema authorship/3.x) attaches to `commit`."""
    if len(text) > MAX_NOTE_BYTES:
        raise ProvenanceError("git-ai note too large")
    attestation, sep, metadata_text = text.partition("\n---\n")
    if not sep:
        if text.startswith("---\n"):
            attestation, metadata_text = "", text[4:]
        else:
            raise ProvenanceError("git-ai note has no '---' divider")
    try:
        metadata = json.loads(metadata_text)
    except json.JSONDecodeError as exc:
        raise ProvenanceError(f"git-ai note metadata is not JSON: {exc.msg}") from None
    if not isinstance(metadata, dict):
        raise ProvenanceError("git-ai note metadata is not a JSON object")
    schema = str(metadata.get("schema_version") or "")
    if not schema.startswith("authorship/3."):
        raise ProvenanceError(f"unsupported git-ai schema {schema!r}")
    sessions: dict[str, Any] = {}
    for key in ("prompts", "sessions"):
        value = metadata.get(key)
        if isinstance(value, dict):
            sessions.update(value)
    by_key: dict[tuple[str, str], set[int]] = {}
    path: str | None = None
    for raw in attestation.splitlines():
        if not raw.strip():
            continue
        if not raw.startswith(" "):
            path = _unquote_path(raw.rstrip())
            continue
        match = _SESSION_LINE.match(raw.rstrip())
        if not match or path is None:
            raise ProvenanceError(f"bad attestation line {raw.strip()!r}")
        key, ranges = match.groups()
        by_key.setdefault((path, key), set()).update(parse_ranges(ranges))
    claims = []
    for (file_path, key), lines in by_key.items():
        if key.startswith("h_"):
            continue  # a known human's lines
        session = sessions.get(key)
        if session is None:  # 7-character hashes of older logs: match by prefix
            session = next((v for k, v in sessions.items() if k.startswith(key) or key.startswith(k)), None)
        agent_id = session.get("agent_id") if isinstance(session, dict) else None
        agent_id = agent_id if isinstance(agent_id, dict) else {}
        tool = _text(agent_id.get("tool"))
        claims.append(
            LineClaim(
                commit=commit,
                path=file_path,
                lines=frozenset(lines),
                agent=agent_of_tool(tool),
                tool=tool,
                model=_text(agent_id.get("model")),
                source="git-ai",
            )
        )
    return claims


def _text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


# ------------------------------------------------------------------ Agent Trace


def parse_agent_trace(record: Any, default_commit: str | None = None) -> list[LineClaim]:
    """AI-written lines of one Agent Trace record (v0.x): contributor type `ai` (or `mixed`:
    AI output a human edited, still the agent's lines), at `vcs.revision`."""
    if not isinstance(record, dict) or not isinstance(record.get("files"), list):
        raise ProvenanceError("an Agent Trace record is a JSON object with a 'files' list")
    version = str(record.get("version") or "")
    if not re.match(r"^0\.\d+(\.\d+)?$|^1\.\d+(\.\d+)?$", version):
        raise ProvenanceError(f"unsupported Agent Trace version {version!r}")
    vcs = record.get("vcs") if isinstance(record.get("vcs"), dict) else {}
    commit = _text(vcs.get("revision")) if vcs.get("type", "git") == "git" else None
    commit = commit or default_commit
    if commit is None:
        raise ProvenanceError("Agent Trace record names no git revision")
    tool_info = record.get("tool") if isinstance(record.get("tool"), dict) else {}
    tool = _text(tool_info.get("name"))
    claims = []
    for entry in record["files"]:
        if not isinstance(entry, dict) or not isinstance(entry.get("path"), str):
            raise ProvenanceError("Agent Trace file entry without a 'path'")
        for conversation in entry.get("conversations") or ():
            if not isinstance(conversation, dict):
                continue
            default = (
                conversation.get("contributor") if isinstance(conversation.get("contributor"), dict) else {}
            )
            grouped: dict[tuple[str | None], set[int]] = {}
            for span in conversation.get("ranges") or ():
                if not isinstance(span, dict):
                    continue
                who = span.get("contributor") if isinstance(span.get("contributor"), dict) else default
                if who.get("type") not in ("ai", "mixed"):
                    continue
                start, end = span.get("start_line"), span.get("end_line")
                if not (isinstance(start, int) and isinstance(end, int)) or start < 1 or end < start:
                    raise ProvenanceError(f"bad Agent Trace range {span!r}")
                if end - start > MAX_RANGE_LINES:
                    raise ProvenanceError(f"Agent Trace range too long {span!r}")
                grouped.setdefault((_text(who.get("model_id")),), set()).update(range(start, end + 1))
            for (model,), lines in grouped.items():
                claims.append(
                    LineClaim(
                        commit=commit,
                        path=entry["path"].removeprefix("./"),
                        lines=frozenset(lines),
                        agent=agent_of_tool(tool),
                        tool=tool,
                        model=model,
                        source="agent-trace",
                    )
                )
    return claims


def parse_agent_trace_text(text: str, default_commit: str | None = None) -> list[LineClaim]:
    """A JSON record, a JSON list of records, or JSON Lines (one record a line)."""
    stripped = text.strip()
    if not stripped:
        return []
    try:
        data = json.loads(stripped)
        records = data if isinstance(data, list) else [data]
    except json.JSONDecodeError:
        records = []
        for number, line in enumerate(stripped.splitlines(), start=1):
            if line.strip():
                try:
                    records.append(json.loads(line))
                except json.JSONDecodeError as exc:
                    raise ProvenanceError(f"Agent Trace line {number} is not JSON: {exc.msg}") from None
    claims: list[LineClaim] = []
    for record in records:
        claims.extend(parse_agent_trace(record, default_commit))
    return claims


# ------------------------------------------------------------------ commits


def add_agent_trace(
    out: ClaimSet, recorded: set[str], text: str, commit: str | None, where: str, commits: Sequence[str]
) -> None:
    """Add an Agent Trace record's claims on the change's own `commits` to `out` (a revision
    abbreviated to seven or more characters names its commit), marking those commits `recorded`;
    a record that cannot be read becomes a note naming `where` it was."""
    try:
        claims = parse_agent_trace_text(text, commit)
    except ProvenanceError as error:
        out.notes.append(f"{where}: Agent Trace record not read: {error}")
        return
    for claim in claims:
        full = own_commit(claim.commit, commits)
        if full is not None:
            out.claims.append(
                LineClaim(full, claim.path, claim.lines, claim.agent, claim.tool, claim.model, claim.source)
            )
            recorded.add(full)


def own_commit(revision: str, commits: Sequence[str]) -> str | None:
    """The change's commit a (possibly abbreviated) revision names, else None."""
    if len(revision) < 7:
        return None
    return next((c for c in commits if c.startswith(revision.lower())), None)


def commit_agent(agents: Sequence[str]) -> str:
    """The agent a whole AI commit's lines are claimed for: the one named, or all of them joined."""
    return agents[0] if len(agents) == 1 else "+".join(sorted(agents)) or "unknown_ai"


def added_line_numbers(patch: str | None) -> set[int]:
    """New-side line numbers a unified diff (hunks only, any context) adds (the engine's parse of
    the same patch, kept for the review's other questions)."""
    return set(FileDiff.parse(patch).added_lines)


# ------------------------------------------------------------------ mapping to the head


@dataclass(frozen=True, slots=True)
class HeadLine:
    agent: str
    tool: str | None
    model: str | None
    order: int


def map_lines(old_text: str, new_text: str, lines: Iterable[int]) -> dict[int, int]:
    """old line number → new line number for the given lines that the diff leaves unchanged."""
    import difflib  # on use: most reviews have no provenance record to map

    old = old_text.splitlines()
    new = new_text.splitlines()
    wanted = set(lines)
    out: dict[int, int] = {}
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for tag, i1, i2, j1, _j2 in matcher.get_opcodes():
        if tag != "equal":
            continue
        for offset in range(i2 - i1):
            if i1 + offset + 1 in wanted:
                out[i1 + offset + 1] = j1 + offset + 1
    return out


def lines_at_head(
    claims: ClaimSet, heads: Mapping[str, str], head_sha: str | None = None
) -> dict[str, list[dict]]:
    """`{path: [{"start", "end", "agent", "tool", "model"}]}` of AI-written lines at the head.

    `heads` maps each changed path to its head text. A claim at the head commit itself (or
    without a known text) is taken as is; otherwise its lines go through the diff to the head.
    """
    order = {sha: i for i, sha in enumerate(claims.order)}
    per_path: dict[str, dict[int, HeadLine]] = {}
    ranked = sorted(claims.claims, key=lambda c: order.get(c.commit, len(order)))
    for claim in ranked:
        head_text = heads.get(claim.path)
        if head_text is None:
            continue
        at_commit = claims.texts.get((claim.commit, claim.path))
        head_count = len(head_text.splitlines())
        if claim.commit == head_sha or at_commit is None or at_commit == head_text:
            mapped = {n: n for n in claim.lines if n <= head_count}
        else:
            mapped = map_lines(at_commit, head_text, claim.lines)
        rank = order.get(claim.commit, len(order))
        slot = per_path.setdefault(claim.path, {})
        for head_line in mapped.values():
            current = slot.get(head_line)
            if current is None or current.order <= rank:
                slot[head_line] = HeadLine(claim.agent, claim.tool, claim.model, rank)
    return {path: _ranges(slot) for path, slot in sorted(per_path.items()) if slot}


def _ranges(slot: Mapping[int, HeadLine]) -> list[dict]:
    out: list[dict] = []
    for number in sorted(slot):
        line = slot[number]
        last = out[-1] if out else None
        if (
            last is not None
            and last["end"] == number - 1
            and (last["agent"], last["tool"], last["model"]) == (line.agent, line.tool, line.model)
        ):
            last["end"] = number
        else:
            out.append(
                {"start": number, "end": number, "agent": line.agent, "tool": line.tool, "model": line.model}
            )
    return out


def line_share(
    lines: Mapping[str, Sequence[Mapping[str, Any]]], added: Mapping[str, set[int]]
) -> dict[str, Any]:
    """Share of the pull request's added lines each agent wrote: `{"added": n, "by_agent": {id: share}}`."""
    total = sum(len(v) for v in added.values())
    counts: dict[str, int] = {}
    for path, ranges in lines.items():
        new = added.get(path, set())
        for span in ranges:
            hit = sum(1 for n in range(span["start"], span["end"] + 1) if n in new)
            if hit:
                counts[span["agent"]] = counts.get(span["agent"], 0) + hit
    by_agent = {agent: round(count / total, 4) for agent, count in sorted(counts.items())} if total else {}
    return {
        "added": total,
        "by_agent": by_agent,
        "ai": round(sum(counts.values()) / total, 4) if total else 0.0,
    }


def on_ai_lines(
    lines: Mapping[str, Sequence[Mapping[str, Any]]], path: str, start: int, end: int
) -> list[str]:
    """Agents whose lines at the head overlap `start..end` of `path` (empty: none)."""
    agents = []
    for span in lines.get(path, ()):
        if span["start"] <= end and start <= span["end"] and span["agent"] not in agents:
            agents.append(span["agent"])
    return agents
