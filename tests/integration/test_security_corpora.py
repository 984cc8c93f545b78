"""The real-advisory corpus reads back whole: every case's files, licence and flaw lines are there,
and held-back cases are the ones the manifest's rule says (so a batch cannot be scored by mistake)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.benchmarks.security_web import WEB, load_web

pytestmark = pytest.mark.integration  # reads every case of the corpus: seconds, not a unit test


def test_every_web_advisory_case_loads_with_its_licence_and_flaw_lines() -> None:
    cases = load_web()  # asserts the flaw lines and the held-back rule of each case
    assert len({case.id for case in cases}) == len(cases)
    assert all((Path(WEB) / case.id / "LICENSE").is_file() for case in cases)
    assert {case.batch for case in cases} >= set(range(1, 19))
    assert all(case.held_back for case in cases if case.batch > 1)


def test_every_snippet_file_is_there_with_its_licence() -> None:
    """Both snippet corpora: each listed file exists beside its package's licence, and the
    loaders' held-back and verdict rules hold."""
    from tests.benchmarks.safe_snippets import SAFE, load_safe
    from tests.benchmarks.security_web import SNIPPETS, load_snippets

    for root, entries in ((SNIPPETS, load_snippets()), (SAFE, load_safe())):
        files = [entry["file"] for entry in entries]
        assert len(set(files)) == len(files)
        for name in files:
            assert (root / name).is_file(), name
            folder = (root / name).parent  # a package without a licence file: its PKG-INFO states it
            # as the package names it: LICENSE, LICENCE, MIT-LICENSE.txt ...; COPYING: the GNU name
            licences = [*folder.glob("*LICEN[CS]E*"), *folder.glob("COPYING*")]
            assert licences or (folder / "PKG-INFO").is_file(), name
