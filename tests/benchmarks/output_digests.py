"""Output digests: prints an MD5 of prguard's reports on fixed inputs, to show a change left the
output alone (run before and after, compare). Timings are blanked before hashing.

Run by hand: `.venv/bin/python -m tests.benchmarks.output_digests [--base REF --head REF]`.

Inputs: the bundled example (`prguard review --example`, every format), a range of this
repository's own history (`prguard review --base --head`, JSON, SARIF, Markdown), and the taint
corpus (tests/benchmarks/corpus/taint, each case as an added file, `python -m prguard.engine`).
Exit codes are printed with the digests. Other work changes these figures too: compare two trees
that differ only by the change being checked (`git worktree` or `git archive`). Run it twice and
keep the second: the impact analyzer's repository index counts files it had to extract, which is
0 once its cache is warm.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TAINT_CORPUS = ROOT / "tests" / "benchmarks" / "corpus" / "taint"
_TIMINGS = re.compile(rb'"duration_ms": [0-9.]+|[0-9]+\.[0-9]+ s\b')


def digest(command: list[str], cwd: Path) -> tuple[str, int]:
    done = subprocess.run(command, cwd=cwd, capture_output=True, timeout=600)
    return hashlib.md5(_TIMINGS.sub(b"X", done.stdout)).hexdigest(), done.returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="4095e13", help="base of the git range reviewed (default 4095e13)")
    parser.add_argument("--head", default="2e47581", help="head of the git range reviewed (default 2e47581)")
    args = parser.parse_args(argv)
    prguard = [sys.executable, "-m", "prguard.cli", "review"]
    rows: list[tuple[str, str, int]] = []
    for fmt in ("json", "sarif", "markdown", "text"):
        rows.append((f"example.{fmt}", *digest([*prguard, "--example", "--format", fmt], ROOT)))
    for fmt in ("json", "sarif", "markdown"):
        command = [*prguard, "--repo", str(ROOT), "--base", args.base, "--head", args.head, "--format", fmt]
        rows.append((f"range.{fmt}", *digest(command, ROOT)))
    with tempfile.TemporaryDirectory() as tmp:
        cases = Path(tmp) / "taint"
        cases.mkdir()
        for case in sorted(TAINT_CORPUS.glob("*.py.txt")):
            shutil.copyfile(case, cases / case.name.removesuffix(".txt"))
        rows.append(
            ("taint.json", *digest([sys.executable, "-m", "prguard.engine", "--json", "taint"], Path(tmp)))
        )
    for name, md5, code in rows:
        print(f"{md5}  {name}  exit {code}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
