"""The installed entry points, kept between runs: the same as a scan, and scanned again when a
distribution changes."""

from __future__ import annotations

from importlib.metadata import entry_points
from pathlib import Path

import pytest
from prguard import entrypoints, startup_cache
from prguard.engine import plugin


def _rows(points) -> list[tuple[str, str, str]]:
    return [(p.name, p.value, p.group) for p in points]


@pytest.fixture
def fresh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv(startup_cache.CACHE_ENV, str(tmp_path))
    entrypoints.installed_entry_points.cache_clear()
    yield tmp_path
    entrypoints.installed_entry_points.cache_clear()


def test_the_kept_scan_is_the_scan_until_an_installation_changes(fresh: Path, monkeypatch) -> None:
    expected = _rows(entry_points())
    assert _rows(entrypoints.installed_entry_points()) == expected  # scanned, and kept
    assert len(list((fresh / "entry-points").glob("*.marshal"))) == 1

    def no_scan():
        raise AssertionError("scanned again")

    monkeypatch.setattr(entrypoints, "_scan", no_scan)
    entrypoints.installed_entry_points.cache_clear()
    kept = entrypoints.installed_entry_points()
    assert _rows(kept) == expected
    analyzers = kept.select(group=plugin.ANALYZER_GROUP)
    assert "security" in {p.name for p in analyzers}
    # loaded as importlib.metadata loads them
    real = {p.name: p for p in entry_points(group=plugin.ANALYZER_GROUP)}
    assert all(p.load() is real[p.name].load() for p in analyzers)

    # a distribution installed, removed or edited: its entry_points.txt or directory mtime moves
    original = entrypoints._installation
    monkeypatch.setattr(entrypoints, "_installation", lambda: iter([*original(), b"new.dist-info\0123"]))
    entrypoints.installed_entry_points.cache_clear()
    with pytest.raises(AssertionError, match="scanned again"):
        entrypoints.installed_entry_points()
