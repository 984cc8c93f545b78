# ruff: noqa: E501 - real marker texts are quoted verbatim
"""A second labelled set, written after the detector and never used to tune it.

Variants of the real formats (other casing, other places, other surfaces) and further
pitfalls. `tests/benchmarks/authorship.py` reports precision and recall on it separately
from the development set in `tests/unit/authorship_cases.py`.
"""

from __future__ import annotations

from prguard.engine.model import Person

from tests.unit.authorship_cases import CURSOR_BUGBOT, DEPENDABOT, GITHUB_WEB, HUMAN, Case, commit, pr

COPILOT = Person("Copilot", "198982749+Copilot@users.noreply.github.com")
PRE_COMMIT = Person("pre-commit-ci[bot]", "66853113+pre-commit-ci[bot]@users.noreply.github.com")

HOLDOUT_POSITIVES: tuple[Case, ...] = (
    Case(
        "claude lower-case key",
        pr(commit("Fix\n\nco-authored-by: Claude Code <noreply@anthropic.com>")),
        True,
        ("claude_code",),
    ),
    Case(
        "copilot commits in a human PR on a sub-pr branch",
        pr(commit("Initial plan", COPILOT), commit("Apply fix", COPILOT), branch="copilot/sub-pr-42"),
        True,
        ("copilot",),
    ),
    Case(
        "devin commit without an account link",
        pr(
            commit(
                "Add endpoint",
                Person("Devin AI", "158243242+devin-ai-integration[bot]@users.noreply.github.com"),
            )
        ),
        True,
        ("devin",),
    ),
    Case(
        "cursor co-author mid-squash with a prose ending",
        pr(
            commit(
                "Squash (#5)\n\n* part one\n\nCo-authored-by: Cursor Agent <cursoragent@cursor.com>\n\n* part two\n\n"
                "Thanks everyone for the review."
            )
        ),
        True,
        ("cursor",),
    ),
    Case(
        "jules upper-case key",
        pr(
            commit(
                "Docs\n\nCO-AUTHORED-BY: google-labs-jules[bot] <161369871+google-labs-jules[bot]@users.noreply.github.com>"
            )
        ),
        True,
        ("jules",),
    ),
    Case(
        "codex task link as markdown",
        pr(
            body="## Summary\n- fix\n\n## Testing\n- ok\n\n[Codex Task](https://chatgpt.com/codex/tasks/task_e_0a1b2c3d)"
        ),
        True,
        ("codex",),
    ),
    Case(
        "aider without committer attribution",
        pr(
            commit(
                "Add tests",
                Person("Jane Dev (aider)", "jane@example.com"),
                Person("Jane Dev", "jane@example.com"),
            )
        ),
        True,
        ("aider",),
    ),
    Case(
        "openhands variant name",
        pr(commit("Fix", Person("OpenHands-Gemini", "openhands@all-hands.dev"))),
        True,
        ("openhands",),
    ),
    Case(
        "amp trailer alone",
        pr(
            commit(
                "feat: x\n\nAmp-Thread-ID: https://ampcode.com/threads/T-11111111-2222-3333-4444-555555555555"
            )
        ),
        True,
        ("amp",),
    ),
    Case(
        "replit assistant",
        pr(commit("Edit\n\nReplit-Commit-Author: Assistant\nReplit-Commit-Session-Id: 1234")),
        True,
        ("replit",),
    ),
    Case(
        "gemini suggestion applied",
        pr(
            commit(
                "Update foo.py\n\n\nCo-authored-by: gemini-code-assist[bot] <176961590+gemini-code-assist[bot]@users.noreply.github.com>",
                HUMAN,
                GITHUB_WEB,
            )
        ),
        True,
        ("gemini_code_assist",),
    ),
    Case(
        "claude footer without emoji in a commit",
        pr(commit("Refactor\n\nGenerated with [Claude Code](https://claude.com/claude-code)")),
        True,
        ("claude_code",),
    ),
    Case(
        "roomote PR author only",
        pr(login="roomote[bot]", type_="Bot", account_id=219738659),
        True,
        ("roo_code",),
    ),
    Case(
        "opencode footer in PR body",
        pr(body="Adds x.\n\n🤖 Generated with [opencode](https://opencode.ai)"),
        True,
        ("opencode",),
    ),
    Case(
        "continue co-author only",
        pr(commit("x\n\nCo-Authored-By: Continue <noreply@continue.dev>")),
        True,
        ("continue",),
    ),
    Case(
        "one vscode copilot commit of five",
        pr(
            *(commit(f"step {i}") for i in range(4)),
            commit("step 4\n\nCo-authored-by: Copilot <copilot@github.com>"),
        ),
        True,
        ("copilot",),
    ),
    Case(
        "amazon q commits on a human PR",
        pr(
            commit(
                "Implement", Person("amazon-q-developer[bot]", "q@example.invalid", "amazon-q-developer[bot]")
            )
        ),
        True,
        ("amazon_q",),
    ),
    Case(
        "sweep PR author only", pr(login="sweep-ai[bot]", type_="Bot", account_id=128439645), True, ("sweep",)
    ),
)

