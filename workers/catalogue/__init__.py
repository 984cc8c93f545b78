"""The rule catalogue: one entry for every rule an analyzer can emit, as data.

Each analyzer family keeps one YAML file here (`<family>.yml`, a list of `rules:`), or keeps
its rules as data next to its code and registers that mapping in the `prguard.rules` entry-point
group (`<analyzer>[.<family>] = "module:RULES"`, a mapping or list of entries with the same
fields, as dicts or objects); all are loaded into one catalogue. An entry says what the rule
finds (id, analyzer, title, default severity, CWE), why it matters, a bad and a good example,
and the fix. `prguard rules` prints it and docs/reference/rules.md is generated from it.

Ids: prguard's own rules are `PG-<FAMILY><NNN>`; bandit's keep their `B<NNN>`. Rules that
existed before the scheme keep reporting their first id (`taint-sql-injection`,
`complexity-new-function`, `secret.<kind>` ...): it is in users' JSON, SARIF baselines and
suppression comments. Those ids are the entry's `aliases`, and `canonical()` maps either id to
the entry, so a suppression, waiver or policy file may name a rule by its old or its new id.

Plain data and the standard library (plus PyYAML): any layer may read it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SEVERITIES = ("high", "medium", "low", "info")
#: prguard's own ids; bandit's B ids; anything else is an alias (a pre-scheme id)
OWN_ID = re.compile(r"^PG-(?P<family>[A-Z]+)(?P<number>\d{3})$")
BANDIT_ID = re.compile(r"^B\d{3}$")
#: analyzers whose rule ids are written by the user (policy `rules:`, Semgrep rule files): no entry
USER_RULE_ANALYZERS = frozenset({"rules", "semgrep"})
#: the entry-point group of rule tables kept next to their analyzer's code
RULES_GROUP = "prguard.rules"
_FIELDS = ("id", "analyzer", "title", "severity", "cwe", "why", "bad", "good", "fix", "aliases", "reference")
_REQUIRED = ("id", "analyzer", "title", "severity", "why")
_OWN_REQUIRED = ("bad", "good", "fix")


class CatalogueError(ValueError):
    """A catalogue file that is not valid (the message names the file and the entry)."""


@dataclass(frozen=True, slots=True)
class Rule:
    """One catalogue entry."""

    id: str
    analyzer: str
    title: str
    severity: str  # the default severity; policy (and, for some rules, the finding) may change it
    cwe: int | None
    why: str
    bad: str
    good: str
    fix: str
    aliases: tuple[str, ...] = ()
    reference: str = ""  # the upstream documentation (bandit's rules)
    family: str = ""  # the YAML file it came from

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "aliases": list(self.aliases),
            "analyzer": self.analyzer,
            "title": self.title,
            "severity": self.severity,
            "cwe": self.cwe,
            "why": self.why,
            "bad": self.bad,
            "good": self.good,
            "fix": self.fix,
            "reference": self.reference,
        }


@dataclass(frozen=True, slots=True)
class Catalogue:
    """Every entry, in file then file order, and every id and alias → its entry."""

    rules: tuple[Rule, ...]
    by_id: Mapping[str, Rule]

    def __iter__(self) -> Iterator[Rule]:
        return iter(self.rules)

    def __len__(self) -> int:
        return len(self.rules)

    def get(self, rule_id: str) -> Rule | None:
        """The entry for a rule id or one of its aliases (None when it has none)."""
        return self.by_id.get(rule_id)


def load(files: Iterable[Path] | None = None) -> Catalogue:
    """The catalogue from `files` (default: every `*.yml` here and every `prguard.rules` entry
    point), checked."""
    rules: list[Rule] = []
    by_id: dict[str, Rule] = {}
    sources: list[tuple[str, Iterable[Rule]]] = [
        (path.name, _read(path))
        for path in (sorted(files) if files is not None else sorted(HERE.glob("*.yml")))
    ]
    if files is None:
        sources += [(f"entry point {name}", found) for name, found in _registered()]
    for source, found in sources:
        for rule in found:
            for key in (rule.id, *rule.aliases):
                if key in by_id:
                    raise CatalogueError(f"{source}: {key!r} is already an id or alias of {by_id[key].id}")
                by_id[key] = rule
            rules.append(rule)
    return Catalogue(tuple(rules), by_id)


def _registered() -> Iterator[tuple[str, list[Rule]]]:
    """Rule tables registered in the `prguard.rules` entry-point group, loaded only here."""
    from prguard.entrypoints import installed_entry_points

    for point in sorted(installed_entry_points().select(group=RULES_GROUP), key=lambda p: p.name):
        table = point.load()
        items = table.values() if isinstance(table, Mapping) else table
        analyzer, _, family = point.name.partition(".")
        where = Path(f"{point.name} ({point.value})")
        found = []
        for item in items:
            raw = (
                dict(item)
                if isinstance(item, Mapping)
                else {k: getattr(item, k) for k in _FIELDS if hasattr(item, k)}
            )
            rule = _rule(where, {"analyzer": analyzer, **raw}, family=family or analyzer)
            if rule.aliases:
                raise CatalogueError(
                    f"{where}: {rule.id}: aliases (pre-scheme ids) belong in a catalogue YAML file"
                )
            found.append(rule)
        yield point.name, found


@cache
def catalogue() -> Catalogue:
    """prguard's catalogue, loaded once per process."""
    return load()


