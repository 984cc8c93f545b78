"""The fake GitHub itself: OpenAPI/GraphQL validation, GitHub's refusals, paging, faults, tenancy.

These go through prguard's real client over real HTTP, so they also show the
client and the fake agree on the wire format.
"""

from __future__ import annotations

import math
import time

import pytest
import requests
from prguard.github.client import GitHubClient
from prguard.github.errors import (
    GitHubError,
    NotFound,
    RateLimited,
    TransientGitHubError,
    UnprocessableEntity,
)
from prguard.github.pulls import fetch_pull_request

from tests.fake_github.server import Fault

pytestmark = pytest.mark.integration  # every test here starts the fake GitHub server

OWNER, REPO = "octo-org", "widgets"
WHERE = {"owner": OWNER, "repo": REPO}


def client_for(fake, installation_id: int = 1, **options) -> GitHubClient:
    return GitHubClient(
        api_url=fake.url, token=fake.issue_token(installation_id), sleep=lambda _: None, **options
    )


def seed(fake, **kwargs):
    base = {"app.py": "import os\n\n\ndef handler():\n    return 1\n", "lib/util.py": "X = 1\n"}
    head = {"app.py": "import os\n\n\ndef handler():\n    return 2\n", "new.py": "print('hi')\n"}
    return fake.seed_pull(base_files=base, head_files=head, **kwargs)


def test_a_wrong_field_name_fails_openapi_validation(fake_github):
    pull = seed(fake_github)
    github = client_for(fake_github)
    with pytest.raises(UnprocessableEntity, match="stauts"):
        github.post(
            "/repos/{owner}/{repo}/check-runs",
            url_vars=WHERE,
            json={"name": "prguard", "head_sha": pull.head_sha, "stauts": "in_progress"},
        )
    [failure] = fake_github.validation_failures
    assert failure.operation_id == "checks/create" and "'stauts' was unexpected" in failure.errors[0]
    fake_github.allow_validation_failures = True


def test_wrong_types_and_enum_values_fail_validation(fake_github):
    pull = seed(fake_github)
    github = client_for(fake_github)
    with pytest.raises(UnprocessableEntity):
        github.post(
            f"/repos/{OWNER}/{REPO}/pulls/{pull.number}/reviews",
            json={
                "event": "COMMENT",
                "body": "x",
                "comments": [{"path": "app.py", "line": "5", "body": "y"}],
            },
        )
    with pytest.raises(UnprocessableEntity):
        github.post(
            f"/repos/{OWNER}/{REPO}/check-runs", json={"name": "p", "head_sha": pull.head_sha, "status": "ok"}
        )
    assert [f.operation_id for f in fake_github.validation_failures] == [
        "pulls/create-review",
        "checks/create",
    ]
    fake_github.allow_validation_failures = True


def test_an_unknown_graphql_field_fails_schema_validation(fake_github):
    seed(fake_github)
    github = client_for(fake_github)
    with pytest.raises(GitHubError, match="Cannot query field 'txt'"):
        github.graphql(
            'query { repository(owner: "octo-org", name: "widgets") { object(expression: "main:app.py") '
            "{ ... on Blob { txt } } } }"
        )
    assert fake_github.validation_failures[0].path == "/graphql"
    fake_github.allow_validation_failures = True


