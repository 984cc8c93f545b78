"""Instrumentation & safeguards: silent failures in new code (no logs, no timeout, no retry, swallowed
errors, queries and paid calls in loops), with mechanical fixes where one exists.

One AST pass per file (`facts.Scanner`) records facts: imports, client objects, functions with their
calls, loops and `except` clauses. `evaluator.Evaluator` judges those facts against the rule tables in
`rules` and the policy, without walking the tree again; each check family lives in its own module
(`timeouts`, `connections`, `errors`, `loops`, `observability`, `retries`). Function-level findings
are anchored on the `def` line with the whole function as `relevant_lines`, so the engine's
changed-lines filter reports a function when any of its lines changed; call-level findings sit on the
call.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from typing import Any

from prguard.analyzers.base import Analyzer, FileContext
from prguard.analyzers.instrumentation.crossfile import HelperIndex
from prguard.analyzers.instrumentation.errors import ErrorChecks
from prguard.analyzers.instrumentation.evaluator import effective_settings
from prguard.analyzers.instrumentation.facts import Scanner
from prguard.analyzers.instrumentation.loops import LoopChecks
from prguard.analyzers.instrumentation.retries import RetryChecks
from prguard.analyzers.testpaths import is_test_path
from prguard.engine.model import Finding

__all__ = ["InstrumentationAnalyzer", "effective_settings"]


class _Rules(RetryChecks, ErrorChecks, LoopChecks):
    """Every check family over one file's facts; `run` yields the findings of the enabled ones."""

    def run(self) -> Iterator[Finding]:
        if self.enabled("timeouts"):
            yield from self.timeouts()
        if self.enabled("swallowed_errors"):
            yield from self.swallowed_errors()
        if self.enabled("loops"):
            yield from self.loops()
        if not (self.enabled("observability") or self.enabled("retries")):
            return
        kinds = {id(f.node): self.function_kinds(f) for f in self.facts.functions}
        if self.enabled("observability"):
            yield from self.observability(kinds)
        if self.enabled("retries"):
            yield from self.retries(kinds)


class InstrumentationAnalyzer(Analyzer):
    """Flags missing instrumentation and safeguards in Python files (see module docstring)."""

    name = "instrumentation"
    order = 30
    precedence = 20
    report_order = 40
    reads_other_files = True  # which helpers of the repository make outbound calls (crossfile)

    def __init__(self) -> None:
        self.helpers: HelperIndex | None = None
        self._reads: dict[str, dict[str, str]] = {}  # path -> what its last analysis asked of other files

    def prepare(self, files: list[FileContext], repository: Any | None) -> None:
        """The repository's helpers, read on demand from the change and the snapshot (if any)."""
        self.helpers = None
        settings = effective_settings(files[0].settings if files else {})
        if settings.get("enabled", True) and settings["checks"].get("loops", {}).get("enabled", False):
            self.helpers = HelperIndex.for_review(files, repository, settings)

    def cross_file_reads(self, ctx: FileContext) -> dict[str, str]:
        return self._reads.pop(ctx.path, {})

    def cross_file_answers(self, questions: Collection[str]) -> dict[str, str]:
        if self.helpers is None:
            raise LookupError("no helpers known in this review")
        return {question: self.helpers.answer(question) for question in questions}

    def analyze_file(self, ctx: FileContext) -> Iterable[Finding]:
        self._reads.pop(ctx.path, None)
        settings = effective_settings(ctx.settings)
        if not self._analyzes(ctx, settings):
            return []
        facts = self.helpers.scan(ctx.path, ctx.head) if self.helpers else Scanner(ctx.head).scan()
        rules = _Rules(ctx, settings, facts, helpers=self.helpers)
        findings = list(rules.run())
        self._reads[ctx.path] = rules.reads
        return findings

    @staticmethod
    def _analyzes(ctx: FileContext, settings: dict[str, Any]) -> bool:
        if not settings.get("enabled", True):
            return False
        # test code is not a production path (policy: include_tests)
        return not is_test_path(ctx.path) or bool(settings.get("include_tests", False))
