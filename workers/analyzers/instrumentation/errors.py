"""Swallowed errors (PG-ERR001/002): broad `except` clauses that hide failures."""

from __future__ import annotations

import ast
import json
from collections.abc import Iterator

from prguard.analyzers.instrumentation import fixes
from prguard.analyzers.instrumentation import rules as R
from prguard.analyzers.instrumentation.evaluator import Evaluator, matches
from prguard.analyzers.instrumentation.facts import Call, ExceptInfo, Function, Scanner
from prguard.engine.model import Finding


class ErrorChecks(Evaluator):
    """The swallowed-errors check."""

    def swallowed_errors(self) -> Iterator[Finding]:
        for handler in self.facts.excepts:
            node = handler.node
            if handler.optional_import or handler.best_effort_cleanup or self._acknowledged(node):
                continue  # an optional dependency, a best-effort close(), or a lint-waived broad except
            if handler.function and handler.function.name in R.TEARDOWN_FUNCTIONS:
                continue  # a destructor or a close()/quit(): failing to tear down is not worth raising
            if not self._broad(node.type) or self._reports(node):
                continue
            printed = [s for s in node.body if self._is_output(s)]
            rest = [s for s in node.body if not _is_trivial(s) and s not in printed]
            # taking back the attempt's own bookkeeping (`count -= 1`, `del uris[i]`) records nothing
            undone = [s for s in rest if _undoes_a_count(s, handler) or isinstance(s, ast.Delete)]
            rest = [s for s in rest if s not in undone]
            where = handler.function.qualname + "()" if handler.function else "module level"
            caught = "bare `except:`" if node.type is None else f"`except {ast.unparse(node.type)}`"
            only = " only prints it and" if printed else ""
            retried = self._retry_then_default(handler, rest)
            if retried is not None:
                rule_id = "PG-ERR002"
                keep = [s for s in node.body if not isinstance(s, ast.Pass) and not _is_ellipsis(s)]
                message = (
                    f"{caught} in {where}{only} retries, and after the last attempt the function returns "
                    f"a default (line {retried}) without logging: callers cannot tell a failure from an "
                    "empty result. Log the last error, or raise it."
                )
                log_message = f"Attempt failed in {where}"
            elif not rest or self._waits_and_goes_on(handler, rest):
                rule_id = "PG-ERR001"
                keep = [
                    s
                    for s in node.body
                    if isinstance(s, ast.Continue | ast.Break) or s in printed or s in rest or s in undone
                ]
                action = "continue" if any(isinstance(s, ast.Continue | ast.Break) for s in keep) else "pass"
                message = (
                    f"{caught} in {where}{only} swallows every error ({action}) without logging or "
                    "re-raising: failures vanish and bugs look like success. Log it "
                    "(`logger.exception(...)`) or catch only the exception you expect."
                )
                log_message = (
                    f"Ignored error in {where}" if action == "pass" else f"Skipped after error in {where}"
                )
            elif (
                _is_default_fallback(rest)
                and not (_predicate_answer(handler, rest) and not self._guards_remote_call(handler))
                and not _records_failure(handler, rest)
            ):
                rule_id = "PG-ERR002"
                keep = [s for s in node.body if not isinstance(s, ast.Pass) and not _is_ellipsis(s)]
                message = (
                    f"{caught} in {where}{only} falls back to a default value without logging: callers "
                    "cannot tell a failure from an empty result. Log the exception before falling back."
                )
                log_message = f"Falling back to a default after error in {where}"
            else:
                continue
            suggestion = None
            if self.logger_name:
                log_call = f"{self.logger_name}.exception({json.dumps(log_message)})"
                suggestion = fixes.log_in_handler(self.ctx.head.lines, node, log_call, keep)
            yield self.finding(
                rule_id,
                node,
                message,
                snippet=self.ctx.head.segment(node),
                context=handler.function.qualname if handler.function else "",
                suggestion=suggestion,
            )

    def _guards_remote_call(self, handler: ExceptInfo) -> bool:
        """The `try` makes a request, query or paid call: a predicate's `return False` then hides
        the remote side's failure instead of answering the question."""
        checks = (self.http_call, self.paid_call, self.query_call)
        for stmt in handler.guarded:
            for node in ast.walk(stmt):
                call = self.call_of(node) if isinstance(node, ast.Call) else None
                if call is not None and any(check(call) for check in checks):
                    return True
        return False

    def _acknowledged(self, handler: ast.ExceptHandler) -> bool:
        """`except Exception:  # pylint: disable=broad-except` / `# noqa: BLE001`: a reviewed decision."""
        line = self.ctx.head.lines[handler.lineno - 1] if handler.lineno <= len(self.ctx.head.lines) else ""
        return bool(R.BROAD_EXCEPT_WAIVERS.search(line))

    def _broad(self, kind: ast.expr | None) -> bool:
        if kind is None:
            return True
        if isinstance(kind, ast.Tuple):
            return any(self._broad(e) for e in kind.elts)
        name = self.facts.resolve(kind) or ""
        return name.rsplit(".", 1)[-1] in {"Exception", "BaseException"}

    def _is_output(self, stmt: ast.stmt) -> bool:
        """`print(...)`, `sys.stderr.write(...)`, `traceback.print_exc()`: text on a console nobody
        reads in production, not a log record; also such output under a condition (`if not silent:
        print(...)`)."""
        if isinstance(stmt, ast.If):
            return bool(stmt.body) and all(self._is_output(s) for s in [*stmt.body, *stmt.orelse])
        if not (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call)):
            return False
        dotted = self.facts.resolve(stmt.value.func) or ""
        if dotted in R.CONSOLE_OUTPUT:
            return True
        helper = self.facts.module_functions.get(dotted)  # `write("Ignored: " + str(e))`, a printer
        return helper is not None and self._only_prints(helper)

    def _only_prints(self, helper: Function) -> bool:
        """A module function of this file that writes to the console and records nothing else."""
        calls = helper.calls
        return any((c.dotted or "") in R.CONSOLE_OUTPUT for c in calls) and not any(
            self.is_instrumentation(c) for c in calls
        )

    def _retry_then_default(self, handler: ExceptInfo, rest: list[ast.stmt]) -> int | None:
        """Line of the default the function returns after a retry loop whose handler only waits
        (and prints): `for attempt in range(3): try: return call() except Exception: sleep(1)`
        then `return None`. None when that is not the shape."""
        loop = handler.loop
        if loop is None or loop.why_bounded != "retry" or handler.function is None:
            return None
        if any(not _is_wait(stmt, self.facts) for stmt in rest):
            return None
        after = _statements_after(handler.function.node, loop.node)
        if after is None:
            return None
        tail = [stmt for stmt in after if not self._is_output(stmt)]
        if not tail:
            return (loop.node.end_lineno or loop.node.lineno) + 1  # falls off the end: returns None
        if len(tail) == 1 and isinstance(tail[0], ast.Return) and _is_default_value(tail[0].value):
            return tail[0].lineno
        return None

    def _waits_and_goes_on(self, handler: ExceptInfo, rest: list[ast.stmt]) -> bool:
        """`while True: try: poll() except Exception: time.sleep(1); continue`: in a loop that is not
        a bounded retry (nor a fallback over candidates), a handler that only waits (and prints) before
        the next round swallows the error as surely as `pass`. A retry loop's wait is judged by what the
        function does after the last attempt (`_retry_then_default`)."""
        loop = handler.loop
        if loop is None or loop.bounded or not rest:
            return False
        if not any(isinstance(stmt, ast.Continue) for stmt in handler.node.body):
            return False
        return all(
            isinstance(stmt, ast.Expr | ast.Continue | ast.Pass) and _is_wait(stmt, self.facts)
            for stmt in rest
        )

    def _reports(self, handler: ast.ExceptHandler) -> bool:
        """The handler re-raises, logs, reports, exits, retries, or uses the exception it caught
        (printing it is not reporting it: console output is skipped)."""
        for node in _walk_body([s for s in handler.body if not self._is_output(s)]):
            if isinstance(node, ast.Raise):
                return True
            if handler.name and isinstance(node, ast.Name) and node.id == handler.name:
                return True
            if isinstance(node, ast.Call):
                dotted, text = self.facts.resolve(node.func), self.facts.text_of(node.func)
                if matches(dotted, R.ERROR_REPORTERS):
                    return True
                if text and text.rsplit(".", 1)[-1] == "retry":
                    return True
                if self.is_instrumentation(Call(node, dotted, text, None, None)):
                    return True
        return False


