"""PG-VULN035: a password given to a fast digest (SHA-2, SHA-3, BLAKE2)."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from prguard.analyzers.asttools import const_str, keyword_value
from prguard.analyzers.vuln_rules.crypto import holder_name, words_of
from prguard.analyzers.vuln_rules.shapes import CheckerBase, VulnHit
from prguard.analyzers.vuln_rules.table import RULES

#: digests made to be fast, not to slow a password guess down (MD5 and SHA-1 are bandit's B324)
_FAST_DIGESTS = frozenset(
    {
        *("sha224", "sha256", "sha384", "sha512", "sha512_224", "sha512_256"),
        *("sha3_224", "sha3_256", "sha3_384", "sha3_512", "blake2b", "blake2s"),
    }
)
#: the last word of a name that holds a password
_PASSWORD_WORDS = frozenset({"password", "passwd", "pwd", "passphrase", "pw"})


def _password_read(data: ast.expr) -> str | None:
    """The name of a password the data is made of: a variable, attribute or constant key whose
    last word says password (`password.encode()`, `salt + user.pwd`, `form["password"]`), read
    through conversions and text building, not through calls that make something else of it."""
    for node in _data_parts(data, 0):
        name = holder_name(node)
        words = words_of(name)
        if words and words[-1] in _PASSWORD_WORDS:
            return name
    return None


def _data_parts(node: ast.expr, depth: int) -> Iterator[ast.expr]:
    if depth > 4:
        return
    yield node
    if isinstance(node, ast.BinOp):
        yield from _data_parts(node.left, depth + 1)
        yield from _data_parts(node.right, depth + 1)
    elif isinstance(node, ast.JoinedStr):
        for part in node.values:
            if isinstance(part, ast.FormattedValue):
                yield from _data_parts(part.value, depth + 1)
    elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "encode":
        yield from _data_parts(node.func.value, depth + 1)
    elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("str", "bytes"):
        for arg in node.args[:1]:
            yield from _data_parts(arg, depth + 1)


class PasswordHashChecks(CheckerBase):
    """A stored password's hash must be slow to guess against: a fast digest of it, salted or not,
    gives a leaked table up to a GPU within days."""

    def _fast_password_hash(self, node: ast.Call, qual: str) -> Iterator[VulnHit]:
        """`hashlib.sha256(password.encode())`, `sha512(salt + pwd)`: a password given to a fast
        digest (MD5 and SHA-1 are bandit's B324, reported for any data)."""
        if qual == "hashlib.new" and node.args:
            data = node.args[1] if len(node.args) > 1 else keyword_value(node, "data")
        else:
            data = node.args[0] if node.args else keyword_value(node, "data")
        named = _password_read(data) if data is not None else None
        if not named:
            return  # the common case, settled before any hash object is looked up
        if qual == "hashlib.new":
            algorithm = const_str(node.args[0] if node.args else keyword_value(node, "name"))
        elif isinstance(node.func, ast.Attribute) and node.func.attr == "update":
            algorithm = self._digest_made(node.func.value)  # `h = hashlib.sha256()`, `h.update(pw)`
        else:
            algorithm = qual.removeprefix("hashlib.") if qual.startswith("hashlib.") else None
        if algorithm is not None and algorithm.lower() in _FAST_DIGESTS:
            yield VulnHit(RULES["PG-VULN035"], node, f"{algorithm}() of `{named}`")

    def _digest_made(self, receiver: ast.expr) -> str | None:
        """The hashlib algorithm a local name was made with (`h = hashlib.sha256()`), if every
        value it is given is one made so."""
        if not isinstance(receiver, ast.Name):
            return None
        made = {
            (self.resolver.qualname(v.func) or "").removeprefix("hashlib.")
            for v in self.resolver.possible_values(receiver)
            if v is not receiver and isinstance(v, ast.Call)
        }
        return made.pop() if len(made) == 1 else None
