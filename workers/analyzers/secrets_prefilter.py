"""Which added lines could hold a secret, and which detect-secrets detectors could find it there.

Running all of detect-secrets' detectors on every added line costs ~50 µs a line, and almost
no line holds a secret. Each detector only ever reports what one of its own regular
expressions matches, so each gets a *necessary condition* here: a short pattern that every
line it could report on must contain (a key prefix such as `AKIA` or `ghp_`, a keyword such
as `password`, a quoted run long enough to pass the entropy limit ...). A line no condition
matches is never shown to a detector; a detector is run only on the lines its own condition
matched. That is an optimisation, not a heuristic: the findings are exactly those of running
every detector on every line (tests/unit/test_secrets_prefilter.py checks it on planted
secrets, tests/integration/test_secrets_prefilter_corpus.py on every tracked file). A detector
missing from the table (a newer detect-secrets) runs on every line.

All the added lines of a file are scanned at once, joined by newlines, with one regex per
condition (C speed, literal prefixes); no condition can match across a newline, so a match
belongs to the line it starts in. Case-insensitive conditions run on the lower-cased text
when it is ASCII (a lower-case literal search is several times faster than `re.IGNORECASE`)
and with `re.IGNORECASE` otherwise, which matches what the detectors' own flags match.
A condition that is an alternation of words with no literal start (the keyword detector's:
~10 ms on 80 kB of code) has a *gate*: words one of which every match of it contains, found
first with a literal search; the condition itself runs only on the lines holding one.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate

_BASE64 = r"A-Za-z0-9+/\\=_\-"  # Base64HighEntropyString's charset
_KEY_WORDS = r"(?:key|pwd|pass|token)"
_QUOTED_RUN = rf"['\"](?:[{_BASE64}]{{23,}}|[0-9a-fA-F]{{9,}})['\"]"
# KeywordDetector's denylist, and what each of its expressions needs around it on the line: an
# assignment, comparison, colon or arrow after the name (`]`/quotes between), an index or a call
# (C, C++), a `;` later on (quotes-and-semicolon), or `==`/`!=` before it (reversed comparison).
# The bare words (`pass`, `keys`, `secret` in prose) match none of them.
_DENYLIST = (
    "api_?key|auth_?key|service_?key|account_?key|db_?key|database_?key|priv_?key|private_?key|"
    "client_?key|db_?pass|database_?pass|key_?pass|password|passwd|pwd|secret|contraseña|contrasena"
)
_SPACE = r"[^\S\n]*"  # `\s` without the newline: a condition never matches across lines
_KEYWORD_IN_USE = (
    rf"(?:{_DENYLIST})\w*(?:[]'\"]{{0,2}}{_SPACE}[:=!]|\[[0-9]*\]|.assign\(|\(\")"
    rf"|(?:{_DENYLIST})[^\n]*;"
    rf"|[!=]{{2}}{_SPACE}\w*(?:{_DENYLIST})"
)

#: detector class → (patterns matched as written, patterns matched ignoring case (lower-case only)).
#: Each is implied by every match of the detector's own expressions, and none matches a newline.
NEEDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "AWSKeyDetector": (("A3T[A-Z0-9]|ABIA|ACCA|AKIA|ASIA",), ("aws",)),
    "ArtifactoryDetector": ((r"AKC|AP[\dABCDEF]",), ()),
    "AzureStorageKeyDetector": (("AccountKey=",), ()),
    "BasicAuthDetector": ((r"://[^\s@]+@",), ()),
    "CloudantDetector": ((), (r"cl(?:oudant|ou)?[_-]?(?:api)?(?:key|pw|pass|token)|cloudant",)),
    "DiscordBotTokenDetector": ((r"\.[a-zA-Z\d_-]{6}\.[a-zA-Z\d_-]{27}",), ()),
    "GitHubTokenDetector": (("gh[pousr]_",), ()),
    "GitLabTokenDetector": (("gl(?:pat|dt|ft|soat|rt|cbt|imt|ptt|agent|oas)-", "GR1348941"), ()),
    "IbmCloudIamDetector": ((), (_KEY_WORDS + r"[^\n]*?[\w-]{44}",)),
    "IbmCosHmacDetector": ((), (r"secret[_-]?(?:access)?[_-]?key",)),
    "JwtTokenDetector": (("eyJ",), ()),
    "MailchimpDetector": (("-us[0-9]",), ()),
    "NpmDetector": ((":_authToken=",), ()),
    "OpenAIDetector": (("T3BlbkFJ",), ()),
    "PrivateKeyDetector": (("PRIVATE KEY|PuTTY-User-Key-File-2",), ()),
    "PypiTokenDetector": (("pypi-AgE",), ()),
    "SendGridDetector": ((r"SG\.",), ()),
    "SlackDetector": ((), ("xox[abposr]-", r"hooks\.slack\.com")),
    "SoftlayerDetector": ((), (r"s(?:oftlayer|l)[_-]?(?:api)?[_-]?" + _KEY_WORDS + "|softlayer",)),
    "SquareOAuthDetector": (("sq0csp-",), ()),
    "StripeDetector": (("k_live_",), ()),
    "TelegramBotTokenDetector": ((":[0-9A-Za-z_-]{35}",), ()),
    "TwilioKeyDetector": (("AC[a-z0-9]{32}", "SK[a-z0-9]{32}"), ()),
    # a quoted run of the charset: entropy above the limit needs more than 2**limit characters
    # (base64: limit 4.5, 23; hex: 3.0, 9); one scan serves both
    "Base64HighEntropyString": ((_QUOTED_RUN,), ()),
    "HexHighEntropyString": ((_QUOTED_RUN,), ()),
    # every keyword expression holds a denylisted name used as a key, an operand or an argument
    "KeywordDetector": ((), (_KEYWORD_IN_USE,)),
}

#: case-insensitive condition → a gate: an alternation of lower-case words, one of which lies
#: inside every match of the condition (each denylisted name holds `key`, `pass`, `pwd`, `secret`
#: or `contrase`), so a line holding none of them cannot match it. Matched with the condition's
#: own flags, character by character, so the implication holds on lower-cased and on
#: `re.IGNORECASE` text alike.
GATES: dict[str, str] = {
    _KEYWORD_IN_USE: "key|pass|pwd|secret|contrase",
    _KEY_WORDS + r"[^\n]*?[\w-]{44}": "key|pwd|pass|token",
}


@dataclass(frozen=True, slots=True)
class _Condition:
    detectors: frozenset[str]
    pattern: str
    any_case: bool
    lowered: re.Pattern[str] | None  # how it matches lower-cased ASCII text (case-insensitive ones)
    gate: str | None = None  # GATES: words one of which a line must hold to match (case-insensitive ones)
    gate_lowered: re.Pattern[str] | None = None

    @property
    def exact(self) -> re.Pattern[str]:
        """How it matches the original text: compiled on first use (case-insensitive conditions
        need it only for non-ASCII text), then from `re`'s own cache."""
        return re.compile(self.pattern, re.IGNORECASE if self.any_case else 0)

    @property
    def gate_exact(self) -> re.Pattern[str] | None:
        """The gate on the original text, with the condition's own flags."""
        if self.gate is None:
            return None
        return re.compile(self.gate, re.IGNORECASE if self.any_case else 0)


