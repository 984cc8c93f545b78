"""False alarms on safe code written by others, and TPR - FPR per family on outside snippets.

Run by hand: `.venv/bin/python -m tests.benchmarks.safe_snippets [--round N ...]`.

Corpus: tests/corpora/safe_snippets/ (manifest.yml): the safe twins other security scanners ship
beside their vulnerable fixtures (safe/, fixed/, clean files) and the code strings of their tests
that expect no finding, each labelled by reading with the weakness it is the safe form of (CWE,
family) and a verdict: `safe`, or `flawed` when the safeguard does not hold. Only `safe` files are
negatives. A tool raises a false alarm on a file when it reports a medium or high finding of the
file's family there (bandit by test id, as in security_web); "any" counts every medium or high
finding that names a weakness.

Every round is held back whole and printed on its own; a round is chosen with --round N (once, at
the end). Beside each round of safe files, the insecure snippets of the same round (security_web's
round N, or rounds 1 and 2 for safe round 1, whose packages they come from) give the TPR, so each
family is scored TPR - FPR on outside code, prguard and bandit side by side.

Files are reviewed under their corpus names (`pkg_views.py`): the first runs were made so. With
--in-package a whole file is reviewed at the path its `source` names (`pkg/views.py`), as a pull
request to its package shows it, with the other files the corpus stores of that package as the rest
of the repository: the package's own imports are then project code, followed into those files and
otherwise unknown, rather than the data handed in (the insecure side's TPR is unchanged either way).

The files labelled flawed are not negatives; each round also says on how many of them each tool
reports a finding of the file's family (real weaknesses in ordinary application code).
"""

from __future__ import annotations

import argparse
import logging
import warnings
from collections import defaultdict

import yaml
from prguard.index.snapshot import RepositorySnapshot

from tests.benchmarks.security_web import (
    CORPORA,
    SNIPPET_TOOLS,
    SNIPPETS,
    load_snippets,
    package_path,
    score_snippet,
    snippet_findings,
)

SAFE = CORPORA / "safe_snippets"
#: The insecure rounds whose packages each safe round's files come from.
#: Rounds 15-19, 21, 23-27, 30-38 and 40-400 are safe side only: ordinary application code (with files
#: labelled flawed from round 21 on); the others pair with the insecure round of the same number.
INSECURE_ROUNDS_OF: dict[int, frozenset[int | None]] = {
    1: frozenset({None, 3, 4, 5, 6}),
    **{n: frozenset({n}) for n in range(7, 401)},
}


def load_safe() -> list[dict]:
    """The manifest's entries; every one held back and of a known round."""
    entries = yaml.safe_load((SAFE / "manifest.yml").read_text())["snippets"]
    for entry in entries:
        assert entry.get("held_back") is True and entry.get("round") in INSECURE_ROUNDS_OF, entry["file"]
        assert entry["verdict"] in ("safe", "flawed"), entry["file"]
    return entries


def false_alarms(
    entry: dict, in_package: bool = False
) -> tuple[dict, dict[str, list[str]], dict[str, list[str]]]:
    """An entry, each tool's medium or high findings on it, and those of the entry's family;
    with `in_package`, a whole file is reviewed at its path in its package (see `package_path`)."""
    path = package_path(entry) if in_package else None
    found = snippet_findings(SAFE, entry["file"], path, package_repository(entry) if path else None)
    family = entry.get("family")
    return (
        entry,
        {t: [f"{rule}:{start}" for _, start, _, _, rule in f] for t, f in found.items()},
        {
            t: [f"{rule}:{start}" for _, start, _, fam, rule in f if family and fam == family]
            for t, f in found.items()
        },
    )


