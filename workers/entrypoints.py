"""The installed entry points (every group), read once per process and kept between runs.

A review needs four groups (prguard's analyzers and authorship detector, bandit's plugins and
blacklists), and a scan reads every distribution's metadata whatever the group asked for (~10 ms,
plus ~15 ms importing `importlib.metadata` with zipfile, email, csv and importlib.resources). The
scan is kept in the user's cache directory (prguard.startup_cache), one entry per `sys.path`,
valid while every path entry and every `entry_points.txt` in it keeps its modification time:
installing, removing or editing a distribution rescans (stevedore, which bandit uses, keys its
own cache the same way). A kept scan is served without importing `importlib.metadata`.
"""

from __future__ import annotations

import glob
import hashlib
import os
import re
import sys
from collections.abc import Iterator
from functools import cache, reduce
from importlib import import_module
from typing import Any

from prguard import startup_cache

# importlib.metadata.EntryPoint.pattern: `module[:attr.attr] [extras]`
_VALUE = re.compile(r"(?P<module>[\w.]+)\s*(:\s*(?P<attr>[\w.]+)\s*)?((?P<extras>\[.*\])\s*)?$")


class InstalledEntryPoint:
    """One entry point: what the engine reads of `importlib.metadata.EntryPoint`."""

    __slots__ = ("group", "name", "value")

    def __init__(self, name: str, value: str, group: str) -> None:
        self.name = name
        self.value = value
        self.group = group

    def load(self) -> Any:
        """The object the entry point names, imported as `importlib.metadata.EntryPoint.load` does."""
        match = _VALUE.match(self.value)
        if match is None:
            raise ValueError(f"malformed entry point value {self.value!r}")
        module = import_module(match.group("module"))
        attrs = filter(None, (match.group("attr") or "").split("."))
        return reduce(getattr, attrs, module)

    def __repr__(self) -> str:
        return f"InstalledEntryPoint(name={self.name!r}, value={self.value!r}, group={self.group!r})"


class InstalledEntryPoints(tuple):
    """Every installed entry point, in scan order."""

    def select(self, *, group: str) -> tuple[InstalledEntryPoint, ...]:
        return tuple(point for point in self if point.group == group)

    @property
    def groups(self) -> set[str]:
        return {point.group for point in self}


@cache
def installed_entry_points() -> InstalledEntryPoints:
    """Every installed entry point, as `importlib.metadata.entry_points()` lists them."""
    # one entry per `sys.path`, holding the signature it was made for: rewritten, not added to,
    # when a distribution changes
    key = startup_cache.entry("entry-points", "\0".join(sys.path).encode())
    signature = hashlib.sha256(b"\0".join(_installation())).hexdigest()
    cached = startup_cache.read(key)
    if isinstance(cached, tuple) and len(cached) == 2 and cached[0] == signature:
        rows = cached[1]
    else:
        rows = [(point.name, point.value, point.group) for point in _scan()]
        startup_cache.write(key, (signature, rows))
    return InstalledEntryPoints(InstalledEntryPoint(name, value, group) for name, value, group in rows)


def _scan() -> Any:
    from importlib.metadata import entry_points

    return entry_points()


def _installation() -> Iterator[bytes]:
    """What the installed entry points depend on: path entries and entry-point files, with mtimes."""
    for entry in sys.path:
        try:
            yield f"{entry}\0{os.stat(entry or '.').st_mtime_ns}".encode()
            found = [os.path.join(entry, "*.dist-info", "entry_points.txt")]
            found.append(os.path.join(entry, "*.egg-info", "entry_points.txt"))
            for path in sorted(name for pattern in found for name in glob.glob(pattern)):
                yield f"{path}\0{os.stat(path).st_mtime_ns}".encode()
        except OSError:
            yield f"{entry}\0-".encode()
