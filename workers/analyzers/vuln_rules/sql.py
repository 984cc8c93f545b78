"""SQL text with a value formatted into it (PG-VULN028).

A statement's values belong in the driver's parameters (`cursor.execute("... WHERE id = %s", (uid,))`);
formatted into the text, a quote in the value ends the literal and the rest is SQL. Identifiers (a
table or column name after FROM, SELECT, ALTER TABLE) cannot be parameters, so formatting them is
the usual way and is left alone: only a value position counts, right after a comparison, LIKE, IN (,
VALUES (or VALUES alone) or inside a quoted literal. The check reads the shape alone, whatever the
value's origin; values that cannot carry SQL are skipped: constants, numbers made with
int()/float()/len(), placeholder lists such as `",".join("?" * n)` or `(?, ?)` rows (also through a
local name only ever assigned one, a function of the module that only returns one, or a `self`
attribute its class hierarchy in the module only sets to one), and what a validator of the module
returns (a function that returns its argument only after an anchored allow-list regex that excludes
quotes accepted it).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from prguard.analyzers.asttools import added_operands
from prguard.analyzers.taint.regex_proof import proven_kinds
from prguard.analyzers.vuln_rules.shapes import NUMERIC_CALLS, CheckerBase, VulnHit, is_join, short
from prguard.analyzers.vuln_rules.table import RULES

_STATEMENT = re.compile(
    r"^\s*\(?\s*(select|insert|update|delete|replace|merge)\b"
    r"|^\s*with\s+(recursive\s+)?\w+(\s*\([^)]*\))?\s+as\s*\(",  # a common table expression
    re.IGNORECASE,
)
#: a condition built on its own and added to a statement later (`cond += f" and company = '{c}'"`)
_CONDITION = re.compile(
    r"^\s*(and|or|where)\s+[`\"\[\]\w.]+\s*(=|<>|!=|<=|>=|<|>|like\b|in\s*\()", re.IGNORECASE
)
_VALUE_POSITION = re.compile(
    r"(=|<>|!=|<=|>=|<|>|\blike|\bin\s*\(|\bvalues\s*\(?|,\s*['\"])\s*['\"]?\s*$", re.IGNORECASE
)
_PLACEHOLDERS = frozenset({"?", "%s", "?,", "%s,", ", ?", ", %s"})
_PRINTF_FIELD = re.compile(r"%(?:\([^)]*\))?[-#0 +]*\d*(?:\.\d+)?[sdifr]")
_FORMAT_FIELD = re.compile(r"\{[^{}]*\}")


class SqlChecks(CheckerBase):
    """PG-VULN028 on f-strings, `%` and `.format` that build SQL."""

    def _formatted_sql(self, node: ast.expr) -> Iterator[VulnHit]:
        pieces = _pieces(node)
        if pieces is None:
            return
        literal = "".join(p for p in pieces if isinstance(p, str))
        if not (_STATEMENT.match(literal) or _CONDITION.match(literal)):
            return
        for piece in _in_value_positions(pieces):
            if not self._harmless(piece) and not self._validated(piece):
                shown = short(piece, 40) if isinstance(piece, ast.AST) else "a value"
                yield VulnHit(RULES["PG-VULN028"], node, f"{shown} formatted into SQL text")
                return

    def _harmless(self, value: ast.expr | None) -> bool:
        """`_harmless`, a module constant that is, or a local name the function binds only to lists
        of placeholders (`marks = ", ".join(["%s"] * len(ids))`, then `f"... IN ({marks})"`)."""
        if _harmless(value):
            return True
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Name):
            return self._returns_placeholders(value.func)  # `VALUES ({_ph(len(cols))})`
        if (
            isinstance(value, ast.Attribute)
            and isinstance(value.value, ast.Name)
            and value.value.id == "self"
        ):
            return self._placeholder_attribute(value)  # `WHERE name = {self.ph}`
        if not isinstance(value, ast.Name):
            return False
        constant = self._module_constant(value)
        if constant is not None:
            return _harmless(constant)  # `CAR_ID = int(os.environ["CAR_ID"])` at the module's top
        assigned = self._assignments_in(self.resolver.scope_of(value)).get(value.id, [])
        if not assigned or self._scope_assigns(value) != len(assigned):
            return False  # also a parameter, a loop variable, augmented ...
        return all(_placeholder_text(one) for one in assigned)

    def _returns_placeholders(self, func: ast.Name) -> bool:
        """A function of this module that only ever returns placeholder text."""
        function = self.resolver.functions.get(func.id)
        if function is None or self.resolver.qualname(func) != func.id:
            return False
        returns = [n.value for n in ast.walk(function) if isinstance(n, ast.Return)]
        return bool(returns) and all(r is not None and _placeholder_text(r) for r in returns)

    def _placeholder_attribute(self, read: ast.Attribute) -> bool:
        """`self.ph` where every method of the class, of its bases and of its subclasses in this
        module sets it to a placeholder (`"?"`, `"%s"`, or one of them by a condition)."""
        scope = self.resolver.scope_of(read)
        owner = self.resolver.class_of(scope) if scope is not None else None
        if owner is None:
            return False
        related = {
            name.rsplit(".", 1)[-1] for name in self.resolver.supertypes(owner)
        }  # `__init__` of a base
        related |= {
            name
            for name, klass in self.resolver.classes.items()
            if owner in self.resolver.supertypes(klass.qualname)
        }
        assigned = [
            value for name in sorted(related) for value, _ in self.resolver.attribute_values(name, read.attr)
        ]
        return bool(assigned) and all(_placeholder_text(value) for value in assigned)

    def _validated(self, value: ast.expr | None) -> bool:
        """`validate_identifier(name)` where that function of this module returns its argument only
        after `if not re.match(r"^[A-Za-z0-9_]+$", arg): raise ...`: a proof for SQL text."""
        if not (isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.args):
            return False
        function = self.resolver.functions.get(value.func.id)
        if function is None or self.resolver.qualname(value.func) != value.func.id or not function.args.args:
            return False
        param = function.args.args[0].arg
        returns = [n for n in ast.walk(function) if isinstance(n, ast.Return)]
        if not returns or not all(isinstance(r.value, ast.Name) and r.value.id == param for r in returns):
            return False
        return any(_refuses_unless_sql_safe(statement, param, self) for statement in function.body)


def _refuses_unless_sql_safe(statement: ast.stmt, param: str, checker: SqlChecks) -> bool:
    """`if not re.match(PATTERN, param): raise ...` with a pattern that proves `param` safe in SQL."""
    test = statement.test if isinstance(statement, ast.If) else None
    if not (
        isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not) and isinstance(test.operand, ast.Call)
    ):
        return False
    if not (statement.body and isinstance(statement.body[-1], ast.Raise)):  # type: ignore[union-attr]
        return False
    call = test.operand
    qual = checker.resolver.qualname(call.func) or ""
    if qual not in ("re.fullmatch", "re.match") or len(call.args) < 2 or call.keywords:
        return False
    mode = qual.removeprefix("re.")
    pattern, subject = call.args[0], call.args[1]
    if not (isinstance(subject, ast.Name) and subject.id == param):
        return False
    return (
        isinstance(pattern, ast.Constant)
        and isinstance(pattern.value, str)
        and "sql" in proven_kinds(pattern.value, mode)
    )


def _pieces(node: ast.expr) -> list[str | ast.expr | None] | None:
    """The text and the values of a string being built, in order (None: an unknown value), or None
    when the node does not build a string from a literal."""
    if isinstance(node, ast.JoinedStr):
        # a Constant's value is its text, a FormattedValue's value the expression formatted
        return [v.value for v in node.values]  # type: ignore[attr-defined]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        operands = added_operands(node)
        if not (isinstance(operands[0], ast.Constant) and isinstance(operands[0].value, str)):
            return None
        out: list[str | ast.expr | None] = []
        for operand in operands:
            if isinstance(operand, ast.Constant) and isinstance(operand.value, str):
                out.append(operand.value)
            elif isinstance(operand, ast.JoinedStr):
                out.extend(v.value for v in operand.values)  # type: ignore[attr-defined]
            else:
                out.append(operand)
        return out
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod) and isinstance(node.left, ast.Constant):
        template = node.left.value
        if not isinstance(template, str):
            return None
        values = node.right.elts if isinstance(node.right, ast.Tuple) else [node.right]
        return _fill(_PRINTF_FIELD.split(template), values if len(values) == template.count("%") else [])
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "format"
        and isinstance(node.func.value, ast.Constant)
        and isinstance(node.func.value.value, str)
    ):
        return _fill(_FORMAT_FIELD.split(node.func.value.value), list(node.args))
    return None


def _in_value_positions(pieces: list[str | ast.expr | None]) -> Iterator[ast.expr | None]:
    """The values of a built string that land where SQL reads a value, in order."""
    text = ""
    for piece in pieces:
        if isinstance(piece, str):
            text += piece
            continue
        if _value_position(text):
            yield piece
        text += "X"


def _value_position(text: str) -> bool:
    """Whether a value formatted after `text` lands where SQL reads a value: right after a
    comparison, LIKE, IN (, VALUES (or VALUES alone), or inside a quoted literal (an odd number of `'` so far:
    `lower('{q}')`, `LIKE '%{q}%'`)."""
    return bool(_VALUE_POSITION.search(text)) or text.count("'") % 2 == 1


def _fill(texts: list[str], values: list[ast.expr]) -> list[str | ast.expr | None]:
    out: list[str | ast.expr | None] = [texts[0]]
    for index, text in enumerate(texts[1:]):
        out.append(values[index] if index < len(values) else None)
        out.append(text)
    return out


_SEPARATORS = frozenset({"", ",", ", ", " , ", " ,"})
#: the parentheses around a row of placeholders (`"(" + marks + ")"`, `f"({marks})"`)
_ROW_PARENS = frozenset({"(", ")", " (", ") ", "),", "), "})


def _placeholder_text(node: ast.expr) -> bool:
    """Text made of placeholders and commas only, however many: `", ".join(["%s"] * len(ids))`,
    `",".join("?" for _ in rows)`, `"?," * (n - 1) + "?"`. Names may only count (a multiplier,
    `len(...)`, what a comprehension runs over), never give text."""
    if isinstance(node, ast.Constant):
        return node.value in _PLACEHOLDERS or node.value in _SEPARATORS or node.value in _ROW_PARENS
    if isinstance(node, ast.IfExp):  # `"?" if sqlite else "%s"`
        return _placeholder_text(node.body) and _placeholder_text(node.orelse)
    if isinstance(node, ast.JoinedStr):  # `f"({marks})"`
        return all(
            _placeholder_text(part.value if isinstance(part, ast.FormattedValue) else part)
            for part in node.values
        )
    if isinstance(node, ast.Call):
        return (
            is_join(node)
            and node.func.value.value in _SEPARATORS  # type: ignore[attr-defined]
            and len(node.args) == 1
            and _placeholder_items(node.args[0])
        )
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _placeholder_text(node.left) and _placeholder_text(node.right)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):
        return (_placeholder_text(node.left) and _count(node.right)) or (
            _placeholder_text(node.right) and _count(node.left)
        )
    return False


def _placeholder_items(node: ast.expr) -> bool:
    """What a placeholder list joins: placeholders in a list, repeated, or made by a comprehension."""
    if isinstance(node, ast.List | ast.Tuple):
        return bool(node.elts) and all(_placeholder_text(e) for e in node.elts)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):
        return (_placeholder_items(node.left) and _count(node.right)) or (
            _placeholder_items(node.right) and _count(node.left)
        )
    if isinstance(node, ast.GeneratorExp | ast.ListComp):
        return _placeholder_text(node.elt)
    return _placeholder_text(node)  # `"?" * n` joins its characters


def _count(node: ast.expr) -> bool:
    """A number of repeats: a name, an int, `len(...)`, or arithmetic on those."""
    if isinstance(node, ast.Name):
        return True
    if isinstance(node, ast.Constant):
        return type(node.value) is int
    if isinstance(node, ast.Call):
        return isinstance(node.func, ast.Name) and node.func.id in NUMERIC_CALLS
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Sub | ast.Mult):
        return _count(node.left) and _count(node.right)
    return False


def _harmless(value: ast.expr | None) -> bool:
    """A value that cannot carry SQL: a constant, a number, or a list of placeholders."""
    if value is None:
        return False
    if isinstance(value, ast.Constant):
        return True
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id in NUMERIC_CALLS:
        return True
    return _placeholder_text(value)
