"""GitRepo reads a change with few git processes, and the same inputs as one process per question."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from prguard.cli import main
from prguard.cli.gitrepo import GitError, GitRepo

from tests.unit.test_cli_review import SERVICE_BASE, SERVICE_SHELL, commit, git

ODD_NAMES = ("with space.py", "tab\there.py", "naïve.py", 'quote"d.py')


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """main, then `feature`: a rename, a deletion, additions, a binary file, a mode change, odd names."""
    path = tmp_path / "repo"
    path.mkdir()
    git(path, "init", "-q", "-b", "main")
    files = {
        "svc/orders.py": SERVICE_BASE,
        "svc/old_name.py": SERVICE_BASE.replace("Orders", "Old") * 3,
        "gone.py": "x = 1\n",
        "tool.sh": "echo hi\n",
        **{name: f"# {name}\nvalue = 1\n" for name in ODD_NAMES},
    }
    commit(path, files, "base")
    (path / "logo.bin").write_bytes(bytes(range(256)))
    git(path, "add", "logo.bin")
    git(path, "commit", "-q", "-m", "binary")
    git(path, "checkout", "-q", "-b", "feature")
    git(path, "mv", "svc/old_name.py", "svc/new_name.py")
    (path / "logo.bin").write_bytes(bytes(range(255, -1, -1)))
    (path / "tool.sh").chmod(0o755)
    git(path, "add", "logo.bin", "tool.sh")
    commit(
        path,
        {
            "svc/orders.py": SERVICE_SHELL,
            "gone.py": None,
            "new.py": "y = 2\n",
            **{name: f"# {name}\nvalue = 2\n" for name in ODD_NAMES},
        },
        "feature",
    )
    return path


def test_one_diff_gives_the_changes_and_patches_of_two(repo: Path) -> None:
    git_repo = GitRepo(repo)
    base, head = git_repo.resolve("main"), git_repo.resolve("feature")
    changes = git_repo.changes(base, head)
    assert {c.status for c in changes} >= {"renamed", "removed", "added", "modified"}
    assert {c.path for c in changes} >= set(ODD_NAMES)
    assert git_repo.changes_and_patches(base, head) == (changes, git_repo.patches(base, head, changes))


def test_refs_resolved_together_or_one_by_one_alike(repo: Path) -> None:
    one_by_one = GitRepo(repo)
    for refs in (["feature", "main"], ["feature~1", "HEAD"], ["main..feature", "main"]):
        assert GitRepo(repo).resolve_all(refs) == [one_by_one.resolve(ref) for ref in refs]
    for refs, bad in ((["feature", "nope"], "nope"), (["feature", "-x"], "-x")):
        with pytest.raises(GitError, match=r"is not a git ref|does not name a commit") as raised:
            GitRepo(repo).resolve_all(refs)
        assert repr(bad) in str(raised.value)


def test_a_review_runs_few_git_processes(repo: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    """rev-parse (top level), rev-parse (both refs), cat-file (policy), diff, cat-file (files), log,
    ls-tree (index and Agent Trace records), for-each-ref (notes refs: none, so no notes read)."""
    commands: list[str] = []
    run = subprocess.run

    def counting(cmd, *args, **kwargs):
        if cmd[0] == "git":
            commands.append(cmd[cmd.index("-C") + 2])
        return run(cmd, *args, **kwargs)

    monkeypatch.setattr(subprocess, "run", counting)
    assert (
        main(["review", "--repo", str(repo), "--base", "main", "--head", "feature", "--format", "json"]) == 1
    )
    findings = json.loads(capsys.readouterr().out)["findings"]
    assert any(f["path"] == "svc/orders.py" and f["cwe"] == 78 for f in findings)
    assert sorted(commands) == sorted(
        ["rev-parse", "rev-parse", "cat-file", "diff", "cat-file", "log", "ls-tree", "for-each-ref"]
    )


def test_a_work_tree_file_is_read_only_when_it_is_the_blob(repo: Path) -> None:
    git_repo = GitRepo(repo)
    blobs = git_repo.python_blobs(git_repo.resolve("feature"))  # checked out
    assert git_repo.work_tree_blob("new.py", blobs["new.py"]) == b"y = 2\n"
    assert git_repo.work_tree_blob("svc/orders.py", blobs["svc/orders.py"]) == SERVICE_SHELL.encode()
    (repo / "new.py").write_text("y = 3\n")  # edited since: git's copy is the blob
    assert git_repo.work_tree_blob("new.py", blobs["new.py"]) is None
    (repo / "new.py").unlink()
    (repo / "new.py").symlink_to(repo / "svc" / "orders.py")
    assert git_repo.work_tree_blob("new.py", git_repo.python_blobs("HEAD")["svc/orders.py"]) is None
    assert git_repo.work_tree_blob("missing.py", blobs["new.py"]) is None
    assert git_repo.work_tree_blob("new.py", "not an object id") is None


def test_the_index_reads_the_checked_out_files_without_git(repo: Path, monkeypatch) -> None:
    from prguard.cli.impact import snapshot_from_git

    snapshot = snapshot_from_git(GitRepo(repo), "feature", cache=False)
    (repo / "svc" / "orders.py").write_text("edited = True\n")  # not the blob any more: git reads it
    commands: list[str] = []
    run = subprocess.run

    def counting(cmd, *args, **kwargs):
        commands.append(cmd[cmd.index("-C") + 2])
        return run(cmd, *args, **kwargs)

    monkeypatch.setattr(subprocess, "run", counting)
    assert snapshot.read(["new.py"]) == {"new.py": b"y = 2\n"}
    assert commands == []
    assert snapshot.read(["svc/orders.py", "new.py"]) == {
        "svc/orders.py": SERVICE_SHELL.encode(), "new.py": b"y = 2\n",
    }  # fmt: skip
    assert commands == ["cat-file"]