@cache
def _built_in() -> Catalogue:
    """The YAML files alone: every alias is there (only rules older than the id scheme have one),
    and reading them costs a review ~10 ms where importing the registered tables costs ~100."""
    return load(sorted(HERE.glob("*.yml")))


def canonical(rule_id: str) -> str:
    """The catalogue id of a rule named by its id or an alias; an unknown id is returned as is."""
    rule = _built_in().get(rule_id)
    return rule.id if rule is not None else rule_id


def same_rule(named: str, reported: str) -> bool:
    """Whether a rule named in a suppression, waiver or policy (`named`, old or new id) is the
    rule a finding was reported under."""
    return named == reported or canonical(named) == canonical(reported)


def _read(path: Path) -> Iterator[Rule]:
    import yaml  # on use: a review imports this module (suppressions) but rarely reads the files

    # libyaml's safe loader when PyYAML was built with it (10x faster), else the pure-Python one
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)  # noqa: S506 (a safe loader)
    except (OSError, yaml.YAMLError) as error:
        raise CatalogueError(f"{path.name}: {error}") from error
    if not isinstance(data, dict) or not isinstance(data.get("rules"), list):
        raise CatalogueError(f"{path.name}: needs a top-level `rules:` list")
    defaults = data.get("defaults") or {}
    for index, raw in enumerate(data["rules"]):
        if not isinstance(raw, dict):
            raise CatalogueError(f"{path.name}: rule #{index + 1} is not a mapping")
        yield _rule(path, {**defaults, **raw})


def _rule(path: Path, raw: dict[str, Any], *, family: str | None = None) -> Rule:
    where = f"{path.name}: {raw.get('id', '?')}"
    missing = [key for key in _REQUIRED if not raw.get(key)]
    rule_id = str(raw.get("id", ""))
    own = OWN_ID.match(rule_id)
    if own:
        missing += [key for key in _OWN_REQUIRED if not raw.get(key)]
    elif not BANDIT_ID.match(rule_id):
        raise CatalogueError(f"{where}: ids are PG-<FAMILY><NNN> (or bandit's B<NNN>)")
    elif not raw.get("reference"):
        missing.append("reference")
    if missing:
        raise CatalogueError(f"{where}: missing {', '.join(missing)}")
    if raw["severity"] not in SEVERITIES:
        raise CatalogueError(f"{where}: severity must be one of {', '.join(SEVERITIES)}")
    cwe = raw.get("cwe")
    if cwe is not None and not (isinstance(cwe, int) and cwe > 0):
        raise CatalogueError(f"{where}: cwe must be a positive integer or null")
    known = {*_REQUIRED, *_OWN_REQUIRED, "cwe", "aliases", "reference"}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise CatalogueError(f"{where}: unknown keys {', '.join(unknown)}")
    return Rule(
        id=rule_id,
        analyzer=str(raw["analyzer"]),
        title=str(raw["title"]).strip(),
        severity=str(raw["severity"]),
        cwe=cwe,
        why=str(raw["why"]).strip(),
        bad=str(raw.get("bad") or "").rstrip(),
        good=str(raw.get("good") or "").rstrip(),
        fix=str(raw.get("fix") or "").strip(),
        aliases=tuple(str(a) for a in raw.get("aliases") or ()),
        reference=str(raw.get("reference") or ""),
        family=family or path.stem,
    )
