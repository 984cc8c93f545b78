"""The analyzer plugin contract: what an analyzer declares, and how the engine finds them.

An analyzer is a subclass of `Analyzer` registered in the `prguard.analyzers` entry-point
group (prguard's own are registered in pyproject.toml the same way as a third party's).
Everything the engine needs to know about one is a declaration on its class (run order,
de-duplication precedence, what it can prove safe, whether it needs all files at once),
so the engine names no analyzer. The AST helpers analyzers share are a separate toolkit
(prguard.analyzers.asttools): a plugin needs none of them.
"""

from __future__ import annotations

import ast
import logging
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, cached_property
from types import MappingProxyType
from typing import Any, ClassVar

from prguard.engine.diffmap import FileDiff
from prguard.engine.model import ChangedFile, Finding, PullRequestInfo, decode_source, source_lines
from prguard.entrypoints import installed_entry_points as installed_entry_points

#: the entry-point group analyzers register in: `name = "package.module:AnalyzerClass"`
ANALYZER_GROUP = "prguard.analyzers"
#: the entry-point group of the AI-authorship detector (one: `detect(pull, files, policy)`)
AUTHORSHIP_GROUP = "prguard.authorship"
#: the rank an analyzer that declares none gets (after prguard's own)
UNRANKED = 1000

log = logging.getLogger(__name__)


@dataclass(eq=False)
class SourceFile:
    """One version (head or base) of a file, decoded, parsed at most once."""

    path: str
    text: str
    #: what analyzers derive from this version of the file and share (the type resolver): made by
    #: the first analyzer that asks, gone with the review
    derived: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def decoded(cls, path: str, data: bytes) -> SourceFile:
        """A version from its bytes (UTF-8, a byte-order mark dropped; raises UnicodeDecodeError)."""
        return cls(path, decode_source(data))

    @cached_property
    def lines(self) -> list[str]:
        return source_lines(self.text)

    @cached_property
    def tree(self) -> ast.Module:
        """The parsed module; raises SyntaxError (the engine checks before analyzers run)."""
        return ast.parse(self.text, filename=self.path)

    def segment(self, node: ast.AST) -> str:
        """Source text of a node, for fingerprints and messages."""
        start = getattr(node, "lineno", 1)
        end = getattr(node, "end_lineno", start) or start
        return "\n".join(self.lines[start - 1 : end])


@dataclass(eq=False)
class FileContext:
    """Everything an analyzer may look at for one changed file."""

    path: str
    language: str  # "python" or a lower-case language/extension name ("yaml", "js", "text", ...)
    head: SourceFile
    base: SourceFile | None
    diff: FileDiff
    settings: dict[str, Any]  # this analyzer's section of the effective policy
    policy: Any  # the whole effective policies.Policy
    ai_authored: bool = False
    pull: PullRequestInfo | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def is_python(self) -> bool:
        return self.language == "python"


_NOTHING_CLEARED: Mapping[str, Collection[tuple[int, int]]] = MappingProxyType({})


