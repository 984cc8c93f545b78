"""Hard-coded credentials in the added lines of every changed text file (CWE-798).

Uses detect-secrets' detectors in-process (AWS, GitHub, Slack, Stripe, private keys,
basic-auth URLs, JWTs, high-entropy strings in assignments, keyword passwords ...) and
its false-positive heuristics, on added lines only: YAML, .env, JSON, notebooks,
shell and source files alike. No detector is asked to verify a secret (that would send
it over the network), detect-secrets' own logger is never given one, and the secret
itself never leaves this module: messages name the kind and length, and fingerprints
are built from the line with every secret on it masked (never from the value: fingerprints
are published in PR-comment markers, and a hash of a weak password can be brute-forced;
in a review the engine recomputes them, like every other finding's on a line with a
secret: prguard.engine.redact). Guessed values that are obviously no credential (`pass`,
`changeme`, `your-api-key-here`: `is_placeholder`) are not reported.
Only the lines and detectors `secrets_prefilter` picks are scanned, with the same findings
as scanning every line with every detector, at a fraction of the cost. `redact` holds
the values found in the last run so the engine can mask them in every other analyzer's
output too (a bandit message quoting a password, a suggestion rewriting a line that holds
a token) and keep them out of every fingerprint.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import re
import sys
import types
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from prguard.analyzers.base import Analyzer, FileContext
from prguard.analyzers.secrets_prefilter import candidates
from prguard.engine.globs import matches_any
from prguard.engine.model import Confidence, Finding, Severity, make_fingerprint
from prguard.engine.redact import FINGERPRINT_MASK

CWE_HARDCODED_CREDENTIALS = 798
MAX_LINE = 10_000  # characters of one added line that are scanned (minified bundles)
#: public IP addresses are not credentials
SKIPPED_DETECTORS = frozenset({"IPPublicDetector"})
#: detectors that guess (entropy, a keyword next to a value) rather than recognise a token format
GUESSING_DETECTORS = frozenset({"Base64HighEntropyString", "HexHighEntropyString", "KeywordDetector"})
MASK = FINGERPRINT_MASK

# --- values a guessing detector reports that are not credentials ---------------------------
# KeywordDetector reports whatever follows `password =` / `secret:`: in real code that is as
# often a test value or a placeholder (`"pass"`, `"changeme"`, `your-api-key-here`) as a
# credential. Such a value is not reported, and so never masked in other findings either
# (masking `pass` turned "passed" into "[secret masked]ed"). Token formats (AKIA…, ghp_…)
# are recognised, not guessed, and are always reported. In Python, bandit's B105-B107 still
# flag any hard-coded password literal, short or not.

#: shorter guesses are test values (`pass`, `test`, `1234`, `admin`): no one relies on them as secrets
MIN_GUESSED_LENGTH = 6
#: placeholder and non-secret words, compared lower-cased without `-`, `_`, `.` and spaces
PLACEHOLDER_WORDS = frozenset(
    {
        "changeme", "changeit", "changethis", "password", "passwd", "passphrase", "secret",
        "secretkey", "apikey", "token", "accesstoken", "privatekey", "credentials", "example",
        "sample", "dummy", "fake", "placeholder", "redacted", "removed", "hidden", "masked",
        "notset", "unset", "none", "null", "undefined", "empty", "default", "true", "false",
        "testing", "foobar", "foobarbaz", "notasecret", "notsecret", "mypassword",
        "yourpassword", "mysecret", "yoursecret", "mytoken", "yourtoken", "myapikey", "yourapikey",
    }
)  # fmt: skip
_PLACEHOLDER_SHAPES = re.compile(
    r"""^(?:your|enter|insert|replace|put)[-_.\s]  # your-api-key, enter_password, insert-token
      | [-_.\s](?:here|goes[-_.\s]?here)$  # api-key-here, token_goes_here
      | ^\$\{.*\}$ | ^\{\{.*\}\}$ | ^<.*>$ | ^%\(\w+\)s$ | ^\$[A-Za-z_]\w*$  # ${VAR} {{var}} <pw> $VAR
      | ^(?:os\.environ|os\.getenv|getenv\(|process\.env\.|ENV\[|env\()  # a reference quoted as text
    """,
    re.IGNORECASE | re.VERBOSE,
)
_SEPARATORS = re.compile(r"[-_.\s]+")
#: a message, not a credential: three or more words (`"set either X or Y, not both"`)
_PROSE = re.compile(r"\S+\s+\S+\s+\S+")
#: keys that name or point at a secret rather than hold one (`secretName: prguard-github`,
#: `password_file`, `SECRET_ARN=`), matched just before the `:` / `=` on the line
_REFERENCE_KEY = re.compile(
    r"(?:secret|password|passwd|token|api[-_]?key|key)[-_]?(?:name|ref|id|arn|path|file|env|var|keyref)"
    r"[\"']?\s*[:=]",
    re.IGNORECASE,
)
#: a git object id or content digest under a key that says so (`"sha": "4be1c0d…"`, `head_sha=`)
_DIGEST_KEY = re.compile(
    r"(?:sha|sha1|sha256|commit|digest|checksum|hash|oid|revision|rev)[\"']?\s*[:=]", re.I
)
_HEX_DIGEST = re.compile(r"[0-9a-fA-F]{7,64}")


def is_placeholder(value: str) -> bool:
    """Whether a guessed value is obviously not a credential: too short, a placeholder word,
    one character repeated (`xxxxxx`, `******`), a sentence of three or more words, a template
    (`${VAR}`, `<password>`) or a reference to where the real one lives (`os.environ[...]`)."""
    if len(value) < MIN_GUESSED_LENGTH or len(set(value)) == 1 or _PROSE.match(value.strip()):
        return True
    if _SEPARATORS.sub("", value).lower() in PLACEHOLDER_WORDS:
        return True
    return _PLACEHOLDER_SHAPES.search(value) is not None


class SecretsAnalyzer(Analyzer):
    name = "secrets"
    languages = frozenset({"*"})
    compare_with_base = False  # added lines are new by definition
    cacheable = False  # `redact` must be filled on every run, so no per-file cache
    order = 60

    def __init__(self) -> None:
        self.redact: set[str] = set()

    def analyze(self, files: list[FileContext]) -> Iterator[Finding]:
        self.redact = set()
        for ctx in files:
            yield from self.analyze_file(ctx)

    def analyze_file(self, ctx: FileContext) -> Iterator[Finding]:
        excluded = ctx.settings.get("exclude_paths") or ()
        if excluded and matches_any(ctx.path, excluded):
            return
        lines = ctx.head.lines
        numbers = [n for n in sorted(ctx.diff.added_lines) if 0 < n <= len(lines)]
        texts = [lines[n - 1][:MAX_LINE] for n in numbers]
        detectors = _plugin_names()
        on_lines = candidates(texts, detectors)
        in_cells: dict[int, tuple[str, frozenset[str]]] = {}
        if ctx.path.endswith(".ipynb"):  # a cell's source line is a JSON string: its text is scanned too
            for index, text in enumerate(texts):
                decoded = _json_string(text)
                wanted = candidates([decoded], detectors).get(0) if decoded and decoded.strip() else None
                if decoded and wanted:
                    in_cells[index] = (decoded, wanted)
        for index in sorted(on_lines.keys() | in_cells.keys()):
            decoded, wanted_decoded = in_cells.get(index, (None, frozenset()))
            yield from self._line(
                ctx, numbers[index], texts[index], on_lines.get(index, frozenset()), decoded, wanted_decoded
            )

    def _line(
        self,
        ctx: FileContext,
        number: int,
        line: str,
        wanted: frozenset[str],
        decoded: str | None = None,
        wanted_decoded: frozenset[str] = frozenset(),
    ) -> Iterator[Finding]:
        if not line.strip():
            return
        found = list(_detect_text(ctx.path, line, wanted)) if wanted else []
        if decoded is not None:
            found.extend(_detect_text(ctx.path[: -len(".ipynb")] + ".py", decoded, wanted_decoded))
        if not found:
            return
        masked = mask_secrets(line, [secret for _, secret, _ in found])
        seen: set[str] = set()
        for detector, secret, kind in found:
            if secret in seen:
                continue  # two detectors on one value: one finding
            seen.add(secret)
            self.redact.add(secret)
            rule_id = "secret." + re.sub(r"[^a-z0-9]+", "-", kind.lower()).strip("-")
            column = line.find(secret)
            yield Finding(
                rule_id=rule_id,
                analyzer=self.name,
                severity=Severity.HIGH,
                path=ctx.path,
                start_line=number,
                end_line=number,
                message=(
                    f"Hard-coded credential: {kind} ({len(secret)} characters, masked). Remove it, "
                    "rotate it (it is in the branch history now), and read it from the environment "
                    "or a secret store."
                ),
                fingerprint=make_fingerprint(rule_id, ctx.path, masked, detector),
                confidence=Confidence.MEDIUM if detector in GUESSING_DETECTORS else Confidence.HIGH,
                cwe=CWE_HARDCODED_CREDENTIALS,
                title=f"Hard-coded {kind}",
                start_column=column + 1 if column >= 0 else None,
                end_column=column + len(secret) + 1 if column >= 0 else None,
            )


def mask_secrets(line: str, secrets: list[str]) -> str:
    """The line with every secret found on it replaced (also in its JSON-escaped form, for
    notebooks): what a fingerprint may be built from, since it holds no secret."""
    forms = {form for secret in secrets for form in (secret, json.dumps(secret)[1:-1]) if form}
    for form in sorted(forms, key=len, reverse=True):
        line = line.replace(form, MASK)
    return line


def _json_string(line: str) -> str | None:
    text = line.strip().rstrip(",")
    if len(text) < 2 or not (text.startswith('"') and text.endswith('"')):
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, str) else None


def _detect_text(path: str, line: str, wanted: frozenset[str]) -> Iterator[tuple[str, str, str]]:
    """(detector class name, secret value, kind) for each secret on the line, after the heuristics;
    only the `wanted` detectors run (those the pre-filter says could find something here)."""
    _prepare_imports()
    from detect_secrets.util.code_snippet import get_code_snippet

    context = get_code_snippet(lines=[line], line_number=1)
    for plugin in _plugins(wanted):
        try:
            found = plugin.analyze_line(filename=path, line=line, line_number=1, context=context)
        except Exception:  # noqa: S112 - a detector bug on odd input must not stop the review
            continue
        for potential in found:
            value = potential.secret_value
            if not value or _filtered(path, line, value, plugin, context):
                continue
            name = type(plugin).__name__
            if name in GUESSING_DETECTORS and (is_placeholder(value) or _names_not_holds(line, value)):
                continue
            yield name, _whole(plugin, line, value), str(potential.type)


def _names_not_holds(line: str, value: str) -> bool:
    """The key on the line names a secret (`secretName:`) or the value is a commit/content digest
    under a key that says so (`"sha": "4be1c0d…"`): a reference, not a credential."""
    if _REFERENCE_KEY.search(line):
        return True
    return _HEX_DIGEST.fullmatch(value) is not None and _DIGEST_KEY.search(line) is not None


def _whole(plugin: Any, line: str, value: str) -> str:
    """The whole token when a detector reports only its prefix (GitHub's `ghp`)."""
    for regex in getattr(plugin, "denylist", ()) or ():
        for match in regex.finditer(line):
            token = match.group(0)
            if token != value and token.startswith(value):
                return token
    return value


#: the detectors `_plugins()` builds from detect-secrets 1.5, each with its module under
#: `detect_secrets.plugins` (a test keeps this equal to detect-secrets' own table), in the order they run:
#: token formats first, they name the secret better than a guess does. Named here so a change with no
#: candidate line never imports detect-secrets, and one with candidates imports only the detectors
#: they need (two of the others read `requests` as they load: see `_defer_import`).
DETECTOR_MODULES = {
    "AWSKeyDetector": "aws", "ArtifactoryDetector": "artifactory",
    "AzureStorageKeyDetector": "azure_storage_key", "BasicAuthDetector": "basic_auth",
    "CloudantDetector": "cloudant", "DiscordBotTokenDetector": "discord",
    "GitHubTokenDetector": "github_token", "GitLabTokenDetector": "gitlab_token",
    "IbmCloudIamDetector": "ibm_cloud_iam", "IbmCosHmacDetector": "ibm_cos_hmac",
    "JwtTokenDetector": "jwt", "MailchimpDetector": "mailchimp", "NpmDetector": "npm",
    "OpenAIDetector": "openai", "PrivateKeyDetector": "private_key", "PypiTokenDetector": "pypi_token",
    "SendGridDetector": "sendgrid", "SlackDetector": "slack", "SoftlayerDetector": "softlayer",
    "SquareOAuthDetector": "square_oauth", "StripeDetector": "stripe",
    "TelegramBotTokenDetector": "telegram_token", "TwilioKeyDetector": "twilio",
    "Base64HighEntropyString": "high_entropy_strings", "HexHighEntropyString": "high_entropy_strings",
    "KeywordDetector": "keyword",
}  # fmt: skip
DETECTOR_NAMES = tuple(DETECTOR_MODULES)
_DETECTORS: dict[str, Any] = {}  # name -> the one instance of that detector


class _DeferredModule(types.ModuleType):
    """Stands in `sys.modules` for a module not imported yet: the first attribute it lacks
    imports the real module (which then replaces it there) and is read from that."""

    def __getattr__(self, name: str) -> Any:
        if sys.modules.get(self.__name__) is self:
            del sys.modules[self.__name__]
        return getattr(importlib.import_module(self.__name__), name)


def _defer_import(name: str) -> None:
    """Let `import name` succeed without running the module until something uses it.

    detect-secrets imports `requests` only to verify a secret with its provider, which prguard
    never does; importing it (and urllib3, charset-normalizer, idna) was most of what finding
    one candidate line cost a command-line review. The standard library's
    `importlib.util.LazyLoader` does not help: `import` reads the module's `__spec__`, which
    loads it. Whoever uses the module later gets the real one; if it is imported already,
    nothing changes.
    """
    if name in sys.modules:
        return
    spec = importlib.util.find_spec(name)
    if spec is None:
        return
    stand_in = _DeferredModule(name)
    stand_in.__spec__ = spec
    stand_in.__loader__ = spec.loader
    sys.modules[name] = stand_in


def _prepare_imports() -> None:
    """Before anything of detect-secrets is imported: `requests` deferred (`_defer_import`), and
    the `detect_secrets` package registered without running its `__init__`, which imports
    `SecretsCollection` and with it the whole scanner (baseline, file scanning, the plugin
    discovery): half of what importing the detectors, the filters and the code-snippet helper
    cost (~13 of ~26 ms). Its submodules import as usual; the first use of any other name of the
    package runs its real `__init__` (as prguard.analyzers.bandit_tests does for bandit), so other
    code in the same process sees the package it expects."""
    _defer_import("requests")
    if "detect_secrets" in sys.modules:
        return
    from prguard.analyzers.bandit_tests import bare_package

    try:
        bare_package("detect_secrets")
    except ModuleNotFoundError:
        return  # imported as usual, and failing as usual, where it is used


def _plugin_names() -> tuple[str, ...]:
    return DETECTOR_NAMES


def _plugins(names: frozenset[str] | None = None) -> tuple[Any, ...]:
    """One instance of each built-in detector in `names` (default: all), with its default
    settings, in `DETECTOR_NAMES` order."""
    missing = [n for n in DETECTOR_NAMES if n not in _DETECTORS and (names is None or n in names)]
    if missing:
        _prepare_imports()
        from detect_secrets.settings import get_settings

        # verification calls the provider's API with the secret: never
        get_settings().disable_filters(
            "detect_secrets.filters.common.is_ignored_due_to_verification_policies"
        )
        for name in missing:
            module = importlib.import_module(f"detect_secrets.plugins.{DETECTOR_MODULES[name]}")
            _DETECTORS[name] = getattr(module, name)()
    return tuple(_DETECTORS[n] for n in DETECTOR_NAMES if names is None or n in names)


@lru_cache(maxsize=1)
def _filters() -> tuple[tuple[Any, frozenset[str], bool], ...]:
    """detect-secrets' false-positive heuristics that make sense without a file on disk:
    (function, its arguments, whether it applies only to guessing detectors). The line-shape
    heuristics (`x = f(...)`, `${VAR}`) exist for keyword and entropy guesses; a recognised
    token format (`xoxb-…`, `AKIA…`) passed to a call is still a token."""
    _prepare_imports()
    from detect_secrets.filters import allowlist, heuristic
    from detect_secrets.util.inject import get_injectable_variables

    functions = (
        (heuristic.is_sequential_string, True),
        (heuristic.is_potential_uuid, True),
        (heuristic.is_likely_id_string, True),
        (heuristic.is_templated_secret, True),
        (heuristic.is_prefixed_with_dollar_sign, True),
        (heuristic.is_indirect_reference, True),
        (heuristic.is_not_alphanumeric_string, True),
        (heuristic.is_lock_file, False),
        (heuristic.is_swagger_file, False),
        (allowlist.is_line_allowlisted, False),  # `pragma: allowlist secret`
    )
    return tuple((f, frozenset(get_injectable_variables(f)), guess_only) for f, guess_only in functions)


def _filtered(path: str, line: str, secret: str, plugin: Any, context: Any) -> bool:
    guessing = type(plugin).__name__ in GUESSING_DETECTORS
    arguments = {"filename": path, "line": line, "secret": secret, "plugin": plugin, "context": context}
    for heuristic, wants, guess_only in _filters():
        if guess_only and not guessing:
            continue
        try:
            if heuristic(**{name: arguments[name] for name in wants if name in arguments}):
                return True
        except TypeError:
            continue
    return False
