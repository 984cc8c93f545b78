"""Pattern identity: the same mistake across files, repositories and pushes gets the same key.

key = rule id + the *shape* of the flagged code. The shape keeps what makes the mistake
(the called API's dotted name, attribute names, keyword-argument names, operators,
brackets and arity) and abstracts what varies between copies of it (local names, literals
and literal containers with no call inside -> `_`; comments, whitespace and line breaks;
an assignment or `return` in front of the flagged expression). No line number
or path goes in, so the key survives code moving. The shape holds no literal and no
local name, which is why the ledger may store it as the finding's masked snippet.

A token scanner rather than a parser: flagged lines are often part of a statement, and
the rule engines also flag non-Python text files.
"""

from __future__ import annotations

import hashlib
import re

MAX_SHAPE_LINES = 8  # a finding spanning a whole function is keyed on its first line
MAX_SHAPE_CHARS = 300
# analyzers whose flagged text may itself be a credential: keyed on the rule alone
RULE_ONLY_ANALYZERS = frozenset({"secrets"})

_KEYWORDS = frozenset(
    [
        "False",
        "None",
        "True",
        "and",
        "as",
        "assert",
        "async",
        "await",
        "break",
        "class",
        "continue",
        "def",
        "del",
        "elif",
        "else",
        "except",
        "finally",
        "for",
        "from",
        "global",
        "if",
        "import",
        "in",
        "is",
        "lambda",
        "nonlocal",
        "not",
        "or",
        "pass",
        "raise",
        "return",
        "try",
        "while",
        "with",
        "yield",
        "match",
        "case",
        "true",
        "false",
        "null",
        "nil",
        "undefined",
        "function",
        "const",
        "let",
        "var",
        "new",
        "this",
        "self",
        "cls",
    ]
)
_TOKEN = re.compile(
    r"""
    (?P<string>[rRbBuUfF]{0,2}(?:'''[\s\S]*?'''|\"\"\"[\s\S]*?\"\"\"|'(?:\\.|[^'\\\n])*'|"(?:\\.|[^"\\\n])*"))
    |(?P<open_string>[rRbBuUfF]{0,2}(?:'''|\"\"\"|'|")[\s\S]*$)
    |(?P<comment>\#[^\n]*|//[^\n]*)
    |(?P<number>\b\d[\d_]*(?:\.\d*)?(?:[eE][+-]?\d+)?[jJlL]?\b|\b0[xXoObB][0-9a-fA-F_]+\b)
    |(?P<name>[A-Za-z_$][\w$]*)
    |(?P<space>\s+)
    |(?P<op>==|!=|<=|>=|\*\*|//|->|:=|[^\sA-Za-z0-9_])
    """,
    re.VERBOSE,
)


def code_shape(snippet: str) -> str:
    """The normalised form of the flagged code (see the module doc)."""
    lines = [line for line in snippet.splitlines() if line.strip()]
    if len(lines) > MAX_SHAPE_LINES:
        lines = lines[:1]
    tokens: list[tuple[str, str]] = []
    for match in _TOKEN.finditer("\n".join(lines)):
        kind = match.lastgroup or "op"
        if kind in ("space", "comment"):
            continue
        if kind in ("string", "open_string", "number"):
            tokens.append(("lit", "_"))
        else:
            tokens.append((kind, match.group()))
    shape = _render(_collapse_literal_containers(_abstract_names(tokens)))
    return _LEADING_BINDING.sub("", shape)[:MAX_SHAPE_CHARS]


# `x = call(...)`, `return call(...)`, `await call(...)` are the same flagged expression
_LEADING_BINDING = re.compile(r"^(?:(?:_(?:\.\w+)*(?:,_)*(?::_)?=(?!=))|(?:return|await|yield) )+")


