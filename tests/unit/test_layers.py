"""The layer map in pyproject.toml ([tool.importlinter]) holds, and a broken layer is caught.

prguard.app and prguard.policies are installed from folders beside workers/ (the package
root), which an editable install maps but import-linter's scan of `prguard` cannot see. So
each test lints a copy of the installed layout: workers/ as prguard/, app/ and policies/
inside it, only the Python files.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def installed_layout(destination: Path) -> Path:
    """Copy the package as `pip install .` lays it out; returns the directory to put on sys.path."""
    package = destination / "prguard"
    ignore = shutil.ignore_patterns("__pycache__", "examples")
    shutil.copytree(ROOT / "workers", package, ignore=ignore)
    (package / "examples").mkdir()
    shutil.copy2(ROOT / "workers" / "examples" / "__init__.py", package / "examples" / "__init__.py")
    for folder in ("app", "policies"):
        shutil.copytree(ROOT / folder, package / folder, ignore=shutil.ignore_patterns("__pycache__"))
    return destination


def lint(path: Path) -> subprocess.CompletedProcess[str]:
    """`lint-imports` with the project's contracts over the copy at `path`."""
    if not LINT_IMPORTS.exists():
        pytest.fail(f"{LINT_IMPORTS} missing: pip install -e '.[dev]' installs import-linter")
    env = {**os.environ, "PYTHONPATH": str(path)}
    return subprocess.run(
        [str(LINT_IMPORTS), str(ROOT / "pyproject.toml"), "--no-cache"],
        cwd=path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_layer_contracts_hold(tmp_path: Path) -> None:
    result = lint(installed_layout(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 4 kept, 0 broken." in result.stdout, result.stdout


@pytest.mark.parametrize(
    ("module", "forbidden_import", "contract"),
    [
        (
            "engine/gate.py",
            "import celery",
            "The engine and the analyzers need no web, queue, Redis or GitHub",
        ),
        ("analyzers/secrets.py", "import prguard.publish.review", "Layers"),
        ("app/routing.py", "import prguard.engine.review", "The webhook receiver never loads the engine"),
        ("engine/gate.py", "import prguard.analyzers.security", "Layers"),
    ],
)
def test_an_injected_forbidden_import_is_caught(
    tmp_path: Path, module: str, forbidden_import: str, contract: str
) -> None:
    root = installed_layout(tmp_path)
    target = root / "prguard" / module
    target.write_text(target.read_text(encoding="utf-8") + f"\n{forbidden_import}\n", encoding="utf-8")
    result = lint(root)
    assert result.returncode != 0, result.stdout
    assert f"{contract}" in result.stdout and "BROKEN" in result.stdout, result.stdout
    assert forbidden_import.split()[-1] in result.stdout, result.stdout
