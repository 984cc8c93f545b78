"""What a reviewer sees on the (fake) GitHub after prguard publishes, across re-deliveries and pushes.

The real pipeline (`run_review` with `publish_context`) runs against the fake
GitHub over HTTP and the real Redis (DB 13); every request body is validated
against GitHub's OpenAPI description by the fake.
"""

from __future__ import annotations

import ast
import re

import pytest
from prguard.engine.diffmap import FileDiff
from prguard.publish.dedupe import parse_fingerprint
from prguard.publish.publisher import publish_context
from prguard.queue.jobs import ReviewJob
from prguard.queue.state import RedisKeys
from prguard.worker.pipeline import run_review

from tests.integration.fault_stack import pipeline_tokens
from tests.spine_helpers import redis_under_prefix

pytestmark = pytest.mark.integration

OWNER, REPO = "octo-org", "widgets"
BASE = {"app/views.py": "import subprocess\n\n\ndef convert(filename):\n    return 0\n"}
HEAD = {
    "app/views.py": (
        "import subprocess\n\nimport requests\n\n\n"
        "def convert(filename):\n"
        '    cmd = "convert " + filename + " out.png"\n'
        "    return subprocess.call(cmd, shell=True)\n\n\n"
        "def fetch(url):\n"
        "    return requests.get(url)\n"
    )
}
FIXED = {
    "app/views.py": (
        "import subprocess\n\nimport requests\n\n\n"
        "def convert(filename):\n"
        '    return subprocess.call(["convert", filename, "out.png"])\n\n\n'
        "def fetch(url):\n"
        "    return requests.get(url)\n"
    )
}
AI_BODY = "Adds image conversion.\n\n🤖 Generated with [Claude Code](https://claude.com/claude-code)"
AI_COMMIT = {
    "files": HEAD,
    "message": "Add convert and fetch\n\nCo-Authored-By: Claude <noreply@anthropic.com>",
}


def make_world(fake_github, monkeypatch):
    """The fake GitHub, Redis DB 13 under a fresh prefix, and the App's token cache (a generator)."""
    for client, prefix in redis_under_prefix(13, "test-publish-"):
        tokens = pipeline_tokens(fake_github, monkeypatch, client, prefix)
        yield fake_github, client, prefix, tokens


@pytest.fixture
def world(fake_github, monkeypatch):
    yield from make_world(fake_github, monkeypatch)


def review(world, number: int, head_sha: str, delivery: str, trigger: str = "pull_request.opened"):
    _fake, redis, prefix, tokens = world
    job = ReviewJob(1, OWNER, REPO, number, head_sha, delivery, trigger)
    return run_review(job, github=tokens, redis=redis, keys=RedisKeys(prefix), publisher=publish_context)


def patches_of(fake, number: int) -> dict[str, str]:
    repo = fake.repo(OWNER, REPO)
    return {f.filename: f.patch for f in fake.files_of(repo, repo.pulls[number])}


def check_run_patches(fake) -> list[dict]:
    return [r.body for r in fake.calls("PATCH", "/repos/{owner}/{repo}/check-runs/{check_run_id}")]


def _suggestion(body: str) -> str | None:
    match = re.search(r"^(`{3,})suggestion\n(.*?)\n?\1$", body, re.S | re.M)
    return match.group(2) if match else None


