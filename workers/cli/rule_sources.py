"""The Semgrep rule files a policy names, read from the local repository at the base ref.

At the BASE ref, like the policy itself: a change cannot rewrite the rules that review it.
The org's `.github` repository is not at hand locally; `org:` entries are reported as not run.
"""

from __future__ import annotations

from prguard.cli.gitrepo import GitRepo
from prguard.policies.rulefiles import MAX_RULE_FILE_BYTES, MAX_RULE_FILES, RULE_SUFFIXES, RuleFiles, collect


def read_rule_files(repo: GitRepo, base_sha: str, policy) -> RuleFiles:
    """Every rule file `semgrep.rules` names, as of `base_sha`."""

    def read(target: str) -> dict[str, str]:
        if target.endswith("/"):
            listing = repo.git("ls-tree", "-r", "-z", "--name-only", base_sha, "--", target, check=False)
            paths = [p for p in listing.split("\0") if p.endswith(RULE_SUFFIXES)][:MAX_RULE_FILES]
        else:
            paths = [target]
        blobs = repo.read_blobs(f"{base_sha}:{path}" for path in paths)
        texts: dict[str, str] = {}
        for path in paths:
            data = blobs.get(f"{base_sha}:{path}")
            if data is not None and len(data) <= MAX_RULE_FILE_BYTES:
                texts[path] = data.decode("utf-8", "replace")
        return texts

    return collect(policy, read)
