"""`prguard trace`: for each frame of a failure in this repository, the function and the changes
that last touched it (pull request, commit, date, AI authorship and share, findings at merge).

Input: a Python traceback (stdin or --file), a Sentry event JSON, or an OpenTelemetry exception
(prguard.ledger.frames). Source: the change ledger when DATABASE_URL is set (merge records carry
the findings open at merge), else the local git history (prguard.cli.trace_git).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

from prguard.cli import EXIT_OK, CliError

FORMATS = ("text", "json")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "trace",
        help="name the changes behind a failure's stack frames (traceback, Sentry event, OpenTelemetry)",
        description=(
            "Read a Python traceback, a Sentry event JSON or an OpenTelemetry exception and, for each "
            "frame in the repository, print the function and its recent changes newest first: pull "
            "request, commit, date, whether an AI agent wrote it (and which), the share of the "
            "function's current lines an agent wrote, and the findings open when it merged. Source: "
            "the change ledger when DATABASE_URL is set, else local git history."
        ),
    )
    parser.add_argument("--repo", default=".", metavar="PATH", help="the repository (default: .)")
    parser.add_argument("--file", metavar="FILE", help="read the input from FILE (default: standard input)")
    parser.add_argument("--format", choices=FORMATS, default="text", help="output format (default: text)")
    parser.add_argument("--limit", type=int, default=5, metavar="N", help="changes per frame (default: 5)")
    parser.add_argument(
        "--source",
        choices=("auto", "git", "ledger"),
        default="auto",
        help="auto: the ledger when DATABASE_URL is set, else git (default: auto)",
    )
    parser.add_argument(
        "--repository",
        metavar="OWNER/NAME",
        help="the repository's GitHub name for the ledger (default: from the 'origin' remote)",
    )
    parser.set_defaults(handler=run)


def _read_input(path: str | None) -> str:
    if path:
        try:
            with open(path, encoding="utf-8") as handle:
                return handle.read()
        except UnicodeDecodeError as exc:
            raise CliError(f"{path}: not UTF-8 text ({exc.reason})") from None
    if sys.stdin.isatty():
        raise CliError("no input: pipe a traceback, Sentry event or OpenTelemetry exception, or use --file")
    return sys.stdin.read()


def run(args: argparse.Namespace) -> int:
    from prguard.ledger.frames import FrameError, parse_frames

    if args.limit < 1 or args.limit > 100:
        raise CliError("--limit must be between 1 and 100")
    try:
        kind, frames = parse_frames(_read_input(args.file))
    except FrameError as exc:
        raise CliError(str(exc)) from None
    use_ledger = args.source == "ledger" or (
        args.source == "auto" and os.environ.get("DATABASE_URL", "").strip()
    )
    result = _from_ledger(args, frames) if use_ledger else _from_git(args, frames)
    result["input"] = kind
    print(json.dumps(result, indent=2) if args.format == "json" else render_text(result))
    return EXIT_OK


def _from_git(args: argparse.Namespace, frames: list) -> dict[str, Any]:
    from prguard.cli.gitrepo import GitRepo
    from prguard.cli.trace_git import GitTrace

    tracer = GitTrace(GitRepo(args.repo), limit=args.limit)
    out = [answer for frame in frames if (answer := tracer.frame(frame)) is not None]
    return {"source": "git", "frames": out}


def _from_ledger(args: argparse.Namespace, frames: list) -> dict[str, Any]:
    from prguard.cli.gitrepo import GitRepo
    from prguard.ledger.trace import LedgerUnavailable, trace_frames

    full_name = args.repository or _origin_name(GitRepo(args.repo))
    if not full_name:
        raise CliError("the ledger needs the repository's OWNER/NAME: pass --repository")
    tracked = None
    try:
        tracked = [p for p in GitRepo(args.repo).git("ls-files").splitlines() if p]
    except Exception:  # no local checkout: frame paths are matched against the ledger's own paths
        tracked = None
    try:
        answer = trace_frames(full_name, frames, limit=args.limit, tracked=tracked)
    except LedgerUnavailable as exc:
        raise CliError(f"the change ledger is not reachable: {exc}") from None
    return {"source": "ledger", **answer}


def _origin_name(repo: Any) -> str | None:
    from prguard.ledger.trace import github_name

    url = repo.git("config", "--get", "remote.origin.url", check=False).strip()
    return github_name(url)


def render_text(result: dict[str, Any]) -> str:
    lines: list[str] = []
    frames = result.get("frames") or []
    if not frames:
        return "No frame of the input is in this repository."
    for frame in frames:
        lines.append(f"{frame['path']}:{frame['line']} in {frame['function']}")
        if not frame["changes"]:
            lines.append("    no recorded change")
        for change in frame["changes"]:
            pull = f"PR #{change['pull']}" if change.get("pull") is not None else "no PR"
            who = f"AI ({', '.join(change['agents'])})" if change.get("ai_authored") else "no AI marker"
            share = change.get("ai_line_share")
            share_text = f", {share:.0%} of the function's lines by an agent" if share else ""
            findings = change.get("findings")
            found = f", {len(findings)} finding(s) open at merge" if isinstance(findings, list) else ""
            date = (change.get("date") or "")[:10]
            lines.append(
                f"    {date} {pull} {str(change.get('commit') or '')[:9]} {change.get('title') or ''}"
                f" — {who}{share_text}{found}"
            )
            for finding in (findings or [])[:5]:
                rule = f"{finding.get('severity', '')} {finding.get('rule_id', '')}"
                lines.append(f"        {rule}: {finding.get('title', '')}")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
