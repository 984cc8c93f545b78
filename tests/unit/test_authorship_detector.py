"""Authorship detector internals: trailers, confidence, policy, evidence shape, the marker table."""

from __future__ import annotations

import pytest
from prguard.analyzers.authorship import (
    MAX_EVIDENCE_PER_AGENT,
    Evidence,
    agent_confidence,
    comment_text,
    detect_authorship,
    parse_trailers,
)
from prguard.analyzers.authorship_table import (
    CANONICAL_AGENTS,
    MarkerError,
    builtin_table,
    parse_marker,
    parse_table,
)
from prguard.engine.model import Person
from prguard.policies.loader import load_policy

from tests.unit.authorship_cases import DEPENDABOT, GITHUB_WEB, HUMAN, added, commit, pr

CLAUDE_TRAILER = "Co-Authored-By: Claude <noreply@anthropic.com>"


# ------------------------------------------------------------------ trailers


def test_trailers_final_paragraph_case_insensitive_with_continuation():
    message = (
        "Fix parser\n\nBody text: not a trailer because the paragraph is prose.\n\n"
        "co-authored-by: Bob <bob@example.com>\nSIGNED-OFF-BY: Alice <alice@example.com>\n"
        "Claude-Session: https://claude.ai/code/\n  session_01abc"
    )
    trailers = parse_trailers(message, {"co-authored-by", "claude-session"})
    assert [(t.key, t.value) for t in trailers] == [
        ("co-authored-by", "Bob <bob@example.com>"),
        ("signed-off-by", "Alice <alice@example.com>"),
        ("claude-session", "https://claude.ai/code/ session_01abc"),
    ]


def test_trailers_need_a_body_and_a_trailer_block():
    assert parse_trailers("Co-authored-by: Claude <noreply@anthropic.com>") == []  # the subject is never one
    prose = "Subject\n\nThis paragraph mentions Note: something\nand goes on in prose."
    assert parse_trailers(prose) == []


def test_trailers_git_leniency_mixed_block():
    message = (
        "Subject\n\n(cherry picked from commit abc)\n"
        "Signed-off-by: A <a@example.com>\nCo-authored-by: B <b@x.io>"
    )
    assert [t.key for t in parse_trailers(message)] == ["signed-off-by", "co-authored-by"]


def test_trailers_in_the_middle_of_a_squash_body():
    message = (
        "Squash (#1)\n\n* first\n\nCo-authored-by: Cursor Agent <cursoragent@cursor.com>\n\n* second\n\n"
        "Some trailing prose that is not a trailer block."
    )
    trailers = parse_trailers(message)
    assert [(t.key, t.value) for t in trailers] == [
        ("co-authored-by", "Cursor Agent <cursoragent@cursor.com>")
    ]


def test_indented_trailer_quote_is_not_a_trailer():
    message = (
        "Docs\n\nWe match lines such as\n\n    Co-authored-by: Claude <noreply@anthropic.com>\n\nin messages."
    )
    assert parse_trailers(message) == []


# ------------------------------------------------------------------ confidence


def _e(strength: str, kind: str) -> Evidence:
    return Evidence("x", f"x.{kind}", strength, kind, "somewhere", "detail")


@pytest.mark.parametrize(
    ("evidence", "expected"),
    [
        ([_e("strong", "email")], "high"),
        ([_e("medium", "branch"), _e("medium", "footer")], "high"),
        ([_e("medium", "branch"), _e("weak", "label")], "high"),
        ([_e("medium", "branch")], "medium"),
        ([_e("weak", "branch"), _e("weak", "label")], "medium"),
        ([_e("weak", "branch"), _e("weak", "branch")], "low"),
        ([_e("weak", "branch")] + [_e("hint", "code")] * 5, "low"),
        ([_e("hint", "code"), _e("hint", "subject")], "low"),
    ],
)
def test_agent_confidence(evidence, expected):
    assert agent_confidence(evidence) == expected


