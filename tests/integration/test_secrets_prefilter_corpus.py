"""The secrets pre-filter on this whole repository: same findings as every detector on every line, and few
lines scanned. Integration because the unfiltered scan of tens of thousands of lines takes half a minute;
tests/unit/test_secrets_prefilter.py checks the same equality on the planted secrets alone."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from prguard.analyzers.secrets import _plugin_names
from prguard.analyzers.secrets_prefilter import candidates
from prguard.engine.model import ChangedFile

from tests.unit.secrets_helpers import (
    PLANTED,
    assert_prefilter_changes_nothing,
    changes,
)

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
WEBHOOKS = ROOT / "tests" / "fixtures" / "github-webhooks"
TEXT_SUFFIXES = {".py", ".txt", ".json", ".yaml", ".yml", ".toml", ".md", ".service", ".cfg", ".ini", ".sh"}


def _repository_files() -> dict[str, bytes]:
    """Real text files: this repository's tracked files and GitHub's webhook payloads."""
    listed = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    files = {}
    for name in listed.splitlines():
        path = ROOT / name
        if path.suffix in TEXT_SUFFIXES and path.is_file() and path.stat().st_size < 200_000:
            files[name] = path.read_bytes()
    for path in sorted(WEBHOOKS.rglob("*.json")):
        files[f"fixtures/{path.relative_to(WEBHOOKS)}"] = path.read_bytes()
    return files


@pytest.fixture(scope="module")
def corpus() -> list[ChangedFile]:
    planted = {path: text.encode() for path, text in PLANTED.items()}
    return changes({**_repository_files(), **planted})


def test_findings_are_identical_with_and_without_the_prefilter(corpus, monkeypatch):
    assert_prefilter_changes_nothing(corpus, monkeypatch)


def test_the_prefilter_leaves_few_lines_to_scan(corpus):
    lines = [line for f in corpus for line in f.head.decode().splitlines()]
    marked = candidates(lines, _plugin_names())
    assert len(lines) > 20_000
    assert len(marked) < 0.1 * len(lines)
    run = sum(len(names) for names in marked.values())
    assert run < 0.01 * len(lines) * len(
        _plugin_names()
    )  # detector runs: under 1% of every-line-every-detector
