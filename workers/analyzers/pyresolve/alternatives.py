"""What an expression *may* be: every value that can reach it, read from one module.

`Resolver.type_of` answers only when every assignment agrees (a name bound to a session in
one branch and to an unknown parameter in the other stays unknown). Some rules need the
weaker answer, "in at least one way the code shows, this is a `requests.Session`" or "this
parameter is `requests.get` at every call here": a client chosen by a parameter default
(`def __init__(self, http=requests): self.http = http`), a request function passed as an
argument (`self.send(requests.get, path)` then `http_method(url)`), a session made one of two
ways. `Alternatives` walks back from a name, a `self.x` attribute, a parameter or a call of a
function of the module to the values that reach it (assignments in the function, `self.x = ...`
in any method of the class, a parameter's default, the arguments of this module's calls of the
function, the function's `return` values) and stops at anything else: those leaves are what
the expression may be (`getattr(requests, method)` with a name chosen at run time is `requests.*`).
Unknown leaves stay unknown; the caller decides what one known leaf is worth.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from prguard.analyzers.asttools import nodes_of, own_statements, parameter_defaults
from prguard.analyzers.pyresolve import known

if TYPE_CHECKING:
    from prguard.analyzers.pyresolve.resolver import Resolver, Scope

_MAX_STEPS = 4  # assignments, attributes and call sites followed back from the expression
_NONE = "builtins.NoneType"


class Alternatives:
    """The values that may reach an expression of one module (see the module docstring)."""

    def __init__(self, resolver: Resolver) -> None:
        self.resolver = resolver
        self._sites: dict[str, list[tuple[ast.Call, Scope]]] | None = None
        self._global_writes: dict[str, list[tuple[ast.expr, Scope]]] | None = None

    # -- public answers -----------------------------------------------------------------------

    def qualnames(self, node: ast.expr, scope: Scope) -> tuple[str, ...]:
        """Every qualified name `node` may stand for through imports (`requests`, `requests.get`), or
        a method of a value of known type (`requests.Session.get` for `self.session.get`)."""
        out: list[str] = []
        for leaf, where, suffix in self.leaves(node, scope):
            qual = self._imported_qualname(leaf, where)
            if qual is None and suffix.count(".") == 1:  # a method of a typed value: `session.get`
                type_name = self.resolver.type_of(leaf, where)
                qual = type_name if type_name != _NONE else None
            if qual is not None:
                name = qual + suffix
                if name not in out:
                    out.append(name)
        return tuple(out)

    def types(self, node: ast.expr, scope: Scope) -> tuple[str, ...]:
        """Every type `node` may have (its leaves' types; unknown leaves give nothing)."""
        out: list[str] = []
        for leaf, where, suffix in self.leaves(node, scope):
            if suffix:
                continue  # an attribute of a value: its type is not the value's
            type_name = self.resolver.type_of(leaf, where)
            if type_name is None and isinstance(leaf, ast.Call) and not isinstance(leaf.func, ast.Attribute):
                type_name = self._class_called(leaf, where)
            if type_name is not None and type_name != _NONE and type_name not in out:
                out.append(type_name)
        return tuple(out)

    def _class_called(self, call: ast.Call, scope: Scope) -> str | None:
        """The class a call of a passed-in name makes (`client(...)` where every value `client` is
        given here is `httpx.Client`)."""
        from prguard.analyzers.pyresolve.resolver import is_class_name

        names = [name for name in self.qualnames(call.func, scope) if is_class_name(name)]
        return names[0] if len(names) == 1 else None

    # -- the walk -----------------------------------------------------------------------------

    def leaves(self, node: ast.expr, scope: Scope) -> list[tuple[ast.expr, Scope, str]]:
        """(expression, its scope, attribute suffix) for every value that may reach `node`."""
        out: list[tuple[ast.expr, Scope, str]] = []
        self._walk(node, scope, "", _MAX_STEPS, out, set())
        return out

    def _walk(
        self,
        node: ast.expr,
        scope: Scope,
        suffix: str,
        steps: int,
        out: list[tuple[ast.expr, Scope, str]],
        seen: set[tuple[int, int]],
    ) -> None:
        key = (id(node), id(scope))
        if key in seen:
            return
        seen.add(key)
        sources = self._sources(node, scope) if steps > 0 else None
        if sources is None and suffix and isinstance(node, ast.Call) and steps > 0:
            held = self._held_argument(node, scope, suffix)  # `Holder(get=requests.get).get`
            if held is not None:
                self._walk(held[0], held[1], held[2], steps - 1, out, seen)
                return
        if sources is None:
            if isinstance(node, ast.Attribute) and steps > 0 and not _is_self(node.value):
                # `self.session.get`: what `self.session` may be, then `.get` on it
                self._walk(node.value, scope, f".{node.attr}{suffix}", steps, out, seen)
                return
            out.append((node, scope, suffix))
            return
        for value, where in sources:
            if _wraps_itself(value, node):
                continue  # `self.session = CacheControl(self.session)`: the same object, wrapped
            self._walk(value, where, suffix, steps - 1, out, seen)

    def _sources(self, node: ast.expr, scope: Scope) -> list[tuple[ast.expr, Scope]] | None:
        """The values assigned to a local name, a parameter or `self.x`; None for anything else."""
        resolver = self.resolver
        if isinstance(node, ast.Attribute) and _is_self(node.value) and scope is not None:
            klass = resolver._class_of.get(id(scope))
            if klass is None:
                return None
            for family in self._lineage(klass.qualname):  # the class, then its bases defined here
                _, assigned = resolver._attributes(family)
                found = assigned.get(node.attr)
                if found:
                    return list(found)
                getter = resolver.property_getter(family, node.attr)
                if getter is not None:  # `self.connection_class` read through a `@property`
                    return [(value, getter) for value in resolver.returns_of(getter)] or None
            return None
        if isinstance(node, ast.Call):
            default = _keyword_default(node, scope)
            if default is not None:  # `kwargs.get("session", requests.Session())`: maybe the default
                return [(default, scope)]
            return self._return_sources(node, scope)
        if isinstance(node, ast.Subscript):  # `methods[name]`, `methods` a dict literal: any of its values
            table = self._table_of(node, scope)
            return [(value, scope) for value in table.values] if table is not None and table.values else None
        if isinstance(node, ast.IfExp):  # `session.get if session else requests.get`: either
            return [(node.body, scope), (node.orelse, scope)]
        if isinstance(node, ast.BoolOp):  # `session or requests.Session()`: any of the operands
            return [(value, scope) for value in node.values]
        if not isinstance(node, ast.Name):
            return None
        for info in resolver._chain(scope):
            if node.id in info.unpacked:  # `method, headers = lookup[kind]`, `lookup` a dict of tuples
                return self._unpacked_sources(*info.unpacked[node.id], info.node)
            if node.id in info.opaque:
                return None
            values = info.bindings.get(node.id)
            if info.node is None and node.id in self._globals_written():
                # `global http_client; http_client = requests` in a function: another value of it
                return [*((value, None) for value in values or ()), *self._globals_written()[node.id]]
            if values:
                return [(value, info.node) for value in values]
            if node.id in info.params and info.node is not None:
                return self._parameter_sources(info.node, info.params[node.id])
            if node.id in info.derived:
                return None
        return None

    def _unpacked_sources(
        self, value: ast.expr, position: int, scope: Scope
    ) -> list[tuple[ast.expr, Scope]] | None:
        """The values a name unpacked from `table[key]` may take: the element at its position of
        every tuple in the dict literal `table` is bound to (a lookup table of request functions)."""
        table = self._table_of(value, scope) if isinstance(value, ast.Subscript) else None
        if table is None:
            return None
        rows = [row for row in table.values if isinstance(row, ast.Tuple | ast.List)]
        if not rows or len(rows) != len(table.values) or any(len(row.elts) <= position for row in rows):
            return None
        return [(row.elts[position], scope) for row in rows]

    def _table_of(self, lookup: ast.Subscript, scope: Scope) -> ast.Dict | None:
        """The dict literal a subscript looks up, written there or bound once to its name."""
        table = lookup.value
        if isinstance(table, ast.Name):
            bound = next(
                (i.bindings.get(table.id) for i in self.resolver._chain(scope) if table.id in i.bindings),
                None,
            )
            table = bound[0] if bound and len(bound) == 1 else None  # type: ignore[assignment]
        return table if isinstance(table, ast.Dict) else None

    def _held_argument(self, call: ast.Call, scope: Scope, suffix: str) -> tuple[ast.expr, Scope, str] | None:
        """An attribute of an object of a class of this module that its `__init__` sets from a
        parameter (`self.get = get`, `setattr(self, "get", get)`): the argument this call passes
        for it, with the rest of the suffix."""
        resolver = self.resolver
        if not isinstance(call.func, ast.Name) or resolver.qualname(call.func, scope) != call.func.id:
            return None
        klass = resolver.classes.get(call.func.id)
        init = klass.methods.get("__init__") if klass is not None else None
        if init is None:
            return None
        attr, _, rest = suffix[1:].partition(".")
        _, assigned = resolver._attributes(klass)
        values = assigned.get(attr, ())
        params = [a.arg for a in (*init.args.posonlyargs, *init.args.args)][1:]
        names = {v.id for v, where in values if where is init and isinstance(v, ast.Name)}
        if (
            len(values) != 1
            or len(names) != 1
            or next(iter(names)) not in params + [a.arg for a in init.args.kwonlyargs]
        ):
            return None
        name = next(iter(names))
        value = argument_of(call, name, params.index(name) if name in params else None)
        return (value, scope, f".{rest}" if rest else "") if value is not None else None

    def _return_sources(self, call: ast.Call, scope: Scope) -> list[tuple[ast.expr, Scope]] | None:
        """What a call of a function of this module may return: each of its `return` values
        (`_get_session()` returning `requests.Session()` in one branch, a cached one in another)."""
        resolver = self.resolver
        function = resolver.local_callee(call, scope)
        if function is None:
            return None
        return [(value, function) for value in resolver.returns_of(function)] or None

    def _parameter_sources(self, function: ast.FunctionDef | ast.AsyncFunctionDef, arg: ast.arg):
        """A parameter's default and the arguments this module's calls of the function pass it."""
        resolver = self.resolver
        out: list[tuple[ast.expr, Scope]] = []
        default = parameter_defaults(function.args).get(arg.arg)
        if default is not None and not (isinstance(default, ast.Constant) and default.value is None):
            out.append((default, resolver._outer.get(id(function))))
        klass = resolver._class_of.get(id(function))
        positional = [a.arg for a in (*function.args.posonlyargs, *function.args.args)]
        if klass is not None and positional[:1] and positional[0] in ("self", "cls"):
            positional = positional[1:]
        index = positional.index(arg.arg) if arg.arg in positional else None
        for call, where in self._call_sites(function):
            value = argument_of(call, arg.arg, index)
            if value is not None:
                out.append((value, where))
        return out or None

    def _globals_written(self) -> dict[str, list[tuple[ast.expr, Scope]]]:
        """Module names functions rebind under a `global` statement, with the values they assign."""
        if self._global_writes is None:
            self._global_writes = {}
            for function in nodes_of(self.resolver.tree, ast.FunctionDef, ast.AsyncFunctionDef):
                statements = list(own_statements(function.body))  # type: ignore[attr-defined]
                declared = {n for s in statements if isinstance(s, ast.Global) for n in s.names}
                for stmt in statements if declared else ():
                    if not isinstance(stmt, ast.Assign):
                        continue
                    for target in stmt.targets:
                        if isinstance(target, ast.Name) and target.id in declared:
                            where = function  # type: ignore[assignment]
                            self._global_writes.setdefault(target.id, []).append((stmt.value, where))
        return self._global_writes

    def _call_sites(self, function: ast.FunctionDef | ast.AsyncFunctionDef) -> list[tuple[ast.Call, Scope]]:
        """Calls of this module that run `function`: `f(...)` for a module function, `self.m(...)`
        in its class, `Class(...)` for `__init__`."""
        resolver = self.resolver
        if self._sites is None:
            self._sites = {}
            for node in nodes_of(resolver.tree, ast.Call):
                text = _callee_text(node.func) or _super_text(node.func)  # type: ignore[attr-defined]
                if text:
                    self._sites.setdefault(text, []).append((node, resolver.scope_of(node)))  # type: ignore[arg-type]
        klass = resolver._class_of.get(id(function))
        if klass is None:
            if resolver.functions.get(function.name) is not function:
                return []
            return list(self._sites.get(function.name, []))
        sites = [
            (call, where)
            for text in (f"self.{function.name}", f"cls.{function.name}", f"super().{function.name}")
            for call, where in self._sites.get(text, [])
            if where is not None
            and (caller := resolver._class_of.get(id(where))) is not None
            and klass.qualname in resolver.supertypes(caller.qualname)
        ]
        if function.name == "__init__" and resolver.classes.get(klass.node.name) is klass:
            sites.extend(self._sites.get(klass.node.name, []))
        return sites

    def _lineage(self, qualname: str) -> list:
        """The class of this module named `qualname` and its bases defined here, nearest first."""
        by_qualname = {info.qualname: info for info in self.resolver.classes.values()}
        return [by_qualname[name] for name in self.resolver.supertypes(qualname) if name in by_qualname]

    def _imported_qualname(self, leaf: ast.expr, scope: Scope) -> str | None:
        """The qualified name of a leaf that names something imported (`requests`, `r.get`), or
        `requests.*` for `getattr(requests, method)`: an attribute of it chosen at run time (of the
        object's type when it is not imported: `requests.Session.*`)."""
        if dynamic_getattr(leaf):
            owner = self._imported_qualname(leaf.args[0], scope)
            if owner is None:  # `getattr(self.session, method)`: a method of the session's type
                owner = next(iter(self.types(leaf.args[0], scope)), None)
            return f"{owner}.*" if owner is not None else None
        if isinstance(leaf, ast.Call):  # `importlib.import_module("http.client")`: that module
            if self.resolver.qualname(leaf.func, scope) not in known.IMPORT_CALLS:
                return None  # a `partial(requests.patch, timeout=...)` is not the bare function
            named = self.resolver.qualname(leaf, scope)
            return named if named is not None and not named.endswith("()") else None
        if not isinstance(leaf, ast.Name | ast.Attribute):
            return None
        root = leaf
        while isinstance(root, ast.Attribute):
            root = root.value
        if not isinstance(root, ast.Name) or root.id not in self.resolver.imports:
            return None
        return self.resolver.qualname(leaf, scope)


def _is_self(node: ast.expr) -> bool:
    """`self`, `cls`, or the instance's class (`self.__class__`, `type(self)`)."""
    return (isinstance(node, ast.Name) and node.id in ("self", "cls")) or is_own_class(node)


def is_own_class(node: ast.AST) -> bool:
    """`self.__class__` or `type(self)`: the instance's class, whose attributes all instances share."""
    if isinstance(node, ast.Attribute):
        return node.attr == "__class__" and isinstance(node.value, ast.Name) and node.value.id == "self"
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "type"
        and len(node.args) == 1
        and isinstance(node.args[0], ast.Name)
        and node.args[0].id == "self"
    )


