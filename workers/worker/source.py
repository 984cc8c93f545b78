"""The App's change source: a pull request read from GitHub (prguard.engine.change)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from prguard.engine.change import Change, RuleTexts
from prguard.engine.model import ChangedFile
from prguard.github.provenance import GitHubProvenance
from prguard.github.pulls import fetch_policy_texts, fetch_pull_request
from prguard.github.rulefiles import fetch_rule_files
from prguard.policies.loader import load_effective_policy
from prguard.queue.jobs import ReviewJob
from prguard.worker.repository import repository_snapshot


@dataclass
class GitHubSource:
    """One review job's pull request: the org's and the repository's policy at the base branch,
    the files GitHub lists (contents only for those a review reads), Semgrep rule files at the
    base, provenance from the PR's commits, and the head's repository for the impact analyzer."""

    client: Any
    job: ReviewJob
    base_ref: str
    checks_policy_change: bool = True

    def load_policy(self) -> tuple[Any, list[str]]:
        texts = fetch_policy_texts(self.client, self.job.owner, self.job.repo, self.base_ref)
        policy = load_effective_policy(
            org_text=texts.org_text,
            org_source=texts.org_source,
            repo_text=texts.repo_text,
            repo_source=texts.repo_source,
        )
        return policy, list(texts.problems)

    def read_change(self, wanted: Callable[[ChangedFile], bool]) -> Change:
        job = self.job
        snapshot = fetch_pull_request(self.client, job.owner, job.repo, job.number, contents_for=wanted)
        skipped, notes = list(snapshot.skipped), list(snapshot.notes)
        return Change(snapshot.files, snapshot.info, skipped, notes, raw=snapshot)

    def read_rule_files(self, policy: Any) -> RuleTexts:
        rules = fetch_rule_files(self.client, self.job.owner, self.job.repo, self.base_ref, policy)
        return RuleTexts(rules.texts, tuple(rules.problems))

    def provenance(self, change: Change) -> Any:
        shas = [c.sha for c in change.pull.commits]
        head_sha = change.raw.head_sha
        return GitHubProvenance(self.client, self.job.owner, self.job.repo, shas, head_sha, change.files)

    def repository(self, change: Change, policy: Any) -> Any:
        job, head_sha = self.job, change.raw.head_sha
        return repository_snapshot(self.client, job.owner, job.repo, head_sha, change.files, policy)
