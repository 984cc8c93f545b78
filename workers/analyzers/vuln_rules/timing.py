"""Secrets and MACs compared with `==`."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from prguard.analyzers.asttools import const_str
from prguard.analyzers.vuln_rules.regex import CONTAINERS
from prguard.analyzers.vuln_rules.shapes import CheckerBase, VulnHit, is_none, short, trivial
from prguard.analyzers.vuln_rules.table import RULES

_DIGEST_METHODS = frozenset({"hexdigest", "digest"})

_DIGEST_CALLS = frozenset({"hmac.new", "hmac.digest", "hashlib.pbkdf2_hmac", "hashlib.scrypt"})

#: calls whose result is itself a MAC or a key-derived hash
_DIGEST_RESULTS = frozenset({"hmac.digest", "hashlib.pbkdf2_hmac", "hashlib.scrypt"})

#: MAC objects whose `finalize()` returns the tag (their own `verify()` is constant time)
_MAC_TYPES = frozenset(
    {"cryptography.hazmat.primitives.hmac.HMAC", "cryptography.hazmat.primitives.cmac.CMAC"}
)

#: library methods that return a signature (itsdangerous' signers and algorithms)
_SIGNATURE_CALLS = frozenset(
    {
        f"{owner}.get_signature"
        for owner in (
            "itsdangerous.Signer",
            "itsdangerous.signer.Signer",
            "itsdangerous.TimestampSigner",
            "itsdangerous.timed.TimestampSigner",
            "itsdangerous.signer.HMACAlgorithm",
            "itsdangerous.signer.SigningAlgorithm",
        )
    }
)

#: how many calls deep a digest is followed into the module's own functions and methods
_DIGEST_CALL_DEPTH = 2

#: The last word of an attribute or key naming a secret (`request.headers["X-Hub-Signature"]`,
#: `user.password`), and compound endings that do; a bare `token` or `digest` names too many
#: ordinary things (tokenizers, digest sizes) to count.
_SECRET_LAST_WORDS = frozenset({"signature", "hmac", "mac", "secret", "password", "passwd", "pwhash"})

_SECRET_ENDINGS = (
    "password_hash",
    "passwd_hash",
    "api_key",
    "apikey",
    "csrf_token",
    "xsrf_token",
    "auth_token",
    "access_token",
    "refresh_token",
    "session_token",
    "reset_token",
    "secret_key",
    "signing_key",
)

#: Methods where `==` is structural equality of objects, not a check of a presented secret.
_EQUALITY_METHODS = frozenset({"__eq__", "__ne__", "__hash__", "__lt__", "__le__", "__gt__", "__ge__"})


def _names_secret_value(node: ast.AST) -> bool:
    """A name, attribute or constant key that names a secret (`password`, `self.secret_key`,
    `conf['signing_key']`): what makes a plain hash a keyed one."""
    if isinstance(node, ast.Name):
        return _names_secret(node.id)
    if isinstance(node, ast.Attribute):
        return _names_secret(node.attr)
    if isinstance(node, ast.Subscript):
        key = const_str(node.slice)
        return key is not None and _names_secret(key)
    return False


def _names_secret(label: str) -> bool:
    words = label.lower().replace("-", "_").strip("_")
    return words.rsplit("_", 1)[-1] in _SECRET_LAST_WORDS or words.endswith(_SECRET_ENDINGS)


class TimingChecks(CheckerBase):
    """PG-VULN004: secrets and MACs compared with `==`, which returns at the first difference."""

    def _compare(self, node: ast.Compare) -> Iterator[VulnHit]:
        if len(node.ops) != 1 or not isinstance(node.ops[0], ast.Eq | ast.NotEq | ast.Is | ast.IsNot):
            return
        left, right = node.left, node.comparators[0]
        if trivial(left) or trivial(right):
            return
        scope = self.resolver.scope_of(node)
        if scope is not None and scope.name in _EQUALITY_METHODS:
            return
        identity = isinstance(node.ops[0], ast.Is | ast.IsNot)
        for side in (left, right):
            # `is` on a digest is the same byte-unsafe check written wrongly; on a name it is identity
            why = self._computed_digest(side) if identity else self._secret(side)
            if why:
                yield VulnHit(RULES["PG-VULN004"], node, why)
                return

    def _secret(self, node: ast.expr) -> str | None:
        """Why `node` holds a secret to compare in constant time (a digest it computes, an
        attribute or key that names one), or None. Local variable names do not count."""
        computed = self._computed_digest(node)
        if computed or isinstance(node, ast.Name):
            return computed
        label = None
        if isinstance(node, ast.Attribute):
            label = node.attr
        elif isinstance(node, ast.Subscript):
            label = const_str(node.slice)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get":
            label = const_str(node.args[0]) if node.args else None
        if label and _names_secret(label):
            return f"`{short(node)}` names a secret"
        return None

    def _computed_digest(self, node: ast.expr) -> str | None:
        """Why `node` is a MAC or keyed digest computed here or by a function of this module
        (`self.sign(msg)` whose every return is `hmac.new(...).digest()`), or None."""
        if self._is_digest(node):
            callee = self.resolver.local_callee(node) if isinstance(node, ast.Call) else None
            if callee is not None and self._returns_digest(callee, 1):
                return f"`{short(node)}` returns a computed digest ({callee.name}(), line {callee.lineno})"
            return f"`{short(node)}` is a computed digest"
        if isinstance(node, ast.Name):
            origin = self._assigned(node)
            if origin is not None and self._is_digest(origin):
                return f"`{node.id}` holds a computed digest"
        return None

    def _is_digest(self, node: ast.expr, depth: int = 0) -> bool:
        return any(isinstance(sub, ast.Call) and self._digest_call(sub, depth) for sub in ast.walk(node))

    def _digest_call(self, call: ast.Call, depth: int) -> bool:
        """A call whose result is a MAC, signature or keyed digest: `.digest()`/`.hexdigest()` of
        an HMAC (or of a hash fed a secret), `hmac.digest()`, a key derivation, a MAC object's
        `finalize()`, a signer's `get_signature()`, or a function of this module that returns one."""
        qual = self.resolver.qualname(call.func) or ""
        if qual in _DIGEST_RESULTS:
            return True
        method = call.func.attr if isinstance(call.func, ast.Attribute) else ""
        if method in _DIGEST_METHODS:
            return self._is_mac_object(call.func.value, depth)  # type: ignore[attr-defined]
        if method == "finalize":
            receiver = call.func.value  # type: ignore[attr-defined]
            origin = self._assigned(receiver) if isinstance(receiver, ast.Name) else None
            # an all-capitals class (`HMAC`) reads as a constant to the resolver: ask its constructor
            if isinstance(origin, ast.Call) and self.resolver.qualname(origin.func) in _MAC_TYPES:
                return True
            if self.resolver.type_of(receiver) in _MAC_TYPES:
                return True
        if method == "get_signature" and any(n in _SIGNATURE_CALLS for n in self.resolver.call_names(call)):
            return True
        if depth < _DIGEST_CALL_DEPTH:
            callee = self.resolver.local_callee(call)
            if callee is not None:
                return self._returns_digest(callee, depth + 1)
        return False

    def _is_mac_object(self, node: ast.expr, depth: int) -> bool:
        """An HMAC object, or a hash object fed a secret (what `.digest()` is called on): built
        here, held in a local name, or returned by a function of this module."""
        if isinstance(node, ast.Name):
            origin = self._assigned(node)
            return origin is not None and self._mac_constructor(origin, node)
        if not isinstance(node, ast.Call):
            return False
        if self._mac_constructor(node, None):
            return True
        if depth < _DIGEST_CALL_DEPTH:
            callee = self.resolver.local_callee(node)
            if callee is not None:
                key = ("object", id(callee))
                if key not in self._digest_functions:
                    self._digest_functions[key] = False  # recursion: not proven
                    returns = [r for r in self.resolver.returns_of(callee) if not is_none(r)]
                    self._digest_functions[key] = bool(returns) and all(
                        self._is_mac_object(r, depth + 1) for r in returns
                    )
                return self._digest_functions[key]
        return False

    def _mac_constructor(self, node: ast.expr, name: ast.Name | None) -> bool:
        """`hmac.new(...)` / `hmac.HMAC(...)`, or a `hashlib` constructor fed a secret, in its
        arguments or (for an object held in `name`) in a later `name.update(...)`."""
        if not isinstance(node, ast.Call):
            return False
        qual = self.resolver.qualname(node.func) or ""
        if qual in _DIGEST_CALLS or qual.startswith("hmac."):
            return True
        if not qual.startswith("hashlib."):
            return False
        fed = [*node.args, *(k.value for k in node.keywords)]
        if name is not None:
            fed.extend(self._updates(name))
        return any(_names_secret_value(sub) for value in fed for sub in ast.walk(value))

    def _updates(self, name: ast.Name) -> list[ast.expr]:
        """The arguments of `name.update(...)` calls in the name's function."""
        scope = self.resolver.scope_of(name)
        body = scope.body if scope is not None else self.tree.body
        return [
            arg
            for node in ast.walk(ast.Module(body=body, type_ignores=[]))
            if isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "update"
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == name.id
            for arg in node.args
        ]

    def _returns_digest(self, function: ast.FunctionDef | ast.AsyncFunctionDef, depth: int) -> bool:
        """Every value the function returns (`return None` aside) is a MAC or keyed digest, not a
        container that holds one."""
        key = ("digest", id(function))
        if key not in self._digest_functions:
            self._digest_functions[key] = False  # recursion: not proven
            returns = [r for r in self.resolver.returns_of(function) if not is_none(r)]
            self._digest_functions[key] = bool(returns) and all(
                not isinstance(r, CONTAINERS) and self._is_digest(r, depth) for r in returns
            )
        return self._digest_functions[key]
