"""Line-level AI provenance: git-ai notes and Agent Trace records (fixtures written from their
specifications), commit-derived lines, line moves to the head, findings on AI lines and
`ai_authored.scope: lines`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from prguard.cli import main
from prguard.engine.provenance_records import (
    ClaimSet,
    LineClaim,
    ProvenanceError,
    agent_of_tool,
    lines_at_head,
    parse_agent_trace,
    parse_agent_trace_text,
    parse_git_ai_note,
    parse_ranges,
)

from tests.unit.test_cli_review import commit, git

# A git-ai authorship log as the Git AI Standard v3.0.0 lays it out: attestation section (path, then
# two-space-indented "<16-hex session hash> <ranges>"), a line "---", then JSON metadata.
GIT_AI_NOTE = """src/app.py
  d9978a8723e02b52 3-5
"src/my file.py"
  d9978a8723e02b52 1,4-6
  h_3f2a9c1b 2
---
{
  "schema_version": "authorship/3.0.0",
  "git_ai_version": "1.0.23",
  "base_commit_sha": "7734793b756b3921c88db5375a8c156e9532447b",
  "prompts": {
    "d9978a8723e02b52": {
      "agent_id": {"tool": "claude", "id": "6ef2299e-a67f", "model": "claude-opus-4-5"},
      "human_author": "Dev <dev@example.com>",
      "messages": [{"type": "user", "text": "add the loader"}],
      "total_additions": 6, "total_deletions": 0, "accepted_lines": 6, "overriden_lines": 0
    }
  }
}
"""

# An Agent Trace record (v0.1.0) in the shape of the specification's example.
AGENT_TRACE = {
    "version": "0.1.0",
    "id": "550e8400-e29b-41d4-a716-446655440000",
    "timestamp": "2026-01-23T14:30:00Z",
    "vcs": {"type": "git", "revision": "a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0"},
    "tool": {"name": "cursor", "version": "2.4.0"},
    "files": [
        {
            "path": "src/utils/parser.ts",
            "conversations": [
                {
                    "url": "https://api.cursor.com/v1/conversations/12345",
                    "contributor": {"type": "ai", "model_id": "anthropic/claude-opus-4-5-20251101"},
                    "ranges": [
                        {"start_line": 42, "end_line": 44, "content_hash": "murmur3:9f2e8a1b"},
                        {"start_line": 50, "end_line": 50, "contributor": {"type": "human"}},
                    ],
                },
                {"contributor": {"type": "human"}, "ranges": [{"start_line": 1, "end_line": 3}]},
            ],
        }
    ],
    "metadata": {"confidence": 0.95},
}


def test_git_ai_note_is_read_from_the_spec_layout():
    claims = parse_git_ai_note(GIT_AI_NOTE, "c" * 40)
    by_path = {c.path: c for c in claims}
    assert set(by_path) == {"src/app.py", "src/my file.py"}
    assert by_path["src/app.py"].lines == {3, 4, 5}
    assert by_path["src/my file.py"].lines == {1, 4, 5, 6}  # the h_ (human) key's line 2 is not AI
    claim = by_path["src/app.py"]
    assert (claim.agent, claim.tool, claim.model, claim.source) == (
        "claude_code",
        "claude",
        "claude-opus-4-5",
        "git-ai",
    )


@pytest.mark.parametrize(
    "note",
    [
        "src/a.py\n  abc 1-2\n",  # no divider
        'src/a.py\n  abc 1-2\n---\n{"schema_version": "authorship/2.0.0", "prompts": {}}',
        'src/a.py\n  abc 2-1\n---\n{"schema_version": "authorship/3.0.0", "prompts": {}}',
        'src/a.py\n  abc x\n---\n{"schema_version": "authorship/3.0.0", "prompts": {}}',
        "src/a.py\n  abc 1\n---\nnot json",
    ],
)
def test_bad_git_ai_notes_are_refused_with_a_reason(note):
    with pytest.raises(ProvenanceError):
        parse_git_ai_note(note, "c" * 40)


def test_ranges_and_tools():
    assert parse_ranges("1,2,19-21,300") == {1, 2, 19, 20, 21, 300}
    assert agent_of_tool("cursor") == "cursor" and agent_of_tool("Claude Code") == "claude_code"
    assert agent_of_tool("some-new-agent") == "unknown_ai"


def test_agent_trace_record_from_the_spec_example():
    claims = parse_agent_trace(AGENT_TRACE)
    assert len(claims) == 1
    (claim,) = claims
    assert claim.commit == AGENT_TRACE["vcs"]["revision"]
    assert claim.path == "src/utils/parser.ts"
    assert claim.lines == {42, 43, 44}  # the human override on line 50 and the human conversation are not AI
    assert (claim.agent, claim.model, claim.source) == (
        "cursor",
        "anthropic/claude-opus-4-5-20251101",
        "agent-trace",
    )
    jsonl = json.dumps(AGENT_TRACE) + "\n" + json.dumps({**AGENT_TRACE, "id": "2"}) + "\n"
    assert len(parse_agent_trace_text(jsonl)) == 2
    with pytest.raises(ProvenanceError):
        parse_agent_trace({"version": "0.1.0", "files": [{"path": "a", "conversations": []}]})  # no revision


def test_lines_follow_later_moves_and_drop_rewritten_lines():
    at_commit = "a\nb\nai1\nai2\nai3\nc\n"
    head = "new0\nnew1\na\nb\nai1\nAI2 rewritten by a human\nai3\nc\n"
    claims = ClaimSet(
        claims=[LineClaim("c1", "m.py", frozenset({3, 4, 5}), "claude_code", "claude", "opus", "git-ai")],
        texts={("c1", "m.py"): at_commit},
        order=["c1", "c2"],
    )
    lines = lines_at_head(claims, {"m.py": head}, head_sha="c2")
    assert lines == {
        "m.py": [
            {"start": 5, "end": 5, "agent": "claude_code", "tool": "claude", "model": "opus"},
            {"start": 7, "end": 7, "agent": "claude_code", "tool": "claude", "model": "opus"},
        ]
    }


# ------------------------------------------------------------------ end to end through the CLI

HEAD_FILE = (
    "import json\n\ndef load(path):\n    with open(path) as f:\n        return json.load(f)\n\nX = 1\n"
)


def _note_for(lines: str) -> str:
    """A git-ai note for app/data.py naming `lines`, with GIT_AI_NOTE's metadata."""
    return f"app/data.py\n  d9978a8723e02b52 {lines}\n---" + GIT_AI_NOTE.split("---", 1)[1]


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    path = tmp_path / "repo"
    path.mkdir()
    git(path, "init", "-q", "-b", "main")
    commit(path, {"README.md": "data\n"}, "Initial")
    git(path, "checkout", "-q", "-b", "feature")
    return path


