"""`prguard review` on a real temporary git repository: refs, policy from base, formats, exit codes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from prguard.cli import main
from prguard.cli.gitrepo import GitError, GitRepo

ROOT = Path(__file__).resolve().parents[2]

SERVICE_BASE = '''"""Orders service."""

import logging

log = logging.getLogger(__name__)


def total(items):
    return sum(item["price"] for item in items)
'''

SERVICE_SHELL = (
    SERVICE_BASE
    + """

def export(name):
    import subprocess

    return subprocess.call("tar czf /srv/exports/" + name + ".tgz /srv/orders", shell=True)
"""
)

SERVICE_CLEAN = (
    SERVICE_BASE
    + """

def average(items):
    if not items:
        return 0
    return total(items) / len(items)
"""
)


def git(repo: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "Ada Tester",
        "GIT_AUTHOR_EMAIL": "ada@example.com",
        "GIT_COMMITTER_NAME": "Ada Tester",
        "GIT_COMMITTER_EMAIL": "ada@example.com",
        "GIT_CONFIG_NOSYSTEM": "1",
        "HOME": str(repo.parent),
    }
    return subprocess.run(
        ["git", "-C", str(repo), *args], env=env, check=True, capture_output=True, text=True
    ).stdout


def commit(repo: Path, files: dict[str, str | None], message: str) -> str:
    for path, text in files.items():
        target = repo / path
        if text is None:
            git(repo, "rm", "-q", path)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
        git(repo, "add", path)
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD").strip()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """main: the service; branch `feature` (checked out) is created by each test."""
    path = tmp_path / "repo"
    path.mkdir()
    git(path, "init", "-q", "-b", "main")
    commit(path, {"svc/orders.py": SERVICE_BASE, "README.md": "orders\n"}, "Initial service")
    return path


def review(repo: Path, *args: str, capsys) -> tuple[int, str, str]:
    code = main(["review", "--repo", str(repo), *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_high_finding_fails_the_gate_with_exit_1(repo, capsys):
    git(repo, "checkout", "-q", "-b", "feature")
    commit(repo, {"svc/orders.py": SERVICE_SHELL}, "Export orders")
    code, out, err = review(repo, "--format", "json", capsys=capsys)
    assert code == 1, err
    report = json.loads(out)
    assert report["conclusion"] == "failure"
    shell = [
        f for f in report["findings"] if f["cwe"] == 78 and f["severity"] == "high"
    ]  # bandit B602 or taint
    assert shell and shell[0]["path"] == "svc/orders.py"
    assert (
        shell[0]["start_line"]
        == SERVICE_SHELL.splitlines().index(
            '    return subprocess.call("tar czf /srv/exports/" + name + ".tgz /srv/orders", shell=True)'
        )
        + 1
    )


def test_clean_change_passes_with_exit_0(repo, capsys):
    git(repo, "checkout", "-q", "-b", "feature")
    commit(repo, {"svc/orders.py": SERVICE_CLEAN}, "Average order value")
    code, out, _ = review(repo, capsys=capsys)
    assert code == 0
    assert out.startswith("prguard: PASSED")


def test_default_base_is_the_merge_base_with_main(repo, capsys):
    """A commit made on main after branching is not part of the change."""
    git(repo, "checkout", "-q", "-b", "feature")
    commit(repo, {"svc/orders.py": SERVICE_CLEAN}, "Average order value")
    git(repo, "checkout", "-q", "main")
    commit(repo, {"svc/legacy.py": 'import os\nos.system("rm -rf " + os.environ["X"])\n'}, "Main moves on")
    git(repo, "checkout", "-q", "feature")
    code, out, _ = review(repo, "--format", "json", capsys=capsys)
    assert code == 0
    report = json.loads(out)
    assert all(f["path"] != "svc/legacy.py" for f in report["findings"])
    assert report["stats"]["files_changed"] == 1


def test_explicit_base_and_head_refs(repo, capsys):
    base = git(repo, "rev-parse", "HEAD").strip()
    git(repo, "checkout", "-q", "-b", "feature")
    commit(repo, {"svc/orders.py": SERVICE_SHELL}, "Export orders")
    git(repo, "checkout", "-q", "main")  # reviewing another branch than the checked-out one
    code, out, _ = review(repo, "--base", base, "--head", "feature", "--format", "json", capsys=capsys)
    assert code == 1
    assert any(f["cwe"] == 78 for f in json.loads(out)["findings"])


def test_policy_is_read_from_the_base_not_the_head(repo, capsys):
    commit(repo, {".github/prguard.yml": "version: 1\ngate:\n  fail_on: high\n"}, "Add policy")
    git(repo, "checkout", "-q", "-b", "feature")
    # The change tries to switch the gate off for itself.
    commit(
        repo,
        {"svc/orders.py": SERVICE_SHELL, ".github/prguard.yml": "version: 1\ngate:\n  fail_on: never\n"},
        "Export orders, relax policy",
    )
    code, out, _ = review(repo, "--format", "json", capsys=capsys)
    assert code == 1
    report = json.loads(out)
    assert report["conclusion"] == "failure"
    assert any("applies after merge" in note for note in report["notes"])


def test_base_policy_can_make_the_gate_stricter(repo, capsys):
    commit(repo, {".github/prguard.yml": "gate:\n  fail_on: never\n"}, "Advisory only")
    git(repo, "checkout", "-q", "-b", "feature")
    commit(repo, {"svc/orders.py": SERVICE_SHELL}, "Export orders")
    code, out, _ = review(repo, "--format", "json", capsys=capsys)
    assert code == 0
    assert json.loads(out)["conclusion"] in ("success", "neutral")


def test_an_invalid_policy_in_the_head_is_reported_and_needs_action(repo, capsys):
    git(repo, "checkout", "-q", "-b", "feature")
    commit(
        repo,
        {"svc/orders.py": SERVICE_CLEAN, ".github/prguard.yml": "gate:\n  fail_on: sometimes\n"},
        "Policy",
    )
    code, out, _ = review(repo, "--format", "json", capsys=capsys)
    assert code == 1
    report = json.loads(out)
    assert report["conclusion"] == "action_required"
    note = next(n for n in report["notes"] if "invalid" in n)
    assert ".github/prguard.yml in this change:2: gate.fail_on" in note


def test_policy_option_overrides_the_repository_policy(repo, tmp_path, capsys):
    git(repo, "checkout", "-q", "-b", "feature")
    commit(repo, {"svc/orders.py": SERVICE_SHELL}, "Export orders")
    policy = tmp_path / "advisory.yml"
    policy.write_text("gate: {fail_on: never}\n")
    code, _, _ = review(repo, "--policy", str(policy), capsys=capsys)
    assert code == 0


def test_invalid_base_policy_is_exit_2_with_the_error_on_stderr(repo, capsys):
    commit(repo, {".github/prguard.yml": "gate:\n  fail_on: sometimes\n"}, "Broken policy")
    git(repo, "checkout", "-q", "-b", "feature")
    commit(repo, {"svc/orders.py": SERVICE_CLEAN}, "Average")
    code, out, err = review(repo, capsys=capsys)
    assert code == 2 and out == ""
    assert err.startswith("prguard: error: .github/prguard.yml at main (")
    assert ":2: gate.fail_on: 'sometimes' is not allowed" in err
    assert "Traceback" not in err


def test_bad_policy_file_option_is_exit_2(repo, tmp_path, capsys):
    policy = tmp_path / "p.yml"
    policy.write_text("gate:\n  colour: red\n")
    code, _, err = review(repo, "--policy", str(policy), "--base", "HEAD", capsys=capsys)
    assert code == 2 and f"{policy}:2: gate.colour: unknown key" in err
    code, _, err = review(repo, "--policy", str(tmp_path / "missing.yml"), capsys=capsys)
    assert code == 2 and "No such file" in err


def test_git_errors_are_exit_2(repo, tmp_path, capsys):
    code, _, err = review(repo, "--base", "no-such-branch", capsys=capsys)
    assert code == 2 and "'no-such-branch' does not name a commit" in err
    not_a_repo = tmp_path / "plain"
    not_a_repo.mkdir()
    code, _, err = review(not_a_repo, capsys=capsys)
    assert code == 2 and "prguard: error: git rev-parse" in err


def test_usage_errors_are_exit_2(capsys):
    with pytest.raises(SystemExit) as info:
        main(["review", "--format", "xml"])
    assert info.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


@pytest.mark.parametrize("fmt", ["text", "json", "markdown", "sarif"])
def test_every_format(repo, capsys, fmt, tmp_path):
    git(repo, "checkout", "-q", "-b", "feature")
    commit(repo, {"svc/orders.py": SERVICE_SHELL}, "Export orders")
    output = tmp_path / f"report.{fmt}"
    code, out, _ = review(repo, "--format", fmt, "--output", str(output), capsys=capsys)
    assert code == 1 and out == ""
    text = output.read_text()
    if fmt == "text":
        assert text.startswith("prguard: BLOCKED — 1 high")
        assert "svc/orders.py" in text and "CWE-78" in text
    elif fmt == "json":
        assert json.loads(text)["conclusion"] == "failure"
    elif fmt == "markdown":
        assert text.startswith("### ❌ Blocked: 1 high")
        assert "| security |" in text
    else:
        sarif = json.loads(text)
        assert sarif["version"] == "2.1.0"
        assert sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]


def test_commits_authorship_and_renames_are_read(repo):
    git(repo, "checkout", "-q", "-b", "claude/orders-export-Xy7Q2")
    git(repo, "mv", "svc/orders.py", "svc/order_totals.py")
    git(repo, "commit", "-q", "-m", "Rename")
    commit(
        repo,
        {"svc/order_totals.py": SERVICE_CLEAN, "README.md": None},
        "Average order value\n\nCo-Authored-By: Claude <noreply@anthropic.com>",
    )
    gitrepo = GitRepo(repo)
    base = gitrepo.merge_base("main", "HEAD")
    files = {f.path: f for f in gitrepo.changed_files(base, gitrepo.resolve("HEAD"))}
    renamed = files["svc/order_totals.py"]
    assert renamed.status == "renamed" and renamed.previous_path == "svc/orders.py"
    assert renamed.base == SERVICE_BASE.encode() and renamed.head == SERVICE_CLEAN.encode()
    assert renamed.patch.startswith("@@ ") and "+def average(items):" in renamed.patch
    assert files["README.md"].status == "removed" and files["README.md"].head is None
    info = gitrepo.pull_request_info(
        base, gitrepo.resolve("HEAD"), base_ref="main", head_ref=gitrepo.current_branch()
    )
    assert info.head_ref == "claude/orders-export-Xy7Q2"
    assert [c.message.splitlines()[0] for c in info.commits] == ["Rename", "Average order value"]
    assert info.commits[1].author.email == "ada@example.com"
    assert "Co-Authored-By: Claude <noreply@anthropic.com>" in info.commits[1].message


def test_binary_and_empty_files_do_not_break_the_review(repo, capsys):
    git(repo, "checkout", "-q", "-b", "feature")
    (repo / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    (repo / "svc" / "__init__.py").write_text("")
    git(repo, "add", "logo.png", "svc/__init__.py")
    git(repo, "commit", "-q", "-m", "Logo")
    code, out, err = review(repo, "--format", "json", capsys=capsys)
    assert code == 0, err
    assert json.loads(out)["stats"]["files_changed"] == 2


def test_example_reviews_the_bundled_pull_request(capsys):
    code = main(["review", "--example"])
    out = capsys.readouterr().out
    assert code == 1  # the example has a high-severity shell injection
    assert out.startswith("prguard: BLOCKED")
    assert "billing/app.py" in out and "CWE-78" in out
    assert "billing/tasks.py" in out
    assert "apply_discounts" in out
    assert "AI authorship" in out


def test_example_json_has_authorship_and_the_planted_problems(capsys):
    assert main(["review", "--example", "--format", "json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["authorship"]["ai_authored"] is True
    rules = {(f["path"], f["rule_id"]) for f in report["findings"]}
    shell = [
        f
        for f in report["findings"]
        if f["path"] == "billing/app.py" and f["cwe"] == 78 and f["start_line"] == 36
    ]
    assert shell and shell[0]["severity"] == "high"
    assert any(path == "billing/tasks.py" and "complexity" in rule for path, rule in rules)
    cwes = {f["cwe"] for f in report["findings"] if f["path"] == "billing/tasks.py"}
    assert 400 in cwes or 703 in cwes  # the missing timeout / the swallowed exception


def test_example_ignores_byte_code_caches_of_an_installed_copy(tmp_path, monkeypatch):
    from prguard.cli import example

    copy = tmp_path / "examples"
    shutil.copytree(example.EXAMPLES_DIR / example.DEFAULT_EXAMPLE, copy / example.DEFAULT_EXAMPLE)
    cache = copy / example.DEFAULT_EXAMPLE / "head" / "billing" / "__pycache__"
    cache.mkdir(exist_ok=True)  # a checkout whose examples were byte-compiled already has one
    (cache / "app.cpython-313.pyc").write_bytes(b"\xf3\r\r\n\x00\x00")
    monkeypatch.setattr(example, "EXAMPLES_DIR", copy)
    loaded = example.load_example()
    paths = {f.path: f for f in loaded.files}
    assert {"billing/app.py", "billing/tasks.py"} <= set(paths)
    assert not any("__pycache__" in path or path.endswith(".pyc") for path in paths)
    assert paths["billing/app.py"].status == "modified" and paths["billing/app.py"].patch.startswith("@@ ")


def test_default_branch_comes_from_origin_head_in_a_clone(repo, tmp_path):
    git(repo, "branch", "-m", "main", "trunk")  # the upstream's default branch is neither main nor master
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(repo), str(clone)], check=True, capture_output=True)
    gitrepo = GitRepo(clone)
    assert gitrepo.default_branch() == "origin/trunk"
    git(clone, "checkout", "-q", "-b", "feature")
    commit(clone, {"svc/orders.py": SERVICE_CLEAN}, "Average")
    base = gitrepo.merge_base(gitrepo.default_branch(), "HEAD")
    assert base == git(repo, "rev-parse", "trunk").strip()


def test_master_is_the_fallback_default_branch(repo):
    git(repo, "branch", "-m", "main", "master")
    assert GitRepo(repo).default_branch() == "master"
    git(repo, "branch", "-m", "master", "develop")
    with pytest.raises(GitError, match="pass --base"):
        GitRepo(repo).default_branch()


@pytest.mark.parametrize("value", ["0", "-1", "two"])
def test_jobs_must_be_a_whole_number_of_one_or_more(value, capsys):
    with pytest.raises(SystemExit) as info:
        main(["review", "--jobs", value])
    assert info.value.code == 2
    assert "--jobs" in capsys.readouterr().err


def test_jobs_2_forks_the_cross_file_analyzers_and_reports_the_same(repo, capsys, monkeypatch):
    from prguard.engine import apart
    from prguard.engine import review as engine

    started = []
    start = apart.Apart.start.__func__

    def spy(cls, jobs):
        child = start(cls, jobs)
        started.append(sorted(jobs) if child else None)
        return child

    monkeypatch.setattr(engine, "FORK_FROM", 0)  # this small change forks too
    monkeypatch.setattr("threading.active_count", lambda: 1)  # threads other tests left behind
    monkeypatch.setattr(apart.Apart, "start", classmethod(spy))
    git(repo, "checkout", "-q", "-b", "feature")
    commit(repo, {"svc/orders.py": SERVICE_SHELL}, "Export orders")
    reports = {}
    for jobs in ("1", "2"):
        code, out, err = review(repo, "--format", "json", "--jobs", jobs, capsys=capsys)
        assert code == 1, err
        reports[jobs] = json.loads(out)
    assert started == [["impact", "taint"]] if sys.platform.startswith("linux") else started == [None]
    assert reports["1"]["findings"] == reports["2"]["findings"]
    assert any(f["analyzer"] == "taint" for f in reports["2"]["findings"])
