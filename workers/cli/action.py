"""`prguard action`: the GitHub Action's one step, reviewing a pull request inside a workflow run.

Reads what the runner provides (GITHUB_EVENT_PATH's `pull_request` payload, GITHUB_WORKSPACE's
checkout, GITHUB_STEP_SUMMARY, GITHUB_OUTPUT), reviews the pull request's change the way the App
does (merge-base of base and head against head, the policy at the base), and leaves its results
where workflows look for them: the Markdown report in the job summary, SARIF in a file for
github/codeql-action/upload-sarif, outputs for later steps, optional annotations on the diff.
The exit status is the gate's, as for `prguard review`.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import secrets
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from prguard.cli import EXIT_GATE_FAILED, EXIT_OK, CliError
from prguard.cli.gitrepo import GitError, GitRepo
from prguard.cli.review import PASSING, read_policy, render, review_change, with_fail_on
from prguard.engine.gate import FAIL_ON_CHOICES
from prguard.engine.model import Finding, ReviewResult, Severity

PULL_REQUEST_EVENTS = ("pull_request", "pull_request_target")
# GitHub shows at most 10 annotations of each level per step and 50 per job; more are dropped silently.
MAX_ANNOTATIONS = 50
_LEVEL = {Severity.HIGH: "error", Severity.MEDIUM: "warning", Severity.LOW: "notice", Severity.INFO: "notice"}


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "action",
        help="review the pull request of a GitHub Actions run (the prguard Action's step)",
        description=(
            "Review the pull request a GitHub Actions workflow runs for: base and head come from the "
            "pull_request event payload (GITHUB_EVENT_PATH), the code from the checkout "
            "(GITHUB_WORKSPACE; check out with fetch-depth: 0). Writes the Markdown report to "
            "GITHUB_STEP_SUMMARY, SARIF to --sarif, outputs to GITHUB_OUTPUT. Exit status: 0 the gate "
            "passes, 1 it fails, 2 usage, git or policy error."
        ),
    )
    parser.add_argument("--event", metavar="FILE", help="event payload (default: $GITHUB_EVENT_PATH)")
    parser.add_argument("--repo", metavar="PATH", help="checkout to review (default: $GITHUB_WORKSPACE or .)")
    parser.add_argument(
        "--policy", metavar="FILE", help="policy file instead of .github/prguard.yml at the base"
    )
    parser.add_argument("--fail-on", choices=FAIL_ON_CHOICES, help="gate threshold instead of the policy's")
    parser.add_argument(
        "--sarif",
        metavar="FILE",
        default="prguard.sarif",
        help="where to write SARIF (default prguard.sarif)",
    )
    parser.add_argument(
        "--annotations",
        type=str.lower,
        choices=("true", "false"),
        default="true",
        help="print workflow-command annotations for findings (default true)",
    )
    parser.add_argument(
        "--summary",
        metavar="FILE",
        help="file the Markdown report is appended to (default $GITHUB_STEP_SUMMARY)",
    )
    parser.add_argument("--outputs", metavar="FILE", help="step outputs file (default $GITHUB_OUTPUT)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    event_path = args.event or os.environ.get("GITHUB_EVENT_PATH")
    if not event_path:
        raise CliError("no event payload: set GITHUB_EVENT_PATH (done by GitHub Actions) or pass --event")
    pull_json = pull_request_from_event(
        _read_event(Path(event_path)), os.environ.get("GITHUB_EVENT_NAME", "")
    )
    base_sha, head_sha = _sha(pull_json, "base"), _sha(pull_json, "head")
    repo = GitRepo(args.repo or os.environ.get("GITHUB_WORKSPACE") or ".")
    ensure_commits(repo, base_sha, head_sha)
    merge_base = repo.merge_base(base_sha, head_sha)

    from prguard.github.rest_shapes import RestShapeError, pull_request_info

    try:
        pull = pull_request_info(pull_json)
    except RestShapeError as exc:
        raise CliError(f"the event's pull_request is malformed: {exc}") from None
    pull = dataclasses.replace(pull, commits=tuple(repo.commits(merge_base, head_sha)))
    files = repo.changed_files(merge_base, head_sha)
    policy, notes, rule_files = read_policy(repo, merge_base, pull.base_ref or "base", args.policy)
    from prguard.cli.impact import snapshot_from_git

    repository = snapshot_from_git(repo, head_sha)  # the checkout's whole tree: blast radius, PG-IMPACT
    result = review_change(
        files, pull, with_fail_on(policy, args.fail_on), notes, rule_files, repository=repository
    )

    sources = {f.path: f.head for f in files}
    print(render(result, "text"))
    sarif_path = Path(args.sarif)
    sarif_path.parent.mkdir(parents=True, exist_ok=True)
    sarif_path.write_text(render(result, "sarif", sources) + "\n", encoding="utf-8")
    summary = args.summary or os.environ.get("GITHUB_STEP_SUMMARY")
    if summary:
        with open(summary, "a", encoding="utf-8") as handle:
            handle.write(render(result, "markdown").rstrip("\n") + "\n\n")
    if args.annotations == "true":
        for line in annotations(result.findings):
            print(line)
    outputs_path = args.outputs or os.environ.get("GITHUB_OUTPUT")
    if outputs_path:
        write_outputs(Path(outputs_path), step_outputs(result, sarif_path))
    return EXIT_OK if result.conclusion in PASSING else EXIT_GATE_FAILED


# -- the event --------------------------------------------------------------------------------------


def _read_event(path: Path) -> Mapping[str, Any]:
    try:
        data = json.loads(path.read_bytes())
    except (OSError, ValueError) as exc:
        raise CliError(f"cannot read the event payload {path}: {exc}") from None
    if not isinstance(data, dict):
        raise CliError(f"the event payload {path} is not a JSON object")
    return data


def pull_request_from_event(event: Mapping[str, Any], event_name: str = "") -> Mapping[str, Any]:
    """The payload's pull request; a clear error for events that have none (push, schedule ...)."""
    pull = event.get("pull_request")
    if event_name and event_name not in PULL_REQUEST_EVENTS and not isinstance(pull, dict):
        raise CliError(
            f"prguard reviews pull requests; this run's event is {event_name!r}. "
            "Run the action `on: pull_request`."
        )
    if not isinstance(pull, dict):
        raise CliError("the event payload has no pull_request; run the action `on: pull_request`")
    return pull


