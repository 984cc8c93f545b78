"""The marker table: loads and validates `authorship_markers.yml` and policy `extra_markers`.

Markers are data so that adding an agent is one entry; this module only turns
entries into compiled, checked objects and refuses malformed ones with a clear
message (which entry, which key).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from prguard import shipped_yaml

MARKERS_FILE = Path(__file__).with_name("authorship_markers.yml")

CANONICAL_AGENTS = (
    "copilot",
    "claude_code",
    "codex",
    "devin",
    "cursor",
    "aider",
    "jules",
    "openhands",
    "amazon_q",
    "sweep",
    "gemini_code_assist",
    "replit",
    "roo_code",
    "continue",
    "amp",
    "opencode",
    "goose",
    "unknown_ai",
)

IDENTITY_KINDS = frozenset({"email", "bot_id", "login", "name", "identity"})
TEXT_KINDS = frozenset({"footer", "body", "subject", "title", "branch", "code"})
KINDS = IDENTITY_KINDS | TEXT_KINDS | {"trailer", "label"}
STRENGTHS = ("hint", "weak", "medium", "strong")
ROLES = frozenset({"author", "committer", "coauthor", "pr_author"})
_AGENT_ID = re.compile(r"^[a-z][a-z0-9_]*$")


class MarkerError(ValueError):
    """A marker entry that cannot be used."""


@dataclass(frozen=True, slots=True)
class Marker:
    """One way an agent marks its work."""

    id: str
    agent: str
    kind: str
    strength: str
    description: str
    value: str | int | None = None
    key: str | None = None
    pattern: LazyPattern | None = None
    roles: frozenset[str] = ROLES

    @property
    def rank(self) -> int:
        return STRENGTHS.index(self.strength)


@dataclass(frozen=True, slots=True)
class NonAiBot:
    login: str
    id: int | None
    quotes_upstream: bool


@dataclass(frozen=True, slots=True)
class MarkerTable:
    markers: tuple[Marker, ...]
    non_ai_bots: tuple[NonAiBot, ...]
    review_bot_blocks: tuple[tuple[str, LazyPattern], ...]

    def of_kind(self, kind: str) -> tuple[Marker, ...]:
        return tuple(m for m in self.markers if m.kind == kind)

    def with_extra(self, entries: Iterable[Mapping[str, Any]], source: str) -> MarkerTable:
        """This table plus an org's own markers (policy `authorship.extra_markers`)."""
        extra = tuple(parse_marker(entry, f"{source}[{i}]") for i, entry in enumerate(entries))
        known = {m.id for m in self.markers}
        for marker in extra:
            if marker.id in known:
                raise MarkerError(f"{source}: marker id {marker.id!r} is already defined")
            known.add(marker.id)
        return MarkerTable(self.markers + extra, self.non_ai_bots, self.review_bot_blocks)

    def non_ai_bot(self, login: str | None, account_id: int | None = None) -> NonAiBot | None:
        for bot in self.non_ai_bots:
            if (login and login.lower() == bot.login.lower()) or (account_id and account_id == bot.id):
                return bot
        return None


class LazyPattern:
    """A marker's regular expression, compiled on its first use.

    The shipped table holds ~80 expressions and compiling them was a tenth of a small review's
    work, yet a review uses only the kinds it has text for (a local change has no pull request
    title or body). The shipped ones are checked to compile by tests/unit/test_authorship_detector.py;
    a policy's own markers are compiled when read, so a bad one is reported there.
    """

    __slots__ = ("_compiled", "flags", "pattern")

    def __init__(self, pattern: str, flags: int = re.MULTILINE) -> None:
        self.pattern = pattern
        self.flags = flags
        self._compiled: re.Pattern[str] | None = None

    def compiled(self) -> re.Pattern[str]:
        if self._compiled is None:
            self._compiled = re.compile(self.pattern, self.flags)
        return self._compiled

    def search(self, text: str) -> re.Match[str] | None:
        return self.compiled().search(text)

    def fullmatch(self, text: str) -> re.Match[str] | None:
        return self.compiled().fullmatch(text)

    def sub(self, replacement: str, text: str) -> str:
        return self.compiled().sub(replacement, text)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, LazyPattern) and (self.pattern, self.flags) == (other.pattern, other.flags)

    def __hash__(self) -> int:
        return hash((self.pattern, self.flags))

    def __repr__(self) -> str:
        return f"LazyPattern({self.pattern!r})"


def _compile(pattern: Any, where: str, *, lazy: bool = False) -> LazyPattern:
    if not isinstance(pattern, str) or not pattern:
        raise MarkerError(f"{where}: 'pattern' must be a non-empty regular expression")
    compiled = LazyPattern(pattern)
    if not lazy:
        try:
            compiled.compiled()
        except re.error as exc:
            raise MarkerError(f"{where}: bad regular expression {pattern!r}: {exc}") from exc
    return compiled


