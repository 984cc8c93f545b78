"""Names and types of Python expressions in one module, from its source alone.

`Resolver(tree, module="pkg.mod")` answers, for any expression of that tree:

- `qualname(expr)`: the dotted name it stands for, through imports and aliases
  (`import subprocess as sp; sp.run` -> `subprocess.run`; `run = os.system` ->
  `os.system`; `builtins.eval` -> `eval`; `importlib.import_module("pickle").loads`
  -> `pickle.loads`; `getattr(os, "system")` -> `os.system`; a name bound to
  `functools.partial(subprocess.run, ...)` -> `subprocess.run`). Calls inside a chain
  become `f()` (`requests.session().get` -> `requests.session().get`).
- `type_of(expr)`: the qualified name of the type of the object it evaluates to, or
  None when the resolver cannot tell. It reads constructor calls, factory results and
  method results it knows (see `known`), annotations (`Optional[X]`, `X | None`,
  strings), assignments in the function and the module (a name assigned objects of
  two different types, or of an unknown one, stays unknown), `self.x` set in any
  method of the class, loop variables over known sequences, `with ... as x`, and
  framework-provided objects and parameters (`flask.request.files[...]`, Django's
  `request` parameter and `self.request` in class-based views).
- `call_names(call)`: every qualified name a call can be matched by: the syntactic
  one, and for a method call on an object of known type `T`, `T.method` for `T`
  and each of its supertypes (`ldap3.Connection.search`, `logging.Logger.info`).

It never imports or runs the code it reads, and it is scope-aware only as far as a
function and its enclosing functions, its class and the module: enough for rule
matching, not a type checker. Unknown stays unknown: callers decide which way to lean.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from prguard.analyzers.asttools import (
    is_name,
    nodes_of,
    own_statements,
    parameter,
    parameter_defaults,
    walk_statements,
)
from prguard.analyzers.pyresolve import known
from prguard.analyzers.pyresolve.alternatives import Alternatives, argument_of, is_own_class
from prguard.analyzers.pyresolve.reaching import reaching_binding

if TYPE_CHECKING:
    from prguard.engine.plugin import SourceFile

FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef
Scope = FunctionNode | None  # None: the module's top level
_NONE = "builtins.NoneType"


def is_class_name(qualname: str) -> bool:
    """Whether a qualified name looks like a class (last segment capitalised): calling it
    constructs an object of that type."""
    last = qualname.rsplit(".", 1)[-1]
    return bool(last) and last[0].isupper() and not last.isupper()


def element_of(type_name: str | None) -> str | None:
    """What iterating or indexing a `list[T]` (or a known container) gives."""
    if type_name is None:
        return None
    if type_name.startswith("list[") and type_name.endswith("]"):
        return type_name[5:-1]
    if type_name.startswith(known.QUERYSET + "[") and type_name.endswith("]"):
        return type_name[len(known.QUERYSET) + 1 : -1]  # iterating a queryset gives its model's rows
    return known.ELEMENT_TYPES.get(type_name)


def supertypes(type_name: str, extra: dict[str, tuple[str, ...]] | None = None) -> list[str]:
    """`type_name` and every type it extends, nearest first (known tables plus `extra`)."""
    out: list[str] = []
    todo = [type_name]
    while todo:
        current = todo.pop(0)
        if current in out:
            continue
        out.append(current)
        todo.extend((extra or {}).get(current, ()))
        todo.extend(known.SUPERTYPES.get(current, ()))
    return out


@dataclass
class _ScopeInfo:
    """Bindings of one function (or the module): what each local name was assigned."""

    node: Scope
    params: dict[str, ast.arg] = field(default_factory=dict)
    annotations: dict[str, ast.expr] = field(default_factory=dict)
    bindings: dict[str, list[ast.expr]] = field(default_factory=dict)
    #: names bound by `for x in seq` / `with e as x`: (kind, expression)
    derived: dict[str, list[tuple[str, ast.expr]]] = field(default_factory=dict)
    returns: list[ast.expr] = field(default_factory=list)
    opaque: set[str] = field(default_factory=set)  # bound in ways not followed (unpacking, globals)
    imported: set[str] = field(default_factory=set)  # bound by a function-level import (and opaque)
    #: names unpacked from one value (`method, headers = lookup[kind]`): (value, position)
    unpacked: dict[str, tuple[ast.expr, int]] = field(default_factory=dict)
    #: opaque names whose one unpacking is all that made them so: their other bindings still count
    #: where a type is asked for (`row, created = M.get_or_create(...)` in one branch, `row = M.get(...)`
    #: in the other)
    unpacked_once: set[str] = field(default_factory=set)

    def hide(self, names: Iterable[str]) -> None:
        """Names bound in a way not followed."""
        for name in names:
            self.opaque.add(name)
            self.unpacked_once.discard(name)


@dataclass
class _ClassInfo:
    node: ast.ClassDef
    qualname: str
    bases: list[ast.expr]
    methods: dict[str, FunctionNode] = field(default_factory=dict)
    #: (annotated attributes, assigned attributes), built on first use
    attributes: tuple[dict[str, tuple[ast.expr, Scope]], dict[str, list[tuple[ast.expr, Scope]]]] | None = (
        None
    )


class Resolver:
    """Resolve names and infer types in one parsed module (see the module docstring)."""

    @classmethod
    def of_file(cls, tree: ast.Module, path: str) -> Resolver:
        """The resolver of a repository file, its module named by its path (`pkg/mod.py` is
        `pkg.mod`, `pkg/__init__.py` the package `pkg`)."""
        path = path.replace("\\", "/")
        module = path.removesuffix(".py").replace("/", ".").removesuffix(".__init__")
        return cls(tree, module=module, is_package=path.endswith("__init__.py"))

    @classmethod
    def of_source(cls, source: SourceFile) -> Resolver:
        """The resolver of one parsed version of a file (the engine's `SourceFile`), shared by
        every analyzer that asks during the review: indexing a module and answering the same
        questions again is a cost each analyzer used to pay on its own."""
        found = source.derived.get("resolver")
        if found is None:
            found = source.derived["resolver"] = cls.of_file(source.tree, source.path)
        return found

    def __init__(self, tree: ast.Module, module: str = "", *, is_package: bool = False) -> None:
        self.tree = tree
        self.module = module
        self.is_package = is_package  # an `__init__.py`: relative imports start at the module itself
        self.imports: dict[str, str] = {}
        self.star_imports: list[str] = []
        self.classes: dict[str, _ClassInfo] = {}
        self._made_classes: dict[str, _ClassInfo | None] = {}  # classes defined in functions, by name
        self.functions: dict[str, FunctionNode] = {}  # module-level functions by name
        self._spans: list[FunctionNode] = []
        self._class_of: dict[int, _ClassInfo] = {}  # function node id -> its class
        self._outer: dict[int, Scope] = {}  # function node id -> the function it is nested in
        self._scopes: dict[int, _ScopeInfo] = {}
        self._type_cache: dict[tuple[int, int], str | None] = {}
        self._qual_cache: dict[tuple[int, int], str | None] = {}
        self._managers: dict[str, frozenset[str]] = {}  # model class -> managers its body declares
        self._manager_models: dict[str, str | None] = {}  # manager class -> the model declaring it
        self._guards: dict[int, dict[str, str | None]] = {}  # function id -> names an isinstance holds
        self._busy: set[tuple[int, str]] = set()
        self._supertypes: dict[str, list[str]] = {}
        self._frameworks: set[str] = set()
        self._fallback_imports: set[int] = set()
        self._index(tree.body, None, None)
        self._by_line = self._line_scopes()

    # -- indexing ----------------------------------------------------------------------------------

    def _index(self, body: list[ast.stmt], scope: Scope, klass: _ClassInfo | None) -> None:
        """Functions, classes and imports, walking statements only (expressions are found by line)."""
        for child in body:
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                self._outer[id(child)] = scope
                if klass is not None:
                    self._class_of[id(child)] = klass
                    klass.methods[child.name] = child
                elif scope is None:
                    self.functions[child.name] = child
                self._spans.append(child)  # outer functions before the ones nested in them
                self._index(child.body, child, None)
            elif isinstance(child, ast.ClassDef):
                qual = f"{self.module}.{child.name}" if self.module else child.name
                info = _ClassInfo(child, qual, list(child.bases))
                if scope is None and klass is None:
                    self.classes[child.name] = info
                elif klass is None:  # a class a function makes: known by name only if no other is
                    self._made_classes[child.name] = None if child.name in self._made_classes else info
                self._index(child.body, scope, info)
            else:
                if isinstance(child, ast.Import | ast.ImportFrom):
                    self._note_import(child)
                elif isinstance(child, ast.Try | ast.TryStar):
                    self._fallback_imports.update(_fallback_imports(child))
                for field_name in ("body", "orelse", "finalbody", "handlers", "cases"):
                    block = getattr(child, field_name, None)
                    if not isinstance(block, list):
                        continue
                    for item in block:
                        if isinstance(item, ast.stmt):
                            self._index([item], scope, klass)
                        else:  # except handlers, match cases
                            self._index(item.body, scope, klass)

    def _line_scopes(self) -> list[Scope]:
        """For each line, the innermost function whose body holds it (None: module level)."""
        last = max((getattr(n, "end_lineno", 0) or 0 for n in self.tree.body), default=0)
        lines: list[Scope] = [None] * (last + 2)
        for function in self._spans:
            start = function.body[0].lineno if function.body else function.lineno
            end = function.end_lineno or start
            for line in range(start, min(end, last) + 1):
                lines[line] = function
        return lines

    def _note_import(self, node: ast.Import | ast.ImportFrom) -> None:
        if id(node) in self._fallback_imports:
            return  # `except ImportError: from xml.etree import ElementTree as etree`: lxml's where it runs
        if isinstance(node, ast.Import):
            for alias in node.names:
                known.bind_plain_import(self.imports, alias)
                self._frameworks.add(alias.name.split(".")[0])
            return
        base = node.module or ""
        if node.level:
            parts = self.module.split(".") if self.module else []
            keep = max(len(parts) - node.level + (1 if self.is_package else 0), 0)
            package = ".".join(parts[:keep])
            base = f"{package}.{base}".strip(".") if base else package
        if base:
            self._frameworks.add(base.split(".")[0])
        for alias in node.names:
            if alias.name == "*":
                self.star_imports.append(base)
            else:
                dotted = f"{base}.{alias.name}" if base else alias.name
                known.bind_import(self.imports, alias.asname or alias.name, dotted)

    @cached_property
    def zope_module(self) -> bool:
        """A module of a Zope product: its objects are published and acquire the request."""
        return self.imports_any(known.ZOPE_PACKAGES)

    def imports_package(self, top: str) -> bool:
        """Whether the module imports anything from the top-level package `top`."""
        return top in self._frameworks

    def rebinds_import(self, node: ast.expr) -> bool:
        """Whether `node` (a call's function) starts with a name its function binds itself, a
        parameter or a local that is no alias, where the file also imports that name:
        `def f(os, cmd): os.system(cmd)`. A reader that matches names file-wide, as bandit does,
        takes it for the import."""
        scope = self.scope_of(node)
        root = _root_name(node)
        if scope is None or root is None or root not in self.imports or root not in self.local_names(scope):
            return False
        scoped = self.qualname(node)
        return scoped != self.qualname(node, None) and (scoped is None or "." not in scoped)

    def imports_any(self, tops: frozenset[str]) -> bool:
        """Whether the module imports anything from one of the top-level packages `tops`."""
        return not tops.isdisjoint(self._frameworks)

    def scope_of(self, node: ast.AST) -> Scope:
        """The function an expression or statement of this tree belongs to (None: module level)."""
        line = getattr(node, "lineno", None)
        if line is None or line >= len(self._by_line):
            return None
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            return self._outer.get(id(node))
        return self._by_line[line]

    def class_of(self, function: FunctionNode) -> str | None:
        """The qualified name of the class a function is a method of."""
        info = self._class_of.get(id(function))
        return info.qualname if info is not None else None

    def local_names(self, scope: Scope) -> frozenset[str]:
        """The names a function binds itself: parameters, assignments, loop and `with` targets,
        imports and handlers (what a function nested in it reads from it, not from the module)."""
        info = self._scope(scope)
        return frozenset(
            (*info.params, *info.bindings, *info.annotations, *info.derived, *info.opaque, *info.unpacked)
        )

    def _scope(self, scope: Scope) -> _ScopeInfo:
        key = id(scope)
        info = self._scopes.get(key)
        if info is None:
            info = self._scopes[key] = self._collect(scope)
        return info

    def _collect(self, scope: Scope) -> _ScopeInfo:
        info = _ScopeInfo(scope)
        if scope is None:
            body: list[ast.stmt] = self.tree.body
        else:
            args = scope.args
            for arg in (*args.posonlyargs, *args.args, *args.kwonlyargs):
                info.params[arg.arg] = arg
            for arg in (args.vararg, args.kwarg):
                if arg is not None:
                    info.hide([arg.arg])
            body = scope.body
        for stmt in own_statements(body):
            self._collect_statement(stmt, info)
        return info

    @cached_property
    def _import_placeholders(self) -> set[int]:
        """Assignments that stand in for an optional import when it fails (`try: from lxml import
        etree` / `except ImportError: etree = None`): where the code runs, the name is the import."""
        found: set[int] = set()
        for node in nodes_of(self.tree, ast.Try):
            imported = _imported_names(node.body)  # type: ignore[attr-defined]
            for handler in node.handlers if imported else ():  # type: ignore[attr-defined]
                if not _catches_import_error(handler):
                    continue
                for stmt in handler.body:
                    if (
                        isinstance(stmt, ast.Assign)
                        and isinstance(stmt.value, ast.Constant)
                        and all(isinstance(t, ast.Name) and t.id in imported for t in stmt.targets)
                    ):
                        found.add(id(stmt))
        return found

    def is_import_placeholder(self, stmt: ast.stmt) -> bool:
        """`stmt` assigns a constant in place of an optional import that failed."""
        return id(stmt) in self._import_placeholders

    def _collect_statement(self, stmt: ast.AST, info: _ScopeInfo) -> None:
        if isinstance(stmt, ast.Assign) and self.is_import_placeholder(stmt):
            return
        if isinstance(stmt, ast.Assign):
            for target in stmt.targets:
                self._bind_target(target, stmt.value, info)
        elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
            info.annotations[stmt.target.id] = stmt.annotation
            if stmt.value is not None:
                info.bindings.setdefault(stmt.target.id, []).append(stmt.value)
        elif isinstance(stmt, ast.AugAssign) and isinstance(stmt.target, ast.Name):
            info.hide([stmt.target.id])
        elif isinstance(stmt, ast.For | ast.AsyncFor):
            if isinstance(stmt.target, ast.Name):
                info.derived.setdefault(stmt.target.id, []).append(("iter", stmt.iter))
            else:
                items = _iterated_together(stmt.target, stmt.iter)
                for name in _names(stmt.target):
                    if name in items:  # `for i, asset in enumerate(assets)`, `for a, b in zip(x, y)`
                        info.derived.setdefault(name, []).append(("iter", items[name]))
                    else:
                        info.hide([name])
        elif isinstance(stmt, ast.With | ast.AsyncWith):
            for item in stmt.items:
                if isinstance(item.optional_vars, ast.Name):
                    info.derived.setdefault(item.optional_vars.id, []).append(("with", item.context_expr))
                elif item.optional_vars is not None:
                    info.hide(_names(item.optional_vars))
        elif isinstance(stmt, ast.Return) and stmt.value is not None:
            info.returns.append(stmt.value)
        elif isinstance(stmt, ast.Global | ast.Nonlocal):
            info.hide(stmt.names)
        elif isinstance(stmt, ast.ExceptHandler) and stmt.name:
            info.hide([stmt.name])
        elif isinstance(stmt, ast.Import | ast.ImportFrom) and info.node is not None:
            for alias in stmt.names:
                if alias.name != "*":
                    local = alias.asname or alias.name.split(".")[0]
                    info.hide([local])  # function-level imports: resolved through the module table
                    info.imported.add(local)

    def _bind_target(self, target: ast.expr, value: ast.expr, info: _ScopeInfo) -> None:
        if isinstance(target, ast.Name):
            info.bindings.setdefault(target.id, []).append(value)
        elif isinstance(target, ast.Tuple | ast.List):
            if isinstance(value, ast.Tuple | ast.List) and len(value.elts) == len(target.elts):
                for sub_target, sub_value in zip(target.elts, value.elts, strict=True):
                    self._bind_target(sub_target, sub_value, info)
            elif any(isinstance(e, ast.Starred) for e in target.elts):
                info.hide(_names(target))
            else:
                for position, element in enumerate(target.elts):
                    if isinstance(element, ast.Name):
                        first = element.id not in info.opaque
                        info.opaque.add(element.id)
                        if first:
                            info.unpacked_once.add(element.id)
                        else:
                            info.unpacked_once.discard(element.id)
                        info.unpacked[element.id] = (value, position)
                    else:
                        info.hide(_names(element))

    # -- qualified names ---------------------------------------------------------------------------

    def qualname(self, node: ast.AST, scope: Scope | bool = True) -> str | None:
        """The dotted name `node` stands for (see the module docstring), or None.

        `scope`: the function the expression is in; by default the one it was found in.
        """
        where = self.scope_of(node) if scope is True else scope
        key = (id(node), id(where))
        if key in self._qual_cache:
            return self._qual_cache[key]
        result = self._qualname(node, where)  # type: ignore[arg-type]
        self._qual_cache[key] = result
        return result

    def _qualname(self, node: ast.AST, scope: Scope) -> str | None:
        if isinstance(node, ast.Name):
            return self._name_qual(node.id, scope)
        if isinstance(node, ast.Attribute):
            base = self._qualname(node.value, scope)
            if base is None:
                return None
            if base in known.BUILTIN_MODULES:
                return node.attr
            return f"{base}.{node.attr}"
        if isinstance(node, ast.Call):
            special = self._special_call(node, scope)
            if special is not None:
                return special
            inner = self._qualname(node.func, scope)
            return None if inner is None else inner + "()"
        return None

    def _special_call(self, node: ast.Call, scope: Scope) -> str | None:
        """What `importlib.import_module("x")`, `getattr(m, "f")` and `partial(f)` stand for."""
        callee = self._qualname(node.func, scope)
        if callee is None:
            return None
        first = node.args[0] if node.args else None
        if callee in known.IMPORT_CALLS and isinstance(first, ast.Constant) and isinstance(first.value, str):
            if callee == "__import__" and "." in first.value:
                return first.value.split(".")[0]  # __import__("a.b") returns package a
            return first.value
        if callee == "getattr" and len(node.args) >= 2:
            name = node.args[1]
            if isinstance(name, ast.Constant) and isinstance(name.value, str) and name.value.isidentifier():
                base = self._qualname(node.args[0], scope)
                if base is not None:
                    return name.value if base in known.BUILTIN_MODULES else f"{base}.{name.value}"
            return None
        if callee in known.PARTIAL_CALLS and first is not None:
            return self._qualname(first, scope)
        return None

    def _name_qual(self, name: str, scope: Scope) -> str | None:
        for info in self._chain(scope):
            if name in info.opaque:
                break
            values = info.bindings.get(name)
            if values is None and name in info.params:
                return self._local(name, info)
            if values is not None:
                if name in info.derived:
                    return self._local(name, info)
                busy = (id(info.node), "=" + name)
                if busy in self._busy:
                    return name  # `x = f(x)`: a name defined through itself is no alias
                self._busy.add(busy)
                try:
                    targets = {self._alias_target(v, info.node) for v in values}
                finally:
                    self._busy.discard(busy)
                if len(targets) == 1 and None not in targets:
                    return targets.pop()  # type: ignore[return-value]
                return self._local(name, info)
            if name in info.derived:
                return self._local(name, info)
        if name in self.imports:
            return self.imports[name]
        return name

    def _local(self, name: str, info: _ScopeInfo) -> str | None:
        """A binding of `name` that makes it no alias: its name, unless a function's own binding
        is also what a module the file imports is called (a parameter `os` is not the `os`
        module): then nothing."""
        return None if info.node is not None and self.imports.get(name) == name else name

    def _alias_target(self, value: ast.expr, scope: Scope) -> str | None:
        """The qualified name a binding makes its name an alias of (`run = subprocess.run`)."""
        if isinstance(value, ast.Call):
            return self._special_call(value, scope)
        if isinstance(value, ast.Name | ast.Attribute):
            key = (id(scope), ast.dump(value))
            if key in self._busy:
                return None
            self._busy.add(key)  # type: ignore[arg-type]
            try:
                qual = self._qualname(value, scope)
            finally:
                self._busy.discard(key)  # type: ignore[arg-type]
            root = _root_name(value)
            if qual is None or root is None:
                return None
            if root in self.imports or qual != ast.unparse(value) or _is_builtin_callable(root):
                return qual
        return None

    @cached_property
    def _comprehension_variables(self) -> dict[int, ast.expr]:
        """Each read of a comprehension's loop variable (a plain name), by node id: the iterable
        it runs over. Comprehensions are not scopes here, so their variables are found this way."""
        found: dict[int, ast.expr] = {}
        for comp in nodes_of(self.tree, ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp):
            for index, generator in enumerate(comp.generators):  # type: ignore[attr-defined]
                if not isinstance(generator.target, ast.Name):
                    continue
                name = generator.target.id
                later = [*comp.generators[index + 1 :], *generator.ifs]  # type: ignore[attr-defined]
                parts = [*later, *(getattr(comp, a) for a in ("elt", "key", "value") if hasattr(comp, a))]
                for part in parts:
                    for sub in ast.walk(part):
                        if isinstance(sub, ast.Name) and sub.id == name and isinstance(sub.ctx, ast.Load):
                            found.setdefault(id(sub), generator.iter)
        return found

    def _chain(self, scope: Scope) -> Iterator[_ScopeInfo]:
        """The scope, the functions it is nested in, then the module."""
        current = scope
        while current is not None:
            yield self._scope(current)
            current = self._outer.get(id(current))
        yield self._scope(None)

    # -- types -------------------------------------------------------------------------------------

    def type_of(self, node: ast.AST, scope: Scope | bool = True) -> str | None:
        """Qualified name of the type of the object `node` evaluates to, or None (unknown)."""
        where = self.scope_of(node) if scope is True else scope
        key = (id(node), id(where))
        if key in self._type_cache:
            return self._type_cache[key]
        self._type_cache[key] = None  # recursion through assignments: unknown
        result = self._type(node, where)  # type: ignore[arg-type]
        self._type_cache[key] = result
        return result

    def _type(self, node: ast.AST, scope: Scope) -> str | None:
        if isinstance(node, ast.Name):
            iterated = self._comprehension_variables.get(id(node))
            if iterated is not None:  # `cp` in `[cp.get_info() for cp in progresses]`
                return element_of(self.type_of(iterated, scope))
            return self._name_type(node.id, scope, node)
        if isinstance(node, ast.ListComp | ast.SetComp | ast.GeneratorExp):
            element = self.type_of(node.elt, scope)
            return f"list[{element}]" if element not in (None, _NONE) else None
        if isinstance(node, ast.List | ast.Tuple | ast.Set) and node.elts:
            elements = {self.type_of(e, scope) for e in node.elts}
            element = elements.pop() if len(elements) == 1 else None
            return f"list[{element}]" if element not in (None, _NONE) else None
        if isinstance(node, ast.Attribute):
            return self._attribute_type(node, scope)
        if isinstance(node, ast.Call):
            return self._call_type(node, scope)
        if isinstance(node, ast.Subscript):
            if isinstance(node.slice, ast.Slice):
                return self.type_of(node.value, scope)  # `qs[:10]`, `items[1:]`: the same kind of sequence
            container = self.type_of(node.value, scope)
            key = node.slice.value if isinstance(node.slice, ast.Constant) else None
            if container is not None and isinstance(key, str) and (container, key) in known.ITEM_TYPES:
                return known.ITEM_TYPES[(container, key)]  # `REQUEST["RESPONSE"]`
            return element_of(container)
        if isinstance(node, ast.Await):
            return self.type_of(node.value, scope)
        if isinstance(node, ast.IfExp):
            return _same(self.type_of(node.body, scope), self.type_of(node.orelse, scope))
        if isinstance(node, ast.BoolOp):
            values = node.values
            if isinstance(node.op, ast.Or):  # `session or requests.Session()`: the fallback's kind
                values = [v for v in values if not self._optional_parameter(v, scope)] or values
            types = {self.type_of(v, scope) for v in values} - {_NONE}
            return types.pop() if len(types) == 1 else None
        if isinstance(node, ast.Constant):
            return _NONE if node.value is None else f"builtins.{type(node.value).__name__}"
        if isinstance(node, ast.JoinedStr):
            return "builtins.str"
        return None

    def _name_type(self, name: str, scope: Scope, read: ast.Name | None = None) -> str | None:
        for info in self._chain(scope):
            if name in info.unpacked and not info.bindings.get(name):
                return self._unpacked_type(*info.unpacked[name], info.node)
            if name in info.unpacked_once and not info.derived.get(name) and name not in info.params:
                # unpacked in one place, assigned in others: the one type they all agree on
                values = info.bindings[name]
                types = {self._unpacked_type(*info.unpacked[name], info.node)}
                types |= {self.type_of(v, info.node) for v in values if not _rebinds(v, name)}
                types.discard(_NONE)
                return types.pop() if len(types) == 1 else None
            if name in info.opaque:
                if name in info.imported and not info.bindings.get(name) and not info.derived.get(name):
                    break  # `from flask import request` in a function: the module table's object
                return None
            if name in info.annotations:
                return self.annotation_type(info.annotations[name], info.node)
            values = info.bindings.get(name, [])
            derived = info.derived.get(name, [])
            guarded = self._isinstance_guard(name, info.node) if info.node is not None else None
            if guarded is not None:  # `if not isinstance(adapter, BaseAdapter): raise TypeError(...)`
                return guarded
            if name in info.params and not values and not derived:
                return self._param_type(info.node, info.params[name])
            if values or derived:
                rebound = [v for v in values if _rebinds(v, name)]  # `qs = qs.exclude(...)`
                empty = [v for v in values if isinstance(v, ast.List) and not v.elts]
                types = {self.type_of(v, info.node) for v in values if v not in rebound and v not in empty}
                if empty and not all(t is not None and t.startswith("list[") for t in types):
                    types.add(None)  # `x = []` agrees only with lists of one known type
                if rebound and len(types) == 1:
                    assumed = next(iter(types))
                    types |= {self._rebound_type(v, assumed) for v in rebound}
                for how, expr in derived:
                    inner = self.type_of(expr, info.node)
                    types.add(element_of(inner) if how == "iter" else inner)
                types.discard(_NONE)
                if len(types) > 1 and read is not None and isinstance(info.node, FunctionNode):
                    # assigned things of different types: the one assignment that reaches this read
                    reached = reaching_binding(info.node, name, read)
                    if reached is None:
                        return None
                    how, expr = reached
                    found = self.type_of(expr, info.node)
                    return element_of(found) if how == "iter" else found
                return types.pop() if len(types) == 1 else None
        qual = self.imports.get(name)
        if qual is not None:
            return known.OBJECT_TYPES.get(qual)
        return None

    def unpacked_from(self, node: ast.expr, scope: Scope | bool = True) -> ast.expr | None:
        """The one value a name was unpacked from (`x, app = locate(ident)`), or None."""
        if not isinstance(node, ast.Name):
            return None
        where = self.scope_of(node) if scope is True else scope
        for info in self._chain(where):  # type: ignore[arg-type]
            if node.id in info.unpacked and not info.bindings.get(node.id):
                return info.unpacked[node.id][0]
            if node.id in info.params or node.id in info.bindings:
                return None
        return None

    def _unpacked_type(self, value: ast.expr, position: int, scope: Scope) -> str | None:
        """The type of one name unpacked from a value: the instance of `obj, created =
        Model.objects.get_or_create(...)` (Django's pair of row and flag)."""
        if (
            position == 0
            and isinstance(value, ast.Call)
            and isinstance(value.func, ast.Attribute)
            and value.func.attr in known.QUERYSET_PAIRS
        ):
            receiver = self.type_of(value.func.value, scope)
            if receiver is not None and receiver.startswith(known.QUERYSET + "["):
                return element_of(receiver)
        if position == 0 and isinstance(value, ast.Call):
            return self._model_row(value.func, known.MODEL_CLASS_PAIRS)
        return None

    def _super_type(self, call: ast.Call, scope: Scope) -> str | None:
        """`super()` in a method, or `super(Cls, self)`: the class's first base, where looking
        a method up goes next (`super().redirect(url)` in a handler that overrides `redirect`)."""
        klass = self._class_of.get(id(scope)) if scope is not None else None
        named = call.args[0] if call.args else None
        if isinstance(named, ast.Name) and named.id in self.classes:
            klass = self.classes[named.id]
        if klass is None or not klass.bases:
            return None
        return self._class_named(klass.bases[0], None)

    def _model_row(self, func: ast.expr, methods: frozenset[str]) -> str | None:
        """`Bookmark.get(...)` on a class of this module that extends something (an ORM's model
        base, here or imported) and does not define the method: one of its rows, an instance of
        that class."""
        named = isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)
        if not named or func.attr not in methods:  # type: ignore[union-attr]
            return None
        local = self.classes.get(func.value.id)
        if local is None or func.value.id in self.imports or func.attr in local.methods:
            return None
        if not any(not is_name(base, "object") for base in local.bases):
            return None
        return local.qualname

    def _isinstance_guard(self, name: str, function: Scope) -> str | None:
        """The class a statement of the function's own body holds a local name to, for the rest of
        it: `assert isinstance(x, C)`, or `if not isinstance(x, C):` whose body leaves (raise,
        return). One class only; None when there is no such guard."""
        if function is None:
            return None
        if id(function) not in self._guards:
            found: dict[str, set[str | None]] = {}
            for statement in function.body:
                test: ast.expr | None = None
                if isinstance(statement, ast.Assert):
                    test = statement.test
                elif (
                    isinstance(statement, ast.If)
                    and isinstance(statement.test, ast.UnaryOp)
                    and isinstance(statement.test.op, ast.Not)
                    and statement.body
                    and isinstance(statement.body[-1], ast.Raise | ast.Return)
                ):
                    test = statement.test.operand
                if (
                    isinstance(test, ast.Call)
                    and is_name(test.func, "isinstance")
                    and len(test.args) == 2
                    and isinstance(test.args[0], ast.Name)
                ):
                    found.setdefault(test.args[0].id, set()).add(self._class_named(test.args[1], function))
            self._guards[id(function)] = {k: v.pop() for k, v in found.items() if len(v) == 1}
        return self._guards[id(function)].get(name)

    def _rebound_type(self, value: ast.expr, assumed: str | None) -> str | None:
        """The type of `x.method(...)` (or `x[a:b]`) assigned back to `x`, given `x`'s type from its
        other bindings: a queryset chained or sliced stays a queryset of the same model; a method of
        a known table returns its row; anything else is unknown."""
        if isinstance(value, ast.Subscript):  # `qs = qs[:limit]`: the same kind of sequence
            return assumed
        if assumed is None or not isinstance(value, ast.Call) or not isinstance(value.func, ast.Attribute):
            return None
        method = value.func.attr
        if assumed.startswith(known.QUERYSET + "[") and method in known.QUERYSET_CHAINS:
            return assumed
        return known.METHOD_RETURNS.get((assumed, method))

    def _optional_parameter(self, node: ast.expr, scope: Scope) -> bool:
        """An unannotated parameter of the function whose default is None (`session=None`): in
        `session = session or requests.Session()` the caller's value is taken to be of the kind
        the function makes when it gets none."""
        if scope is None or not isinstance(node, ast.Name):
            return False
        arg = parameter(scope.args, node.id)
        default = parameter_defaults(scope.args).get(node.id)
        unannotated = arg is not None and arg.annotation is None
        return unannotated and isinstance(default, ast.Constant) and default.value is None

    def _param_type(self, function: Scope, arg: ast.arg) -> str | None:
        if function is None:
            return None
        if arg.annotation is not None:
            return self.annotation_type(arg.annotation, self._outer.get(id(function)))
        params = [a.arg for a in (*function.args.posonlyargs, *function.args.args)]
        klass = self._class_of.get(id(function))
        if klass is not None and params[:1] == [arg.arg] and arg.arg in ("self", "cls"):
            if arg.arg == "self":
                return klass.qualname
            classmethod_ = any(is_name(d, "classmethod") for d in function.decorator_list)
            return f"type[{klass.qualname}]" if classmethod_ else None
        if klass is not None and params[2:] == [arg.arg] and arg.arg == "queryset":
            model = self.admin_model(klass)
            return f"{known.QUERYSET}[{model}]" if model is not None else None
        if arg.arg in known.ZOPE_PUBLISHED_PARAMETERS and self.zope_module:
            return known.ZOPE_PUBLISHED_PARAMETERS[arg.arg]
        if klass is not None and "twisted" in self._frameworks:
            bases = self.supertypes(klass.qualname)
            for (base, prefix), (position, type_name) in known.RESOURCE_REQUEST_PARAMETERS.items():
                named = getattr(function, "name", "").startswith(prefix)
                if base in bases and named and params[position : position + 1] == [arg.arg]:
                    return type_name
        responder = known.FALCON_RESPONDER.fullmatch(getattr(function, "name", ""))
        if klass is not None and responder and "falcon" in self._frameworks and params[1:2] == [arg.arg]:
            return known.FALCON_REQUEST
        first = params[1:2] if klass is not None else params[:1]
        if first == [arg.arg] and arg.arg == "request":
            for framework, type_name in known.REQUEST_PARAMETER_TYPES.items():
                if framework in self._frameworks:
                    return type_name
        return self._documented_type(function, arg.arg)

    def _documented_type(self, function: FunctionNode, name: str) -> str | None:
        """The class a Sphinx docstring gives a parameter (`:param pkg.models.Realm realm:`, or
        `:type realm: Realm`): a dotted name as written, a bare one through this module's names."""
        docstring = ast.get_docstring(function, clean=False)
        if not docstring or ":" not in docstring:
            return None
        for pattern in (
            rf":param\s+([A-Za-z_][\w.]*)\s+{re.escape(name)}\s*:",
            rf":type\s+{re.escape(name)}\s*:\s*([A-Za-z_][\w.]*)\s*$",
        ):
            match = re.search(pattern, docstring, re.MULTILINE)
            if match is None:
                continue
            written = match.group(1)
            try:
                node = ast.parse(written, mode="eval").body
            except SyntaxError:
                return None
            named = self._class_named(node, self._outer.get(id(function)))
            if named is not None:
                return named
            if "." in written and is_class_name(written):
                return written  # `pkg.models.Realm`: the module path is in the docstring
        return None

    def admin_model(self, klass: _ClassInfo) -> str | None:
        """The model a Django `ModelAdmin` of this module is registered for: `@admin.register(M)`
        on the class, or `admin.site.register(M, TheAdmin)` in the module."""
        if known.DJANGO_MODEL_ADMINS.isdisjoint(self.supertypes(klass.qualname)):
            return None
        registrations = [d for d in klass.node.decorator_list if isinstance(d, ast.Call)]
        for statement in self.tree.body:
            call = statement.value if isinstance(statement, ast.Expr) else None
            if isinstance(call, ast.Call) and len(call.args) >= 2:
                admin = call.args[1]
                if isinstance(admin, ast.Name) and admin.id == klass.node.name:
                    registrations.append(call)
        for call in registrations:
            if self._qualname(call.func, None) in known.DJANGO_ADMIN_REGISTER and call.args:
                models = (
                    call.args[0].elts if isinstance(call.args[0], ast.List | ast.Tuple) else call.args[:1]
                )
                named = {self._class_named(m, None) for m in models}
                if len(named) == 1 and None not in named:
                    return named.pop()
        return None

    def annotation_type(self, annotation: ast.expr, scope: Scope = None) -> str | None:
        """The type an annotation names (`Optional[X]`, `X | None`, `"X"` read as X)."""
        if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
            try:
                parsed = ast.parse(annotation.value, mode="eval").body
            except SyntaxError:
                return None
            return self.annotation_type(parsed, scope)
        members = self._union_members(annotation, scope)
        if members is not None:
            types = set(members) - {_NONE}
            return types.pop() if len(types) == 1 else None
        if isinstance(annotation, ast.Constant) and annotation.value is None:
            return _NONE
        if isinstance(annotation, ast.Subscript):
            outer = self._qualname(annotation.value, scope)
            if outer in known.TRANSPARENT_GENERICS:
                inner = annotation.slice
                if isinstance(inner, ast.Tuple) and inner.elts:
                    inner = inner.elts[0]
                return self.annotation_type(inner, scope)
            return None
        if isinstance(annotation, ast.Name | ast.Attribute):
            qual = self._qualname(annotation, scope)
            if qual is None:
                return None
            if isinstance(annotation, ast.Name) and annotation.id in self.classes:
                return self.classes[annotation.id].qualname
            return qual
        return None

    def _union_members(self, annotation: ast.expr, scope: Scope) -> list[str | None] | None:
        """The member types of `A | B` or `Union[A, B]`; None for an annotation that is no union."""
        if isinstance(annotation, ast.BinOp) and isinstance(annotation.op, ast.BitOr):
            return [
                self.annotation_type(annotation.left, scope),
                self.annotation_type(annotation.right, scope),
            ]
        if isinstance(annotation, ast.Subscript) and self._qualname(annotation.value, scope) in known.UNIONS:
            inner = annotation.slice
            return [
                self.annotation_type(e, scope)
                for e in (inner.elts if isinstance(inner, ast.Tuple) else [inner])
            ]
        return None

    def annotation_types(self, annotation: ast.expr, scope: Scope = None) -> tuple[str, ...]:
        """Every type an annotation allows: a union's known members, else its one type."""
        members = self._union_members(annotation, scope)
        found = members if members is not None else [self.annotation_type(annotation, scope)]
        return tuple(t for t in dict.fromkeys(found) if t is not None and t != _NONE)

    def _attribute_type(self, node: ast.Attribute, scope: Scope) -> str | None:
        qual = self._qualname(node, scope)
        if qual is not None and qual in known.OBJECT_TYPES:
            return known.OBJECT_TYPES[qual]
        if node.attr == "REQUEST" and self.zope_module:
            return known.ZOPE_REQUEST  # `self.REQUEST`, `context.REQUEST`: acquired from the publisher
        model = self._class_named(node.value, scope)
        if node.attr in known.DJANGO_MANAGERS:
            # an imported class: whether it is a model is asked of its file by the caller
            if model is not None and (self._local_class(model) is None or self._may_be_model(model)):
                return f"{known.QUERYSET}[{model}]"
            loaded = self.type_of(node.value, scope) if isinstance(node.value, ast.Name) else None
            if loaded is not None and loaded.startswith("type[") and self._may_be_model(loaded[5:-1]):
                # `User = get_user_model()`, `User.objects`; `cls.objects` in a model's classmethod
                return f"{known.QUERYSET}[{loaded[5:-1]}]"
        if model is not None and node.attr in self.model_managers(model) and self._may_be_model(model):
            return f"{known.QUERYSET}[{model}]"  # `Comment.public = PublicManager()`: a custom manager
        base = self.type_of(node.value, scope)
        if base is None:
            return self._nested_self_attribute(node, scope)
        for type_name in self.supertypes(base):
            found = known.ATTRIBUTE_TYPES.get((type_name, node.attr))
            if found is not None:
                return found
            local = self._local_class(type_name)
            if local is not None:
                found = self._instance_attribute(local, node.attr)
                if found is None:
                    found = self._property_type(local, node.attr)
                if found is not None:
                    return found
        return None

    def _property_type(self, klass: _ClassInfo, attr: str) -> str | None:
        """The type a `@property` (or `cached_property`) of the class returns: `self.session` read
        through `def session(self): ... return self._local.session`."""
        method = self.property_getter(klass, attr)
        return self._returns(method) if method is not None else None

    def property_getter(self, klass: _ClassInfo, attr: str) -> FunctionNode | None:
        """The method behind a `@property` (or `cached_property`) `attr` of the class, if it is one."""
        method = klass.methods.get(attr)
        return method if method is not None and self.is_property(method) else None

    def is_property(self, method: FunctionNode) -> bool:
        """Whether a method is a `@property` (or `cached_property`): read, not called."""
        return any(
            (self._qualname(d, None) or "").rsplit(".", 1)[-1] in known.PROPERTY_DECORATORS
            for d in method.decorator_list
        )

    def _nested_self_attribute(self, node: ast.Attribute, scope: Scope) -> str | None:
        """`self.local.session` whose holder `self.local` is of unknown type (a `threading.local()`
        made elsewhere): the assignments `self.local.session = ...` in the class's methods decide."""
        holder = node.value
        if not (isinstance(holder, ast.Attribute) and isinstance(holder.value, ast.Name)):
            return None
        if holder.value.id != "self":
            return None
        owner = self.type_of(holder.value, scope)
        for type_name in self.supertypes(owner) if owner else ():
            local = self._local_class(type_name)
            if local is not None:
                found = self._instance_attribute(local, f"{holder.attr}.{node.attr}")
                if found is not None:
                    return found
        return None

    def _attributes(self, klass: _ClassInfo):
        """The class's `self.x` annotations and assignments (see `_attribute_index`), built once."""
        if klass.attributes is None:
            klass.attributes = _attribute_index(klass)
        return klass.attributes

    def assigned_values(self, name: str, scope: Scope) -> list[ast.expr]:
        """Every value `name` is assigned where `scope` sees it bound (none when it is a parameter
        there or bound in a way not followed: unpacking, `global`, a loop)."""
        for info in self._chain(scope):
            if name in info.params or name in info.opaque or name in info.derived:
                return []
            if name in info.bindings:
                return list(info.bindings[name])
        return []

    def rebinds(self, name: str, scope: Scope) -> bool:
        """Whether the function binds `name` anywhere besides its parameters (an assignment, a
        loop or `with` target, an augmented assignment, unpacking)."""
        info = self._scope(scope)
        return any(name in bound for bound in (info.bindings, info.opaque, info.derived, info.unpacked))

    def attribute_values(self, class_name: str, attr: str) -> list[tuple[ast.expr, Scope]]:
        """What the methods of this module's class `class_name` assign to `self.attr`, and where."""
        klass = self.classes.get(class_name) or self._made_classes.get(class_name)
        return list(self._attributes(klass)[1].get(attr, ())) if klass is not None else []

    def _instance_attribute(self, klass: _ClassInfo, attr: str) -> str | None:
        """The type of `self.attr`: every assignment to it in the class's methods must agree."""
        annotated, assigned = self._attributes(klass)
        if attr in annotated:
            annotation, method = annotated[attr]
            return self.annotation_type(annotation, method)
        types = {self.type_of(value, method) for value, method in assigned.get(attr, ())}
        types.discard(_NONE)
        return types.pop() if len(types) == 1 else None

    def _call_type(self, node: ast.Call, scope: Scope) -> str | None:
        func = node.func
        if isinstance(func, ast.Name):
            made = self.type_of(func, scope)  # a name bound to a class object: `Model = load_model(...)`
            if made is not None and made.startswith("type[") and made.endswith("]"):
                return made[5:-1]
        if isinstance(func, ast.Attribute) and is_name(func.value, "self") and scope is not None:
            held = self._class_attribute_class(func.attr, scope)
            if held is not None:  # `self.endpoint_class(request)`, `endpoint_class = SomeEndpoint`
                return held
        if isinstance(func, ast.Attribute):
            receiver = self.type_of(func.value, scope)
            model = element_of(receiver) if receiver and receiver.startswith(known.QUERYSET + "[") else None
            if model is not None:
                if func.attr in known.QUERYSET_CHAINS:
                    return receiver
                return model if func.attr in known.QUERYSET_INSTANCES else None
            if receiver is not None and not known.DJANGO_MANAGER_BASES.isdisjoint(self.supertypes(receiver)):
                # a manager's own `self.all()`: rows of the model of this module that declares it,
                # else of whatever model it is attached to
                attached = self._manager_model(receiver) or "django.db.models.Model"
                if func.attr in known.QUERYSET_CHAINS:
                    return f"{known.QUERYSET}[{attached}]"
                if func.attr in known.QUERYSET_INSTANCES:
                    return attached
            if receiver is not None:
                for type_name in self.supertypes(receiver):
                    found = known.METHOD_RETURNS.get((type_name, func.attr))
                    if found is not None:
                        return found
                    if func.attr in ("get", "pop") and type_name in known.ELEMENT_TYPES:
                        return known.ELEMENT_TYPES[type_name]
                    if func.attr == "getlist" and type_name in known.ELEMENT_TYPES:
                        return f"list[{known.ELEMENT_TYPES[type_name]}]"
                    local = self._local_class(type_name)
                    if local is not None and func.attr in local.methods:
                        return self._returns(local.methods[func.attr])
        if is_name(func, "super") and "super" not in self.imports and "super" not in self.functions:
            return self._super_type(node, scope)
        row = self._model_row(func, known.MODEL_CLASS_INSTANCES)
        if row is not None:
            return row
        qual = self._qualname(func, scope)
        if qual is None:
            return None
        if qual in known.ITERATION_WRAPPERS and node.args:  # `sorted(rows)`, `tqdm(assets)`
            element = element_of(self.type_of(node.args[0], scope))
            return f"list[{element}]" if element not in (None, _NONE) else None
        if qual in known.FACTORY_RETURNS:
            return known.FACTORY_RETURNS[qual]
        if isinstance(func, ast.Name) and func.id in self.classes and qual == func.id:
            return self.classes[func.id].qualname
        if isinstance(func, ast.Name) and func.id in self.functions and qual == func.id:
            handed_back = self.returned_parameter(self.functions[func.id])
            if handed_back is not None:  # `session = fix(OAuth2Session(...))`, `fix` returning `session`
                passed = argument_of(node, *handed_back)
                return self.type_of(passed, scope) if passed is not None else None
            return self._returns(self.functions[func.id])
        root = _root_name(func)
        imported = root is not None and (root in self.imports or qual != ast.unparse(func))
        if imported and is_class_name(qual) and not qual.endswith("()"):
            return qual
        return None

    def _class_attribute_class(self, attr: str, scope: Scope) -> str | None:
        """The class a class attribute of the method's class (or a base here) names in the class
        body (`endpoint_class = TokenIntrospectionEndpoint`)."""
        value = self._class_body_value(attr, scope)
        return self._class_named(value, None) if isinstance(value, ast.Name | ast.Attribute) else None

    def class_constant(self, attr: str, scope: Scope) -> object | None:
        """The constant a class attribute of the method's class (or a base here) holds in the class
        body (`content_type = "text/plain"`), when no method of the class assigns `self.attr`."""
        klass = self._class_of.get(id(scope))
        value = self._class_body_value(attr, scope)
        if klass is None or not isinstance(value, ast.Constant) or attr in self._attributes(klass)[1]:
            return None
        return value.value

    def class_body_value(self, attr: str, scope: Scope) -> ast.expr | None:
        """What the body of the method's class, or of the nearest base this module defines,
        assigns to `attr` (None: nothing here does; a base out of sight may)."""
        return self._class_body_value(attr, scope)

    def _class_body_value(self, attr: str, scope: Scope) -> ast.expr | None:
        """What the body of the method's class, or of the nearest base here, assigns to `attr`."""
        klass = self._class_of.get(id(scope))
        by_qualname = {info.qualname: info for info in self.classes.values()}
        for name in self.supertypes(klass.qualname) if klass is not None else ():
            family = by_qualname.get(name)
            for stmt in family.node.body if family is not None else ():
                if isinstance(stmt, ast.Assign) and any(is_name(t, attr) for t in stmt.targets):
                    return stmt.value
        return None

    def _class_named(self, node: ast.expr, scope: Scope) -> str | None:
        """The qualified name of the class `node` names: a class of this module or an imported one."""
        qual = self._qualname(node, scope)
        if qual is None:
            return None
        if isinstance(node, ast.Name) and node.id in self.classes and qual == node.id:
            return self.classes[node.id].qualname
        root = _root_name(node)
        imported = root is not None and (root in self.imports or qual != ast.unparse(node))
        return qual if imported and is_class_name(qual) and not qual.endswith("()") else None

    def _may_be_model(self, type_name: str) -> bool:
        """A model class, or, in a module that imports Django, a class of this module whose bases are
        imported (their files, not at hand, decide): its declared managers say the rest."""
        if self.is_django_model(type_name) or self.used_as_model(type_name):
            return True
        local = self._local_class(type_name)
        return "django" in self._frameworks and local is not None and bool(local.bases)

    def model_managers(self, type_name: str) -> frozenset[str]:
        """Names of the managers a model class of this module declares in its body (`public =
        PublicManager()`, `QuerySet.as_manager()`, `Manager.from_queryset(Q)()`), and those of its
        local bases: Django's API shape, a class named `...Manager` made at class level."""
        if type_name not in self._managers:
            self._managers[type_name] = self._declared_managers(type_name)
        return self._managers[type_name]

    def _declared_managers(self, type_name: str) -> frozenset[str]:
        names: set[str] = set()
        for base in self.supertypes(type_name):
            local = self._local_class(base)
            if local is None:
                continue
            for statement in local.node.body:
                if isinstance(statement, ast.Assign) and self._builds_manager(statement.value):
                    names.update(t.id for t in statement.targets if isinstance(t, ast.Name))
        return frozenset(names)

    def _builds_manager(self, value: ast.expr) -> bool:
        """Whether a class-level value makes a Django manager: `SomeManager()` (a class named like one
        or extending `Manager`), `SomeQuerySet.as_manager()`, or `Manager.from_queryset(Q)()`."""
        if not isinstance(value, ast.Call):
            return False
        func = value.func
        if isinstance(func, ast.Attribute) and func.attr == "as_manager":
            return True
        if (
            isinstance(func, ast.Call)
            and isinstance(func.func, ast.Attribute)
            and func.func.attr == "from_queryset"
        ):
            return True
        made = self._class_named(func, None)
        return made is not None and any(
            t.rsplit(".", 1)[-1].endswith("Manager") or t in known.DJANGO_MANAGER_BASES
            for t in self.supertypes(made)
        )

    def _manager_model(self, manager: str) -> str | None:
        """The one model class of this module whose body makes this manager (`objects =
        MailerMessageManager()`), if there is exactly one."""
        if manager not in self._manager_models:
            owners = {
                info.qualname
                for info in self.classes.values()
                for statement in info.node.body
                if isinstance(statement, ast.Assign)
                and isinstance(statement.value, ast.Call)
                and self._class_named(statement.value.func, None) == manager
            }
            self._manager_models[manager] = owners.pop() if len(owners) == 1 else None
        return self._manager_models[manager]

    def is_django_model(self, type_name: str | None) -> bool:
        """Whether a type extends Django's `Model` as far as this module's classes show."""
        return type_name is not None and not known.DJANGO_MODEL_BASES.isdisjoint(self.supertypes(type_name))

    def used_as_model(self, type_name: str | None) -> bool:
        """Whether this module uses the type (or a base of it) through a Django model manager
        (`Schedule.objects`, `Model._default_manager`), which only model classes have: Django's API
        shape says it is a model when its bases' files are not at hand."""
        return type_name is not None and not self.managed_classes.isdisjoint(self.supertypes(type_name))

    @cached_property
    def managed_classes(self) -> frozenset[str]:
        """Classes this module uses through a Django model manager (`X.objects...`), in a module that
        imports Django: Django's API shape says they are model classes."""
        if "django" not in self._frameworks:
            return frozenset()
        found: set[str] = set()
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Attribute) and node.attr in known.DJANGO_MANAGERS:
                model = self._class_named(node.value, self.scope_of(node))
                if model is not None:
                    found.add(model)  # imported, or of this module with a base from elsewhere
        return frozenset(found)

    def _returns(self, function: FunctionNode) -> str | None:
        if function.returns is not None:
            return self.annotation_type(function.returns, self._outer.get(id(function)))
        types = {self.type_of(v, function) for v in self._scope(function).returns} - {_NONE}
        return types.pop() if len(types) == 1 else None

    def returned_parameter(self, function: FunctionNode) -> tuple[str, int | None] | None:
        """(name, position) of the parameter a function hands back unchanged from every `return`
        (a helper that registers hooks on a session and returns it), None for any other function."""
        if function.returns is not None:
            return None
        info = self._scope(function)
        values = info.returns
        names = {v.id for v in values if isinstance(v, ast.Name)}
        if len(names) != 1 or len(values) != sum(isinstance(v, ast.Name) for v in values):
            return None
        name = names.pop()
        rebound = info.bindings.get(name) or info.derived.get(name) or name in info.opaque
        if name not in info.params or rebound:
            return None
        positional = [a.arg for a in (*function.args.posonlyargs, *function.args.args)]
        return name, positional.index(name) if name in positional else None

    def _local_class(self, type_name: str) -> _ClassInfo | None:
        prefix = f"{self.module}." if self.module else ""
        if not type_name.startswith(prefix):
            return None
        return self.classes.get(type_name[len(prefix) :])

    def supertypes(self, type_name: str) -> list[str]:
        """The type and every type it extends: known tables plus this module's class bases."""
        found = self._supertypes.get(type_name)
        if found is None:
            found = self._supertypes[type_name] = supertypes(type_name, self._class_bases)
        return list(found)

    def learn_bases(self, others: Iterable[Resolver]) -> None:
        """Take the class bases other modules of the same change declare (`class Login(BaseHandler)`
        with `BaseHandler(RequestHandler)` in a sibling file): what this module's classes extend
        through them. Types worked out before are worked out again."""
        mine = self._class_bases
        learned = {k: v for other in others if other is not self for k, v in other._class_bases.items()}
        new = {k: v for k, v in learned.items() if k not in mine}
        if not new:
            return
        mine.update(new)
        self._supertypes.clear()
        self._type_cache.clear()

    @cached_property
    def _class_bases(self) -> dict[str, tuple[str, ...]]:
        """Each class of the module → the qualified names of its bases (read once: type checks ask
        for supertypes many times per function)."""
        extra: dict[str, tuple[str, ...]] = {}
        made = [info for info in self._made_classes.values() if info is not None]
        for info in [*made, *self.classes.values()]:  # a module-level class wins a shared name
            bases = tuple(q for q in (self._base_name(b) for b in info.bases) if q)
            if bases:
                extra[info.qualname] = bases
        return extra

    def _base_name(self, base: ast.expr) -> str | None:
        if isinstance(base, ast.Subscript):
            base = base.value  # a generic base, `BasePlugin[Config]`: the class it parametrises
        if isinstance(base, ast.Name) and base.id in self.classes:
            return self.classes[base.id].qualname
        return self._qualname(base, None)

    def is_subtype(self, type_name: str | None, of: str) -> bool:
        return type_name is not None and of in self.supertypes(type_name)

    # -- calls -------------------------------------------------------------------------------------

    def call_names(self, call: ast.Call, scope: Scope | bool = True) -> tuple[str, ...]:
        """Every qualified name the call can be matched by: syntactic first, then by type."""
        where = self.scope_of(call) if scope is True else scope
        names: list[str] = []
        syntactic = self.qualname(call.func, where)
        if syntactic:
            names.append(syntactic)
        if isinstance(call.func, ast.Attribute):
            receiver = self.type_of(call.func.value, where)
            if receiver is not None:
                for type_name in self.supertypes(receiver):
                    name = f"{type_name}.{call.func.attr}"
                    if name not in names:
                        names.append(name)
        names.extend(self._base_constructors(call, where))
        return tuple(names)

    def _base_constructors(self, call: ast.Call, where: Scope) -> list[str]:
        """`super().__init__(url)` in `__init__` of a class that extends `HttpResponseRedirect`
        builds that base from the arguments: it is matched as a call of the base classes."""
        func = call.func
        if not (
            isinstance(func, ast.Attribute)
            and func.attr == "__init__"
            and isinstance(func.value, ast.Call)
            and is_name(func.value.func, "super")
            and where is not None
            and getattr(where, "name", None) == "__init__"
        ):
            return []
        klass = self._class_of.get(id(where))
        if klass is None:
            return []
        # the bases it names, and through a class of the change, the bases that one names (the
        # constructor a class of ours without its own runs); not every supertype: building an
        # `HttpResponseRedirect` is not building the `HttpResponse` it extends from its content
        out: list[str] = []
        todo = list(self._class_bases.get(klass.qualname, ()))
        while todo:
            base = todo.pop(0)
            if base not in out:
                out.append(base)
                todo.extend(self._class_bases.get(base, ()))
        return out

    def star_names(self, call: ast.Call, scope: Scope | bool = True) -> list[str]:
        """What a called name no binding of this module explains may be, given its `from m import
        *` lines: `m.name` for each (the first module that defines it wins at run time)."""
        where = self.scope_of(call) if scope is True else scope
        if not isinstance(call.func, ast.Name) or not self.star_imports:
            return []
        name = call.func.id
        if (
            name in self.imports
            or name in self.functions
            or name in self.classes
            or _is_builtin_callable(name)
        ):
            return []
        for info in self._chain(where):
            if name in info.params or name in info.bindings or name in info.derived or name in info.opaque:
                return []
        return [f"{module}.{name}" for module in self.star_imports]

    def local_callee(self, call: ast.Call, scope: Scope | bool = True) -> FunctionNode | None:
        """The function of this module a call runs: `f(...)` for a module function no import or
        local rebinds, `self.m(...)` / `cls.m(...)` for a method of the caller's class or of a
        base defined here (nearest first). None for anything else (the callee is not visible)."""
        where = self.scope_of(call) if scope is True else scope
        func = call.func
        if isinstance(func, ast.Name):
            if self.qualname(func, where) != func.id:
                return None
            return self.functions.get(func.id)
        if not (
            isinstance(func, ast.Attribute)
            and isinstance(func.value, ast.Name)
            and func.value.id in ("self", "cls")
            and where is not None
        ):
            return None
        klass = self._class_of.get(id(where))
        if klass is None:
            return None
        by_qualname = {info.qualname: info for info in self.classes.values()}
        for name in self.supertypes(klass.qualname):
            family = klass if name == klass.qualname else by_qualname.get(name)
            if family is not None and func.attr in family.methods:
                return family.methods[func.attr]
        return None

    def returns_of(self, function: FunctionNode) -> list[ast.expr]:
        """The values a function returns (not those of functions nested in it; bare `return`s
        return nothing)."""
        return list(self._scope(function).returns)

    def possible_qualnames(self, node: ast.expr, scope: Scope | bool = True) -> tuple[str, ...]:
        """Every imported name `node` may stand for, through assignments, `self.x` set in any
        method, parameter defaults and this module's calls (see `alternatives`)."""
        where = self.scope_of(node) if scope is True else scope
        return self._alternatives.qualnames(node, where)  # type: ignore[arg-type]

    def possible_values(self, node: ast.expr, scope: Scope | bool = True) -> list[ast.expr]:
        """Every expression whose value may reach `node` (see `alternatives`): `True` for
        `self.allow_pickle` set from a parameter that defaults to `True`."""
        where = self.scope_of(node) if scope is True else scope
        return [leaf for leaf, _, suffix in self._alternatives.leaves(node, where) if not suffix]  # type: ignore[arg-type]

    def possible_reads(self, node: ast.expr, scope: Scope | bool = True) -> list[tuple[ast.expr, str]]:
        """Every expression whose value may reach `node`, with the attributes read off it: `next_url
        = request.referrer` gives (`request`, ".referrer"); a whole value gives an empty suffix."""
        where = self.scope_of(node) if scope is True else scope
        return [(leaf, suffix) for leaf, _, suffix in self._alternatives.leaves(node, where)]  # type: ignore[arg-type]

    def with_values(self, node: ast.Name, scope: Scope | bool = True) -> list[ast.expr]:
        """What `with make() as name:` statements bind a name to, in the scope that binds it."""
        where = self.scope_of(node) if scope is True else scope
        for info in self._chain(where):  # type: ignore[arg-type]
            derived = info.derived.get(node.id)
            if derived is not None:
                return [expr for how, expr in derived if how == "with"]
            if node.id in info.params or node.id in info.bindings:
                return []
        return []

    def possible_types(self, node: ast.expr, scope: Scope | bool = True) -> tuple[str, ...]:
        """Every type `node` may have: its type when known, else its alternatives' known types."""
        where = self.scope_of(node) if scope is True else scope
        known_type = self.type_of(node, where)
        if known_type is not None:
            return (known_type,)
        if isinstance(node, ast.Name):  # a parameter annotated with a union: any of its members
            for info in self._chain(where):  # type: ignore[arg-type]
                arg = info.params.get(node.id)
                if arg is not None and arg.annotation is not None and not info.bindings.get(node.id):
                    return self.annotation_types(arg.annotation, self._outer.get(id(info.node)))
                if node.id in info.params or node.id in info.bindings:
                    break
        return self._alternatives.types(node, where)  # type: ignore[arg-type]

    @cached_property
    def _alternatives(self) -> Alternatives:
        return Alternatives(self)

    def receiver_type(self, call: ast.Call, scope: Scope | bool = True) -> str | None:
        """The type of the object a method call is made on (None: not a method call, or unknown)."""
        if not isinstance(call.func, ast.Attribute):
            return None
        return self.type_of(call.func.value, scope)


def _attribute_index(klass: _ClassInfo):
    """Every `self.x: T` annotation and `self.x = value` of a class, by attribute, in one walk."""
    annotated: dict[str, tuple[ast.expr, Scope]] = {}
    assigned: dict[str, list[tuple[ast.expr, Scope]]] = {}
    for stmt in klass.node.body:
        if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
            annotated.setdefault(stmt.target.id, (stmt.annotation, None))
        elif isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Call):
            for target in stmt.targets:  # `_req = retry_session(3)`: a class attribute made by a call
                if isinstance(target, ast.Name):
                    assigned.setdefault(target.id, []).append((stmt.value, None))
    for method in klass.methods.values():
        for sub in walk_statements(method):
            if isinstance(sub, ast.AnnAssign) and _is_self_attr(sub.target, None):
                annotated.setdefault(sub.target.attr, (sub.annotation, method))  # type: ignore[union-attr]
            elif _setattr_of_self(sub):  # `setattr(self, "post", post)`: `self.post = post`
                call = sub.value  # type: ignore[attr-defined]
                assigned.setdefault(call.args[1].value, []).append((call.args[2], method))
            elif isinstance(sub, ast.Assign):
                for target in sub.targets:
                    if _is_self_attr(target, None):
                        assigned.setdefault(target.attr, []).append((sub.value, method))  # type: ignore[union-attr]
                    elif isinstance(target, ast.Attribute) and _is_self_attr(target.value, None):
                        # `self.local.session = ...`: kept as "local.session" (no attribute has a dot)
                        dotted = f"{target.value.attr}.{target.attr}"  # type: ignore[attr-defined]
                        assigned.setdefault(dotted, []).append((sub.value, method))
    return annotated, assigned