def test_hints_never_make_a_change_ai_authored_however_many():
    lines = [
        "# TODO: implement",
        "    pass  # your code here",
        "# TODO: implement me",
    ]
    files = [added(f"app/mod{i}.py", *lines) for i in range(10)]
    verdict = detect_authorship(pr(), files)
    assert verdict.ai_authored is False
    assert [a.id for a in verdict.agents] == ["unknown_ai"]
    assert verdict.agents[0].confidence == "low"
    assert len(verdict.agents[0].evidence) == 30
    assert verdict.to_dict()["agents"] == []
    out = verdict.to_dict()["signals"][0]
    assert len(out["evidence"]) == MAX_EVIDENCE_PER_AGENT
    assert out["evidence_omitted"] == 30 - MAX_EVIDENCE_PER_AGENT


def test_comment_text():
    assert comment_text("    # rest of the code") == "# rest of the code"
    assert comment_text("x = 1  # rest of the code") == "rest of the code"
    assert comment_text('x = "a # not a comment"') is None
    assert comment_text("value = compute()") is None
    assert comment_text("  // ... rest of the code remains the same") is not None


# ------------------------------------------------------------------ identities and commits


def test_committer_only_agent_is_weak_and_not_an_ai_commit():
    cursor = Person("Cursor Agent", "cursoragent@cursor.com")
    verdict = detect_authorship(pr(commit("Rebase onto main", HUMAN, cursor)), [])
    assert verdict.ai_authored is False
    (agent,) = verdict.agents
    assert agent.id == "cursor" and agent.confidence == "low"
    assert agent.evidence[0].where.endswith("committer")
    assert verdict.commits == []


def test_commits_list_roles_and_subjects():
    claude = Person("Claude", "noreply@anthropic.com")
    commits = (
        commit("Human start"),
        commit("Agent work", claude, claude),
        commit("Pairing\n\n" + CLAUDE_TRAILER),
    )
    verdict = detect_authorship(pr(*commits), [])
    assert verdict.ai_authored is True
    assert [(c["subject"], c["role"], c["agents"]) for c in verdict.commits] == [
        ("Agent work", "authored", ["claude_code"]),
        ("Pairing", "co-authored", ["claude_code"]),
    ]
    assert verdict.to_dict()["commit_count"] == 3
    assert verdict.summary == "AI-authored: claude_code (2 of 3 commits)."


def test_evidence_is_readable():
    verdict = detect_authorship(
        pr(commit("Fix\n\nCo-Authored-By: Claude Opus 4.8 <noreply@anthropic.com>")), []
    )
    evidence = verdict.to_dict()["agents"][0]["evidence"][0]
    sha7 = verdict.commits[0]["sha"][:7]
    assert evidence == {
        "marker": "claude_code.email",
        "where": f"commit {sha7} trailer",
        "detail": "Anthropic noreply address (Claude Code): "
        "Co-Authored-By: Claude Opus 4.8 <noreply@anthropic.com>",
        "strength": "strong",
    }


def test_ai_commit_pushed_onto_a_dependabot_pr_still_counts():
    bump = commit(f"Bump anthropic from 0.3 to 0.4\n\n{CLAUDE_TRAILER}", DEPENDABOT, GITHUB_WEB)
    fix = commit(f"Adapt to the new client API\n\n{CLAUDE_TRAILER}")
    pull = pr(bump, fix, login="dependabot[bot]", type_="Bot", account_id=49699333, branch="dependabot/pip/x")
    verdict = detect_authorship(pull, [])
    assert verdict.ai_authored is True
    assert [c["subject"] for c in verdict.commits] == ["Adapt to the new client API"]
    assert any("dependency bot" in note for note in verdict.notes)


def test_no_marker_is_unknown_not_human():
    verdict = detect_authorship(pr(), [])
    out = verdict.to_dict()
    assert out["ai_authored"] is False and out["agents"] == out["signals"] == [] and out["confidence"] is None
    assert "does not prove a human wrote it" in out["summary"]


