"""The installed entry points, kept between runs: the same as a scan, and scanned again when a
distribution changes."""

from __future__ import annotations

from importlib.metadata import entry_points
from pathlib import Path

import pytest
from prguard import startup_cache
from prguard.engine import plugin


def _rows(points) -> list[tuple[str, str, str]]:
    return [(p.name, p.value, p.group) for p in points]


@pytest.fixture
def fresh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv(startup_cache.CACHE_ENV, str(tmp_path))
    plugin.installed_entry_points.cache_clear()
    yield tmp_path
    plugin.installed_entry_points.cache_clear()


def test_the_kept_scan_is_the_scan_until_an_installation_changes(fresh: Path, monkeypatch) -> None:
    expected = _rows(entry_points())
    assert _rows(plugin.installed_entry_points()) == expected  # scanned, and kept
    assert len(list((fresh / "entry-points").glob("*.marshal"))) == 1

    def no_scan():
        raise AssertionError("scanned again")

    monkeypatch.setattr(plugin, "entry_points", no_scan)
    plugin.installed_entry_points.cache_clear()
    kept = plugin.installed_entry_points()
    assert _rows(kept) == expected
    assert "security" in kept.select(group=plugin.ANALYZER_GROUP).names

    # a distribution installed, removed or edited: its entry_points.txt or directory mtime moves
    original = plugin._installation
    monkeypatch.setattr(plugin, "_installation", lambda: iter([*original(), b"new.dist-info\0123"]))
    plugin.installed_entry_points.cache_clear()
    with pytest.raises(AssertionError, match="scanned again"):
        plugin.installed_entry_points()
