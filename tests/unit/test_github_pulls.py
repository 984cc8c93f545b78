"""Reading a PR: paging, GraphQL blob batches, REST fallback, binary flags, call budget, policy files."""

from __future__ import annotations

import base64
import json
import math

import responses
from prguard.github.client import GitHubClient
from prguard.github.pulls import fetch_policy_texts, fetch_pull_request

API = "https://api.github.com"
REPO = f"{API}/repos/octo/widgets"
HEAD = "h" * 40
BASE = "b" * 40
TRUNCATED = "big.py"
MISSING = "ghost.py"
BINARY = "logo.png"


def content(sha: str, path: str) -> str:
    return f"# {path} at {sha[:1]}\nvalue = {len(path)}\n"


def blob(oid: str, size: int, text: str | None, *, binary: bool = False, truncated: bool = False) -> dict:
    return {"oid": oid, "byteSize": size, "isBinary": binary, "isTruncated": truncated, "text": text}


def graphql_blobs(request):
    """Answer an aliased blob batch like GitHub: text, binary, truncated, or no object."""
    payload = json.loads(request.body)
    assert "object(expression: $e0)" in payload["query"]
    variables = payload["variables"]
    repository = {}
    for name, expression in variables.items():
        if not name.startswith("e"):
            continue
        sha, _, path = expression.partition(":")
        alias = "b" + name[1:]
        if path == MISSING:
            repository[alias] = None
        elif path == BINARY:
            repository[alias] = {
                "oid": "9" * 40,
                "byteSize": 2048,
                "isBinary": True,
                "isTruncated": False,
                "text": None,
            }
        elif path == TRUNCATED:
            repository[alias] = blob("7" * 40, 600_000, "x" * 10, truncated=True)
        else:
            text = content(sha, path)
            repository[alias] = blob("1" * 40, len(text), text)
    return 200, {}, json.dumps({"data": {"repository": repository}})


def register_pull(paths: list[str], changed_files: int | None = None, commits: int = 3) -> None:
    pull = {
        "number": 5,
        "title": "Add things",
        "body": "",
        "user": {"login": "dev", "type": "User", "id": 9},
        "head": {"ref": "feature", "sha": HEAD},
        "base": {"ref": "main", "sha": BASE},
        "draft": False,
        "state": "open",
        "changed_files": changed_files or len(paths),
        "labels": [],
    }
    responses.get(f"{REPO}/pulls/5", json=pull)
    commit_json = [
        {"sha": f"{i:040d}", "commit": {"message": f"commit {i}", "author": {"name": "Dev", "email": "d@x"}}}
        for i in range(commits)
    ]
    responses.get(f"{REPO}/pulls/5/commits", json=commit_json)
    files = [{"filename": p, "status": "modified", "patch": "@@ -1,2 +1,2 @@\n-a\n+b\n c"} for p in paths]
    pages = [files[i : i + 100] for i in range(0, len(files), 100)] or [[]]
    for index, page in enumerate(pages):
        headers = {}
        if index + 1 < len(pages):
            headers["link"] = f'<{REPO}/pulls/5/files?per_page=100&page={index + 2}>; rel="next"'
        query = {"per_page": "100"} if index == 0 else {"per_page": "100", "page": str(index + 1)}
        responses.get(
            f"{REPO}/pulls/5/files",
            json=page,
            headers=headers,
            match=[responses.matchers.query_param_matcher(query)],
        )
    responses.add_callback(
        responses.POST, f"{API}/graphql", callback=graphql_blobs, content_type="application/json"
    )


def client() -> GitHubClient:
    return GitHubClient(api_url=API, token="ghs_x", sleep=lambda _: None)


@responses.activate
def test_a_large_pr_is_read_in_few_calls_with_batched_blobs():
    paths = [f"pkg/mod_{i:03d}.py" for i in range(150)]
    register_pull(paths)
    github = client()
    snapshot = fetch_pull_request(github, "octo", "widgets", 5)
    assert len(snapshot.files) == 150 and not snapshot.truncated
    first = snapshot.files[0]
    assert (
        first.head == content(HEAD, first.path).encode() and first.base == content(BASE, first.path).encode()
    )
    assert snapshot.info.commits[0].message == "commit 0" and snapshot.info.author_login == "dev"
    assert (snapshot.head_sha, snapshot.base_sha, snapshot.base_ref) == (HEAD, BASE, "main")
    calls = github.calls
    assert calls[("POST", "/graphql")] == 3  # 300 blobs, 100 per query
    assert calls[("GET", "/repos/{owner}/{repo}/pulls/{number}/files")] == 2
    assert sum(calls.values()) <= 2 + math.ceil(150 / 100) + math.ceil(150 / 50)
    batches = [json.loads(c.request.body) for c in responses.calls if c.request.url.endswith("/graphql")]
    assert [len([k for k in b["variables"] if k.startswith("e")]) for b in batches] == [100, 100, 100]


