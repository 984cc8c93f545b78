"""Taint benchmark: detection and cost on the labelled corpus in tests/benchmarks/corpus/taint/.

Run by hand: `.venv/bin/python -m tests.benchmarks.taint [--rounds N]`.

Each case is one file of a realistic Flask or Django app, labelled with its CWE and
vulnerable or safe (manifest.yml). Every case is reviewed as its own pull request by
  (a) prguard's whole security pass: taint + security (bandit in-process) through the
      engine, de-duplicated, with pattern findings on sinks taint proved safe dropped;
  (b) bandit alone (its own manager, in-process, default settings);
  (c) prguard's pattern analyzers alone: the security analyzer through the engine.
A tool flags a case when it reports, anywhere in the file, a finding of the case's
weakness family (bandit files some sinks under neighbouring CWEs: eval under 78, XML
and yaml under 20, urlopen under 22) at the counted severity. The primary figures count
medium and high; figures counting every severity follow.

Cost: the whole security pass on all case files (one review) against bandit alone and
against the pattern pass on the same files, medians of --rounds runs in this process.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml
from prguard.analyzers.security import SecurityAnalyzer
from prguard.analyzers.taint import TaintAnalyzer
from prguard.engine.model import ChangedFile, Finding, Severity
from prguard.engine.review import review
from prguard.policies.loader import load_policy

CORPUS = Path(__file__).resolve().parent / "corpus" / "taint"

#: CWEs that count as reporting a family (the case's own CWE plus bandit's filing of it).
FAMILY = {
    89: {89},
    78: {78},
    95: {94, 95, 78},
    22: {22},
    79: {79, 80},
    601: {601},
    90: {90},
    643: {643},
    502: {502, 20},
    611: {611, 20},
    501: {501},
    113: {113},
    117: {117},
    918: {918, 22},
    730: {730, 1333},
    1336: {1336},
}


@dataclass(frozen=True)
class Case:
    name: str
    path: str  # the path it is reviewed under
    cwe: int
    vulnerable: bool
    code: str


@dataclass(frozen=True)
class Hit:
    """One reported weakness, reduced to what scoring needs."""

    cwe: int | None
    severity: Severity


def load_cases() -> list[Case]:
    manifest = yaml.safe_load((CORPUS / "manifest.yml").read_text())
    cases = []
    for entry in manifest["cases"]:
        name = entry["file"].removesuffix(".py.txt")
        code = (CORPUS / entry["file"]).read_text()
        cases.append(Case(name, f"corpus/{name}.py", int(entry["cwe"]), bool(entry["vulnerable"]), code))
    return cases


def _changed(case: Case) -> ChangedFile:
    return ChangedFile(path=case.path, status="added", head=case.code.encode(), base=None, patch=None)


POLICY = load_policy(repo_text="scope: changed_files\n")


def prguard_hits(case: Case, *, with_taint: bool) -> list[Hit]:
    analyzers = [SecurityAnalyzer(), TaintAnalyzer()] if with_taint else [SecurityAnalyzer()]
    result = review([_changed(case)], POLICY, analyzers=analyzers)
    return [_hit(f) for f in result.findings]


def _hit(finding: Finding) -> Hit:
    return Hit(finding.cwe, finding.severity)


def bandit_run(paths: Iterable[Path]) -> dict[str, list[Hit]]:
    """Bandit's own manager over files on disk, default profile, every severity and confidence."""
    from bandit.core import config as b_config
    from bandit.core import manager as b_manager

    logging.getLogger("bandit").setLevel(logging.CRITICAL)
    manager = b_manager.BanditManager(b_config.BanditConfig(), "file", profile={})
    manager.discover_files([str(p) for p in paths], recursive=False)
    manager.run_tests()
    out: dict[str, list[Hit]] = {}
    for issue in manager.get_issue_list():
        severity = (
            Severity(str(issue.severity).lower()) if str(issue.severity) != "UNDEFINED" else Severity.INFO
        )
        out.setdefault(Path(issue.fname).stem, []).append(Hit(issue.cwe.id or None, severity))
    return out


def flagged(case: Case, hits: list[Hit], minimum: Severity) -> bool:
    wanted = FAMILY[case.cwe]
    return any(h.cwe in wanted and h.severity.at_least(minimum) for h in hits)


