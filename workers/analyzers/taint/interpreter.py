"""The taint interpreter: runs each function once over its AST with abstract values.

Each function is run with its parameters bound to symbolic parameter traces (or
to user input, for request handlers). The run yields sink hits of real sources
(findings) and a summary: which parameters flow to the return value and which
reach a sink inside. Callers apply the summary instead of re-running the callee,
across the functions of a module and across the changed files."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from prguard.analyzers.asttools import nodes_of, walk_statements
from prguard.analyzers.project_sources import ProjectSources
from prguard.analyzers.pyresolve import Resolver
from prguard.analyzers.taint.hits import SinkHit, Summary, hit_lines
from prguard.analyzers.taint.keys import State, caller_injects, node_text
from prguard.analyzers.taint.modules import FunctionInfo, ModuleInfo, last_name
from prguard.analyzers.taint.opt_in import Span, gate_of
from prguard.analyzers.taint.reach import functions_to_run
from prguard.analyzers.taint.rules import (
    SESSION_NAMES,
    RuleSet,
    name_matches,
)
from prguard.analyzers.taint.runner import Runner
from prguard.analyzers.taint.values import READ_FROM_FILE, Step, Value, join

#: how far from the change a helper is read: the modules the changed files call into, and
#: those their functions call
MAX_HELPER_DEPTH = 1
#: how many unchanged modules one review reads at most
MAX_HELPER_MODULES = 40


def _calls_elsewhere(mod: ModuleInfo, func: ast.Attribute, changed: tuple[str, ...]) -> bool:
    """`module.f(...)` where `module` is an import from outside the changed files."""
    if not isinstance(func.value, ast.Name) or func.value.id not in mod.imports:
        return False
    target = mod.imports[func.value.id]
    return not any(
        target == name or target.startswith(name + ".") or name.startswith(target + ".") for name in changed
    )


def _is_test(path: str) -> bool:
    name = path.rsplit("/", 1)[-1]
    return (
        name.startswith("test_")
        or name.endswith("_test.py")
        or name == "conftest.py"
        or "/tests/" in f"/{path}"
        or "/test/" in f"/{path}"
    )


class Program:
    """All changed modules of a review, their globals and function summaries."""

    def __init__(
        self, rules: RuleSet, modules: list[ModuleInfo], project: ProjectSources | None = None
    ) -> None:
        self.rules = rules
        #: what the change's code keeps in the session under a constant key, by session object
        #: (`flask.session`, `request.session`) and key: read back by any view of the site
        self.kept_in_session: dict[tuple[str, str], Value] = {}
        self._read_before_kept: set[tuple[str, str]] = set()
        self.modules = modules
        self.project = project
        self._by_name = {m.name: m for m in modules}
        self._found: dict[str, ModuleInfo | None] = {}
        #: modules of the repository the change left alone, read when a call names one: their
        #: functions are summarised for their callers, never reported on
        self._unchanged: dict[str, ModuleInfo | None] = {}
        self._depth: dict[str, int] = {m.path: 0 for m in modules}
        self._globals: dict[str, State] = {}
        self._summaries: dict[tuple[str, str], Summary] = {}
        #: summaries of a function run with some parameters bound to a call's constants
        self._decided: dict[tuple[Any, ...], Summary] = {}
        self._running: set[tuple[str, str]] = set()
        self.module_hits: list[SinkHit] = []
        self.cleared: dict[str, set[tuple[int, int]]] = {}
        self._called: frozenset[str] | None = None
        #: names of the methods the changed classes define (the calls worth typing)
        self._method_names = frozenset(n for m in modules for methods in m.classes.values() for n in methods)
        #: names of the properties they define (the `self.x` reads that run a getter)
        self.property_names = frozenset(
            name
            for m in modules
            for methods in m.classes.values()
            for name, method in methods.items()
            if m.resolver.is_property(method.node)
        )
        self._attribute_origins: dict[tuple[str, str], dict[str, tuple[str, str]]] = {}
        self._attribute_constants: dict[tuple[str, str], dict[str, ast.Constant]] = {}
        self._stores_by_module: dict[str, dict[str, int] | None] = {}
        #: (path, helper, sink line, kind) -> whether some call's argument can reach that sink
        self.helper_sink_reached: dict[tuple[str, str, int, str], bool] = {}

    def run(self) -> list[SinkHit]:
        """Every hit from a real source, in all modules.

        Only the functions that can report something (or whose summary could depend on the
        order summaries are made in) are run up front: see `reach`. The others are run when
        a caller needs their summary, which is then the same whenever it is made.
        """
        wanted = functions_to_run(self)
        hits: list[SinkHit] = []
        for mod in self.modules:
            self.globals_of(mod)
        # the functions that keep something in the session first: the others read it back; run
        # again, alone, when one of them read what another kept after it ran
        keeping = [(mod, func) for mod in self.modules for func in _keeping_in_session(mod)]
        for mod, func in keeping:
            self.summary(mod, func)
        if self._read_before_kept & self.kept_in_session.keys():
            for mod, func in keeping:
                self._summaries.pop((mod.path, func.qualname), None)
            for mod, func in keeping:
                self.summary(mod, func)
        for mod in self.modules:
            for func in mod.functions.values():
                if (mod.path, func.qualname) in wanted:
                    self.summary(mod, func)
        for (path, qualname), summary in self._summaries.items():
            if self._depth.get(path) != 0:
                continue  # a helper the change left alone: its own flows are not the change's
            hits.extend(summary.hits)
            self.cleared.setdefault(path, set()).update(summary.cleared)
            self._clear_private_helper_sinks(path, qualname, summary)
            if not self.rules.trust_parameters:
                hits.extend(self._caller_hits(path, qualname, summary))
        hits.extend(self.module_hits)
        out = []
        for hit in hits:
            if self._depth.get(hit.path) != 0:
                hit = self._at_call_site(hit)
            if hit is not None:
                out.append(hit)
        return out

    def _at_call_site(self, hit: SinkHit) -> SinkHit | None:
        """A flow the change starts into a sink inside a helper it left alone, placed on the
        changed code's call that hands the data over: that call is what the change added."""
        call = next((step for step in reversed(hit.trace.steps) if self._depth.get(step.path) == 0), None)
        mod = next((m for m in self.modules if call is not None and m.path == call.path), None)
        if call is None or mod is None:
            return None
        spans = [f for f in mod.functions.values() if f.node.lineno <= call.line <= (f.node.end_lineno or 0)]
        scope = max(spans, key=lambda f: f.node.lineno).qualname if spans else "<module>"
        return replace(
            hit,
            path=call.path,
            line=call.line,
            end_line=call.line,
            column=0,
            scope=scope,
            snippet=mod.lines[call.line - 1] if call.line <= len(mod.lines) else "",
            sink_at=f"{hit.path} line {hit.line}",
        )

    def _clear_private_helper_sinks(self, path: str, qualname: str, summary: Summary) -> None:
        """A private helper's sink fed only by its parameters is proven safe when every call in
        the change passes data that cannot reach it (the check stayed in the caller)."""
        mod = next((m for m in self.modules if m.path == path), None)
        func = mod.functions.get(qualname) if mod is not None else None
        if func is None or func.is_public:
            return  # a public function may have callers outside the change
        for (line, kind), cwes in summary.param_only.items():
            use = (path, qualname, line, kind)
            uses = [reached for key, reached in self.helper_sink_reached.items() if key == use]
            if uses and not any(uses):
                self.cleared.setdefault(path, set()).update((line, cwe) for cwe in cwes)

    def attribute_origins(self, mod: ModuleInfo, klass: str) -> dict[str, tuple[str, str]]:
        """attr -> (method, parameter): the first `self.attr = parameter` in a public method of the
        class (methods in order, statements in `ast.walk` order). Built once per class: every
        `self.x` read asked for it and walked every method again."""
        key = (mod.path, klass)
        origins = self._attribute_origins.get(key)
        if origins is None:
            origins = {}
            for name, method in mod.classes.get(klass, {}).items():
                if not method.is_public:
                    continue
                params = set(method.params[1:])
                for sub in walk_statements(method.node):
                    if not isinstance(sub, ast.Assign) or not isinstance(sub.value, ast.Name):
                        continue
                    if sub.value.id not in params:
                        continue
                    for target in sub.targets:
                        if (
                            isinstance(target, ast.Attribute)
                            and isinstance(target.value, ast.Name)
                            and target.value.id == "self"
                        ):
                            origins.setdefault(target.attr, (name, sub.value.id))
            self._attribute_origins[key] = origins
        return origins

    def attribute_constants(self, mod: ModuleInfo, klass: str) -> dict[str, ast.Constant]:
        """attr -> the one constant `self.attr` of the class can hold: every store of an attribute
        of that name in the module is `self.attr = <that constant>` in one of the class's methods,
        or the class body binds it to that constant alone (`self.url` set to the API's address in
        `__init__`). A module that sets attributes by computed name (`setattr`, `__dict__`,
        `__setattr__`) has none. Built once per class."""
        key = (mod.path, klass)
        found = self._attribute_constants.get(key)
        if found is not None:
            return found
        self._attribute_constants[key] = found = {}
        stores = self._attribute_stores(mod)
        if stores is None:
            return found
        values: dict[str, list[ast.expr]] = {}
        assigned: dict[str, int] = {}
        for method in mod.classes.get(klass, {}).values():
            for stmt in walk_statements(method.node):
                target, value = _single_binding(stmt)
                if _is_self_attribute(target):
                    values.setdefault(target.attr, []).append(value)  # type: ignore[union-attr,arg-type]
                    assigned[target.attr] = assigned.get(target.attr, 0) + 1  # type: ignore[union-attr]
        for cls in nodes_of(mod.tree, ast.ClassDef):
            if cls.name != klass:  # type: ignore[attr-defined]
                continue
            for stmt in cls.body:  # type: ignore[attr-defined]
                target, value = _single_binding(stmt)
                if isinstance(target, ast.Name):
                    values.setdefault(target.id, []).append(value)  # type: ignore[arg-type]
        for attr, options in values.items():
            if assigned.get(attr, 0) != stores.get(attr, 0):
                continue  # stored elsewhere, or by unpacking, augmenting, a loop
            kinds = {(type(v.value), v.value) for v in options if isinstance(v, ast.Constant)}
            if len(kinds) == 1 and all(isinstance(v, ast.Constant) for v in options):
                found[attr] = options[0]  # type: ignore[assignment]
        return found

    def _attribute_stores(self, mod: ModuleInfo) -> dict[str, int] | None:
        """How often the module stores each attribute name (`x.attr = ...`); None when it sets
        attributes by computed name (`setattr`, `__dict__`, `__setattr__`). Once per module."""
        if mod.path in self._stores_by_module:
            return self._stores_by_module[mod.path]
        stores: dict[str, int] | None = {}
        if any(
            isinstance(n, ast.Name) and n.id in ("setattr", "__dict__") for n in nodes_of(mod.tree, ast.Name)
        ):
            stores = None
        for node in nodes_of(mod.tree, ast.Attribute) if stores is not None else ():
            if node.attr in ("__dict__", "__setattr__"):  # type: ignore[attr-defined]
                stores = None
                break
            if type(node.ctx) is ast.Store:  # type: ignore[attr-defined]
                stores[node.attr] = stores.get(node.attr, 0) + 1  # type: ignore[attr-defined]
        self._stores_by_module[mod.path] = stores
        return stores

    def called_names(self) -> frozenset[str]:
        """Last name segments of every call in the changed files (`f(...)`, `obj.f(...)`, `Cls()`),
        except calls into an imported module outside them (`builtins.eval(x)` calls no `eval`
        defined here)."""
        if self._called is None:
            names: set[str] = set()
            changed = tuple(m.name for m in self.modules)
            for mod in self.modules:
                for node in nodes_of(mod.tree, ast.Call):
                    func = node.func  # type: ignore[attr-defined]
                    if isinstance(func, ast.Attribute):
                        if _calls_elsewhere(mod, func, changed):
                            continue
                        names.add(func.attr)
                    elif isinstance(func, ast.Name):
                        names.add(func.id)
            self._called = frozenset(names)
        return self._called

    def _caller_hits(self, path: str, qualname: str, summary: Summary) -> Iterator[SinkHit]:
        """A public function's parameters reaching a code, deserialisation or shell sink, or
        written into an LDAP filter or an XPath query: in a library, those arguments are the
        caller's data (policy `trust_parameters: false`)."""
        mod = next((m for m in self.modules if m.path == path), None)
        func = mod.functions.get(qualname) if mod is not None else None
        if func is None or not func.is_public or func.source_params or func.flask_view or _is_test(path):
            return
        if func.validated_params:
            return  # a framework's handler, whose typed parameters it converted: no library API
        if func.is_hook_implementation:
            return  # a plugin's hook: its host passes the host's own objects
        if func.node.name in self.called_names():
            return  # called in the change: its callers' real arguments are followed instead
        spans = func.opted_in_spans
        for hit in summary.param_hits:
            if not caller_injects(hit.sink.kind, hit.embedded, hit.program_only) or hit.sink.conditions.get(
                "no_caller"
            ):
                continue
            if hit.opted_in or (spans and _within(spans, path, hit)):
                continue  # reached only when the caller passes a flag that is off by default
            if hit.trace.sanitized >= READ_FROM_FILE:
                continue  # `render(open(path).read())`: the caller names a file, not what it holds
            index = hit.trace.param
            if not 0 <= index < len(func.params) or func.params[index] in ("self", "cls"):
                continue
            name = func.params[index]
            if hit.sink.conditions.get("spliced") and hit.scope == qualname and _spliced_whole(func, name):
                continue  # `run(["git", *args])`: the whole argument list is the caller's to choose
            where = f"`{func.node.name}()`"
            description = f"parameter `{name}` of {where}"
            first = replace(hit.trace.steps[0], description=f"`{name}` (the caller's argument to {where})")
            trace = replace(hit.trace, kind="caller", source=name, steps=(first, *hit.trace.steps[1:]))
            yield replace(hit, trace=trace, arg_text=hit.arg_text if hit.arg_text != description else name)

    def globals_of(self, mod: ModuleInfo) -> State:
        if mod.path not in self._globals:
            self._globals[mod.path] = {}
            runner = Runner(self, mod, None, {})
            state = runner.run_module()
            self._globals[mod.path] = state
            self.module_hits.extend(runner.summary.hits)
            self.cleared.setdefault(mod.path, set()).update(runner.summary.cleared)
        return self._globals[mod.path]

    def summary(
        self,
        mod: ModuleInfo,
        func: FunctionInfo,
        decided: tuple[tuple[int, Any], ...] = (),
        called: bool = False,
    ) -> Summary:
        """What a function does with its parameters; with `decided`, run with those parameters
        bound to a call's constants (kept apart: only that call's result). `called`: as this
        project's code calls it, every parameter the caller's, even those a framework would fill
        were it a view (`rq_viewname(request, "jobs")` looks like a Django view)."""
        key = (mod.path, func.qualname)
        if decided or called:
            found = self._decided.get((*key, decided, called))
            if found is None:
                found = self._run_summary(mod, func, key, dict(decided), called)
                self._decided[(*key, decided, called)] = found
            return found
        if key not in self._summaries:
            self._summaries[key] = self._run_summary(mod, func, key, {})
        return self._summaries[key]

    def _run_summary(
        self,
        mod: ModuleInfo,
        func: FunctionInfo,
        key: tuple[str, str],
        decided: dict[int, Any],
        called: bool = False,
    ) -> Summary:
        if key in self._running:
            return Summary()  # recursion: no summary yet, assume nothing flows
        self._running.add(key)
        try:
            return Runner(self, mod, func, self.globals_of(mod)).run_function(decided, called)
        finally:
            self._running.discard(key)

    def find_module(
        self, name: str, origin: ModuleInfo | None = None, unchanged: bool = False
    ) -> ModuleInfo | None:
        """A changed module by name, else (`unchanged`) one the change left alone, read from the
        repository when the review has one and the call comes from close enough to the change
        (`origin`)."""
        if name not in self._found:
            found = self._by_name.get(name)
            if found is None:
                matches = [m for m in self.modules if m.name.endswith("." + name)]
                found = matches[0] if len(matches) == 1 else None
            self._found[name] = found
        found = self._found[name]
        if found is None and unchanged and self.project is not None:
            found = self._unchanged_module(name, self._depth.get(origin.path, 0) if origin else 0)
        return found

    def _unchanged_module(self, name: str, depth: int) -> ModuleInfo | None:
        if name in self._unchanged:
            return self._unchanged[name]
        if depth >= MAX_HELPER_DEPTH or len(self._unchanged) >= MAX_HELPER_MODULES:
            return None
        assert self.project is not None
        source = self.project.unchanged_source(name)
        module = None
        if source is not None:
            module = ModuleInfo.build(source.path, source.tree, source.lines, Resolver.of_source(source))
            self._depth[source.path] = depth + 1
        self._unchanged[name] = module
        return module

    def resolve(
        self, mod: ModuleInfo, class_name: str | None, func: ast.expr, unchanged: bool = False
    ) -> tuple[ModuleInfo, FunctionInfo, bool] | None:
        """The changed-file function a call in `mod` (in a method of `class_name`) runs, and
        whether `self` is bound; local variables aside (the runner checks those). With
        `unchanged`, a function of a module the change left alone too."""
        if isinstance(func, ast.Name):
            local = mod.by_name.get(func.id)
            if local is not None and func.id not in mod.imports:
                return mod, local, False
            found = self.lookup(mod.imports[func.id], mod, unchanged) if func.id in mod.imports else None
            if found is None and func.id not in mod.imports and not func.id.startswith("_"):
                found = self._star_imported(mod, func.id, unchanged)
            return (found[0], found[1], False) if found else None
        if isinstance(func, ast.Attribute):
            if isinstance(func.value, ast.Name) and func.value.id in ("self", "cls") and class_name:
                method = mod.classes.get(class_name, {}).get(func.attr)
                if method is not None:
                    return mod, method, method.binds_self
                inherited = self._inherited(mod, class_name, func.attr, unchanged)
                if inherited is None:
                    return None
                return inherited[0], inherited[1], inherited[1].binds_self
            if isinstance(func.value, ast.Name) and func.value.id in mod.classes:
                # `Store.insert(...)` on a class of this module: a static method takes the arguments
                # as given, a class method the class first, a plain method its `self` explicitly
                method = mod.classes[func.value.id].get(func.attr)
                found = (mod, method) if method is not None else None
                found = found or self._inherited(mod, func.value.id, func.attr, unchanged)
                return (found[0], found[1], found[1].is_classmethod) if found else None
            qual = mod.qualname(func)
            if qual and isinstance(func.value, ast.Name) and func.value.id in mod.imports:
                found = self.lookup(qual, mod, unchanged)
                return (found[0], found[1], found[1].is_classmethod) if found else None
            return self._typed_method(mod, func, unchanged)
        return None

    def _star_imported(
        self, mod: ModuleInfo, name: str, unchanged: bool
    ) -> tuple[ModuleInfo, FunctionInfo] | None:
        """`from app.utils import *` then `name(...)`: the function of that name the last star
        import that has one brings in."""
        for base in reversed(mod.resolver.star_imports):
            found = self.lookup(f"{base}.{name}", mod, unchanged)
            if found is not None:
                return found
        return None

    def _typed_method(
        self, mod: ModuleInfo, func: ast.Attribute, unchanged: bool = False
    ) -> tuple[ModuleInfo, FunctionInfo, bool] | None:
        """`obj.method(...)` on an object of one type a changed module defines: its type when
        known, else the one type every value that reaches it has (`self.store` set from the
        constructor argument `Interface(FileStore(...))`)."""
        if func.attr not in self._method_names:
            return None  # no changed class defines it: nothing to follow, no type to work out
        types = mod.resolver.possible_types(func.value)
        if len(types) != 1:
            return None
        for base in mod.resolver.supertypes(types[0]):
            found = self.lookup(f"{base}.{func.attr}", mod, unchanged)
            if found is not None:
                return found[0], found[1], found[1].binds_self
        return None

    def _inherited(
        self, mod: ModuleInfo, class_name: str, method: str, unchanged: bool = False
    ) -> tuple[ModuleInfo, FunctionInfo] | None:
        """A method a class inherits from a base class in a changed module (nearest base first)."""
        own = f"{mod.name}.{class_name}" if mod.name else class_name
        for base in mod.resolver.supertypes(own)[1:]:
            found = self.lookup(f"{base}.{method}", mod, unchanged)
            if found is not None:
                return found
        return None

    def keep_in_session(self, session: str, key: str, value: Value, where: Step) -> None:
        """The client's data a view keeps in the session (`session["next"] = request.args["next"]`):
        what any view reading that key back gets, checked or not as it was when kept."""
        traces = [replace(t.then(where), indirect=True) for t in value.all_traces() if t.is_source]
        if traces:
            kept = Value(frozenset(traces))
            slot = (session, key)
            self.kept_in_session[slot] = (
                join(self.kept_in_session[slot], kept) if slot in self.kept_in_session else kept
            )

    def kept_in_session_as(self, session: str, key: str) -> Value | None:
        """What the change's views keep under `key` (None: nothing of the client's). The views
        that keep something there run first (see `run`)."""
        found = self.kept_in_session.get((session, key))
        if found is None:
            self._read_before_kept.add((session, key))
        return found

    def store_sink(self, mod: ModuleInfo, container: ast.expr) -> tuple[dict[str, Any], str] | None:
        """The store-sink row (`response.headers[k] = v`) an item assignment into `container`
        matches, with the container's text; None for an ordinary container."""
        qual = mod.qualname(container) or ""
        text = node_text(mod, container, 200)
        for row in self.rules.store_sinks:
            pattern = row["name"]
            if pattern != "*" and not (qual == pattern or name_matches(qual, pattern)):
                continue
            if "types" in row and not mod.is_a(container, row["types"]):
                continue
            if "owner_types" in row and not (
                isinstance(container, ast.Attribute) and mod.is_a(container.value, row["owner_types"])
            ):
                continue
            return row, text
        return None

    def lookup(
        self, qual: str, origin: ModuleInfo | None = None, unchanged: bool = False
    ) -> tuple[ModuleInfo, FunctionInfo] | None:
        """A function of a changed module, or (`unchanged`) of one the change left alone, by its
        qualified name (`app.utils.build_cmd`), for a call in `origin`."""
        parts = qual.split(".")
        for cut in range(len(parts) - 1, 0, -1):
            mod = self.find_module(".".join(parts[:cut]), origin, unchanged)
            if mod is None:
                continue
            rest = parts[cut:]
            if len(rest) == 1 and rest[0] in mod.by_name:
                return mod, mod.by_name[rest[0]]
            if len(rest) == 2 and rest[1] in mod.classes.get(rest[0], {}):
                return mod, mod.classes[rest[0]][rest[1]]
            return None
        return None