def _setattr_of_self(stmt: ast.AST) -> bool:
    """`setattr(self, "name", value)` as a statement, with a literal attribute name."""
    call = stmt.value if isinstance(stmt, ast.Expr) else None
    return (
        isinstance(call, ast.Call)
        and isinstance(call.func, ast.Name)
        and call.func.id == "setattr"
        and len(call.args) == 3
        and is_name(call.args[0], "self")
        and isinstance(call.args[1], ast.Constant)
        and isinstance(call.args[1].value, str)
        and call.args[1].value.isidentifier()
    )


def _same(left: str | None, right: str | None) -> str | None:
    types = {left, right} - {_NONE}
    return types.pop() if len(types) == 1 else None


def _root_name(node: ast.AST) -> str | None:
    while isinstance(node, ast.Attribute):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _is_builtin_callable(name: str) -> bool:
    import builtins

    return callable(getattr(builtins, name, None))


def _is_self_attr(target: ast.AST, attr: str | None) -> bool:
    """`self.<attr>`, or the class attribute `self.__class__.<attr>` / `type(self).<attr>` (any
    attribute when `attr` is None)."""
    return (
        isinstance(target, ast.Attribute)
        and (attr is None or target.attr == attr)
        and (is_name(target.value, "self") or is_own_class(target.value))
    )


