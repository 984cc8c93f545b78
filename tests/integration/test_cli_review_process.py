"""prguard review run in a child Python process. Moved from tests/unit/test_cli_review.py (marked integration
there already)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.unit.test_cli_review import ROOT


@pytest.mark.integration  # runs prguard in a child Python process
def test_console_entry_point_runs_without_a_traceback(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "prguard.cli", "review", "--repo", str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert proc.returncode == 2
    assert proc.stderr.startswith("prguard: error: ") and "Traceback" not in proc.stderr
