"""The review engine: changed files + policy (+ pull request) → ReviewResult.

Plain Python: no Flask, Celery, Redis or network. The CLI, the Celery worker and the
tests all call `review()`. Steps, in order:

1. authorship (when not given) → the effective policy (`ai_authored:` overrides);
2. file selection (include/exclude, removed, binary, generated, vendored, oversized, unparsable);
3. analyzers on the head versions (per-file results cached by content, and by the answers to what
   an analyzer that reads a little of other files asked there: `reads_other_files`; with `jobs=2`
   the cross-file ones run in a forked process beside the per-file ones: prguard.engine.apart);
4. per file: fingerprints recomputed with secrets masked where a finding's lines hold one
   (prguard.engine.redact) → unique fingerprints → scope (changed lines/files) → new versus
   existing (the same analyzer on the base version, only where in-scope findings remain) →
   suppressions; then de-duplication across analyzers; secrets masked in every message;
5. the gate: conclusion, notes and risk score.
"""

from __future__ import annotations

import dataclasses
import functools
import gc
import hashlib
import time
from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from prguard.engine.addedlines import AddedLines
from prguard.engine.apart import Apart
from prguard.engine.cache import AnalysisCache, CachedAnalysis, cache_key
from prguard.engine.diffmap import FileDiff
from prguard.engine.files import FileRules, Selected, base_parses, parse_base, select_files
from prguard.engine.gate import GateInput, conclude, risk_score
from prguard.engine.model import (
    ChangedFile,
    Finding,
    PullRequestInfo,
    ReviewResult,
    SkippedFile,
    Suppression,
)
from prguard.engine.plugin import UNRANKED, Analyzer, FileContext, SourceFile, authorship_detector, plugins
from prguard.engine.plugin import registry as _registry
from prguard.engine.provenance import ProvenanceSource, annotate, apply_provenance, merge_scoped, scope_of
from prguard.engine.redact import Secrets, mask_fingerprints, redact_findings
from prguard.engine.suppress import FileComments, apply_suppressions

#: base sources (characters, all files together) below which their trees are kept until the
#: filters: their ASTs take ~35x that (35 MB); the 300-file worker benchmark (4 MB) drops them
KEEP_BASE_TREES_BELOW = 1_000_000
#: Python source (characters, all head files together) below which forking the cross-file
#: analyzers into a second process costs more than it saves
FORK_FROM = 20_000
#: seconds the parent waits for the child at least, once its own half is done (then four times as
#: long as that half took): a child that has not answered by then is stopped and its analyzers run
#: in the parent, so a child stuck for any reason costs time, never findings
CHILD_GRACE = 120.0


@dataclass(slots=True)
class AnalyzerStats:
    files: int = 0  # files analysed (cache misses)
    cached: int = 0  # files answered from the cache
    findings: int = 0  # findings reported after every filter
    raw_findings: int = 0
    base_files: int = 0  # base versions read for new-versus-existing (analysed or cached)
    duration_ms: float = 0.0
    errors: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "files": self.files,
            "cached": self.cached,
            "findings": self.findings,
            "raw_findings": self.raw_findings,
            "base_files": self.base_files,
            "duration_ms": round(self.duration_ms, 1),
            "errors": list(self.errors),
        }


@dataclass(slots=True)
class _Run:
    """Mutable state of one review."""

    policy: Any
    ai_authored: bool
    pull: PullRequestInfo | None
    cache: AnalysisCache | None
    deadline: float | None
    notes: list[str] = field(default_factory=list)
    skipped: list[SkippedFile] = field(default_factory=list)
    stats: dict[str, AnalyzerStats] = field(default_factory=dict)
    metrics: dict[str, list[Any]] = field(default_factory=lambda: defaultdict(list))
    dead: set[str] = field(default_factory=set)  # files dropped mid-analysis (too complex, time budget)
    coverage_cut: bool = False
    cache_errors: int = 0
    rule_files: Mapping[str, str] = field(default_factory=dict)  # Semgrep rule texts by location
    repository: Any = None  # the whole repository at the head, for analyzers that need it
    changed_files: Sequence[ChangedFile] = ()
    secrets: Secrets = field(default_factory=lambda: Secrets.of(()))  # values analyzers found (`redact`)
    secret_lines: dict[str, set[int]] = field(default_factory=dict)  # path → lines a secret was found on
    jobs: int = 1  # processes the review may use (prguard.engine.apart)
    dead_at_fork: frozenset[str] = frozenset()  # `dead` when the cross-file analyzers forked
    forked_at: float = 0.0  # time.monotonic() then

    def out_of_time(self) -> bool:
        return self.deadline is not None and time.monotonic() > self.deadline


