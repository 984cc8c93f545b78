"""Data prguard derives from its own installation at start-up, kept between runs in the user's cache
directory: the parse of its shipped YAML files (prguard.shipped_yaml) and the installed entry points
(prguard.engine.plugin). Never a review's input or result.

Entries are `marshal` bytes named by a key the caller derives from everything the data depends on
(file contents, the interpreter's version, file modification times), so a changed input is a new
name, never a stale entry. Writes are atomic; a cache that cannot be read or written only means
computing the data again.
"""

from __future__ import annotations

import contextlib
import hashlib
import marshal
import os
import sys
from pathlib import Path
from typing import Any

#: the environment variable that overrides where the entries are kept
CACHE_ENV = "PRGUARD_CACHE_DIR"
MISSING: Any = object()


def cache_dir() -> Path | None:
    """$PRGUARD_CACHE_DIR, else $XDG_CACHE_HOME/prguard, else ~/.cache/prguard (None: no home)."""
    configured = os.environ.get(CACHE_ENV)
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME")
    if base:
        return Path(base) / "prguard"
    try:
        return Path.home() / ".cache" / "prguard"
    except RuntimeError:  # no home directory to be found
        return None


def entry(kind: str, *parts: bytes) -> Path | None:
    """Where the entry of `kind` for these inputs lives (None when there is no cache directory)."""
    directory = cache_dir()
    if directory is None:
        return None
    key = hashlib.sha256(f"{sys.version}\0{marshal.version}".encode())
    for part in parts:
        key.update(b"\0" + part)
    return directory / kind / f"{key.hexdigest()[:40]}.marshal"


def read(path: Path | None) -> Any:
    """The entry's data, or `MISSING` when there is none (or it cannot be read)."""
    if path is None:
        return MISSING
    try:
        return marshal.loads(path.read_bytes())  # noqa: S302 - written by prguard for this user
    except (OSError, EOFError, ValueError, TypeError):
        return MISSING


def write(path: Path | None, data: Any) -> None:
    """Write the entry atomically (another process may be reading or writing the same one)."""
    if path is None:
        return
    try:
        encoded = marshal.dumps(data)
    except ValueError:  # a type marshal cannot keep (a YAML timestamp): computed each time
        return
    write_atomically(path, encoded)


def write_atomically(path: Path, encoded: bytes) -> bool:
    """Put `encoded` at `path` through a temporary file and a rename, in private (0700) folders,
    so a reader sees the old file or the whole new one. False when it could not be written: a
    cache that cannot be written only costs time. Shared by every on-disk cache of prguard's."""
    import tempfile  # on use: most runs write nothing

    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    except OSError:
        return False
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(encoded)
        os.replace(temporary, path)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        return False
    return True
