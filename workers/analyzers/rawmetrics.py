"""radon's raw metrics (`radon.raw.analyze`) in one tokenizer pass, and its Halstead volume in one walk.

radon re-tokenizes every stripped line, and on each multi-line construct retries with
one more line until the tokenizer stops complaining: quadratic on long brackets and
strings, and the slowest part of the maintainability index. This module reads the
token stream of the whole file once and groups it into the same line groups (a
logical line, or a blank or comment-only line), then applies radon's own counting
rules to each group, so the numbers are radon's. Sources whose line splitting could
differ (form feeds and other exotic line separators, which `str.splitlines` honours
and the tokenizer does not) go to radon itself.
"""

from __future__ import annotations

import ast
import io
import math
import re
import tokenize

from prguard.analyzers.base import node_fields
from radon.raw import Module
from radon.raw import analyze as radon_analyze

_EXOTIC_SEPARATORS = re.compile("[\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
_COMMENT, _STRING, _NL, _NEWLINE, _OP = (
    tokenize.COMMENT,
    tokenize.STRING,
    tokenize.NL,
    tokenize.NEWLINE,
    tokenize.OP,
)
_ENDMARKER = tokenize.ENDMARKER
_SKIP = frozenset({tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER})
_TRIVIAL = frozenset({_NL, _NEWLINE, _ENDMARKER})


def analyze(source: str) -> Module:
    """Same result as `radon.raw.analyze(source)`, much faster."""
    if _EXOTIC_SEPARATORS.search(source):
        return radon_analyze(source)
    try:
        groups = _groups(source)
    except (tokenize.TokenError, SyntaxError):
        return radon_analyze(source)
    # blank_before[i]: blank lines among the first i lines (radon strips every line)
    blank_before = [0]
    for line in source.splitlines():
        blank_before.append(blank_before[-1] + (not line.strip()))
    lloc = comments = single_comments = multi = blank = sloc = 0
    first = 1
    for group in groups:
        last = group.last_line
        empty = blank_before[last] - blank_before[first - 1]
        filled = last - first + 1 - empty
        first = last + 1
        comments += group.comments
        if group.lone_text:
            if group.single_line:
                single_comments += 1
            else:
                multi += filled
                blank += empty
        else:
            sloc += filled
            blank += empty
        lloc += group.logical
    loc = sloc + blank + multi + single_comments
    return Module(loc, lloc, sloc, comments, multi, blank, single_comments)


class _Group:
    """What radon counts in one line group (a logical line, or a blank or comment-only line)."""

    __slots__ = ("comments", "last_line", "logical", "lone_text", "single_line")

    def __init__(self, last_line: int, comments: int, lone_text: bool, single_line: bool, logical: int):
        self.last_line = last_line
        self.comments = comments
        self.lone_text = lone_text  # a comment or a string alone (docstring): not source
        self.single_line = single_line  # ... on one line (a string over several is `multi`)
        self.logical = logical  # radon's logical lines (`_logical`)


class _Part:
    """One `;`-separated part of a group, as radon's `_logical` reads it: how many tokens it
    keeps (not comments or line ends), where its last `:` is, whether any token is not trivial."""

    __slots__ = ("colon", "kept", "solid")

    def __init__(self) -> None:
        self.kept = 0
        self.colon = -1
        self.solid = False

    def logical(self) -> int:
        """radon.raw._logical_part: `if x:` opens a block (1), `if x: y` is two, a lone comment none.
        Every group ends with an ENDMARKER (counted in `kept`), so a trailing colon sits at -2."""
        if self.colon >= 0:
            return 2 - (self.colon == self.kept - 2)
        return 1 if self.solid else 0


def _token_stream(source: str):
    """Raw token tuples from the C tokenizer (as `tokenize.generate_tokens`, without namedtuples)."""
    readline = io.StringIO(source).readline
    iterator = getattr(_tokenize_module(), "TokenizerIter", None)
    if iterator is None:  # pragma: no cover - other interpreters
        return tokenize.generate_tokens(readline)
    return iterator(readline, extra_tokens=True)


def _tokenize_module():
    import _tokenize

    return _tokenize


def _groups(source: str) -> list[_Group]:
    """The line groups radon tokenizes one by one, counted in one pass over the whole file's tokens.

    A group ends at a NEWLINE, or at an NL when it holds only comments and line ends; radon
    reads each group's tokens plus an ENDMARKER.
    """
    groups: list[_Group] = []
    size = comments = logical = 0
    first_kind = -1
    single_line = rest_trivial = True
    trivial_so_far = True  # only comments and line ends in the current group
    part = _Part()
    last_end_row = 0
    try:
        for kind, text, start, end, _ in _token_stream(source):
            if kind in _SKIP:
                continue
            if size == 0:
                first_kind = kind
                single_line = start[0] == end[0]
            elif kind not in _TRIVIAL:
                rest_trivial = False
            size += 1
            last_end_row = end[0]
            if kind == _COMMENT:
                comments += 1
            elif kind == _OP and text == ";":
                logical += part.logical()
                part = _Part()
            elif kind != _NL and kind != _NEWLINE:
                part.kept += 1
                if kind == _OP and text == ":":
                    part.colon = part.kept - 1
                part.solid = True  # not a comment, line end or ENDMARKER
            if kind == _NEWLINE or (kind == _NL and trivial_so_far):
                groups.append(
                    _finish(start[0], first_kind, single_line, rest_trivial, comments, logical, part)
                )
                size = comments = logical = 0
                rest_trivial = trivial_so_far = True
                part = _Part()
            elif kind != _COMMENT and kind != _NL:
                trivial_so_far = False
    except SyntaxError as error:  # the C tokenizer raises SyntaxError, not TokenError
        raise tokenize.TokenError(str(error)) from None
    if size:
        groups.append(_finish(last_end_row, first_kind, single_line, rest_trivial, comments, logical, part))
    line_count = source.count("\n") + (not source.endswith("\n") and bool(source))
    if groups and groups[-1].last_line > line_count:
        groups[-1].last_line = line_count
    return groups


def _finish(
    last_line: int,
    first_kind: int,
    single_line: bool,
    rest_trivial: bool,
    comments: int,
    logical: int,
    part: _Part,
) -> _Group:
    part.kept += 1  # the ENDMARKER radon's tokenizer adds (trivial)
    lone = first_kind in (_COMMENT, _STRING) and rest_trivial
    return _Group(last_line, comments, lone, first_kind == _COMMENT or single_line, logical + part.logical())


# --- Halstead volume -------------------------------------------------------------------------

_FUNCTIONS = frozenset({ast.FunctionDef, ast.AsyncFunctionDef})
_CHILD_FIELDS: dict[type, tuple[str, ...]] = {}
_OPERAND_VALUE = {ast.Name: "id", ast.Attribute: "attr", ast.Constant: "value"}


def halstead_volume(tree: ast.AST) -> float:
    """`radon.metrics.h_visit_ast(tree).total.volume` in one iterative walk.

    radon spawns a visitor per statement of every function body; the counting rules are
    the same here: BinOp/UnaryOp/BoolOp/AugAssign/Compare are operators, their operands
    are counted per enclosing function (a name, attribute or constant by its value, any
    other expression by identity), and only a function's body is visited, not its
    decorators or signature.
    """
    operators = operands = 0
    operators_seen: set[str] = set()
    operands_seen: set[tuple[str | None, object]] = set()
    scopes: list[tuple[list[ast.AST], str | None]] = [([tree], None)]
    child_fields = _CHILD_FIELDS  # operators are read from their node, never walked to
    AST, BinOp, UnaryOp, BoolOp, AugAssign, Compare = (
        ast.AST,
        ast.BinOp,
        ast.UnaryOp,
        ast.BoolOp,
        ast.AugAssign,
        ast.Compare,
    )
    while scopes:
        stack, context = scopes.pop()
        while stack:
            node = stack.pop()
            kind = type(node)
            if kind in _FUNCTIONS:
                scopes.append((list(node.body), node.name))
                continue
            found = None
            if kind is BinOp:
                operators += 1
                operands += 2
                operators_seen.add(type(node.op).__name__)
                found = (node.left, node.right)
            elif kind is Compare:
                operators += len(node.ops)
                operands += len(node.comparators) + 1
                operators_seen.update(type(op).__name__ for op in node.ops)
                found = [*node.comparators, node.left]
            elif kind is BoolOp:
                operators += 1
                operands += len(node.values)
                operators_seen.add(type(node.op).__name__)
                found = node.values
            elif kind is UnaryOp:
                operators += 1
                operands += 1
                operators_seen.add(type(node.op).__name__)
                found = (node.operand,)
            elif kind is AugAssign:
                operators += 1
                operands += 2
                operators_seen.add(type(node.op).__name__)
                found = (node.target, node.value)
            if found is not None:
                for operand in found:
                    field = _OPERAND_VALUE.get(type(operand))
                    operands_seen.add((context, getattr(operand, field, operand) if field else operand))
            fields = child_fields.get(kind)
            if fields is None:
                fields = child_fields[kind] = node_fields(kind, with_fieldless=False)
            for name in fields:
                value = getattr(node, name, None)
                if type(value) is list:
                    stack.extend(item for item in value if isinstance(item, AST))
                elif isinstance(value, AST):
                    stack.append(value)
    vocabulary = len(operators_seen) + len(operands_seen)
    length = operators + operands
    return length * math.log(vocabulary, 2) if vocabulary else 0
