"""Python side of the policy rules: import resolution and one AST visitor for the four kinds.

`requests.get` must also match `import requests as r; r.get()` and `from requests
import get as fetch; fetch()`: every name a call uses is resolved through the
file's imports (all of them, wherever they are: a conservative, scope-blind table).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass, field

from prguard.analyzers.base import FastNodeVisitor, walk_statements
from prguard.analyzers.pyresolve import Resolver
from prguard.analyzers.rules_table import Rule, dotted_match, module_match

ROUTE_METHODS = frozenset(
    {"route", "get", "post", "put", "patch", "delete", "head", "options", "api_route", "websocket"}
)
TASK_DECORATORS = frozenset({"task", "shared_task", "actor", "periodic_task", "job", "cron"})


@dataclass(slots=True)
class Imports:
    """Local name → dotted origin, plus modules imported with `*`; names and types of calls come
    from the shared resolver (pyresolve): aliases, `builtins.eval`, `importlib`, receivers by type."""

    names: dict[str, str] = field(default_factory=dict)
    star: list[str] = field(default_factory=list)
    resolver: Resolver | None = None

    @classmethod
    def of(cls, tree: ast.Module) -> Imports:
        """The resolver's import table; star imports of absolute modules only (a policy names those)."""
        resolver = Resolver(tree)
        star = [
            node.module
            for node in walk_statements(tree)
            if isinstance(node, ast.ImportFrom) and node.module and not node.level
            for alias in node.names
            if alias.name == "*"
        ]
        return cls(names=resolver.imports, star=star, resolver=resolver)

    def call_names(self, call: ast.Call) -> tuple[str, ...]:
        """Every name a call can match: resolved through imports and aliases, then `Type.method`
        for a method on an object of known type, then the star-import readings."""
        names = list(self.resolve(call.func))
        if self.resolver is not None:
            for name in self.resolver.call_names(call):
                if name not in names:
                    names.append(name)
        return tuple(names)

    def resolve(self, expr: ast.expr) -> tuple[str, ...]:
        """Dotted names an expression may stand for (empty when it is not a plain name chain)."""
        if self.resolver is not None and isinstance(expr, ast.Name | ast.Attribute):
            qual = self.resolver.qualname(expr)
            root = expr
            while isinstance(root, ast.Attribute):
                root = root.value
            if qual is not None and isinstance(root, ast.Name):
                if root.id in self.names or qual != ast.unparse(expr) or not self.star:
                    return (qual,)
                return (qual, *(f"{module}.{qual}" for module in self.star))
        parts: list[str] = []
        while isinstance(expr, ast.Attribute):
            parts.append(expr.attr)
            expr = expr.value
        if not isinstance(expr, ast.Name):
            return ()
        rest = "".join(f".{p}" for p in reversed(parts))
        if expr.id in self.names:
            return (self.names[expr.id] + rest,)
        return (expr.id + rest, *(f"{module}.{expr.id}{rest}" for module in self.star))


@dataclass(frozen=True, slots=True)
class Hit:
    """One rule violated at one node; the analyzer turns it into a Finding."""

    rule: Rule
    node: ast.AST
    scope: str
    detail: str  # what was found, e.g. "r.get → requests.get"
    relevant: tuple[int, int] | None = None


class RuleVisitor(FastNodeVisitor):
    """Walk a module once and report every Python rule it violates."""

    def __init__(self, rules: list[Rule], imports: Imports) -> None:
        self.rules = rules
        self.imports = imports
        self.calls = [r for r in rules if r.kind in ("forbidden_call", "required_kwarg")]
        self.modules = [r for r in rules if r.kind == "forbidden_import"]
        self.decorators = [r for r in rules if r.kind == "required_decorator"]
        self.scope: list[str] = []
        self.hits: list[Hit] = []

    def run(self, tree: ast.Module) -> Iterator[Hit]:
        self.visit(tree)
        return iter(self.hits)

    def _where(self) -> str:
        return ".".join(self.scope)

    # --- scopes -------------------------------------------------------------------------

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self.scope.append(node.name)
        self.generic_visit(node)
        self.scope.pop()

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        if self.decorators:
            self._check_decorators(node)
        self.scope.append(node.name)
        self.generic_visit(node)
        self.scope.pop()

    visit_AsyncFunctionDef = visit_FunctionDef

    # --- calls --------------------------------------------------------------------------

    def visit_Call(self, node: ast.Call) -> None:
        if self.calls:
            names = self.imports.call_names(node)
            if names:
                for rule in self.calls:
                    matched = rule.matches_call(names)
                    if matched is None:
                        continue
                    if rule.kind == "forbidden_call" or not _passes_keyword(node, rule.kwarg or ""):
                        self.hits.append(Hit(rule, node, self._where(), _shown(node.func, matched)))
        self.generic_visit(node)

    # --- imports ------------------------------------------------------------------------

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            for rule in self.modules:
                if rule.module and module_match(rule.module, alias.name):
                    self.hits.append(Hit(rule, node, self._where(), alias.name))

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.level or not node.module:
            return  # relative imports name the project's own modules
        for rule in self.modules:
            if not rule.module:
                continue
            if module_match(rule.module, node.module):
                self.hits.append(Hit(rule, node, self._where(), node.module))
                continue
            for alias in node.names:  # `from xml import etree` imports module xml.etree
                if module_match(rule.module, f"{node.module}.{alias.name}"):
                    self.hits.append(Hit(rule, node, self._where(), f"{node.module}.{alias.name}"))
                    break

    # --- decorators ---------------------------------------------------------------------

    def _check_decorators(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        decorated = [
            self.imports.resolve(_callee(d)) or (ast.unparse(_callee(d)),) for d in node.decorator_list
        ]
        route = _route(node.decorator_list)
        task = any(name.rsplit(".", 1)[-1] in TASK_DECORATORS for names in decorated for name in names)
        for rule in self.decorators:
            if rule.applies_to == "handlers" and route is None:
                continue
            if rule.applies_to == "tasks" and not task:
                continue
            if rule.function is not None and not rule.function.search(node.name):
                continue
            if rule.route is not None and (route is None or not rule.route.search(route)):
                continue
            wanted = rule.decorator or ""
            if any(dotted_match(wanted, n) or n.rsplit(".", 1)[-1] == wanted for ns in decorated for n in ns):
                continue
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            end = node.end_lineno or node.lineno
            where = f"route {route}" if route is not None else node.name
            self.hits.append(Hit(rule, node, self._where(), f"{node.name}() ({where})", (first, end)))


def _callee(decorator: ast.expr) -> ast.expr:
    return decorator.func if isinstance(decorator, ast.Call) else decorator


def _route(decorators: list[ast.expr]) -> str | None:
    """The path of a route decorator (`@app.route("/x")`, `@router.get("/x")`), if any."""
    for decorator in decorators:
        if not isinstance(decorator, ast.Call) or not isinstance(decorator.func, ast.Attribute):
            continue
        if decorator.func.attr not in ROUTE_METHODS:
            continue
        first = decorator.args[0] if decorator.args else None
        if first is None:
            first = next((k.value for k in decorator.keywords if k.arg in ("path", "rule")), None)
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            return first.value
    return None


def _passes_keyword(call: ast.Call, keyword: str) -> bool:
    """The call passes `keyword=`, or `**kwargs` that may carry it."""
    return any(k.arg == keyword or k.arg is None for k in call.keywords)


def _shown(func: ast.expr, resolved: str) -> str:
    written = ast.unparse(func)
    return written if written == resolved else f"{written} → {resolved}"