def _sha(pull: Mapping[str, Any], side: str) -> str:
    ref = pull.get(side)
    sha = ref.get("sha") if isinstance(ref, dict) else None
    if not isinstance(sha, str) or len(sha) not in (40, 64) or any(c not in "0123456789abcdef" for c in sha):
        raise CliError(f"the event's pull_request.{side}.sha is missing or not a commit id")
    return sha


def ensure_commits(repo: GitRepo, base_sha: str, head_sha: str) -> None:
    """Fetch what a shallow checkout lacks: both commits, then enough history for their merge base."""
    missing = [sha for sha in (base_sha, head_sha) if not repo.has_ref(sha)]
    if missing:
        repo.git("fetch", "--no-tags", "--quiet", "origin", *missing, check=False)
        still = [sha for sha in missing if not repo.has_ref(sha)]
        if still:
            raise GitError(
                f"commit {still[0][:12]} is not in the checkout and could not be fetched; "
                "use actions/checkout with fetch-depth: 0"
            )
    if repo.git("merge-base", base_sha, head_sha, check=False).strip():
        return
    if repo.git("rev-parse", "--is-shallow-repository", check=False).strip() == "true":
        repo.git("fetch", "--no-tags", "--quiet", "--unshallow", "origin", check=False)


# -- what the workflow sees -------------------------------------------------------------------------


def annotations(findings: Iterable[Finding], limit: int = MAX_ANNOTATIONS) -> list[str]:
    """Workflow commands (`::error file=...,line=...::message`) for findings, worst first."""
    ordered = sorted(findings, key=lambda f: (-f.severity.rank, f.path, f.start_line))
    lines = []
    for finding in ordered[:limit]:
        properties = {
            "file": finding.path,
            "line": str(finding.start_line),
            "endLine": str(max(finding.end_line, finding.start_line)),
            "title": f"prguard {finding.rule_id}" + (f": {finding.title}" if finding.title else ""),
        }
        props = ",".join(f"{key}={escape_property(value)}" for key, value in properties.items())
        lines.append(f"::{_LEVEL[finding.severity]} {props}::{escape_data(finding.message)}")
    if len(ordered) > limit:
        lines.append(
            f"::notice::{len(ordered) - limit} more prguard findings are in the job summary and SARIF"
        )
    return lines


def escape_data(value: str) -> str:
    """A workflow command's message: %, CR and LF escaped as the runner expects."""
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: str) -> str:
    """A workflow command's property value: also ':' and ',', which would end the value."""
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def step_outputs(result: ReviewResult, sarif_path: Path) -> dict[str, str]:
    from prguard.report.common import blocking

    return {
        "sarif-file": str(sarif_path),
        "conclusion": result.conclusion,
        "findings": str(len(result.findings)),
        "blocking": str(len(blocking(result))),
    }


def write_outputs(path: Path, values: Mapping[str, str]) -> None:
    """Append `name<<DELIMITER` blocks to GITHUB_OUTPUT (safe whatever the value holds)."""
    with open(path, "a", encoding="utf-8") as handle:
        for name, value in values.items():
            delimiter = f"prguard_{secrets.token_hex(8)}"
            handle.write(f"{name}<<{delimiter}\n{value}\n{delimiter}\n")
