"""The repository index's references against an independent oracle: jedi's `get_references`.

    .venv/bin/python tests/benchmarks/impact_oracle.py                      # dev sample (seed 0)
    .venv/bin/python tests/benchmarks/impact_oracle.py --seed 1 --report /tmp/held.txt   # held back

For each project (a PyPI sdist, unpacked under --sdist-dir and downloaded with pip when
missing) the functions, methods and classes of its package are indexed; a seeded random
sample of them (the sample size is split evenly across projects) is looked up in both:
prguard's `RepositoryIndex.references_to` and jedi's `Script.get_references(scope="project")`
at the definition's name. References are compared by (path, line), the definition itself
left out (jedi counts `from m import f` as a definition of f there; both count it as a use).
Printed: micro-averaged recall and precision against jedi per project and overall, and
every disagreement (with its source line) to --report for reading.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "benchmarks"))

from index import sdist_source  # noqa: E402  (the same sdist helper as the index benchmark)

#: (PyPI project, the folder inside its sdist that is on sys.path, the package folder under it)
PROJECTS = (("click", "src", "click"), ("rich", "", "rich"), ("httpx", "", "httpx"))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sample", type=int, default=200, help="functions in all (split across projects)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--sdist-dir", type=Path, default=Path("/tmp/prguard-sdists"))
    parser.add_argument("--report", type=Path, help="write every disagreement here")
    args = parser.parse_args()

    import jedi
    from prguard.index.snapshot import RepositorySnapshot

    totals = [0, 0, 0]  # both, jedi only, prguard only
    report: list[str] = []
    per_project = args.sample // len(PROJECTS)
    for name, sys_path, package in PROJECTS:
        source = sdist_source(name, args.sdist_dir)
        root = source / sys_path if sys_path else source
        files = {str(p.relative_to(root)): p.read_bytes() for p in sorted((root / package).rglob("*.py"))}
        index = RepositorySnapshot.from_files(files).index()
        candidates = sorted(
            k for k, s in index.symbols.items() if s.definition.kind in ("function", "method", "class")
        )
        chosen = random.Random(args.seed).sample(candidates, min(per_project, len(candidates)))
        ours_by_key = index.references_to(chosen)
        project = jedi.Project(str(root), added_sys_path=[str(root)])
        counts = [0, 0, 0]
        started = time.perf_counter()
        for key in chosen:
            symbol = index.symbols[key]
            text = files[symbol.path].decode("utf-8")
            line_text = text.splitlines()[symbol.definition.line - 1]
            match = re.search(rf"\b(?:def|class)\s+({re.escape(symbol.name)})\b", line_text)
            if match is None:
                continue
            script = jedi.Script(text, path=str(root / symbol.path), project=project)
            jedi_refs = {
                (str(Path(r.module_path).relative_to(root)), r.line)
                for r in script.get_references(symbol.definition.line, match.start(1), scope="project")
                if r.module_path is not None and str(r.module_path).startswith(str(root / package))
            }
            jedi_refs.discard((symbol.path, symbol.definition.line))
            ours = {(r.path, r.line) for r in ours_by_key[key]}
            both, only_jedi, only_ours = ours & jedi_refs, jedi_refs - ours, ours - jedi_refs
            counts[0] += len(both)
            counts[1] += len(only_jedi)
            counts[2] += len(only_ours)
            for side, items in (("jedi only", only_jedi), ("prguard only", only_ours)):
                for path, line in sorted(items):
                    code = files[path].decode("utf-8", "replace").splitlines()[line - 1].strip()
                    report.append(f"{name}\t{key}\t{side}\t{path}:{line}\t{code[:120]}")
        elapsed = time.perf_counter() - started
        _print(f"{name} ({len(chosen)} symbols, jedi {elapsed:.0f} s)", counts)
        for i in range(3):
            totals[i] += counts[i]
    _print(f"all ({args.sample} symbols, seed {args.seed})", totals)
    if args.report:
        args.report.write_text("\n".join(report) + "\n", encoding="utf-8")
        print(f"{len(report)} disagreements written to {args.report}")


def _print(label: str, counts: list[int]) -> None:
    both, only_jedi, only_ours = counts
    recall = both / (both + only_jedi) if both + only_jedi else 1.0
    precision = both / (both + only_ours) if both + only_ours else 1.0
    print(
        f"{label}: recall {recall:.3f}  precision {precision:.3f}  "
        f"(agreed {both}, jedi only {only_jedi}, prguard only {only_ours})"
    )


if __name__ == "__main__":
    main()
