"""`prguard impact SYMBOL`: who calls a function, method or class, across the whole repository.

The same index the review's impact analyzer uses (prguard.index), built from the local git
tree of a commit (default HEAD) and cached by blob id, so a second run reads only the files
that changed since.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from prguard.cli import EXIT_OK, CliError
from prguard.cli.gitrepo import INDEX, GitRepo
from prguard.index.snapshot import FactsCache, RepositorySnapshot, default_cache_dir

#: call sites printed per symbol unless --all
DEFAULT_LIMIT = 50


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "impact",
        help="list the callers of a function, method or class across the repository",
        description=(
            "List every place in the repository that calls (or otherwise references) one function, "
            "method or class, resolved as Python resolves names: imports and aliases, relative "
            "imports, module attributes, re-exports, self/cls, instances. SYMBOL is a qualified name "
            "(billing.pricing.charge), a path and qualname (billing/pricing.py:Cart.total) or a "
            "short name (charge, Cart.total). Exit status: 0 found, 2 no such symbol or a git error."
        ),
    )
    parser.add_argument("symbol", metavar="SYMBOL", help="the function, method or class")
    parser.add_argument("--repo", default=".", metavar="PATH", help="repository (default: .)")
    parser.add_argument("--rev", default="HEAD", metavar="REF", help="commit to index (default: HEAD)")
    parser.add_argument("--format", choices=("text", "json"), default="text", help="output format")
    parser.add_argument(
        "--all-references",
        action="store_true",
        help="list every reference (imports, attribute reads, callbacks), not only calls",
    )
    parser.add_argument(
        "--limit",
        type=int,
        default=DEFAULT_LIMIT,
        metavar="N",
        help=f"sites listed per symbol ({DEFAULT_LIMIT})",
    )
    parser.add_argument("--no-cache", action="store_true", help="index every file again (no facts cache)")
    parser.set_defaults(handler=run)


def snapshot_from_git(repo: GitRepo, rev: str, *, cache: bool = True) -> RepositorySnapshot:
    """The Python files of `rev` (a commit, or INDEX: the staged tree) of a local repository."""
    commit = rev if rev == INDEX else repo.resolve(rev)
    blobs = repo.python_blobs(commit)

    def read(paths: list[str]) -> dict[str, bytes]:
        found = {p: content for p in paths if (content := repo.work_tree_blob(p, blobs[p])) is not None}
        rest = [p for p in paths if p not in found]
        contents = repo.read_blobs(blobs[p] for p in rest) if rest else {}
        found.update((p, content) for p in rest if (content := contents.get(blobs[p])) is not None)
        return found

    facts_cache = FactsCache(default_cache_dir(), namespace=f"git:{repo.root}") if cache else None
    return RepositorySnapshot(blobs, read, label=f"{repo.root}@{commit[:12]}", cache=facts_cache)


def run(args: argparse.Namespace) -> int:
    if args.limit < 0:
        raise CliError("--limit must be 0 or more")
    repo = GitRepo(args.repo)
    snapshot = snapshot_from_git(repo, args.rev, cache=not args.no_cache)
    index = snapshot.index()
    snapshot.save_facts()  # the next run (or review) reads them from one pack
    matches = index.find(args.symbol)
    if not matches:
        raise CliError(f"no function, method or class {args.symbol!r} in {snapshot.label}")
    references = index.references_to(m.key for m in matches)
    rows: list[dict[str, Any]] = []
    for symbol in matches:
        refs = sorted(references[symbol.key], key=lambda r: (r.path, r.line, r.column))
        calls = [r for r in refs if r.is_call]
        listed = refs if args.all_references else calls
        rows.append(
            {
                "name": symbol.key,
                "kind": symbol.definition.kind,
                "path": symbol.path,
                "line": symbol.definition.line,
                "call_sites": len(calls),
                "references": len(refs),
                "importing_modules": len({r.path for r in refs if r.path != symbol.path}),
                "sites": [
                    {"path": r.path, "line": r.line, "enclosing": r.enclosing, "call": r.is_call}
                    for r in listed[: args.limit]
                ],
                "sites_more": max(0, len(listed) - args.limit),
            }
        )
    if args.format == "json":
        text = json.dumps({"symbol": args.symbol, "revision": snapshot.label, "matches": rows}, indent=2)
    else:
        text = _text(rows, _lines_of(snapshot, rows))
    sys.stdout.write(text + "\n")
    return EXIT_OK


def _lines_of(snapshot: RepositorySnapshot, rows: list[dict[str, Any]]) -> dict[str, list[str]]:
    paths = sorted({site["path"] for row in rows for site in row["sites"]})
    contents = snapshot.read(paths) if paths else {}
    return {p: c.decode("utf-8", "replace").splitlines() for p, c in contents.items()}


def _text(rows: list[dict[str, Any]], lines: dict[str, list[str]]) -> str:
    out: list[str] = []
    for row in rows:
        out.append(
            f"{row['name']} ({row['kind']}, {row['path']}:{row['line']}): {row['call_sites']} call site(s) "
            f"in {row['importing_modules']} other module(s), {row['references']} reference(s)"
        )
        for site in row["sites"]:
            source = lines.get(site["path"], [])
            code = source[site["line"] - 1].strip() if 0 < site["line"] <= len(source) else ""
            where = f" in {site['enclosing']}" if site["enclosing"] else ""
            out.append(f"  {site['path']}:{site['line']}{where}: {code[:100]}")
        if row["sites_more"]:
            out.append(f"  … and {row['sites_more']} more")
    return "\n".join(out)
