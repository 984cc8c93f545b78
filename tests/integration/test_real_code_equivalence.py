"""prguard's fast paths checked against the reference on whole real packages and the benchmark corpora:
the taint pre-pass, the raw metrics against radon, the in-memory bandit traversal against bandit's own
manager, and a catalogue entry for every rule the corpora raise. Integration because each reads and
analyses hundreds of files (seconds); the unit tests check the same equalities on small inputs."""

from __future__ import annotations

import ast
import collections
import logging
from pathlib import Path

import pytest
from prguard.analyzers.base import SourceFile
from prguard.analyzers.rawmetrics import analyze as fast_raw
from prguard.analyzers.rawmetrics import halstead_volume
from prguard.analyzers.security import _bandit
from prguard.catalogue import USER_RULE_ANALYZERS, catalogue
from prguard.engine.model import ChangedFile
from prguard.engine.review import review
from prguard.examples import __file__ as examples_init
from prguard.policies.loader import load_policy
from radon.metrics import h_visit_ast
from radon.raw import analyze as radon_raw

from tests.unit.taint_helpers import context
from tests.unit.test_taint_reach import _run

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
CORPORA = ROOT / "tests" / "benchmarks" / "corpus"
EXAMPLES = Path(examples_init).resolve().parent


@pytest.mark.parametrize("package", ["flask", "werkzeug"])
def test_same_findings_and_proofs_with_and_without_the_prepass_on_real_packages(package, monkeypatch):
    root = Path(pytest.importorskip(package).__file__).parent
    contexts = [
        context(f"{package}/{p.relative_to(root).as_posix()}", p.read_text())
        for p in sorted(root.rglob("*.py"))
    ]
    fast = _run(contexts, monkeypatch, prepass=True)
    assert fast == _run(contexts, monkeypatch, prepass=False)
    assert fast[1]  # sinks proven safe: the comparison covers them


@pytest.mark.parametrize("package", ["celery", "kombu", "flask", "werkzeug"])
def test_fast_raw_metrics_equal_radons_on_real_packages(package):
    root = Path(pytest.importorskip(package).__file__).parent
    files = sorted(root.rglob("*.py"))[:40]
    assert files
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert fast_raw(text) == radon_raw(text), path
        tree = ast.parse(text)
        assert halstead_volume(tree) == h_visit_ast(tree).total.volume, path


_EVERY_OPERATOR = """\
a = b
del c
d = e + f - g * h @ i / j % k ** l << m >> n | o ^ p & q // r
x = -s, +t, ~u, not v, w and z or aa
bb = cc == dd != ee < ff <= gg > hh >= ii is jj is not kk in ll not in mm
"""


def _drop_links_on_shared_nodes() -> None:
    """Bandit's own manager links the parser's shared `Load`, `Add` ... nodes into the trees it
    walks and never unlinks them; the memory tests check that prguard leaves no such link."""
    for node in ast.walk(ast.parse(_EVERY_OPERATOR)):
        node.__dict__.pop("_bandit_parent", None)
        node.__dict__.pop("_bandit_sibling", None)


def test_same_issues_as_bandits_own_manager_on_real_files():
    """The in-memory traversal must find exactly what `bandit` finds (nosec ignored)."""
    from bandit.core import config, manager

    site = Path(pytest.importorskip("celery").__file__).parent.parent
    files = sorted(
        str(p) for d in ("celery/bin", "kombu/transport", "werkzeug/debug") for p in (site / d).glob("*.py")
    )
    assert files
    logging.getLogger("bandit").setLevel(logging.CRITICAL)
    bandit_run = manager.BanditManager(config.BanditConfig(), "file", ignore_nosec=True, quiet=True)
    bandit_run.discover_files(files)
    try:
        bandit_run.run_tests()
    finally:
        _drop_links_on_shared_nodes()
    expected = collections.Counter(
        (i.fname.lstrip("./"), i.test_id, i.lineno, i.col_offset) for i in bandit_run.results
    )
    _, visitor = _bandit()
    ours = collections.Counter()
    for name in files:
        data = Path(name).read_bytes()
        source = SourceFile(name, data.decode())
        run = visitor(name, data)
        try:
            for issue in run.run(source.tree, source.text):
                ours[(name.lstrip("./"), issue.test_id, issue.lineno, issue.col_offset)] += 1
        finally:
            run.unlink()
    assert sum(expected.values()) > 10
    assert ours == expected


def _corpus_files() -> list[ChangedFile]:
    files = []
    for path in sorted(CORPORA.rglob("*.py.txt")):
        name = path.relative_to(CORPORA).as_posix().removesuffix(".txt")
        files.append(ChangedFile(name, "added", path.read_bytes(), None))
    for path in sorted((EXAMPLES / "invoice_export" / "head").rglob("*.py")):
        name = path.relative_to(EXAMPLES).as_posix()
        files.append(ChangedFile(name, "added", path.read_bytes(), None))
    return files


def test_every_finding_on_the_benchmark_corpora_has_an_entry():
    policy = load_policy(repo_text="ai_authored:\n  gate: {fail_on: high}\n", repo_source="t.yml")
    result = review(_corpus_files(), policy, ai_authored=True)
    reported = {(f.analyzer, f.rule_id) for f in result.findings}
    reported |= {(s.rule_id.split(".")[0], s.rule_id) for s in result.suppressed}
    assert len({r for _, r in reported}) > 20  # the corpora do exercise many rules
    missing = sorted(
        (analyzer, rule_id)
        for analyzer, rule_id in reported
        if analyzer not in USER_RULE_ANALYZERS and catalogue().get(rule_id) is None
    )
    assert missing == []
