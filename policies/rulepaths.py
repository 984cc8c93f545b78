"""Where Semgrep rule files may come from: paths in the repository (or the org's `.github` repo).

prguard runs Semgrep offline, so a policy may only name files it can read at the
base ref; registry configs (`p/python`, `r/...`, `auto`) and URLs would make Semgrep
download rules (and send metrics), and are refused when the policy is validated.
"""

from __future__ import annotations

from dataclasses import dataclass

from prguard.policies.patterns import PatternError

ORG_PREFIX = "org:"
MAX_RULE_PATH = 300
_REGISTRY_PREFIXES = ("p/", "r/", "s/")
_REGISTRY_NAMES = frozenset({"auto", "p", "r"})


@dataclass(frozen=True, slots=True)
class RulePath:
    """One `semgrep.rules` entry: a file or folder (trailing `/`) in the repo or the org repo."""

    text: str  # as written in the policy
    path: str  # without the `org:` prefix and leading `./`
    in_org_repo: bool

    @property
    def is_folder(self) -> bool:
        return self.path.endswith("/") or not self.path.rsplit("/", 1)[-1].endswith((".yml", ".yaml"))


def check_rule_path(value: str) -> RulePath:
    """Parse a `semgrep.rules` entry; PatternError says why it cannot be used."""
    text = value.strip()
    in_org = text.startswith(ORG_PREFIX)
    raw = text[len(ORG_PREFIX) :] if in_org else text
    # a folder really named `p/` is written `./p/`: only the bare form means the registry
    registry = raw.startswith(_REGISTRY_PREFIXES) or raw.rstrip("/") in _REGISTRY_NAMES
    path = raw[2:] if raw.startswith("./") else raw
    if not path or len(text) > MAX_RULE_PATH:
        raise PatternError(f"a rule path must be 1 to {MAX_RULE_PATH} characters")
    if "://" in path or path.startswith(("http:", "https:")):
        raise PatternError("URLs are not allowed: prguard runs Semgrep offline; commit the rule file instead")
    if registry:
        raise PatternError(
            f"{value!r} looks like a Semgrep registry config; prguard runs Semgrep offline, "
            "so copy the rules into a file in the repository and name that file "
            "(a folder really named like that: write './' in front)"
        )
    if path.startswith("/") or "\\" in path or any(ch in path for ch in "\x00\n\r*?[]"):
        raise PatternError("use a repository-relative path with '/' separators and no wildcards")
    if ".." in path.split("/"):
        raise PatternError("'..' cannot appear in a rule path")
    return RulePath(value, path, in_org)
