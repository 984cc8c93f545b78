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
_NOT_LOGICAL = frozenset({_COMMENT, _NL, _NEWLINE})

Token = tuple  # (type, string, (row, col), (row, col), line)


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
    for tokens, last in groups:
        empty = blank_before[last] - blank_before[first - 1]
        filled = last - first + 1 - empty
        first = last + 1
        comments += sum(1 for t in tokens if t[0] == _COMMENT)
        kind = tokens[0][0]
        if kind in (_COMMENT, _STRING) and all(t[0] in _TRIVIAL for t in tokens[1:]):
            if kind == _COMMENT or tokens[0][2][0] == tokens[0][3][0]:
                single_comments += 1
            else:
                multi += filled
                blank += empty
        else:
            sloc += filled
            blank += empty
        lloc += _logical(tokens)
    loc = sloc + blank + multi + single_comments
    return Module(loc, lloc, sloc, comments, multi, blank, single_comments)


def _logical(tokens: list[Token]) -> int:
    """radon.raw._logical: `if x: y` is two logical lines, `a; b` two, a comment-only line none."""
    total = 0
    part: list[Token] = []
    for token in tokens:
        if token[0] == _OP and token[1] == ";":
            total += _logical_part(part)
            part = []
        elif token[0] not in _NOT_LOGICAL:
            part.append(token)
    return total + _logical_part(part)


def _logical_part(processed: list[Token]) -> int:
    for index in range(len(processed) - 1, -1, -1):
        if processed[index][0] == _OP and processed[index][1] == ":":
            # the last token is the ENDMARKER: a trailing colon opens a block (one line)
            return 2 - (index == len(processed) - 2)
    return 0 if all(t[0] in _TRIVIAL for t in processed) else 1


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


_END = (_ENDMARKER, "", (0, 0), (0, 0), "")


def _groups(source: str) -> list[tuple[list[Token], int]]:
    """(tokens + ENDMARKER, last physical line) of each line group radon tokenizes on its own."""
    groups: list[tuple[list[Token], int]] = []
    current: list[Token] = []
    trivial_so_far = True  # only comments and line ends in the current group
    try:
        for token in _token_stream(source):
            kind = token[0]
            if kind in _SKIP:
                continue
            current.append(token)
            if kind == _NEWLINE or (kind == _NL and trivial_so_far):
                current.append(_END)
                groups.append((current, token[2][0]))
                current = []
                trivial_so_far = True
            elif kind != _COMMENT and kind != _NL:
                trivial_so_far = False
    except SyntaxError as error:  # the C tokenizer raises SyntaxError, not TokenError
        raise tokenize.TokenError(str(error)) from None
    if current:
        current.append(_END)
        groups.append((current, current[-2][3][0]))
    line_count = source.count("\n") + (not source.endswith("\n") and bool(source))
    if groups and groups[-1][1] > line_count:
        groups[-1] = (groups[-1][0], line_count)
    return groups


# --- Halstead volume -------------------------------------------------------------------------

_FUNCTIONS = frozenset({ast.FunctionDef, ast.AsyncFunctionDef})
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
            for name in node._fields:
                value = getattr(node, name, None)
                if type(value) is list:
                    stack.extend(item for item in value if isinstance(item, AST))
                elif isinstance(value, AST):
                    stack.append(value)
    vocabulary = len(operators_seen) + len(operands_seen)
    length = operators + operands
    return length * math.log(vocabulary, 2) if vocabulary else 0
