"""Our cyclomatic complexity equals radon's on real code: this repository's package and the installed
flask, werkzeug, radon and bandit. Integration because it parses whole packages (seconds);
tests/unit/test_cyclomatic.py keeps the hand-written shapes."""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path

import pytest

from tests.unit.test_cyclomatic import ROOT, _ours, _radon

pytestmark = pytest.mark.integration


def _real_files() -> list[Path]:
    files = sorted((ROOT / "workers").rglob("*.py"))
    for package in ("flask", "werkzeug", "radon", "bandit"):
        spec = importlib.util.find_spec(package)
        if spec is not None and spec.submodule_search_locations:
            files += sorted(Path(next(iter(spec.submodule_search_locations))).rglob("*.py"))
    return files


def test_equal_to_radon_on_real_code():
    files = _real_files()
    assert len(files) > 150
    different = [path for path in files if _ours(tree := ast.parse(path.read_text())) != _radon(tree)]
    assert different == []