@responses.activate
def test_rest_fallback_only_for_truncated_or_missing_text_and_binary_is_flagged():
    register_pull(["ok.py", TRUNCATED, MISSING, BINARY])
    responses.get(
        f"{REPO}/git/blobs/{'7' * 40}", body=b"y = 1\n" * 100_000, content_type="application/vnd.github.raw"
    )
    at_ref = responses.matchers.query_param_matcher
    missing = f"{REPO}/contents/{MISSING}"
    responses.get(missing, status=404, json={"message": "Not Found"}, match=[at_ref({"ref": HEAD})])
    responses.get(
        missing,
        body=b"late = True\n",
        content_type="application/vnd.github.raw",
        match=[at_ref({"ref": BASE})],
    )
    github = client()
    snapshot = fetch_pull_request(github, "octo", "widgets", 5)
    files = {f.path: f for f in snapshot.files}
    assert files["ok.py"].head is not None
    assert files[TRUNCATED].head == b"y = 1\n" * 100_000  # the whole file, not GraphQL's cut
    assert files[MISSING].head is None and files[MISSING].base == b"late = True\n"
    assert files[BINARY].head is None and files[BINARY].base is None
    assert BINARY in snapshot.binary
    skipped = {s.path: s.reason for s in snapshot.skipped}
    assert skipped == {BINARY: "binary", MISSING: "unavailable"}
    rest = {k: v for k, v in github.calls.items() if "blobs" in k[1] or "contents" in k[1]}
    # truncated at head and base share one blob oid in this fake answer: 2 blob calls, 2 contents calls
    assert rest == {
        ("GET", "/repos/{owner}/{repo}/git/blobs/{sha}"): 2,
        ("GET", "/repos/{owner}/{repo}/contents/{path}"): 2,
    }


@responses.activate
def test_truncated_when_github_lists_fewer_files_than_changed():
    register_pull([f"f{i}.py" for i in range(10)], changed_files=3500)
    snapshot = fetch_pull_request(client(), "octo", "widgets", 5)
    assert snapshot.truncated and snapshot.changed_files == 3500
    assert any("3500" in note for note in snapshot.notes)


@responses.activate
def test_contents_only_for_files_the_caller_wants():
    register_pull(["a.py", "README.md"])
    github = client()
    snapshot = fetch_pull_request(github, "octo", "widgets", 5, contents_for=lambda f: f.path.endswith(".py"))
    files = {f.path: f for f in snapshot.files}
    assert files["a.py"].head is not None and files["README.md"].head is None
    assert files["README.md"].patch is not None
    body = json.loads(next(c.request.body for c in responses.calls if c.request.url.endswith("/graphql")))
    assert sorted(v for k, v in body["variables"].items() if k.startswith("e")) == [
        f"{BASE}:a.py",
        f"{HEAD}:a.py",
    ]


@responses.activate
def test_policy_texts_from_org_and_base_branch():
    yml = "analyzers:\n  security:\n    enabled: true\n"
    responses.get(f"{API}/repos/octo/.github/contents/prguard.yml", status=404, json={"message": "Not Found"})
    responses.get(
        f"{REPO}/contents/.github/prguard.yml",
        json={
            "type": "file",
            "size": len(yml),
            "encoding": "base64",
            "content": base64.encodebytes(yml.encode()).decode(),
        },
        match=[responses.matchers.query_param_matcher({"ref": "main"})],
    )
    texts = fetch_policy_texts(client(), "octo", "widgets", "main")
    assert texts.org_text is None and texts.repo_text == yml
    assert texts.org_source == "octo/.github/prguard.yml" and texts.repo_source == ".github/prguard.yml"
    assert texts.problems == ()


@responses.activate
def test_policy_org_repo_not_visible_is_reported_not_fatal():
    responses.get(f"{API}/repos/octo/.github/contents/prguard.yml", status=403,
                  json={"message": "Resource not accessible by integration"})  # fmt: skip
    responses.get(f"{REPO}/contents/.github/prguard.yml", status=404, json={"message": "Not Found"})
    texts = fetch_policy_texts(client(), "octo", "widgets", "main")
    assert texts.org_text is None and texts.repo_text is None
    assert "not readable" in texts.problems[0]
