"""`python -m prguard.engine PATH...`: review files on disk as if every one were newly added.

No git, GitHub, Redis or Celery: the engine alone, with the built-in default policy
(or `--policy FILE`). Used by `tests/benchmarks/engine.py` as the engine's command line,
and handy to see what prguard thinks of a whole directory.
Exit status: 0 when the gate passes, 1 when it fails, 2 for bad arguments or policy.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from prguard.engine.model import ChangedFile


def collect(paths: list[str], pattern: str = "*.py") -> list[ChangedFile]:
    """Every file under `paths` (directories are walked for `pattern`), as an added file."""
    files: list[ChangedFile] = []
    for raw in paths:
        root = Path(raw)
        found = sorted(root.rglob(pattern)) if root.is_dir() else [root]
        for path in found:
            if path.is_file():
                name = path.relative_to(root.parent) if root.is_dir() else Path(path.name)
                files.append(ChangedFile(name.as_posix(), "added", path.read_bytes(), None))
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m prguard.engine", description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+", help="files or directories (walked for *.py)")
    parser.add_argument("--policy", help="a prguard policy file (default: the built-in default)")
    parser.add_argument("--json", action="store_true", help="print the full JSON result")
    parser.add_argument("--analyzers", help="comma-separated analyzer names to run (default: all registered)")
    args = parser.parse_args(argv)

    # loaded after parsing, so `--help` and usage errors answer at once (start-up time)
    from prguard.engine.plugin import registry
    from prguard.engine.review import review
    from prguard.policies.loader import load_policy
    from prguard.policies.model import PolicyError

    try:
        text = Path(args.policy).read_text(encoding="utf-8") if args.policy else None
        policy = load_policy(repo_text=text, repo_source=args.policy or ".github/prguard.yml")
    except (OSError, PolicyError) as error:
        print(f"prguard: {error}", file=sys.stderr)
        return 2
    missing = [p for p in args.paths if not Path(p).exists()]
    if missing:
        print(f"prguard: no such file or directory: {', '.join(missing)}", file=sys.stderr)
        return 2
    analyzers = registry()
    if args.analyzers:
        wanted = {name.strip() for name in args.analyzers.split(",") if name.strip()}
        unknown = wanted - {a.name for a in analyzers}
        if unknown:
            print(f"prguard: unknown analyzer(s): {', '.join(sorted(unknown))}", file=sys.stderr)
            return 2
        analyzers = [a for a in analyzers if a.name in wanted]
    result = review(collect(args.paths), policy, analyzers=analyzers)
    if args.json:
        print(json.dumps(result.to_dict(), indent=2))
    else:
        stats = result.stats
        print(
            f"{result.conclusion}: {len(result.findings)} finding(s) in {stats['files_reviewed']} file(s), "
            f"{stats['files_skipped']} skipped, {len(result.suppressed)} suppressed, "
            f"{stats['duration_ms'] / 1000:.2f} s"
        )
    return 1 if result.conclusion == "failure" else 0


if __name__ == "__main__":
    sys.exit(main())