def review(
    files: Sequence[ChangedFile],
    policy: Any,
    pull: PullRequestInfo | None = None,
    *,
    ai_authored: bool | None = None,
    cache: AnalysisCache | None = None,
    analyzers: Sequence[Analyzer] | None = None,
    time_budget: float | None = None,
    rule_files: Mapping[str, str] | None = None,
    provenance: ProvenanceSource | None = None,
    repository: Any = None,
    jobs: int = 1,
) -> ReviewResult:
    """Review one change.

    `analyzers` replaces `prguard.analyzers.registry()` (tests, benchmarks);
    `time_budget` (seconds) stops analysing further files once spent: the files left
    are listed as skipped and the conclusion is at best `neutral`. `rule_files` maps
    the rule files the policy names (`semgrep.rules`, read at the base ref by the
    caller: see prguard.policies.rulefiles) to their text; analyzers read it from `ctx.extra`.
    `provenance` reads line-level AI provenance (git-ai notes, Agent Trace records, commits)
    for the authorship result's `lines` (prguard.engine.provenance).
    `repository` is the whole repository at the head (a prguard.index.RepositorySnapshot):
    analyzers that declare `needs_repository` run only when it is given, and read it (and the
    whole change) from `ctx.extra["repository"]` and `ctx.extra["changed_files"]`.
    `jobs` is how many processes the review may use: with two, the cross-file analyzers run in a
    forked child beside the per-file ones (prguard.engine.apart); the findings are the same.
    """
    gc_was_enabled = gc.isenabled()
    gc.disable()  # a review allocates millions of AST nodes; cyclic GC passes over them cost ~25%
    # objects someone else froze (a pre-forking server) must stay frozen: park trees only if none are
    park = gc.get_freeze_count() == 0
    try:
        files = list(files)
        if ai_authored is not None or pull is None:
            args = (cache, analyzers, time_budget, rule_files, park, repository, jobs)
            return _review(files, policy, pull, ai_authored, *args)
        notes: list[str] = []
        authorship, is_ai = _authorship(files, policy, pull, None, notes)
        authorship, is_ai = apply_provenance(authorship, is_ai, files, pull, provenance, notes)
        args = (cache, analyzers, time_budget, rule_files, park, repository, jobs)
        if is_ai and scope_of(policy) == "lines" and (authorship or {}).get("lines"):
            human = _review(files, policy, pull, False, *args)
            ai = _review(files, policy, pull, True, *args)
            return merge_scoped(human, ai, authorship or {}, notes)
        result = _review(files, policy, pull, is_ai, *args)
        result.authorship = authorship
        result.notes = notes + result.notes
        annotate(result.findings, authorship)
        return result
    finally:
        if park:
            gc.unfreeze()
        if gc_was_enabled:
            gc.enable()


