"""`prguard authorship`: who wrote a pull request, from the JSON GitHub's REST API returns.

Save `GET /repos/{o}/{r}/pulls/{n}`, `.../pulls/{n}/commits` and optionally
`.../pulls/{n}/files` (e.g. with `gh api`) and pass the files; the verdict is
printed as JSON, the same `authorship` object the review result carries.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from prguard.cli import EXIT_OK, CliError
from prguard.github.rest_shapes import RestShapeError, changed_files, pull_request_info
from prguard.policies.loader import load_policy
from prguard.policies.model import Policy


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "authorship",
        help="detect which AI coding agents wrote a pull request (from GitHub REST JSON)",
        description=(
            "Detect AI-authorship markers on a pull request: agent accounts and addresses, commit "
            "trailers, vendor footers, agent branch shapes and labels, and in-code phrases. Prints "
            'the verdict as JSON: {"ai_authored", "agents": [{"id", "confidence", "evidence"}], "commits"}.'
        ),
    )
    parser.add_argument(
        "--pull", required=True, metavar="PULL.json", help="the pull request: GET /repos/{o}/{r}/pulls/{n}"
    )
    parser.add_argument(
        "--commits", required=True, metavar="COMMITS.json", help="its commits: GET .../pulls/{n}/commits"
    )
    parser.add_argument(
        "--files",
        metavar="FILES.json",
        help="its files: GET .../pulls/{n}/files (the patches hold the added code)",
    )
    parser.add_argument(
        "--policy", metavar="FILE", help="policy file (its `authorship:` and `ai_authored.label`)"
    )
    parser.set_defaults(handler=run)


def _read_text(path: str, what: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise CliError(f"{path}: {what} is not UTF-8 text ({exc.reason})") from None


def _read_json(path: str, what: str) -> Any:
    try:
        return json.loads(_read_text(path, what))
    except json.JSONDecodeError as exc:
        raise CliError(f"{path}:{exc.lineno}: {what} is not valid JSON: {exc.msg}") from None


def _policy(path: str | None) -> Policy:
    if not path:
        return load_policy()
    return load_policy(repo_text=_read_text(path, "the policy"), repo_source=path)


def run(args: argparse.Namespace) -> int:
    # the detector and its tables load on use (`prguard` start-up time)
    from prguard.analyzers.authorship import detect_authorship

    pull_json = _read_json(args.pull, "the pull request")
    commits_json = _read_json(args.commits, "the commit list")
    files_json = _read_json(args.files, "the file list") if args.files else []
    try:
        pull = pull_request_info(pull_json, commits_json)
        files = changed_files(files_json)
    except RestShapeError as exc:
        raise CliError(f"{exc} (expected the JSON GitHub's REST API returns)") from None
    verdict = detect_authorship(pull, files, _policy(args.policy))
    print(json.dumps(verdict.to_dict(), indent=2, ensure_ascii=False))
    return EXIT_OK
