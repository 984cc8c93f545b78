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

The answers themselves are kept on disk too (`HelperCache`, when the review has a whole repository
snapshot with a facts cache: the command line), each with the contents it read (the blob id of
every file, the module's and those its own memos drew on), so the next review of the repository
answers from the cache without parsing or scanning a helper module whose files did not change.
"""

from __future__ import annotations

import ast
import atexit
import hashlib
import marshal
import sys
import weakref
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from prguard.analyzers.base import FileContext, SourceFile
from prguard.analyzers.instrumentation.facts import Function, Scanner
from prguard.analyzers.instrumentation.rules import VIEW_BASE_SUFFIXES
from prguard.analyzers.project_sources import ProjectSources, readable
from prguard.analyzers.pyresolve import Resolver, is_class_name, known
from prguard.engine.diffmap import FileDiff

if TYPE_CHECKING:
    from prguard.analyzers.instrumentation.evaluator import Evaluator

#: how far a helper is followed: the function the loop calls, and one more it calls
MAX_DEPTH = 2
#: how many re-exports (`from .client import fetch_user` in a package's `__init__`) are followed
_MAX_HOPS = 3
#: how many files of a folder are read for the handlers they register (`add_url_rule(..., api.f)`)
_MAX_SIBLINGS = 60
#: how many modules further a function's logging is looked for (`logs`)
_MAX_LOG_HOPS = 1
#: how many other files of a package are read for the callers of a thin request helper
_MAX_CALLER_FILES = 200
#: the calls that register a function as a request handler (a file without one is not parsed)
_REGISTRATIONS = ("add_url_rule", "add_api_route", "add_route", "Route(", "path(", "url(")
#: Django's URL patterns: `path(route, view)`, `re_path(...)`, `url(...)`
_DJANGO_PATTERNS = frozenset(
    {"django.urls.path", "django.urls.re_path", "django.conf.urls.url", "django.conf.urls.re_path"}
)


def registered_view(call: ast.Call, dotted: str | None) -> ast.expr | None:
    """The function a call registers as a request handler: Flask's `add_url_rule(rule, endpoint,
    view_func)` (`endpoint=` is the route's name, `view_func=` its function), FastAPI's
    `add_api_route(path, endpoint)`, aiohttp's `add_route(method, path, handler)`, Starlette's
    `Route(path, endpoint)`, Django's `path(route, view)` (and `re_path`, `url`); None for any
    other call."""
    if dotted in _DJANGO_PATTERNS:
        given = next((k for k in call.keywords if k.arg == "view"), None)
        view = given.value if given else (call.args[1] if len(call.args) > 1 else None)
        return None if isinstance(view, ast.Call) else view  # `include(...)`, `View.as_view()`
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
    looped: bool = False  # the helper makes the call once per item of its own loop: reported there

    def plain(self) -> str:
        return f"{self.kind}|{self.label}|{'>'.join(self.path)}|{int(self.coroutine)}|{int(self.looped)}"


#: the format of `HelperCache`'s packs (the code computing the answers is digested apart)
HELPER_CACHE_VERSION = 2
#: a dependency no later review can match: an answer that met a cycle depends on the order asked
_CYCLE = "!cycle"


@dataclass(slots=True)
class _Frame:
    """What one question read while being answered: {file: content digest} ("+path": the change's
    version of a file, "path": the repository's blob) and the modules it used."""

    deps: dict[str, str] = field(default_factory=dict)
    modules: set[str] = field(default_factory=set)


class HelperCache:
    """Answers about a repository's helpers, kept on disk by repository (`namespace`) in one pack,
    each with the file contents it depends on: an answer is used only while every one of those files
    has the same content (and the repository the same Python paths, and the analyzer the same code
    and settings, which name the pack's folder and context). Read back with `marshal`; an entry or a
    pack that does not read back as one is a miss, never an error: it cannot change an answer."""

    def __init__(self, directory: Path | None, namespace: str, context: str) -> None:
        self.directory = directory
        self.namespace = namespace
        self.context = context
        self._loaded: dict[str, Any] | None = None  # key -> (answer, deps) as read from disk
        self._used: dict[str, Any] = {}  # entries this review used or made, for the next pack
        self._fresh: dict[str, Any] = {}  # entries made in this review (not read before the pack is saved)
        self._unstable: set[str] = set()  # keys answered twice differently here: never kept

    @classmethod
    def for_repository(cls, namespace: str, context: str) -> HelperCache | None:
        from prguard.index.snapshot import versioned_cache

        here = Path(__file__).resolve().parent
        sources = [
            *sorted(here.glob("*.py")),
            *sorted((here.parent / "pyresolve").glob("*.py")),
            here.parent / "asttools.py",
            here.parent.parent / "engine" / "plugin.py",
            here.parent.parent / "index" / "resolve.py",
        ]
        kept = versioned_cache("helpers", str(HELPER_CACHE_VERSION), sources)
        return None if kept is None or kept.directory is None else cls(kept.directory, namespace, context)

    def _pack_file(self) -> Path | None:
        if self.directory is None:
            return None
        return self.directory / hashlib.sha1(self.namespace.encode(), usedforsecurity=False).hexdigest()[:16]

    def _load(self) -> dict[str, Any]:
        target = self._pack_file()
        data: Any = None
        if target is not None:
            try:
                data = marshal.loads(target.read_bytes())  # noqa: S302 - prguard's own private cache of plain data
            except (OSError, EOFError, ValueError, TypeError):
                data = None
        known = (
            isinstance(data, tuple)
            and len(data) == 3
            and data[0] == HELPER_CACHE_VERSION
            and data[1] == self.context
            and isinstance(data[2], dict)
        )
        return data[2] if known else {}

    def lookup(self, key: str, digest: Callable[[str], str]) -> tuple[Any, dict[str, str]] | None:
        """(answer, deps) kept for `key` whose every file still has the content it had, else None."""
        if self._loaded is None:
            self._loaded = self._load()
        entry = self._loaded.get(key)
        if entry is None:
            return None
        try:
            answer, deps = entry
            if not isinstance(deps, dict) or any(digest(k) != v for k, v in deps.items()):
                return None
        except (TypeError, ValueError):
            return None
        self._used[key] = entry
        return answer, deps

    def record(self, key: str, answer: Any, deps: dict[str, str]) -> None:
        if _CYCLE in deps or key in self._unstable:
            return
        before = self._fresh.get(key)
        if before is not None and before[0] != answer:
            self._unstable.add(key)  # the order questions came in changed it: ask it again next time
            self._fresh.pop(key)
            self._used.pop(key, None)
            return
        entry = (answer, dict(deps))
        self._fresh[key] = entry
        self._used[key] = entry
        _PENDING.add(self)

    def save(self) -> None:
        """Keep the entries this review used or made as the repository's pack (unless nothing new)."""
        _PENDING.discard(self)
        target = self._pack_file()
        used, loaded = self._used, self._loaded or {}
        if target is None or not used or (not self._fresh and used.keys() == loaded.keys()):
            return
        try:
            encoded = marshal.dumps((HELPER_CACHE_VERSION, self.context, used))
        except ValueError:
            return
        from prguard import startup_cache

        startup_cache.write_atomically(target, encoded)
        self._fresh = {}
        self._loaded = dict(used)


_PENDING: weakref.WeakSet[HelperCache] = weakref.WeakSet()


@atexit.register
def _save_pending() -> None:
    for cache in list(_PENDING):
        try:
            cache.save()
        except Exception:  # noqa: S112 - a cache that cannot be written only costs time
            continue


def _plain_settings(value: Any) -> Any:
    """Settings as a string the same from run to run (sets sorted), for the cache's context."""
    if isinstance(value, Mapping):
        return "{" + ",".join(f"{k!r}:{_plain_settings(v)}" for k, v in sorted(value.items(), key=repr)) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(_plain_settings(v) for v in value) + "]"
    if isinstance(value, set | frozenset):
        return "{" + ",".join(sorted(_plain_settings(v) for v in value)) + "}"
    return repr(value)


def _encode_effect(effect: Effect | None) -> Any:
    return (
        None if effect is None else (effect.kind, effect.label, effect.path, effect.coroutine, effect.looped)
    )


def _decode_effect(data: Any) -> Effect | None:
    if data is None:
        return None
    kind, label, path, coroutine, looped = data
    if not (
        isinstance(kind, str)
        and isinstance(label, str)
        and isinstance(path, tuple)
        and all(isinstance(p, str) for p in path)
        and isinstance(coroutine, bool)
        and isinstance(looped, bool)
    ):
        raise ValueError("not an effect")
    return Effect(kind, label, path, coroutine, looped)


def _decode_text(data: Any) -> str:
    if not isinstance(data, str):
        raise ValueError("not an answer")
    return data


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
        return self.evaluator.resolver if "evaluator" in self.__dict__ else Resolver.of_source(self.source)

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
        *,
        blobs: Mapping[str, str] | None = None,
        namespace: str | None = None,
    ) -> None:
        """`blobs` (path -> git blob id of every repository file `read` gives) and `namespace` (the
        repository, as its facts cache names it): answers are kept on disk for the next review."""
        self._changed = dict(changed)  # path -> head version of the change's Python files
        self._scans: dict[str, Scanner] = {}  # path -> its scan, for the change's files
        self.sources = ProjectSources(self._changed, repository_paths, read)
        self.settings = settings
        self._modules: dict[str, _Module | None] = {}
        self._effects: dict[tuple[str, int], Effect | None] = {}
        self._views: dict[str, set[str]] = {}  # folder -> functions its files register as handlers
        # the answers kept on disk, and what each question being answered has read so far
        self._blobs = blobs or {}
        self._namespace = namespace
        self._frames: list[_Frame] = []
        self._module_deps: dict[str, dict[str, str]] = {}  # module -> what its memos drew on
        self._memo_deps: dict[Any, dict[str, str]] = {}  # in-memory memo key -> what it read
        self._computing: set[tuple[str, int]] = set()
        self._changed_digests: dict[str, str] = {}

    @cached_property
    def cache(self) -> HelperCache | None:
        if self._namespace is None:
            return None
        listed = "\n".join(sorted(self.sources.paths)).encode()
        paths = hashlib.sha1(listed, usedforsecurity=False).hexdigest()
        settings = hashlib.sha1(_plain_settings(self.settings).encode(), usedforsecurity=False).hexdigest()
        return HelperCache.for_repository(self._namespace, f"{paths}:{settings}:{sys.version_info[:2]}")

    @property
    def path_of(self) -> dict[str, str]:
        """Module name -> path, for every Python file."""
        return self.sources.path_of

    @property
    def packages(self) -> set[str]:
        return self.sources.packages

    @classmethod
    def for_review(
        cls, files: list[FileContext], repository: Any | None, settings: dict[str, Any]
    ) -> HelperIndex:
        """The change's files over the repository snapshot: all of it (the CLI), or the sources it
        kept of the files the change imports once the App assessed the change and released it."""
        changed = {ctx.path: ctx.head for ctx in files if ctx.is_python}
        paths, read = readable(repository)
        blobs, namespace = None, None
        if repository is not None and paths:
            kept = getattr(repository, "cache", None)
            if not getattr(repository, "unavailable", "") and isinstance(
                getattr(kept, "namespace", None), str
            ):
                # every file readable: an answer depends on contents only (not on what was retained)
                blobs, namespace = repository.blobs, kept.namespace
        return cls(changed, paths, read, settings, blobs=blobs, namespace=namespace)

    # -- lookups -----------------------------------------------------------------------------------

    def reaches(self, qualname: str) -> bool:
        """Whether an imported name lies in the repository (a module, a package, or inside a module)."""
        return qualname in self.packages or self.module_of(qualname) is not None

    def module_of(self, qualname: str) -> tuple[str, str] | None:
        """(module, rest) for a qualified name inside a repository module, the longest module first."""
        return self.sources.module_of(qualname)

    def effect(self, qualname: str, depth: int = MAX_DEPTH) -> Effect | None:
        """What calling `qualname` does (None: nothing outbound, or not a function of the repository).
        Only that function (and what it calls) is read, never the rest of its module."""
        key = (qualname, depth)
        if key in self._effects:
            if key in self._computing:
                self._note({_CYCLE: "1"})  # what the cycle's other end gets depends on the order asked
            else:
                self._note(self._memo_deps.get(key))
            return self._effects[key]
        self._effects[key] = None  # a cycle through other files: no effect
        self._computing.add(key)
        try:
            result = self._through_cache(
                f"effect@{depth}:{qualname}",
                lambda: self._effect_of(qualname, depth),
                _encode_effect,
                _decode_effect,
                key,
            )
        finally:
            self._computing.discard(key)
        self._effects[key] = result
        return result

    def _effect_of(self, qualname: str, depth: int) -> Effect | None:
        found = self._defined(qualname)
        return _effect(found[0], found[1], depth) if found is not None else None

    # -- the answers kept on disk, and what each one read ----------------------------------------------

    def _through_cache(
        self,
        key: str,
        compute: Callable[[], Any],
        encode: Callable[[Any], Any],
        decode: Callable[[Any], Any],
        memo: Any = None,
    ) -> Any:
        """`compute()`, or the answer kept for `key` while the files it read are unchanged. What it
        read is noted in the questions being answered around it (and under `memo`, for a later
        in-memory hit)."""
        cache = self.cache
        if cache is None:
            return compute()
        hit = cache.lookup(key, self._digest)
        if hit is not None:
            try:
                value = decode(hit[0])
            except (TypeError, ValueError):
                value, hit = None, None
            if hit is not None:
                self._note(hit[1])
                if memo is not None:
                    self._memo_deps[memo] = hit[1]
                return value
        frame = self._enter()
        try:
            value = compute()
        finally:
            self._leave(frame)
        if memo is not None:
            self._memo_deps[memo] = frame.deps
        cache.record(key, encode(value), frame.deps)
        return value

    def _enter(self) -> _Frame:
        frame = _Frame()
        self._frames.append(frame)
        return frame

    def _leave(self, frame: _Frame) -> None:
        """Close a question: a module it used may keep in its memos what the question read there,
        so a later question using that module depends on it too (and this one on what the module's
        memos drew on before); then the question around it read all of it."""
        self._frames.pop()
        if not self.cache:
            return
        for module in frame.modules:
            self._module_deps.setdefault(module, {}).update(frame.deps)
        for module in frame.modules:
            frame.deps.update(self._module_deps[module])
        if self._frames:
            outer = self._frames[-1]
            outer.deps.update(frame.deps)
            outer.modules |= frame.modules

    def _note(self, deps: Mapping[str, str] | None, module: str | None = None) -> None:
        if not self._frames or (not deps and module is None):
            return
        frame = self._frames[-1]
        if deps:
            frame.deps.update(deps)
        if module is not None:
            frame.modules.add(module)
            frame.deps.update(self._module_deps.get(module, ()))

    def _digest(self, dep: str) -> str:
        """The content digest a dependency has now ("+path": the change's version, "path": the
        repository's blob, "" when absent); `_CYCLE` never matches."""
        if dep.startswith("+"):
            path = dep[1:]
            if path not in self._changed_digests:
                source = self._changed.get(path)
                self._changed_digests[path] = (
                    hashlib.sha1(
                        source.text.encode("utf-8", "surrogatepass"), usedforsecurity=False
                    ).hexdigest()
                    if source is not None
                    else ""
                )
            return self._changed_digests[path]
        if dep == _CYCLE:
            return ""
        return self._blobs.get(dep, "")

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

    def logs(self, qualname: str, hops: int = 0) -> bool:
        """Whether the repository's function `qualname` logs, emits a metric or traces, itself or
        through a helper of its own file (what `Evaluator.instrumented` sees there), or through a
        function of a further module it calls (`update_rates()` → `adapter.update()`, which logs),
        one module further at most."""
        found = self._defined(qualname)
        if found is None:
            return False
        loaded, function = found
        evaluator = loaded.evaluator
        try:
            if evaluator.instrumented(function):
                return True
            if hops >= _MAX_LOG_HOPS:
                return False
            for call in function.calls:
                if evaluator.local_callee(call, function) is not None:
                    continue
                names = [n for n in evaluator.resolver.call_names(call.node) if n != qualname]
                if any(self.module_of(n) is not None and self.logs(n, hops + 1) for n in names):
                    return True
        except RecursionError:
            return False
        return False

    def _repository_class(self, qualname: str, hops: int) -> tuple[Resolver, Any] | None:
        """The resolver of the module defining the repository class `qualname` and its class
        record; None when it is not a module-level class of the repository (or too far away)."""
        found = self._locate(qualname, set())
        loaded = self._module(found[0]) if found is not None else None
        if loaded is None or found is None or "." in found[1] or hops > _MAX_HOPS:
            return None
        resolver = loaded.evaluator.resolver
        info = resolver.classes.get(found[1])
        return (resolver, info) if info is not None else None

    @staticmethod
    def model_question(qualname: str) -> str:
        return f"model:{qualname}"

    def is_model(self, qualname: str, hops: int = 0) -> bool:
        """Whether the repository's class `qualname` is a Django model: it extends `Model`, itself
        or through a base class of its module or of another module of the repository, or its own
        module, importing Django, uses it through a model manager (`Status.objects`)."""
        located = self._repository_class(qualname, hops)
        if located is None:
            return False
        resolver, info = located
        if resolver.is_django_model(info.qualname) or resolver.used_as_model(info.qualname):
            return True  # extends `Model`, or (its bases' files not at hand) its own module uses a manager
        return any(
            self.is_model(base, hops + 1)
            for base in resolver.supertypes(info.qualname)[1:]
            if resolver._local_class(base) is None and self.module_of(base) is not None
        )

    @staticmethod
    def view_class_question(qualname: str) -> str:
        return f"viewclass:{qualname}"

    def is_view_class(self, qualname: str, hops: int = 0) -> bool:
        """Whether the repository's class `qualname` is a request handler class: a base of it, in
        its module or another module of the repository, extends a library class named like a view
        (`django.views.View`, `APIView`, `flask_restful.Resource`). A class of the repository
        named `...Resource` that extends none (an API client's model) is not."""
        located = self._repository_class(qualname, hops)
        if located is None:
            return False
        resolver, info = located
        for base in resolver.supertypes(info.qualname)[1:]:
            if resolver._local_class(base) is not None:
                continue  # its own bases are in the list already
            if self.module_of(base) is not None:
                if self.is_view_class(base, hops + 1):
                    return True
            elif base.rsplit(".", 1)[-1].endswith(VIEW_BASE_SUFFIXES):
                return True
        return False

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
        if folder in self._views:
            self._note(self._memo_deps.get(("views", folder)))
        else:
            frame = self._enter()
            try:
                self._views[folder] = self._folder_views(folder)
            finally:
                self._leave(frame)
            self._memo_deps["views", folder] = frame.deps
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
            for path in self.sources.paths
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
    def callers_question(qualname: str) -> str:
        return f"callers:{qualname}"

    def callers_log(self, qualname: str) -> str:
        """Whether the calls of a module function from the package's other files all record what it
        returned (`gateway.post(url, params)` then `logger.debug("Raw response: %s", ...)`): "1",
        "0" when one does not, "-" when no other file calls it."""
        from prguard.analyzers.instrumentation.observability import logs_after

        where = self.module_of(qualname)
        if where is None or "." in where[1]:
            return "-"
        module, name = where
        package = module.split(".")[0]
        others = sorted(
            (path, other)
            for other, path in self.path_of.items()
            if other != module and other.split(".")[0] == package
        )[:_MAX_CALLER_FILES]
        logged: list[bool] = []
        for path, other in others:
            text = self._source(path)
            loaded = self._module(other) if text is not None and name in text else None
            if loaded is None:
                continue
            evaluator = loaded.evaluator
            for caller in evaluator.facts.functions:
                for call in caller.calls:
                    if not (call.text or "").endswith(name):
                        continue
                    try:
                        if qualname in evaluator.resolver.call_names(call.node):
                            logged.append(logs_after(evaluator, caller, call))
                    except RecursionError:
                        continue
        if not logged:
            return "-"
        return "1" if all(logged) else "0"

    @staticmethod
    def type_question(qualname: str, returned: bool) -> str:
        return f"{'returns' if returned else 'type'}:{qualname}"

    def type_of(self, qualname: str, *, returned: bool) -> str | None:
        """The type another file gives a module-level name (`session = requests.Session()`), or,
        with `returned`, what a function there returns (its annotation, else every `return`
        agreeing), by that file's resolver; None when unknown. A function handing back one of its
        parameters answers `argument:<name>:<position>` (see `argument_returned`)."""
        found = self._locate(qualname, set())
        if found is None and returned:
            return self._external_factory(qualname)
        loaded = self._module(found[0]) if found is not None else None
        if loaded is None or found is None:
            return None
        if "." in found[1]:
            return None if returned else _attribute_type(loaded.resolver, found[1])
        name, resolver = found[1], loaded.resolver
        try:
            function = resolver.functions.get(name)
            if returned:
                if function is None:
                    return None
                if function.returns is not None:
                    return resolver.annotation_type(function.returns)
                handed_back = resolver.returned_parameter(function)
                if handed_back is not None:  # the caller's argument: its type is the caller's to tell
                    name, index = handed_back
                    return f"{ARGUMENT_PREFIX}{name}:{'' if index is None else index}"
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
        if kind == "reach":  # the repository's paths only: nothing read
            return "1" if any(self.reaches(t) for t in rest.split(",") if t) else "0"
        if kind.startswith("call@"):  # each name's effect is kept apart
            return self._answer(kind, rest)
        return self._through_cache(f"q:{question}", lambda: self._answer(kind, rest), str, _decode_text)

    def _answer(self, kind: str, rest: str) -> str:
        if kind == "logs":
            return "1" if any(self.logs(name) for name in rest.split("|") if name) else "0"
        if kind == "model":
            return "1" if self.is_model(rest) else "0"
        if kind in ("type", "returns"):
            return self.type_of(rest, returned=kind == "returns") or "-"
        if kind == "views":
            return ",".join(self.registered_views(rest)) or "-"
        if kind == "callers":
            return self.callers_log(rest)
        if kind == "viewclass":
            if self._repository_class(rest, 0) is None:
                return "-"  # its file is not at hand: the name is all there is
            return "1" if self.is_view_class(rest) else "0"
        if kind.startswith("call@"):
            depth = int(kind.removeprefix("call@"))
            for name in rest.split("|"):
                found = self.effect(name, depth) if name else None
                if found is not None:
                    return found.plain()
            return "-"
        raise ValueError(f"not a question of the instrumentation analyzer: {kind}:{rest}")

    # -- reading modules ---------------------------------------------------------------------------

    def _module(self, module: str) -> _Module | None:
        if self._frames:  # what the question reads: the module's file, and what its memos drew on
            path = self.path_of.get(module)
            if path is not None:
                dep = f"+{path}" if path in self._changed else path
                self._note({dep: self._digest(dep)}, module)
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
        if self._frames:
            self._note({path: self._digest(path)})
        return self.sources.text(path)


#: How `type_of(..., returned=True)` says a function returns one of its parameters unchanged.
ARGUMENT_PREFIX = "argument:"


def argument_returned(answer: str | None) -> tuple[str, int | None] | None:
    """(name, position) of the parameter a `returns` answer says the function hands back."""
    if answer is None or not answer.startswith(ARGUMENT_PREFIX):
        return None
    name, _, position = answer.removeprefix(ARGUMENT_PREFIX).partition(":")
    return name, int(position) if position else None


def _attribute_type(resolver: Resolver, dotted: str) -> str | None:
    """What a class of a module stores in `self.<attr>` (`Class.attr`): the one type its
    assignments may have, or `self.<method>` when every assignment stores what a method of the
    instance returns (`self.connection = self.get_connection()`), which a subclass may override."""
    class_name, _, attr = dotted.partition(".")
    info = resolver.classes.get(class_name)
    if info is None or "." in attr or not info.methods:
        return None
    _, assigned = resolver._attributes(info)
    values = [value for value, _ in assigned.get(attr, ())]
    methods = {
        value.func.attr
        for value in values
        if isinstance(value, ast.Call)
        and isinstance(value.func, ast.Attribute)
        and isinstance(value.func.value, ast.Name)
        and value.func.value.id == "self"
    }
    if values and len(methods) == 1 and len(values) == sum(1 for v in values if isinstance(v, ast.Call)):
        return f"self.{methods.pop()}"
    method = next(iter(info.methods.values()))
    probe = ast.Attribute(value=ast.Name(id="self", ctx=ast.Load()), attr=attr, ctx=ast.Load())
    types = resolver.possible_types(probe, method)
    return types[0] if len(types) == 1 else None


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
    # inside the helper's own module, its helpers cost no level (as in the reviewed file)
    found = loaded.evaluator.outbound_effect(function, depth, same_file=1)
    if found is None:
        return None
    kind, label, path = found
    coroutine = isinstance(function.node, ast.AsyncFunctionDef)
    return Effect(kind, label, tuple(path), coroutine, _loops_per_item(function, label, path))


def _loops_per_item(function: Function, label: str, path: list[str]) -> bool:
    """The helper makes its call (or calls the next helper on the way) inside a loop over items of
    its own (`for uri in uri_list: wns_send_message(uri)`): the per-item cost is that loop's."""
    following = path[1].rsplit(".", 1)[-1] if len(path) > 1 else None
    for call in function.calls:
        if call.loop is None or call.loop.item_loop() is None or not call.text:
            continue
        last = call.text.rsplit(".", 1)[-1]
        if call.text == label or (following is not None and last == following):
            return True
    return False
