"""The checker: every group of PG-VULN checks over one module, dispatched by node kind."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from prguard.analyzers.asttools import assignment_of, keyword_value, nodes_of
from prguard.analyzers.media_types import MEDIA_TYPE_KEYWORDS, is_non_html, typed_afterwards
from prguard.analyzers.redos import redos_problem
from prguard.analyzers.vuln_rules.archives import (
    PATH_CALLS,
    SAX_FEATURES,
    XML_PARSERS,
    ArchiveChecks,
    parser_problem,
    sax_feature,
)
from prguard.analyzers.vuln_rules.crypto import CryptoChecks
from prguard.analyzers.vuln_rules.deserialization import DeserializationChecks
from prguard.analyzers.vuln_rules.forwarded import ForwardedChecks
from prguard.analyzers.vuln_rules.loops import LoopChecks
from prguard.analyzers.vuln_rules.passwords import PasswordHashChecks
from prguard.analyzers.vuln_rules.paths import PathChecks, StaticRootChecks
from prguard.analyzers.vuln_rules.regex import (
    REGEX_CALLS,
    RegexChecks,
    fold,
    module_constants,
    with_flags,
)
from prguard.analyzers.vuln_rules.shapes import VulnHit, falsy, is_join, truthy
from prguard.analyzers.vuln_rules.sql import SqlChecks
from prguard.analyzers.vuln_rules.table import RULES
from prguard.analyzers.vuln_rules.timing import TimingChecks
from prguard.analyzers.vuln_rules.transport import TransportChecks
from prguard.analyzers.vuln_rules.web import MARKUP_CALLS, WebChecks

#: hashlib algorithm names bandit's B324 calls insecure (it reads them only as literals)
WEAK_HASHES = frozenset({"md4", "md5", "sha", "sha1"})

#: methods whose checks depend on the receiver's type (the rest match by qualified name)
_TYPED_METHODS = frozenset({"extractall", "extract", "set_cookie"})
#: what a call's own checks report of its secret arguments
_SECRET_RULES = frozenset({"PG-VULN011", "PG-VULN018"})


class VulnChecker(
    ArchiveChecks,
    CryptoChecks,
    DeserializationChecks,
    ForwardedChecks,
    LoopChecks,
    PasswordHashChecks,
    PathChecks,
    RegexChecks,
    SqlChecks,
    StaticRootChecks,
    TimingChecks,
    TransportChecks,
    WebChecks,
):
    """All PG-VULN checks over one module: the groups of checks, and which node kinds each reads."""

    def run(self) -> Iterator[VulnHit]:
        self._constants = module_constants(self.tree)
        self._reported_patterns: set[int] = set()
        if self.resolver.imports_package("re"):
            yield from self._regex_tables()
            yield from self._pattern_constants()
        kinds = (ast.Call, ast.Compare, ast.Assign, ast.Return, ast.While, ast.Dict, ast.BinOp, ast.JoinedStr)
        added_inside: set[int] = set()
        for node in nodes_of(self.tree, *kinds):
            if isinstance(node, ast.Call):
                found = list(self._call(node))
                yield from found
                if not any(hit.rule.id in _SECRET_RULES for hit in found):
                    # `config.update(SECRET_KEY=...)` is reported as a signing key, not again as a secret
                    yield from self._random_secret_keywords(node)
                if isinstance(node.func, ast.Attribute) and node.func.attr == "format":
                    yield from self._formatted_sql(node)
            elif isinstance(node, ast.JoinedStr):
                yield from self._formatted_sql(node)
            elif isinstance(node, ast.Compare):
                yield from self._compare(node)
                yield from self._forwarded_compare(node)
            elif isinstance(node, ast.Assign):
                yield from self._setting(node)
                yield from self._protocol_setting(node)
                yield from self._verification_setting(node)
                yield from self._serializer_setting(node)
                signing = list(self._signing_key_setting(node))
                yield from signing
                if not signing:  # a session signing key is reported as one, not again as a secret
                    yield from self._random_secret(node)
                yield from self._morsel_cookie(node)
            elif isinstance(node, ast.Return) and node.value is not None:
                yield from self._returned_html(node)
                yield from self._returned_traceback(node)
                yield from self._random_secret_returned(node)
                yield from self._forwarded_return(node)
            elif isinstance(node, ast.While):
                yield from self._endless(node)
            elif isinstance(node, ast.Dict):
                yield from self._where(node)
                yield from self._cherrypy_sessions(node)
                yield from self._static_root_dict(node)
            elif isinstance(node, ast.BinOp):
                yield from self._temp_path_operator(node)
                if isinstance(node.op, ast.Mod):
                    yield from self._formatted_sql(node)
                elif isinstance(node.op, ast.Add) and id(node) not in added_inside:
                    # `a + b + c` is read whole at its top (the walk meets it first), not again per part
                    added_inside.update(id(n) for n in ast.walk(node.left) if isinstance(n, ast.BinOp))
                    yield from self._formatted_sql(node)
        yield from self._django_cors()

    def _folded_argument(self, argument: ast.expr, call: ast.Call) -> str | bytes | None:
        """The constant text an argument holds: a literal or what module constants fold to, or a
        local name assigned once in the calling function (`algo = "md5"; hashlib.new(algo)`)."""
        text = fold(argument, self._constants)
        if text is None and isinstance(argument, ast.Name):
            scoped = self.resolver.scope_of(call) is not None and self._scope_assigns(argument) == 1
            local = self._assigned(argument) if scoped else None
            text = fold(local, self._constants) if local is not None else None
        return text

    def _declares_non_html(self, call: ast.Call) -> bool:
        """A response whose media type is not HTML: given to the call, or set on the response
        right after it is made (`resp.headers["Content-Type"] = "text/plain"`)."""
        for keyword in call.keywords:
            if keyword.arg in MEDIA_TYPE_KEYWORDS:
                declared = self._folded_argument(keyword.value, call)  # a constant, or a name holding one
                if isinstance(declared, str) and is_non_html(declared):
                    return True
        function = self.resolver.scope_of(call)
        if function is None:
            return False
        assignment = assignment_of(function, call)
        return assignment is not None and typed_afterwards(function, assignment)

    def _call(self, node: ast.Call) -> Iterator[VulnHit]:
        method = node.func.attr if isinstance(node.func, ast.Attribute) else ""
        qual = self.resolver.qualname(node.func) or ""
        # receivers' types are only needed for the typed checks: inferring them is the costly part
        names = self.resolver.call_names(node) if method in _TYPED_METHODS else ((qual,) if qual else ())
        unfiltered = not keyword_value(node, "filter") and not (
            method == "extractall" and keyword_value(node, "members")
        )
        checked_member = method == "extract" and self._confined(node)  # one member, its target checked first
        if (
            method in ("extractall", "extract")
            and unfiltered
            and not checked_member
            and self._is_tar(node, names)
        ):
            yield VulnHit(RULES["PG-VULN001"], node, f"{qual or method}() without filter='data'")
        if qual in PATH_CALLS or any(n in PATH_CALLS for n in names):
            member = self._member_name(node)
            if member is not None and not self._confined(node) and not self._saved_by_storage(node):
                yield VulnHit(RULES["PG-VULN001"], node, f"archive member name `{member}` used as a path")
        if qual in XML_PARSERS:
            problem = parser_problem(node)
            if problem:
                yield VulnHit(RULES["PG-VULN002"], node, problem)
            elif keyword_value(node, "resolve_entities") is None and not any(
                k.arg is None for k in node.keywords
            ):
                name = qual.rsplit(".", 1)[-1]
                detail = f"{name}() without resolve_entities=False (lxml before 5.0 resolves them)"
                yield VulnHit(RULES["PG-VULN002"], node, detail, severity="medium")
        if method == "setFeature" and len(node.args) >= 2:
            feature = sax_feature(self.resolver, node.args[0])
            if feature in SAX_FEATURES and truthy(node.args[1]):
                yield VulnHit(
                    RULES["PG-VULN002"], node, f"SAX feature {feature.rsplit('.', 1)[-1]} switched on"
                )
        yield from self._jinja_environment(node, qual)
        if qual in MARKUP_CALLS and node.args and not self._declares_non_html(node):
            formatted = self._unescaped_html(node.args[0])
            if formatted:
                yield VulnHit(RULES["PG-VULN003"], node, f"{qual.rsplit('.', 1)[-1]}() of {formatted}")
        if qual == "hashlib.new" and node.args:
            algorithm = self._folded_argument(node.args[0], node)
            unsafe = isinstance(algorithm, str) and algorithm.lower() in WEAK_HASHES
            not_for_security = keyword_value(node, "usedforsecurity")
            if unsafe and not (not_for_security is not None and falsy(not_for_security)):
                yield VulnHit(RULES["PG-VULN029"], node, f"hashlib.new({algorithm!r})")
        if qual in REGEX_CALLS and node.args:
            pattern = self._folded_argument(node.args[0], node)
            if pattern is not None:
                problem = redos_problem(with_flags(pattern, node))
                if problem:
                    # a pattern kept in a module constant is reported where it is written
                    argument = node.args[0]
                    written = isinstance(argument, ast.Name) and self._constants.get(argument.id)
                    if id(written or node) not in self._reported_patterns:
                        self._reported_patterns.add(id(written or node))
                        yield VulnHit(RULES["PG-VULN005"], written or node, problem)
        if method == "set_cookie" and self._is_response(node, names):
            yield from self._cookie(node)
        if qual:
            yield from self._crypto_call(node, qual)
        yield from self._fast_password_hash(node, qual)
        yield from self._loader_call(node, qual)
        yield from self._rsa_padding(node, qual)
        yield from self._signing_key_call(node, qual)
        if qual:
            yield from self._ssh_host_key(node, qual)
            yield from self._temp_path(node, qual)
        yield from self._static_root_call(node, qual)
        if is_join(node) and node.args:
            pick = self._random_pick(node.args[0])
            if pick:
                yield VulnHit(RULES["PG-VULN018"], node, f"a string joined from {pick}")