def _review(
    files: list[ChangedFile],
    policy: Any,
    pull: PullRequestInfo | None,
    ai_authored: bool | None,
    cache: AnalysisCache | None,
    analyzers: Sequence[Analyzer] | None,
    time_budget: float | None,
    rule_files: Mapping[str, str] | None,
    park_trees: bool = False,
    repository: Any = None,
    jobs: int = 1,
) -> ReviewResult:
    started = time.perf_counter()
    notes: list[str] = []
    authorship, is_ai = _authorship(files, policy, pull, ai_authored, notes)
    effective = policy.for_change(is_ai)
    run = _Run(
        policy=effective,
        ai_authored=is_ai,
        pull=pull,
        cache=cache,
        deadline=time.monotonic() + time_budget if time_budget else None,
        notes=notes,
        rule_files=dict(rule_files or {}),
        repository=repository,
        changed_files=files,
        jobs=jobs,
    )

    if analyzers is None:
        chosen = _registry()
        run.notes.extend(plugins().errors)
    else:
        chosen = list(analyzers)
    enabled = [
        a
        for a in chosen
        if effective.analyzer_enabled(a.name)
        and (repository is not None or not getattr(a, "needs_repository", False))
    ]
    # per-file (cacheable) analyzers first: a file too deeply nested for them is dropped
    # before cross-file analyzers see it
    enabled.sort(key=lambda a: not a.cacheable)
    for analyzer in enabled:
        run.stats[analyzer.name] = AnalyzerStats()

    rules = FileRules.from_policy(effective, any("*" in a.languages for a in enabled))
    selection = select_files(files, rules)
    run.skipped.extend(selection.skipped)
    contexts = [_context(selected, run) for selected in selection.files]
    if park_trees:
        # Every tree is parsed now. The per-file sweeps look at the objects allocated since the
        # previous sweep only; without this the first one walks every tree (700k objects on the
        # 318-file benchmark: 0.26 s). Parked objects are still freed when their last reference
        # goes (the trees, once dropped); cycles among them wait for `gc.unfreeze()` at the end.
        gc.freeze()

    for analyzer in enabled:
        if getattr(analyzer, "reads_other_files", False):
            _prepare(analyzer, contexts, run)
    head_findings = _analyze_heads(enabled, contexts, selection.files, run)
    _collect_secrets(enabled, head_findings, run)
    reported, suppressed, pre_existing, out_of_scope = _filter(head_findings, contexts, enabled, run)
    for ctx in contexts:
        _release_trees(ctx, sweep=False)
    reported, duplicates = _deduplicate(reported, {a.name: a.precedence for a in enabled})
    reported, proven_safe = _drop_proven_safe(reported, enabled)
    redact_findings(reported, suppressed, run.secrets)

    for finding in reported:
        if finding.analyzer in run.stats:
            run.stats[finding.analyzer].findings += 1
    added_lines = sum(_added_count(f) for f in files if f.status != "removed" and f.head is not None)
    conclusion, gate_notes = conclude(
        reported,
        GateInput(
            fail_on=str(effective.get("gate", "fail_on", default="high")),
            policy_broken=bool(getattr(effective, "errors", ())),
            skipped_reasons=tuple(s.reason for s in run.skipped),
            failed_analyzers=tuple(name for name, s in run.stats.items() if s.errors),
            coverage_cut=run.coverage_cut,
        ),
    )
    stats: dict[str, Any] = {
        "files_changed": len(files),
        "files_reviewed": sum(1 for ctx in contexts if ctx.path not in run.dead and ctx.extra["reviewed"]),
        "files_skipped": len(run.skipped),
        "files_removed": selection.removed,
        "files_out_of_scope": selection.out_of_scope,
        "lines_added": added_lines,
        "findings": len(reported),
        "pre_existing": pre_existing,
        "suppressed": len(suppressed),
        "outside_diff": out_of_scope,
        "duplicates": duplicates,
        "proven_safe": proven_safe,
        "analyzers": {name: s.to_dict() for name, s in run.stats.items()},
        "complexity_changes": [],
        "maintainability": [],
        "duration_ms": 0.0,
    }
    for key, rows in run.metrics.items():
        stats[key] = rows
    if run.cache_errors:
        stats["cache_errors"] = run.cache_errors
    stats["duration_ms"] = round((time.perf_counter() - started) * 1000, 1)
    return ReviewResult(
        conclusion=conclusion,
        findings=sorted(reported, key=lambda f: (f.path, f.start_line, -f.severity.rank, f.rule_id)),
        skipped=run.skipped,
        suppressed=suppressed,
        stats=stats,
        authorship=authorship,
        risk=min(
            100,
            risk_score(reported, added_lines, is_ai)
            + round(sum(getattr(a, "risk_points", 0) for a in enabled)),
        ),
        sections={k: v for a in enabled for k, v in (getattr(a, "sections", None) or {}).items()},
        notes=run.notes + gate_notes,
        policy=effective,
    )


def _authorship(
    files: list[ChangedFile],
    policy: Any,
    pull: PullRequestInfo | None,
    ai_authored: bool | None,
    notes: list[str],
) -> tuple[dict[str, Any] | None, bool]:
    """(authorship JSON, is AI-authored): the caller's flag wins; else ask the authorship analyzer."""
    if ai_authored is not None:
        return {"ai_authored": bool(ai_authored), "source": "caller"}, bool(ai_authored)
    if pull is None:
        return None, False
    try:
        detect_authorship = authorship_detector()
    except ImportError as error:
        notes.append(f"authorship not judged (authorship analyzer unavailable: {error}); treated as human")
        return None, False
    if detect_authorship is None:
        notes.append("authorship not judged (no authorship detector installed); treated as human")
        return None, False
    try:
        verdict = detect_authorship(pull, files, policy)
        return verdict.to_dict(), bool(verdict.ai_authored)
    except Exception as error:  # a bug there must not stop the review
        notes.append(f"authorship detection failed ({type(error).__name__}: {error}); treated as human")
        return None, False


def _context(selected: Selected, run: _Run) -> FileContext:
    changed = selected.file
    if changed.patch:
        diff = FileDiff.parse(changed.patch)
    elif changed.status == "added" or changed.base is None:
        diff = FileDiff.all_added(len(selected.head.lines))
    else:
        diff = FileDiff(hunks=())
    base = parse_base(changed, changed.path) if selected.language == "python" else _text_base(changed)
    return FileContext(
        path=changed.path,
        language=selected.language,
        head=selected.head,
        base=base,
        diff=diff,
        settings={},
        policy=run.policy,
        ai_authored=run.ai_authored,
        pull=run.pull,
        extra={"selected": selected, "reviewed": False},
    )


def _text_base(changed: ChangedFile) -> SourceFile | None:
    if changed.base is None or changed.status == "added":
        return None
    try:
        return SourceFile.decoded(changed.path, changed.base)
    except UnicodeDecodeError:
        return None


