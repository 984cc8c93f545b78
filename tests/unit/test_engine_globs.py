"""Policy globs: .gitignore-like semantics, and no pattern can stall a worker."""

from __future__ import annotations

import time

import pytest
from prguard.engine.globs import matches_any


@pytest.mark.parametrize(
    ("pattern", "path", "expected"),
    [
        ("**/*.py", "setup.py", True),
        ("**/*.py", "src/app/api.py", True),
        ("**/*.py", "src/app/api.pyc", False),
        ("migrations/**", "migrations/0001_initial.py", True),
        ("migrations/**", "app/migrations/0001.py", False),
        ("**/migrations/**", "app/migrations/0001.py", True),
        ("*_pb2.py", "api/v1/user_pb2.py", True),
        ("src/*.py", "src/a/b.py", False),
        ("src/?.py", "src/a.py", True),
        ("src/[ab].py", "src/b.py", True),
        ("src/[!ab].py", "src/b.py", False),
        ("docs/", "docs/index/intro.md", True),
        ("src/**/test_*.py", "src/test_a.py", True),
        ("src/**/test_*.py", "src/x/y/test_a.py", True),
        ("./src/*.py", "src/a.py", True),
    ],
)
def test_glob_semantics(pattern, path, expected):
    assert matches_any(path, [pattern]) is expected


def test_pathological_patterns_finish_quickly():
    path = "a/" * 200 + "a" * 5000
    started = time.perf_counter()
    assert not matches_any(path, ["*a*a*a*a*a*a*a*a*a*a*a*b", "**/**/**/**/**/**/**/x", "**/*a*a*a*a*a*c"])
    assert time.perf_counter() - started < 1.0


def test_empty_and_non_string_patterns_match_nothing():
    assert not matches_any("a.py", ["", "  ", None, 3])