class Analyzer:
    """Base class of every analyzer: subclasses set the declarations below and override
    `analyze_file` (one file at a time) or `analyze` (all eligible files of a change at once).
    """

    #: the analyzer's name: its policy section `analyzers.<name>`, the `analyzer` of its findings
    name: ClassVar[str] = ""
    #: languages this analyzer reads; "*" for any text file
    languages: ClassVar[frozenset[str]] = frozenset({"python"})
    #: run order, lowest first (analyzers that run per file always run before the others)
    order: ClassVar[int] = UNRANKED
    #: de-duplication: when analyzers report the same path, line and CWE, the lowest wins; an
    #: analyzer's `cleared` proofs also drop the findings of analyzers ranked after it
    precedence: ClassVar[int] = UNRANKED
    #: position in the reports' per-analyzer counts, lowest first
    report_order: ClassVar[int] = UNRANKED
    #: False when the analyzer already compares base with head itself (complexity),
    #: so the engine's new-versus-existing pass must not run it on the base.
    compare_with_base: ClassVar[bool] = True
    #: False when one file's output cannot be cached by that file's content (it looks across
    #: files, or must refill `redact` on every run): the engine then calls `analyze` once with
    #: every eligible file. Per-file analyzers may publish JSON-able metrics for the review's
    #: stats in `ctx.extra["metrics"]` ({stats key: list of rows}); they are cached with findings.
    cacheable: ClassVar[bool] = True
    #: True when a finding in one file can depend on another file (taint): the engine keeps
    #: every head tree parsed until it has run
    needs_all_files: ClassVar[bool] = False
    #: True when, after a run, `cleared` lists sinks it proved receive no untrusted data
    proves_safe: ClassVar[bool] = False
    #: True when it reads the whole repository (`ctx.extra["repository"]`, the change in
    #: `ctx.extra["changed_files"]`): it runs only in reviews given one (`review(repository=...)`)
    needs_repository: ClassVar[bool] = False
    #: True when its findings are about the change by construction (a definition the diff
    #: removed): the engine's changed-lines filter leaves them alone; it applies `scope` itself
    scopes_itself: ClassVar[bool] = False
    #: True when a file's output also depends on a little of other files (which functions of the
    #: repository make an outbound call): the engine calls `prepare` once per review, before any
    #: file, with the eligible files and the repository snapshot when the review has one (else
    #: None); after each `analyze_file` it asks `cross_file_reads(ctx)` ({question: answer}: what
    #: that run read of other files) and caches them with the output; a cached output is used only
    #: when `cross_file_answers(questions)` gives the same answers now. So the per-file cache stays
    #: correct when another file changes what this one read, and still hits when it does not.
    reads_other_files: ClassVar[bool] = False
    #: True when a cross-file analyzer (not `cacheable`) may run in a forked process beside the
    #: per-file ones (prguard.engine.apart): its run needs nothing they do, changes nothing they
    #: read, and leaves nothing but its findings and the after-run attributes below
    runs_apart: ClassVar[bool] = False

    #: after a run (when `proves_safe`): {path: {(line, CWE)}} of sinks proven safe
    cleared: Mapping[str, Collection[tuple[int, int]]] = _NOTHING_CLEARED
    #: after a run: parts that could not run (coverage is partial; the review says so)
    problems: Sequence[str] = ()
    #: after a run: secret values found, masked everywhere in the review (prguard.engine.redact)
    redact: Collection[str] = ()
    #: after a run: top-level sections it adds to the review's JSON ({"impact": {...}})
    sections: Mapping[str, Any] = MappingProxyType({})
    #: after a run: risk points (0-20) it adds to the review's risk score
    risk_points: float = 0.0

    def accepts(self, ctx: FileContext) -> bool:
        return "*" in self.languages or ctx.language in self.languages

    def analyze(self, files: list[FileContext]) -> Iterator[Finding]:
        """Analyze all eligible files of a change; default: one file at a time."""
        for ctx in files:
            yield from self.analyze_file(ctx)

    def prepare(self, files: list[FileContext], repository: Any | None) -> None:
        """Build what files will read of each other (when `reads_other_files`); default: nothing."""

    def cross_file_reads(self, ctx: FileContext) -> dict[str, str]:
        """After `analyze_file(ctx)`: what it read of other files, {question: answer}."""
        return {}

    def cross_file_answers(self, questions: Collection[str]) -> dict[str, str]:
        """The answers to questions an earlier run recorded (`cross_file_reads`), as of this review."""
        return {}

    def analyze_file(self, ctx: FileContext) -> Iterable[Finding]:
        raise NotImplementedError(f"{type(self).__name__} must implement analyze_file or analyze")


class PluginError(Exception):
    """An entry point that is no usable analyzer (the message names it)."""


@dataclass(frozen=True, slots=True)
class Plugins:
    """Every analyzer class found, in run order, and the entry points that could not be used."""

    analyzers: tuple[type[Analyzer], ...]
    errors: tuple[str, ...]


@cache
def plugins() -> Plugins:
    """Load the `prguard.analyzers` entry points once per process.

    A plugin that fails to import, is no Analyzer subclass or reuses a name is left out and
    reported (the review lists it and its coverage is partial), never a crashed review.
    """
    found: dict[str, type[Analyzer]] = {}
    errors: list[str] = []
    for point in sorted(
        installed_entry_points().select(group=ANALYZER_GROUP), key=lambda p: (p.name, p.value)
    ):
        try:
            cls = point.load()
            _check(point.name, cls, found)
        except Exception as error:  # a third party's import error must not stop reviews
            message = f"analyzer plugin {point.name!r} ({point.value}) not loaded: {error}"
            log.warning(message)
            errors.append(message)
            continue
        found[cls.name] = cls
    ordered = sorted(found.values(), key=lambda cls: (cls.order, cls.name))
    return Plugins(tuple(ordered), tuple(errors))


def _check(entry_name: str, cls: Any, found: Mapping[str, type[Analyzer]]) -> None:
    if not (isinstance(cls, type) and issubclass(cls, Analyzer)):
        raise PluginError(f"{cls!r} is not a subclass of prguard.engine.plugin.Analyzer")
    if cls.name != entry_name:
        raise PluginError(f"its class declares name {cls.name!r}; the entry point must have the same name")
    if cls.name in found:
        raise PluginError(f"an analyzer named {cls.name!r} is already registered ({found[cls.name]!r})")


def registry() -> list[Analyzer]:
    """Fresh instances of every registered analyzer, in run order."""
    return [cls() for cls in plugins().analyzers]


def rank(name: str, attribute: str) -> int:
    """An analyzer's declared `precedence` / `report_order` by name (UNRANKED when unknown)."""
    for cls in plugins().analyzers:
        if cls.name == name:
            return int(getattr(cls, attribute))
    return UNRANKED


AuthorshipDetector = Callable[[PullRequestInfo, Sequence[ChangedFile], Any], Any]


@cache
def authorship_detector() -> AuthorshipDetector | None:
    """The registered AI-authorship detector (prguard's own unless replaced), or None."""
    points = sorted(installed_entry_points().select(group=AUTHORSHIP_GROUP), key=lambda p: p.name)
    replacements = [p for p in points if p.name != "prguard"]  # a third party's replaces prguard's
    chosen = replacements or points
    return chosen[0].load() if chosen else None
