"""The `prguard` pre-commit hook, run by the real pre-commit (`pre-commit try-repo`) in a temporary repo.

pre-commit builds the hook's environment itself (`pip install .` of a copy of this checkout, dependencies
from the package index), then runs `prguard review --staged` in the repository being committed to.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.unit.test_cli_review import SERVICE_BASE, SERVICE_CLEAN, SERVICE_SHELL, commit, git

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
PRE_COMMIT = Path(sys.executable).parent / "pre-commit"


def hook_source(tmp_path: Path) -> Path:
    """This checkout's files as they are now (tracked and new, not ignored) in a one-commit repository.

    try-repo copies only tracked files of a dirty checkout; a copy tests the tree as it is."""
    source = tmp_path / "prguard-src"
    listing = subprocess.run(
        ["git", "-C", str(ROOT), "ls-files", "-z", "-c", "-o", "--exclude-standard"],
        check=True,
        capture_output=True,
    ).stdout.decode()
    for name in filter(None, listing.split("\0")):
        src = ROOT / name
        if src.is_file() and not name.startswith("tests/"):
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, source / name)
    git(source, "init", "-q", "-b", "main")
    git(source, "add", "-A")
    git(source, "commit", "-q", "-m", "prguard under test")
    return source


@pytest.mark.skipif(not PRE_COMMIT.exists(), reason="pre-commit is in the dev extra")
def test_try_repo_blocks_a_staged_shell_injection_and_passes_a_clean_change(tmp_path):
    source = hook_source(tmp_path)
    repo = tmp_path / "project"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    commit(repo, {"svc/orders.py": SERVICE_BASE}, "Initial service")
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"), "HOME": str(tmp_path)}
    env.pop("VIRTUAL_ENV", None)

    def try_repo() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(PRE_COMMIT), "try-repo", str(source), "prguard", "--verbose"],
            cwd=repo,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
        )

    (repo / "svc/orders.py").write_text(SERVICE_SHELL)
    git(repo, "add", "svc/orders.py")
    (repo / "svc/orders.py").write_text(SERVICE_CLEAN)  # unstaged: pre-commit stashes it, not reviewed
    blocked = try_repo()
    assert blocked.returncode == 1, blocked.stdout[-3000:] + blocked.stderr[-3000:]
    assert "prguard: BLOCKED" in blocked.stdout
    assert "high" in blocked.stdout and "CWE-78" in blocked.stdout  # bandit's B602 or the taint finding
    assert (repo / "svc/orders.py").read_text() == SERVICE_CLEAN  # the unstaged edit is given back

    git(repo, "add", "svc/orders.py")
    passed = try_repo()
    assert passed.returncode == 0, passed.stdout[-3000:] + passed.stderr[-3000:]
    assert "prguard: PASSED" in passed.stdout
