"""Which AI coding agents wrote or co-wrote a change, with evidence a reviewer can check.

Reads everything GitHub tells about a pull request (author account, title, body,
head branch, labels, every commit's identities, message and trailers) and the
added lines of the changed files, and matches them against the marker table
(`authorship_markers.yml`). Precision comes first:

* identities match by address, numeric account id or login, never by display
  name (people are called Claude, Devin and Jules);
* a marker found only on the committer means the agent merely committed (weak);
* weak markers (branch prefixes, labels) need a second marker of another kind;
  hints (in-code phrases, placeholder TODOs) never make a change AI-authored;
* dependency bots are not AI authors, and the upstream release notes they quote
  are not read; review-bot blocks in a human PR body are removed before reading;
* no marker means "unknown", not "human".
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from prguard.analyzers.authorship_table import (
    IDENTITY_KINDS,
    STRENGTHS,
    Marker,
    MarkerError,
    MarkerTable,
    builtin_table,
)
from prguard.engine.diffmap import added_patch_lines
from prguard.engine.model import ChangedFile, CommitInfo, Person, PullRequestInfo, decode_source, source_lines

CONFIDENCES = ("low", "medium", "high")
DEFAULT_LABEL = "ai-generated"
MAX_EVIDENCE_PER_AGENT = 25
MAX_CODE_LINES = 50_000
_DETAIL_LIMIT = 160

# Trailers that name a person or tool (value `Name <email>`); read anywhere in a message,
# because squash merges put the original commits' trailers in the middle of the body.
IDENTITY_TRAILERS = frozenset({"co-authored-by", "assisted-by", "generated-by", "co-developed-by"})
_TRAILER_LINE = re.compile(r"^([A-Za-z0-9][A-Za-z0-9-]*)[ \t]*:[ \t]*(\S.*?)\s*$")
_NAME_EMAIL = re.compile(r"^(.*?)\s*<([^<>\s]+@[^<>\s]+)>\s*$")
# `Name address@host` or `Name (address@host)`: trailers written by hand or by tools that drop the brackets
_NAME_BARE_EMAIL = re.compile(r"^(.*?)[\s(\[]*([^\s<>()\[\]]+@[^\s<>()\[\]]+\.[A-Za-z]{2,})[)\]]?\s*$")
_BOT_LOGIN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]*\[bot\]$")
_NOREPLY = re.compile(r"^(?:(\d+)\+)?([^@+]+)@users\.noreply\.github\.com$", re.IGNORECASE)
_FENCE = re.compile(r"(?ms)^[ \t]*(```|~~~).*?(?:^[ \t]*\1[^\n]*$|\Z)")
_INLINE_CODE = re.compile(r"`[^`\n]+`")
_QUOTED_LINE = re.compile(r"(?m)^[ \t]*>.*$")
_TEST_PATH = re.compile(
    r"(?:^|/)(?:tests?|testing|fixtures?|testdata|__fixtures__|__tests__|spec|specs)/"
    r"|(?:^|/)(?:test_[^/]*|[^/]*_test\.[^/]+|[^/]*\.(?:test|spec)\.[^/]+|conftest\.py)$"
)
_PROSE_FILE = re.compile(r"\.(?:md|markdown|rst|txt|adoc)$", re.IGNORECASE)
_COMMENT_START = ("#", "//", "/*", "*", "<!--", "--", ";", "%", "'", "rem ", "REM ")
_INLINE_COMMENT = re.compile(r"\s(#|//)\s?")


_CHECKBOX = re.compile(r"^[-*+]\s+\[([ xX])\]\s*(.*)$")
_AI_SECTION = re.compile(
    r"(?i)\b(?:AI|LLM|generative|copilot)\b[^\n]{0,60}\b(?:tools?|assist\w*|usage|used|use|disclos\w*|"
    r"generat\w*|contribution|involvement|help)\b|\b(?:tools?|assistants?|models?)\b[^\n]{0,30}\bused\b"
)
_NEGATION = re.compile(r"(?i)\b(?:not|no|none|without|never|didn't|did not|n/a)\b")
# Tool names in a disclosure checklist, most specific first; ambiguous words (Continue, Jules, Devin
# as a first name) are left out.
_DISCLOSED_TOOLS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (agent, re.compile(pattern))
    for agent, pattern in (
        ("claude_code", r"(?i)\bclaude\b"),
        ("codex", r"(?i)\bcodex\b"),
        ("copilot", r"(?i)\bcopilot\b"),
        ("cursor", r"(?i)\bcursor\b"),
        ("aider", r"(?i)\baider\b"),
        ("devin", r"\bDevin(?: AI)?\s*$"),
        ("amp", r"(?i)^\W*amp\b"),
        ("opencode", r"(?i)\bopencode\b"),
        ("goose", r"(?i)^\W*goose\b"),
        (
            "unknown_ai",
            r"(?i)\b(?:chatgpt|gpt-?\d[\w.-]*|openai|gemini|windsurf|codeium|tabnine|deepseek|mistral|qwen|"
            r"llama|grok|perplexity|(?:other )?(?:AI|LLM)s?(?: tools?| assistants?)?)\b",
        ),
    )
)


# ------------------------------------------------------------------ result types


@dataclass(frozen=True, slots=True)
class Evidence:
    """One marker found in one place."""

    agent: str
    marker: str
    strength: str
    kind: str
    where: str
    detail: str
    commit: str | None = None
    commit_role: str | None = None  # authored | co-authored | committed

    def to_dict(self) -> dict[str, Any]:
        return {"marker": self.marker, "where": self.where, "detail": self.detail, "strength": self.strength}


@dataclass(slots=True)
class AgentVerdict:
    id: str
    confidence: str
    evidence: list[Evidence]

    def to_dict(self) -> dict[str, Any]:
        shown = self.evidence[:MAX_EVIDENCE_PER_AGENT]
        out: dict[str, Any] = {
            "id": self.id,
            "confidence": self.confidence,
            "evidence": [e.to_dict() for e in shown],
        }
        if len(self.evidence) > len(shown):
            out["evidence_omitted"] = len(self.evidence) - len(shown)
        return out


@dataclass(slots=True)
class AuthorshipVerdict:
    """The answer: AI-authored or not, which agents, how sure, and why."""

    ai_authored: bool
    agents: list[AgentVerdict] = field(default_factory=list)
    commits: list[dict[str, Any]] = field(default_factory=list)
    min_confidence: str = "medium"
    label: str | None = None
    commit_count: int = 0
    notes: list[str] = field(default_factory=list)
    enabled: bool = True

    @property
    def confidence(self) -> str | None:
        """The highest confidence among the agents (None when nothing was found)."""
        if not self.agents:
            return None
        return max((a.confidence for a in self.agents), key=CONFIDENCES.index)

    @property
    def summary(self) -> str:
        if not self.enabled:
            return "Authorship detection is disabled by policy."
        qualifying = [a.id for a in self.agents if _at_least(a.confidence, self.min_confidence)]
        if qualifying:
            ai_commits = len(self.commits)
            of_commits = f" ({ai_commits} of {self.commit_count} commits)" if self.commit_count else ""
            return f"AI-authored: {', '.join(qualifying)}{of_commits}."
        if self.agents:
            return "Weak AI signals only; not enough to call this change AI-authored."
        return "No AI-authorship marker found (this does not prove a human wrote it)."

    def to_dict(self) -> dict[str, Any]:
        """The JSON `authorship` shape of the review result.

        `agents` lists only the agents confident enough to make the change AI-authored
        (so it is non-empty exactly when `ai_authored` is true); weaker ones are `signals`,
        same shape, shown to reviewers but never acted on.
        """
        return {
            "ai_authored": self.ai_authored,
            "confidence": self.confidence,
            "summary": self.summary,
            "agents": [a.to_dict() for a in self.agents if _at_least(a.confidence, self.min_confidence)],
            "signals": [a.to_dict() for a in self.agents if not _at_least(a.confidence, self.min_confidence)],
            "commits": list(self.commits),
            "commit_count": self.commit_count,
            "min_confidence": self.min_confidence,
            "label": self.label,
            "notes": list(self.notes),
        }


def _at_least(confidence: str, minimum: str) -> bool:
    return CONFIDENCES.index(confidence) >= CONFIDENCES.index(minimum)


# ------------------------------------------------------------------ parsing helpers


@dataclass(frozen=True, slots=True)
class Trailer:
    key: str  # lower-cased
    raw_key: str
    value: str


def parse_trailers(message: str, anywhere: Iterable[str] = IDENTITY_TRAILERS) -> list[Trailer]:
    """Trailers of a commit message, the way git reads them, plus squash-merge identity lines.

    The final paragraph counts as a trailer block when every line is `Key: value`
    (continuation lines start with whitespace), or when at least a quarter are and one
    of them is a well-known identity trailer (git's own leniency). In every other
    paragraph after the subject, only the keys in `anywhere` count, at the start of a
    line (a squash merge keeps the original commits' `Co-authored-by` lines there).
    """
    anywhere = {key.lower() for key in anywhere}
    paragraphs = [p for p in re.split(r"\n[ \t]*\n", message.replace("\r\n", "\n").strip()) if p.strip()]
    if len(paragraphs) < 2:
        return []
    found: list[Trailer] = []
    *middle, last = paragraphs[1:]
    block = _trailer_block(last)
    if block is not None:
        found.extend(block)
    else:
        middle.append(last)
    for paragraph in middle:
        for line in paragraph.splitlines():
            match = _TRAILER_LINE.match(line)
            if match and match.group(1).lower() in anywhere:
                found.append(Trailer(match.group(1).lower(), match.group(1), match.group(2)))
    return found


def _trailer_block(paragraph: str) -> list[Trailer] | None:
    trailers: list[Trailer] = []
    other = 0
    for line in paragraph.splitlines():
        if line[:1] in (" ", "\t") and trailers:
            last = trailers[-1]
            trailers[-1] = Trailer(last.key, last.raw_key, f"{last.value} {line.strip()}")
            continue
        match = _TRAILER_LINE.match(line)
        if match and " " not in match.group(1):
            trailers.append(Trailer(match.group(1).lower(), match.group(1), match.group(2)))
        else:
            other += 1
    if not trailers:
        return None
    if other == 0:
        return trailers
    known = any(t.key in IDENTITY_TRAILERS or t.key == "signed-off-by" for t in trailers)
    if known and len(trailers) * 3 >= other:  # git: at least 25% trailers
        return trailers
    return None


def _split_identity(value: str) -> tuple[str, str]:
    match = _NAME_EMAIL.match(value) or _NAME_BARE_EMAIL.match(value)
    if match:
        return match.group(1).strip().strip('"'), match.group(2).strip().lower()
    return value.strip(), ""


def _noreply(email: str) -> tuple[int | None, str | None]:
    """(account id, login) encoded in a GitHub noreply address, else (None, None)."""
    match = _NOREPLY.match(email)
    if not match:
        return None, None
    return (int(match.group(1)) if match.group(1) else None), match.group(2)


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _DETAIL_LIMIT else text[: _DETAIL_LIMIT - 1] + "…"


def clean_text(text: str, table: MarkerTable) -> str:
    """Text as its author wrote it: without review-bot blocks, code, or quoted replies."""
    for _name, pattern in table.review_bot_blocks:
        text = pattern.sub("", text)
    text = _FENCE.sub("", text)
    text = _INLINE_CODE.sub("", text)
    return _QUOTED_LINE.sub("", text)


def added_lines(changed: ChangedFile) -> Iterator[tuple[int, str]]:
    """(head line number, text) of every line the change added to the file."""
    if changed.patch:
        yield from added_patch_lines(changed.patch)
    elif changed.status == "added" and changed.head is not None:
        text = decode_source(changed.head, "replace")
        yield from enumerate(source_lines(text), start=1)


def comment_text(line: str) -> str | None:
    """The comment part of a source line, or None when the line has no comment."""
    stripped = line.strip()
    if stripped.startswith(_COMMENT_START):
        return stripped
    if "#" not in line and "//" not in line:
        return None  # no inline comment can start (most code lines): the pattern's search is skipped
    for match in _INLINE_COMMENT.finditer(line):
        before = line[: match.start()]
        if before.count('"') % 2 == 0 and before.count("'") % 2 == 0:
            return line[match.end() :]
    return None


# ------------------------------------------------------------------ detection


@dataclass(frozen=True, slots=True)
class _Identity:
    person: Person
    role: str  # author | committer | coauthor | pr_author
    where: str
    detail: str
    account_id: int | None = None


class _Detector:
    def __init__(self, table: MarkerTable, excluded_labels: Iterable[str]) -> None:
        self.table = table
        self.excluded_labels = {label.lower() for label in excluded_labels}
        self.evidence: list[Evidence] = []
        self.notes: list[str] = []

    # identities ---------------------------------------------------------
    def match_identity(self, ident: _Identity, commit: CommitInfo | None = None) -> list[Evidence]:
        """Evidence for one identity: the strongest marker per agent."""
        email = ident.person.email.strip().lower()
        noreply_id, noreply_login = _noreply(email)
        logins = {x.lower() for x in (ident.person.login, noreply_login) if x}
        ids = {x for x in (ident.account_id, noreply_id) if x}
        if any(self.table.non_ai_bot(login) for login in logins) or any(
            self.table.non_ai_bot(None, i) for i in ids
        ):
            return []
        best: dict[str, Marker] = {}
        for marker in self.table.markers:
            if marker.kind not in IDENTITY_KINDS or ident.role not in marker.roles:
                continue
            if self._identity_hit(marker, email, logins, ids, ident.person.name):
                current = best.get(marker.agent)
                if current is None or marker.rank > current.rank:
                    best[marker.agent] = marker
        out = []
        for agent, marker in best.items():
            strength = marker.strength
            role = {"author": "authored", "pr_author": None, "committer": "committed"}.get(
                ident.role, "co-authored"
            )
            if ident.role == "committer":
                strength = "weak" if marker.rank > STRENGTHS.index("weak") else marker.strength
            out.append(
                Evidence(
                    agent=agent,
                    marker=marker.id,
                    strength=strength,
                    kind=marker.kind if ident.role != "committer" else "committer",
                    where=ident.where,
                    detail=_clip(f"{marker.description}: {ident.detail}"),
                    commit=commit.sha if commit else None,
                    commit_role=role if commit else None,
                )
            )
        return out

    @staticmethod
    def _identity_hit(marker: Marker, email: str, logins: set[str], ids: set[int], name: str) -> bool:
        if marker.kind == "email":
            if marker.pattern is not None:
                return bool(email and marker.pattern.search(email))
            return bool(email) and email == marker.value
        if marker.kind == "bot_id":
            return marker.value in ids
        if marker.kind == "login":
            if marker.pattern is not None:
                return any(marker.pattern.fullmatch(login) for login in logins)
            return marker.value in logins
        if marker.kind == "identity":
            shown = f"{name.strip()} <{email}>"
            return bool(marker.pattern and name and email and marker.pattern.search(shown))
        return bool(marker.pattern and name and marker.pattern.search(name))

    # texts ---------------------------------------------------------------
    def match_text(self, kinds: set[str], text: str, where: str, commit: CommitInfo | None = None) -> None:
        if not text:
            return
        for marker in self.table.markers:
            if marker.kind not in kinds or marker.pattern is None:
                continue
            hit = marker.pattern.search(text)
            kind_is_line = marker.kind in ("branch", "title", "subject")
            if hit:
                self.evidence.append(
                    Evidence(
                        agent=marker.agent,
                        marker=marker.id,
                        strength=marker.strength,
                        kind=marker.kind,
                        where=where,
                        detail=_clip(f"{marker.description}: {text if kind_is_line else hit.group(0)}"),
                        commit=commit.sha if commit else None,
                        commit_role="co-authored" if commit else None,
                    )
                )

    def match_trailer(
        self, trailer: Trailer, where: str, commit: CommitInfo, *, generic: bool = True
    ) -> None:
        """Trailer markers; `generic=False` skips unknown_ai ones (the trailer already named an agent)."""
        for marker in self.table.of_kind("trailer"):
            if marker.key != trailer.key or (not generic and marker.agent == "unknown_ai"):
                continue
            if marker.pattern is not None and not marker.pattern.search(trailer.value):
                continue
            self.evidence.append(
                Evidence(
                    agent=marker.agent,
                    marker=marker.id,
                    strength=marker.strength,
                    kind="trailer",
                    where=where,
                    detail=_clip(f"{trailer.raw_key}: {trailer.value}"),
                    commit=commit.sha,
                    commit_role="co-authored",
                )
            )

    # the pull request ------------------------------------------------------
    def pull_request(self, pull: PullRequestInfo) -> None:
        bot = self.table.non_ai_bot(pull.author_login, pull.author_id)
        if bot is not None:
            if bot.quotes_upstream:
                self.notes.append(
                    f"Opened by {pull.author_login or bot.login}, a dependency bot: not an AI author; "
                    "its body, branch and labels quote upstream projects and were not read."
                )
                return
        elif pull.author_login or pull.author_id:
            person = Person(name="", email="", login=pull.author_login or None)
            ident = _Identity(person, "pr_author", "PR author", pull.author_login, pull.author_id)
            self.evidence.extend(self.match_identity(ident))
        body = clean_text(pull.body or "", self.table)
        self.match_text({"footer", "body"}, body, "PR body")
        self.disclosure_tools(body)
        self.match_identity_lines(body, "PR body")
        self.match_text({"title"}, pull.title or "", "PR title")
        self.match_text({"branch"}, pull.head_ref or "", "branch")
        labels = {label.lower(): label for label in pull.labels}
        for marker in self.table.of_kind("label"):
            for lowered, label in labels.items():
                if lowered in self.excluded_labels:
                    continue
                if (marker.value == lowered) or (
                    marker.pattern is not None and marker.pattern.fullmatch(label)
                ):
                    self.evidence.append(
                        Evidence(marker.agent, marker.id, marker.strength, "label", "label", _clip(label))
                    )

    def disclosure_tools(self, body: str) -> None:
        """Ticked tool boxes of a PR template's AI-disclosure section (`- [x] Claude Code` under
        `## AI usage`): medium evidence for the tool ticked, unless the box itself says no."""
        in_section = False
        for line in body.splitlines():
            stripped = line.strip()
            if not stripped:
                continue
            box = _CHECKBOX.match(stripped)
            if box is None:
                heading = stripped.startswith("#") or stripped.endswith(":") or stripped.startswith("**")
                if heading or not in_section:
                    in_section = bool(_AI_SECTION.search(stripped)) and not _NEGATION.search(stripped)
                continue
            ticked, item = box.group(1) in "xX", box.group(2)
            if not (ticked and in_section) or _NEGATION.search(item):
                continue
            for agent, pattern in _DISCLOSED_TOOLS:
                if pattern.search(item):
                    self.evidence.append(
                        Evidence(
                            agent,
                            f"{agent}.body.disclosure_tool",
                            "medium",
                            "body",
                            "PR body",
                            _clip(f"ticked tool box in the PR's AI-disclosure section: {stripped}"),
                        )
                    )
                    break

    def match_identity_lines(self, text: str, where: str, commit: CommitInfo | None = None) -> None:
        """`Co-authored-by: Name <email>` lines anywhere in a text (PR bodies carry them too)."""
        for line in text.splitlines():
            match = _TRAILER_LINE.match(line)
            if match and match.group(1).lower() in IDENTITY_TRAILERS:
                self.identity_trailer(Trailer(match.group(1).lower(), match.group(1), match.group(2)), where)

    def identity_trailer(self, trailer: Trailer, where: str, commit: CommitInfo | None = None) -> bool:
        """Match the identity a trailer names; True when it is a known agent."""
        name, email = _split_identity(trailer.value)
        login = name if not email and _BOT_LOGIN.match(name) else None
        if not email and login is None:
            return False
        person = Person(name=name, email=email, login=login)
        ident = _Identity(person, "coauthor", where, f"{trailer.raw_key}: {trailer.value}")
        hits = self.match_identity(ident, commit)
        self.evidence.extend(hits)
        return bool(hits)

    def commit(self, commit: CommitInfo) -> None:
        short = commit.sha[:7]
        author_bot = self._non_ai_bot_person(commit.author)
        author_hits = self.match_identity(
            _Identity(commit.author, "author", f"commit {short} author", _person_text(commit.author)), commit
        )
        self.evidence.extend(author_hits)
        authored_by = {e.agent for e in author_hits}
        for e in self.match_identity(
            _Identity(
                commit.committer, "committer", f"commit {short} committer", _person_text(commit.committer)
            ),
            commit,
        ):
            if e.agent not in authored_by:
                self.evidence.append(e)
        if author_bot is not None and author_bot.quotes_upstream:
            return  # dependency-bot messages quote upstream commits and release notes
        message = commit.message or ""
        subject = message.split("\n", 1)[0].strip()
        self.match_text({"subject"}, subject, f"commit {short} subject", commit)
        self.match_text({"footer"}, clean_text(message, self.table), f"commit {short} message", commit)
        anywhere = IDENTITY_TRAILERS | {m.key for m in self.table.of_kind("trailer") if m.key}
        for trailer in parse_trailers(message, anywhere):
            where = f"commit {short} trailer"
            named_agent = trailer.key in IDENTITY_TRAILERS and self.identity_trailer(trailer, where, commit)
            self.match_trailer(trailer, where, commit, generic=not named_agent)

    def _non_ai_bot_person(self, person: Person):
        noreply_id, noreply_login = _noreply(person.email.strip().lower())
        return self.table.non_ai_bot(person.login, None) or self.table.non_ai_bot(noreply_login, noreply_id)

    # the code ---------------------------------------------------------------
    def files(self, files: Sequence[ChangedFile]) -> None:
        """Comments and docstrings of added non-test code that name a generator or are chat leftovers.

        A line that names a known agent counts for that agent only (not also as unknown_ai).
        """
        code_markers = self.table.of_kind("code")
        if not code_markers:
            return
        budget = MAX_CODE_LINES
        for changed in files:
            if _TEST_PATH.search(changed.path) or _PROSE_FILE.search(changed.path):
                continue
            python = changed.path.endswith((".py", ".pyi"))
            docstrings: set[int] | None = None
            for line_no, line in added_lines(changed):
                budget -= 1
                if budget < 0:
                    self.notes.append(f"Stopped reading added code after {MAX_CODE_LINES} lines.")
                    return
                text = comment_text(line)
                if not text and python:
                    text = _docstring_start(line)
                    # parse the file only when the line would be evidence inside a docstring
                    if text is None and _prose_like(line) and _any_hit(code_markers, line.strip()):
                        if docstrings is None:
                            docstrings = docstring_lines(changed)
                        text = line.strip() if line_no in docstrings else None
                if text:
                    self._code_line(code_markers, text, line, f"file {changed.path} line {line_no}")

    def _code_line(self, markers: Sequence[Marker], text: str, line: str, where: str) -> None:
        hits = [m for m in markers if m.pattern is not None and m.pattern.search(text)]
        if any(m.agent != "unknown_ai" and m.rank > 0 for m in hits):
            hits = [m for m in hits if m.agent != "unknown_ai"]
        for marker in hits:
            self.evidence.append(
                Evidence(
                    marker.agent,
                    marker.id,
                    marker.strength,
                    "code",
                    where,
                    _clip(f"{marker.description}: {line.strip()}"),
                )
            )


def _any_hit(markers: Sequence[Marker], text: str) -> bool:
    return any(m.pattern is not None and m.pattern.search(text) for m in markers)


_DOCSTRING_OPEN = re.compile(r"""^\s*(?:[rRuU]|[bB][rR]?|[rR][bB])?(""" + '"""' + r"""|''')(.*)$""")
_PROSE_WORDS = re.compile(r"^\s*[A-Za-z.(\[]")
_PROSE_CUES = ("generat", "written", "created", " ai ", " ai,", "rest of", "here's", "here is", "hope this")
_PROSE_CUE = re.compile("|".join(map(re.escape, _PROSE_CUES)))  # one search for any cue


def _docstring_start(line: str) -> str | None:
    """The text after a line's opening triple quote (a docstring's first line), else None."""
    if '"""' not in line and "'''" not in line:
        return None
    match = _DOCSTRING_OPEN.match(line)
    if not match:
        return None
    return match.group(2).split(match.group(1), 1)[0]