def test_no_pull_request_reads_code_only():
    verdict = detect_authorship(None, [added("a.py", "# TODO: implement")])
    assert verdict.ai_authored is False and verdict.agents[0].id == "unknown_ai"
    elision = detect_authorship(None, [added("a.py", "# rest of the code remains the same")])
    assert elision.ai_authored is True and elision.agents[0].confidence == "medium"


# ------------------------------------------------------------------ policy


def test_policy_min_confidence_high_needs_a_strong_marker():
    codex_cloud = pr(branch="codex/fix-date-parsing", labels=("codex",))
    assert detect_authorship(codex_cloud, [], load_policy()).ai_authored is True
    strict = load_policy(repo_text="authorship:\n  min_confidence: high\n")
    verdict = detect_authorship(codex_cloud, [], strict)
    assert verdict.ai_authored is False and verdict.agents[0].confidence == "medium"
    assert verdict.to_dict()["agents"] == [] and verdict.to_dict()["signals"][0]["id"] == "codex"


def test_policy_can_disable_detection_and_code_scanning():
    pull = pr(commit("x\n\n" + CLAUDE_TRAILER))
    off = detect_authorship(pull, [], load_policy(repo_text="authorship:\n  enabled: false\n"))
    assert off.ai_authored is False and off.to_dict()["summary"].startswith(
        "Authorship detection is disabled"
    )
    files = [added("a.py", "# rest of the code remains the same")]
    no_code = detect_authorship(pr(), files, load_policy(repo_text="authorship:\n  scan_code: false\n"))
    assert no_code.agents == []


def test_policy_extra_markers_add_an_agent():
    policy = load_policy(
        repo_text=(
            "authorship:\n  extra_markers:\n"
            "    - {id: acme.email, agent: acme_bot, kind: email, value: Agent@acme.dev, strength: strong,"
            " description: ACME internal agent}\n"
            "    - {id: acme.branch, agent: acme_bot, kind: branch, pattern: '^acme-bot/',"
            " strength: medium}\n"
        )
    )
    verdict = detect_authorship(pr(commit("Fix\n\nCo-authored-by: ACME <agent@acme.dev>")), [], policy)
    assert verdict.ai_authored is True
    assert verdict.agents[0].id == "acme_bot"
    assert verdict.agents[0].evidence[0].detail.startswith("ACME internal agent: Co-authored-by")
    assert detect_authorship(pr(branch="acme-bot/task-1"), [], policy).ai_authored is True


def test_policy_bad_extra_marker_is_a_note_not_a_crash():
    class FakePolicy:
        def get(self, *path, default=None):
            if path == ("authorship", "extra_markers"):
                return [
                    {
                        "id": "claude_code.email",
                        "agent": "x",
                        "kind": "email",
                        "value": "a@b",
                        "strength": "strong",
                    }
                ]
            return default

    verdict = detect_authorship(pr(commit("x\n\n" + CLAUDE_TRAILER)), [], FakePolicy())
    assert verdict.ai_authored is True  # the built-in table still works
    assert any("already defined" in note for note in verdict.notes)


def test_policy_label_and_own_label_is_not_evidence():
    policy = load_policy(repo_text="ai_authored:\n  label: robot-made\n")
    verdict = detect_authorship(pr(labels=("robot-made",)), [], policy)
    assert verdict.ai_authored is False and verdict.label is None
    verdict = detect_authorship(pr(commit("x\n\n" + CLAUDE_TRAILER)), [], policy)
    assert verdict.label == "robot-made"


# ------------------------------------------------------------------ the table


def test_builtin_table_covers_every_canonical_agent():
    agents = {m.agent for m in builtin_table().markers}
    assert agents == set(CANONICAL_AGENTS)


