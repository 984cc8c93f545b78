"""What tests ask the shared resolver (prguard.analyzers.pyresolve) about a piece of code."""

from __future__ import annotations

import ast
import textwrap

from prguard.analyzers.pyresolve import Resolver


def type_of_expression(code: str, expression: str, module: str = "app.mod") -> str | None:
    """Type of the last expression statement whose text is `expression`."""
    tree = ast.parse(textwrap.dedent(code))
    resolver = Resolver(tree, module)
    found = [
        n.value for n in ast.walk(tree) if isinstance(n, ast.Expr) and ast.unparse(n.value) == expression
    ]
    assert found, expression
    return resolver.type_of(found[-1])