def _prose_like(line: str) -> bool:
    """Cheap filter before parsing the file: a docstring's inner line starts with a word."""
    if not _PROSE_WORDS.match(line):
        return False
    return _PROSE_CUE.search(line.lower()) is not None


def docstring_lines(changed: ChangedFile) -> set[int]:
    """Head line numbers inside docstrings of a Python file (empty when it does not parse)."""
    import ast

    if changed.head is None:
        return set()
    try:
        tree = ast.parse(decode_source(changed.head, "replace"))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return set()
    lines: set[int] = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if not isinstance(body, list) or not body:
            continue
        first = body[0]
        if (
            isinstance(first, ast.Expr)
            and isinstance(first.value, ast.Constant)
            and isinstance(first.value.value, str)
        ):
            lines.update(range(first.lineno, (first.end_lineno or first.lineno) + 1))
    return lines


def _person_text(person: Person) -> str:
    text = f"{person.name} <{person.email}>" if person.email else person.name
    return f"{text} (@{person.login})" if person.login else text


def agent_confidence(evidence: Sequence[Evidence]) -> str:
    """high: a strong marker, or two independent medium ones, or medium + weak of another kind;
    medium: one medium marker, or weak markers of two different kinds; low: anything less.
    Hints never raise the confidence."""
    if any(e.strength == "strong" for e in evidence):
        return "high"
    medium_kinds = {e.kind for e in evidence if e.strength == "medium"}
    weak_kinds = {e.kind for e in evidence if e.strength == "weak"} - medium_kinds
    if len(medium_kinds) >= 2 or (medium_kinds and weak_kinds):
        return "high"
    if medium_kinds or len(weak_kinds) >= 2:
        return "medium"
    return "low"