def _within(spans: tuple[Span, ...], path: str, hit: SinkHit) -> bool:
    """The hit's sink, or a step of its flow (a call made there), lies in one of `path`'s spans."""
    return gate_of(spans, hit_lines(path, hit)) is not None


def _single_binding(stmt: ast.stmt) -> tuple[ast.expr | None, ast.expr | None]:
    """(target, value) of `target = value` or `target: T = value`; (None, None) otherwise."""
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
        return stmt.targets[0], stmt.value
    if isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
        return stmt.target, stmt.value
    return None, None


def _is_self_attribute(node: ast.expr | None) -> bool:
    return isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "self"


def _spliced_whole(func: FunctionInfo, name: str) -> bool:
    """Whether the function hands on its parameter `name` as a whole list of items: its `*args`,
    or `*name`, `+ name` or `list(name)` somewhere in its body."""
    arguments = func.node.args
    if arguments.vararg is not None and arguments.vararg.arg == name:
        return True
    for node in nodes_of(func.node, ast.Starred, ast.BinOp, ast.Call):
        if isinstance(node, ast.Starred):
            parts = [node.value]
        elif isinstance(node, ast.BinOp):
            parts = [node.left, node.right] if isinstance(node.op, ast.Add) else []
        else:
            parts = list(node.args) if isinstance(node.func, ast.Name) and node.func.id == "list" else []
        if any(isinstance(part, ast.Name) and part.id == name for part in parts):
            return True
    return False


def _keeping_in_session(mod: ModuleInfo) -> list[FunctionInfo]:
    """The module's functions with an item store into an object named as a session is
    (`session["next"] = ...`, `request.session[key] = ...`), innermost first: an inner function's
    summary is ready for the one around it."""
    lines = [
        node.lineno
        for node in nodes_of(mod.tree, ast.Subscript)
        if isinstance(node.ctx, ast.Store) and last_name(node.value) in SESSION_NAMES  # type: ignore[attr-defined]
    ]
    if not lines:
        return []
    found = [
        func
        for func in mod.functions.values()
        if any(func.node.lineno <= line <= (func.node.end_lineno or func.node.lineno) for line in lines)
    ]
    return sorted(found, key=lambda func: -func.node.lineno)
