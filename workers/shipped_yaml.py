"""YAML data files shipped with prguard (the policy presets, the authorship marker table), parsed once
per installation rather than on every run.

Importing PyYAML and parsing these files was about a tenth of a small `prguard review`'s CPU time.
The parsed data is kept in the user's cache directory as `marshal` bytes, under a name derived from
the file's content and the interpreter's version, so an edited file or another Python never reads a
stale entry; a cache that cannot be read or written only means parsing the file again. Only files in
prguard's own package are read this way: what a repository or policy supplies is parsed (and
checked) each time by prguard.policies.yamlsafe.
"""

from __future__ import annotations

import contextlib
import hashlib
import marshal
import os
import sys
from pathlib import Path
from typing import Any

#: the environment variable that overrides where the parsed files are kept
CACHE_ENV = "PRGUARD_CACHE_DIR"


def load(path: Path) -> Any:
    """The YAML document in `path`, as `yaml.load` with PyYAML's (C) safe loader gives it."""
    raw = path.read_bytes()
    entry = _entry(raw)
    if entry is not None:
        try:
            return marshal.loads(entry.read_bytes())
        except (OSError, EOFError, ValueError, TypeError):
            pass  # no entry yet, or one that cannot be read: parse the file
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: ~10x faster
    data = yaml.load(raw.decode("utf-8"), Loader=loader)  # noqa: S506 - a safe loader
    if entry is not None:
        _store(entry, data)
    return data


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


def _entry(raw: bytes) -> Path | None:
    directory = cache_dir()
    if directory is None:
        return None
    key = hashlib.sha256(raw)
    key.update(f"\0{sys.version}\0{marshal.version}".encode())
    return directory / "yaml" / f"{key.hexdigest()[:40]}.marshal"


def _store(entry: Path, data: Any) -> None:
    """Write the entry atomically (another process may be reading or writing the same one)."""
    import tempfile

    try:
        encoded = marshal.dumps(data)
    except ValueError:  # a type marshal cannot keep (a YAML timestamp): parse each time
        return
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=entry.parent, suffix=".tmp")
    except OSError:
        return
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(encoded)
        os.replace(temporary, entry)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