@lru_cache(maxsize=1)
def _conditions() -> tuple[_Condition, ...]:
    """Each distinct pattern once, with every detector that needs it."""
    by_pattern: dict[tuple[str, bool], set[str]] = {}
    for detector, (as_written, any_case) in NEEDS.items():
        for pattern in as_written:
            by_pattern.setdefault((pattern, False), set()).add(detector)
        for pattern in any_case:
            by_pattern.setdefault((pattern, True), set()).add(detector)
    conditions = []
    for (pattern, any_case), detectors in by_pattern.items():
        gate = GATES.get(pattern) if any_case else None
        conditions.append(
            _Condition(
                frozenset(detectors),
                pattern,
                any_case,
                re.compile(pattern) if any_case else None,
                gate,
                re.compile(gate) if gate is not None else None,
            )
        )
    return tuple(conditions)


def candidates(lines: Sequence[str], detectors: Iterable[str]) -> dict[int, frozenset[str]]:
    """Index of each line some detector could report on → the detectors to run on it.

    `detectors` are the class names of the detectors in use; those without a condition
    in NEEDS are listed for every non-blank line.
    """
    unknown = frozenset(name for name in detectors if name not in NEEDS)
    found: dict[int, set[str]] = {}
    if unknown:
        for index, line in enumerate(lines):
            if line.strip():
                found[index] = set(unknown)
    # ASCII lines and the others apart: a case-insensitive condition reads the ASCII ones lower-cased
    # (one non-ASCII line used to send the whole file through `re.IGNORECASE`, ~3x slower)
    ascii_lines = [index for index, line in enumerate(lines) if line.isascii()]
    other_lines = (
        [index for index, line in enumerate(lines) if not line.isascii()]
        if len(ascii_lines) < len(lines)
        else []
    )
    for indexes, is_ascii in ((ascii_lines, True), (other_lines, False)):
        if indexes:
            _scan(lines, indexes, is_ascii, found)
    for index, names in found.items():
        for detector in names & _ENTROPY_LIMITS.keys():
            if not _entropy_above(lines[index], *_ENTROPY_LIMITS[detector]):
                names.discard(detector)
    return {index: frozenset(names) for index, names in found.items() if names}


