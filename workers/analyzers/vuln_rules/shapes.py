"""What the groups of PG-VULN checks share: the checker's state, the hit, small readings of AST shapes."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass

from prguard.analyzers.asttools import contains, nodes_of, parameter_defaults
from prguard.analyzers.pyresolve import Resolver
from prguard.analyzers.vuln_rules.table import VulnRule

#: calls that make a number of their argument: it carries no markup or SQL, whatever it was
NUMERIC_CALLS = frozenset({"int", "float", "len", "bool"})


@dataclass(frozen=True)
class VulnHit:
    rule: VulnRule
    node: ast.AST
    detail: str
    severity: str | None = None  # when this hit is less severe than the rule's default


def truthy(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and bool(node.value) and node.value != "internal"


def falsy(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and not node.value


def trivial(node: ast.expr) -> bool:
    """Constants, None, empty or length checks: nothing secret is compared byte by byte."""
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.Attribute | ast.Name):  # an enum member or module constant: `Auth.PASSWORD`
        name = node.attr if isinstance(node, ast.Attribute) else node.id
        if name.isupper():
            return True
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("len", "type")


def short(node: ast.AST, limit: int = 50) -> str:
    text = " ".join(ast.unparse(node).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def is_none(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def const_int(node: ast.expr | None) -> int | None:
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        inner = const_int(node.operand)
        return -inner if inner is not None else None
    return node.value if isinstance(node, ast.Constant) and type(node.value) is int else None


def under_condition(scope: ast.AST, target: ast.AST) -> bool:
    """`target` lies inside an `if` (its test included) or a conditional expression of `scope`."""
    return any(
        branch is not target and contains(branch, target) for branch in nodes_of(scope, ast.If, ast.IfExp)
    )


def parameters(scope: ast.AST) -> frozenset[str]:
    if not isinstance(scope, ast.FunctionDef | ast.AsyncFunctionDef):
        return frozenset()
    args = scope.args
    return frozenset(a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs) if a.arg != "self")


def is_join(node: ast.Call) -> bool:
    """`"<constant>".join(...)`."""
    return (
        isinstance(node.func, ast.Attribute)
        and node.func.attr == "join"
        and isinstance(node.func.value, ast.Constant)
        and isinstance(node.func.value.value, str)
    )


def is_formatted(node: ast.expr) -> bool:
    """A string built from non-constant parts: an f-string with a value, `+`, `%` or `.format`."""
    if isinstance(node, ast.JoinedStr):
        return any(isinstance(v, ast.FormattedValue) for v in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Mod):
        return not (isinstance(node.left, ast.Constant) and isinstance(node.right, ast.Constant))
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "format"
        and isinstance(node.func.value, ast.Constant)
        and bool(node.args or node.keywords)
    )


def class_bodies(body: list[ast.stmt]) -> Iterator[list[ast.stmt]]:
    """Bodies of the classes defined in these statements, at any depth (statements only: no
    expression holds a class)."""
    for stmt in body:
        if isinstance(stmt, ast.ClassDef):
            yield stmt.body
        for field in ("body", "orelse", "finalbody", "handlers", "cases"):
            inner = getattr(stmt, field, None)
            if isinstance(inner, list) and inner:
                yield from class_bodies([s for s in inner if isinstance(s, ast.stmt)])
                for sub in inner:  # except handlers and match cases hold their own bodies
                    if isinstance(sub, ast.excepthandler | ast.match_case):
                        yield from class_bodies(sub.body)


#: Flask-style application classes: their `secret_key` signs the session cookie, their `debug` turns
#: the Werkzeug debugger on
FLASK_APPS = frozenset({"flask.Flask", "flask.app.Flask", "quart.Quart"})

#: `random` functions whose result is guessable from a few earlier outputs (a secret-named value or
#: a cookie drawn from one is a finding)
RANDOM_VALUES = frozenset(
    {
        "random.randint",
        "random.randrange",
        "random.random",
        "random.getrandbits",
        "random.choice",
        "random.choices",
        "random.sample",
        "random.uniform",
    }
)
#: conversions that keep what they are given guessable
KEEPS_VALUE = frozenset(
    {
        *("str", "int", "hex", "format", "bytes", "bytearray"),
        # encodings: as guessable as what they encode
        *("b64encode", "urlsafe_b64encode", "b32encode", "b16encode", "hexlify", "b2a_hex"),
    }
)


class CheckerBase:
    """What every group of checks shares: the tree, the resolver and the module's constants."""

    def __init__(self, tree: ast.Module, module: str = "", resolver: Resolver | None = None) -> None:
        self.tree = tree
        self.resolver = resolver or Resolver(tree, module)
        self._constants: dict[str, ast.expr] = {}
        self._functions: dict[str, list[ast.FunctionDef | ast.AsyncFunctionDef]] | None = None
        self._class_bodies: list[list[ast.stmt]] | None = None
        self._assignments: dict[int, dict[str, list[ast.expr]]] = {}  # _assignments_in, by scope
        #: functions of this module proven (or not) to return a digest / a MAC object
        self._digest_functions: dict[tuple[str, int], bool] = {}

    def is_flask_app(self, node: ast.expr) -> bool:
        """`node` is a Flask (or Quart) application, or an instance of a subclass, by type."""
        found = self.resolver.type_of(node)
        return found is not None and not FLASK_APPS.isdisjoint(self.resolver.supertypes(found))

    def _scope_assigns(self, name: ast.Name) -> int:
        """How many times the function around `name` binds it (0 at module level)."""
        scope = self.resolver.scope_of(name)
        if scope is None:
            return 0
        count = 0
        for node in ast.walk(ast.Module(body=scope.body, type_ignores=[])):
            targets: list[ast.expr] = []
            if isinstance(node, ast.Assign):
                targets = node.targets
            elif isinstance(node, ast.AugAssign | ast.AnnAssign | ast.For | ast.AsyncFor | ast.NamedExpr):
                targets = [node.target]
            count += sum(
                isinstance(sub, ast.Name) and sub.id == name.id for t in targets for sub in ast.walk(t)
            )
        params = scope.args.posonlyargs + scope.args.args + scope.args.kwonlyargs
        return count + sum(a.arg == name.id for a in params)

    def _appended_to(self, name: ast.Name) -> list[ast.expr]:
        """What `name += ...` adds to a local name anywhere in its function."""
        return [node.value for node in self._targeting(name, ast.AugAssign) if isinstance(node.op, ast.Add)]

    def _walrus_values(self, name: ast.Name) -> list[ast.expr]:
        """What `(name := ...)` binds in the function around `name`."""
        return [node.value for node in self._targeting(name, ast.NamedExpr)]

    def _targeting(self, name: ast.Name, kind: type[ast.AugAssign] | type[ast.NamedExpr]) -> list:
        """The statements or expressions of one kind that bind the local `name` anywhere in its
        function (none at module level)."""
        scope = self.resolver.scope_of(name)
        if scope is None:
            return []
        return [
            node
            for node in nodes_of(scope, kind)
            if isinstance(node.target, ast.Name) and node.target.id == name.id  # type: ignore[attr-defined]
        ]

    def _constant_int(self, node: ast.expr | None) -> int | None:
        if isinstance(node, ast.Constant) and type(node.value) is int:
            return node.value
        if isinstance(node, ast.Name):
            assigns = self._scope_assigns(node)
            value = self._assigned(node) if assigns == 1 else None
            if value is None and assigns == 1:
                value = self._parameter_default(node)  # its one binding is the parameter
            if value is None and assigns == 0:
                value = self._module_constant(node)
            if isinstance(value, ast.Constant) and type(value.value) is int:
                return value.value
        return None

    def _parameter_default(self, name: ast.Name) -> ast.expr | None:
        """The default of the enclosing function's parameter `name` (`def token(length=24)`): the
        value the function is written for."""
        scope = self.resolver.scope_of(name)
        arguments = getattr(scope, "args", None)
        if not isinstance(arguments, ast.arguments):
            return None
        return parameter_defaults(arguments).get(name.id)

    def _assigned(self, name: ast.Name) -> ast.expr | None:
        """The one value a local name is assigned in its function (None: several, or none)."""
        scope = self.resolver.scope_of(name)
        values = self._assignments_in(scope).get(name.id, ())
        return values[0] if len(values) == 1 else None

    def _module_constant(self, name: ast.Name) -> ast.expr | None:
        """What a name its function does not bind (no assignment, no parameter) holds: the value of
        the module's one top-level assignment, unless a function rebinds it (`global`)."""
        if self._scope_assigns(name) or name.id not in self._constants:
            return None
        if any(name.id in g.names for g in nodes_of(self.tree, ast.Global)):  # type: ignore[attr-defined]
            return None
        return self._constants[name.id]

    def _assignments_in(self, scope: ast.AST | None) -> dict[str, list[ast.expr]]:
        """Name → the values `name = ...` statements give it anywhere in the scope's body (nested
        blocks and functions included; the whole module for None), found in one walk per scope."""
        key = id(scope) if scope is not None else 0
        table = self._assignments.get(key)
        if table is None:
            table = self._assignments[key] = {}
            body = scope.body if scope is not None else self.tree.body  # type: ignore[attr-defined]
            for stmt in ast.walk(ast.Module(body=body, type_ignores=[])):
                if isinstance(stmt, ast.Assign):
                    for target in dict.fromkeys(t.id for t in stmt.targets if isinstance(t, ast.Name)):
                        table.setdefault(target, []).append(stmt.value)
        return table

    def random_origin(self, value: ast.expr, depth: int = 0) -> str | None:
        """The `random` function `value` was drawn from, through conversions that keep it
        guessable (`str(n)[2:]`, f-strings, a hash of it) and the local names it was assigned to."""
        if depth > 6:
            return None
        if isinstance(value, ast.Name):
            leaves = [v for v in self.resolver.possible_values(value) if v is not value]
            leaves += self._appended_to(value)  # `code += choice(digits)` in a loop
            return next((d for v in leaves if (d := self.random_origin(v, depth + 1))), None)
        if isinstance(value, ast.Subscript):
            # `str(n)[2:]` keeps the drawn text; `chars[randint(0, 61)]` picks at a drawn place
            part = value.value if isinstance(value.slice, ast.Slice) else value.slice
            return self.random_origin(part, depth + 1)
        if isinstance(value, ast.JoinedStr):
            parts = [p.value for p in value.values if isinstance(p, ast.FormattedValue)]
            return next((d for p in parts if (d := self.random_origin(p, depth + 1))), None)
        if isinstance(value, ast.BinOp) and isinstance(value.op, ast.Add | ast.Mod):
            # `prefix + "".join(choice(cs) ...)`, `"%06d" % randint(0, 999999)`
            sides = (value.left, value.right)
            return next((d for side in sides if (d := self.random_origin(side, depth + 1))), None)
        if not isinstance(value, ast.Call):
            return None
        if is_join(value) and value.args:
            joined = value.args[0]  # `"".join(choice(cs) for _ in ...)`, `"".join(choices(cs, k=n))`
            picked = joined.elt if isinstance(joined, ast.GeneratorExp | ast.ListComp) else joined
            return self.random_origin(picked, depth + 1)
        qual = self.resolver.qualname(value.func) or ""
        if qual in RANDOM_VALUES:
            return qual
        if qual.rsplit(".", 1)[-1] in KEEPS_VALUE and value.args:
            return self.random_origin(value.args[0], depth + 1)
        hashed = self._hashed(value)
        if hashed is not None:  # `sha1(str(random.random())).hexdigest()`: as guessable as its input
            return self.random_origin(hashed, depth + 1)
        if isinstance(value.func, ast.Attribute) and value.func.attr in ("encode", "decode"):
            return self.random_origin(value.func.value, depth + 1)  # `str(random.random()).encode()`
        return None

    def _hashed(self, call: ast.Call) -> ast.expr | None:
        """The input of `hashlib.<name>(data).hexdigest()` (or `.digest()`), else None."""
        func = call.func
        if not (isinstance(func, ast.Attribute) and func.attr in ("hexdigest", "digest")):
            return None
        made = func.value
        if not (isinstance(made, ast.Call) and made.args):
            return None
        qual = self.resolver.qualname(made.func) or ""
        return made.args[0] if qual.startswith("hashlib.") else None
