"""`prguard action` in process (workflow commands, outputs, event checks) and `prguard review --staged`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from prguard.cli import main
from prguard.cli.action import annotations, escape_data, escape_property, write_outputs
from prguard.engine.model import Finding, Severity

from tests.actions_runner import parse_annotations, parse_output_file
from tests.unit.test_cli_review import SERVICE_BASE, SERVICE_CLEAN, SERVICE_SHELL, commit, git

ROOT = Path(__file__).resolve().parents[2]
PAYLOAD = ROOT / "tests/fixtures/github-webhooks/pull_request/synchronize.payload.json"


def finding(severity: Severity, path: str = "a.py", line: int = 3, message: str = "m") -> Finding:
    return Finding("PG-X001", "security", severity, path, line, line, message, "fp", title="T")


def test_workflow_command_escaping_round_trips():
    message = "100% bad\r\nsecond line: a, b"
    assert escape_data(message) == "100%25 bad%0D%0Asecond line: a, b"
    assert escape_property("dir,x/a:b%.py") == "dir%2Cx/a%3Ab%25.py"
    line = annotations([finding(Severity.HIGH, "dir,x/a:b%.py", message=message)])[0]
    [(level, props, parsed)] = parse_annotations(line)
    assert (level, props["file"], props["line"], parsed) == ("error", "dir,x/a:b%.py", "3", message)


def test_annotations_worst_first_with_a_limit_and_levels():
    found = [finding(Severity.LOW, line=n) for n in range(5)] + [finding(Severity.HIGH, line=9)]
    lines = annotations([*found, finding(Severity.MEDIUM)], limit=3)
    assert [line.split(" ", 1)[0] for line in lines[:3]] == ["::error", "::warning", "::notice"]
    assert lines[3] == "::notice::4 more prguard findings are in the job summary and SARIF"


def test_outputs_survive_values_with_newlines(tmp_path):
    target = tmp_path / "out"
    target.write_text("earlier=1\n")
    write_outputs(target, {"conclusion": "failure", "odd": "a\nb=c\n"})
    assert parse_output_file(target.read_text()) == {
        "earlier": "1",
        "conclusion": "failure",
        "odd": "a\nb=c\n",
    }


@pytest.fixture
def pull(tmp_path, monkeypatch):
    repo = tmp_path / "ws"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    base = commit(repo, {"svc/orders.py": SERVICE_BASE}, "base")
    git(repo, "checkout", "-q", "-b", "feature")
    head = commit(repo, {"svc/orders.py": SERVICE_SHELL}, "head")
    event = json.loads(PAYLOAD.read_text())
    event["pull_request"]["base"]["sha"], event["pull_request"]["head"]["sha"] = base, head
    (tmp_path / "event.json").write_text(json.dumps(event))
    for name, value in {
        "GITHUB_EVENT_PATH": tmp_path / "event.json",
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_WORKSPACE": repo,
        "GITHUB_STEP_SUMMARY": tmp_path / "summary.md",
        "GITHUB_OUTPUT": tmp_path / "output",
    }.items():
        monkeypatch.setenv(name, str(value))
    return repo, event


def test_action_in_process(pull, tmp_path, capsys):
    code = main(["action", "--sarif", str(tmp_path / "r.sarif")])
    out, err = capsys.readouterr()
    assert code == 1, err
    outputs = parse_output_file((tmp_path / "output").read_text())
    assert outputs["conclusion"] == "failure" and outputs["sarif-file"] == str(tmp_path / "r.sarif")
    assert json.loads((tmp_path / "r.sarif").read_text())["runs"][0]["results"]
    assert (tmp_path / "summary.md").read_text().startswith("### ")
    assert any(line.startswith("::error file=svc/orders.py,") for line in out.splitlines())


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"pull_request": {"base": {"sha": "nope"}, "head": {"sha": "0" * 40}}}, "base.sha"),
        ({"zen": "ping"}, "no pull_request"),
    ],
)
def test_action_refuses_events_without_a_usable_pull_request(pull, tmp_path, capsys, change, message):
    (tmp_path / "event.json").write_text(json.dumps(change))
    assert main(["action"]) == 2
    assert message in capsys.readouterr().err


def test_action_names_a_commit_it_cannot_find(pull, tmp_path, capsys):
    _, event = pull
    event["pull_request"]["head"]["sha"] = "1" * 40
    (tmp_path / "event.json").write_text(json.dumps(event))
    assert main(["action"]) == 2
    assert "fetch-depth: 0" in capsys.readouterr().err


def test_staged_reviews_the_index_not_the_work_tree(tmp_path, capsys):
    repo = tmp_path / "r"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    commit(repo, {"svc/orders.py": SERVICE_BASE}, "base")
    (repo / "svc/orders.py").write_text(SERVICE_SHELL)
    git(repo, "add", "svc/orders.py")
    (repo / "svc/orders.py").write_text(SERVICE_CLEAN)  # unstaged: not part of the commit being made
    assert main(["review", "--repo", str(repo), "--staged", "--format", "json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert any(f["severity"] == "high" for f in report["findings"])

    git(repo, "add", "svc/orders.py")
    assert main(["review", "--repo", str(repo), "--staged"]) == 0
    capsys.readouterr()
    assert main(["review", "--repo", str(repo), "--staged", "--fail-on", "never"]) == 0


def test_staged_before_the_first_commit(tmp_path, capsys):
    repo = tmp_path / "r"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    (repo / "svc").mkdir()
    (repo / "svc/orders.py").write_text(SERVICE_SHELL)
    git(repo, "add", "svc/orders.py")
    assert main(["review", "--repo", str(repo), "--staged", "--format", "json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["stats"]["files_changed"] == 1


def test_staged_takes_no_refs(tmp_path, capsys):
    assert main(["review", "--repo", str(tmp_path), "--staged", "--base", "main"]) == 2
    assert "--staged" in capsys.readouterr().err