def _abstract_names(tokens: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Keep keywords, attribute names, called dotted names and keyword-argument names; `_` the rest."""
    out: list[tuple[str, str]] = []
    count = len(tokens)
    depth = 0  # inside call brackets `name=` is a keyword argument; outside, an assignment target
    for index, (kind, text) in enumerate(tokens):
        if kind == "op":
            depth += {"(": 1, ")": -1}.get(text, 0)
        if kind != "name" or text in _KEYWORDS:
            out.append((kind, text))
            continue
        before = tokens[index - 1][1] if index else ""
        after = tokens[index + 1][1] if index + 1 < count else ""
        keyword_argument = after == "=" and depth > 0
        if before in _DEFINES:
            out.append((kind, "_"))  # the name a definition gives is local
        elif before == "." or keyword_argument or _chain_is_called(tokens, index):
            out.append((kind, text))
        else:
            out.append((kind, "_"))
    return _drop_trailing_commas(out)


_DEFINES = frozenset({"def", "class", "function"})
_CLOSING = {"(": ")", "[": "]", "{": "}"}


def _collapse_literal_containers(tokens: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """A literal tuple, list, dict or set with no call inside is one value: `_`.

    Call and subscript brackets (after a name or a closing bracket) are kept: they are shape.
    """
    out: list[tuple[str, str]] = []
    index = 0
    while index < len(tokens):
        kind, text = tokens[index]
        previous = out[-1] if out else ("", "")
        opens_literal = text in _CLOSING and not (previous[0] == "name" or previous[1] in (")", "]", "}"))
        if kind == "op" and opens_literal:
            end = _matching(tokens, index)
            inner = tokens[index + 1 : end]
            called = any(t[1] == "(" and i and inner[i - 1][0] == "name" for i, t in enumerate(inner))
            if end > index and not called:
                out.append(("lit", "_"))
                index = end + 1
                continue
        out.append((kind, text))
        index += 1
    return out


def _matching(tokens: list[tuple[str, str]], start: int) -> int:
    """Index of the bracket closing the one at `start` (or `start` when unbalanced)."""
    depth = 0
    for index in range(start, len(tokens)):
        text = tokens[index][1]
        if text in _CLOSING:
            depth += 1
        elif text in (")", "]", "}"):
            depth -= 1
            if depth == 0:
                return index
    return start


def _chain_is_called(tokens: list[tuple[str, str]], index: int) -> bool:
    """`name` starts a dotted chain (`a.b.c`) that is called: `a.b.c(`."""
    position = index + 1
    while position + 1 < len(tokens) and tokens[position][1] == "." and tokens[position + 1][0] == "name":
        position += 2
    return position < len(tokens) and tokens[position][1] == "("


def _drop_trailing_commas(tokens: list[tuple[str, str]]) -> list[tuple[str, str]]:
    kept: list[tuple[str, str]] = []
    for index, token in enumerate(tokens):
        following = tokens[index + 1][1] if index + 1 < len(tokens) else ""
        if token[1] == "," and following in (")", "]", "}"):
            continue
        kept.append(token)
    return kept


def _render(tokens: list[tuple[str, str]]) -> str:
    parts: list[str] = []
    previous_kind = ""
    for kind, text in tokens:
        wordy = kind in ("name", "lit")
        if parts and wordy and previous_kind in ("name", "lit"):
            parts.append(" ")
        parts.append(text)
        previous_kind = kind
    return "".join(parts)


def pattern_key(rule_id: str, snippet: str, analyzer: str = "") -> str:
    """The rule plus the code's shape, hashed (32 hex characters)."""
    shape = "" if analyzer in RULE_ONLY_ANALYZERS else code_shape(snippet)
    basis = f"{rule_id}\x1f{shape}"
    return hashlib.sha256(basis.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def masked_snippet(snippet: str, analyzer: str = "") -> str:
    """What the ledger may store of the flagged code: its shape (no literal, no local name)."""
    return "" if analyzer in RULE_ONLY_ANALYZERS else code_shape(snippet)
