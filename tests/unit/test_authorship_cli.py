"""`prguard authorship` on REST-shaped JSON, the REST converters, and the engine applying `ai_authored:`."""

from __future__ import annotations

import json

import pytest
from prguard.cli import main
from prguard.engine.model import ChangedFile
from prguard.engine.review import review
from prguard.github.rest_shapes import RestShapeError, changed_files, pull_request_info
from prguard.policies.loader import load_policy

from tests.conftest import load_webhook
from tests.unit.authorship_cases import added, commit, pr


def rest_user(login: str, user_id: int, type_: str = "User") -> dict:
    return {"login": login, "id": user_id, "node_id": "MDQ6VXNlcjE=", "type": type_, "site_admin": False}


def rest_commit(
    sha: str, message: str, author: tuple[str, str], account: dict | None, committer=None
) -> dict:
    committer = committer or ("GitHub", "noreply@github.com")
    return {
        "sha": sha,
        "node_id": "C_kwDO",
        "commit": {
            "author": {"name": author[0], "email": author[1], "date": "2025-06-01T10:00:00Z"},
            "committer": {"name": committer[0], "email": committer[1], "date": "2025-06-01T10:00:00Z"},
            "message": message,
            "tree": {"sha": "f" * 40, "url": "https://api.github.com/repos/o/r/git/trees/" + "f" * 40},
            "comment_count": 0,
            "verification": {"verified": False, "reason": "unsigned", "signature": None, "payload": None},
        },
        "author": account,
        "committer": rest_user("web-flow", 19864447),
        "parents": [{"sha": "e" * 40}],
    }


def rest_pull(login: str, user_id: int, type_: str, branch: str, body: str | None, labels=()) -> dict:
    return {
        "number": 812,
        "state": "open",
        "title": "Validate parser input",
        "user": rest_user(login, user_id, type_),
        "body": body,
        "labels": [
            {"id": i, "name": name, "color": "ededed", "default": False} for i, name in enumerate(labels)
        ],
        "head": {"label": f"octo:{branch}", "ref": branch, "sha": "a" * 40},
        "base": {"label": "octo:main", "ref": "main", "sha": "b" * 40},
        "draft": False,
    }


@pytest.fixture
def copilot_pr(tmp_path):
    pull = rest_pull(
        "Copilot",
        198982749,
        "Bot",
        "copilot/fix-812",
        "Fixes #811\n\n<!-- START COPILOT CODING AGENT SUFFIX -->",
    )
    commits = [
        rest_commit(
            "1d52e003" + "0" * 32,
            "Initial plan",
            ("copilot-swe-agent[bot]", "198982749+Copilot@users.noreply.github.com"),
            rest_user("Copilot", 198982749, "Bot"),
        ),
        rest_commit(
            "3704756f" + "0" * 32,
            "Validate input\n\nCo-authored-by: octocat <583231+octocat@users.noreply.github.com>",
            ("copilot-swe-agent[bot]", "198982749+Copilot@users.noreply.github.com"),
            None,  # GitHub leaves `author` null when the address is not linked to an account
        ),
    ]
    files = [
        {
            "sha": "c" * 40,
            "filename": "src/parser.py",
            "status": "modified",
            "additions": 2,
            "deletions": 0,
            "changes": 2,
            "patch": "@@ -10,2 +10,4 @@ def parse(text):\n     if not text:\n-        return None\n"
            "+        raise ValueError('empty')\n"
            "+    # ... rest of the code remains the same\n"
            "     return tokens",
        }
    ]
    paths = {}
    for name, data in (("pull", pull), ("commits", commits), ("files", files)):
        paths[name] = tmp_path / f"{name}.json"
        paths[name].write_text(json.dumps(data))
    return paths


def test_cli_prints_the_verdict(copilot_pr, capsys):
    code = main(
        [
            "authorship",
            "--pull",
            str(copilot_pr["pull"]),
            "--commits",
            str(copilot_pr["commits"]),
            "--files",
            str(copilot_pr["files"]),
        ]
    )
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    assert out["ai_authored"] is True
    agents = {a["id"]: a for a in out["agents"]}
    assert agents["copilot"]["confidence"] == "high"
    places = {e["where"] for e in agents["copilot"]["evidence"]}
    assert {"PR author", "PR body", "commit 1d52e00 author", "commit 3704756 author"} <= places
    assert [c["sha"][:8] for c in out["commits"]] == ["1d52e003", "3704756f"]
    assert all(c["role"] == "authored" and c["agents"] == ["copilot"] for c in out["commits"])
    # a chat elision left in the code is medium evidence of its own (unknown_ai)
    assert agents["unknown_ai"]["confidence"] == "medium"
    assert agents["unknown_ai"]["evidence"][0]["where"] == "file src/parser.py line 12"
    assert out["signals"] == []
    assert out["label"] == "ai-generated"


