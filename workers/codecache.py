"""The methods of prguard's dataclasses, kept compiled between runs of the command line.

`@dataclass` writes each class's `__init__`, `__repr__`, `__eq__` ... as Python source and compiles
that source when the class's module is imported. A review imports about a hundred dataclasses, and
compiling their methods was about a quarter of a small review's CPU time (itsdangerous 2.1.1 -> 2.1.2:
~80 of ~275 ms). The source depends only on a class's fields and options, and the code compiled from
it only on that source and the interpreter, so the code objects are kept in a `marshal` entry of
prguard.startup_cache per subcommand (named by the interpreter's version) and found again by the
source text itself. The classes are the same either way: the same source compiled with the same flags
and file name.

`install()` (the command line calls it before importing anything else of prguard's) points the
`exec` that dataclasses calls at the cache; the entry is written when the process exits, only if the
run compiled something new.
"""

from __future__ import annotations

import atexit
import builtins
from typing import Any

from prguard import startup_cache

#: inputs an entry keeps at most (see `_Entry`)
MAX_ENTRIES = 600
_installed: list[_Entry] = []


class _Entry:
    """One startup_cache entry: a dict from an input to what was compiled from it, for one
    subcommand (each imports its own modules). Beyond MAX_ENTRIES inputs (older versions of
    prguard's piling up) only what the run used is written back."""

    def __init__(self, kind: str, command: str) -> None:
        self.path = startup_cache.entry(kind, b"1", command.encode())
        data = startup_cache.read(self.path)
        self.data: dict[Any, Any] = data if isinstance(data, dict) else {}
        self.used: dict[Any, Any] = {}
        self.added = 0

    def get(self, key: Any) -> Any:
        found = self.data.get(key)
        if found is not None:
            self.used[key] = found
        return found

    def put(self, key: Any, value: Any) -> None:
        self.data[key] = self.used[key] = value
        self.added += 1

    def save(self) -> None:
        if self.added:
            startup_cache.write(self.path, self.data if len(self.data) <= MAX_ENTRIES else self.used)


def _cached_exec(codes: _Entry) -> Any:
    def exec(source: Any, globals: Any = None, locals: Any = None, /, **options: Any) -> None:
        """`exec` as dataclasses calls it (source text, globals, a namespace), its compile cached."""
        if type(source) is not str or options:
            return builtins.exec(source, globals, locals, **options)  # noqa: S102 - exec's own callers
        code = codes.get(source)
        if code is None:
            # dont_inherit: the flags of the source alone, as `exec` of a string in dataclasses
            # (which has no `from __future__` import) compiles it
            code = compile(source, "<string>", "exec", dont_inherit=True)
            codes.put(source, code)
        return builtins.exec(code, globals, locals)  # noqa: S102 - dataclasses' generated methods

    return exec


def install(command: str = "") -> None:
    """Compile dataclasses' generated methods through the cache (once per process; nothing happens
    without a cache directory). `command`: the subcommand run (its own entry; anything else shares
    one)."""
    if _installed or startup_cache.cache_dir() is None:
        return
    import dataclasses

    command = command if command.isidentifier() and len(command) < 20 else ""
    codes = _Entry("dataclass-code", command)
    dataclasses.exec = _cached_exec(codes)  # type: ignore[attr-defined]  # shadows the builtin there only
    _installed.append(codes)
    atexit.register(codes.save)
