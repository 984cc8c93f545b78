"""radon's cyclomatic complexity (`ComplexityVisitor.from_ast(tree)`) in one plain recursive pass.

radon's visitor goes through `ast.NodeVisitor`'s generic dispatch (three Python calls and a
method lookup by name per node) and builds a new visitor per statement of every function
and class body; this module applies the same counting rules with one call per node. The
results are radon's own `Function` and `Class` tuples, equal to radon's field by field
(tests/unit/test_cyclomatic.py compares them on real code), including radon's quirks:

- a decision point counts where radon counts it: `if`/`elif`/ternary, loops (+1 for their
  `else`), each `except` (+1 for `else`), boolean operators (values - 1), comprehensions
  (+1 per `if`), `match` cases (a catch-all case excluded), `assert` (+1, its expression
  not read); `try/except*`, `with` and lambdas count nothing;
- a function's complexity is 1 + its body's, not its decorators', defaults' or closures';
- a function's last line is the highest line radon saw in its *last* statement, and a
  class's the highest of its statements and methods.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from prguard.analyzers.base import FIELDLESS_NODES
from radon.visitors import Class, Function

_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
_LOOPS = (ast.For, ast.While, ast.AsyncFor)
_SPECIAL = frozenset({ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Assert})


@dataclass(slots=True)
class Complexity:
    """What `radon.visitors.ComplexityVisitor` holds after a visit (the parts prguard reads)."""

    to_method: bool = False
    classname: str | None = None
    off: bool = True  # radon's `off`: a module starts at 1, a body fragment at 0
    complexity: int = 0
    functions: list[Function] = field(default_factory=list)
    classes: list[Class] = field(default_factory=list)
    max_line: float = float("-inf")
    #: (def line, column) -> last line of every function in the tree (on the module's result only)
    function_ends: dict[tuple[int, int], int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.complexity = 1 if self.off else 0

    @property
    def functions_complexity(self) -> int:
        return sum(f.complexity for f in self.functions) - len(self.functions)

    @property
    def classes_complexity(self) -> int:
        return sum(c.real_complexity for c in self.classes) - len(self.classes)

    @property
    def total_complexity(self) -> int:
        return self.complexity + self.functions_complexity + self.classes_complexity + (not self.off)


def cyclomatic(tree: ast.AST, *, no_assert: bool = False) -> Complexity:
    """`radon.visitors.ComplexityVisitor.from_ast(tree, no_assert=...)`, faster."""
    state = Complexity()
    walk = _Pass(no_assert)
    walk.visit(state, tree)
    state.function_ends = walk.ends
    return state


class _Pass:
    def __init__(self, no_assert: bool) -> None:
        self.no_assert = no_assert
        self.ends: dict[tuple[int, int], int] = {}

    def visit(self, state: Complexity, node: ast.AST) -> None:
        kind = type(node)
        if kind in _FUNCTIONS:
            self.function(state, node)  # type: ignore[arg-type]
        elif kind is ast.ClassDef:
            self.klass(state, node)  # type: ignore[arg-type]
        elif kind is ast.Assert:
            state.complexity += not self.no_assert  # its expression is not visited
        else:
            self.generic(state, node, kind)

    def generic(self, state: Complexity, node: ast.AST, kind: type) -> None:
        line = getattr(node, "lineno", None)
        if line is not None and line > state.max_line:
            state.max_line = line
        if kind is ast.Try:
            state.complexity += len(node.handlers) + bool(node.orelse)  # type: ignore[attr-defined]
        elif kind is ast.BoolOp:
            state.complexity += len(node.values) - 1  # type: ignore[attr-defined]
        elif kind is ast.If or kind is ast.IfExp:
            state.complexity += 1
        elif kind is ast.Match:
            cases = node.cases  # type: ignore[attr-defined]
            catch_all = any(getattr(case.pattern, "pattern", False) is None for case in cases)
            state.complexity += max(0, len(cases) - catch_all)
        elif kind in _LOOPS:
            state.complexity += bool(node.orelse) + 1  # type: ignore[attr-defined]
        elif kind is ast.comprehension:
            state.complexity += len(node.ifs) + 1  # type: ignore[attr-defined]
        for name in node._fields:
            value = getattr(node, name, None)
            if isinstance(value, list):
                for item in value:
                    if isinstance(item, ast.AST):
                        self.child(state, item)
            elif isinstance(value, ast.AST):
                self.child(state, value)

    def child(self, state: Complexity, node: ast.AST) -> None:
        """`visit`, with the leaves (names, constants, operators: most nodes) handled in place."""
        kind = type(node)
        if kind in FIELDLESS_NODES:
            return
        if kind is ast.Name or kind is ast.Constant:
            line = node.lineno  # type: ignore[attr-defined]
            if line > state.max_line:
                state.max_line = line
        elif kind in _SPECIAL:
            self.visit(state, node)
        else:
            self.generic(state, node, kind)

    def function(self, state: Complexity, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.ends[(node.lineno, node.col_offset)] = node.end_lineno or node.lineno
        closures: list[Function] = []
        body_complexity = 1
        last = Complexity(off=False)
        for child in node.body:
            last = Complexity(off=False)
            self.visit(last, child)
            closures.extend(last.functions)
            body_complexity += last.complexity
        endline = max(node.lineno, last.max_line)
        state.functions.append(
            Function(
                node.name,
                node.lineno,
                node.col_offset,
                endline,
                state.to_method,
                state.classname,
                closures,
                body_complexity,
            )
        )

    def klass(self, state: Complexity, node: ast.ClassDef) -> None:
        methods: list[Function] = []
        inner_classes: list[Class] = []
        body_complexity = 1
        max_lines: list[float] = [node.lineno]
        for child in node.body:
            body = Complexity(to_method=True, classname=node.name, off=False)
            self.visit(body, child)
            methods.extend(body.functions)
            body_complexity += body.complexity + body.functions_complexity + len(body.functions)
            max_lines.append(body.max_line)
            inner_classes.extend(body.classes)
        endline = max(max_lines + [m.endline for m in methods])
        state.classes.append(
            Class(node.name, node.lineno, node.col_offset, endline, methods, inner_classes, body_complexity)
        )