def test_check_run_lifecycle_and_the_50_annotation_cap(fake_github):
    pull = seed(fake_github)
    github = client_for(fake_github)
    run = github.post(
        "/repos/{owner}/{repo}/check-runs",
        url_vars=WHERE,
        json={"name": "prguard", "head_sha": pull.head_sha, "status": "in_progress"},
    )
    note = {"path": "app.py", "start_line": 5, "end_line": 5, "annotation_level": "warning", "message": "m"}
    route = f"/repos/{OWNER}/{REPO}/check-runs/{run['id']}"
    github.patch(route, json={"output": {"title": "t", "summary": "s", "annotations": [note] * 50}})
    github.patch(route, json={"output": {"title": "t", "summary": "s", "annotations": [note] * 7}})
    with pytest.raises(UnprocessableEntity, match="is too long"):  # GitHub's own schema says maxItems 50
        github.patch(route, json={"output": {"title": "t", "summary": "s", "annotations": [note] * 51}})
    fake_github.validate = False  # the fake's own check, for when schema validation is off
    with pytest.raises(UnprocessableEntity, match="50 annotations"):
        github.patch(route, json={"output": {"title": "t", "summary": "s", "annotations": [note] * 51}})
    fake_github.validate = True
    fake_github.allow_validation_failures = True
    done = github.patch(
        route, json={"conclusion": "failure", "output": {"title": "1 finding", "summary": "s"}}
    )
    assert done["status"] == "completed" and done["conclusion"] == "failure"
    [stored] = fake_github.check_runs(OWNER, REPO)
    assert stored["annotation_batches"] == [50, 7] and len(stored["annotations"]) == 57
    assert stored["output"]["title"] == "1 finding"


def test_review_comment_outside_the_diff_is_refused_like_github(fake_github):
    pull = seed(fake_github, head_ref="feature")
    github = client_for(fake_github)
    route = f"/repos/{OWNER}/{REPO}/pulls/{pull.number}/reviews"

    def review(*comments):
        return github.post(route, json={"commit_id": pull.head_sha, "event": "COMMENT", "body": "b",
                                        "comments": list(comments)})  # fmt: skip

    with pytest.raises(UnprocessableEntity, match="Path could not be resolved"):
        review({"path": "lib/util.py", "line": 1, "side": "RIGHT", "body": "not changed"})
    with pytest.raises(UnprocessableEntity, match="must be part of the diff"):
        review({"path": "app.py", "line": 40, "side": "RIGHT", "body": "beyond the hunk"})
    with pytest.raises(UnprocessableEntity, match="precede"):
        review({"path": "app.py", "line": 4, "start_line": 5, "side": "RIGHT", "body": "backwards"})
    assert fake_github.reviews(OWNER, REPO, pull.number) == []  # nothing half-posted
    ok = review({"path": "app.py", "line": 5, "side": "RIGHT", "body": "fine"},
                {"path": "new.py", "line": 1, "side": "RIGHT", "body": "also fine"})  # fmt: skip
    assert ok["state"] == "COMMENTED"
    comments = fake_github.review_comments(OWNER, REPO, pull.number)
    assert [(c["path"], c["line"]) for c in comments] == [("app.py", 5), ("new.py", 1)]


def test_threads_go_outdated_on_push_and_resolve_through_graphql(fake_github):
    pull = seed(fake_github)
    github = client_for(fake_github)
    github.post(
        f"/repos/{OWNER}/{REPO}/pulls/{pull.number}/reviews",
        json={"commit_id": pull.head_sha, "event": "COMMENT", "body": "b",
              "comments": [{"path": "app.py", "line": 5, "side": "RIGHT", "body": "<!-- fp=1 --> x"}]},
    )  # fmt: skip
    fake_github.push(OWNER, REPO, pull.number, {"app.py": "import os\n\n\ndef handler():\n    return 3\n"})
    query = """query($owner: String!, $name: String!, $number: Int!) {
      repository(owner: $owner, name: $name) { pullRequest(number: $number) {
        reviewThreads(first: 100) { nodes { id isResolved isOutdated comments(first: 5) { nodes { body } } } }
      } } }"""
    data = github.graphql(query, {"owner": OWNER, "name": REPO, "number": pull.number})
    [thread] = data["repository"]["pullRequest"]["reviewThreads"]["nodes"]
    assert thread["isOutdated"] and not thread["isResolved"]
    resolved = github.graphql(
        "mutation($id: ID!) { resolveReviewThread(input: {threadId: $id}) { thread { isResolved } } }",
        {"id": thread["id"]},
    )
    assert resolved["resolveReviewThread"]["thread"]["isResolved"] is True
    [comment] = fake_github.review_comments(OWNER, REPO, pull.number)
    minimized = github.graphql(
        "mutation($id: ID!) { minimizeComment(input: {subjectId: $id, classifier: OUTDATED}) "
        "{ minimizedComment { isMinimized minimizedReason } } }",
        {"id": comment["node_id"]},
    )
    assert minimized["minimizeComment"]["minimizedComment"]["isMinimized"] is True