def test_builtin_table_never_matches_a_bare_display_name():
    name_markers = [m for m in builtin_table().markers if m.kind == "name"]
    assert [m.id for m in name_markers] == ["aider.name_suffix"]
    assert name_markers[0].roles == frozenset({"author"})


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"id": "a", "agent": "Bad Agent", "kind": "email", "value": "x@y", "strength": "strong"}, "'agent'"),
        ({"id": "a", "agent": "a", "kind": "smell", "value": "x@y", "strength": "strong"}, "'kind'"),
        ({"id": "a", "agent": "a", "kind": "email", "value": "x@y", "strength": "huge"}, "'strength'"),
        ({"id": "a", "agent": "a", "kind": "bot_id", "value": "12", "strength": "strong"}, "integer"),
        ({"id": "a", "agent": "a", "kind": "branch", "strength": "weak"}, "needs a 'pattern'"),
        (
            {"id": "a", "agent": "a", "kind": "branch", "pattern": "(", "strength": "weak"},
            "bad regular expression",
        ),
        ({"id": "a", "agent": "a", "kind": "trailer", "strength": "weak"}, "needs a 'key'"),
        (
            {"id": "a", "agent": "a", "kind": "email", "value": "x@y", "strength": "weak", "roles": ["boss"]},
            "roles",
        ),
        (
            {"id": "a", "agent": "a", "kind": "email", "value": "x@y", "strength": "weak", "colour": 1},
            "unknown key",
        ),
    ],
)
def test_marker_validation(entry, message):
    with pytest.raises(MarkerError, match=message):
        parse_marker(entry, "test")


def test_table_rejects_duplicate_ids():
    entry = {"id": "a.b", "agent": "a", "kind": "label", "value": "x", "strength": "weak"}
    with pytest.raises(MarkerError, match="duplicate"):
        parse_table({"markers": [entry, entry]}, "t.yml")


def test_shipped_markers_compile_when_used_and_only_then() -> None:
    """The shipped table's expressions compile on first use (as written, multi-line); a local change
    (commits, no pull request title or body) compiles no title or body marker."""
    import re

    from prguard import shipped_yaml
    from prguard.analyzers.authorship_table import MARKERS_FILE
    from prguard.engine.model import CommitInfo, PullRequestInfo

    table = parse_table(shipped_yaml.load(MARKERS_FILE), "markers", lazy=True)
    patterns = [m.pattern for m in table.markers if m.pattern] + [p for _n, p in table.review_bot_blocks]
    assert len(patterns) > 50
    for pattern in patterns:
        assert pattern.compiled() == re.compile(pattern.pattern, re.MULTILINE)
    builtin_table.cache_clear()
    try:
        message = "Add feature\n\nCo-authored-by: Claude <noreply@anthropic.com>"
        change = PullRequestInfo(
            head_ref="feature", base_ref="main", commits=(CommitInfo("a" * 40, message),)
        )
        verdict = detect_authorship(change)
        assert verdict.ai_authored
        unused = [m for m in builtin_table().markers if m.kind in ("title", "body") and m.pattern]
        assert unused and all(m.pattern._compiled is None for m in unused)
    finally:
        builtin_table.cache_clear()


def test_docstring_prose_counts_and_the_file_is_parsed_only_for_a_marker(monkeypatch):
    from prguard.analyzers import authorship

    parsed: list[str] = []
    real = authorship.docstring_lines
    monkeypatch.setattr(
        authorship, "docstring_lines", lambda changed: parsed.append(changed.path) or real(changed)
    )
    inside = added(
        "a.py",
        "def f():",
        '    """Sum two numbers.',
        "",
        "    This code was generated by ChatGPT.",
        '    """',
    )
    assert detect_authorship(None, [inside]).ai_authored is True
    assert parsed == ["a.py"]
    outside = added("b.py", "created = 1", "code_was_generated = written_by(ai)")  # prose cues, no marker
    assert detect_authorship(None, [outside]).ai_authored is False
    assert parsed == ["a.py"]  # b.py was never parsed
    not_docstring = added("c.py", "x = [", "    This code was generated by ChatGPT,", "]")
    assert detect_authorship(None, [not_docstring]).ai_authored is False
