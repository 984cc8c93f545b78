"""review_change(source): the one sequence every review follows, whatever the source."""

from __future__ import annotations

from contextlib import contextmanager

from prguard.engine.change import Change, RuleTexts, review_change
from prguard.engine.model import ChangedFile, PullRequestInfo, SkippedFile
from prguard.policies.loader import load_policy

SHELL = b"import subprocess\n\n\ndef run(cmd):\n    return subprocess.call(cmd, shell=True)\n"


class RecordingSource:
    """A source that records what it was asked, in order."""

    checks_policy_change = True

    def __init__(self, files, policy_text=None):
        self.files = files
        self.policy_text = policy_text
        self.asked: list[str] = []
        self.wanted = None

    def load_policy(self):
        self.asked.append("policy")
        policy = (
            load_policy(repo_text=self.policy_text, repo_source="base") if self.policy_text else load_policy()
        )
        return policy, ["org policy unreadable"]

    def read_change(self, wanted):
        self.asked.append("change")
        self.wanted = wanted
        skipped = [SkippedFile("big.bin", "too-large", "GitHub gave no content")]
        return Change(self.files, PullRequestInfo(), skipped, ["3 files not listed"])

    def read_rule_files(self, policy):
        self.asked.append("rules")
        return RuleTexts({}, ("semgrep/x.yml: not found",))

    def provenance(self, change):
        self.asked.append("provenance")

    def repository(self, change, policy):
        self.asked.append("repository")


def test_the_sequence_the_notes_and_the_stages():
    source = RecordingSource([ChangedFile("app/run.py", "added", SHELL, None)])
    stages: list[str] = []

    @contextmanager
    def stage(name):
        stages.append(name)
        yield

    change, result = review_change(source, stage=stage)
    assert source.asked == ["policy", "change", "rules", "repository", "provenance"]
    assert stages == ["policy", "fetch", "repository", "engine"]
    assert result.conclusion == "failure" and result.policy is not None
    assert result.notes[-3:] == ["semgrep/x.yml: not found", "3 files not listed", "org policy unreadable"]
    assert [s.path for s in result.skipped] == ["big.bin"] and change.files == source.files


def test_what_the_source_is_asked_to_read_follows_the_base_policy():
    source = RecordingSource([], policy_text="paths:\n  exclude: ['vendor/**']\n")
    review_change(source)
    assert source.wanted(ChangedFile(".github/prguard.yml", "modified", b"", b""))
    assert not source.wanted(ChangedFile("vendor/lib.py", "added", b"", None))
    assert source.wanted(ChangedFile("app/x.py", "added", b"", None))


def test_an_edit_that_breaks_the_policy_needs_a_person_once():
    bad = ChangedFile(".github/prguard.yml", "modified", b"gate:\n  fail_on: sometimes\n", b"version: 1\n")
    _change, result = review_change(RecordingSource([bad]))
    assert result.conclusion == "action_required"
    assert sum(".github/prguard.yml" in note for note in result.notes) == 1

    example = RecordingSource([bad])
    example.checks_policy_change = False  # the bundled example is not gated
    _change, result = review_change(example)
    assert result.conclusion != "action_required"