def _iterated_together(target: ast.expr, iterable: ast.expr) -> dict[str, ast.expr]:
    """The iterable each name of a tuple target takes its items from: `for i, x in
    enumerate(xs)` (x from xs), `for a, b in zip(xs, ys)`."""
    if not (isinstance(target, ast.Tuple) and isinstance(iterable, ast.Call) and not iterable.keywords):
        return {}
    names = [e.id if isinstance(e, ast.Name) else None for e in target.elts]
    if is_name(iterable.func, "enumerate") and len(names) == 2 and len(iterable.args) == 1:
        return {names[1]: iterable.args[0]} if names[1] else {}
    if is_name(iterable.func, "zip") and len(names) == len(iterable.args):
        return {n: a for n, a in zip(names, iterable.args, strict=True) if n is not None}
    return {}


def _names(target: ast.AST) -> list[str]:
    return [n.id for n in ast.walk(target) if isinstance(n, ast.Name)]


def _fallback_imports(node: ast.Try | ast.TryStar) -> set[int]:
    """Imports in an `except ImportError:` handler of a name its `try` imported first from a
    package the code is written for (`try: from lxml import etree` / `except ImportError: from
    xml.etree import ElementTree as etree`): where it is installed, the name is lxml's. A drop-in
    replacement tried first (`ujson` for `json`) leaves the name to the fallback, whose API it
    copies."""
    if not any(_imports_from(stmt, known.PREFERRED_TO_FALLBACKS) for stmt in node.body):
        return set()
    imported = _imported_names(node.body)
    return {
        id(stmt)
        for handler in node.handlers
        if _catches_import_error(handler)
        for stmt in handler.body
        if isinstance(stmt, ast.Import | ast.ImportFrom) and _imported_names([stmt]) <= imported
    }


