"""The shared AST helpers."""

from __future__ import annotations

import ast

from prguard.analyzers.asttools import parameter, parameter_defaults


def test_parameter_defaults_cover_positional_and_keyword_only_parameters() -> None:
    function = ast.parse("def f(a, /, b, c=1, *args, d, e=2, **kw): pass").body[0]
    defaults = parameter_defaults(function.args)  # type: ignore[attr-defined]
    assert {name: ast.literal_eval(value) for name, value in defaults.items()} == {"c": 1, "e": 2}


def test_parameter_finds_a_parameter_by_name() -> None:
    function = ast.parse("def f(a, /, b, *args, d: int): pass").body[0]
    args = function.args  # type: ignore[attr-defined]
    assert [parameter(args, name).arg for name in ("a", "b", "d")] == ["a", "b", "d"]  # type: ignore[union-attr]
    assert parameter(args, "args") is None