def _review_json(repo: Path, capsys) -> dict:
    code = main(["review", "--repo", str(repo), "--base", "main", "--format", "json"])
    out = capsys.readouterr().out
    assert code in (0, 1)
    return json.loads(out)


def test_git_ai_note_lines_3_to_5_are_exactly_the_ai_lines(repo, capsys):
    sha = commit(repo, {"app/data.py": HEAD_FILE}, "Add the loader")
    git(repo, "notes", "--ref", "refs/notes/ai", "add", "-m", _note_for("3-5"), sha)
    result = _review_json(repo, capsys)
    authorship = result["authorship"]
    assert authorship["lines"] == {
        "app/data.py": [
            {"start": 3, "end": 5, "agent": "claude_code", "tool": "claude", "model": "claude-opus-4-5"}
        ]
    }
    assert authorship["ai_authored"] is True  # the record alone names an agent
    assert authorship["lines_source"] == "records"
    assert authorship["line_share"]["by_agent"] == {"claude_code": round(3 / 7, 4)}
    assert "claude_code 43%" in authorship["summary"]


def test_note_lines_move_with_a_later_human_commit(repo, capsys):
    sha = commit(repo, {"app/data.py": HEAD_FILE}, "Add the loader")
    git(repo, "notes", "--ref", "refs/notes/ai", "add", "-m", _note_for("3-5"), sha)
    commit(
        repo,
        {
            "app/data.py": '"""Data access."""\n\n'
            + HEAD_FILE.replace("return json.load(f)", "return json.loads(f.read())")
        },
        "Docstring",
    )
    lines = _review_json(repo, capsys)["authorship"]["lines"]["app/data.py"]
    assert [(r["start"], r["end"]) for r in lines] == [(5, 6)]  # moved by two, line 5 rewritten by a human


