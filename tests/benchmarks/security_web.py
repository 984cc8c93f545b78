"""Security detection per family on real web advisories: prguard and bandit alone, side by side.

Run by hand: `.venv/bin/python -m tests.benchmarks.security_web [--held-back] [--batch2] [--batch3]
[--batch4] [--batch5] [--batch6] [--batch7] [--batch8] [--batch9] [--batch10] [--batch11] [--batch12]
[--batch13] [--batch14] [--batch15] [--batch16] [--batch17] [--batch18] [--batch19] [--batch20]
[--batch21] [--batch22] [--batch23] [--batch24] [--batch25] [--batch26] [--batch27] [--batch28]
[--snippets]
[--handwritten] [--mutations] [--snippets-only] [--round3] [--round4] [--round5] [--round6] [--round7]
[--round8] [--round9] [--round10] [--round11] [--round12] [--round13] [--round14] [--round20] [--round22]
[--round28]`.

Corpus: tests/corpora/security_web/ (manifest.yml): for each published advisory of a PyPI web
application or web library, the vulnerable and the first fixed release (pip download), only the
files the fix touched, labelled by reading before any run (family, CWE, the lines that carry the
flaw, and whether a static analyzer can flag it without knowing the project).

Both tools review the whole files of a case, vulnerable and fixed, as new files (prguard: the
security analyzer and taint together, all files of a case in one review, so flows between them are
followed; bandit: its own manager on each file). Only medium and high findings count, and only
findings of the case's family (by CWE for prguard; by test id for bandit, whose own CWE table files
B310 and B307 under path traversal and command injection; bandit's import-only B4xx warnings are
not counted):
- positive (per case): caught when such a finding lands within 3 lines of a flaw line;
- negative (per case): a false positive when such a finding lands in the fix's changed region of
  the fixed files (a finding's first line among the added or replaced lines and 3 lines around
  them, or the flaw lines when the fix left them as they were), except lines the manifest marks
  `still_flawed`.
TPR = caught / cases, FPR = cases with a false positive / cases, per family and overall, for all
cases and for those labelled SAST-detectable. The held-back part (ids whose sha256 starts with
0-5) is printed only with --held-back: run it once, at the end. The second batch (manifest
`batch: 2`: packages the first batch does not use, labelled and committed before any tool ran on
it) is held back whole and scored only with --batch2, on its own; the third batch (`batch: 3`, made the
same way) only with --batch3; the fourth batch (`batch: 4`, 14 packages no earlier batch uses, made the
same way) only with --batch4, also on its own; the fifth batch (`batch: 5`, 14 packages no earlier batch
uses, made the same way) only with --batch5, also on its own; the sixth batch (`batch: 6`, 14 packages
no earlier batch uses, made the same way) only with --batch6, also on its own; the seventh batch (`batch: 7`,
14 packages no earlier batch uses, made the same way) only with --batch7, also on its own; the eighth
and ninth (`batch: 8` and `batch: 9`, 14 packages each, A to L and M to Z, made the same way) only with
--batch8 and --batch9; the tenth to twenty-sixth the same way, each only with its own --batchN.

--snippets: the share of insecure snippet files written by others (tests/corpora/insecure_snippets,
labelled with a CWE by reading) on which each tool reports any medium or high finding, and any
finding of the labelled family; for prguard both the security pass above and its whole default
review (findings that name a CWE). Its held-back entries (manifest `held_back: true`) are scored only
with --held-back, and then printed apart; --snippets-only skips the web advisories. The third round
of snippets (manifest `round: 3`, labelled and committed before any run) is held back whole and
scored only with --round3, printed on its own; the fourth round (`round: 4`, made the same way from
four other tools' fixtures, tests and demo apps) only with --round4, also on its own; the fifth
(`round: 5`, two more tools' tests and a demo app) only with --round5; the sixth (`round: 6`, five
more tools' fixtures and tests) only with --round6; the seventh (`round: 7`, four more tools, whose
safe twins are in tests/corpora/safe_snippets: see tests/benchmarks/safe_snippets.py) only with
--round7; the eighth (`round: 8`, five more tools, both sides the same way) only with --round8; the
ninth (`round: 9`, a practice range and safeguard libraries) only with --round9; the tenth
(`round: 10`, five more tools, both sides) only with --round10; the eleventh (`round: 11`, eight
more packages, mostly web apps) only with --round11; the twelfth and thirteenth (`round: 12` and
`round: 13`, packages a-m and n-z, both sides) only with --round12 and --round13; the fourteenth
(`round: 14`, web applications) only with --round14; the twentieth (`round: 20`, LDAP filters and
random secrets in Flask extensions and password tools, both sides) only with --round20; the
twenty-second (`round: 22`, password hashing, cookies and code in ordinary packages, both sides) only
with --round22; the twenty-eighth (`round: 28`, whole files of published advisories of any weakness,
vulnerable and fixed releases as the two sides) only with --round28 (rounds 15 to 19, 21 and 23 to 27
are ordinary application code: see safe_snippets).
"""