def _walk_body(body: list[ast.stmt]) -> Iterator[ast.AST]:
    """Every node of a block, not descending into nested functions or classes."""
    stack: list[ast.AST] = list(body)
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
            stack.extend(ast.iter_child_nodes(node))


def _is_ellipsis(stmt: ast.stmt) -> bool:
    return isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant)


def _undoes_a_count(stmt: ast.stmt, handler: ExceptInfo) -> bool:
    """`self.download_count -= 1` in the handler of a function that did `self.download_count += 1`:
    taking back the attempt's own bookkeeping records nothing about the failure."""
    if not (isinstance(stmt, ast.AugAssign) and isinstance(stmt.op, ast.Sub) and handler.function):
        return False
    target = ast.dump(stmt.target)
    return any(
        isinstance(node, ast.AugAssign) and isinstance(node.op, ast.Add) and ast.dump(node.target) == target
        for node in ast.walk(handler.function.node)
    )


def _is_trivial(stmt: ast.stmt) -> bool:
    return isinstance(stmt, ast.Pass | ast.Continue | ast.Break) or _is_ellipsis(stmt)


def _is_default_value(node: ast.expr | None) -> bool:
    """None, False, 0, "", NaN or an empty container: a value a caller reads as "nothing there"
    (`float("nan")` is how pandas and numpy spell a missing number).

    A non-empty constant ("<broken repr>", "unknown", -1) is a sentinel the caller can recognise.
    """
    if node is None:
        return True
    if isinstance(node, ast.Constant):
        return node.value is None or node.value is False or node.value in (0, "", b"")
    if isinstance(node, ast.List | ast.Tuple | ast.Set):
        return not node.elts
    if isinstance(node, ast.Dict):
        return not node.keys
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and not node.keywords:
        if node.func.id == "float" and len(node.args) == 1:  # float("nan")
            arg = node.args[0]
            return isinstance(arg, ast.Constant) and str(arg.value).strip().lower() == "nan"
        return not node.args and node.func.id in {"dict", "list", "set", "tuple", "frozenset", "str"}
    return False


