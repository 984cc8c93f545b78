"""YAML data files shipped with prguard (the policy presets, the authorship marker table), parsed once
per installation rather than on every run.

Importing PyYAML and parsing these files was about a tenth of a small `prguard review`'s CPU time.
The parsed data is kept in the user's cache directory (prguard.startup_cache), under a name derived
from the file's content and the interpreter's version, so an edited file or another Python never
reads a stale entry. Only files in prguard's own package are read this way: what a repository or
policy supplies is parsed (and checked) each time by prguard.policies.yamlsafe.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prguard import startup_cache
from prguard.startup_cache import CACHE_ENV as CACHE_ENV  # re-exported for tests and callers


def load(path: Path) -> Any:
    """The YAML document in `path`, as `yaml.load` with PyYAML's (C) safe loader gives it."""
    raw = path.read_bytes()
    entry = startup_cache.entry("yaml", raw)
    data = startup_cache.read(entry)
    if data is not startup_cache.MISSING:
        return data
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: ~10x faster
    data = yaml.load(raw.decode("utf-8"), Loader=loader)  # noqa: S506 - a safe loader
    startup_cache.write(entry, data)
    return data