def _scan(lines: Sequence[str], indexes: list[int], is_ascii: bool, found: dict[int, set[str]]) -> None:
    """Every condition over these lines (`lines[i]` for i in `indexes`), joined by newlines: a
    condition never matches across one, so a match belongs to the line it starts in, and each
    line's matches are the same whatever lines surround it."""
    text = "\n".join(lines[index] for index in indexes)
    starts = list(accumulate((len(lines[index]) + 1 for index in indexes[:-1]), initial=0))
    lowered = text.lower() if is_ascii else None
    for condition in _conditions():
        if condition.lowered is not None and lowered is not None:
            pattern, gate, subject = condition.lowered, condition.gate_lowered, lowered
        else:
            pattern, gate, subject = condition.exact, condition.gate_exact, text
        if gate is None:
            for match in pattern.finditer(subject):
                line = indexes[bisect_right(starts, match.start()) - 1]
                found.setdefault(line, set()).update(condition.detectors)
            continue
        # a gated condition: only on the lines holding a gate word, each searched on its own
        # (no condition matches across a newline, so a line has a match here exactly when the
        # scan of the whole text finds one starting in it)
        tried = -1
        for word in gate.finditer(subject):
            position = bisect_right(starts, word.start()) - 1
            if position == tried:
                continue
            tried = position
            end = starts[position + 1] - 1 if position + 1 < len(starts) else len(subject)
            if pattern.search(subject, starts[position], end):
                found.setdefault(indexes[position], set()).update(condition.detectors)


#: the entropy detectors' default limits (`_plugins()` builds them with their defaults) and the
#: quoted runs they measure (their own expression: a quote, one or more of the charset, the same quote)
_ENTROPY_LIMITS: dict[str, tuple[float, re.Pattern[str]]] = {
    "Base64HighEntropyString": (4.5, re.compile(r"(['\"])([A-Za-z0-9+/\\\-_=]+)(\1)")),
    "HexHighEntropyString": (3.0, re.compile(r"(['\"])([0-9a-fA-F]+)(\1)")),
}
#: summation order differs from detect-secrets': keep values this close to the limit
_ENTROPY_SLACK = 1e-9


def _entropy_above(line: str, limit: float, quoted_run: re.Pattern[str]) -> bool:
    """Whether a quoted run on the line has Shannon entropy above the limit: what either entropy
    detector needs to report (the hex one lowers all-digit values further, so this is necessary).
    Checked here so a line of long quoted words never imports detect-secrets."""
    for match in quoted_run.finditer(line):
        value = match.group(2)
        size = len(value)
        entropy = -sum(n / size * math.log2(n / size) for n in Counter(value).values())
        if entropy > limit - _ENTROPY_SLACK:
            return True
    return False