def test_agent_trace_file_at_head_names_lines(repo, capsys):
    sha = commit(repo, {"app/data.py": HEAD_FILE}, "Add the loader")
    record = {**AGENT_TRACE, "vcs": {"type": "git", "revision": sha}}
    record["files"] = [{**AGENT_TRACE["files"][0], "path": "app/data.py"}]
    record["files"][0]["conversations"][0]["ranges"] = [{"start_line": 1, "end_line": 2}]
    commit(repo, {".agent-trace/traces.jsonl": json.dumps(record) + "\n"}, "Trace")
    lines = _review_json(repo, capsys)["authorship"]["lines"]
    assert lines == {
        "app/data.py": [
            {
                "start": 1,
                "end": 2,
                "agent": "cursor",
                "tool": "cursor",
                "model": "anthropic/claude-opus-4-5-20251101",
            }
        ]
    }


def test_without_records_lines_come_from_ai_commits(repo, capsys):
    commit(repo, {"app/data.py": HEAD_FILE}, "Add the loader")
    commit(
        repo,
        {"app/data.py": HEAD_FILE + "\ndef total(xs):\n    return sum(xs)\n"},
        "Add total\n\nCo-Authored-By: Claude <noreply@anthropic.com>",
    )
    authorship = _review_json(repo, capsys)["authorship"]
    assert authorship["lines_source"] == "commits"
    assert [(r["start"], r["end"], r["agent"]) for r in authorship["lines"]["app/data.py"]] == [
        (8, 10, "claude_code")
    ]


RISKY = "import subprocess\n\ndef export(name):\n    return subprocess.call('tar czf ' + name, shell=True)\n"


def test_findings_on_ai_lines_say_so_and_scope_lines_limits_the_overrides(repo, capsys):
    commit(repo, {"app/export.py": RISKY}, "Export")
    commit(
        repo,
        {"app/other.py": RISKY.replace("export", "backup")},
        "Backup\n\nCo-Authored-By: Claude <noreply@anthropic.com>",
    )
    result = _review_json(repo, capsys)
    on_ai = [f for f in result["findings"] if f["path"] == "app/other.py"]
    human = [f for f in result["findings"] if f["path"] == "app/export.py"]
    assert on_ai and all("(on AI-written lines: claude_code)" in f["message"] for f in on_ai)
    assert human and not any("AI-written" in f["message"] for f in human)
    # scope lines: the stricter AI gate judges only the AI-written lines
    policy = repo / "policy.yml"
    rule = on_ai[0]["rule_id"]
    policy.write_text(
        "version: 1\ngate:\n  fail_on: never\nai_authored:\n  scope: lines\n  gate:\n    fail_on: low\n"
    )
    code = main(
        ["review", "--repo", str(repo), "--base", "main", "--format", "json", "--policy", str(policy)]
    )
    scoped = json.loads(capsys.readouterr().out)
    assert code == 1 and scoped["conclusion"] == "failure"  # the AI-line finding blocks under the AI gate
    assert any("ai_authored.scope: lines" in n for n in scoped["notes"])
    assert {f["rule_id"] for f in scoped["findings"]} >= {rule}
    # the same finding only on human lines does not block: the plain gate is 'never'
    git(repo, "checkout", "-q", "-b", "human-only", "main")
    commit(repo, {"app/export.py": RISKY}, "Export")
    code = main(
        ["review", "--repo", str(repo), "--base", "main", "--format", "json", "--policy", str(policy)]
    )
    assert code == 0, capsys.readouterr().out


def test_agent_trace_paths_keep_their_leading_dot_directories():
    record = {**AGENT_TRACE, "files": [{**AGENT_TRACE["files"][0], "path": "./.github/scripts/x.py"}]}
    (claim,) = parse_agent_trace(record)
    assert claim.path == ".github/scripts/x.py"
