"""The composite action (action.yml) run step by step in a simulated Actions environment.

The event is GitHub's own `pull_request.opened` example payload with its SHAs and refs rewritten to a
local repository; the runner's files (GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, GITHUB_PATH) are real files.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.actions_runner import parse_annotations, run_composite
from tests.unit.test_cli_review import SERVICE_BASE, SERVICE_CLEAN, SERVICE_SHELL, commit, git

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
ACTION = ROOT / "action.yml"
PAYLOAD = ROOT / "tests/fixtures/github-webhooks/pull_request/opened.payload.json"
ODD_PATH = "svc/odd, name: 100%.py"  # ',' ':' '%' must be escaped in an annotation's file property


def make_pull(tmp_path: Path, head_files: dict[str, str], base_files: dict[str, str] | None = None):
    repo = tmp_path / "workspace"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    base = commit(repo, {"svc/orders.py": SERVICE_BASE, **(base_files or {})}, "Initial service")
    git(repo, "checkout", "-q", "-b", "feature")
    head = commit(repo, head_files, "The change")
    # main moves on after the branch: the review must be merge-base..head, not base..head
    git(repo, "checkout", "-q", "main")
    moved = commit(
        repo, {"svc/legacy.py": 'import os\nos.system("rm -rf " + os.environ["X"])\n'}, "Main moves"
    )
    git(repo, "checkout", "-q", "--detach", head)
    event = json.loads(PAYLOAD.read_text())
    event["pull_request"]["base"].update(sha=moved, ref="main")
    event["pull_request"]["head"].update(sha=head, ref="feature")
    event_path = tmp_path / "event.json"
    event_path.write_text(json.dumps(event))
    return repo, event_path, base


def run_action(tmp_path: Path, repo: Path, event_path: Path, event_name="pull_request", **inputs: str):
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    return run_composite(
        ACTION,
        inputs=inputs,
        workspace=repo,
        event_path=event_path,
        event_name=event_name,
        temp=tmp_path / "runner-temp",
        env=env,
        skip_steps=frozenset({"install"}),  # prguard is on PATH already; test_install_step installs it
    )


def test_failing_gate_writes_summary_sarif_outputs_and_annotations(tmp_path):
    repo, event_path, _ = make_pull(tmp_path, {"svc/orders.py": SERVICE_SHELL, ODD_PATH: SERVICE_SHELL})
    run = run_action(tmp_path, repo, event_path, **{"sarif-file": "reports/prguard.sarif"})
    step = run.step("review")
    assert run.returncode == 1, step.stderr
    assert run.outputs["conclusion"] == "failure"
    assert int(run.outputs["blocking"]) >= 2
    assert run.outputs["sarif-file"] == "reports/prguard.sarif"

    sarif = json.loads((repo / "reports/prguard.sarif").read_text())
    assert sarif["version"] == "2.1.0"
    uris = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in sarif["runs"][0]["results"]
    }
    assert "svc/orders.py" in uris
    assert "svc/legacy.py" not in uris  # a commit on main after the branch point is not the PR's

    assert "Blocked" in run.summary
    assert "svc/orders.py" in run.summary

    notes = parse_annotations(step.stdout)
    errors = [(props, message) for level, props, message in notes if level == "error"]
    files = {props["file"] for props, _ in errors}
    assert files == {"svc/orders.py", ODD_PATH}
    shell_line = SERVICE_SHELL.splitlines().index(
        '    return subprocess.call("tar czf /srv/exports/" + name + ".tgz /srv/orders", shell=True)'
    )
    assert any(props["line"] == str(shell_line + 1) for props, _ in errors)
    raw = [line for line in step.stdout.splitlines() if line.startswith("::error") and "odd" in line]
    assert raw and "file=svc/odd%2C name%3A 100%25.py," in raw[0]


def test_clean_change_passes(tmp_path):
    repo, event_path, _ = make_pull(tmp_path, {"svc/orders.py": SERVICE_CLEAN})
    run = run_action(tmp_path, repo, event_path)
    assert run.returncode == 0, run.step("review").stderr
    assert run.outputs["conclusion"] == "success"
    assert (repo / "prguard.sarif").is_file()
    assert "Passed" in run.summary


def test_fail_on_input_and_annotations_off(tmp_path):
    repo, event_path, _ = make_pull(tmp_path, {"svc/orders.py": SERVICE_SHELL})
    run = run_action(tmp_path, repo, event_path, **{"fail-on": "never", "annotations": "false"})
    assert run.returncode == 0, run.step("review").stderr
    assert int(run.outputs["findings"]) >= 1
    assert parse_annotations(run.step("review").stdout) == []


def test_policy_is_read_at_the_base_and_a_pull_request_cannot_weaken_it(tmp_path):
    lenient = "gate:\n  fail_on: never\n"
    strict = "gate:\n  fail_on: low\n"
    repo, event_path, _ = make_pull(
        tmp_path,
        {"svc/orders.py": SERVICE_SHELL, ".github/prguard.yml": lenient},
        base_files={".github/prguard.yml": strict},
    )
    run = run_action(tmp_path, repo, event_path)
    assert run.returncode == 1
    assert run.outputs["conclusion"] == "failure"

    (tmp_path / "lenient.yml").write_text(lenient)
    run = run_action(tmp_path, repo, event_path, policy=str(tmp_path / "lenient.yml"))
    assert run.returncode == 0


def test_not_a_pull_request_event_is_a_clear_error(tmp_path):
    repo, event_path, _ = make_pull(tmp_path, {"svc/orders.py": SERVICE_CLEAN})
    event_path.write_text(json.dumps({"ref": "refs/heads/main", "after": "0" * 40}))
    run = run_action(tmp_path, repo, event_path, event_name="push")
    assert run.returncode == 2
    assert "pull_request" in run.step("review").stderr
    assert "Traceback" not in run.step("review").stderr


def test_shallow_checkout_fetches_what_it_lacks(tmp_path):
    """actions/checkout's default fetch-depth 1: the base and the history to the merge base are fetched."""
    origin, event_path, _ = make_pull(tmp_path, {"svc/orders.py": SERVICE_SHELL})
    head = json.loads(event_path.read_text())["pull_request"]["head"]["sha"]
    shallow = tmp_path / "shallow"
    subprocess.run(
        ["git", "clone", "-q", "--depth", "1", "--no-single-branch", f"file://{origin}", str(shallow)],
        check=True,
    )
    git(shallow, "checkout", "-q", "--detach", head)
    run = run_action(tmp_path, shallow, event_path)
    assert run.returncode == 1, run.step("review").stderr
    assert run.outputs["conclusion"] == "failure"


@pytest.mark.skipif(shutil.which("git") is None, reason="git is needed")
def test_install_step_installs_prguard_from_the_action_checkout(tmp_path):
    """The real install step: a fresh venv, `pip install` of the action's own source (PyPI for deps)."""
    repo, event_path, _ = make_pull(tmp_path, {"svc/orders.py": SERVICE_SHELL})
    base_python = Path(sys.base_prefix) / "bin" / "python3"
    started = time.monotonic()
    run = run_composite(
        ACTION,
        inputs={"python": str(base_python)},
        workspace=repo,
        event_path=event_path,
        event_name="pull_request",
        temp=tmp_path / "runner-temp",
        env={k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"},
    )
    install = run.step("install")
    assert install.returncode == 0, install.stderr[-3000:]
    assert run.returncode == 1, run.step("review").stderr[-3000:]
    assert run.outputs["conclusion"] == "failure"
    assert (tmp_path / "runner-temp/prguard-venv/bin/prguard").is_file()
    print(f"action with install: {time.monotonic() - started:.1f} s")
