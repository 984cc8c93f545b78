"""A third-party analyzer, installed as a real distribution, is found through the
`prguard.analyzers` entry-point group and its findings show up in `prguard review`.

The plugin is a hand-built wheel (no build backend, no network) installed with pip into a
temporary directory put on PYTHONPATH: importlib.metadata finds its entry points there as it
would in site-packages.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration  # pip installs a wheel and each test runs prguard in a child Python

PLUGIN_MODULE = '''
from prguard.engine.model import Finding, Severity, make_fingerprint
from prguard.engine.plugin import Analyzer

#: its `analyzers.acme` policy section, registered in `prguard.policy_schema`
POLICY_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "enabled": {"type": "boolean", "default": True},
        "label": {"type": "string", "default": "acme looked at this file"},
    },
}


class AcmeAnalyzer(Analyzer):
    """Flags the first added line of every Python file (enough to see it run)."""

    name = "acme"
    compare_with_base = False
    order = 5

    def analyze_file(self, ctx):
        added = sorted(ctx.diff.added_lines)
        if not added:
            return
        line = added[0]
        text = ctx.head.lines[line - 1] if line <= len(ctx.head.lines) else ""
        yield Finding(
            rule_id="ACME001",
            analyzer=self.name,
            severity=Severity.LOW,
            path=ctx.path,
            start_line=line,
            end_line=line,
            message=ctx.settings.get("label", "acme looked at this file"),
            fingerprint=make_fingerprint("ACME001", ctx.path, text),
        )
'''

WHEEL_FILE = "Wheel-Version: 1.0\nGenerator: hand\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
BROKEN_MODULE = "raise ImportError('acme_broken needs a library that is not installed')\n"


def build_wheel(directory: Path, name: str, modules: dict[str, str], entry_points: str) -> Path:
    """A minimal, valid wheel: the modules, METADATA, WHEEL, entry_points.txt and RECORD."""
    dist_info = f"{name}-1.0.dist-info"
    files = {
        **modules,
        f"{dist_info}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n",
        f"{dist_info}/WHEEL": WHEEL_FILE,
        f"{dist_info}/entry_points.txt": entry_points,
    }
    record = "".join(f"{path},,\n" for path in files) + f"{dist_info}/RECORD,,\n"
    wheel = directory / f"{name}-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for path, text in {**files, f"{dist_info}/RECORD": record}.items():
            archive.writestr(path, text)
    return wheel


def install(wheel: Path, target: Path) -> None:
    command = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index"]
    subprocess.run(
        [*command, "--target", str(target), str(wheel)], check=True, capture_output=True, timeout=120
    )


def review_example(site: Path, policy: Path | None = None) -> tuple[int, dict]:
    env = {**os.environ, "PYTHONPATH": str(site)}
    extra = ["--policy", str(policy)] if policy is not None else []
    done = subprocess.run(
        [sys.executable, "-m", "prguard.cli", "review", "--example", "--format", "json", *extra],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return done.returncode, json.loads(done.stdout) if done.returncode in (0, 1) else {"stderr": done.stderr}


@pytest.fixture(scope="module")
def plugin_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("plugin")
    site = root / "site"
    wheel = build_wheel(
        root,
        "acme_prguard",
        {"acme_prguard.py": PLUGIN_MODULE},
        "[prguard.analyzers]\nacme = acme_prguard:AcmeAnalyzer\n"
        "[prguard.policy_schema]\nacme = acme_prguard:POLICY_SCHEMA\n",
    )
    install(wheel, site)
    return site


def test_an_installed_plugin_reports_in_prguard_review(plugin_site: Path) -> None:
    code, report = review_example(plugin_site)
    assert code == 1  # the example's own verdict is unchanged
    acme = [f for f in report["findings"] if f["analyzer"] == "acme"]
    assert acme and {f["rule_id"] for f in acme} == {"ACME001"}
    assert "acme" in report["stats"]["analyzers"]
    assert any(f["analyzer"] == "security" for f in report["findings"])  # prguard's own still run


def test_the_plugins_policy_section_is_validated_and_reaches_it(plugin_site: Path, tmp_path: Path) -> None:
    policy = tmp_path / "prguard.yml"
    policy.write_text("version: 1\nanalyzers:\n  acme:\n    label: configured label\n", encoding="utf-8")
    _code, report = review_example(plugin_site, policy)
    assert {f["message"] for f in report["findings"] if f["analyzer"] == "acme"} == {"configured label"}

    policy.write_text("version: 1\nanalyzers:\n  acme:\n    enabled: false\n", encoding="utf-8")
    _code, report = review_example(plugin_site, policy)
    assert not [f for f in report["findings"] if f["analyzer"] == "acme"]

    policy.write_text("version: 1\nanalyzers:\n  acme:\n    colour: red\n", encoding="utf-8")
    code, report = review_example(plugin_site, policy)
    assert code == 2 and "colour" in report["stderr"]


def test_without_the_plugin_there_is_no_acme(tmp_path: Path) -> None:
    _code, report = review_example(tmp_path)
    assert not [f for f in report["findings"] if f["analyzer"] == "acme"]
    assert "acme" not in report["stats"]["analyzers"]
    policy = tmp_path / "prguard.yml"
    policy.write_text("version: 1\nanalyzers:\n  acme:\n    enabled: false\n", encoding="utf-8")
    code, report = review_example(tmp_path, policy)
    assert code == 2 and "acme" in report["stderr"]  # no such analyzer: its section is a typo


def test_a_plugin_that_fails_to_load_is_named_and_the_review_goes_on(tmp_path: Path) -> None:
    wheel = build_wheel(
        tmp_path,
        "acme_broken",
        {"acme_broken.py": BROKEN_MODULE},
        "[prguard.analyzers]\nbroken = acme_broken:Analyzer\n",
    )
    install(wheel, tmp_path / "site")
    code, report = review_example(tmp_path / "site")
    assert any("analyzer plugin 'broken'" in note and "not installed" in note for note in report["notes"])
    assert any(f["analyzer"] == "security" for f in report["findings"])
    assert code == 1