def _eligible(analyzer: Analyzer, ctx: FileContext) -> bool:
    selected: Selected = ctx.extra["selected"]
    if "*" in analyzer.languages:
        return True
    if not selected.in_scope or ctx.language not in analyzer.languages:
        return False
    return selected.parsed if ctx.language == "python" else True


def _for_analyzer(ctx: FileContext, analyzer: Analyzer, run: _Run) -> FileContext:
    extra: dict[str, Any] = {"rule_files": run.rule_files} if run.rule_files else {}
    if run.repository is not None and getattr(analyzer, "needs_repository", False):
        extra["repository"] = run.repository
        extra["changed_files"] = run.changed_files
    return dataclasses.replace(ctx, settings=run.policy.analyzer(analyzer.name), extra=extra)


def _prepare(analyzer: Analyzer, contexts: list[FileContext], run: _Run) -> None:
    """Let an analyzer that reads a little of other files build that once, before any file.

    A failure there costs the cross-file part only: the analyzer still runs file by file.
    """
    eligible = [_for_analyzer(ctx, analyzer, run) for ctx in contexts if _eligible(analyzer, ctx)]
    if not eligible:
        return
    started = time.perf_counter()
    try:
        analyzer.prepare(eligible, run.repository)
    except Exception as error:  # its own files still get analysed
        message = f"{analyzer.name} could not read other files: {type(error).__name__}: {error}"
        run.stats[analyzer.name].errors.append(message)
        run.notes.append(message)
    run.stats[analyzer.name].duration_ms += (time.perf_counter() - started) * 1000


def _still_valid(analyzer: Analyzer, hit: CachedAnalysis, run: _Run) -> bool:
    """A cached output of an analyzer that reads other files holds while what it read there
    (`hit.reads`) gets the same answers in this review."""
    if not getattr(analyzer, "reads_other_files", False) or not hit.reads:
        return True
    try:
        return analyzer.cross_file_answers(list(hit.reads)) == hit.reads
    except Exception:  # a question that cannot be answered now: analyse again
        run.cache_errors += 1
        return False


def _reads_of(analyzer: Analyzer, actx: FileContext, run: _Run) -> dict[str, str] | None:
    """What the run just made read of other files (None: unknown, so its output is not cached)."""
    if not getattr(analyzer, "reads_other_files", False):
        return {}
    try:
        return dict(analyzer.cross_file_reads(actx))
    except Exception:
        run.cache_errors += 1
        return None


def _analyze_heads(
    analyzers: list[Analyzer], contexts: list[FileContext], selected: list[Selected], run: _Run
) -> dict[str, list[Finding]]:
    """Run every analyzer on the head versions; findings by path (raw, before any filter).

    Per-file analyzers run file by file, and the garbage they leave is swept after each
    file. A file's syntax trees are dropped as soon as they all read it (Python ASTs take
    ~35x the source's size), unless a cross-file analyzer (taint) is to read every head
    tree afterwards: then the head trees are dropped after the filters (re-parsing them all
    would cost more time than anything else the engine does, for no lower peak, since every
    head tree is parsed up front). Base trees (complexity parses them) are dropped after
    each file either way: no cross-file analyzer reads them, and keeping them all put the
    300-file worker benchmark from 240 MB to 319 MB; the new-versus-existing pass parses
    again only the bases of files with findings in scope. A small change (bases under
    KEEP_BASE_TREES_BELOW characters in all) keeps its base trees for that pass instead.
    """
    found: dict[str, list[Finding]] = defaultdict(list)
    per_file = [a for a in analyzers if a.cacheable]
    # a cross-file analyzer reads every head tree at once afterwards: dropping them now would
    # only make it parse them all again (the peak is all head trees either way: parsed up front)
    keep_heads = any(a.needs_all_files and "python" in a.languages for a in analyzers)
    # a small change's base trees stay until the filters, which would otherwise parse again
    # those of files with findings (the memory cost is bounded by KEEP_BASE_TREES_BELOW)
    keep_bases = sum(len(ctx.base.text) for ctx in contexts if ctx.base is not None) < KEEP_BASE_TREES_BELOW
    apart = _start_apart(analyzers, contexts, run)
    try:
        _analyze_per_file(per_file, contexts, found, run, keep_heads=keep_heads, keep_bases=keep_bases)
        for analyzer in analyzers:
            if analyzer.cacheable:
                continue
            if (
                apart is not None
                and analyzer.name in apart.names
                and _take_apart(apart, analyzer, contexts, found, run)
            ):
                continue  # (the others run here without waiting for the child)
            _run_batch(analyzer, contexts, found, run)
    finally:
        if apart is not None:
            apart.abandon()  # a no-op once its results are in; else no child outlives the review
    for path in run.dead:
        found.pop(path, None)
    return found


