"""Code prguard's command line compiles at every start, kept compiled between runs: the methods of
its dataclasses and its regular expressions.

`@dataclass` writes each class's `__init__`, `__repr__`, `__eq__` ... as Python source and compiles
that source when the class's module is imported; `re.compile` parses a pattern and turns it into the
matcher's code, in Python. A small review imports about a hundred dataclasses and compiles about two
hundred patterns, and the two were about a third of its CPU time (itsdangerous 2.1.1 -> 2.1.2: ~80
and ~20 of ~275 ms). What they produce depends only on their input (the generated source; the
pattern and its flags) and the interpreter, so it is kept in `marshal` entries of
prguard.startup_cache (one per subcommand and kind, named by the interpreter's version) and found
again by that input:
- dataclasses: the code object compiled from the source (same source, flags and file name), so the
  classes are the same;
- regular expressions: what `re._compiler.compile` hands to `_sre.compile` (the pattern's final
  flags, the matcher's code, its groups), so the pattern object is built by `_sre` as before. A
  pattern whose parse can warn (a possible nested set or set operation, a group name to check) is
  compiled each time, so its warning is still given.

`install()` (the command line calls it before importing anything else of prguard's) points the
`exec` dataclasses calls and `re`'s compile at the caches; an entry is written when the process
exits, only if the run compiled something new.
"""

from __future__ import annotations

import atexit
import builtins
import sys
import types
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
        if not isinstance(code, types.CodeType):  # none yet, or an entry that is not code: compile
            # dont_inherit: the flags of the source alone, as `exec` of a string in dataclasses
            # (which has no `from __future__` import) compiles it
            code = compile(source, "<string>", "exec", dont_inherit=True)
            codes.put(source, code)
        return builtins.exec(code, globals, locals)  # noqa: S102 - dataclasses' generated methods

    return exec


#: in a pattern, what the parser may warn about (see `_regex_compile`): never taken from the cache
_MAY_WARN = ("[[", "--", "&&", "~~", "||", "(?(", "\\g<")
_MAY_WARN_BYTES = tuple(text.encode() for text in _MAY_WARN)


def _regex_compile(patterns: _Entry, original: Any) -> Any:
    import _sre
    from re import _compiler, _parser

    debug = _compiler.SRE_FLAG_DEBUG

    def compile(pattern: Any, flags: int = 0) -> Any:
        """`re._compiler.compile` (3.12, 3.13) with its parse and code generation cached."""
        kind = type(pattern)
        if flags & debug or (kind is not str and kind is not bytes):
            return original(pattern, flags)
        key = (pattern, int(flags))  # plain ints: flags may be an int subclass (re's defaults)
        found = patterns.get(key)
        if found is None:
            parsed = _parser.parse(pattern, flags)
            code = [int(op) for op in _compiler._code(parsed, flags)]  # opcodes are int subclasses
            groupindex = parsed.state.groupdict
            indexgroup = [None] * parsed.state.groups
            for name, index in groupindex.items():
                indexgroup[index] = name
            groups = parsed.state.groups - 1
            found = (int(flags | parsed.state.flags), code, groups, dict(groupindex), tuple(indexgroup))
            if not any(text in pattern for text in (_MAY_WARN if kind is str else _MAY_WARN_BYTES)):
                patterns.put(key, found)
        try:
            final_flags, code, groups, groupindex, indexgroup = found
            return _sre.compile(pattern, final_flags, code, groups, dict(groupindex), indexgroup)
        except (TypeError, ValueError, RuntimeError):  # an entry that is not what this run wrote
            return original(pattern, flags)

    return compile


def install(command: str = "") -> None:
    """Compile dataclasses' generated methods and regular expressions through the caches (once per
    process; nothing happens without a cache directory). `command`: the subcommand run (its own
    entries; anything else shares them)."""
    if _installed or startup_cache.cache_dir() is None:
        return
    import dataclasses

    command = command if command.isidentifier() and len(command) < 20 else ""
    codes = _Entry("dataclass-code", command)
    dataclasses.exec = _cached_exec(codes)  # type: ignore[attr-defined]  # shadows the builtin there only
    _installed.append(codes)
    atexit.register(codes.save)
    if sys.version_info[:2] in ((3, 12), (3, 13)):  # the versions whose re._compiler.compile this repeats
        from re import _compiler

        patterns = _Entry("regex-code", command)
        _compiler.compile = _regex_compile(patterns, _compiler.compile)
        _installed.append(patterns)
        atexit.register(patterns.save)
