"""Mechanical fixes for instrumentation findings, as replacement text for whole head lines.

A suggestion replaces exactly lines `node.lineno..node.end_lineno`, so every helper here edits
the text of those lines and returns all of them: what is outside the node on its first and last
line stays as it was. ast column offsets are UTF-8 byte offsets; they are converted to characters.
"""

from __future__ import annotations

import ast
import re

_COMMENT = re.compile(r"#[^\n]*")


class _Block:
    """The lines a node spans, joined, with (line, byte column) → character offset mapping."""

    def __init__(self, lines: list[str], first_line: int, last_line: int) -> None:
        self.first = first_line
        self.lines = lines[first_line - 1 : last_line]
        self.text = "\n".join(self.lines)
        self._starts: list[int] = []
        pos = 0
        for line in self.lines:
            self._starts.append(pos)
            pos += len(line) + 1

    def offset(self, line: int, byte_col: int) -> int:
        text = self.lines[line - self.first]
        return self._starts[line - self.first] + len(
            text.encode("utf-8")[:byte_col].decode("utf-8", "ignore")
        )

    def start_of(self, node: ast.AST) -> int:
        return self.offset(node.lineno, node.col_offset)

    def end_of(self, node: ast.AST) -> int:
        return self.offset(node.end_lineno or node.lineno, node.end_col_offset or 0)

    def line_start(self, line: int) -> int:
        return self._starts[line - self.first]


def _indent_of(line: str) -> str:
    return line[: len(line) - len(line.lstrip())]


def add_keyword(lines: list[str], call: ast.Call, keyword_text: str) -> str | None:
    """Lines of `call` with `keyword_text` (e.g. "timeout=10") added as its last argument.

    Keeps the call's layout: one-line calls get `, timeout=10`; a multi-line call with a trailing
    comma gets a new line in the arguments' indentation. None when no clean edit exists.
    """
    if call.end_lineno is None or call.end_col_offset is None:
        return None
    if (
        any(isinstance(arg, ast.GeneratorExp) for arg in call.args)
        and len(call.args) == 1
        and not call.keywords
    ):
        return None  # f(x for x in y): adding an argument needs parentheses around the generator
    block = _Block(lines, call.lineno, call.end_lineno)
    close = block.end_of(call) - 1
    if close < 0 or block.text[close] != ")":
        return None
    arguments: list[ast.AST] = [*call.args, *(kw.value for kw in call.keywords)]
    if not arguments:
        return block.text[:close] + keyword_text + block.text[close:]
    last_end = max(block.end_of(node) for node in arguments)
    gap = block.text[last_end:close]
    if "," not in _COMMENT.sub("", gap):
        return block.text[:last_end] + ", " + keyword_text + block.text[last_end:]
    close_line = call.end_lineno
    last_line = max((node.end_lineno or node.lineno) for node in arguments)
    if close_line > last_line and not block.lines[close_line - block.first][: _col(block, call)].strip():
        arg_line = block.lines[last_line - block.first]
        first_arg = min(arguments, key=lambda n: (n.lineno, n.col_offset))
        indent = (
            _indent_of(block.lines[first_arg.lineno - block.first])
            if first_arg.lineno > call.lineno
            else None
        )
        indent = indent if indent is not None else _indent_of(arg_line)
        at = block.line_start(close_line)
        return block.text[:at] + indent + keyword_text + ",\n" + block.text[at:]
    separator = "" if block.text[close - 1] == " " else " "
    return block.text[:close] + separator + keyword_text + block.text[close:]


def _col(block: _Block, call: ast.Call) -> int:
    """Character column of the call's closing parenthesis on its line."""
    end = block.end_of(call) - 1
    return end - block.line_start(call.end_lineno or call.lineno)


def replace_node(lines: list[str], outer: ast.AST, inner: ast.AST, replacement: str) -> str:
    """Lines of `outer` with the source of `inner` (a node inside it) replaced by `replacement`."""
    block = _Block(lines, outer.lineno, outer.end_lineno or outer.lineno)
    start, end = block.start_of(inner), block.end_of(inner)
    return block.text[:start] + replacement + block.text[end:]


def log_in_handler(lines: list[str], handler: ast.ExceptHandler, log_call: str, keep: list[ast.stmt]) -> str:
    """Lines of an `except` clause whose body becomes `log_call` followed by the `keep` statements.

    The header (with any comment lines before the body) and a trailing comment stay as they were;
    trivial statements not in `keep` (`pass`, `...`) go.
    """
    last = handler.end_lineno or handler.lineno
    block = _Block(lines, handler.lineno, last)
    first_stmt = handler.body[0]
    header = block.text[: block.start_of(first_stmt)].rstrip()
    if first_stmt.lineno > handler.lineno:
        body_indent = _indent_of(lines[first_stmt.lineno - 1])
    else:
        except_indent = _indent_of(lines[handler.lineno - 1])
        body_indent = except_indent + ("\t" if except_indent.startswith("\t") else "    ")
    body = [body_indent + log_call]
    for stmt in keep:
        body.append(body_indent + block.text[block.start_of(stmt) : block.end_of(stmt)])
    tail = block.text[block.end_of(handler.body[-1]) :]
    return header + "\n" + "\n".join(body) + tail
