"""Loops nothing can end."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from prguard.analyzers.vuln_rules.shapes import CheckerBase, VulnHit, short
from prguard.analyzers.vuln_rules.table import RULES
from prguard.analyzers.vuln_rules.web import EXIT_CALLS


class LoopChecks(CheckerBase):
    """PG-VULN016: `while` loops nothing can end."""

    def _endless(self, loop: ast.While) -> Iterator[VulnHit]:
        """A `while` whose condition compares only local names (and constants) that the body never
        binds, in a body that never leaves: it cannot end once entered."""
        scope = self.resolver.scope_of(loop)
        if scope is None or loop.orelse or not isinstance(loop.test, ast.Compare):
            return
        operands = [loop.test.left, *loop.test.comparators]
        names = {o.id for o in operands if isinstance(o, ast.Name)}
        if not names or not all(isinstance(o, ast.Name | ast.Constant) for o in operands):
            return
        for node in ast.walk(scope):
            if isinstance(node, ast.Global | ast.Nonlocal) or (
                node is not scope and isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
            ):
                return  # another function may change them
        for name in names:  # every name is the function's own (a parameter or bound in it)
            if not self._binds(scope, name):
                return
        for node in ast.walk(ast.Module(body=loop.body, type_ignores=[])):
            if isinstance(node, ast.Break | ast.Return | ast.Raise | ast.Yield | ast.YieldFrom | ast.Await):
                return
            # a condition name handed to a call, or whose attribute or item is used, may be mutated
            if isinstance(node, ast.Call) and any(
                isinstance(x, ast.Name) and x.id in names
                for x in (node.func, *node.args, *(k.value for k in node.keywords))
            ):
                return
            if isinstance(node, ast.Attribute | ast.Subscript | ast.Starred) and (
                isinstance(node.value, ast.Name) and node.value.id in names
            ):
                return
            if isinstance(node, ast.Call) and (self.resolver.qualname(node.func) or "") in EXIT_CALLS:
                return
            if isinstance(node, ast.Name) and node.id in names and not isinstance(node.ctx, ast.Load):
                return
            if isinstance(node, ast.Delete):
                return
        yield VulnHit(
            RULES["PG-VULN016"],
            loop,
            f"`while {short(loop.test)}`: nothing in the loop changes {', '.join(sorted(names))}",
        )

    @staticmethod
    def _binds(scope: ast.FunctionDef | ast.AsyncFunctionDef, name: str) -> bool:
        params = scope.args.posonlyargs + scope.args.args + scope.args.kwonlyargs
        if any(a.arg == name for a in params):
            return True
        return any(
            isinstance(node, ast.Name) and node.id == name and isinstance(node.ctx, ast.Store)
            for node in ast.walk(scope)
        )
