"""The methods of prguard's dataclasses, kept compiled between runs of the command line.

`@dataclass` writes each class's `__init__`, `__repr__`, `__eq__` ... as Python source and compiles
that source when the class's module is imported. A review imports about a hundred dataclasses, and
compiling their methods was about a quarter of a small review's CPU time (itsdangerous 2.1.1 -> 2.1.2:
~80 of ~275 ms). The source depends only on a class's fields and options, and the code compiled from
it only on that source and the interpreter, so the code objects are kept in one `marshal` entry of
prguard.startup_cache (named by the interpreter's version) and found again by the source text itself.
The classes are the same either way: the same source compiled with the same flags and file name.

`install()` (the command line calls it before importing anything else of prguard's) points the
`exec` that dataclasses calls at `_CodeCache.exec`; the entry is written when the process exits,
only if the run compiled something new.
"""

from __future__ import annotations

import atexit
import builtins
from pathlib import Path
from typing import Any

from prguard import startup_cache

#: beyond this many sources (other prguard versions' classes piling up) the entry starts again
MAX_SOURCES = 2_000
_installed: _CodeCache | None = None


class _CodeCache:
    def __init__(self, path: Path) -> None:
        self.path = path
        data = startup_cache.read(path)
        self.codes: dict[str, Any] = data if isinstance(data, dict) else {}
        self.added = 0

    def exec(self, source: Any, globals: Any = None, locals: Any = None, /, **options: Any) -> None:
        """`exec` as dataclasses calls it (source text, globals, a namespace), its compile cached."""
        if type(source) is not str or options:
            return builtins.exec(source, globals, locals, **options)  # noqa: S102 - exec's own callers
        code = self.codes.get(source)
        if code is None:
            # dont_inherit: the flags of the source alone, as `exec` of a string in dataclasses
            # (which has no `from __future__` import) compiles it
            code = compile(source, "<string>", "exec", dont_inherit=True)
            self.codes[source] = code
            self.added += 1
        return builtins.exec(code, globals, locals)  # noqa: S102 - dataclasses' generated methods

    def save(self) -> None:
        if not self.added:
            return
        kept = startup_cache.read(self.path)  # another run may have added its own meanwhile
        merged = kept if isinstance(kept, dict) and len(kept) + self.added <= MAX_SOURCES else {}
        merged.update(self.codes)
        startup_cache.write(self.path, merged)


def install() -> None:
    """Compile dataclasses' generated methods through the cache (once per process; nothing
    happens without a cache directory)."""
    global _installed
    if _installed is not None:
        return
    path = startup_cache.entry("dataclass-code", b"1")
    if path is None:
        return
    import dataclasses

    _installed = _CodeCache(path)
    dataclasses.exec = _installed.exec  # type: ignore[attr-defined]  # shadows the builtin there only
    atexit.register(_installed.save)
