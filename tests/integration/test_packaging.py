"""`pip install .` installs one import package, `prguard`, and nothing else at the top level.

A user project with its own `app/` or `workers/` package must neither shadow prguard nor be shadowed by it,
so the wheel may hold only `prguard` (and its dist-info). Built the way a user installs it, into a
throw-away target directory, and imported from a directory outside the checkout.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("site")
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target), str(ROOT)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    return target


def _python(code: str, site: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, {str(site)!r}); {code}"],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_only_prguard_is_installed_at_the_top_level(installed: Path) -> None:
    top = sorted(p.name for p in installed.iterdir() if not p.name.endswith(".dist-info"))
    assert top == ["bin", "prguard"] or top == ["prguard"], top


def test_prguard_imports_and_the_folder_names_do_not(installed: Path, tmp_path: Path) -> None:
    ok = _python(
        "import prguard.app, prguard.policies.loader, prguard.engine.review, prguard.cli; "
        "print(prguard.app.__file__)",
        installed,
        tmp_path,
    )
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.strip().startswith(str(installed)), ok.stdout
    for name in ("app", "workers", "policies"):
        missing = _python(f"import {name}", installed, tmp_path)
        assert missing.returncode != 0 and "ModuleNotFoundError" in missing.stderr, name


def test_package_data_ships_schema_presets_and_example(installed: Path) -> None:
    root = installed / "prguard"
    assert (root / "policies" / "presets" / "default.yml").is_file()
    assert any((root / "policies" / "schema").rglob("*.json"))
    assert (root / "examples" / "invoice_export" / "metadata.json").is_file()


def test_every_package_folder_is_listed_in_pyproject(installed: Path) -> None:
    """A new subpackage missing from pyproject's explicit list would be left out of the wheel."""
    folders = {"workers": "prguard", "app": "prguard/app", "policies": "prguard/policies"}
    missing = []
    for folder, dest in folders.items():
        for init in (ROOT / folder).rglob("__init__.py"):
            rel = init.parent.relative_to(ROOT / folder)
            if "__pycache__" in rel.parts:
                continue
            if not (installed / dest / rel / "__init__.py").is_file():
                missing.append(str(init.parent.relative_to(ROOT)))
    assert not missing, f"packages not shipped (add them to [tool.setuptools] packages): {missing}"