def _analyze_per_file(
    per_file: list[Analyzer],
    contexts: list[FileContext],
    found: dict[str, list[Finding]],
    run: _Run,
    *,
    keep_heads: bool,
    keep_bases: bool,
) -> None:
    """The per-file analyzers, file by file, each file's trees released after it."""
    for ctx in contexts:
        for analyzer in per_file:
            if ctx.path in run.dead or not _eligible(analyzer, ctx):
                continue
            if run.out_of_time():
                _cut(ctx, analyzer, run)
                continue
            stats = run.stats[analyzer.name]
            started = time.perf_counter()
            output = _analyze_one(analyzer, _for_analyzer(ctx, analyzer, run), ctx.head, ctx.base, run)
            stats.duration_ms += (time.perf_counter() - started) * 1000
            if output is None:
                continue
            ctx.extra["reviewed"] = True
            found[ctx.path].extend(output.findings)
            stats.raw_findings += len(output.findings)
            for key, rows in output.metrics.items():
                run.metrics[key].extend(rows)
        _release_trees(ctx, keep_head=keep_heads, keep_base=keep_bases)


def _run_batch(
    analyzer: Analyzer, contexts: list[FileContext], found: dict[str, list[Finding]], run: _Run
) -> None:
    """One cross-file analyzer over the files still alive that it reads, within the time budget."""
    started = time.perf_counter()
    eligible = [ctx for ctx in contexts if ctx.path not in run.dead and _eligible(analyzer, ctx)]
    if eligible:
        if run.out_of_time():
            for ctx in eligible:
                _cut(ctx, analyzer, run)
        else:
            _analyze_batch(analyzer, eligible, found, run)
    run.stats[analyzer.name].duration_ms += (time.perf_counter() - started) * 1000


@dataclass
class _BatchOutcome:
    """What one cross-file analyzer's run in the child process left, for the parent to take over."""

    found: dict[str, list[Finding]]
    stats: AnalyzerStats
    notes: list[str]
    skipped: list[SkippedFile]
    dead: set[str]
    coverage_cut: bool
    reviewed: set[str]
    after_run: dict[str, Any]  # the analyzer's documented after-run attributes (`cleared`, ...)


#: what an analyzer leaves after a run besides its findings (documented on `Analyzer`)
_AFTER_RUN = ("cleared", "problems", "redact", "sections", "risk_points")


def _start_apart(analyzers: list[Analyzer], contexts: list[FileContext], run: _Run) -> Apart | None:
    """Run the cross-file analyzers that may run apart in a child process (prguard.engine.apart),
    when the review may use a second process and the change is large enough to pay for the fork."""
    chosen = [a for a in analyzers if not a.cacheable and getattr(a, "runs_apart", False)]
    if run.jobs < 2 or not chosen:
        return None
    if sum(len(ctx.head.text) for ctx in contexts if ctx.head is not None and ctx.is_python) < FORK_FROM:
        return None
    dead, forked_at = frozenset(run.dead), time.monotonic()
    apart = Apart.start({a.name: functools.partial(_batch_outcome, a, contexts, run) for a in chosen})
    if apart is not None:
        run.dead_at_fork, run.forked_at = dead, forked_at
    return apart


def _batch_outcome(analyzer: Analyzer, contexts: list[FileContext], run: _Run) -> _BatchOutcome:
    """In the child: one cross-file analyzer's run, and everything it changed of the review."""
    notes, skipped, dead = len(run.notes), len(run.skipped), set(run.dead)
    unseen = {ctx.path for ctx in contexts if not ctx.extra.get("reviewed")}
    found: dict[str, list[Finding]] = defaultdict(list)
    _run_batch(analyzer, contexts, found, run)
    return _BatchOutcome(
        found=dict(found),
        stats=run.stats[analyzer.name],
        notes=run.notes[notes:],
        skipped=run.skipped[skipped:],
        dead=run.dead - dead,
        coverage_cut=run.coverage_cut,
        reviewed={ctx.path for ctx in contexts if ctx.path in unseen and ctx.extra.get("reviewed")},
        after_run={name: getattr(analyzer, name) for name in _AFTER_RUN if name in vars(analyzer)},
    )


def _take_apart(
    apart: Apart, analyzer: Analyzer, contexts: list[FileContext], found: dict[str, list[Finding]], run: _Run
) -> bool:
    """The child's run of `analyzer` taken over; False when the parent must run it itself: the
    child failed, or a file it read has since been dropped (one process would not have read it)."""
    waited = time.monotonic() - run.forked_at
    outcome = apart.result(analyzer.name, wait=max(CHILD_GRACE, 4 * waited))
    if not isinstance(outcome, _BatchOutcome) or run.dead - run.dead_at_fork:
        return False
    for name, value in outcome.after_run.items():
        setattr(analyzer, name, value)
    for path, findings in outcome.found.items():
        found[path].extend(findings)
    run.stats[analyzer.name] = outcome.stats
    run.notes.extend(outcome.notes)
    run.skipped.extend(outcome.skipped)
    run.dead |= outcome.dead
    run.coverage_cut |= outcome.coverage_cut
    for ctx in contexts:
        if ctx.path in outcome.reviewed:
            ctx.extra["reviewed"] = True
    return True


