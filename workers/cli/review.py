"""`prguard review`: review the diff between two refs of a local repository (or the bundled example)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from prguard.cli import EXIT_GATE_FAILED, EXIT_OK, CliError
from prguard.cli.gitrepo import INDEX, GitRepo
from prguard.engine.gate import FAIL_ON_CHOICES, gate_policy_change
from prguard.engine.model import ChangedFile, PullRequestInfo, ReviewResult
from prguard.policies.changes import REPO_POLICY_PATH
from prguard.policies.loader import decode_policy_bytes, load_policy
from prguard.policies.model import Policy, deep_merge

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
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    rule_files: dict[str, str] = {}
    if args.example:
        if args.base or args.head:
            raise CliError("--example reviews a bundled change; it takes no --base/--head")
        from prguard.cli.example import load_example

        example = load_example()
        files, pull, notes = example.files, example.pull, [example.note]
        policy = _policy_from_file(args.policy) if args.policy else load_policy()
    else:
        if args.staged and (args.base or args.head):
            raise CliError("--staged reviews the index against HEAD; it takes no --base/--head")
        files, pull, policy, notes, rule_files = _read_repository(args)

    policy = with_fail_on(policy, getattr(args, "fail_on", None))
    provenance = None
    if not args.example and not args.staged and pull.commits:
        from prguard.cli.provenance_git import GitProvenance

        provenance = GitProvenance(GitRepo(args.repo), [c.sha for c in pull.commits], pull.commits[-1].sha)
    repository = None
    if not args.example and not getattr(args, "no_impact", False):
        from prguard.cli.impact import snapshot_from_git

        repository = snapshot_from_git(GitRepo(args.repo), INDEX if args.staged else args.head or "HEAD")
    result = review_change(
        files,
        pull,
        policy,
        notes,
        rule_files,
        check_policy=not args.example,
        provenance=provenance,
        repository=repository,
    )
    _write(render(result, args.format, {f.path: f.head for f in files}), args.output)
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
    """Review a change read from anywhere (refs, the index, an Action's event) the way the App does."""
    from prguard.engine.review import review

    result = review(files, policy, pull, rule_files=rule_files, provenance=provenance, repository=repository)
    if result.policy is None:
        result.policy = policy
    result.notes.extend(n for n in notes if n)
    if check_policy:
        gate_policy_change(result, files)
    return result


def with_fail_on(policy: Policy, fail_on: str | None) -> Policy:
    """The policy with its gate (and its stricter AI-authored gate, if any) set to `fail_on`."""
    if not fail_on:
        return policy
    override: dict = {"gate": {"fail_on": fail_on}}
    if (policy.get("ai_authored", "gate", default=None) or {}).get("fail_on") is not None:
        override["ai_authored"] = {"gate": {"fail_on": fail_on}}
    return Policy(deep_merge(policy.data, override), (*policy.sources, f"--fail-on {fail_on}"), policy.errors)


def render(result: ReviewResult, fmt: str, sources: dict[str, bytes | None] | None = None) -> str:
    """The report in one of FORMATS; `sources` (head contents by path) sharpen SARIF line hashes."""
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


def _read_repository(
    args: argparse.Namespace,
) -> tuple[list[ChangedFile], PullRequestInfo, Policy, list[str], dict[str, str]]:
    repo = GitRepo(args.repo)
    if getattr(args, "staged", False):
        base_sha = repo.head_or_empty_tree()
        files = repo.changed_files(base_sha, INDEX)
        pull = PullRequestInfo(head_ref=repo.current_branch(), base_ref="HEAD")
        policy, notes, rule_files = read_policy(repo, base_sha, "HEAD", args.policy)
        return files, pull, policy, notes, rule_files
    head_sha = repo.resolve(args.head or "HEAD")
    if args.base:
        base_sha, base_ref = repo.resolve(args.base), args.base
    else:
        default = repo.default_branch()
        base_sha, base_ref = repo.merge_base(default, head_sha), default.removeprefix("origin/")
    if not args.head or args.head == "HEAD":
        head_ref = repo.current_branch()
    else:
        head_ref = args.head.removeprefix("refs/heads/")

    files = repo.changed_files(base_sha, head_sha)
    pull = repo.pull_request_info(base_sha, head_sha, base_ref=base_ref, head_ref=head_ref)
    policy, notes, rule_files = read_policy(repo, base_sha, base_ref, args.policy)
    return files, pull, policy, notes, rule_files


def read_policy(
    repo: GitRepo, base_sha: str, base_ref: str, policy_file: str | None
) -> tuple[Policy, list[str], dict[str, str]]:
    """The policy (`policy_file`, else the repository's at the base) and its Semgrep rule files."""
    notes: list[str] = []
    if policy_file:
        policy = _policy_from_file(policy_file)
    else:
        text = repo.read_blobs([f"{base_sha}:{POLICY_PATH}"])[f"{base_sha}:{POLICY_PATH}"]
        source = f"{POLICY_PATH} at {base_ref} ({base_sha[:7]})"
        policy = (
            load_policy(repo_text=decode_policy_bytes(text, source), repo_source=source)
            if text is not None
            else load_policy()
        )
    from prguard.cli.rule_sources import read_rule_files

    rules = read_rule_files(repo, base_sha, policy)  # Semgrep rules, at the base ref like the policy
    notes.extend(rules.problems)
    return policy, notes, rules.texts


def _policy_from_file(path: str) -> Policy:
    data = Path(path).read_bytes()
    return load_policy(repo_text=decode_policy_bytes(data, path), repo_source=path)


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
