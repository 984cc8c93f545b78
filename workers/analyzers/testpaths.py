"""Which changed files are test code: a test is not a production path.

Instrumentation findings (timeouts, swallowed errors, blind spots) are about production behaviour, so
test files get none unless the policy opts in; complexity findings on tests are at most `low`.
"""

from __future__ import annotations

import re

#: tests/ and test/ folders (at any depth), fixture folders, pytest's and unittest's file names.
_TEST_PATH = re.compile(
    r"(?:^|/)(?:tests?|testing|fixtures?)/"
    r"|(?:^|/)test_[^/]*\.py$"
    r"|(?:^|/)[^/]*_tests?\.py$"
    r"|(?:^|/)conftest\.py$"
)


def is_test_path(path: str) -> bool:
    """`tests/`, `test/`, `testing/`, `fixtures/` anywhere in the path, `test_*.py`, `*_test.py`,
    `*_tests.py` or `conftest.py`."""
    return bool(_TEST_PATH.search(path.replace("\\", "/")))