def _release_trees(
    ctx: FileContext, *, keep_head: bool = False, keep_base: bool = False, sweep: bool = True
) -> None:
    """Forget a file's parsed trees (SourceFile re-parses on the next `.tree`), then sweep
    (with `keep_head`, the head's tree stays: a cross-file analyzer still needs it; with
    `keep_base`, the base's: the filters of a small change read it again).

    With the collector paused, reference cycles an analyzer leaves behind (its facts
    pointing at each other and at the tree's nodes) would keep every file's tree alive
    until the review ends (300 files: 300 MB). They are young, so collecting the youngest
    generation after each file frees them for about 1 ms, far less than a full collection.
    """
    for source in (() if keep_base else (ctx.base,)) + (() if keep_head else (ctx.head,)):
        if source is not None:
            source.__dict__.pop("tree", None)
    if sweep and not gc.isenabled():
        gc.collect(0)


def _cut(ctx: FileContext, analyzer: Analyzer, run: _Run) -> None:
    run.coverage_cut = True
    if ctx.path not in run.dead:
        run.dead.add(ctx.path)
        run.skipped.append(
            SkippedFile(ctx.path, "time-budget", f"not analysed by {analyzer.name}: out of time")
        )


def _analyze_one(
    analyzer: Analyzer,
    actx: FileContext,
    head: SourceFile,
    base: SourceFile | None,
    run: _Run,
    *,
    base_pass: bool = False,
) -> CachedAnalysis | None:
    """One analyzer on one file version, through the cache; None when the file had to be dropped."""
    stats = run.stats[analyzer.name]
    key = None
    if run.cache is not None:
        key = cache_key(
            analyzer=analyzer.name,
            path=actx.path,
            head=head.text,
            base=base.text if base is not None else None,
            patch=_diff_identity(actx.diff),
            policy_digest=run.policy.digest,
            ai_authored=run.ai_authored,
        )
        try:
            hit = run.cache.get(key)
        except Exception:  # a broken cache is a miss, never a failed review
            hit = None
            run.cache_errors += 1
        if hit is not None and _still_valid(analyzer, hit, run):
            if base_pass:
                stats.base_files += 1
            else:
                stats.cached += 1
            return hit
    try:
        findings = tuple(analyzer.analyze_file(actx))
    except (RecursionError, MemoryError) as error:
        _drop(actx.path, f"too deeply nested for {analyzer.name} ({type(error).__name__})", run)
        return None
    except Exception as error:
        message = f"{analyzer.name} failed on {actx.path}: {type(error).__name__}: {error}"
        stats.errors.append(message)
        run.notes.append(message)
        return None
    if base_pass:
        stats.base_files += 1
    else:
        stats.files += 1
    reads = _reads_of(analyzer, actx, run)
    output = CachedAnalysis(findings, dict(actx.extra.get("metrics", {})), reads or {})
    if key is not None and run.cache is not None and reads is not None:
        try:
            run.cache.set(key, output)
        except Exception:
            run.cache_errors += 1
    return output


def _diff_identity(diff: FileDiff) -> str:
    """What of the diff an analyzer can see: the hunks (added lines and ranges)."""
    parts = [f"{h.new_start},{h.new_count}:{sorted(h.added)}" for h in diff.hunks]
    return hashlib.sha256(";".join(parts).encode()).hexdigest()


def _drop(path: str, detail: str, run: _Run) -> None:
    if path not in run.dead:
        run.dead.add(path)
        run.skipped.append(SkippedFile(path, "too-complex", detail))


def _analyze_batch(
    analyzer: Analyzer, eligible: list[FileContext], found: dict[str, list[Finding]], run: _Run
) -> None:
    stats = run.stats[analyzer.name]
    actxs = [_for_analyzer(ctx, analyzer, run) for ctx in eligible]
    try:
        findings = list(analyzer.analyze(actxs))
    except (RecursionError, MemoryError) as error:
        message = f"{analyzer.name} failed: {type(error).__name__} (pathologically nested code?)"
        stats.errors.append(message)
        run.notes.append(message)
        return
    except Exception as error:
        message = f"{analyzer.name} failed: {type(error).__name__}: {error}"
        stats.errors.append(message)
        run.notes.append(message)
        return
    stats.files += len(actxs)
    for problem in analyzer.problems:  # parts it could not run: coverage is partial
        stats.errors.append(problem)
        run.notes.append(f"{analyzer.name}: {problem}")
    for ctx in eligible:
        ctx.extra["reviewed"] = True
    for finding in findings:
        found[finding.path].append(finding)
    stats.raw_findings += len(findings)


