"""The worker's start-up warm-up loads what the first review would otherwise load, once, and can be off."""

from __future__ import annotations

import subprocess
import sys

import pytest

pytestmark = pytest.mark.integration  # each test starts a Python process and loads the whole engine

PROBE = """
import os, sys
os.environ["PRGUARD_DATA_DIR"] = sys.argv[1]
from prguard.worker import warmup
before = {m for m in ("bandit", "detect_secrets", "jsonschema", "radon", "sqlalchemy") if m in sys.modules}
warmup._preload_on_start()
after = {m for m in ("bandit", "detect_secrets", "jsonschema", "radon", "sqlalchemy") if m in sys.modules}
print(sorted(before), sorted(after), warmup.preload())
"""


def run_probe(tmp_path, **env: str) -> str:
    import os

    return subprocess.run(
        [sys.executable, "-c", PROBE, str(tmp_path)],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, **env},
    ).stdout.strip()


def test_preload_loads_the_engine_once(tmp_path):
    out = run_probe(tmp_path)
    assert out == "[] ['bandit', 'detect_secrets', 'jsonschema', 'radon', 'sqlalchemy'] 0.0", out


def test_preload_can_be_switched_off(tmp_path):
    out = run_probe(tmp_path, WORKER_PRELOAD="0")
    assert out.startswith("[] [] "), out  # nothing loaded by the start-up hook
