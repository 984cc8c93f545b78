"""The policy's own rules (`rules:`): forbidden calls and imports, required keyword
arguments and decorators (Python, imports resolved), and regexes over the added lines
of any file type.

The org writes a rule once in its `.github` policy and every repository gets it
(prguard.policies.rules handles inheritance). Regex rules read only the lines a change adds,
so a big file with a one-line change costs one line; the Python kinds parse the file
(already parsed once by the engine) and report only what touches added lines.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Iterator

from prguard.analyzers.base import Analyzer, FileContext
from prguard.analyzers.rules_python import Hit, Imports, RuleVisitor
from prguard.analyzers.rules_table import Rule, compile_rules, module_match
from prguard.engine.model import Confidence, Finding, make_fingerprint

MAX_REGEX_LINE = 20_000  # characters of one added line a regex rule reads (minified files)


class RulesAnalyzer(Analyzer):
    name = "rules"
    languages = frozenset({"*"})
    order = 50
    precedence = 30
    report_order = 30
    #: an added line is new by definition; the base is never re-scanned
    compare_with_base = False

    def __init__(self) -> None:
        self._compiled: dict[str, list[Rule]] = {}

    def rules_for(self, policy) -> list[Rule]:
        """The effective policy's rules, compiled once per policy."""
        digest = policy.digest
        if digest not in self._compiled:
            self._compiled = {digest: compile_rules(policy.get("rules", default=[]))}
        return self._compiled[digest]

    def analyze_file(self, ctx: FileContext) -> Iterable[Finding]:
        rules = [r for r in self.rules_for(ctx.policy) if r.applies_to_path(ctx.path)]
        if not rules:
            return []
        findings = list(self._regex(ctx, [r for r in rules if r.kind == "regex"]))
        python = [r for r in rules if r.is_python]
        if python and ctx.is_python:
            findings.extend(self._python(ctx, python))
        return findings

    # --- regex rules: added lines only -------------------------------------------------

    def _regex(self, ctx: FileContext, rules: list[Rule]) -> Iterator[Finding]:
        if not rules:
            return
        lines = ctx.head.lines
        for number in sorted(ctx.diff.added_lines):
            if not 0 < number <= len(lines):
                continue
            text = lines[number - 1][:MAX_REGEX_LINE]
            for rule in rules:
                assert rule.pattern is not None
                match = rule.pattern.search(text)
                if match is None:
                    continue
                yield Finding(
                    rule_id=rule.id,
                    analyzer=self.name,
                    severity=rule.severity,
                    path=ctx.path,
                    start_line=number,
                    end_line=number,
                    message=rule.message,
                    fingerprint=make_fingerprint(rule.id, ctx.path, text),
                    confidence=Confidence.HIGH,
                    cwe=rule.cwe,
                    suggestion=_regex_fix(rule, text),
                    title=rule.id,
                    start_column=match.start() + 1,
                    end_column=match.end() + 1,
                )

    # --- Python rules --------------------------------------------------------------------

    def _python(self, ctx: FileContext, rules: list[Rule]) -> Iterator[Finding]:
        try:
            tree = ctx.head.tree
        except (SyntaxError, ValueError, RecursionError):
            return  # the engine lists unparsable in-scope files as skipped
        visitor = RuleVisitor(rules, Imports.of(tree))
        for hit in visitor.run(tree):
            yield self._finding(ctx, hit)

    def _finding(self, ctx: FileContext, hit: Hit) -> Finding:
        node = hit.node
        start = node.lineno
        end = start if hit.rule.kind == "required_decorator" else (node.end_lineno or start)
        rule = hit.rule
        return Finding(
            rule_id=rule.id,
            analyzer=self.name,
            severity=rule.severity,
            path=ctx.path,
            start_line=start,
            end_line=end,
            message=f"{rule.message} ({hit.detail})",
            fingerprint=make_fingerprint(rule.id, ctx.path, _snippet(ctx, hit), hit.scope),
            confidence=Confidence.HIGH,
            cwe=rule.cwe,
            suggestion=_python_fix(rule, node, ctx.head.lines) if rule.fix else None,
            title=rule.id,
            start_column=getattr(node, "col_offset", 0) + 1,
            relevant_lines=hit.relevant,
        )


def _snippet(ctx: FileContext, hit: Hit) -> str:
    """What identifies the finding: the code of a call or import, the function of a decorator rule."""
    if hit.rule.kind == "required_decorator":
        return hit.detail
    return ctx.head.segment(hit.node)


def _regex_fix(rule: Rule, line: str) -> str | None:
    if rule.fix is None or rule.pattern is None:
        return None
    try:
        fixed = rule.pattern.sub(rule.fix, line)
    except (re.error, IndexError):  # a bad group reference in `fix`: no suggestion
        return None
    return fixed if fixed != line else None


def _python_fix(rule: Rule, node: ast.AST, lines: list[str]) -> str | None:
    """Replacement text for the finding's lines (start..end), or None when it cannot be built."""
    fix = rule.fix or ""
    start = getattr(node, "lineno", 0)
    end = getattr(node, "end_lineno", None) or start
    if not 0 < start <= end <= len(lines):
        return None
    if rule.kind == "required_decorator":
        line = lines[start - 1]
        indent = line[: len(line) - len(line.lstrip())]
        return f"{indent}@{fix.lstrip('@')}\n{line}"
    block = lines[start - 1 : end]
    if rule.kind == "forbidden_call" and isinstance(node, ast.Call):
        func = node.func
        if func.lineno != func.end_lineno:
            return None
        first = block[func.lineno - start]
        begin, stop = _char(first, func.col_offset), _char(first, func.end_col_offset or 0)
        block[func.lineno - start] = first[:begin] + fix + first[stop:]
        return "\n".join(block)
    if rule.kind == "required_kwarg" and isinstance(node, ast.Call):
        return _add_argument(block, _char(block[-1], (node.end_col_offset or 1) - 1), fix)
    if rule.kind == "forbidden_import" and start == end:
        line = block[0]
        module = _imported_module(node, rule)
        if module and module in line:
            return line.replace(module, fix, 1)
    return None


def _add_argument(block: list[str], paren: int, argument: str) -> str | None:
    """Insert `argument` before the call's closing parenthesis (at `paren` on the last line)."""
    last = block[-1]
    if paren >= len(last) or last[paren] != ")":
        return None
    head = last[:paren]
    preceding = "\n".join([*block[:-1], head]).rstrip()
    if head.strip() or len(block) == 1:  # `f(a)` or `    b)`: add on the same line
        separator = "" if preceding.endswith("(") else (" " if preceding.endswith(",") else ", ")
        block[-1] = head.rstrip() + separator + argument + last[paren:]
    else:  # the `)` stands on its own line: one more argument line above it
        previous = block[-2]
        indent = previous[: len(previous) - len(previous.lstrip())]
        if not previous.rstrip().endswith((",", "(")):
            block[-2] = previous.rstrip() + ","
        block.insert(-1, f"{indent}{argument},")
    return "\n".join(block)


def _imported_module(node: ast.AST, rule: Rule) -> str | None:
    if isinstance(node, ast.ImportFrom):
        return node.module
    if isinstance(node, ast.Import) and rule.module:
        return next((a.name for a in node.names if module_match(rule.module, a.name)), None)
    return None


def _char(line: str, byte_offset: int) -> int:
    """ast column offsets count UTF-8 bytes; strings count characters."""
    return len(line.encode("utf-8")[:byte_offset].decode("utf-8", "ignore"))