from __future__ import annotations

import argparse
import difflib
import hashlib
import logging
import re
import warnings
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from prguard.analyzers.security import SecurityAnalyzer
from prguard.analyzers.taint import TaintAnalyzer
from prguard.engine.model import ChangedFile, Severity
from prguard.engine.review import review
from prguard.index.snapshot import RepositorySnapshot
from prguard.policies.loader import load_policy

from tests.benchmarks.security_outside import bandit_whole_file

CORPORA = Path(__file__).resolve().parents[1] / "corpora"
WEB = CORPORA / "security_web"
SNIPPETS = CORPORA / "insecure_snippets"
#: Rounds of snippets after the second: each held back whole and scored only on its own.
SNIPPET_ROUNDS = (3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 20, 22, 28, 29, 39)
NEAR = 3
MEDIUM = Severity.MEDIUM
POLICY = load_policy(repo_text="scope: changed_files\n")

FAMILY_CWES: dict[str, frozenset[int]] = {
    "path": frozenset({22, 23, 36, 73}),
    "ssrf": frozenset({918}),
    "command": frozenset({77, 78, 88}),
    "code": frozenset({94, 95}),
    "sql": frozenset({89}),
    "xss": frozenset({79, 80}),
    "redirect": frozenset({601}),
    "deserialization": frozenset({502}),
    "xxe": frozenset({611, 776, 827}),
    "ssti": frozenset({1336}),
    "cookie": frozenset({614, 1004}),
    "ldap": frozenset({90}),
    "weak-random": frozenset({330, 338}),
    "weak-hash": frozenset({327, 328, 916}),
    # the corpora file a client-written address taken as the client's (X-Forwarded-For, CWE-348) here
    "trust-boundary": frozenset({501, 348}),
    "header": frozenset({113, 93}),
}

# bandit's tests by the weakness they report (bandit's own CWE table is not used: it files B310,
# an urlopen of a variable URL, under CWE-22 and eval under CWE-78).
BANDIT_FAMILY: dict[str, str] = {
    **dict.fromkeys(("B102", "B307"), "code"),
    **dict.fromkeys(("B301", "B302", "B506", "B614"), "deserialization"),
    "B310": "ssrf",
    **dict.fromkeys(("B313", "B314", "B315", "B316", "B317", "B318", "B319", "B320"), "xxe"),
    **dict.fromkeys(("B601", "B602", "B603", "B604", "B605", "B606", "B607", "B609"), "command"),
    **dict.fromkeys(("B608", "B610", "B611"), "sql"),
    **dict.fromkeys(("B308", "B701", "B702", "B703", "B704"), "xss"),
    "B202": "path",
    "B311": "weak-random",
    **dict.fromkeys(("B303", "B324"), "weak-hash"),
}


def family_of_cwe(cwe: int | None) -> str | None:
    return next((name for name, cwes in FAMILY_CWES.items() if cwe in cwes), None)


@dataclass(frozen=True)
class WebCase:
    id: str
    family: str
    sast: bool
    held_back: bool
    vulnerable: dict[str, str]
    fixed: dict[str, str]
    flaw_lines: dict[str, frozenset[int]]
    negative_lines: dict[str, frozenset[int]]
    batch: int = 1