def _is_default_fallback(statements: list[ast.stmt]) -> bool:
    """`return None` / `return []` / `result = {}` — the error becomes an ordinary-looking value."""
    for stmt in statements:
        if isinstance(stmt, ast.Return) and _is_default_value(stmt.value):
            continue
        if isinstance(stmt, ast.Assign | ast.AnnAssign) and _is_default_value(stmt.value):
            continue
        return False
    return True


def _is_wait(stmt: ast.stmt, facts: Scanner) -> bool:
    """`time.sleep(...)`, `await asyncio.sleep(...)`, `continue`: what a retry loop's handler does
    between attempts."""
    if isinstance(stmt, ast.Continue | ast.Pass):
        return True
    if isinstance(stmt, ast.Assign | ast.AugAssign):
        return True  # delay *= 2, last_error = ...
    value = stmt.value if isinstance(stmt, ast.Expr) else None
    if isinstance(value, ast.Await):
        value = value.value
    return isinstance(value, ast.Call) and (facts.resolve(value.func) or "").endswith("sleep")


def _statements_after(function: ast.AST, target: ast.AST) -> list[ast.stmt] | None:
    """The statements after `target` in the block that holds it, when that block is the
    function's own body (what runs once the loop is over), else None."""
    body = getattr(function, "body", [])
    for index, stmt in enumerate(body):
        if stmt is target:
            return body[index + 1 :]
    return None


def _records_failure(handler: ExceptInfo, rest: list[ast.stmt]) -> bool:
    """`except Exception: success = False` where the function also sets `success = True`: the handler
    records the failure in a status flag the function reports, it does not hide it. A bare `except:`
    too (the corpus convention: only a handler that passes, continues or returns a default swallows;
    that a bare `except:` also catches Ctrl-C is a linter's finding, E722/B001)."""
    if handler.function is None:
        return False
    flags = [
        (stmt.targets[0].id, stmt.value.value)
        for stmt in rest
        if isinstance(stmt, ast.Assign)
        and len(stmt.targets) == 1
        and isinstance(stmt.targets[0], ast.Name)
        and isinstance(stmt.value, ast.Constant)
        and isinstance(stmt.value.value, bool)
    ]
    if not flags or len(flags) != len(rest):
        return False
    opposite = {
        (target.id, node.value.value)
        for node in ast.walk(handler.function.node)
        if isinstance(node, ast.Assign | ast.AnnAssign)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, bool)
        for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
        if isinstance(target, ast.Name)
    }
    return all((name, not value) in opposite for name, value in flags)


def _predicate_answer(handler: ExceptInfo, rest: list[ast.stmt]) -> bool:
    """`def is_base64(s): try: ... except Exception: return False`: the predicate answers no. A bare
    `except:` (or `BaseException`) still counts as swallowing: it also eats Ctrl-C and `sys.exit`."""
    name = handler.function.name if handler.function else ""
    caught = handler.node.type
    return (
        caught is not None
        and "BaseException" not in ast.unparse(caught)
        and name.startswith(R.PREDICATE_PREFIXES)
        and len(rest) == 1
        and isinstance(rest[0], ast.Return)
        and isinstance(rest[0].value, ast.Constant)
        and rest[0].value.value is False
    )
