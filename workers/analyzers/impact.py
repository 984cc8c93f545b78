"""The impact analyzer: blast radius of the changed functions and the call sites a change left
behind (PG-IMPACT001/002), over the whole repository the caller hands the review.

It runs only in reviews given the repository (`review(repository=...)`: the CLI's local git
tree, the App's repository archive); the index and the rules are prguard.index.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

from prguard.engine.model import Finding
from prguard.engine.plugin import Analyzer, FileContext


class ImpactAnalyzer(Analyzer):
    name: ClassVar[str] = "impact"
    languages: ClassVar[frozenset[str]] = frozenset({"python"})
    order: ClassVar[int] = 90
    precedence: ClassVar[int] = 90
    report_order: ClassVar[int] = 90
    compare_with_base: ClassVar[bool] = False  # it compares base with head itself
    cacheable: ClassVar[bool] = False  # a file's findings depend on every other file
    needs_repository: ClassVar[bool] = True
    scopes_itself: ClassVar[bool] = True  # a removed definition's finding has no added line to sit on
    runs_apart: ClassVar[bool] = True  # beside the per-file analyzers, on a second core

    def __init__(self) -> None:
        self.sections: Mapping[str, Any] = {}
        self.risk_points = 0.0

    def analyze(self, files: list[FileContext]) -> Iterator[Finding]:
        from prguard.index.impact import assess, reach_points

        if not files:
            return
        repository = files[0].extra.get("repository")
        changed = files[0].extra.get("changed_files") or ()
        if repository is None:
            return
        scope = files[0].policy.get("scope", default="changed_lines") if files[0].policy else "changed_lines"
        assessment = assess(repository, list(changed))
        repository.forget_facts()  # assessed: nothing reads them again in this review
        self.sections = {"impact": assessment.impact}
        self.risk_points = reach_points(assessment.reach)
        yield from assessment.for_scope(str(scope))