def parse_marker(entry: Any, where: str, *, lazy: bool = False) -> Marker:
    """Validate one table entry (built-in or from policy) and compile its pattern (`lazy`: on
    first use; for the shipped table, whose expressions the tests compile)."""
    if not isinstance(entry, Mapping):
        raise MarkerError(f"{where}: a marker must be a mapping")
    unknown = set(entry) - {
        "id",
        "agent",
        "kind",
        "strength",
        "description",
        "value",
        "key",
        "pattern",
        "roles",
    }
    if unknown:
        raise MarkerError(f"{where}: unknown key(s) {sorted(unknown)}")
    marker_id, agent, kind, strength = (entry.get(k) for k in ("id", "agent", "kind", "strength"))
    if not isinstance(marker_id, str) or not marker_id:
        raise MarkerError(f"{where}: 'id' is required")
    where = f"{where} ({marker_id})"
    if not isinstance(agent, str) or not _AGENT_ID.match(agent):
        raise MarkerError(f"{where}: 'agent' must be an id like 'claude_code'")
    if kind not in KINDS:
        raise MarkerError(f"{where}: 'kind' must be one of {sorted(KINDS)}")
    if strength not in STRENGTHS:
        raise MarkerError(f"{where}: 'strength' must be one of {list(STRENGTHS)}")
    value = entry.get("value")
    pattern = entry.get("pattern")
    compiled = _compile(pattern, where, lazy=lazy) if pattern is not None else None
    if kind == "bot_id":
        if isinstance(value, bool) or not isinstance(value, int):
            raise MarkerError(f"{where}: a bot_id marker needs an integer 'value'")
    elif kind in {"email", "login", "label"}:
        if not (isinstance(value, str) and value) and compiled is None:
            raise MarkerError(f"{where}: a {kind} marker needs a 'value' (or a 'pattern')")
    elif kind == "trailer":
        if not isinstance(entry.get("key"), str) or not entry.get("key"):
            raise MarkerError(f"{where}: a trailer marker needs a 'key'")
    elif compiled is None:
        raise MarkerError(f"{where}: a {kind} marker needs a 'pattern'")
    roles = entry.get("roles")
    if roles is None:
        role_set = ROLES
    elif isinstance(roles, list) and roles and set(roles) <= ROLES:
        role_set = frozenset(roles)
    else:
        raise MarkerError(f"{where}: 'roles' must be a list drawn from {sorted(ROLES)}")
    return Marker(
        id=marker_id,
        agent=agent,
        kind=kind,
        strength=strength,
        description=str(entry.get("description") or marker_id),
        value=value.lower() if isinstance(value, str) else value,
        key=entry["key"].lower() if isinstance(entry.get("key"), str) else None,
        pattern=compiled,
        roles=role_set,
    )


def parse_table(data: Any, source: str, *, lazy: bool = False) -> MarkerTable:
    """The whole table file: `markers`, `non_ai_bots`, `review_bot_blocks` (`lazy`: see parse_marker)."""
    if not isinstance(data, Mapping) or not isinstance(data.get("markers"), list):
        raise MarkerError(f"{source}: expected a mapping with a 'markers' list")
    markers = tuple(
        parse_marker(e, f"{source}: markers[{i}]", lazy=lazy) for i, e in enumerate(data["markers"])
    )
    seen: set[str] = set()
    for marker in markers:
        if marker.id in seen:
            raise MarkerError(f"{source}: duplicate marker id {marker.id!r}")
        seen.add(marker.id)
    bots = []
    for i, bot in enumerate(data.get("non_ai_bots") or ()):
        if not isinstance(bot, Mapping) or not isinstance(bot.get("login"), str):
            raise MarkerError(f"{source}: non_ai_bots[{i}] needs a 'login'")
        bot_id = bot.get("id")
        bots.append(
            NonAiBot(
                bot["login"], bot_id if isinstance(bot_id, int) else None, bool(bot.get("quotes_upstream"))
            )
        )
    blocks = []
    for i, block in enumerate(data.get("review_bot_blocks") or ()):
        if not isinstance(block, Mapping):
            raise MarkerError(f"{source}: review_bot_blocks[{i}] must be a mapping")
        pattern = _compile(block.get("pattern"), f"review_bot_blocks[{i}]", lazy=lazy)
        blocks.append((str(block.get("name", i)), pattern))
    return MarkerTable(markers, tuple(bots), tuple(blocks))


@cache
def builtin_table() -> MarkerTable:
    """The table shipped with prguard (parsed once per process)."""
    return parse_table(shipped_yaml.load(MARKERS_FILE), MARKERS_FILE.name, lazy=True)
