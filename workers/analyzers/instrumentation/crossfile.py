"""Helpers in other files of the repository: which functions make an outbound call, a query or a
paid-API call, by qualified name, so a loop calling one per item is reported at the call in the loop,
naming the helper (`for u in ids: fetch_user(u)` with `fetch_user` from svc/client.py doing
`requests.get`).

`HelperIndex` is built once per review (the analyzer's `prepare`) over the changed files and, when the
review has one, the repository snapshot (files the change left alone). It reads a module only when
someone asks about a function of it, and reads only that function and what it calls: what it calls
directly (depth 1), or also through one more helper of its own file or of a module it imports
(depth 2). Names are resolved by the shared resolver (prguard.analyzers.pyresolve);
file paths become module names the way the repository index names them (prguard.index.resolve).

A file's analysis records the questions it asked (does any import reach the repository; what does
the helper this call names do) with their answers; the engine caches them with the file's output and
uses that output only while `answer` gives the same answers: a change to what a helper does misses
the cache of the files that called it, a change that leaves every answer as it was (an edit
elsewhere, a helper's log line) keeps their hits.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

from prguard.analyzers.base import FileContext, SourceFile
from prguard.analyzers.instrumentation.facts import Function, Scanner
from prguard.analyzers.pyresolve import Resolver, is_class_name, known
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
#: how many files of a folder are read for the handlers they register (`add_url_rule(..., api.f)`)
_MAX_SIBLINGS = 60
#: the calls that register a function as a request handler (a file without one is not parsed)
_REGISTRATIONS = ("add_url_rule", "add_api_route", "add_route", "Route(")


def registered_view(call: ast.Call, dotted: str | None) -> ast.expr | None:
    """The function a call registers as a request handler: Flask's `add_url_rule(rule, endpoint,
    view_func)` (`endpoint=` is the route's name, `view_func=` its function), FastAPI's
    `add_api_route(path, endpoint)`, aiohttp's `add_route(method, path, handler)`, Starlette's
    `Route(path, endpoint)`; None for any other call."""
    last = (dotted or "").rsplit(".", 1)[-1]
    if last in {"Route", "WebSocketRoute"}:
        given = next((k for k in call.keywords if k.arg == "endpoint"), None)
        return given.value if given else (call.args[1] if len(call.args) > 1 else None)
    if last in {"add_url_rule", "add_api_route", "add_route"}:
        given = next((k for k in call.keywords if k.arg in ("view_func", "handler")), None) or next(
            (k for k in call.keywords if k.arg == "endpoint"), None
        )
        return given.value if given else (call.args[-1] if len(call.args) > 1 else None)
    return None


@dataclass(frozen=True, slots=True)
class Effect:
    """What calling a helper does: one outbound call of `kind` ("http" | "query" | "paid")."""

    kind: str
    label: str  # the call it makes, as written there: "requests.get", "self.session.post"
    path: tuple[str, ...]  # qualified names from the helper called to the function making the call
    coroutine: bool = False  # the helper called is an `async def`: calling it only makes a coroutine

    def plain(self) -> str:
        return f"{self.kind}|{self.label}|{'>'.join(self.path)}|{int(self.coroutine)}"


class _Module:
    """A module of the repository read for a question: parsed at once (a file that does not parse
    has no known effect), resolved when a type is asked, scanned only when a question needs its
    calls (what a helper does, whether it logs)."""

    def __init__(self, name: str, source: SourceFile, index: HelperIndex) -> None:
        self.name = name
        self.path = source.path
        self.source = source
        self._index = index
        source.tree  # noqa: B018 - parse now: a SyntaxError means no module

    @cached_property
    def resolver(self) -> Resolver:
        return (
            self.evaluator.resolver
            if "evaluator" in self.__dict__
            else Resolver.of_file(self.source.tree, self.path)
        )

    @cached_property
    def evaluator(self) -> Evaluator:
        from prguard.analyzers.instrumentation.evaluator import Evaluator

        index = self._index
        ctx = FileContext(
            path=self.path,
            language="python",
            head=self.source,
            base=None,
            diff=FileDiff(hunks=()),
            settings=index.settings,
            policy=None,
        )
        evaluator = Evaluator(
            ctx, index.settings, index.scan(self.path, self.source), helpers=index, qualify=self.name
        )
        if "resolver" in self.__dict__:
            evaluator.__dict__["resolver"] = self.__dict__["resolver"]  # one resolver per module
        return evaluator


class HelperIndex:
    """Outbound effects of the repository's functions, read module by module on demand."""

    def __init__(
        self,
        changed: Mapping[str, SourceFile],
        repository_paths: Iterable[str],
        read: Callable[[list[str]], Mapping[str, bytes]],
        settings: dict[str, Any],
    ) -> None:
        self._changed = dict(changed)  # path -> head version of the change's Python files
        self._scans: dict[str, Scanner] = {}  # path -> its scan, for the change's files
        self._read = read
        self.settings = settings
        self._paths = set(self._changed) | set(repository_paths)
        self._modules: dict[str, _Module | None] = {}
        self._effects: dict[tuple[str, int], Effect | None] = {}
        self._views: dict[str, set[str]] = {}  # folder -> functions its files register as handlers

    @cached_property
    def path_of(self) -> dict[str, str]:
        """Module name -> path, for every Python file (built on first use, when a call asks)."""
        names = module_names(self._paths)
        path_of: dict[str, str] = {}
        for rank in range(3):  # a file's most likely name wins over another file's second name
            for path, candidates in sorted(names.items()):
                if rank < len(candidates):
                    path_of.setdefault(candidates[rank], path)
        return path_of

    @cached_property
    def packages(self) -> set[str]:
        """Every dotted prefix of a module name (`svc` for `svc.client`, a folder without `__init__`)."""
        return {name.rsplit(".", i)[0] for name in self.path_of for i in range(name.count(".") + 1)}

    @classmethod
    def for_review(
        cls, files: list[FileContext], repository: Any | None, settings: dict[str, Any]
    ) -> HelperIndex:
        """The change's files over the repository snapshot: all of it (the CLI), or the sources it
        kept of the files the change imports once the App assessed the change and released it."""
        changed = {ctx.path: ctx.head for ctx in files if ctx.is_python}
        paths: Iterable[str] = ()
        read: Callable[[list[str]], Mapping[str, bytes]] = _nothing
        if repository is not None and (
            not getattr(repository, "unavailable", "") or getattr(repository, "retained", None)
        ):
            paths = getattr(repository, "blobs", {}).keys()
            read = repository.read
        return cls(changed, paths, read, settings)

    # -- lookups -----------------------------------------------------------------------------------

    def reaches(self, qualname: str) -> bool:
        """Whether an imported name lies in the repository (a module, a package, or inside a module)."""
        return qualname in self.packages or self.module_of(qualname) is not None

    def module_of(self, qualname: str) -> tuple[str, str] | None:
        """(module, rest) for a qualified name inside a repository module, the longest module first."""
        parts = qualname.split(".")
        for cut in range(len(parts) - 1, 0, -1):
            module = ".".join(parts[:cut])
            if module in self.path_of:
                return module, ".".join(parts[cut:])
        return None

    def effect(self, qualname: str, depth: int = MAX_DEPTH) -> Effect | None:
        """What calling `qualname` does (None: nothing outbound, or not a function of the repository).
        Only that function (and what it calls) is read, never the rest of its module."""
        key = (qualname, depth)
        if key in self._effects:
            return self._effects[key]
        self._effects[key] = None  # a cycle through other files: no effect
        found = self._defined(qualname)
        result = _effect(found[0], found[1], depth) if found is not None else None
        self._effects[key] = result
        return result

    def _defined(self, qualname: str, hops: int = 0) -> tuple[_Module, Function] | None:
        """The module and function `qualname` runs: a module function, a method of a class there or
        of a base class of its module, or inherited from a base class imported from another module of
        the repository (`KeycloakOpenIDConnection(ConnectionManager)` then `.raw_put`)."""
        found = self._locate(qualname, set())
        loaded = self._module(found[0]) if found is not None else None
        if loaded is None or found is None:
            return None
        function = _function(loaded, found[1])
        if function is not None:
            return loaded, function
        parts = found[1].split(".")
        if len(parts) != 2 or hops >= _MAX_HOPS:
            return None
        resolver = loaded.evaluator.resolver
        info = resolver.classes.get(parts[0])
        if info is None:
            return None
        for base in resolver.supertypes(info.qualname)[1:]:
            if resolver._local_class(base) is None and self.module_of(base) is not None:
                inherited = self._defined(f"{base}.{parts[1]}", hops + 1)
                if inherited is not None:
                    return inherited
        return None

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
        if head in loaded.resolver.functions or head in loaded.resolver.classes:
            return module, rest
        target = loaded.resolver.imports.get(head)
        if target is None:
            return module, rest  # a module-level name of its own (or none: the caller finds nothing)
        if target == qualname:
            return None
        return self._locate(".".join([target, *rest.split(".")[1:]]), seen, hops + 1)

    # -- questions a file's analysis asked, for its cached output --------------------------------------

    @staticmethod
    def reach_question(targets: Iterable[str]) -> str:
        return "reach:" + ",".join(sorted(set(targets)))

    @staticmethod
    def call_question(names: Iterable[str], depth: int) -> str:
        return f"call@{depth}:" + "|".join(names)

    @staticmethod
    def logs_question(names: Iterable[str]) -> str:
        return "logs:" + "|".join(names)

    def logs(self, qualname: str) -> bool:
        """Whether the repository's function `qualname` logs, emits a metric or traces, itself or
        through a helper of its own file (what `Evaluator.instrumented` sees there)."""
        found = self._defined(qualname)
        if found is None:
            return False
        loaded, function = found
        try:
            return loaded.evaluator.instrumented(function)
        except RecursionError:
            return False

    @staticmethod
    def model_question(qualname: str) -> str:
        return f"model:{qualname}"

    def is_model(self, qualname: str, hops: int = 0) -> bool:
        """Whether the repository's class `qualname` is a Django model: it extends `Model`, itself
        or through a base class of its module or of another module of the repository, or its own
        module, importing Django, uses it through a model manager (`Status.objects`)."""
        found = self._locate(qualname, set())
        loaded = self._module(found[0]) if found is not None else None
        if loaded is None or found is None or "." in found[1] or hops > _MAX_HOPS:
            return False
        resolver = loaded.evaluator.resolver
        info = resolver.classes.get(found[1])
        if info is None:
            return False
        if resolver.is_django_model(info.qualname) or resolver.used_as_model(info.qualname):
            return True  # extends `Model`, or (its bases' files not at hand) its own module uses a manager
        return any(
            self.is_model(base, hops + 1)
            for base in resolver.supertypes(info.qualname)[1:]
            if resolver._local_class(base) is None and self.module_of(base) is not None
        )

    @staticmethod
    def views_question(module: str) -> str:
        return f"views:{module}"

    def registered_views(self, module: str) -> list[str]:
        """The module functions of `module` that another file of its folder registers as request
        handlers (`app.add_url_rule("/jobs", "get_jobs", api.get_jobs)`, `add_api_route`, `Route`),
        by the qualified names that file's resolver gives the registered function."""
        path = self.path_of.get(module)
        if path is None:
            return []
        folder = path.rsplit("/", 1)[0] if "/" in path else ""
        if folder not in self._views:
            self._views[folder] = self._folder_views(folder)
        prefix = module + "."
        return sorted(
            name.removeprefix(prefix)
            for name in self._views[folder]
            if name.startswith(prefix) and "." not in name.removeprefix(prefix)
        )

    def _folder_views(self, folder: str) -> set[str]:
        """Qualified names of every function the folder's files register as a request handler."""
        module_of_path = {path: module for module, path in self.path_of.items()}
        siblings = sorted(
            path
            for path in self._paths
            if path.endswith(".py") and (path.rsplit("/", 1)[0] if "/" in path else "") == folder
        )[:_MAX_SIBLINGS]
        found: set[str] = set()
        for path in siblings:
            text = self._source(path)
            module = module_of_path.get(path)
            if module is None or text is None or not any(word in text for word in _REGISTRATIONS):
                continue
            loaded = self._module(module)
            if loaded is None:
                continue
            facts, resolver = loaded.evaluator.facts, loaded.evaluator.resolver
            wrappers = _registration_wrappers(facts)
            for call in facts.calls:
                target = registered_view(call.node, call.dotted)
                if target is None and call.function is not None:
                    target = _wrapped_registration(call, wrappers, resolver)
                if target is None:
                    continue
                try:
                    qualname = resolver.qualname(target)
                except RecursionError:
                    continue
                if qualname:
                    found.add(qualname)
        return found

    @staticmethod
    def type_question(qualname: str, returned: bool) -> str:
        return f"{'returns' if returned else 'type'}:{qualname}"

    def type_of(self, qualname: str, *, returned: bool) -> str | None:
        """The type another file gives a module-level name (`session = requests.Session()`), or,
        with `returned`, what a function there returns (its annotation, else every `return`
        agreeing), by that file's resolver; None when unknown."""
        found = self._locate(qualname, set())
        if found is None and returned:
            return self._external_factory(qualname)
        loaded = self._module(found[0]) if found is not None else None
        if loaded is None or found is None or "." in found[1]:
            return None
        name, resolver = found[1], loaded.resolver
        try:
            function = resolver.functions.get(name)
            if returned:
                if function is None:
                    return None
                if function.returns is not None:
                    return resolver.annotation_type(function.returns)
                values = {
                    resolver.type_of(node.value)
                    for node in ast.walk(function)
                    if isinstance(node, ast.Return) and node.value is not None
                }
                return values.pop() if len(values) == 1 else None
            if function is not None or name in resolver.classes:
                return None
            return resolver.type_of(ast.Name(id=name, ctx=ast.Load()), None)
        except RecursionError:
            return None

    def _external_factory(self, qualname: str) -> str | None:
        """What calling a name a repository module re-exports from a library returns
        (`compat.build_opener()` with `from urllib.request import build_opener` in `compat`): the
        library's factory table, or an instance of a class."""
        external = self.external_name(qualname)
        if external is None:
            return None
        if external in known.FACTORY_RETURNS:
            return known.FACTORY_RETURNS[external]
        return external if is_class_name(external) else None

    def external_name(self, qualname: str, hops: int = 0) -> str | None:
        """The library name a repository name stands for when its module only imports it (a
        compatibility module's `from urllib.request import build_opener`); None otherwise."""
        where = self.module_of(qualname)
        if where is None:
            return qualname if hops else None
        if hops > _MAX_HOPS:
            return None
        module, rest = where
        loaded = self._module(module)
        if loaded is None:
            return None
        head, _, tail = rest.partition(".")
        target = loaded.resolver.imports.get(head)
        if target is None or target == qualname:
            return None
        return self.external_name(f"{target}.{tail}" if tail else target, hops + 1)

    def answer(self, question: str) -> str:
        """The answer, as of now, to a question a file's analysis asked (see `reach_question`,
        `call_question`): "1"/"0" whether imports reach the repository; the effect of the first of a
        call's names that has one, or "-"."""
        kind, _, rest = question.partition(":")
        if kind == "reach":
            return "1" if any(self.reaches(t) for t in rest.split(",") if t) else "0"
        if kind == "logs":
            return "1" if any(self.logs(name) for name in rest.split("|") if name) else "0"
        if kind == "model":
            return "1" if self.is_model(rest) else "0"
        if kind in ("type", "returns"):
            return self.type_of(rest, returned=kind == "returns") or "-"
        if kind == "views":
            return ",".join(self.registered_views(rest)) or "-"
        if kind.startswith("call@"):
            depth = int(kind.removeprefix("call@"))
            for name in rest.split("|"):
                found = self.effect(name, depth) if name else None
                if found is not None:
                    return found.plain()
            return "-"
        raise ValueError(f"not a question of the instrumentation analyzer: {question!r}")

    # -- reading modules ---------------------------------------------------------------------------

    def _module(self, module: str) -> _Module | None:
        if module in self._modules:
            return self._modules[module]
        self._modules[module] = None
        path = self.path_of.get(module)
        if path is None:
            return None
        source = self._changed.get(path)
        if source is None:
            text = self._source(path)
            if text is None:
                return None
            source = SourceFile(path, text)
        try:
            self._modules[module] = _Module(module, source, self)
        except (SyntaxError, RecursionError, ValueError):
            return None  # a helper that does not parse has no known effect
        return self._modules[module]

    def scan(self, path: str, source: SourceFile) -> Scanner:
        """The scan of a file of the change, made once for its own analysis and for the files
        that call its helpers."""
        if self._changed.get(path) is not source:
            return Scanner(source).scan()
        if path not in self._scans:
            self._scans[path] = Scanner(source).scan()
        return self._scans[path]

    def _source(self, path: str) -> str | None:
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


def _registration_wrappers(facts: Scanner) -> dict[int, int]:
    """Functions of a module that register one of their parameters as a request handler
    (`def _add_url_route(self, endpoint, rule, view_func, method): self.app.add_url_rule(rule,
    endpoint, self._apply_auth(view_func))`): function node id -> that parameter's position."""
    wrappers: dict[int, int] = {}
    for call in facts.calls:
        target = registered_view(call.node, call.dotted)
        if call.function is None or target is None:
            continue
        if isinstance(target, ast.Call) and target.args:
            target = target.args[0]  # wrapped on the way (`self._apply_auth(view_func)`)
        if not isinstance(target, ast.Name):
            continue
        node = call.function.node
        params = [a.arg for a in (*node.args.posonlyargs, *node.args.args)]
        if target.id in params:
            wrappers[id(node)] = params.index(target.id)
    return wrappers


def _wrapped_registration(call: Any, wrappers: dict[int, int], resolver: Any) -> ast.expr | None:
    """The function a call of a registration wrapper of the same module registers (the argument at
    the wrapper's parameter; `self.` calls skip `self`)."""
    if not wrappers:
        return None
    try:
        callee = resolver.local_callee(call.node)
    except RecursionError:
        return None
    position = wrappers.get(id(callee)) if callee is not None else None
    if position is None:
        return None
    if isinstance(call.node.func, ast.Attribute):
        position -= 1  # `self._add_url_route(...)`: `self` is not among the arguments
    return call.node.args[position] if 0 <= position < len(call.node.args) else None


def _function(loaded: _Module, rest: str) -> Function | None:
    """The module function or method (`Class.method`, inherited from a base of the same module)."""
    facts = loaded.evaluator.facts
    parts = rest.split(".")
    if len(parts) == 1:
        return facts.module_functions.get(parts[0])
    if len(parts) == 2 and parts[0] in facts.classes:
        return loaded.evaluator.method_of(parts[0], parts[1])
    return None


def _effect(loaded: _Module, function: Function, depth: int) -> Effect | None:
    found = loaded.evaluator.outbound_effect(function, depth)
    if found is None:
        return None
    kind, label, path = found
    return Effect(kind, label, tuple(path), coroutine=isinstance(function.node, ast.AsyncFunctionDef))


def _nothing(paths: list[str]) -> dict[str, bytes]:
    return {}
