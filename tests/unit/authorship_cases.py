# ruff: noqa: E501, RUF001 - real marker texts are quoted verbatim, long lines and odd characters included
"""A labelled set of pull requests for the authorship detector, built from real marker formats.

Every positive quotes a marker as the agent writes it (shared/reference/ai-authorship-markers.md);
every negative is a pitfall from the same reference. `tests/unit/test_authorship_cases.py`
checks each case and `tests/benchmarks/authorship.py` reports precision and recall over them.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from prguard.engine.model import ChangedFile, CommitInfo, Person, PullRequestInfo

HUMAN = Person("Alice Example", "alice@example.com", "alice")
GITHUB_WEB = Person("GitHub", "noreply@github.com", "web-flow")


def sha(seed: str) -> str:
    return hashlib.sha1(seed.encode()).hexdigest()


def commit(
    message: str, author: Person = HUMAN, committer: Person | None = None, seed: str | None = None
) -> CommitInfo:
    return CommitInfo(sha(seed or message), message, author, committer or author)


def pr(
    *commits: CommitInfo,
    title: str = "Improve the parser",
    body: str = "",
    login: str = "alice",
    type_: str = "User",
    account_id: int = 1001,
    branch: str = "feature/parser",
    labels: tuple[str, ...] = (),
) -> PullRequestInfo:
    return PullRequestInfo(
        number=7,
        title=title,
        body=body,
        author_login=login,
        author_type=type_,
        author_id=account_id,
        head_ref=branch,
        base_ref="main",
        labels=labels,
        commits=commits or (commit("Improve the parser\n\nHandle empty input."),),
    )


def added(path: str, *lines: str) -> ChangedFile:
    patch = f"@@ -0,0 +1,{len(lines)} @@\n" + "\n".join("+" + line for line in lines)
    return ChangedFile(path, "added", "\n".join(lines).encode(), None, patch)


@dataclass(frozen=True)
class Case:
    name: str
    pull: PullRequestInfo
    ai: bool  # the truth: an AI agent wrote or co-wrote the change
    agents: tuple[str, ...] = ()  # agents that must be found (at qualifying confidence)
    files: tuple[ChangedFile, ...] = field(default=())


COPILOT_SWE = Person("copilot-swe-agent[bot]", "198982749+Copilot@users.noreply.github.com", "Copilot")
CLAUDE = Person("Claude", "noreply@anthropic.com")
CLAUDE_APP = Person("claude[bot]", "209825114+claude[bot]@users.noreply.github.com", "claude[bot]")
DEVIN = Person(
    "Devin AI", "158243242+devin-ai-integration[bot]@users.noreply.github.com", "devin-ai-integration[bot]"
)
CURSOR = Person("Cursor Agent", "cursoragent@cursor.com")
JULES = Person("google-labs-jules[bot]", "161369871+google-labs-jules[bot]@users.noreply.github.com")
DEPENDABOT = Person("dependabot[bot]", "49699333+dependabot[bot]@users.noreply.github.com", "dependabot[bot]")
RENOVATE = Person("renovate[bot]", "29139614+renovate[bot]@users.noreply.github.com", "renovate[bot]")

CLAUDE_FOOTER = "🤖 Generated with [Claude Code](https://claude.ai/code)"
CURSOR_BUGBOT = """Adds retry to the uploader.

<!-- CURSOR_SUMMARY -->
---

