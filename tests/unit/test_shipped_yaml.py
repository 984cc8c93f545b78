"""prguard.shipped_yaml: shipped YAML files parsed once per installation, never stale."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import yaml
from prguard import shipped_yaml
from prguard.analyzers.authorship_table import MARKERS_FILE
from prguard.policies.composer import PRESETS_DIR


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "cache"
    monkeypatch.setenv(shipped_yaml.CACHE_ENV, str(directory))
    return directory


def _no_yaml(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make `import yaml` fail: what is returned then came from the cache."""
    monkeypatch.setitem(sys.modules, "yaml", None)


@pytest.mark.parametrize("path", [MARKERS_FILE, PRESETS_DIR / "default.yml"], ids=["markers", "preset"])
def test_the_cached_parse_is_pyyamls(cache: Path, path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert shipped_yaml.load(path) == expected  # parsed, and kept
    assert len(list((cache / "yaml").glob("*.marshal"))) == 1
    _no_yaml(monkeypatch)
    assert shipped_yaml.load(path) == expected  # read back without PyYAML


def test_an_edited_file_is_parsed_again(cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "data.yml"
    path.write_text("a: 1\n")
    assert shipped_yaml.load(path) == {"a": 1}
    path.write_text("a: 2\n")
    assert shipped_yaml.load(path) == {"a": 2}
    _no_yaml(monkeypatch)
    path.write_text("a: 1\n")
    assert shipped_yaml.load(path) == {"a": 1}


def test_a_broken_entry_or_unusable_cache_only_means_parsing(
    cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "data.yml"
    path.write_text("a: [1, 2]\nwhen: 2024-01-02\n")  # a date: marshal cannot keep it
    assert shipped_yaml.load(path)["a"] == [1, 2]
    assert not list((cache / "yaml").glob("*.marshal"))
    path.write_text("a: [1, 2]\n")
    shipped_yaml.load(path)
    [entry] = (cache / "yaml").glob("*.marshal")
    entry.write_bytes(entry.read_bytes()[:3])  # truncated
    assert shipped_yaml.load(path) == {"a": [1, 2]}
    blocked = tmp_path / "file-not-dir"
    blocked.write_text("")
    monkeypatch.setenv(shipped_yaml.CACHE_ENV, str(blocked))  # cannot be created
    assert shipped_yaml.load(path) == {"a": [1, 2]}