def make_unique(findings: list[Finding]) -> None:
    """Renumber repeated identical fingerprints of one file by occurrence order (in place)."""
    seen: dict[str, int] = {}
    for finding in sorted(findings, key=lambda f: (f.start_line, f.start_column or 0, f.rule_id)):
        count = seen.get(finding.fingerprint, 0) + 1
        seen[finding.fingerprint] = count
        if count > 1:
            basis = f"{finding.fingerprint}#{count}".encode()
            finding.fingerprint = hashlib.sha256(basis).hexdigest()[:32]


def _in_scope(finding: Finding, added: AddedLines | None) -> bool:
    if added is None:  # scope: changed_files
        return True
    start, end = finding.relevant_lines or (finding.start_line, max(finding.end_line, finding.start_line))
    return added.touches(start, end)


def _filter(
    found: dict[str, list[Finding]], contexts: list[FileContext], analyzers: list[Analyzer], run: _Run
) -> tuple[list[Finding], list[Suppression], int, int]:
    """Per file: unique fingerprints, scope, new versus existing, suppressions."""
    scope = run.policy.get("scope", default="changed_lines")
    if scope not in ("changed_lines", "changed_files"):
        run.notes.append(f"unknown scope {scope!r}; used changed_lines")
        scope = "changed_lines"
    report_existing = bool(run.policy.get("report_existing", default=False))
    by_name = {a.name: a for a in analyzers}
    by_path = {ctx.path: ctx for ctx in contexts}
    # analyzers that report only what the change itself did (a removed function's callers) scope themselves
    self_scoped = {a.name for a in analyzers if getattr(a, "scopes_itself", False)}
    reported: list[Finding] = []
    suppressed: list[Suppression] = []
    pre_existing = outside = 0
    for path, findings in found.items():
        ctx = by_path.get(path)
        if ctx is None:  # a cross-file analyzer reported on a file outside the change
            outside += len(findings)
            continue
        _mask_fingerprints(findings, ctx, ctx.head, run, run.secret_lines.get(path, ()))
        make_unique(findings)
        added = AddedLines(ctx.diff) if scope == "changed_lines" else None
        kept = [f for f in findings if f.analyzer in self_scoped or _in_scope(f, added)]
        outside += len(findings) - len(kept)
        if kept and not report_existing:
            before = len(kept)
            kept = _drop_existing(kept, ctx, by_name, run)
            pre_existing += before - len(kept)
        if not report_existing:
            revived = _revive_removed_guards(findings, kept, ctx, by_name)
            outside -= sum(1 for f in revived if not _in_scope(f, added))
            pre_existing -= sum(1 for f in revived if _in_scope(f, added))
            kept.extend(revived)
        if kept:
            selected: Selected = ctx.extra["selected"]
            tree = ctx.head.tree if selected.parsed else None
            comments = FileComments(ctx.head.text, is_python=ctx.language == "python", tree=tree)
            outcome = apply_suppressions(kept, comments)
            reported.extend(outcome.kept)
            suppressed.extend(outcome.used)
            run.notes.extend(outcome.notes)
        _release_trees(ctx)
    return reported, suppressed, pre_existing, outside


def _revive_removed_guards(
    findings: list[Finding], kept: list[Finding], ctx: FileContext, analyzers: dict[str, Analyzer]
) -> list[Finding]:
    """Findings dropped above (unchanged lines, or already in the base) that an analyzer reports
    again because the change removed the check guarding them (its optional `revive_existing`)."""
    if ctx.base is None:
        return []
    kept_ids = {id(f) for f in kept}
    revived: list[Finding] = []
    for name in sorted({f.analyzer for f in findings}):
        revive = getattr(analyzers.get(name), "revive_existing", None)
        dropped = [f for f in findings if f.analyzer == name and id(f) not in kept_ids]
        if revive is not None and dropped:
            revived.extend(revive(dropped, ctx))
    return revived


