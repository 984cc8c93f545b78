"""Regular expressions with polynomial backtracking (ReDoS), read from the pieces they are built of."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from prguard.analyzers.asttools import const_str
from prguard.analyzers.redos import OPAQUE, redos_problem
from prguard.analyzers.vuln_rules.shapes import CheckerBase, VulnHit, class_bodies, const_int
from prguard.analyzers.vuln_rules.table import RULES

REGEX_CALLS = frozenset(
    {
        "re.compile",
        "re.match",
        "re.search",
        "re.fullmatch",
        "re.findall",
        "re.finditer",
        "re.sub",
        "re.subn",
        "re.split",
        "regex.compile",
    }
)


class _Lenient(dict):
    """Module constants where any other name reads as one opaque character (redos.OPAQUE)."""

    def __contains__(self, name: object) -> bool:
        return True

    def __missing__(self, name: str) -> ast.expr:
        return ast.Constant(OPAQUE)


def _reads_as_regex(text: str) -> bool:
    """Text with a group and a quantifier or class: markup and messages rarely have both."""
    return (
        "(" in text
        and ")" in text
        and any(c in text for c in "*+")
        and any(marker in text for marker in ("(?:", "\\", "[", "|"))
    )


def with_flags(pattern: Text, call: ast.Call) -> Text:
    """The pattern as `re` reads it: verbose patterns (`re.X`, `re.VERBOSE`) drop whitespace."""
    flags = [*call.args[1:], *(k.value for k in call.keywords if k.arg == "flags")]
    verbose = any(
        isinstance(n, ast.Attribute | ast.Name)
        and (getattr(n, "attr", "") or getattr(n, "id", "")) in ("X", "VERBOSE")
        for flag in flags
        for n in ast.walk(flag)
    )
    if not verbose:
        return pattern
    return b"(?x)" + pattern if isinstance(pattern, bytes) else "(?x)" + pattern


def module_constants(tree: ast.Module) -> dict[str, ast.expr]:
    """Module-level names assigned exactly once: what a pattern built from them is made of."""
    seen: dict[str, list[ast.expr]] = {}
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
            seen.setdefault(stmt.targets[0].id, []).append(stmt.value)
    return {name: values[0] for name, values in seen.items() if len(values) == 1}


Text = str | bytes


def fold(node: ast.expr, names: dict[str, ast.expr], depth: int = 0) -> Text | None:
    """The constant text of a string expression (str or bytes literals, `+`, `%` and `.format`
    with constants or a dict of them, module constants, slices, `re.escape` and `"|".join(...)`
    of constants or of a comprehension over them), or None. Nothing is run but str operations."""
    if depth > 20:
        return None
    if isinstance(node, ast.Constant):
        return node.value if isinstance(node.value, str | bytes) else None
    if isinstance(node, ast.Name) and node.id in names:
        return fold(names[node.id], names, depth + 1)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = fold(node.left, names, depth + 1), fold(node.right, names, depth + 1)
        if left is None or right is None or type(left) is not type(right):
            return None
        return left + right  # type: ignore[operator]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
        left = fold(node.left, names, depth + 1)
        values = _fold_arguments(node.right, names, depth + 1)
        if left is None or values is None:
            return None
        try:
            return left % values  # type: ignore[operator]
        except (TypeError, ValueError, KeyError):
            return None
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Slice):
        text = fold(node.value, names, depth + 1)
        bounds = [const_int(b) for b in (node.slice.lower, node.slice.upper, node.slice.step)]
        given = [b for b in (node.slice.lower, node.slice.upper, node.slice.step) if b is not None]
        if text is None or len([b for b in bounds if b is not None]) != len(given):
            return None
        return text[slice(*bounds)]
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        if (
            node.func.attr == "escape"
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "re"
        ):
            inner = fold(node.args[0], names, depth + 1) if node.args else None
            return re.escape(inner) if inner is not None else None
        if node.func.attr == "join" and node.args:
            separator = fold(node.func.value, names, depth + 1)
            items = _fold_items(node.args[0], names, depth + 1)
            if separator is None or items is None or any(type(i) is not type(separator) for i in items):
                return None
            return separator.join(items)  # type: ignore[arg-type]
        if node.func.attr == "format":
            template = fold(node.func.value, names, depth + 1)
            positional = [fold(a, names, depth + 1) for a in node.args]
            keywords = {k.arg: fold(k.value, names, depth + 1) for k in node.keywords}
            if (
                not isinstance(template, str)
                or None in keywords
                or any(not isinstance(v, str) for v in (*positional, *keywords.values()))
            ):
                return None
            try:
                return template.format(*positional, **keywords)
            except (IndexError, KeyError, ValueError):
                return None
    return None


def _fold_arguments(node: ast.expr, names: dict[str, ast.expr], depth: int) -> object:
    """The right side of `%`: a tuple of texts, a dict of texts, or one text (None: unknown)."""
    if isinstance(node, ast.Name) and node.id in names and isinstance(names[node.id], ast.Dict | ast.Tuple):
        node = names[node.id]
    if isinstance(node, ast.Dict):
        keys = [const_str(k) for k in node.keys]
        values = [fold(v, names, depth + 1) for v in node.values]
        if None in keys or None in values:
            return None
        return dict(zip(keys, values, strict=True))
    parts = node.elts if isinstance(node, ast.Tuple) else [node]
    values = [fold(p, names, depth + 1) for p in parts]
    return None if None in values else tuple(values)


def _fold_items(node: ast.expr, names: dict[str, ast.expr], depth: int) -> list[Text] | None:
    escape = False
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "map"
        and len(node.args) == 2
    ):
        escape = ast.unparse(node.args[0]) == "re.escape"
        if not escape:
            return None
        node = node.args[1]
    if isinstance(node, ast.Name) and node.id in names:
        node = names[node.id]
    if isinstance(node, ast.ListComp | ast.GeneratorExp) and len(node.generators) == 1:
        return _fold_comprehension(node, names, depth)
    if not isinstance(node, ast.Tuple | ast.List):
        return None
    values = [fold(e, names, depth + 1) for e in node.elts]
    if any(v is None for v in values):
        return None
    return [re.escape(v) if escape else v for v in values]  # type: ignore[arg-type, misc]


def _fold_comprehension(
    node: ast.ListComp | ast.GeneratorExp, names: dict[str, ast.expr], depth: int
) -> list[Text] | None:
    """`[x % subs for x in VARIANTS]`: the element folded once per constant item."""
    generator = node.generators[0]
    if generator.ifs or not isinstance(generator.target, ast.Name):
        return None
    source = generator.iter
    if isinstance(source, ast.Name) and source.id in names:
        source = names[source.id]
    if not isinstance(source, ast.Tuple | ast.List):
        return None
    out: list[Text] = []
    for item in source.elts:
        value = fold(node.elt, {**names, generator.target.id: item}, depth + 1)
        if value is None:
            return None
        out.append(value)
    return out


CONTAINERS = (ast.Dict, ast.List, ast.Tuple, ast.Set, ast.ListComp, ast.DictComp, ast.SetComp)


class RegexChecks(CheckerBase):
    """PG-VULN005: patterns with polynomial backtracking, folded from the pieces they are built of."""

    def _regex_tables(self) -> Iterator[VulnHit]:
        """Lexer-style tables of `(pattern, action)` tuples at module or class level (Pygments
        `tokens`, a module's `..._REGEX` list): their first strings are regexes compiled elsewhere."""
        for body in self._bodies():
            for stmt in body:
                if not isinstance(stmt, ast.Assign | ast.AnnAssign) or stmt.value is None:
                    continue
                rows = [
                    element
                    for container in ast.walk(stmt.value)
                    if isinstance(container, ast.List | ast.Tuple)
                    for element in container.elts
                    if isinstance(element, ast.Tuple) and len(element.elts) >= 2
                ]
                for row in rows:
                    pattern = fold(row.elts[0], self._constants)
                    if pattern is None:
                        continue
                    problem = redos_problem(pattern)
                    if problem:
                        yield VulnHit(RULES["PG-VULN005"], row, problem)

    def _bodies(self) -> list[list[ast.stmt]]:
        """The module's body and every class body (where constant tables and patterns live)."""
        if self._class_bodies is None:
            self._class_bodies = [self.tree.body, *class_bodies(self.tree.body)]
        return self._class_bodies

    def _pattern_constants(self) -> Iterator[VulnHit]:
        """Upper-case string constants at module or class level that read as regexes, built from
        parts (`EMPHASIS = r'(\\*)(' + r'(?:\\\\.|[^*])*' + ESCAPE + ')'`): a parser class keeps its
        patterns as attributes and compiles them elsewhere, by name. Parts that are names prguard
        cannot see (another module's constants) stand as one opaque character."""
        lenient = _Lenient(self._constants)
        for body in self._bodies():
            for stmt in body:
                if not (
                    isinstance(stmt, ast.Assign)
                    and len(stmt.targets) == 1
                    and isinstance(stmt.targets[0], ast.Name)
                    and stmt.targets[0].id.isupper()
                    and isinstance(stmt.value, ast.BinOp)
                ):
                    continue
                pattern = fold(stmt.value, lenient)
                if not isinstance(pattern, str) or not _reads_as_regex(pattern):
                    continue
                problem = redos_problem(pattern)
                if problem and id(stmt.value) not in self._reported_patterns:
                    self._reported_patterns.add(id(stmt.value))
                    yield VulnHit(RULES["PG-VULN005"], stmt.value, problem)
