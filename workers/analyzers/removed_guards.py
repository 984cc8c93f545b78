"""Removed guards: a dangerous call whose line the change left alone, but whose check it deleted.

The engine drops a finding as pre-existing (the base had it) or out of scope (its lines did
not change). When the change deletes the condition that protected the call in the base
(`if not allowed: raise`, an `if trusted:` around it, an `assert`, an allow-list test), the
call is new risk all the same. `revive(findings, base, head)` returns the findings whose
guard was removed, their message naming the removed guard's base lines.

Guards, in the base version of the function holding the call:
- an early exit before it in the same or an enclosing block: `if <test>: raise / return /
  continue / break / abort(...) / sys.exit(...)` (no else);
- an `if <test>:` whose body or else holds it;
- an `assert <test>` before it.
A guard is removed when no guard with the same test text dominates the same call in the head.
"""

from __future__ import annotations

import ast
import dataclasses
import functools
import hashlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from prguard.analyzers.base import SourceFile
from prguard.engine.model import Finding, Severity
from prguard.index.snapshot import BlobCache, versioned_cache

FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef
_EXIT_CALLS = frozenset({"abort", "exit", "_exit", "quit", "fail", "deny", "forbidden"})


@dataclasses.dataclass(frozen=True)
class Guard:
    test: str  # normalised text of the condition
    line: int
    end_line: int
    kind: str  # early-exit | enclosing-if | assert


def revive_in(findings: Iterable[Finding], ctx) -> list[Finding]:
    """`revive` for one file context (the analyzers' `revive_existing` hook); [] when a version
    does not parse. What it reads of the base (the guards of a statement in a base function) is
    kept by the base's content (`_KeptGuards`), so the base of a pull request is parsed for this
    once, not at every push."""
    if ctx.base is None or not ctx.is_python:
        return []
    findings = [f for f in findings if f.severity in (Severity.HIGH, Severity.MEDIUM) and f.cwe is not None]
    if not findings or set(ctx.base.lines) <= set(ctx.head.lines):
        return []  # nothing serious dropped, or the change removed no line: no guard can be gone
    base = _KeptGuards(ctx.base)
    try:
        revived = _revive(findings, base, ctx.head.tree)
    except (SyntaxError, ValueError, RecursionError):
        return []
    base.save()
    return revived


def revive(findings: Iterable[Finding], base_tree: ast.Module, head_tree: ast.Module) -> list[Finding]:
    """Findings (dropped as existing or out of scope) whose guard in the base the head removed."""
    return _revive(findings, _TreeGuards(base_tree), head_tree)


class _TreeGuards:
    """The base side of `revive`, read from its tree."""

    def __init__(self, tree: ast.Module) -> None:
        self.functions = dict(_functions(tree))

    def guards(self, qualname: str, text: str) -> list[Guard] | None:
        """The guards of the first statement of the base function `qualname` whose code is `text`
        (None: no such function, or no such statement in it)."""
        function = self.functions.get(qualname)
        if function is None:
            return None
        stmt = next((s for s in _statements(function) if ast.unparse(s) == text), None)
        return None if stmt is None else guards_of(function, stmt)


#: what a kept answer depends on besides the base's content: this module's code and the Python
#: version (`ast.unparse` spells code per version)
_KEPT_VERSION = 1


class _KeptGuards:
    """`_TreeGuards` answers for one base version, kept on disk by its content (a BlobCache, as the
    complexity analyzer keeps its base summaries); the base is parsed only for a question not
    answered before."""

    def __init__(self, base: SourceFile) -> None:
        self.base = base
        self.cache = _kept_cache()
        self.key = hashlib.sha1(base.text.encode("utf-8", "surrogatepass"), usedforsecurity=False).hexdigest()
        kept = self.cache.get_plain(self.key) if self.cache is not None else None
        self.answers: dict[str, Any] = kept if isinstance(kept, dict) else {}
        self.new = 0
        self._tree: _TreeGuards | None = None

    def guards(self, qualname: str, text: str) -> list[Guard] | None:
        key = f"{qualname}\0{text}"
        if key in self.answers:
            kept = self.answers[key]
            return None if kept is None else [Guard(*row) for row in kept]
        if self._tree is None:
            self._tree = _TreeGuards(self.base.tree)
        found = self._tree.guards(qualname, text)
        self.answers[key] = None if found is None else [dataclasses.astuple(g) for g in found]
        self.new += 1
        return found

    def save(self) -> None:
        if self.new and self.cache is not None:
            self.cache.put_plain(self.key, self.answers)