def package_repository(entry: dict) -> RepositorySnapshot:
    """The rest of an entry's package as the corpus stores it: the other whole files of its folder
    (either side), each at its path in the package, with the package's `__init__.py` files."""
    folder = entry["file"].split("/", 1)[0]
    files: dict[str, bytes] = {}
    for root, other in [(SAFE, e) for e in load_safe()] + [(SNIPPETS, e) for e in load_snippets()]:
        path = package_path(other)
        if path and other["file"].split("/", 1)[0] == folder and other["file"] != entry["file"]:
            files[path] = (root / other["file"]).read_bytes()
    for path in list(files):
        parts = path.split("/")[:-1]
        for depth in range(1, len(parts) + 1):
            files.setdefault("/".join(parts[:depth]) + "/__init__.py", b"")
    return RepositorySnapshot.from_files(files)


def report_round(number: int, in_package: bool = False) -> None:
    entries = [e for e in load_safe() if e["round"] == number]
    flawed = [e for e in entries if e["verdict"] == "flawed"]
    rows = [false_alarms(e, in_package) for e in entries if e["verdict"] == "safe"]
    where = ", whole files at their paths in their packages" if in_package else ""
    print(f"\n== Safe code written by others: round {number}, held back, labelled before any run{where} ==")
    print(f"  {len(rows)} safe files ({len(flawed)} more labelled flawed by reading, not counted)")
    if flawed:
        caught = [false_alarms(e, in_package) for e in flawed]
        cells = [f"{tool} {sum(bool(r[2][tool]) for r in caught)}/{len(caught)}" for tool in SNIPPET_TOOLS]
        print(f"    flawed files with a finding of their family: {'; '.join(cells)}")
        missed = [f"{r[0]['file']} ({r[0]['family']})" for r in caught if not r[2]["prguard"]]
        print(f"    flawed files prguard finds nothing of their family on: {'; '.join(missed) or '-'}")
    for tool in SNIPPET_TOOLS:
        fam_rows = [r for r in rows if r[0].get("family")]
        fam = sum(bool(r[2][tool]) for r in fam_rows)
        anything = sum(bool(r[1][tool]) for r in rows)
        print(
            f"    {tool:24} false alarm of the file's family {fam}/{len(fam_rows)}; "
            f"any medium/high finding {anything}/{len(rows)}"
        )
    for tool in ("prguard", "prguard, every analyzer"):
        listed = [f"{r[0]['file']} ({', '.join(r[1][tool])})" for r in rows if r[1][tool]]
        print(f"  {tool} reports on: {'; '.join(listed) or '-'}")
    insecure = [
        score_snippet(e)
        for e in load_snippets()
        if e.get("round") in INSECURE_ROUNDS_OF[number] and e.get("family")
    ]
    per_family(insecure, [r for r in rows if r[0].get("family")])


def per_family(insecure: list, safe: list) -> None:
    """TPR over the insecure files of a family, FPR over its safe files, for each tool."""
    positives: dict[str, list] = defaultdict(list)
    negatives: dict[str, list] = defaultdict(list)
    for row in insecure:
        positives[row[0]["family"]].append(row)
    for row in safe:
        negatives[row[0]["family"]].append(row)
    print(f"  -- per family: TPR (n) / FPR (n) (TPR-FPR), {' | '.join(SNIPPET_TOOLS)}")
    for family in [*sorted(set(positives) | set(negatives)), "overall"]:
        pos = insecure if family == "overall" else positives[family]
        neg = safe if family == "overall" else negatives[family]
        cells = []
        for tool in SNIPPET_TOOLS:
            tpr = sum(r[2][tool] for r in pos) / len(pos) if pos else 0.0
            fpr = sum(bool(r[2][tool]) for r in neg) / len(neg) if neg else 0.0
            cells.append(f"{tpr:.2f} / {fpr:.2f} ({tpr - fpr:+.2f})")
        print(f"    {family:16} n={len(pos):<3}/{len(neg):<3} {' | '.join(cells)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--round",
        type=int,
        action="append",
        choices=sorted(INSECURE_ROUNDS_OF),
        required=True,
        help="a held-back round to score (once, at the end)",
    )
    parser.add_argument(
        "--in-package",
        action="store_true",
        help="review each whole file at its path in its package, as a pull request there shows it",
    )
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    warnings.filterwarnings("ignore", category=SyntaxWarning)
    for number in args.round:
        report_round(number, args.in_package)


if __name__ == "__main__":
    main()
