"""The command line's change sources (prguard.engine.change): a diff between two refs of a local
git repository (or the index), and the bundled example."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from prguard.cli.gitrepo import INDEX, GitRepo
from prguard.engine.change import Change, RuleTexts
from prguard.engine.model import ChangedFile, PullRequestInfo
from prguard.policies.changes import REPO_POLICY_PATH
from prguard.policies.loader import decode_policy_bytes, load_policy
from prguard.policies.model import Policy, deep_merge


@dataclass
class GitSource:
    """The change between `base_sha` and `head` (a commit, or INDEX for the staged change) of a
    local repository; the policy is `policy_file`, else the repository's at the base."""

    repo: GitRepo
    base_sha: str
    base_ref: str
    head: str  # a commit SHA, or INDEX
    head_ref: str
    policy_file: str | None = None
    fail_on: str | None = None
    impact: bool = True
    checks_policy_change: bool = True

    @classmethod
    def between(cls, repo: GitRepo, base: str | None, head: str | None, **options: Any) -> GitSource:
        """`base` defaults to the merge-base of the head with the default branch."""
        if base:
            head_sha, base_sha = repo.resolve_all([head or "HEAD", base])
            base_ref = base
        else:
            head_sha = repo.resolve(head or "HEAD")
            default = repo.default_branch()
            base_sha, base_ref = repo.merge_base(default, head_sha), default.removeprefix("origin/")
        head_ref = repo.current_branch() if not head or head == "HEAD" else head.removeprefix("refs/heads/")
        return cls(repo, base_sha, base_ref, head_sha, head_ref, **options)

    @classmethod
    def staged(cls, repo: GitRepo, **options: Any) -> GitSource:
        """The index against HEAD (before the first commit: against the empty tree)."""
        return cls(repo, repo.head_or_empty_tree(), "HEAD", INDEX, repo.current_branch(), **options)

    def load_policy(self) -> tuple[Policy, list[str]]:
        if self.policy_file:
            policy = policy_from_file(self.policy_file)
        else:
            policy = policy_at(self.repo, self.base_sha, self.base_ref)
        return with_fail_on(policy, self.fail_on), []

    def read_change(self, wanted: Callable[[ChangedFile], bool]) -> Change:
        files = self.repo.changed_files(self.base_sha, self.head)  # local: every file at hand
        if self.head == INDEX:
            pull = PullRequestInfo(head_ref=self.head_ref, base_ref="HEAD")
        else:
            pull = self.repo.pull_request_info(
                self.base_sha, self.head, base_ref=self.base_ref, head_ref=self.head_ref
            )
        return Change(files, pull)

    def read_rule_files(self, policy: Any) -> RuleTexts:
        # this and the imports below load only when a review needs them (`prguard` start-up time)
        from prguard.cli.rule_sources import read_rule_files

        rules = read_rule_files(self.repo, self.base_sha, policy)  # Semgrep rules, at the base ref
        return RuleTexts(rules.texts, tuple(rules.problems))

    def provenance(self, change: Change) -> Any:
        if self.head == INDEX or not change.pull.commits:
            return None
        from prguard.cli.provenance_git import GitProvenance

        return GitProvenance(self.repo, [c.sha for c in change.pull.commits], change.pull.commits[-1].sha)

    def repository(self, change: Change, policy: Any) -> Any:
        if not self.impact:
            return None
        from prguard.cli.impact import snapshot_from_git

        return snapshot_from_git(self.repo, self.head)


@dataclass
class ExampleSource:
    """The bundled example pull request (prguard.examples): no git, no policy-change gate."""

    policy_file: str | None = None
    fail_on: str | None = None
    checks_policy_change: bool = False

    def load_policy(self) -> tuple[Policy, list[str]]:
        policy = policy_from_file(self.policy_file) if self.policy_file else load_policy()
        return with_fail_on(policy, self.fail_on), []

    def read_change(self, wanted: Callable[[ChangedFile], bool]) -> Change:
        from prguard.cli.example import load_example

        example = load_example()
        return Change(example.files, example.pull, notes=[example.note])

    def read_rule_files(self, policy: Any) -> RuleTexts:
        return RuleTexts()

    def provenance(self, change: Change) -> Any:
        return None

    def repository(self, change: Change, policy: Any) -> Any:
        return None


def policy_at(repo: GitRepo, base_sha: str, base_ref: str) -> Policy:
    """The repository's policy file at the base commit (the built-in default when it has none)."""
    text = repo.read_blobs([f"{base_sha}:{REPO_POLICY_PATH}"])[f"{base_sha}:{REPO_POLICY_PATH}"]
    if text is None:
        return load_policy()
    source = f"{REPO_POLICY_PATH} at {base_ref} ({base_sha[:7]})"
    return load_policy(repo_text=decode_policy_bytes(text, source), repo_source=source)


def policy_from_file(path: str) -> Policy:
    data = Path(path).read_bytes()
    return load_policy(repo_text=decode_policy_bytes(data, path), repo_source=path)


def with_fail_on(policy: Policy, fail_on: str | None) -> Policy:
    """The policy with its gate (and its stricter AI-authored gate, if any) set to `fail_on`."""
    if not fail_on:
        return policy
    override: dict = {"gate": {"fail_on": fail_on}}
    if (policy.get("ai_authored", "gate", default=None) or {}).get("fail_on") is not None:
        override["ai_authored"] = {"gate": {"fail_on": fail_on}}
    return Policy(deep_merge(policy.data, override), (*policy.sources, f"--fail-on {fail_on}"), policy.errors)