def _dedupe(evidence: Iterable[Evidence]) -> list[Evidence]:
    """One piece of evidence per agent, kind and place: the strongest (a branch that has the
    agent's full shape is not also reported as a bare prefix)."""
    best: dict[tuple[str, str, str], Evidence] = {}
    for e in evidence:
        key = (e.agent, e.kind, e.where)
        kept = best.get(key)
        if kept is None or STRENGTHS.index(e.strength) > STRENGTHS.index(kept.strength):
            best[key] = e
    return list(best.values())


def _setting(policy: Any, key: str, default: Any) -> Any:
    if policy is None:
        return default
    return policy.get("authorship", key, default=default)


def detect_authorship(
    pull: PullRequestInfo | None, files: Sequence[ChangedFile] = (), policy: Any = None
) -> AuthorshipVerdict:
    """Judge who wrote a change: the verdict, agents with confidence and evidence, and AI commits."""
    label = policy.get("ai_authored", "label", default=DEFAULT_LABEL) if policy is not None else DEFAULT_LABEL
    label = label if isinstance(label, str) and label else DEFAULT_LABEL
    min_confidence = _setting(policy, "min_confidence", "medium")
    if min_confidence not in ("medium", "high"):
        min_confidence = "medium"
    commit_count = len(pull.commits) if pull else 0
    if not _setting(policy, "enabled", True):
        return AuthorshipVerdict(
            False, min_confidence=min_confidence, commit_count=commit_count, enabled=False
        )
    table = builtin_table()
    notes: list[str] = []
    extra = _setting(policy, "extra_markers", None) or []
    if extra:
        try:
            table = table.with_extra(extra, "authorship.extra_markers")
        except MarkerError as exc:
            notes.append(f"Ignored the policy's extra markers: {exc}")
    detector = _Detector(table, excluded_labels=[label])
    if pull is not None:
        detector.pull_request(pull)
        for commit in pull.commits:
            detector.commit(commit)
    if _setting(policy, "scan_code", True):
        detector.files(files)
    notes.extend(detector.notes)
    return _verdict(_dedupe(detector.evidence), min_confidence, label, commit_count, notes, pull)