def test_cli_uses_the_policy_label_and_min_confidence(copilot_pr, tmp_path, capsys):
    policy = tmp_path / "prguard.yml"
    policy.write_text("authorship:\n  min_confidence: high\nai_authored:\n  label: bot-written\n")
    main(["authorship", "--pull", str(copilot_pr["pull"]), "--commits", str(copilot_pr["commits"])])
    assert json.loads(capsys.readouterr().out)["label"] == "ai-generated"
    main(
        [
            "authorship",
            "--pull",
            str(copilot_pr["pull"]),
            "--commits",
            str(copilot_pr["commits"]),
            "--policy",
            str(policy),
        ]
    )
    out = json.loads(capsys.readouterr().out)
    assert out["label"] == "bot-written"
    assert out["min_confidence"] == "high"


def test_cli_rejects_bad_input_without_a_traceback(tmp_path, capsys):
    broken = tmp_path / "pull.json"
    broken.write_text("{not json")
    commits = tmp_path / "commits.json"
    commits.write_text(json.dumps({"sha": "x"}))
    assert main(["authorship", "--pull", str(broken), "--commits", str(commits)]) == 2
    assert "pull.json:1: the pull request is not valid JSON" in capsys.readouterr().err
    good = tmp_path / "good.json"
    good.write_text(json.dumps(rest_pull("octocat", 1, "User", "main", None)))
    assert main(["authorship", "--pull", str(good), "--commits", str(commits)]) == 2
    assert "commits: expected a JSON array" in capsys.readouterr().err
    assert main(["authorship", "--pull", str(good), "--commits", str(tmp_path / "missing.json")]) == 2
    assert "missing.json" in capsys.readouterr().err


def test_rest_shapes_real_webhook_pull_request():
    payload = load_webhook("pull_request", "opened.payload.json")["pull_request"]
    info = pull_request_info(payload, [])
    assert info.author_login == "Codertocat"
    assert info.author_type == "User"
    assert info.author_id == 21031067
    assert info.head_ref == "changes"
    assert info.labels == ("bug",)
    assert info.number == 2


def test_rest_shapes_null_fields_and_commit_identities():
    pull = rest_pull("octocat", 583231, "User", "feature", None)
    pull["user"] = None  # a deleted account ("ghost") can come back null
    commits = [
        rest_commit("a" * 40, "Fix", ("Octo Cat", "octo@example.com"), rest_user("octocat", 583231)),
        rest_commit("b" * 40, "Fix 2", ("Someone", "someone@example.com"), None),
    ]
    commits[1]["commit"]["message"] = None
    info = pull_request_info(pull, commits)
    assert info.body == "" and info.author_login == "" and info.author_id is None
    first, second = info.commits
    assert (first.author.name, first.author.email, first.author.login) == (
        "Octo Cat",
        "octo@example.com",
        "octocat",
    )
    assert first.committer.login == "web-flow"
    assert second.author.login is None and second.message == ""
    with pytest.raises(RestShapeError, match="missing 'sha'"):
        pull_request_info(pull, [{"commit": {}}])
    with pytest.raises(RestShapeError, match="expected a JSON object"):
        pull_request_info([], [])


def test_rest_shapes_files_join_contents_and_renames():
    files = changed_files(
        [
            {
                "filename": "new.py",
                "status": "renamed",
                "previous_filename": "old.py",
                "patch": "@@ -1 +1 @@\n-a\n+b",
            },
            {"filename": "gone.py", "status": "removed", "patch": "@@ -1 +0,0 @@\n-x"},
            {"filename": "big.bin", "status": "added"},
        ],
        head={"new.py": b"b\n", "gone.py": b"stale"},
        base={"old.py": b"a\n", "gone.py": b"x\n"},
    )
    renamed, removed, binary = files
    assert renamed == ChangedFile("new.py", "renamed", b"b\n", b"a\n", "@@ -1 +1 @@\n-a\n+b", "old.py")
    assert removed.head is None and removed.base == b"x\n"
    assert binary.patch is None and binary.head is None and binary.base is None
    with pytest.raises(RestShapeError, match=r"files\[0\]: missing 'filename'"):
        changed_files([{"status": "added"}])


def test_engine_applies_ai_authored_overrides():
    """An AI-authored change fails a stricter gate that the same human change passes."""
    source = ("import tempfile", "", "def scratch_path():", "    return tempfile.mktemp()")
    changed = added("app/scratch.py", *source)
    policy = load_policy(repo_text="ai_authored:\n  gate:\n    fail_on: medium\n")
    human = review([changed], policy, pr())
    ai = review(
        [changed], policy, pr(commit("Load config\n\nCo-Authored-By: Claude <noreply@anthropic.com>"))
    )
    assert [f.severity.value for f in human.findings] == ["medium"]
    assert human.conclusion == "success"
    assert human.authorship["ai_authored"] is False
    assert ai.conclusion == "failure"
    assert ai.authorship["ai_authored"] is True
    assert ai.authorship["agents"][0]["id"] == "claude_code"