HOLDOUT_NEGATIVES: tuple[Case, ...] = (
    Case(
        "human with login claude",
        pr(
            commit("Fix", Person("Claude", "12345+claude@users.noreply.github.com", "claude")), login="claude"
        ),
        False,
    ),
    Case(
        "co-author Devin with a noreply address",
        pr(commit("x\n\nCo-authored-by: Devin <12345+devin@users.noreply.github.com>")),
        False,
    ),
    Case("denial prose", pr(body="This PR was *not* generated with Claude Code, Cursor or Devin."), False),
    Case(
        "copilot setup steps PR",
        pr(
            title="Add Copilot coding agent setup steps",
            branch="add-copilot-setup",
            body="Adds copilot-setup-steps.yml",
        ),
        False,
    ),
    Case(
        "dependabot bumps openai",
        pr(
            commit(
                "Bump openai from 1.2.0 to 1.3.0\n\nCo-authored-by: Codex <noreply@openai.com>",
                DEPENDABOT,
                GITHUB_WEB,
            ),
            login="dependabot[bot]",
            type_="Bot",
            account_id=49699333,
            branch="dependabot/pip/openai-1.3.0",
            body="Bumps openai. Commits: feat(codex): x  Co-authored-by: Codex <noreply@openai.com>",
        ),
        False,
    ),
    Case(
        "copilot review overview pasted in a body",
        pr(
            body="## Pull Request Overview\nThis PR adds retries. Reviewed by Copilot.\n\n**Copilot reviewed 3 out of 3 changed files**"
        ),
        False,
    ),
    Case(
        "renovate anthropic sdk",
        pr(
            login="renovate[bot]",
            type_="Bot",
            account_id=29139614,
            title="chore(deps): update dependency @anthropic-ai/sdk to v0.30.0",
            branch="renovate/anthropic-ai-sdk-0.x",
        ),
        False,
    ),
    Case("feature branch named after claude", pr(branch="feature/claude-integration"), False),
    Case("devin/ branch with a short number", pr(branch="devin/1234-fix"), False),
    Case("reported-by jules", pr(commit("Fix\n\nReported-by: Jules <jules@example.com>")), False),
    Case("jules/ branch", pr(branch="jules/add-tests"), False),
    Case("tools used prose", pr(body="Tools used: Cursor, Copilot, aider. Manually reviewed."), False),
    Case(
        "pre-commit autofix",
        pr(
            commit(
                "[pre-commit.ci] auto fixes from pre-commit.com hooks\n\nfor more information, see https://pre-commit.ci",
                PRE_COMMIT,
            )
        ),
        False,
    ),
    Case("adding aider as a dependency", pr(commit("Add aider-chat to dev dependencies")), False),
    Case(
        "human co-author named cursor", pr(commit("x\n\nCo-authored-by: cursor <cursor@example.com>")), False
    ),
    Case(
        "made with cursor inside a bugbot block",
        pr(body=CURSOR_BUGBOT.replace("Adds retries", "Made with Cursor\n> Adds retries")),
        False,
    ),
    Case("a cleanup label named sweep", pr(labels=("sweep",), branch="chore/cleanup"), False),
    Case("human 'Initial plan' commit", pr(commit("Initial plan"), branch="feature/plan"), False),
)
