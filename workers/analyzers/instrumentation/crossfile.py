"""Helpers in other files of the repository: which functions make an outbound call, a query or a
paid-API call, by qualified name, so a loop calling one per item is reported at the call in the loop,
naming the helper (`for u in ids: fetch_user(u)` with `fetch_user` from svc/client.py doing
`requests.get`).

`HelperIndex` is built once per review (the analyzer's `prepare`) over the changed files and, when the
review has one, the repository snapshot (files the change left alone). It reads a module only when
someone asks about it and keeps, per module, one small table {qualified function name: Effect}:
what the function calls directly (depth 1), or also through one more helper of its own file or of a
module it imports (depth 2). Names are resolved by the shared resolver (prguard.analyzers.pyresolve);
file paths become module names the way the repository index names them (prguard.index.resolve).

A file's cache key takes the tables of the repository modules it imports (`key_for`): a change to
what a helper does misses the cache of the files importing it; a change that leaves every table as
it was (an edit elsewhere, a helper's log line) keeps their hits.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from prguard.analyzers.base import FileContext, SourceFile
from prguard.analyzers.instrumentation.facts import Scanner
from prguard.analyzers.pyresolve import Resolver
from prguard.engine.diffmap import FileDiff
from prguard.index.resolve import module_names

if TYPE_CHECKING:
    from prguard.analyzers.instrumentation.evaluator import Evaluator

#: how far a helper is followed: the function the loop calls, and one more it calls
MAX_DEPTH = 2
#: the largest module read for its helpers (generated tables are no helpers)
MAX_MODULE_BYTES = 1_000_000
#: how many re-exports (`from .client import fetch_user` in a package's `__init__`) are followed
_MAX_HOPS = 3


@dataclass(frozen=True, slots=True)
class Effect:
    """What calling a helper does: one outbound call of `kind` ("http" | "query" | "paid")."""

    kind: str
    label: str  # the call it makes, as written there: "requests.get", "self.session.post"
    path: tuple[str, ...]  # qualified names from the helper called to the function making the call
    coroutine: bool = False  # the helper called is an `async def`: calling it only makes a coroutine

    def plain(self) -> str:
        return f"{self.kind}|{self.label}|{'>'.join(self.path)}|{int(self.coroutine)}"


@dataclass(slots=True)
class _Module:
    name: str
    path: str
    evaluator: Evaluator


class HelperIndex:
    """Outbound effects of the repository's functions, read module by module on demand."""

    def __init__(
        self,
        changed: Mapping[str, str],
        repository_paths: Iterable[str],
        read: Callable[[list[str]], Mapping[str, bytes]],
        settings: dict[str, Any],
    ) -> None:
        self._changed = dict(changed)  # path -> head text of the change's Python files
        self._read = read
        self.settings = settings
        names = module_names(set(self._changed) | set(repository_paths))
        self.path_of: dict[str, str] = {}
        for rank in range(3):  # a file's most likely name wins over another file's second name
            for path, candidates in sorted(names.items()):
                if rank < len(candidates):
                    self.path_of.setdefault(candidates[rank], path)
        self._modules: dict[str, _Module | None] = {}
        self._tables: dict[tuple[str, int], dict[str, Effect]] = {}

    @classmethod
    def for_review(
        cls, files: list[FileContext], repository: Any | None, settings: dict[str, Any]
    ) -> HelperIndex:
        """The change's files over the repository snapshot (when usable: not `unavailable`)."""
        changed = {ctx.path: ctx.head.text for ctx in files if ctx.is_python}
        paths: Iterable[str] = ()
        read: Callable[[list[str]], Mapping[str, bytes]] = _nothing
        if repository is not None and not getattr(repository, "unavailable", ""):
            paths = getattr(repository, "blobs", {}).keys()
            read = repository.read
        return cls(changed, paths, read, settings)

    # -- lookups -----------------------------------------------------------------------------------

    def module_of(self, qualname: str) -> tuple[str, str] | None:
        """(module, rest) for a qualified name inside a repository module, the longest module first."""
        parts = qualname.split(".")
        for cut in range(len(parts) - 1, 0, -1):
            module = ".".join(parts[:cut])
            if module in self.path_of:
                return module, ".".join(parts[cut:])
        return None

    def effect(self, qualname: str, depth: int = MAX_DEPTH, *, seen: set[str] | None = None) -> Effect | None:
        """What calling `qualname` does (None: nothing outbound, or not a function of the repository)."""
        found = self._locate(qualname, seen or set())
        if found is None:
            return None
        module, rest = found
        return self.table(module, depth).get(f"{module}.{rest}")

    def _locate(self, qualname: str, seen: set[str], hops: int = 0) -> tuple[str, str] | None:
        """The module defining `qualname`, through re-exports of packages (`from .client import f`)."""
        where = self.module_of(qualname)
        if where is None or hops > _MAX_HOPS:
            return None
        module, rest = where
        seen.add(module)
        loaded = self._module(module)
        if loaded is None:
            return None
        head = rest.split(".")[0]
        if head in loaded.evaluator.facts.module_functions or head in loaded.evaluator.facts.classes:
            return module, rest
        target = loaded.evaluator.resolver.imports.get(head)
        if target is None or target == qualname:
            return None
        return self._locate(".".join([target, *rest.split(".")[1:]]), seen, hops + 1)

    def table(self, module: str, depth: int) -> dict[str, Effect]:
        """{qualified name: Effect} of every function and method of `module` with an outbound call."""
        key = (module, depth)
        if key in self._tables:
            return self._tables[key]
        self._tables[key] = {}  # a module reached again while building its own table: nothing yet
        loaded = self._module(module)
        table: dict[str, Effect] = {}
        if loaded is not None:
            evaluator = loaded.evaluator
            for function in evaluator.facts.functions:
                if function.parent is not None:
                    continue  # nested functions are not callable from another file
                found = evaluator.outbound_effect(function, depth)
                if found is not None:
                    kind, label, path = found
                    table[f"{module}.{function.qualname}"] = Effect(
                        kind,
                        label,
                        tuple(path),
                        coroutine=isinstance(function.node, ast.AsyncFunctionDef),
                    )
        self._tables[key] = table
        return table

    def key_for(self, ctx: FileContext) -> str:
        """A digest of the tables of every repository module `ctx` imports (what its output can read)."""
        try:
            imported = _imports(ctx)
        except (SyntaxError, RecursionError, ValueError):
            return ""
        own = _module_name(ctx.path)
        modules: set[str] = set()
        for target in imported:
            seen: set[str] = set()
            if target in self.path_of:
                seen.add(target)
            else:
                self._locate(target, seen)
            modules.update(seen)
        modules.discard(own)
        lines = []
        for module in sorted(modules):
            lines.append(f"{module}:{self.path_of.get(module, '')}")
            table = self.table(module, MAX_DEPTH)
            lines.extend(f"  {name}={effect.plain()}" for name, effect in sorted(table.items()))
        return "\n".join(lines)

    # -- reading modules ---------------------------------------------------------------------------

    def _module(self, module: str) -> _Module | None:
        if module in self._modules:
            return self._modules[module]
        self._modules[module] = None
        path = self.path_of.get(module)
        text = self._source(path) if path else None
        if path is None or text is None:
            return None
        try:
            source = SourceFile(path, text)
            facts = Scanner(source).scan()
        except (SyntaxError, RecursionError, ValueError):
            return None  # a helper that does not parse has no known effect
        from prguard.analyzers.instrumentation.evaluator import Evaluator

        ctx = FileContext(
            path=path,
            language="python",
            head=source,
            base=None,
            diff=FileDiff(hunks=()),
            settings=self.settings,
            policy=None,
        )
        evaluator = Evaluator(ctx, self.settings, facts, helpers=self, qualify=module)
        self._modules[module] = _Module(module, path, evaluator)
        return self._modules[module]

    def _source(self, path: str) -> str | None:
        if path in self._changed:
            return self._changed[path]
        try:
            content = self._read([path]).get(path)
        except (OSError, KeyError):
            return None
        if content is None or len(content) > MAX_MODULE_BYTES:
            return None
        try:
            return content.decode("utf-8")
        except UnicodeDecodeError:
            return None


def _module_name(path: str) -> str:
    return path.replace("\\", "/").removesuffix(".py").replace("/", ".").removesuffix(".__init__")


def _imports(ctx: FileContext) -> list[str]:
    """The qualified names a file imports (relative imports made absolute), star imports included."""
    resolver = Resolver(
        ctx.head.tree, module=_module_name(ctx.path), is_package=ctx.path.endswith("__init__.py")
    )
    return [*resolver.imports.values(), *resolver.star_imports]


def _nothing(paths: list[str]) -> dict[str, bytes]:
    return {}
