"""What a caught exception says of the data that raised it.

`int(x)` and `float(x)` raise a ValueError whose message quotes `repr(x)`, `datetime.strptime(x,
fmt)` one that quotes `x`, and `d[k]` a KeyError that is `repr(k)`: `except ValueError as e:
return HttpResponseBadRequest(str(e))` sends the client's text back in a page. The repr escapes
control characters, so the message cannot start a log line or a header of its own.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator

from prguard.analyzers.asttools import own_nodes

#: builtins whose ValueError quotes the text they were handed
_QUOTING_CONVERSIONS = frozenset({"int", "float", "builtins.int", "builtins.float"})
#: parsers whose ValueError quotes the text they were handed (their first argument)
_QUOTING_PARSERS = frozenset({"datetime.datetime.strptime", "datetime.strptime", "time.strptime"})
_VALUE_ERRORS = frozenset({"ValueError", "Exception", "BaseException"})
_KEY_ERRORS = frozenset({"KeyError", "LookupError", "Exception", "BaseException"})
#: reads re-evaluated for the message: no call but a mapping's `get`, so nothing runs twice
_READ_CALLS = frozenset({"get", "getlist", "getone"})


def caught_names(handler: ast.ExceptHandler, qualname: Callable[[ast.AST], str | None]) -> frozenset[str]:
    """The built-in exception classes a handler catches, by name (`except (ValueError, KeyError)`)."""
    if handler.type is None:
        return frozenset({"BaseException"})
    kinds = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return frozenset((qualname(k) or "").removeprefix("builtins.") for k in kinds)


def quoted_operands(
    body: list[ast.stmt], caught: frozenset[str], qualname: Callable[[ast.AST], str | None]
) -> Iterator[ast.expr]:
    """The expressions of `body` whose text an exception of `caught` would quote."""
    values, keys = not caught.isdisjoint(_VALUE_ERRORS), not caught.isdisjoint(_KEY_ERRORS)
    if not (values or keys):
        return
    for node in own_nodes(body):
        if values and isinstance(node, ast.Call) and node.args:
            name = qualname(node.func) or ""
            if (name in _QUOTING_CONVERSIONS or name in _QUOTING_PARSERS) and _plain_read(node.args[0]):
                yield node.args[0]
        elif keys and isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load):
            key = node.slice
            if not isinstance(key, ast.Constant | ast.Slice) and _plain_read(key) and _plain_read(node.value):
                yield key


def _plain_read(node: ast.expr) -> bool:
    """Names, attributes, items and a mapping's `get`: a read that can be evaluated again."""
    for sub in ast.walk(node):
        if isinstance(sub, ast.Call):
            if not (isinstance(sub.func, ast.Attribute) and sub.func.attr in _READ_CALLS):
                return False
        elif not isinstance(
            sub, ast.Name | ast.Attribute | ast.Subscript | ast.Constant | ast.expr_context | ast.keyword
        ):
            return False
    return True
