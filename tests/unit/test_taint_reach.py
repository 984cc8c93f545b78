"""The taint pre-pass: which functions are run up front, and that skipping the rest changes nothing."""

from __future__ import annotations

from pathlib import Path

from prguard.analyzers.taint import TaintAnalyzer, interpreter
from prguard.analyzers.taint.interpreter import Program
from prguard.analyzers.taint.modules import ModuleInfo
from prguard.analyzers.taint.reach import functions_to_run
from prguard.analyzers.taint.rules import build_rules

from tests.unit.taint_helpers import context

CASES = Path(__file__).resolve().parents[1] / "benchmarks" / "corpus" / "taint"

HELPERS = """
import os
import subprocess
from flask import Flask, request

app = Flask(__name__)


def quote(text):
    return text.replace("'", "")


def backup(path):
    subprocess.call("tar czf /tmp/b.tgz " + quote(path), shell=True)


def schedule(path):
    backup(path)


def even(n):
    return n if n == 0 else odd(n - 1)


def odd(n):
    return even(n - 1)


def parity(n):
    return even(n)


def label(name):
    return name.title()


class Jobs:
    def run(self, path):
        self.start(path)

    def start(self, path):
        os.system("ls " + path)

    def describe(self, path):
        return label(path)


@app.route("/backup")
def handler():
    schedule(request.args["dir"])
    return label(request.args["dir"])
"""


def program(code: str) -> Program:
    ctx = context("app/jobs.py", code)
    return Program(build_rules({}), [ModuleInfo.build(ctx.path, ctx.head.tree, ctx.head.lines)])


def test_functions_with_sinks_their_callers_views_and_recursion_run_up_front():
    wanted = {name for _, name in functions_to_run(program(HELPERS))}
    # sinks, their callers (directly or not) and the Flask view (its return is a sink)
    assert {"backup", "schedule", "Jobs.start", "Jobs.run", "handler"} <= wanted
    # a recursive pair and what calls into it: their summaries depend on the order of runs
    assert {"even", "odd", "parity"} <= wanted
    # pure helpers only run when a caller asks for their summary
    assert wanted.isdisjoint({"quote", "label", "Jobs.describe"})


def test_calls_are_resolved_as_the_interpreter_resolves_them():
    code = HELPERS + "\n\ndef later(path):\n    run = schedule\n    run(path)\n"
    wanted = {name for _, name in functions_to_run(program(code))}
    assert "later" not in wanted  # `run` resolves to no function: the interpreter cannot follow it either
    code = HELPERS + "\n\ndef later(path):\n    return schedule(path)\n"
    assert "later" in {name for _, name in functions_to_run(program(code))}


def _everything(prog: Program) -> set[tuple[str, str]]:
    return {(mod.path, func.qualname) for mod in prog.modules for func in mod.functions.values()}


def _run(contexts, monkeypatch, *, prepass: bool):
    with monkeypatch.context() as patch:
        if not prepass:
            patch.setattr(interpreter, "functions_to_run", _everything)
        analyzer = TaintAnalyzer()
        findings = [
            (f.rule_id, f.path, f.start_line, f.message, f.fingerprint, f.flow)
            for f in analyzer.analyze(contexts)
        ]
        return findings, analyzer.cleared


def _case_contexts() -> list:
    cases = sorted(CASES.glob("*.py.txt"))
    assert len(cases) > 50
    return [context(f"app/{case.name.removesuffix('.txt')}", case.read_text()) for case in cases]


def test_same_findings_and_proofs_with_and_without_the_prepass_on_the_labelled_corpus(monkeypatch):
    contexts = _case_contexts()
    fast = _run(contexts, monkeypatch, prepass=True)
    slow = _run(contexts, monkeypatch, prepass=False)
    assert fast == slow
    assert len(fast[0]) > 30 and sum(map(len, fast[1].values())) > 30


def test_the_helpers_module_reports_the_same_flows_either_way(monkeypatch):
    contexts = [context("app/jobs.py", HELPERS)]
    fast = _run(contexts, monkeypatch, prepass=True)
    assert fast == _run(contexts, monkeypatch, prepass=False)
    assert [rule for rule, *_ in fast[0]]  # the request reaches backup()'s shell through schedule()
