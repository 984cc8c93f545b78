"""Cross-file analyzers run in a forked child beside the per-file ones (`review(jobs=2)`):
the same result as one process, and the parent's own run whenever the child's cannot be used."""

from __future__ import annotations

import os
import sys
import time

import pytest
from prguard.analyzers.base import Analyzer
from prguard.analyzers.security import SecurityAnalyzer
from prguard.analyzers.taint import TaintAnalyzer
from prguard.engine import review as engine
from prguard.engine.model import Finding, Severity, make_fingerprint
from prguard.engine.review import review

from tests.unit.engine_helpers import added, make_policy

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the engine forks on Linux only")

HANDLER = """\
import subprocess
from flask import Flask, request

app = Flask(__name__)


@app.route("/run")
def run():
    subprocess.call("ls " + request.args["dir"], shell=True)
    return "ok"
"""
#: pads a file past the size from which the engine forks
PADDING = "".join(f"def helper_{n}(value):\n    return value + {n}\n\n\n" for n in range(600))


class WhereItRan(Analyzer):
    """A cross-file analyzer that says which process ran it, and leaves after-run state."""

    name = "where"
    cacheable = False
    needs_all_files = True
    runs_apart = True
    proves_safe = True

    def __init__(self, fail_in_child_of: int | None = None) -> None:
        self.fail_in_child_of = fail_in_child_of

    def analyze(self, files):
        if self.fail_in_child_of is not None and os.getpid() != self.fail_in_child_of:
            os._exit(3)  # the child dies before sending anything
        self.cleared = {files[0].path: {(999, 78)}}
        self.sections = {"where": {"pid": os.getpid()}}
        self.problems = ["a part that could not run"]
        yield Finding(
            rule_id="PG-TEST-WHERE",
            analyzer=self.name,
            severity=Severity.MEDIUM,
            path=files[0].path,
            start_line=1,
            end_line=1,
            message=f"ran in {os.getpid()}",
            fingerprint=make_fingerprint("where", files[0].path, "1"),
        )


@pytest.fixture(autouse=True)
def _one_thread(monkeypatch):
    """Threads other tests left behind (idle servers, pools) would keep the engine from forking."""
    monkeypatch.setattr("threading.active_count", lambda: 1)


def _files():
    return [added("app/views.py", HANDLER), added("app/helpers.py", PADDING)]


def _ran_in(result) -> int:
    (finding,) = [f for f in result.findings if f.rule_id == "PG-TEST-WHERE"]
    return int(finding.message.rsplit(" ", 1)[1])


def _comparable(result) -> dict:
    data = result.to_dict()
    data["stats"].pop("duration_ms")
    for stats in data["stats"]["analyzers"].values():
        stats.pop("duration_ms")
    return data


def test_two_jobs_run_the_cross_file_analyzers_in_a_child_with_the_same_result():
    def analyzers():
        return [SecurityAnalyzer(), TaintAnalyzer(), WhereItRan()]

    one = review(_files(), make_policy(), analyzers=analyzers(), jobs=1)
    where = WhereItRan()
    two = review(_files(), make_policy(), analyzers=[SecurityAnalyzer(), TaintAnalyzer(), where], jobs=2)

    assert _ran_in(one) == os.getpid()
    assert _ran_in(two) != os.getpid()  # the child's run, taken over
    assert where.cleared == {"app/views.py": {(999, 78)}}  # its after-run state arrived
    assert where.problems == ["a part that could not run"]
    assert any("a part that could not run" in note for note in two.notes)
    assert [f.rule_id for f in two.findings if f.analyzer == "taint"] == ["taint-command-injection"]
    one_data, two_data = _comparable(one), _comparable(two)
    for data in (one_data, two_data):
        data["findings"] = [f for f in data["findings"] if f["rule_id"] != "PG-TEST-WHERE"]
        data.pop("where")  # the pid
    assert one_data["stats"] == two_data["stats"]
    assert one_data == two_data


def test_a_child_that_dies_leaves_the_parent_to_run_the_analyzers_itself():
    result = review(_files(), make_policy(), analyzers=[WhereItRan(fail_in_child_of=os.getpid())], jobs=2)
    assert _ran_in(result) == os.getpid()
    assert result.to_dict()["stats"]["analyzers"]["where"]["files"] == 2


def test_a_small_change_is_not_worth_a_fork():
    files = [added("app/views.py", HANDLER)]
    assert len(HANDLER) < engine.FORK_FROM
    result = review(files, make_policy(), analyzers=[WhereItRan()], jobs=2)
    assert _ran_in(result) == os.getpid()


class DropsHelpers(Analyzer):
    """A per-file analyzer that finds one file too deeply nested to read."""

    name = "drops"

    def analyze_file(self, ctx):
        if ctx.path == "app/helpers.py":
            raise RecursionError
        return []


def test_a_file_dropped_after_the_fork_makes_the_parent_run_the_analyzer_without_it():
    where = WhereItRan()
    result = review(_files(), make_policy(), analyzers=[DropsHelpers(), where], jobs=2)
    assert _ran_in(result) == os.getpid()  # the child had read the dropped file: not taken over
    assert [s.path for s in result.skipped] == ["app/helpers.py"]


def test_beside_other_threads_the_engine_does_not_fork(monkeypatch):
    monkeypatch.setattr("threading.active_count", lambda: 2)
    result = review(_files(), make_policy(), analyzers=[WhereItRan()], jobs=2)
    assert _ran_in(result) == os.getpid()


class Interrupted(Analyzer):
    """A per-file analyzer stopped by the user (Ctrl-C) halfway through the change."""

    name = "interrupted"

    def analyze_file(self, ctx):
        raise KeyboardInterrupt


def test_a_review_stopped_halfway_leaves_no_child_behind(monkeypatch):
    from prguard.engine.apart import Apart

    started = []
    start = Apart.start.__func__

    def spy(cls, jobs):
        child = start(cls, jobs)
        started.append(child)
        return child

    monkeypatch.setattr(Apart, "start", classmethod(spy))
    with pytest.raises(KeyboardInterrupt):
        review(_files(), make_policy(), analyzers=[Interrupted(), WhereItRan()], jobs=2)
    (child,) = started
    with pytest.raises(ChildProcessError):
        os.waitpid(child.pid, os.WNOHANG)  # stopped and reaped: nothing left of it


class StuckInChild(WhereItRan):
    """A cross-file analyzer that never finishes in the child (a lock a vanished thread held)."""

    name = "stuck"

    def analyze(self, files):
        if os.getpid() != self.fail_in_child_of:
            time.sleep(60)
        yield from super().analyze(files)


def test_a_child_that_does_not_answer_in_time_is_stopped_and_its_work_done_here(monkeypatch):
    monkeypatch.setattr(engine, "CHILD_GRACE", 0.5)
    started = time.monotonic()
    result = review(_files(), make_policy(), analyzers=[StuckInChild(fail_in_child_of=os.getpid())], jobs=2)
    assert _ran_in(result) == os.getpid()
    assert time.monotonic() - started < 30