def test_reviewer_sees_one_review_on_commentable_lines_and_no_duplicates(world):
    fake = world[0]
    pull = fake.seed_pull(base_files=BASE, head_files={}, commits=[AI_COMMIT], body=AI_BODY, title="Convert")
    number, first_head = pull.number, pull.head_sha

    outcome = review(world, number, first_head, "d-1")
    assert outcome.status == "completed" and outcome.conclusion == "failure"

    # Check run: completed, every finding annotated, at most 50 annotations per request.
    (run,) = fake.check_runs(OWNER, REPO)
    assert run["status"] == "completed" and run["conclusion"] == "failure"
    assert run["output"]["title"].endswith("AI-authored (Claude Code)")
    assert "new in this push" in run["output"]["summary"]
    assert all(len((p.get("output") or {}).get("annotations") or []) <= 50 for p in check_run_patches(fake))
    assert [a["identifier"] for a in run["actions"]] == ["rerun", "waive"]
    assert run["output"]["annotations_count"] == len(run["output"]["text"].splitlines()) - 2  # table rows

    # One review with comments only on lines inside a hunk of the file's diff.
    (rev,) = fake.reviews(OWNER, REPO, number)
    assert rev["state"] == "COMMENTED" and rev["commit_id"] == first_head and rev["body"].strip()
    comments = fake.review_comments(OWNER, REPO, number)
    assert comments, "the security finding on an added line gets an inline comment"
    diffs = {path: FileDiff.parse(patch) for path, patch in patches_of(fake, number).items()}
    for comment in comments:
        assert diffs[comment["path"]].is_commentable(comment["line"])
        assert comment["side"] == "RIGHT" and parse_fingerprint(comment["body"])

    # The suggestion applies: replacing exactly its lines gives valid code with the fix.
    suggested = [c for c in comments if _suggestion(c["body"]) is not None]
    assert suggested, "the missing-timeout finding carries a suggestion"
    head_lines = HEAD["app/views.py"].splitlines()
    for comment in suggested:
        start = comment.get("start_line") or comment["line"]
        fixed = (
            head_lines[: start - 1]
            + _suggestion(comment["body"]).splitlines()
            + head_lines[comment["line"] :]
        )
        ast.parse("\n".join(fixed))
        assert "timeout=" in "\n".join(fixed)

    # The AI-authored label.
    assert "ai-generated" in fake.labels(OWNER, REPO, number)

    # The same payload three times (same delivery) and two explicit re-runs: nothing new on the page.
    before = len(comments)
    for delivery in ("d-1", "d-1", "d-1"):
        review(world, number, first_head, delivery)
    for delivery in ("rerun-1", "rerun-2"):
        assert review(world, number, first_head, delivery, "check_run.rerequested").status == "completed"
    assert len(fake.reviews(OWNER, REPO, number)) == 1
    assert len(fake.review_comments(OWNER, REPO, number)) == before
    fingerprints = [parse_fingerprint(c["body"]) for c in fake.review_comments(OWNER, REPO, number)]
    assert len(fingerprints) == len(set(fingerprints))
    label_writes = fake.calls("POST", "/repos/{owner}/{repo}/issues/{issue_number}/labels")
    assert len(label_writes) == 1

    # A second push fixes the shell=True finding: its thread is resolved, nothing is posted twice.
    # the shell=True call on a parameter: taint's command injection, which bandit's B602 merges into
    shell = next(c for c in comments if "CWE-78" in c["body"] and "shell" in c["body"])
    shell_rule = re.search(r"· (B602|taint-command-injection) ·", shell["body"]).group(1)
    second_head = fake.push(OWNER, REPO, number, FIXED, message="Use an argument list")
    assert review(world, number, second_head, "d-2", "pull_request.synchronize").status == "completed"
    threads = fake.review_threads(OWNER, REPO, number)
    shell_thread = next(t for t in threads if shell["id"] in t["comment_ids"])
    assert shell_thread["isResolved"]
    open_threads = [t for t in threads if not t["isResolved"]]
    assert open_threads, "the timeout finding is still open"
    after = fake.review_comments(OWNER, REPO, number)
    new = [c for c in after if c["id"] not in {k["id"] for k in comments}]
    # The argument-list call with a constant program is the safe form (B603 is informational there), and
    # nothing old is posted again: this push adds no comment.
    assert [c["body"].splitlines()[0] for c in new] == []
    assert len({parse_fingerprint(c["body"]) for c in after}) == len(after)
    assert len(fake.reviews(OWNER, REPO, number)) <= 2  # a verdict change may add one short review
    (latest,) = [r for r in fake.check_runs(OWNER, REPO) if r["head_sha"] == second_head]
    assert latest["status"] == "completed"
    assert shell_rule not in latest["output"]["text"] and "PG-TIMEOUT001" in latest["output"]["text"]


def test_label_is_removed_when_a_later_push_is_judged_human(world):
    fake = world[0]
    pull = fake.seed_pull(base_files=BASE, head_files=FIXED, labels=["ai-generated"], title="Human change")
    assert review(world, pull.number, pull.head_sha, "h-1").status == "completed"
    assert "ai-generated" not in fake.labels(OWNER, REPO, pull.number)
    assert len(fake.calls("DELETE", "/repos/{owner}/{repo}/issues/{issue_number}/labels/{name}")) == 1


def test_a_clean_run_dismisses_prguards_own_blocking_review(world, monkeypatch):
    fake = world[0]
    strict = "gate:\n  review_event: REQUEST_CHANGES\n"
    pull = fake.seed_pull(base_files={**BASE, ".github/prguard.yml": strict}, head_files=HEAD, title="x")
    review(world, pull.number, pull.head_sha, "r-1")
    (blocking,) = fake.reviews(OWNER, REPO, pull.number)
    assert blocking["state"] == "CHANGES_REQUESTED"
    clean = {"app/views.py": BASE["app/views.py"]}
    head = fake.push(OWNER, REPO, pull.number, clean, message="Revert")
    review(world, pull.number, head, "r-2", "pull_request.synchronize")
    states = [r["state"] for r in fake.reviews(OWNER, REPO, pull.number)]
    assert states[0] == "DISMISSED" and "CHANGES_REQUESTED" not in states
