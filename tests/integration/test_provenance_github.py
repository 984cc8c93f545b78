"""The App's side of line-level provenance: git-ai notes and AI commits read through GitHub's API
(the fake GitHub validates every request against GitHub's OpenAPI description)."""

from __future__ import annotations

import pytest
from prguard.engine.review import review
from prguard.github.client import GitHubClient
from prguard.github.provenance import GitHubProvenance
from prguard.github.pulls import fetch_pull_request
from prguard.policies.loader import load_policy

from tests.fake_github.gitrefs import add_notes
from tests.unit.test_provenance import GIT_AI_NOTE, HEAD_FILE

pytestmark = pytest.mark.integration  # starts the fake GitHub server

OWNER, REPO = "octo-org", "widgets"


def _client(fake) -> GitHubClient:
    return GitHubClient(api_url=fake.url, token=fake.issue_token(1), sleep=lambda _: None)


def _note(lines: str) -> str:
    return f"app/data.py\n  d9978a8723e02b52 {lines}\n---" + GIT_AI_NOTE.split("---", 1)[1]


def test_git_ai_note_read_through_the_notes_ref_tree_and_blob(fake_github):
    pull = fake_github.seed_pull(
        base_files={"README.md": "x\n"},
        head_files={},
        commits=[
            {"files": {"app/data.py": HEAD_FILE}, "message": "Add the loader"},
            {"files": {"app/data.py": "# data\n" + HEAD_FILE}, "message": "Header comment"},
        ],
    )
    first = pull.commit_shas[0]
    add_notes(fake_github, OWNER, REPO, "notes/ai", {first: _note("3-5")})
    client = _client(fake_github)
    snapshot = fetch_pull_request(client, OWNER, REPO, pull.number)
    source = GitHubProvenance(
        client, OWNER, REPO, [c.sha for c in snapshot.info.commits], snapshot.head_sha, snapshot.files
    )
    result = review(snapshot.files, load_policy(), snapshot.info, provenance=source)
    assert result.authorship["lines"] == {
        "app/data.py": [
            {"start": 4, "end": 6, "agent": "claude_code", "tool": "claude", "model": "claude-opus-4-5"}
        ]
    }  # lines 3-5 at the noted commit moved down by the later one-line header
    routes = {r.route for r in fake_github.calls("GET")}
    assert {
        "/repos/{owner}/{repo}/git/ref/{ref}",
        "/repos/{owner}/{repo}/git/commits/{commit_sha}",
        "/repos/{owner}/{repo}/git/trees/{tree_sha}",
        "/repos/{owner}/{repo}/git/blobs/{file_sha}",
    } <= routes
    assert not fake_github.validation_failures


def test_without_notes_lines_come_from_the_ai_commit_patch(fake_github):
    pull = fake_github.seed_pull(
        base_files={"README.md": "x\n"},
        head_files={},
        commits=[
            {"files": {"app/data.py": HEAD_FILE}, "message": "Add the loader"},
            {
                "files": {"app/data.py": HEAD_FILE + "\ndef total(xs):\n    return sum(xs)\n"},
                "message": "Add total\n\nCo-Authored-By: Claude <noreply@anthropic.com>",
            },
        ],
    )
    client = _client(fake_github)
    snapshot = fetch_pull_request(client, OWNER, REPO, pull.number)
    source = GitHubProvenance(
        client, OWNER, REPO, [c.sha for c in snapshot.info.commits], snapshot.head_sha, snapshot.files
    )
    result = review(snapshot.files, load_policy(), snapshot.info, provenance=source)
    spans = result.authorship["lines"]["app/data.py"]
    assert [(s["start"], s["end"], s["agent"]) for s in spans] == [(8, 10, "claude_code")]
    assert result.authorship["lines_source"] == "commits"
    assert not fake_github.validation_failures
