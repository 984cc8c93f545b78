"""The engine's contract for analyzers that read a little of other files (`reads_other_files`):
`prepare` once per review with the repository, reads cached with the output, a cached output reused
only while the same questions get the same answers."""

from __future__ import annotations

from typing import Any

from prguard.engine.cache import MemoryCache
from prguard.engine.model import Finding, Severity, make_fingerprint
from prguard.engine.plugin import Analyzer, FileContext
from prguard.engine.review import review
from prguard.index.snapshot import RepositorySnapshot

from tests.unit.engine_helpers import added, make_policy


class ConstantReader(Analyzer):
    """Reports, on a file that says `# uses NAME`, the value other files give NAME (`NAME = value`)."""

    name = "instrumentation"  # a policy section that exists; the engine only needs a name
    reads_other_files = True

    def __init__(self) -> None:
        self.prepared: list[tuple[list[str], Any]] = []
        self.values: dict[str, str] = {}
        self.reads: dict[str, dict[str, str]] = {}
        self.analysed: list[str] = []

    def prepare(self, files: list[FileContext], repository: Any | None) -> None:
        self.prepared.append(([ctx.path for ctx in files], repository))
        sources = {ctx.path: ctx.head.text for ctx in files}
        if repository is not None:
            others = [p for p in repository.blobs if p not in sources]
            sources.update({p: c.decode() for p, c in repository.read(others).items()})
        self.values = {}
        for text in sources.values():
            for line in text.splitlines():
                name, sep, value = line.partition(" = ")
                if sep:
                    self.values[name] = value

    def analyze_file(self, ctx: FileContext) -> list[Finding]:
        self.analysed.append(ctx.path)
        found, asked = [], {}
        for number, line in enumerate(ctx.head.lines, 1):
            if line.startswith("# uses "):
                name = line.removeprefix("# uses ")
                asked[name] = self.values.get(name, "-")
                found.append(
                    Finding(
                        rule_id="PG-TEST001",
                        analyzer=self.name,
                        severity=Severity.LOW,
                        path=ctx.path,
                        start_line=number,
                        end_line=number,
                        message=f"{name} is {asked[name]}",
                        fingerprint=make_fingerprint(ctx.path, "PG-TEST001", name),
                    )
                )
        self.reads[ctx.path] = asked
        return found

    def cross_file_reads(self, ctx: FileContext) -> dict[str, str]:
        return self.reads.pop(ctx.path, {})

    def cross_file_answers(self, questions: Any) -> dict[str, str]:
        return {name: self.values.get(name, "-") for name in questions}


def run(analyzer: ConstantReader, files, cache, repository=None):
    result = review(
        files, make_policy(), ai_authored=False, analyzers=[analyzer], cache=cache, repository=repository
    )
    return [f.message for f in result.findings]


def test_prepare_sees_the_change_and_the_repository_once() -> None:
    analyzer = ConstantReader()
    snapshot = RepositorySnapshot.from_files({"conf.py": b"LIMIT = 5\n"})
    assert run(analyzer, [added("app.py", "# uses LIMIT\n")], None, snapshot) == ["LIMIT is 5"]
    assert analyzer.prepared == [(["app.py"], snapshot)]


def test_a_cached_output_holds_only_while_its_reads_give_the_same_answers() -> None:
    cache, analyzer = MemoryCache(), ConstantReader()
    app = added("app.py", "# uses LIMIT\n")
    assert run(analyzer, [app, added("conf.py", "LIMIT = 5\n")], cache) == ["LIMIT is 5"]
    analyzer.analysed.clear()
    # another file changes, LIMIT does not: app.py comes from the cache
    assert run(analyzer, [app, added("conf.py", "LIMIT = 5\nOTHER = 1\n")], cache) == ["LIMIT is 5"]
    assert analyzer.analysed == ["conf.py"]
    # LIMIT changes: app.py's cached output is stale and is not used
    assert run(analyzer, [app, added("conf.py", "LIMIT = 6\n")], cache) == ["LIMIT is 6"]
    assert analyzer.analysed == ["conf.py", "app.py", "conf.py"]


def test_an_analyzer_that_cannot_answer_now_is_asked_again() -> None:
    cache, analyzer = MemoryCache(), ConstantReader()
    app = added("app.py", "# uses LIMIT\n")
    run(analyzer, [app], cache)

    class Forgetful(ConstantReader):
        def cross_file_answers(self, questions: Any) -> dict[str, str]:
            raise LookupError("nothing known")

    forgetful = Forgetful()
    assert run(forgetful, [app], cache) == ["LIMIT is -"]
    assert forgetful.analysed == ["app.py"]