def _lines_matching(text: str, needles: list[str]) -> frozenset[int]:
    return frozenset(n for n, line in enumerate(text.splitlines(), 1) if any(s in line for s in needles))


def changed_region(base: str, head: str, flaws: frozenset[int]) -> set[int]:
    """Lines of `head` the change added or replaced, NEAR lines around them, and the lines of
    `head` that are unchanged copies of the base's flaw lines."""
    region: set[int] = set()
    matcher = difflib.SequenceMatcher(a=base.splitlines(), b=head.splitlines(), autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            region.update(j1 + 1 + k for k in range(i2 - i1) if i1 + 1 + k in flaws)
        elif j2 > j1:
            region.update(range(j1 + 1 - NEAR, j2 + 1 + NEAR))
        else:  # a deletion: the lines around the cut
            region.update(range(j1 + 1 - NEAR, j1 + 1 + NEAR))
    return {n for n in region if n >= 1}


def load_web() -> list[WebCase]:
    manifest = yaml.safe_load((WEB / "manifest.yml").read_text())
    cases = []
    for entry in manifest["cases"]:
        folder = WEB / entry["id"]
        vulnerable = {f: (folder / "vulnerable" / f"{f}.txt").read_text() for f in entry["files"]}
        fixed = {f: (folder / "fixed" / f"{f}.txt").read_text() for f in entry["files"]}
        flaws = {f: _lines_matching(vulnerable[f], entry["flaw"]) for f in entry["files"]}
        assert any(flaws.values()), entry["id"]
        batch = entry.get("batch", 1)
        held = batch > 1 or hashlib.sha256(entry["id"].encode()).hexdigest()[0] < "6"
        assert bool(entry["held_back"]) == held, entry["id"]
        negatives = {}
        for name in entry["files"]:
            keep_out = _lines_matching(fixed[name], entry.get("still_flawed", []))
            negatives[name] = frozenset(changed_region(vulnerable[name], fixed[name], flaws[name]) - keep_out)
        cases.append(
            WebCase(
                entry["id"],
                entry["family"],
                bool(entry["sast"]),
                bool(entry["held_back"]),
                vulnerable,
                fixed,
                flaws,
                negatives,
                batch,
            )
        )
    return cases


def prguard_findings(
    files: dict[str, str], repository: RepositorySnapshot | None = None
) -> list[tuple[str, int, int, str | None, str]]:
    """(path, start, end, family, rule) of prguard's medium and high findings on `files`, reviewed
    together as new files (in `repository`, when given: the rest of their package)."""
    changed = [ChangedFile(name, "added", text.encode(), None, None) for name, text in sorted(files.items())]
    result = review(changed, POLICY, analyzers=[SecurityAnalyzer(), TaintAnalyzer()], repository=repository)
    return [
        (f.path, f.start_line, f.end_line, family_of_cwe(f.cwe), f.rule_id)
        for f in result.findings
        if f.severity.at_least(MEDIUM)
    ]


def bandit_findings(
    files: dict[str, str], repository: RepositorySnapshot | None = None
) -> list[tuple[str, int, int, str | None, str]]:
    out = []
    for name, text in sorted(files.items()):
        for line, _, _, test in bandit_whole_file(name, text):
            out.append((name, line, line, BANDIT_FAMILY.get(test), test))
    return out


@dataclass
class Outcome:
    caught: dict[str, bool] = field(default_factory=dict)
    false: dict[str, list[str]] = field(default_factory=dict)


TOOLS = {"prguard": prguard_findings, "bandit": bandit_findings}


def score(case: WebCase) -> Outcome:
    outcome = Outcome()
    for tool, run in TOOLS.items():
        on_vulnerable = run(case.vulnerable)
        outcome.caught[tool] = any(
            family == case.family
            and any(abs(line - flaw) <= NEAR for line in (start, end) for flaw in case.flaw_lines[path])
            for path, start, end, family, _ in on_vulnerable
        )
        outcome.false[tool] = [
            f"{rule}@{path.rsplit('/', 1)[-1]}:{start}"
            for path, start, _, family, rule in run(case.fixed)
            if family == case.family and start in case.negative_lines[path]
        ]
    return outcome


def rates(cases: list[WebCase], outcomes: dict[str, Outcome], tool: str) -> tuple[float, float]:
    if not cases:
        return 0.0, 0.0
    tpr = sum(outcomes[c.id].caught[tool] for c in cases) / len(cases)
    fpr = sum(bool(outcomes[c.id].false[tool]) for c in cases) / len(cases)
    return tpr, fpr


def report(cases: list[WebCase], outcomes: dict[str, Outcome], title: str) -> None:
    print(f"\n== {title} ({len(cases)} cases) ==")
    print(f"{'case':38} {'family':9} {'sast':4}  prguard  bandit   false positives on the fix")
    for case in cases:
        o = outcomes[case.id]
        fp = f"prguard: {', '.join(o.false['prguard']) or '-'}; bandit: {', '.join(o.false['bandit']) or '-'}"
        print(
            f"{case.id:38} {case.family:9} {'yes' if case.sast else 'no':4}  "
            f"{'caught' if o.caught['prguard'] else 'missed':7}  "
            f"{'caught' if o.caught['bandit'] else 'missed':7}  {fp}"
        )
    for label, chosen in (("all cases", cases), ("SAST-detectable", [c for c in cases if c.sast])):
        print(f"  -- {label}: TPR / FPR (TPR-FPR), prguard | bandit alone")
        families: dict[str, list[WebCase]] = defaultdict(list)
        for case in chosen:
            families[case.family].append(case)
        for family, group in [*sorted(families.items()), ("overall", chosen)]:
            p, b = rates(group, outcomes, "prguard"), rates(group, outcomes, "bandit")
            print(
                f"    {family:16} n={len(group):<3} {p[0]:.2f} / {p[1]:.2f} ({p[0] - p[1]:+.2f}) | "
                f"{b[0]:.2f} / {b[1]:.2f} ({b[0] - b[1]:+.2f})"
            )


# -- insecure snippets written by others --------------------------------------------------------


def prguard_full(
    files: dict[str, str], repository: RepositorySnapshot | None = None
) -> list[tuple[str, int, int, str | None, str]]:
    """prguard's whole default review (every analyzer): its medium and high findings that name a
    CWE, i.e. a weakness (a request without a timeout is the instrumentation analyzer's)."""
    changed = [ChangedFile(name, "added", text.encode(), None, None) for name, text in sorted(files.items())]
    result = review(changed, POLICY, repository=repository)
    return [
        (f.path, f.start_line, f.end_line, family_of_cwe(f.cwe), f.rule_id)
        for f in result.findings
        if f.severity.at_least(MEDIUM) and f.cwe is not None
    ]


SNIPPET_TOOLS = {
    "prguard": prguard_findings,
    "bandit": bandit_findings,
    "prguard, every analyzer": prguard_full,
}


def load_snippets() -> list[dict]:
    """The manifest's entries; an entry's held_back flag must follow the rule (sha256 of its file
    value starting with 0-5) unless it is one of the first 69, development data from the start, or
    of the later rounds, held back whole."""
    entries = yaml.safe_load((SNIPPETS / "manifest.yml").read_text())["snippets"]
    for entry in entries:
        if entry.get("round") in SNIPPET_ROUNDS:
            assert entry.get("held_back") is True, entry["file"]
        elif "held_back" in entry:
            held = hashlib.sha256(entry["file"].encode()).hexdigest()[0] < "6"
            assert bool(entry["held_back"]) == held, entry["file"]
    return entries


def snippet_findings(
    root: Path, file: str, path: str | None = None, repository: RepositorySnapshot | None = None
) -> dict[str, list[tuple[str, int, int, str | None, str]]]:
    """Each snippet tool's findings on one corpus file, reviewed as a new file (at `path`, when
    given: where the file lives in its package; in `repository`, when given)."""
    text = (root / file).read_text()
    # maunprekshak's snippets, and the later rounds' code strings, are named after the tests that held them
    # (`test_sast__test_...`): their code is not test code, so they are reviewed without the `test_` prefix
    name = path or Path(file).name.removesuffix(".txt").removeprefix("test_")
    if not name.endswith(".py"):
        name += ".py"
    return {tool: run({name: text}, repository) for tool, run in SNIPPET_TOOLS.items()}


#: a whole file's path in its package, as a `source` names it: right before the licence in
#: parentheses (a test's code string names its test function there instead)
_PACKAGE_PATH = re.compile(r"\b(?:sdist|wheel) ((?:[\w.-]+/)*[\w.-]+\.py) \(")


def package_path(entry: dict) -> str | None:
    """Where a whole file lives in its package, as its `source` names it (`... sdist pkg/views.py
    (MIT)`): a pull request to the package shows it there, so the package's own imports are its
    project's (None for the code strings of tests)."""
    found = _PACKAGE_PATH.search(entry.get("source", ""))
    return found.group(1) if found else None


def score_snippet(entry: dict) -> tuple[dict, dict[str, bool], dict[str, bool]]:
    """An entry, whether each tool reports any medium or high finding on its file, and whether
    one of the labelled family."""
    found = snippet_findings(SNIPPETS, entry["file"])
    family = entry.get("family")
    return (
        entry,
        {t: bool(f) for t, f in found.items()},
        {t: any(fam == family for *_, fam, _ in f) for t, f in found.items()},
    )


def report_snippets(held_back: bool = False) -> None:
    """Rounds 1 and 2 (the later rounds only with report_round_snippets)."""
    rows = [
        score_snippet(entry)
        for entry in load_snippets()
        if entry.get("round") not in SNIPPET_ROUNDS and (held_back or not entry.get("held_back"))
    ]
    print(f"\n== Insecure snippets written by others ({len(rows)} files) ==")
    parts = [*by_source(rows), ("development part", [r for r in rows if not r[0].get("held_back")])]
    if held_back:
        parts.append(("held-back part", [r for r in rows if r[0].get("held_back")]))
    print_snippet_parts(rows, parts)


def report_round_snippets(number: int) -> None:
    """A later round, held back whole: printed on its own (once)."""
    rows = [score_snippet(entry) for entry in load_snippets() if entry.get("round") == number]
    title = f"Insecure snippets written by others: round {number}, held back, labelled before any run"
    print(f"\n== {title} ({len(rows)} files) ==")
    print_snippet_parts(rows, by_source(rows))


def by_source(rows: list) -> list[tuple[str, list]]:
    groups: dict[str, list] = defaultdict(list)
    for row in rows:
        groups[row[0]["source"].split(" ", 1)[0]].append(row)
    return sorted(groups.items())


def print_snippet_parts(rows: list, parts: list[tuple[str, list]]) -> None:
    for source, group in [*parts, ("all", rows)]:
        n = len(group)
        if not n:
            continue
        fam_rows = [r for r in group if r[0].get("family")]
        print(f"  {source} ({n} files, {len(fam_rows)} of a family above):")
        for tool in SNIPPET_TOOLS:
            hits = sum(r[1][tool] for r in group)
            family_hits = sum(r[2][tool] for r in fam_rows)
            print(
                f"    {tool:24} any medium/high finding {hits}/{n} ({hits / n:.0%}); "
                f"of the labelled family {family_hits}/{len(fam_rows)}"
            )
    for tool in ("prguard", "prguard, every analyzer"):
        missed = [f"{r[0]['file']} (CWE-{r[0]['cwe']})" for r in rows if not r[1][tool]]
        print(f"  {tool} reports nothing of medium or high severity on: {', '.join(missed) or '-'}")


def mutation_check(cases: list[WebCase]) -> None:
    """prguard's findings (rule, severity, file; counted) on every case, vulnerable and fixed, before
    and after each rewrite of security_outside's mutation check (locals renamed, definitions
    reordered, call statements moved into helpers). The baseline is each file printed back from
    its own tree, so only the mutation differs."""
    from tests.benchmarks.security_outside import MUTATIONS, identity

    def signature(files: dict[str, str], rewrite) -> tuple | None:
        try:
            rewritten = {name: rewrite(text) for name, text in files.items()}
        except (SyntaxError, RecursionError):
            return None
        return tuple(
            sorted(f"{path}:{rule}:{family}" for path, _, _, family, rule in prguard_findings(rewritten))
        )

    print("\n== Mutation check on the development cases (same prguard findings whatever the layout) ==")
    base = {c.id: (signature(c.vulnerable, identity), signature(c.fixed, identity)) for c in cases}
    for label, mutate in MUTATIONS.items():
        changed = [
            c.id for c in cases if (signature(c.vulnerable, mutate), signature(c.fixed, mutate)) != base[c.id]
        ]
        print(f"  {label:24} cases whose findings changed: {len(changed)}/{len(cases)} {changed or ''}")


_UNITS = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth"]
_TEENS = [
    "tenth",
    "eleventh",
    "twelfth",
    "thirteenth",
    "fourteenth",
    "fifteenth",
    "sixteenth",
    "seventeenth",
    "eighteenth",
    "nineteenth",
]
_TENS = {2: "twent", 3: "thirt", 4: "fort", 5: "fift", 6: "sixt", 7: "sevent", 8: "eight", 9: "ninet"}


def _ordinal(n: int) -> str:
    """The English ordinal of 1 to 99 in words, as the batch titles spell them."""
    tens, unit = divmod(n, 10)
    if tens == 0:
        return _UNITS[unit - 1]
    if tens == 1:
        return _TEENS[unit]
    stem = _TENS[tens] + "y"
    return stem[:-1] + "ieth" if unit == 0 else f"{stem}-{_UNITS[unit - 1]}"


_BATCHES = tuple(range(2, 40))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--held-back", action="store_true", help="also the held-back part (once, at the end)")
    parser.add_argument("--snippets", action="store_true", help="also score the insecure snippets")
    parser.add_argument(
        "--snippets-only",
        action="store_true",
        help="score only the insecure snippets (with --held-back: both parts)",
    )
    for n in _BATCHES:
        help_text = f"also the {_ordinal(n)} held-back batch, reported on its own (once)"
        parser.add_argument(f"--batch{n}", action="store_true", help=help_text)
    for n in SNIPPET_ROUNDS:
        help_text = f"also the {_ordinal(n)} round of insecure snippets (held back whole), reported alone"
        parser.add_argument(f"--round{n}", action="store_true", help=help_text)
    parser.add_argument("--handwritten", action="store_true", help="also score the hand-written corpus")
    parser.add_argument("--only", help="score only this case id (development cases)")
    parser.add_argument(
        "--mutations", action="store_true", help="also the mutation check (development cases)"
    )
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    warnings.filterwarnings("ignore", category=SyntaxWarning)
    rounds = [n for n in SNIPPET_ROUNDS if getattr(args, f"round{n}")]
    if args.snippets_only:
        report_snippets(args.held_back)
        for n in rounds:
            report_round_snippets(n)
        return
    cases = load_web()
    batches = {n: [c for c in cases if c.batch == n] for n in _BATCHES if getattr(args, f"batch{n}")}
    chosen = [c for c in cases if c.batch == 1 and (args.held_back or not c.held_back)]
    if args.only:
        chosen = [c for c in chosen if c.id == args.only and not c.held_back]
    outcomes = {case.id: score(case) for case in chosen + [c for batch in batches.values() for c in batch]}
    report([c for c in chosen if not c.held_back], outcomes, "Real web advisories: development part")
    if args.held_back:
        report([c for c in chosen if c.held_back], outcomes, "Real web advisories: held-back part")
        report(chosen, outcomes, "Real web advisories: all")
    for n, batch in batches.items():
        title = f"Real web advisories: {_ordinal(n)} held-back batch (labelled before any run)"
        report(batch, outcomes, title)
    if args.mutations:
        mutation_check([c for c in chosen if not c.held_back])
    if args.snippets:
        report_snippets(args.held_back)
    for n in rounds:
        report_round_snippets(n)
    if args.handwritten:
        from tests.benchmarks.security_outside import report_handwritten

        report_handwritten()


if __name__ == "__main__":
    main()