def _imports_from(stmt: ast.stmt, packages: frozenset[str]) -> bool:
    """`stmt` imports from one of `packages` (by top-level name)."""
    if isinstance(stmt, ast.Import):
        return any(alias.name.split(".")[0] in packages for alias in stmt.names)
    return (
        isinstance(stmt, ast.ImportFrom) and not stmt.level and (stmt.module or "").split(".")[0] in packages
    )


def _imported_names(body: list[ast.stmt]) -> set[str]:
    """The names the import statements of `body` bind."""
    return {
        alias.asname or alias.name.split(".")[0]
        for stmt in body
        if isinstance(stmt, ast.Import | ast.ImportFrom)
        for alias in stmt.names
    }


def _catches_import_error(handler: ast.ExceptHandler) -> bool:
    """`except ImportError:` / `except (ImportError, AttributeError):` / `ModuleNotFoundError`."""
    kinds = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return any(isinstance(k, ast.Name) and k.id in ("ImportError", "ModuleNotFoundError") for k in kinds)


def _rebinds(value: ast.expr, name: str) -> bool:
    """`name.method(...)` or `name[a:b]`: a value computed from the name it is assigned back to."""
    if isinstance(value, ast.Subscript) and isinstance(value.slice, ast.Slice):
        return isinstance(value.value, ast.Name) and value.value.id == name
    return (
        isinstance(value, ast.Call)
        and isinstance(value.func, ast.Attribute)
        and isinstance(value.func.value, ast.Name)
        and value.func.value.id == name
    )
