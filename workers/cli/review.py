"""`prguard review`: review the diff between two refs of a local repository (or the bundled example)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from prguard.cli import EXIT_GATE_FAILED, EXIT_OK, CliError
from prguard.cli.gitrepo import GitRepo
from prguard.cli.source import ExampleSource, GitSource, policy_at, policy_from_file
from prguard.cli.source import with_fail_on as with_fail_on  # re-exported: `prguard action` reads it here
from prguard.engine.change import Change, PreparedSource, RuleTexts
from prguard.engine.change import review_change as review_from
from prguard.engine.gate import FAIL_ON_CHOICES
from prguard.engine.model import ChangedFile, PullRequestInfo, ReviewResult
from prguard.policies.changes import REPO_POLICY_PATH
from prguard.policies.model import Policy

POLICY_PATH = REPO_POLICY_PATH
FORMATS = ("text", "json", "markdown", "sarif")
PASSING = frozenset({"success", "neutral"})


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "review",
        help="review the changes between two refs of a local git repository",
        description=(
            "Review the changes between two refs of a local git repository with the same engine and "
            f"policy rules as the GitHub App. The policy is {POLICY_PATH} at the BASE ref (a change "
            "cannot weaken its own review) unless --policy is given. Exit status: 0 the gate passes, "
            "1 it fails, 2 usage, git or policy error."
        ),
    )
    parser.add_argument("--repo", default=".", metavar="PATH", help="repository to review (default: .)")
    parser.add_argument(
        "--base",
        metavar="REF",
        help=(
            "base ref (default: merge-base of the head with the default branch: "
            "origin/HEAD, else main, else master)"
        ),
    )
    parser.add_argument("--head", metavar="REF", help="head ref (default: HEAD)")
    parser.add_argument(
        "--staged",
        action="store_true",
        help="review the staged change (the index against HEAD), as a pre-commit hook does",
    )
    parser.add_argument(
        "--policy", metavar="FILE", help=f"policy file to use instead of {POLICY_PATH} at base"
    )
    parser.add_argument(
        "--fail-on",
        choices=FAIL_ON_CHOICES,
        help="fail the gate on findings at or above this severity, whatever the policy says",
    )
    parser.add_argument("--format", choices=FORMATS, default="text", help="output format (default: text)")
    parser.add_argument(
        "--output", metavar="FILE", help="write the report to FILE instead of standard output"
    )
    parser.add_argument(
        "--example",
        action="store_true",
        help="review the bundled example pull request (no git repository needed)",
    )
    parser.add_argument(
        "--no-impact",
        action="store_true",
        help="do not index the repository (no blast radius, no PG-IMPACT findings)",
    )
    parser.add_argument(
        "--jobs",
        type=_jobs,
        default=None,
        metavar="N",
        help=(
            "processes one review may use: with 2, the cross-file analyses (taint, impact) run beside "
            "the per-file ones; 1 runs everything in one process (default: 2 on a machine with two "
            "or more cores; the findings are the same either way)"
        ),
    )
    parser.set_defaults(handler=run)


def _jobs(text: str) -> int:
    try:
        jobs = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if jobs < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return jobs


def default_jobs() -> int:
    """Two when this process may run on two or more cores (a second one only helps then)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    return 2 if cores >= 2 else 1


def run(args: argparse.Namespace) -> int:
    fail_on = getattr(args, "fail_on", None)
    source: ExampleSource | GitSource
    if args.example:
        if args.base or args.head:
            raise CliError("--example reviews a bundled change; it takes no --base/--head")
        source = ExampleSource(policy_file=args.policy, fail_on=fail_on)
    else:
        if args.staged and (args.base or args.head):
            raise CliError("--staged reviews the index against HEAD; it takes no --base/--head")
        options = {
            "policy_file": args.policy,
            "fail_on": fail_on,
            "impact": not getattr(args, "no_impact", False),
        }
        repo = GitRepo(args.repo)
        source = (
            GitSource.staged(repo, **options)
            if args.staged
            else GitSource.between(repo, args.base, args.head, **options)
        )
    jobs = args.jobs if getattr(args, "jobs", None) else default_jobs()
    change, result = review_from(source, jobs=jobs)
    _write(render(result, args.format, {f.path: f.head for f in change.files}), args.output)
    return EXIT_OK if result.conclusion in PASSING else EXIT_GATE_FAILED


def review_change(
    files: list[ChangedFile],
    pull: PullRequestInfo,
    policy: Policy,
    notes: list[str],
    rule_files: dict[str, str],
    *,
    check_policy: bool = True,
    provenance: Any = None,
    repository: Any = None,
) -> ReviewResult:
    """Review a change its caller read (a GitHub Action's event) the one way every change is
    reviewed (prguard.engine.change)."""
    source = PreparedSource(
        Change(files, pull, notes=list(notes)),
        policy,
        RuleTexts(dict(rule_files)),
        checks_policy_change=check_policy,
        provenance_source=provenance,
        repository_snapshot=repository,
    )
    return review_from(source, jobs=default_jobs())[1]


def render(result: ReviewResult, fmt: str, sources: dict[str, bytes | None] | None = None) -> str:
    """The report in one of FORMATS; `sources` (head contents by path) sharpen SARIF line hashes."""
    # each renderer loads only when its format is asked for (`prguard` start-up time)
    if fmt == "json":
        from prguard.report.json_report import render as render_json

        return render_json(result)
    if fmt == "markdown":
        from prguard.report.markdown import render as render_markdown

        return render_markdown(result)
    if fmt == "sarif":
        from prguard.report.sarif import render as render_sarif

        return render_sarif(result, sources)
    from prguard.report.text import render as render_text

    return render_text(result)


def read_policy(
    repo: GitRepo, base_sha: str, base_ref: str, policy_file: str | None
) -> tuple[Policy, list[str], dict[str, str]]:
    """The policy (`policy_file`, else the repository's at the base) and its Semgrep rule files."""
    policy = policy_from_file(policy_file) if policy_file else policy_at(repo, base_sha, base_ref)
    from prguard.cli.rule_sources import read_rule_files  # loaded on use (`prguard` start-up time)

    rules = read_rule_files(repo, base_sha, policy)  # Semgrep rules, at the base ref like the policy
    return policy, list(rules.problems), rules.texts


def _write(text: str, output: str | None) -> None:
    if not text.endswith("\n"):
        text += "\n"
    if output:
        Path(output).write_text(text, encoding="utf-8")
        return
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:  # `prguard review | head`: not an error
        sys.stderr.close()
