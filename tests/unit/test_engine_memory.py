"""The engine frees each file's trees and its analyzers' garbage as it goes (worker memory, DESIGN 4).

A review pauses the garbage collector for speed; these tests pin what keeps a
300-file review under its memory target anyway: trees dropped after each file,
analyzers' reference cycles swept while the review runs, bandit's links removed.
"""

from __future__ import annotations

import ast
import gc
import weakref

from prguard.analyzers.base import Analyzer
from prguard.analyzers.security import SecurityAnalyzer
from prguard.engine import review as engine_review_module
from prguard.engine.model import Finding, Severity, make_fingerprint

from tests.unit.engine_helpers import added, engine_review, modified

MODULE = "import subprocess\n\n\ndef run(cmd, name):\n    print(name)\n"
MODULE += "    return subprocess.call(cmd, shell=True)\n"


class _Cycle:
    """What analyzers leave behind: facts pointing at each other and at the tree."""

    def __init__(self, tree: ast.Module) -> None:
        self.tree = tree
        self.me = self


class CycleMaker(Analyzer):
    """Leaves a reference cycle holding the file's tree; checks the previous file's was freed."""

    name = "cyclemaker"

    def __init__(self) -> None:
        self.previous: weakref.ref | None = None
        self.previous_alive: list[bool] = []
        self.sources: list = []

    def analyze_file(self, ctx):
        if self.previous is not None:
            self.previous_alive.append(self.previous() is not None)
        cycle = _Cycle(ctx.head.tree)
        self.previous = weakref.ref(cycle)
        self.sources.append(ctx.head)
        node = ctx.head.tree.body[0]
        yield Finding(
            "CM1", self.name, Severity.LOW, ctx.path, node.lineno, node.lineno, "cycle made",
            make_fingerprint("CM1", ctx.path, ctx.head.segment(node)),
        )  # fmt: skip


def test_cycles_an_analyzer_leaves_are_freed_during_the_review_and_trees_are_dropped():
    maker = CycleMaker()
    files = [added(f"pkg/m{i}.py", MODULE) for i in range(6)]
    was_enabled = gc.isenabled()
    gc.enable()
    try:
        result = engine_review(files, analyzers=[SecurityAnalyzer(), maker])
    finally:
        if not was_enabled:
            gc.disable()
    assert maker.previous_alive == [False] * 5  # swept while the collector was paused
    assert len(maker.sources) == 6
    assert all("tree" not in source.__dict__ for source in maker.sources)
    assert {f.rule_id for f in result.findings} >= {"CM1", "B602"}  # the review itself is unchanged
    assert result.stats["analyzers"]["cyclemaker"]["files"] == 6


def test_trees_dropped_mid_review_are_parsed_again_for_suppressions_and_the_base_pass():
    base = MODULE + "\n\ndef old():\n    return eval(input())\n"
    # the old call's line changes (trailing blanks) yet is the same finding: pre-existing
    head = MODULE + "\n\ndef old():\n    return eval(input())   \n"
    head += "\n\ndef new():\n    return eval(input())  # nosec B307\n"
    result = engine_review([modified("pkg/svc.py", base, head)], analyzers=[SecurityAnalyzer()])
    assert [(f.rule_id, f.start_line) for f in result.findings] == []  # old one pre-existing, new one waived
    assert result.stats["pre_existing"] >= 1 and result.stats["suppressed"] == 1


def test_security_removes_bandits_parent_links_so_a_dropped_tree_is_not_a_cycle():
    from prguard.analyzers.base import FileContext, SourceFile
    from prguard.engine.diffmap import FileDiff

    source = SourceFile("pkg/m.py", MODULE)
    ctx = FileContext(
        path="pkg/m.py", language="python", head=source, base=None, diff=FileDiff.all_added(6),
        settings={}, policy=None,
    )  # fmt: skip
    findings = list(SecurityAnalyzer().analyze_file(ctx))
    assert {f.rule_id for f in findings} >= {"B602"}
    linked = [
        n for n in ast.walk(source.tree) if "_bandit_parent" in n.__dict__ or "_bandit_sibling" in n.__dict__
    ]
    assert linked == []
    assert "_bandit_parent" not in ast.Load().__dict__  # the shared context singleton keeps no tree alive