def _drop_existing(
    findings: list[Finding], ctx: FileContext, analyzers: dict[str, Analyzer], run: _Run
) -> list[Finding]:
    """Drop findings whose fingerprint the same analyzer also produces on the base version."""
    if ctx.base is None:
        return findings
    wanted = {
        f.analyzer for f in findings if f.analyzer in analyzers and analyzers[f.analyzer].compare_with_base
    }
    if not wanted:
        return findings
    if ctx.language == "python" and not base_parses(ctx.base):
        return findings  # the base did not parse: everything in the head is new
    base_ctx = FileContext(
        path=ctx.path,
        language=ctx.language,
        head=ctx.base,
        base=None,
        diff=FileDiff.all_added(len(ctx.base.lines)),
        settings={},
        policy=run.policy,
        ai_authored=run.ai_authored,
        pull=run.pull,
    )
    existing: dict[str, set[str]] = {}
    for name in sorted(wanted):
        analyzer = analyzers[name]
        if not analyzer.cacheable and type(analyzer).analyze_file is Analyzer.analyze_file:
            continue  # a cross-file analyzer without a per-file entry cannot be asked about one base file
        started = time.perf_counter()
        output = _analyze_base(analyzer, base_ctx, run)
        run.stats[name].duration_ms += (time.perf_counter() - started) * 1000
        if output is None:
            existing[name] = set()
            continue
        base_findings = list(output.findings)
        _mask_fingerprints(base_findings, ctx, ctx.base, run)
        make_unique(base_findings)
        existing[name] = {f.fingerprint for f in base_findings}
    return [f for f in findings if f.fingerprint not in existing.get(f.analyzer, ())]


def _analyze_base(analyzer: Analyzer, base_ctx: FileContext, run: _Run) -> CachedAnalysis | None:
    actx = _for_analyzer(base_ctx, analyzer, run)
    dead_before = set(run.dead)
    skipped_before = len(run.skipped)
    output = _analyze_one(analyzer, actx, base_ctx.head, None, run, base_pass=True)
    if output is None:
        # a base version the analyzer cannot read must not hide or drop the head's file
        run.dead = dead_before
        del run.skipped[skipped_before:]
    return output


def _deduplicate(findings: list[Finding], precedence: Mapping[str, int]) -> tuple[list[Finding], int]:
    """Same path, start line and CWE from different analyzers: keep the most specific analyzer's
    (the lowest declared `precedence`)."""
    best: dict[tuple[str, int, int], Finding] = {}
    kept: list[Finding] = []
    for finding in findings:
        if finding.cwe is None:
            kept.append(finding)
            continue
        key = (finding.path, finding.start_line, finding.cwe)
        current = best.get(key)
        if current is None or (
            current.analyzer != finding.analyzer
            and precedence.get(finding.analyzer, UNRANKED) < precedence.get(current.analyzer, UNRANKED)
        ):
            best[key] = finding
        elif current.analyzer == finding.analyzer:
            kept.append(finding)  # one analyzer's own distinct findings are never merged
    kept.extend(best.values())
    return kept, len(findings) - len(kept)


def _drop_proven_safe(findings: list[Finding], analyzers: Sequence[Analyzer]) -> tuple[list[Finding], int]:
    """Drop pattern findings on sinks a flow analyzer proved receive no untrusted or unknown data.

    An analyzer that declares `proves_safe` lists `cleared: {path: {(line, cwe)}}` after its run
    (taint does); findings of lower-precedence analyzers at those places are the noise it exists
    to remove.
    """
    precedence = {a.name: a.precedence for a in analyzers}
    proofs = [(a.precedence, a.cleared) for a in analyzers if a.proves_safe and a.cleared]
    if not proofs:
        return findings, 0
    kept = [
        f
        for f in findings
        if f.cwe is None
        or not any(
            rank < precedence.get(f.analyzer, UNRANKED) and (f.start_line, f.cwe) in cleared.get(f.path, ())
            for rank, cleared in proofs
        )
    ]
    return kept, len(findings) - len(kept)


def _collect_secrets(analyzers: Sequence[Analyzer], found: dict[str, list[Finding]], run: _Run) -> None:
    """The secrets analyzers found (their `redact` sets) and the lines they were found on."""
    run.secrets = Secrets.from_analyzers(analyzers)
    finders = {a.name for a in analyzers if a.redact}
    for path, findings in found.items():
        for finding in findings:
            if finding.analyzer in finders:
                lines = range(finding.start_line, max(finding.start_line, finding.end_line) + 1)
                run.secret_lines.setdefault(path, set()).update(lines)


def _mask_fingerprints(
    findings: list[Finding],
    ctx: FileContext,
    source: SourceFile,
    run: _Run,
    secret_lines: Collection[int] = (),
) -> None:
    """Fingerprints never hashed over a secret: see prguard.engine.redact. Head and base
    findings get the same treatment, so new-versus-existing still matches them."""
    if findings and (run.secrets or secret_lines):
        mask_fingerprints(
            findings, source.lines, run.secrets, python=ctx.language == "python", secret_lines=secret_lines
        )


def _added_count(changed: ChangedFile) -> int:
    if changed.patch:
        return len(FileDiff.parse(changed.patch).added_lines)
    if changed.status == "added" and changed.head is not None:
        return changed.head.count(b"\n") + (0 if changed.head.endswith(b"\n") or not changed.head else 1)
    return 0