def rates(cases: list[Case], hits: dict[str, list[Hit]], minimum: Severity) -> tuple[float, float]:
    vulnerable = [c for c in cases if c.vulnerable]
    safe = [c for c in cases if not c.vulnerable]
    tpr = sum(flagged(c, hits.get(c.name, []), minimum) for c in vulnerable) / len(vulnerable)
    fpr = sum(flagged(c, hits.get(c.name, []), minimum) for c in safe) / len(safe)
    return tpr, fpr


def time_interleaved(runs: dict[str, Callable[[], object]], rounds: int) -> dict[str, float]:
    """Median seconds of each run; rounds interleave the runs so machine load hits all alike."""
    for run in runs.values():
        run()  # warm-up: imports, bandit's test set, caches of rule tables
    times: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(rounds):
        for name, run in runs.items():
            started = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - started)
    return {name: statistics.median(values) for name, values in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7, help="timing repetitions (median is printed)")
    parser.add_argument("--details", action="store_true", help="list the cases each tool gets wrong")
    args = parser.parse_args()

    cases = load_cases()
    n_vuln = sum(c.vulnerable for c in cases)
    print(
        f"corpus: {len(cases)} cases ({n_vuln} vulnerable, {len(cases) - n_vuln} safe), "
        f"{len(FAMILY)} CWE families"
    )

    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for case in cases:
            path = Path(tmp) / f"{case.name}.py"
            path.write_text(case.code)
            paths.append(path)

        tools: dict[str, dict[str, list[Hit]]] = {
            "prguard security pass (taint + bandit)": {
                c.name: prguard_hits(c, with_taint=True) for c in cases
            },
            "bandit alone": bandit_run(paths),
            "prguard pattern analyzers alone": {c.name: prguard_hits(c, with_taint=False) for c in cases},
        }
        for minimum, label in ((Severity.MEDIUM, "medium and high"), (Severity.LOW, "every severity")):
            print(f"\ndetection, counting findings of {label}:")
            print(f"  {'tool':42} {'TPR':>6} {'FPR':>6} {'TPR-FPR':>8}")
            for tool, hits in tools.items():
                tpr, fpr = rates(cases, hits, minimum)
                print(f"  {tool:42} {tpr:6.2f} {fpr:6.2f} {tpr - fpr:8.2f}")

        if args.details:
            for tool, hits in tools.items():
                missed = [
                    c.name
                    for c in cases
                    if c.vulnerable and not flagged(c, hits.get(c.name, []), Severity.MEDIUM)
                ]
                noisy = [
                    c.name
                    for c in cases
                    if not c.vulnerable and flagged(c, hits.get(c.name, []), Severity.MEDIUM)
                ]
                print(
                    f"\n{tool}\n  missed: {', '.join(missed) or '-'}"
                    f"\n  false alarms: {', '.join(noisy) or '-'}"
                )

        changed = [_changed(c) for c in cases]
        timed = time_interleaved(
            {
                "full": lambda: review(changed, POLICY, analyzers=[SecurityAnalyzer(), TaintAnalyzer()]),
                "pattern": lambda: review(changed, POLICY, analyzers=[SecurityAnalyzer()]),
                "taint": lambda: review(changed, POLICY, analyzers=[TaintAnalyzer()]),
                "bandit": lambda: bandit_run(paths),
            },
            args.rounds,
        )
        full, pattern, taint_only, bandit = (timed[k] for k in ("full", "pattern", "taint", "bandit"))

    per_file = 1000 / len(cases)
    print(f"\ncost on {len(cases)} files (median of {args.rounds} runs, one review of all files):")
    print(f"  prguard security pass (taint + bandit): {full * per_file:6.2f} ms/file")
    print(f"  taint analyzer alone (through engine):  {taint_only * per_file:6.2f} ms/file")
    print(f"  prguard pattern analyzers alone:        {pattern * per_file:6.2f} ms/file")
    print(f"  bandit alone (its manager, in-process): {bandit * per_file:6.2f} ms/file")
    print(f"  ratio security pass / bandit alone:     {full / bandit:6.2f}x")
    print(f"  ratio security pass / pattern pass:     {full / pattern:6.2f}x")


if __name__ == "__main__":
    main()
