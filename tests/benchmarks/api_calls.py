"""GitHub API calls per review, counted on the fake GitHub: PRs of 10/100/1,000 files, 0/50/500 findings.

Run by hand: `.venv/bin/python -m tests.benchmarks.api_calls`. It reads the PR
the way the pipeline does (`fetch_pull_request`, `fetch_policy_texts`),
creates the check run, and publishes a result with N findings on added lines
through `Publisher` (the engine itself is not run: the figures are about API
calls, not analysis). Targets (DESIGN.md 4): PR reads ≤ 2 + ⌈files/100⌉ +
⌈files/50⌉; writes = 1 check-run create + ⌈annotations/50⌉ updates + 1
review + at most 1 label.
"""

from __future__ import annotations

import math
import sys
from collections import Counter

from prguard.github.client import GitHubClient
from prguard.github.pulls import fetch_policy_texts, fetch_pull_request
from prguard.publish.publisher import Publisher, PublishTarget

from tests.fake_github.fixture import make_app_key
from tests.fake_github.server import FakeGitHub
from tests.unit.publish_factories import finding, policy, result

LINES = 12
SIZES = (10, 100, 1000)
FINDINGS = (0, 50, 500)


def _split(calls: Counter) -> tuple[int, int]:
    reads = sum(n for (method, route), n in calls.items() if method == "GET" or route == "/graphql")
    return reads, sum(calls.values()) - reads


def measure(fake: FakeGitHub, files: int, findings: int, repo: str) -> dict[str, int]:
    head = {f"pkg/mod_{i}.py": "".join(f"value_{j} = {j}\n" for j in range(LINES)) for i in range(files)}
    pull = fake.seed_pull(repo=repo, base_files={"README.md": "x\n"}, head_files=head, title="Big change")
    token = fake.issue_token(1)
    client = GitHubClient(api_url=fake.api_url, graphql_url=fake.graphql_url, token=token)

    snapshot = fetch_pull_request(client, "octo-org", repo, pull.number)
    pr_reads, _ = _split(client.calls)
    fetch_policy_texts(client, "octo-org", repo, snapshot.base_ref)
    all_reads, _ = _split(client.calls)
    client.calls.clear()

    run = client.post(
        "/repos/{owner}/{repo}/check-runs",
        url_vars={"owner": "octo-org", "repo": repo},
        json={"name": "prguard", "head_sha": snapshot.head_sha, "status": "in_progress"},
    )
    found = [
        finding(1 + (k // files) % LINES, path=f"pkg/mod_{k % files}.py", snippet=f"s{k}", severity="medium")
        for k in range(findings)
    ]
    res = result(found, conclusion="failure" if found else "success", pol=policy())
    res.authorship = {"ai_authored": bool(found), "agents": [{"id": "claude_code"}] if found else []}
    target = PublishTarget(
        1, "octo-org", repo, pull.number, snapshot.head_sha, run["id"], fake.bot_user["login"]
    )
    report = Publisher(client, None, render=lambda r: "summary").publish(
        target, res, snapshot.files, batches_sent=0
    )
    publish_reads, writes = _split(client.calls)
    return {
        "files": files,
        "findings": findings,
        "pr_reads": pr_reads,
        "pr_reads_target": 2 + math.ceil(files / 100) + math.ceil(files / 50),
        "policy_reads": all_reads - pr_reads,
        "publish_reads": publish_reads,
        "writes": writes,
        "writes_target": 1
        + max(1, math.ceil(findings / 50))
        + (1 if report.review_id else 0)
        + (1 if report.label else 0),
        "check_run_patches": report.check_run_requests,
        "review": 1 if report.review_id else 0,
        "inline_comments": report.comments_posted,
        "label": 1 if report.label else 0,
    }


def main() -> int:
    key = make_app_key()
    fake = FakeGitHub(app_id=key.app_id, app_public_key=key.public_pem, validate=False)
    fake.start()
    rows = []
    try:
        for files in SIZES:
            for findings in FINDINGS:
                rows.append(measure(fake, files, findings, f"repo-{files}-{findings}"))
    finally:
        fake.stop()
    header = (
        "| files | findings | PR reads (target) | policy reads | publish reads | writes (target) "
        "| check-run PATCHes | review | inline comments | label |"
    )
    print(header)
    print("|" + "---:|" * 10)
    ok = True
    for r in rows:
        ok &= r["pr_reads"] <= r["pr_reads_target"] and r["writes"] <= r["writes_target"]
        print(
            f"| {r['files']} | {r['findings']} | {r['pr_reads']} (≤ {r['pr_reads_target']}) "
            f"| {r['policy_reads']} "
            f"| {r['publish_reads']} | {r['writes']} (= {r['writes_target']}) | {r['check_run_patches']} "
            f"| {r['review']} | {r['inline_comments']} | {r['label']} |"
        )
    print("\nall within target" if ok else "\nSOME ROWS MISS THE TARGET")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