def test_labels_issue_comments_reactions_and_permissions(fake_github):
    pull = seed(fake_github)
    fake_github.set_permission(OWNER, REPO, "maintainer", "write")
    github = client_for(fake_github)
    issue = f"/repos/{OWNER}/{REPO}/issues/{pull.number}"
    assert [x["name"] for x in github.post(issue + "/labels", json={"labels": ["ai-generated"]})] == [
        "ai-generated"
    ]
    github.delete(issue + "/labels/ai-generated")
    with pytest.raises(NotFound):
        github.delete(issue + "/labels/ai-generated")
    assert fake_github.labels(OWNER, REPO, pull.number) == []
    command = fake_github.add_issue_comment(OWNER, REPO, pull.number, "/prguard review", login="maintainer")
    github.post(f"/repos/{OWNER}/{REPO}/issues/comments/{command['id']}/reactions", json={"content": "eyes"})
    [stored] = fake_github.issue_comments(OWNER, REPO, pull.number)
    assert [r["content"] for r in stored["reactions"]] == ["eyes"]
    perm = github.get(f"/repos/{OWNER}/{REPO}/collaborators/maintainer/permission")
    assert perm["permission"] == "write"
    assert github.get(f"/repos/{OWNER}/{REPO}/collaborators/stranger/permission")["permission"] == "none"


def test_file_pages_follow_link_headers_and_the_read_budget_holds(fake_github):
    head = {f"pkg/m{i:03d}.py": f"VALUE = {i}\n" for i in range(230)}
    base = {f"pkg/m{i:03d}.py": f"VALUE = {i - 1}\n" for i in range(200)}
    pull = fake_github.seed_pull(base_files=base, head_files=head)
    github = client_for(fake_github)
    snapshot = fetch_pull_request(github, OWNER, REPO, pull.number)
    assert len(snapshot.files) == 230
    added = [f for f in snapshot.files if f.status == "added"]
    assert len(added) == 30 and all(f.base is None and f.head for f in added)
    assert snapshot.files[0].head == b"VALUE = 0\n" and snapshot.files[0].base == b"VALUE = -1\n"
    assert len(fake_github.calls("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/files")) == 3
    assert sum(github.calls.values()) <= 2 + math.ceil(230 / 100) + math.ceil(230 / 50)
    assert fake_github.validation_failures == []


def test_binary_and_non_utf8_files_through_graphql_and_rest(fake_github):
    pull = fake_github.seed_pull(
        base_files={"logo.png": b"\x89PNG\r\n\x00\x00", "latin.py": b"# caf\xe9\nx = 1\n"},
        head_files={"logo.png": b"\x89PNG\r\n\x00\x01", "latin.py": b"# caf\xe9\nx = 2\n"},
    )
    github = client_for(fake_github)
    snapshot = fetch_pull_request(github, OWNER, REPO, pull.number)
    files = {f.path: f for f in snapshot.files}
    assert files["logo.png"].head is None and "logo.png" in snapshot.binary
    assert files["latin.py"].head == b"# caf\xe9\nx = 2\n"  # exact bytes via the REST blob fallback
    assert len(fake_github.calls("GET", "/repos/{owner}/{repo}/git/blobs/{file_sha}")) == 2


def test_one_installation_cannot_read_anothers_repository(fake_github):
    seed(fake_github, installation_id=1)
    fake_github.add_installation(2, "other-org")
    fake_github.add_repo("other-org", "secret", {"a.py": "x = 1\n"})
    github = client_for(fake_github, installation_id=1)
    with pytest.raises(NotFound):
        github.get("/repos/other-org/secret")
    with pytest.raises(GitHubError, match="Could not resolve to a Repository"):
        github.graphql('query { repository(owner: "other-org", name: "secret") { id } }')
    requests_by_token = {r.installation_id for r in fake_github.requests}
    assert requests_by_token == {1}


