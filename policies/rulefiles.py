"""The Semgrep rule files a policy names (`semgrep.rules`), read at the base ref.

The engine never reads a repository: its callers pass `review(..., rule_files=...)`,
a mapping from location to text. Locations are repository paths (`.semgrep/sql.yml`)
or `org:<path>` for the org's `.github` repository. This module is the one place that
knows which locations a policy wants and how a folder expands; the CLI (local git)
and the worker pipeline (GitHub contents API) only supply two small readers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from prguard.policies.patterns import PatternError
from prguard.policies.rulepaths import ORG_PREFIX, RulePath, check_rule_path

MAX_RULE_FILES = 100
MAX_RULE_FILE_BYTES = 1_000_000
RULE_SUFFIXES = (".yml", ".yaml")

#: reads one location: a file → {path: text}; a folder (path ends with "/") → every rule
#: file below it. Missing → {}. Paths in the answer are relative to that repository.
Reader = Callable[[str], Mapping[str, str]]


@dataclass(slots=True)
class RuleFiles:
    texts: dict[str, str] = field(default_factory=dict)  # location → text (org ones prefixed "org:")
    problems: list[str] = field(default_factory=list)  # what could not be read, for the review's notes


def requested(policy: Any) -> list[RulePath]:
    """The rule locations the effective policy asks for (none when Semgrep is switched off)."""
    settings = policy.get("semgrep", default={}) or {}
    if not settings.get("enabled", True):
        return []
    wanted: list[RulePath] = []
    for entry in settings.get("rules") or ():
        try:
            wanted.append(check_rule_path(str(entry)))
        except PatternError:
            continue  # the policy validator already refused it
    return wanted


def collect(policy: Any, read_repo: Reader, read_org: Reader | None = None) -> RuleFiles:
    """Read every rule file the policy names; problems are reported, never raised (a location
    that is simply absent is reported by the semgrep analyzer, which knows it did not run)."""
    out = RuleFiles()
    for location in requested(policy):
        reader = read_org if location.in_org_repo else read_repo
        if reader is None:
            out.problems.append(
                f"Semgrep rules {location.text}: the org's .github repository is not available here"
            )
            continue
        target = location.path if not location.is_folder else location.path.rstrip("/") + "/"
        try:
            found = reader(target)
        except Exception as error:  # a read failure is reported, the review goes on
            out.problems.append(
                f"Semgrep rules {location.text}: could not be read ({type(error).__name__}: {error})"
            )
            continue
        for path, text in sorted(found.items()):
            key = (ORG_PREFIX if location.in_org_repo else "") + path
            if len(out.texts) >= MAX_RULE_FILES:
                out.problems.append(f"more than {MAX_RULE_FILES} Semgrep rule files; the rest were not read")
                return out
            out.texts[key] = text
    return out


def select(rule_files: Mapping[str, str], location: RulePath) -> dict[str, str]:
    """The texts of one policy location out of the engine's `rule_files`."""
    prefix = ORG_PREFIX if location.in_org_repo else ""
    if location.is_folder:
        folder = prefix + location.path.rstrip("/") + "/"
        return {k: v for k, v in rule_files.items() if k.startswith(folder) and k.endswith(RULE_SUFFIXES)}
    key = prefix + location.path
    return {key: rule_files[key]} if key in rule_files else {}