def argument_of(call: ast.Call, name: str, index: int | None) -> ast.expr | None:
    """What a call passes as the parameter `name` (by keyword, or at `index`); None when it leaves
    the default or passes it through `*args`."""
    for keyword in call.keywords:
        if keyword.arg == name:
            return keyword.value
    if index is None or index >= len(call.args):
        return None
    if any(isinstance(a, ast.Starred) for a in call.args[: index + 1]):
        return None
    return call.args[index]


def _keyword_default(call: ast.Call, scope: Scope) -> ast.expr | None:
    """The default of `kwargs.get(key, default)` / `kwargs.pop(key, default)` on the function's own
    `**kwargs`: a value the name may take when the caller gave none."""
    func = call.func
    if not (
        isinstance(func, ast.Attribute)
        and func.attr in ("get", "pop")
        and len(call.args) == 2
        and isinstance(func.value, ast.Name)
        and scope is not None
        and scope.args.kwarg is not None
        and scope.args.kwarg.arg == func.value.id
    ):
        return None
    return call.args[1]


def _wraps_itself(value: ast.expr, node: ast.expr) -> bool:
    """`F(x, ...)` assigned back to `x`: a wrapper around the value the other assignments give."""
    return (
        isinstance(value, ast.Call)
        and bool(value.args)
        and isinstance(node, ast.Name | ast.Attribute)
        and ast.dump(value.args[0]) == ast.dump(node)
    )


def _super_text(func: ast.expr) -> str | None:
    """`super().name` for `super().name(...)` (or `super(Cls, self).name(...)`)."""
    if (
        isinstance(func, ast.Attribute)
        and isinstance(func.value, ast.Call)
        and isinstance(func.value.func, ast.Name)
        and func.value.func.id == "super"
    ):
        return f"super().{func.attr}"
    return None


def _callee_text(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
        return f"{func.value.id}.{func.attr}"
    return None


def dynamic_getattr(node: ast.AST) -> bool:
    """`getattr(obj, name)` with a name chosen at run time (not a string literal)."""
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "getattr"
        and len(node.args) >= 2
        and not (isinstance(node.args[1], ast.Constant) and isinstance(node.args[1].value, str))
    )