class BaseReader(Analyzer):
    """A per-file analyzer that parses the base version too (as complexity does)."""

    name = "basereader"
    compare_with_base = False

    def __init__(self) -> None:
        self.base_trees: list[weakref.ref] = []

    def analyze_file(self, ctx):
        if ctx.base is not None:
            self.base_trees.append(weakref.ref(ctx.base.tree))
        return iter(())


class CrossFileWitness(Analyzer):
    """A cross-file analyzer (as taint is): notes which trees are alive when it runs."""

    name = "crossfile"
    cacheable = False
    needs_all_files = True
    compare_with_base = False

    def __init__(self, reader: BaseReader) -> None:
        self.reader = reader
        self.heads_parsed: list[bool] = []
        self.bases_alive: list[bool] = []

    def analyze(self, files):
        self.heads_parsed = ["tree" in ctx.head.__dict__ for ctx in files]
        self.bases_alive = [ref() is not None for ref in self.reader.base_trees]
        return iter(())


def test_with_a_cross_file_analyzer_head_trees_wait_for_it_but_base_trees_are_freed_file_by_file(
    monkeypatch,
):
    """A change whose bases are not small (KEEP_BASE_TREES_BELOW): here, every change."""
    monkeypatch.setattr(engine_review_module, "KEEP_BASE_TREES_BELOW", 0)
    reader = BaseReader()
    witness = CrossFileWitness(reader)
    base = MODULE + "\n\ndef old():\n    return eval(input())\n"
    head = MODULE + "\n\ndef old():\n    return eval(input())   \n"  # a changed line, the same finding
    files = [modified(f"pkg/m{i}.py", base, head) for i in range(4)]
    result = engine_review(files, analyzers=[SecurityAnalyzer(), reader, witness])
    assert witness.heads_parsed == [True] * 4  # no re-parse for the cross-file analyzer
    assert len(reader.base_trees) == 4 and witness.bases_alive == [False] * 4  # 75 MB on 300 files
    # the new-versus-existing pass parses the bases again: the old findings stay pre-existing
    assert result.findings == [] and result.stats["pre_existing"] >= 4


def test_a_small_change_keeps_its_base_trees_for_the_filters(monkeypatch):
    """Below KEEP_BASE_TREES_BELOW the filters read the trees the analyzers parsed: no base is
    parsed twice, and the findings are the same as when the trees are dropped."""
    parsed: list[str] = []
    parse = ast.parse

    def counting(source, filename="<unknown>", *args, **kwargs):
        if str(filename).startswith("pkg/"):  # the change's files, not a library's lazy first use
            parsed.append(filename)
        return parse(source, filename, *args, **kwargs)

    base = MODULE + "\n\ndef old():\n    return eval(input())\n"
    head = MODULE + "\n\ndef old():\n    return eval(input())   \n"
    files = [modified(f"pkg/m{i}.py", base, head) for i in range(4)]
    monkeypatch.setattr(ast, "parse", counting)
    reader = BaseReader()
    kept = engine_review(files, analyzers=[SecurityAnalyzer(), reader, CrossFileWitness(reader)])
    assert sorted(parsed) == sorted(f"pkg/m{i}.py" for i in range(4) for _version in ("head", "base"))
    parsed.clear()
    monkeypatch.setattr(engine_review_module, "KEEP_BASE_TREES_BELOW", 0)
    reader = BaseReader()
    dropped = engine_review(files, analyzers=[SecurityAnalyzer(), reader, CrossFileWitness(reader)])
    assert len(parsed) == 12  # each base parsed again by the new-versus-existing pass
    assert kept.findings == dropped.findings == [] and kept.stats["pre_existing"] >= 4