> [!NOTE]
> Adds retries with backoff to the uploader and a config flag.
>
> <sup>Written by [Cursor Bugbot](https://cursor.com/dashboard?tab=bugbot) for commit 1a2b3c4. This will update \
automatically on new commits. Configure [here](https://cursor.com/dashboard?tab=bugbot).</sup>
<!-- /CURSOR_SUMMARY -->"""
DEVIN_BADGE = """Fixes the flaky login test.

<!-- devin-review-badge-begin -->
<a href="https://app.devin.ai/review/vellum-ai/vellum-assistant/pull/6718">
  <img src="https://static.devin.ai/assets/gh-open-in-devin-review.svg?v=1" alt="Open with Devin">
</a>
<!-- devin-review-badge-end -->"""

POSITIVES: tuple[Case, ...] = (
    # ------------------------------------------------------------ copilot
    Case(
        "copilot coding agent PR",
        pr(
            commit("Initial plan", COPILOT_SWE),
            commit(
                "Add input validation to the parser\n\nCo-authored-by: alice <1001+alice@users.noreply.github.com>",
                COPILOT_SWE,
            ),
            login="Copilot",
            type_="Bot",
            account_id=198982749,
            title="[WIP] Validate parser input",
            branch="copilot/fix-123",
            body="Thanks for assigning this issue to me. I'm starting to work on it and will keep this PR's "
            "description up to date as I form a plan and make progress.\n\n"
            "<!-- START COPILOT CODING AGENT SUFFIX -->\n\n<details><summary>Original prompt</summary>\n"
            "Validate input</details>",
        ),
        True,
        ("copilot",),
    ),
    Case(
        "copilot squash co-author",
        pr(
            commit(
                "Validate parser input (#812)\n\n* Initial plan\n\n* Add validation\n\n---------\n\n"
                "Co-authored-by: copilot-swe-agent[bot] <198982749+Copilot@users.noreply.github.com>\n"
                "Co-authored-by: alice <1001+alice@users.noreply.github.com>",
                HUMAN,
                GITHUB_WEB,
            )
        ),
        True,
        ("copilot",),
    ),
    Case(
        "copilot vscode co-author",
        pr(commit("Refactor config loading\n\nCo-authored-by: Copilot <copilot@github.com>")),
        True,
        ("copilot",),
    ),
    Case(
        "copilot app session",
        pr(
            commit(
                "Fix pagination\n\nCopilot-Session: 4f0d6a3e-2b1c-4d5e-9f8a-7b6c5d4e3f2a\n"
                "Co-authored-by: Copilot App <223556219+Copilot@users.noreply.github.com>"
            )
        ),
        True,
        ("copilot",),
    ),
    Case(
        "copilot autofix",
        pr(
            commit(
                "Potential fix for pull request finding\n\n"
                "Co-authored-by: Copilot Autofix powered by AI <175728472+Copilot@users.noreply.github.com>",
                HUMAN,
                GITHUB_WEB,
            )
        ),
        True,
        ("copilot",),
    ),
    Case(
        "copilot autofix old address",
        pr(
            commit(
                "Potential fix for code scanning alert no. 12: Clear-text logging\n\n"
                "Co-authored-by: Copilot Autofix powered by AI "
                "<62310815+github-advanced-security[bot]@users.noreply.github.com>"
            )
        ),
        True,
        ("copilot",),
    ),
    # ------------------------------------------------------------ claude_code
    Case(
        "claude code trailer with model name",
        pr(
            commit(
                f"Add retry to uploader\n\nRetries with backoff.\n\n{CLAUDE_FOOTER}\n\n"
                "Co-Authored-By: Claude Sonnet 4.6 <noreply@anthropic.com>"
            )
        ),
        True,
        ("claude_code",),
    ),
    Case(
        "claude code trailer, future model, no footer",
        pr(commit("Tidy imports\n\nCo-Authored-By: Claude Opus 5 (1M context) <noreply@anthropic.com>")),
        True,
        ("claude_code",),
    ),
    Case(
        "claude code on the web",
        pr(
            commit("Decouple Roo from VS Code", CLAUDE, CLAUDE),
            branch="claude/decouple-roo-from-vscode-pHh3E",
        ),
        True,
        ("claude_code",),
    ),
    Case(
        "claude github app",
        pr(
            commit(
                "Fix typo in README\n\nCo-authored-by: alice <1001+alice@users.noreply.github.com>",
                CLAUDE_APP,
            ),
            branch="claude/issue-101-20250531_001023",
            body="Fixes #101\n\nGenerated with [Claude Code](https://claude.ai/code)",
        ),
        True,
        ("claude_code",),
    ),
    Case(
        "claude session trailer only",
        pr(commit("Handle timeouts\n\nClaude-Session: https://claude.ai/code/session_01AbCdEfGhIjKlMnOpQr")),
        True,
        ("claude_code",),
    ),
    Case(
        "claude footer in PR body only, emoji mis-encoded",
        pr(
            body="## Summary\n- Adds caching\n\nðŸ¤– Generated with [Claude Code](https://claude.com/claude-code)"
        ),
        True,
        ("claude_code",),
    ),
    Case(
        "claude app branch shape only",
        pr(branch="claude/issue-12-20250601_101010"),
        True,
        ("claude_code",),
    ),
    # ------------------------------------------------------------ codex
    Case(
        "codex co-author trailer",
        pr(commit("Hook-based co-author attribution\n\nCo-authored-by: Codex <noreply@openai.com>")),
        True,
        ("codex",),
    ),
    Case(
        "codex cloud task",
        pr(
            branch="codex/add-csv-export",
            labels=("codex",),
            body="## Summary\n- add CSV export\n\n## Testing\n- `pytest -q`\n\n------\n"
            "https://chatgpt.com/codex/tasks/task_e_68a1b2c3d4e5f60718293a4b5c6d7e8f",
        ),
        True,
        ("codex",),
    ),
    Case(
        "codex cloud without task link (branch + label)",
        pr(branch="codex/fix-date-parsing", labels=("codex",)),
        True,
        ("codex",),
    ),
    Case(
        "codex author with model in name",
        pr(commit("Speed up tests", Person("codex (GPT-5.4)", "noreply@openai.com"))),
        True,
        ("codex",),
    ),
    Case(
        "codex assisted-by trailer",
        pr(commit("Fix the worker pool\n\nAssisted-by: OpenAI GPT-5 <noreply@openai.com>")),
        True,
        ("codex",),
    ),
    # ------------------------------------------------------------ devin
    Case(
        "devin PR",
        pr(
            commit("Fix stream parsing\n\nCo-Authored-By: alice@example.com <alice@example.com>", DEVIN),
            login="devin-ai-integration[bot]",
            type_="Bot",
            account_id=158243242,
            branch="devin/1787279627-fix-stream-parsing",
            body="Fix stream parsing\n\nLink to Devin run: https://app.devin.ai/sessions/4f1e2d3c4b5a69788796a5b4c3d2e1f0\n"
            "Requested by: Alice (alice@example.com)",
        ),
        True,
        ("devin",),
    ),
    Case(
        "devin squash co-author in a human PR",
        pr(
            commit(
                "Fix stream parsing (#39)\n\nCo-Authored-By: Devin AI "
                "<158243242+devin-ai-integration[bot]@users.noreply.github.com>"
            )
        ),
        True,
        ("devin",),
    ),
    Case(
        "local devin session",
        pr(
            body="Adds retries.\n\nLink to local Devin session: https://app.devin.ai/sessions/0123abcd\nRequested by: @alice"
        ),
        True,
        ("devin",),
    ),
    Case("devin branch shape only", pr(branch="devin/1787279627-add-metrics"), True, ("devin",)),
    # ------------------------------------------------------------ cursor
    Case(
        "cursor background agent",
        pr(
            commit(
                "Add emoji reactions to task messages\n\nCo-authored-by: alice <alice@example.com>",
                CURSOR,
                CURSOR,
            ),
            branch="cursor/add-emoji-reactions-to-task-messages-dd0b",
            body='Adds emoji reactions.\n\n<a href="https://cursor.com/background-agent?bcId=bc-5f1c2d3e-4a5b-6c7d-8e9f-0a1b2c3d4e5f">'
            'Open in Cursor</a> <a href="https://cursor.com/agents/bc-5f1c2d3e-4a5b-6c7d-8e9f-0a1b2c3d4e5f">Open in Web</a>',
        ),
        True,
        ("cursor",),
    ),
    Case(
        "cursor local co-author",
        pr(commit("Fix race in cache\n\nCo-authored-by: Cursor <cursoragent@cursor.com>")),
        True,
        ("cursor",),
    ),
    Case("cursor branch shape only", pr(branch="cursor/fix-login-redirect-a3f9"), True, ("cursor",)),
    Case("made with cursor", pr(commit("Add dark mode\n\nMade with Cursor")), True, ("cursor",)),
    # ------------------------------------------------------------ aider
    Case(
        "aider author and committer",
        pr(
            commit(
                "feat: Add --map-tokens option",
                Person("Paul Gauthier (aider)", "paul@aider.chat"),
                Person("Paul Gauthier (aider)", "paul@aider.chat"),
            )
        ),
        True,
        ("aider",),
    ),
    Case(
        "aider co-author",
        pr(
            commit(
                "Refactor repo map\n\nCo-authored-by: aider (anthropic/claude-sonnet-4) <aider@aider.chat>"
            )
        ),
        True,
        ("aider",),
    ),
    Case("aider subject prefix", pr(commit("aider: Added tests for the repo map")), True, ("aider",)),
    Case(
        "aider old co-author address",
        pr(commit("Fix lint\n\nCo-authored-by: aider (gpt-4o) <noreply@aider.dev>")),
        True,
        ("aider",),
    ),
    # ------------------------------------------------------------ jules
    Case(
        "jules bot PR",
        pr(
            commit("Add unit tests for the tokenizer", JULES),
            login="google-labs-jules[bot]",
            type_="Bot",
            account_id=161369871,
            branch="add-tokenizer-tests-1234567890123456789",
        ),
        True,
        ("jules",),
    ),
    Case(
        "jules under the user's account",
        pr(
            branch="fix-login-bug-1234567890123456789",
            body="Fixes the login bug.\n\n---\n*PR created automatically by Jules for task "
            "[1234567890123456789](https://jules.google.com/task/1234567890123456789) started by @alice*",
        ),
        True,
        ("jules",),
    ),
    Case(
        "jules co-author",
        pr(
            commit(
                "Add docs (#94)\n\nCo-authored-by: google-labs-jules[bot] "
                "<161369871+google-labs-jules[bot]@users.noreply.github.com>"
            )
        ),
        True,
        ("jules",),
    ),
    # ------------------------------------------------------------ openhands
    Case(
        "openhands co-author",
        pr(commit("Fix CLI flag parsing\n\nCo-authored-by: openhands <openhands@all-hands.dev>")),
        True,
        ("openhands",),
    ),
    Case(
        "openhands resolver",
        pr(
            title="Fix issue #42: Crash on empty config",
            branch="openhands-fix-issue-42",
            body="This pull request fixes #42.\n\nThe crash is fixed by defaulting to an empty mapping.\n\n"
            "Automatic fix generated by [OpenHands](https://github.com/All-Hands-AI/OpenHands/) 🙌",
        ),
        True,
        ("openhands",),
    ),
    Case(
        "opendevin old address",
        pr(commit("Update agent loop", Person("OpenDevinBot", "bot@opendevin.com"))),
        True,
        ("openhands",),
    ),
    # ------------------------------------------------------------ amazon_q
    Case(
        "amazon q developer PR",
        pr(
            commit(
                "Implement pagination",
                Person(
                    "amazon-q-developer[bot]", "208079219+amazon-q-developer[bot]@users.noreply.github.com"
                ),
            ),
            login="amazon-q-developer[bot]",
            type_="Bot",
            account_id=208079219,
        ),
        True,
        ("amazon_q",),
    ),
    # ------------------------------------------------------------ sweep
    Case(
        "sweep PR",
        pr(
            login="sweep-ai[bot]",
            type_="Bot",
            account_id=128439645,
            branch="sweep/add-sweep-config",
            labels=("sweep",),
            title="Sweep: add a retry to the downloader",
        ),
        True,
        ("sweep",),
    ),
    # ------------------------------------------------------------ gemini_code_assist
    Case(
        "gemini code assist applied suggestion",
        pr(
            commit(
                "Update src/app.py\n\nCo-authored-by: gemini-code-assist[bot] "
                "<176961590+gemini-code-assist[bot]@users.noreply.github.com>",
                HUMAN,
                GITHUB_WEB,
            )
        ),
        True,
        ("gemini_code_assist",),
    ),
    # ------------------------------------------------------------ replit
    Case(
        "replit agent trailers",
        pr(
            commit(
                "Add login page\n\nReplit-Commit-Author: Agent\n"
                "Replit-Commit-Session-Id: 6c1e7a1e-3f4b-4c1d-9e2f-1a2b3c4d5e6f\n"
                "Replit-Commit-Checkpoint-Type: full_checkpoint",
                Person("alice", "12345678-alice@users.noreply.replit.com"),
            )
        ),
        True,
        ("replit",),
    ),
    Case(
        "replit agent loop checkpoint",
        pr(
            commit(
                "Saved progress at the end of the loop",
                Person("alice", "12345678-alice@users.noreply.replit.com"),
            )
        ),
        True,
        ("replit",),
    ),
    # ------------------------------------------------------------ roo_code
    Case(
        "roomote author",
        pr(commit("Fix the settings view", Person("Roo Code", "roomote@roocode.com"))),
        True,
        ("roo_code",),
    ),
    Case(
        "roomote co-author",
        pr(
            commit(
                "Add telemetry toggle\n\nCo-authored-by: roomote[bot] <219738659+roomote[bot]@users.noreply.github.com>"
            ),
            login="roomote[bot]",
            type_="Bot",
            account_id=219738659,
        ),
        True,
        ("roo_code",),
    ),
    # ------------------------------------------------------------ continue
    Case(
        "continue footer and co-author",
        pr(
            commit(
                "Add health endpoint\n\nGenerated with [Continue](https://continue.dev)\n\n"
                "Co-Authored-By: Continue <noreply@continue.dev>"
            )
        ),
        True,
        ("continue",),
    ),
    Case(
        "continue localised footer in body",
        pr(body="Añade el endpoint de salud.\n\nCreado con [Continue](https://continue.dev)"),
        True,
        ("continue",),
    ),
    # ------------------------------------------------------------ amp
    Case(
        "amp thread trailer",
        pr(
            commit(
                "fix: handle chain switch\n\nAmp-Thread-ID: https://ampcode.com/threads/T-0c1d2e3f-4a5b-6c7d-8e9f-a0b1c2d3e4f5\n"
                "Co-authored-by: Amp <amp@ampcode.com>"
            )
        ),
        True,
        ("amp",),
    ),
    # ------------------------------------------------------------ opencode
    Case(
        "opencode footer and co-author",
        pr(
            commit(
                "Add webview message types\n\n🤖 Generated with [opencode](https://opencode.ai)\n\n"
                "Co-Authored-By: opencode <noreply@opencode.ai>"
            )
        ),
        True,
        ("opencode",),
    ),
    # ------------------------------------------------------------ unknown_ai and squash bodies
    Case("crush footer", pr(commit("Add a cache\n\n💘 Generated with Crush")), True, ("unknown_ai",)),
    Case(
        "assisted-by kernel style",
        pr(
            commit(
                "mm: fix a leak\n\nAssisted-by: Claude:claude-3-opus\nSigned-off-by: Alice <alice@example.com>"
            )
        ),
        True,
        ("unknown_ai",),
    ),
    Case(
        "checked AI disclosure checkbox",
        pr(
            body="## Checklist\n- [x] Tests added\n- [x] This contribution was assisted or created by Generative AI tools."
        ),
        True,
        ("unknown_ai",),
    ),
    Case(
        "squash body with the marker in the middle (celery style)",
        pr(
            commit(
                "Fix the result backend (#9876)\n\n* Fix the result backend\n\n"
                "* Potential fix for code scanning alert\n\n"
                "Co-authored-by: Copilot Autofix powered by AI <175728472+Copilot@users.noreply.github.com>\n\n"
                "* Apply review\n\n---------\n\nSigned-off-by: Alice <alice@example.com>",
                HUMAN,
                GITHUB_WEB,
            )
        ),
        True,
        ("copilot",),
    ),
    Case(
        "squash body with a claude session trailer in the middle",
        pr(
            commit(
                "Speed up import (#77)\n\n* Speed up import\n\n"
                "Claude-Session: https://claude.ai/code/session_01XyZ\n\n* Review\n\nReviewed-by: Bob <bob@example.com>"
            )
        ),
        True,
        ("claude_code",),
    ),
    Case(
        "codex cloud task link, cloud path",
        pr(
            body="Fixes the export.\n\n[Codex Task](https://chatgpt.com/codex/cloud/tasks/task_e_00aa11bb22cc33dd)"
        ),
        True,
        ("codex",),
    ),
    Case(
        "codex title prefix and branch",
        pr(title="[codex] Fix CSV quoting", branch="codex/fix-csv-quoting"),
        True,
        ("codex",),
    ),
    Case(
        "claude web branch with a hex suffix",
        pr(branch="claude/mail-pool-settings-3fa9c1"),
        True,
        ("claude_code",),
    ),
    Case(
        "jules task branch under a folder",
        pr(
            branch="ux/modal-escape-4412309876543210987",
            body="*PR created automatically by Jules for task [4412309876543210987](https://jules.google.com/task/4412309876543210987) started by @bob*",
        ),
        True,
        ("jules",),
    ),
    # -- issue 14.6: in-code markers, disclosure checklists, bare and vendor-domain trailers
    Case(
        "goose trailer on block.xyz (user-configured)",
        pr(commit("Add retries\n\nCo-Authored-By: Goose <goose-agent@block.xyz>")),
        True,
        ("goose",),
    ),
    Case(
        "co-authored-by without angle brackets",
        pr(commit("Tidy imports\n\nCo-authored-by: Claude noreply@anthropic.com")),
        True,
        ("claude_code",),
    ),
    Case(
        "copilot agent logs trailer",
        pr(
            commit(
                "Fix flaky test\n\nAgent-Logs-Url: https://github.com/acme/api/sessions/0f3c2a1e-1111-2222-3333-444455556666\n\n"
                "Co-authored-by: alice <1001+alice@users.noreply.github.com>"
            )
        ),
        True,
        ("copilot",),
    ),
    Case(
        "made-with cursor trailer",
        pr(commit("feat: csv export\n\nMade-with: Cursor")),
        True,
        ("cursor",),
    ),
    Case(
        "comment naming ChatGPT as generator",
        pr(),
        True,
        ("unknown_ai",),
        files=(added("tools/convert.py", "# Generated by ChatGPT", "def convert(x):", "    return x"),),
    ),
    Case(
        "docstring naming Claude as generator",
        pr(),
        True,
        ("claude_code",),
        files=(
            added("lib/cache.py", '"""LRU cache helpers.', "", "Written with Claude Code.", '"""', "X = 1"),
        ),
    ),
    Case(
        "ticked AI-generated box in PR template",
        pr(body="## AI disclosure\n- [ ] No AI tools were used\n- [x] This code was generated by AI\n"),
        True,
        ("unknown_ai",),
    ),
    Case(
        "ticked tool box in PR template",
        pr(body="### AI tools used\n- [ ] ChatGPT\n- [x] Claude Code\n- [ ] GitHub Copilot\n"),
        True,
        ("claude_code",),
    ),
    Case(
        "warp agent co-author",
        pr(commit("chore(sync): pre-sync snapshot\n\nCo-Authored-By: Oz <oz-agent@warp.dev>")),
        True,
        ("unknown_ai",),
    ),
    Case(
        "claude code on behalf of sign-off",
        pr(body="Fixes the dtype of `where`.\n\n[This is Claude Code on behalf of Jane Doe]"),
        True,
        ("claude_code",),
    ),
)

NEGATIVES: tuple[Case, ...] = (
    Case(
        "people named Claude",
        pr(
            commit(
                "Update translations\n\nCo-authored-by: Claude Lefèvre <claude.lefevre@example.fr>",
                Person("Claude Martin", "claude.martin@example.org", "claudem"),
            ),
            login="claude",
            account_id=4242,
        ),
        False,
    ),
    Case(
        "person named Devin with a personal devin/ branch",
        pr(
            commit("Add metrics", Person("Devin Smith", "devin@company.com", "devin")),
            login="devin",
            account_id=777,
            branch="devin/add-metrics",
        ),
        False,
    ),
    Case(
        "person named Jules with a jules/ branch",
        pr(
            commit(
                "Refactor auth\n\nCo-authored-by: Jules Verne <jules@example.com>",
                Person("Jules Martin", "jules.m@example.com"),
            ),
            branch="jules/refactor-auth",
        ),
        False,
    ),
    Case(
        "co-author named Devin",
        pr(commit("Fix flaky test\n\nCo-authored-by: Devin Johnson <devin.johnson@gmail.com>")),
        False,
    ),
    Case("personal claude/ branch", pr(branch="claude/fix-parser"), False),
    Case(
        "personal claude/ branch with a human co-author",
        pr(commit("Refactor\n\nCo-authored-by: Bob <bob@example.com>"), branch="claude/refactor-auth-flow"),
        False,
    ),
    Case("personal codex/ branch", pr(branch="codex/update-docs"), False),
    Case("personal cursor/ branch", pr(branch="cursor/fix-login"), False),
    Case("revert branch containing copilot/", pr(branch="revert-512-copilot/fix-123"), False),
    Case(
        "human co-authors and sign-offs",
        pr(
            commit(
                "Add retries\n\nHelped-by: Carol <carol@example.com>\nCo-authored-by: Bob Builder <bob@example.com>\n"
                "Reviewed-by: Dan <dan@example.com>\nSigned-off-by: Alice Example <alice@example.com>"
            )
        ),
        False,
    ),
    Case(
        "prose mentioning AI tools",
        pr(
            title="Add Claude Code and Cursor to the supported agents list",
            body="I asked Claude Code and Copilot for ideas but wrote this by hand. Devin and Jules look "
            "promising too. Claude Code adds a footer like `🤖 Generated with [Claude Code](https://claude.ai/code)` "
            "and we now detect it.",
            branch="docs/agents",
        ),
        False,
    ),
    Case(
        "docs PR quoting markers in a code block",
        pr(
            commit(
                "Document attribution trailers\n\nWe match lines such as\n\n"
                "    Co-authored-by: Claude <noreply@anthropic.com>\n\nin commit messages."
            ),
            body="Adds docs.\n\n```\nCo-Authored-By: Claude <noreply@anthropic.com>\n"
            + CLAUDE_FOOTER
            + "\n```\n\n"
            "> Made with Cursor\n",
        ),
        False,
    ),
    Case(
        "dependabot bumps anthropic, quoting upstream AI commits",
        pr(
            commit(
                "Bump anthropic from 0.3.0 to 0.4.0\n\nBumps [anthropic](https://github.com/anthropics/anthropic-sdk-python) "
                "from 0.3.0 to 0.4.0.\n- [Release notes](https://github.com/anthropics/anthropic-sdk-python/releases)\n"
                "- [Commits](https://github.com/anthropics/anthropic-sdk-python/compare/v0.3.0...v0.4.0)\n\n"
                "Co-Authored-By: Claude <noreply@anthropic.com>\n\n"
                "---\nupdated-dependencies:\n- dependency-name: anthropic\n  dependency-type: direct:production\n...\n\n"
                "Signed-off-by: dependabot[bot] <support@github.com>",
                DEPENDABOT,
                GITHUB_WEB,
            ),
            login="dependabot[bot]",
            type_="Bot",
            account_id=49699333,
            title="Bump anthropic from 0.3.0 to 0.4.0",
            branch="dependabot/pip/anthropic-0.4.0",
            labels=("dependencies", "python"),
            body="Bumps anthropic from 0.3.0 to 0.4.0.\n<details><summary>Commits</summary>\n<ul>\n"
            f"<li>1a2b3c4 feat: streaming\n\n{CLAUDE_FOOTER}\nCo-Authored-By: Claude <noreply@anthropic.com></li>\n"
            "</ul></details>",
        ),
        False,
    ),
    Case(
        "dependabot bumps @openai/codex",
        pr(
            commit("Bump @openai/codex from 0.1.0 to 0.2.0", DEPENDABOT, GITHUB_WEB),
            login="dependabot[bot]",
            type_="Bot",
            account_id=49699333,
            title="Bump @openai/codex from 0.1.0 to 0.2.0",
            branch="dependabot/npm_and_yarn/openai/codex-0.2.0",
            labels=("dependencies", "javascript"),
        ),
        False,
    ),
    Case(
        "renovate updates langchain-core",
        pr(
            commit("Update dependency langchain-core to v0.3.1", RENOVATE),
            login="renovate[bot]",
            type_="Bot",
            account_id=29139614,
            title="Update dependency langchain-core to v0.3.1",
            branch="renovate/langchain-core-0.x",
            body="This PR contains the following updates: langchain-core 0.3.0 -> 0.3.1\n\n"
            "Made with Cursor\n\nCo-authored-by: Cursor Agent <cursoragent@cursor.com>",
        ),
        False,
    ),
    Case(
        "pre-commit.ci autoupdate",
        pr(
            commit(
                "[pre-commit.ci] pre-commit autoupdate\n\nupdates:\n- [github.com/astral-sh/ruff-pre-commit: v0.6.0 → v0.6.1]",
                Person("pre-commit-ci[bot]", "66853113+pre-commit-ci[bot]@users.noreply.github.com"),
            ),
            login="pre-commit-ci[bot]",
            type_="Bot",
            account_id=66853113,
            title="[pre-commit.ci] pre-commit autoupdate",
            branch="pre-commit-ci-update-config",
        ),
        False,
    ),
    Case(
        "github-actions changelog commit",
        pr(
            commit(
                "Update CHANGELOG for openai-agents 1.2",
                Person("github-actions[bot]", "41898282+github-actions[bot]@users.noreply.github.com"),
            ),
            login="github-actions[bot]",
            type_="Bot",
            account_id=41898282,
            title="chore: release openai-agents 1.2",
            branch="release-please--branches--main",
        ),
        False,
    ),
    Case("cursor bugbot summary in a human PR", pr(body=CURSOR_BUGBOT), False),
    Case("open with devin review badge", pr(body=DEVIN_BADGE), False),
    Case(
        "copilot PR summary and coderabbit summary in a human PR",
        pr(
            body="<!-- copilot:summary -->\n### Summary by Copilot\nThis PR adds retries.\n\n"
            "<!-- This is an auto-generated comment: release notes by coderabbit.ai -->\n## Summary by CodeRabbit\n"
            "* New Features\n  * Retries.\n<!-- end of auto-generated comment: release notes by coderabbit.ai -->"
        ),
        False,
    ),
    Case(
        "aider on the committer only",
        pr(
            commit(
                "Fix the typo the human left",
                Person("Alice Example", "alice@example.com"),
                Person("Alice Example (aider)", "alice@example.com"),
            )
        ),
        False,
    ),
    Case(
        "placeholder TODO only",
        pr(),
        False,
        files=(added("app/service.py", "def handler(event):", "    # TODO: implement", "    pass"),),
    ),
    Case(
        "in-code chat elision only",
        pr(),
        True,
        ("unknown_ai",),
        files=(
            added(
                "app/views.py",
                "def index():",
                "    return render()",
                "# ... rest of the code remains the same",
            ),
        ),
    ),
    Case(
        "refusal detector test data",
        pr(),
        False,
        files=(
            added("tests/test_refusals.py", "REFUSALS = [", '    "As an AI language model, I cannot",', "]"),
            added("app/refusals.py", 'PHRASES = ["As an AI language model"]  # detected refusals'),
        ),
    ),
    Case(
        "cline CI identity",
        pr(commit("Run evals", Person("Cline Evaluation", "cline@example.com"))),
        False,
    ),
    Case(
        "our own ai-generated label from an earlier run",
        pr(labels=("ai-generated", "enhancement")),
        False,
    ),
    Case("a repo label named codex only", pr(labels=("codex",), branch="fix/codex-module"), False),
    Case(
        "co-author named Copilot with a human address",
        pr(commit("Pair session\n\nCo-authored-by: Copilot Jones <copilot.jones@example.com>")),
        False,
    ),
    Case(
        "trailer-like prose in a commit body",
        pr(
            commit(
                "Explain attribution\n\nWe now read Co-authored-by: lines from squash bodies, e.g. the ones Claude\n"
                "Code writes, and Generated with [Claude Code] footers without links."
            )
        ),
        False,
    ),
    Case(
        "gemini review comment text quoted by a human",
        pr(
            body="Addressed the review from gemini-code-assist[bot]: renamed the helper.\n\n"
            "> **gemini-code-assist** (medium): consider extracting this."
        ),
        False,
    ),
    Case("personal claude/ branch ending in a ticket id", pr(branch="claude/add-auth-PROJ12345"), False),
    Case("personal cursor/ branch ending in a year", pr(branch="cursor/cleanup-2024"), False),
    Case(
        "prose linking to Continue",
        pr(
            body="Thanks to [Continue](https://continue.dev) for the idea.\n\nSee [Continue](https://continue.dev)"
        ),
        False,
    ),
    Case(
        "checked 'no AI' disclosure boxes",
        pr(
            body="- [x] Code written without AI tools\n- [x] This contribution was NOT assisted or created by "
            "Generative AI tools.\n- [ ] This contribution was assisted or created by Generative AI tools."
        ),
        False,
    ),
    Case(
        "assisted-by humans (one named Ai, one named Claude)",
        pr(
            commit(
                "Tune the scheduler\n\nAssisted-by: Ai Chen <ai.chen@example.com>\n"
                "Assisted-by: Claude Martin <claude.martin@example.org>"
            )
        ),
        False,
    ),
    Case("personal claude/ branch ending in a hex-letter word", pr(branch="claude/fix-facade"), False),
    Case("codex title prefix alone", pr(title="[codex] Document the MCP config"), False),
    # -- issue 14.6 hard negatives
    Case(
        "person called Claude at anthropic.com",
        pr(commit("Fix typo\n\nCo-authored-by: Claude Dupont <claude.dupont@anthropic.com>")),
        False,
    ),
    Case(
        "comment about ChatGPT output, not its author",
        pr(),
        False,
        files=(added("app/llm.py", "# responses generated by ChatGPT are cached for an hour", "TTL = 3600"),),
    ),
    Case(
        "refusal detector quoting assistant prose in a string",
        pr(),
        False,
        files=(
            added(
                "app/filters.py",
                'REFUSAL = "As an AI language model, I cannot"',
                "def is_refusal(t):",
                "    return REFUSAL in t",
            ),
        ),
    ),
    Case(
        "conditional AI-review checkbox ticked",
        pr(
            body="## Checklist\n- [x] If AI tools were used, I have reviewed any AI-generated code\n- [x] Tests pass"
        ),
        False,
    ),
    Case(
        "tool boxes ticked outside an AI section",
        pr(body="## Editors tested\n- [x] Cursor\n- [x] VS Code\n"),
        False,
    ),
    Case(
        "dependabot bumping an AI SDK with a co-author line",
        pr(
            commit(
                "Bump @anthropic-ai/sdk from 0.20.0 to 0.21.0\n\nCo-authored-by: dependabot[bot] <49699333+dependabot[bot]@users.noreply.github.com>",
                DEPENDABOT,
            ),
            login="dependabot[bot]",
            type_="Bot",
            account_id=49699333,
            branch="dependabot/npm_and_yarn/anthropic-ai/sdk-0.21.0",
            title="Bump @anthropic-ai/sdk from 0.20.0 to 0.21.0",
        ),
        False,
    ),
)

CASES: tuple[Case, ...] = POSITIVES + NEGATIVES