def test_expired_and_unknown_tokens_are_refused(fake_github):
    seed(fake_github)
    expired = fake_github.issue_token(1, lifetime=-1)
    with pytest.raises(GitHubError) as caught:
        GitHubClient(api_url=fake_github.url, token=expired).get(f"/repos/{OWNER}/{REPO}")
    assert caught.value.status == 401
    with pytest.raises(GitHubError) as caught:
        GitHubClient(api_url=fake_github.url, token="ghs_made_up").get(f"/repos/{OWNER}/{REPO}")
    assert caught.value.status == 401


def test_fault_injection_statuses_headers_drops_and_delays(fake_github):
    pull = seed(fake_github)
    route = "/repos/{owner}/{repo}/pulls/{pull_number}"
    path = f"/repos/{OWNER}/{REPO}/pulls/{pull.number}"
    github = client_for(fake_github, max_attempts=1)
    fake_github.inject("GET", route, Fault(status=403, headers={"retry-after": "30"}))
    with pytest.raises(RateLimited) as caught:
        github.get(path)
    assert caught.value.retry_after == 30.0
    reset = int(time.time()) + 90
    limits = {"x-ratelimit-remaining": "0", "x-ratelimit-limit": "5000", "x-ratelimit-reset": str(reset)}
    fake_github.inject("GET", route, Fault(status=403, headers=limits), 429)
    with pytest.raises(RateLimited) as caught:
        github.get(path)
    assert 85 <= caught.value.retry_after <= 92
    with pytest.raises(RateLimited):
        github.get(path)
    fake_github.inject("GET", route, Fault(drop=True))
    with pytest.raises(TransientGitHubError, match="connection failed"):
        github.get(path)
    fake_github.inject("GET", route, Fault(delay=1.0))
    slow = client_for(fake_github, timeout=(1, 0.2), max_attempts=1)
    with pytest.raises(TransientGitHubError, match="read timeout"):
        slow.get(path)
    # With retries allowed the same faults are ridden out within one call.
    fake_github.inject("GET", route, 502, Fault(drop=True))
    patient = client_for(fake_github, max_wait=2.0)
    assert patient.get(path)["number"] == pull.number
    assert fake_github.pending_faults() == 0
    statuses = [r.status for r in fake_github.calls("GET", route)]
    assert statuses[-3:] == [502, None, 200]


def test_requests_are_recorded_without_credentials(fake_github):
    seed(fake_github)
    github = client_for(fake_github)
    github.get(f"/repos/{OWNER}/{REPO}")
    [recorded] = fake_github.calls("GET", "/repos/{owner}/{repo}")
    assert recorded.auth == "token" and recorded.installation_id == 1
    assert "authorization" not in recorded.headers
    assert recorded.headers["x-github-api-version"] == "2022-11-28"


def test_enterprise_style_prefixes_are_served(fake_github):
    seed(fake_github)
    token = fake_github.issue_token(1)
    github = GitHubClient(api_url=fake_github.url + "/api/v3", token=token)
    assert github.graphql_url.endswith("/api/graphql")
    assert github.get(f"/repos/{OWNER}/{REPO}")["full_name"] == f"{OWNER}/{REPO}"
    data = github.graphql('query { repository(owner: "octo-org", name: "widgets") { nameWithOwner } }')
    assert data["repository"]["nameWithOwner"] == f"{OWNER}/{REPO}"


def test_plain_requests_see_github_shaped_pages(fake_github):
    pull = seed(fake_github)
    token = fake_github.issue_token(1)
    answer = requests.get(
        f"{fake_github.url}/repos/{OWNER}/{REPO}/pulls/{pull.number}/files?per_page=1",
        headers={"authorization": f"token {token}"},
        timeout=5,
    )
    assert answer.status_code == 200 and len(answer.json()) == 1
    assert 'rel="next"' in answer.headers["link"] and 'rel="last"' in answer.headers["link"]
    assert answer.headers["x-ratelimit-resource"] == "core"
