"""A change that deletes the check guarding a dangerous call reports the call (issue 19.4)."""

from __future__ import annotations

import textwrap

from prguard.analyzers.security import SecurityAnalyzer
from prguard.analyzers.taint import TaintAnalyzer

from tests.unit.engine_helpers import engine_review, make_policy, modified

BASE = textwrap.dedent(
    """
    import subprocess

    ALLOWED = {"status", "log"}


    class Runner:
        def __init__(self, trusted=False):
            self.trusted = trusted

        def run(self, command):
            if command not in ALLOWED:
                raise ValueError(command)
            return subprocess.check_output("git " + command, shell=True)

        def evaluate(self, expression):
            if self.trusted:
                return eval(expression)
            return None
    """
).lstrip()

NO_ALLOW_LIST = BASE.replace(
    "        if command not in ALLOWED:\n            raise ValueError(command)\n", ""
)
NO_FLAG = BASE.replace(
    "        if self.trusted:\n            return eval(expression)\n        return None\n",
    "        return eval(expression)\n",
)


assert NO_ALLOW_LIST != BASE and NO_FLAG != BASE


def _review(head: str):
    return engine_review(
        [modified("lib/runner.py", BASE, head)],
        make_policy(),
        analyzers=[SecurityAnalyzer(), TaintAnalyzer()],
    ).findings


def test_removing_an_allow_list_check_reports_the_unchanged_call() -> None:
    findings = [f for f in _review(NO_ALLOW_LIST) if f.cwe == 78 and f.severity == "high"]
    assert findings, _review(NO_ALLOW_LIST)
    assert "removed the check" in findings[0].message and "command not in ALLOWED" in findings[0].message
    assert "base lines 11-12" in findings[0].message


def test_removing_a_trust_flag_reports_the_eval() -> None:
    findings = [f for f in _review(NO_FLAG) if f.cwe == 95]
    assert findings and "self.trusted" in findings[0].message


def test_an_unrelated_edit_revives_nothing() -> None:
    head = BASE.replace('ALLOWED = {"status", "log"}', 'ALLOWED = {"status", "log", "diff"}')
    assert not [f for f in _review(head) if "removed the check" in f.message]


def test_a_guard_moved_into_a_helper_condition_is_still_a_change_but_a_kept_guard_is_not() -> None:
    reworded = BASE.replace("raise ValueError(command)", "raise PermissionError(command)")
    assert not [f for f in _review(reworded) if "removed the check" in f.message]


def test_what_is_read_of_the_base_is_kept_by_its_content(tmp_path, monkeypatch) -> None:
    """A second review of the same base answers from the kept guards: the base is not parsed for
    them again, and the revived findings are the same."""
    from prguard.analyzers import removed_guards

    monkeypatch.setenv("PRGUARD_INDEX_CACHE", str(tmp_path))
    removed_guards._kept_cache.cache_clear()
    try:
        first = [(f.rule_id, f.start_line, f.message) for f in _review(NO_ALLOW_LIST)]
        built: list[object] = []
        original = removed_guards._TreeGuards.__init__

        def counted(self, tree) -> None:
            built.append(tree)
            original(self, tree)

        monkeypatch.setattr(removed_guards._TreeGuards, "__init__", counted)
        second = [(f.rule_id, f.start_line, f.message) for f in _review(NO_ALLOW_LIST)]
    finally:
        removed_guards._kept_cache.cache_clear()
    assert second == first and any("removed the check" in message for *_, message in first)
    assert not built
    assert list(tmp_path.glob("removed-guards-*/*/*"))