@functools.cache
def _kept_cache() -> BlobCache | None:
    return versioned_cache("removed-guards", str(_KEPT_VERSION), [Path(__file__)])


def _revive(
    findings: Iterable[Finding], base: _TreeGuards | _KeptGuards, head_tree: ast.Module
) -> list[Finding]:
    out: list[Finding] = []
    head_functions = dict(_functions(head_tree))
    for finding in findings:
        if finding.severity not in (Severity.HIGH, Severity.MEDIUM) or finding.cwe is None:
            continue
        found = _statement_at(head_functions, finding.start_line)
        if found is None:
            continue
        qualname, head_stmt, head_func = found
        base_guards = base.guards(qualname, ast.unparse(head_stmt))
        if base_guards is None:
            continue
        kept = {g.test for g in guards_of(head_func, head_stmt)}
        removed = [g for g in base_guards if g.test not in kept]
        if not removed:
            continue
        where = ", ".join(
            f"base line {g.line}" if g.line == g.end_line else f"base lines {g.line}-{g.end_line}"
            for g in removed
        )
        tests = "; ".join(f"`{_short(g.test)}`" for g in removed)
        message = f"{finding.message} The change removed the check that guarded this call ({where}: {tests})."
        out.append(dataclasses.replace(finding, message=message))
    return out


def guards_of(function: FunctionNode, target: ast.stmt) -> list[Guard]:
    """The guards dominating `target` inside `function` (see the module docstring)."""
    path = _path_to(function.body, target)
    if path is None:
        return []
    guards: list[Guard] = []
    for block, index, container in path:
        for stmt in block[:index]:
            if isinstance(stmt, ast.If) and not stmt.orelse and _exits(stmt.body):
                guards.append(
                    Guard(
                        _norm(stmt.test), stmt.lineno, stmt.body[-1].end_lineno or stmt.lineno, "early-exit"
                    )
                )
            elif isinstance(stmt, ast.Assert):
                guards.append(Guard(_norm(stmt.test), stmt.lineno, stmt.end_lineno or stmt.lineno, "assert"))
        if isinstance(container, ast.If | ast.While):
            guards.append(
                Guard(
                    _norm(container.test),
                    container.lineno,
                    container.test.end_lineno or container.lineno,
                    "enclosing-if",
                )
            )
    return guards


def _path_to(body: list[ast.stmt], target: ast.stmt, container: ast.AST | None = None):
    """[(block, index of the step in it, the statement owning the block)] down to `target`."""
    for index, stmt in enumerate(body):
        if stmt is target:
            return [(body, index, container)]
        for field in ("body", "orelse", "finalbody"):
            inner = getattr(stmt, field, None)
            if (
                isinstance(inner, list)
                and inner
                and not isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
            ):
                found = _path_to(inner, target, stmt)
                if found is not None:
                    return [(body, index, container), *found]
        for handler in getattr(stmt, "handlers", []) or []:
            found = _path_to(handler.body, target, handler)
            if found is not None:
                return [(body, index, container), *found]
    return None


def _exits(body: list[ast.stmt]) -> bool:
    last = body[-1] if body else None
    if isinstance(last, ast.Raise | ast.Return | ast.Continue | ast.Break):
        return True
    if isinstance(last, ast.Expr) and isinstance(last.value, ast.Call):
        func = last.value.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        return name in _EXIT_CALLS
    return False


def _functions(tree: ast.Module | ast.ClassDef, prefix: str = "") -> Iterator[tuple[str, FunctionNode]]:
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield f"{prefix}{node.name}", node
        elif isinstance(node, ast.ClassDef):
            yield from _functions(node, f"{prefix}{node.name}.")


def _statements(function: FunctionNode) -> Iterator[ast.stmt]:
    for node in ast.walk(function):
        if isinstance(node, ast.stmt) and node is not function:
            yield node


def _statement_at(functions: dict[str, FunctionNode], line: int) -> tuple[str, ast.stmt, FunctionNode] | None:
    """The innermost simple statement starting at `line`, with its function."""
    for qualname, function in functions.items():
        if not function.lineno <= line <= (function.end_lineno or function.lineno):
            continue
        best = None
        for stmt in _statements(function):
            if stmt.lineno == line and not isinstance(
                stmt, ast.If | ast.For | ast.While | ast.With | ast.Try
            ):
                best = stmt
        if best is None:
            for stmt in _statements(function):
                if stmt.lineno <= line <= (stmt.end_lineno or stmt.lineno) and not hasattr(stmt, "body"):
                    best = stmt
        if best is not None:
            return qualname, best, function
    return None


def _norm(node: ast.AST) -> str:
    return " ".join(ast.unparse(node).split())


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