def _verdict(
    evidence: list[Evidence],
    min_confidence: str,
    label: str,
    commit_count: int,
    notes: list[str],
    pull: PullRequestInfo | None,
) -> AuthorshipVerdict:
    by_agent: dict[str, list[Evidence]] = {}
    for e in evidence:
        by_agent.setdefault(e.agent, []).append(e)
    agents = [AgentVerdict(agent, agent_confidence(items), items) for agent, items in by_agent.items()]
    for agent in agents:
        agent.evidence.sort(key=lambda e: -STRENGTHS.index(e.strength))
    agents.sort(key=lambda a: (-CONFIDENCES.index(a.confidence), a.id))
    qualifying = {a.id for a in agents if _at_least(a.confidence, min_confidence)}
    ai_authored = bool(qualifying)
    return AuthorshipVerdict(
        ai_authored=ai_authored,
        agents=agents,
        commits=_ai_commits(evidence, qualifying, pull),
        min_confidence=min_confidence,
        label=label if ai_authored else None,
        commit_count=commit_count,
        notes=notes,
    )


def _ai_commits(
    evidence: list[Evidence], qualifying: set[str], pull: PullRequestInfo | None
) -> list[dict[str, Any]]:
    """Commits an AI agent (of sufficient confidence) authored or co-authored, in PR order."""
    per_commit: dict[str, dict[str, set[str]]] = {}
    for e in evidence:
        if e.commit is None or e.agent not in qualifying or e.strength in ("hint", "weak"):
            continue
        roles = per_commit.setdefault(e.commit, {"authored": set(), "co-authored": set()})
        roles["authored" if e.commit_role == "authored" else "co-authored"].add(e.agent)
    out = []
    for commit in pull.commits if pull else ():
        roles = per_commit.get(commit.sha)
        if not roles:
            continue
        authored = sorted(roles["authored"])
        co_authored = sorted(roles["co-authored"] - roles["authored"])
        out.append(
            {
                "sha": commit.sha,
                "subject": _clip(commit.message.split("\n", 1)[0]),
                "agents": sorted(set(authored) | set(co_authored)),
                "role": "authored" if authored else "co-authored",
                "authored_by": authored,
                "co_authored_by": co_authored,
            }
        )
    return out
