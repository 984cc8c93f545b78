"""One way to review a change, wherever it comes from.

The App reviews a pull request read from GitHub, the command line a diff read from git; both
go through `review_change(source)`, which loads the policy at the base, reads the change and
the policy's rule files, runs the engine and applies the policy-change gate, in that order.
A source (`ChangeSource`) only answers where things are: prguard.worker.source.GitHubSource,
prguard.cli.source.GitSource (and the bundled example's ExampleSource, and PreparedSource
for callers that read the change themselves).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, Protocol

from prguard.engine.gate import gate_policy_change
from prguard.engine.globs import matches_any
from prguard.engine.model import ChangedFile, PullRequestInfo, ReviewResult, SkippedFile
from prguard.policies.changes import REPO_POLICY_PATH

#: the analyzers that read every text file of a change, not only `paths.include`
_EVERY_FILE_ANALYZERS = ("secrets", "rules", "semgrep")


@dataclass
class Change:
    """What a source read: the changed files, the pull request, and what it could not read."""

    files: list[ChangedFile]
    pull: PullRequestInfo
    skipped: list[SkippedFile] = field(default_factory=list)  # files the source could not read
    notes: list[str] = field(default_factory=list)
    raw: Any = None  # the source's own object (the App's PullRequestSnapshot), for its caller


@dataclass(frozen=True)
class RuleTexts:
    """The rule files the policy names (Semgrep), read at the base, and what could not be read."""

    texts: Mapping[str, str] = field(default_factory=dict)
    problems: Sequence[str] = ()


class ChangeSource(Protocol):
    """Where a change and its base's policy come from."""

    def load_policy(self) -> tuple[Any, list[str]]:
        """The effective policy at the base (a change cannot weaken its own review), and problems
        reading it (as notes)."""
        ...

    def read_change(self, wanted: Callable[[ChangedFile], bool]) -> Change:
        """The change; `wanted` says which files' contents are worth reading (a source that has
        them all at hand may ignore it: the engine selects files by the policy anyway)."""
        ...

    def read_rule_files(self, policy: Any) -> RuleTexts:
        """The rule files the policy names, at the base."""
        ...

    def provenance(self, change: Change) -> Any:
        """Line-level AI provenance of the change (prguard.engine.provenance), or None."""
        ...

    def repository(self, change: Change, policy: Any) -> Any:
        """The head's whole repository, for analyzers that need it (impact), or None."""
        ...

    @property
    def checks_policy_change(self) -> bool:
        """Whether the policy-change gate applies (not to a bundled example)."""
        ...


def wanted_by(policy: Any) -> Callable[[ChangedFile], bool]:
    """Which changed files' contents a review reads: the policy file itself (to tell the author
    what the edit will do after merge), files under `paths.include` and not `paths.exclude`,
    and every text file when an analyzer reads them all."""
    include = [p for p in policy.get("paths", "include", default=["**/*.py"]) or [] if isinstance(p, str)]
    exclude = [p for p in policy.get("paths", "exclude", default=[]) or [] if isinstance(p, str)]
    every_file = any(policy.analyzer_enabled(name) for name in _EVERY_FILE_ANALYZERS)

    def wanted(changed: ChangedFile) -> bool:
        if changed.path == REPO_POLICY_PATH:
            return True
        if matches_any(changed.path, exclude):
            return False
        return every_file or matches_any(changed.path, include)

    return wanted


@contextlib.contextmanager
def _untimed(_name: str) -> Iterator[None]:
    yield


def review_change(
    source: ChangeSource,
    *,
    cache: Any = None,
    deadline: float | None = None,
    stage: Callable[[str], AbstractContextManager[None]] = _untimed,
    jobs: int = 1,
) -> tuple[Change, ReviewResult]:
    """Review the change `source` reads, the same way for the App and the command line.

    `deadline` (time.monotonic()) bounds the engine: what remains of it when reading is done
    is its time budget. `stage(name)` wraps each step (the worker times them as metrics).
    `jobs`: processes the engine may use (the command line: two on a machine with two cores).
    """
    # the engine loads on the first review, not when a caller's module is imported (start-up time
    # of `prguard --help` and of the worker's task registry)
    from prguard.engine.review import review

    with stage("policy"):
        policy, policy_problems = source.load_policy()
    with stage("fetch"):
        change = source.read_change(wanted_by(policy))
        rules = source.read_rule_files(policy)
    with stage("repository"):
        repository = source.repository(change, policy)
    with stage("engine"):
        budget = None if deadline is None else max(0.001, deadline - time.monotonic())
        result = review(
            change.files,
            policy,
            change.pull,
            cache=cache,
            rule_files=dict(rules.texts),
            time_budget=budget,
            provenance=source.provenance(change),
            repository=repository,
            jobs=jobs,
        )
    if result.policy is None:
        result.policy = policy
    result.notes.extend(rules.problems)
    known = {s.path for s in result.skipped}
    result.skipped.extend(s for s in change.skipped if s.path not in known)
    result.notes.extend(n for n in change.notes if n)
    result.notes.extend(policy_problems)
    if source.checks_policy_change:
        gate_policy_change(result, change.files)
    return change, result


@dataclass
class PreparedSource:
    """A change its caller already read (a GitHub Action's event, a test): nothing to fetch."""

    change: Change
    policy: Any
    rule_texts: RuleTexts = field(default_factory=RuleTexts)
    policy_problems: list[str] = field(default_factory=list)
    checks_policy_change: bool = True
    provenance_source: Any = None
    repository_snapshot: Any = None

    def load_policy(self) -> tuple[Any, list[str]]:
        return self.policy, list(self.policy_problems)

    def read_change(self, wanted: Callable[[ChangedFile], bool]) -> Change:
        return self.change

    def read_rule_files(self, policy: Any) -> RuleTexts:
        return self.rule_texts

    def provenance(self, change: Change) -> Any:
        return self.provenance_source

    def repository(self, change: Change, policy: Any) -> Any:
        return self.repository_snapshot
