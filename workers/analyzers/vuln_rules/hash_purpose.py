"""What an MD5 or SHA-1 digest is for, read from the code around it.

Bandit's B324 reports every MD5 and SHA-1 digest made without `usedforsecurity=False`. Most of
those in application code are fingerprints: cache keys, ETags, cache-busting versions, file
names, Gravatar addresses, rollout buckets. A collision or a fast guess harms none of them. The
ones that matter hash a password, a secret or a token, or sign or verify something, and the code
that does so names it. A digest made in a function that names none of that is a fingerprint.
A small helper that hashes what its caller hands over says nothing of its own, and a digest
outside any function has nothing around it: their purpose is unknown and the finding keeps
bandit's severity.
"""

from __future__ import annotations

import ast

from prguard.analyzers.pyresolve import Resolver
from prguard.analyzers.vuln_rules.crypto import SECRET_KEY_WORDS, SECRET_VALUE_WORDS, words_of

#: words that put a digest to a security use: the data is a secret (the words that name one,
#: as the secret-value rules read them, and their plurals), or the digest authenticates
SECURITY_WORDS = SECRET_VALUE_WORDS | frozenset(
    {
        *("pw", "pincode", "secrets", "tokens", "apikey", "credential", "credentials", "private"),
        *("hmac", "mac", "sign", "signs", "signed", "signing", "signature", "signatures"),
        *("verify", "verified", "verification", "auth", "authenticate", "authentication"),
        *("authorization", "authorize", "cipher", "encrypt", "decrypt", "encryption", "crypt"),
        *("aes", "des", "csrf", "captcha", "integrity", "tamper"),
    }
)

#: words in a helper's own name that say what its digest is: a fingerprint of the data
FINGERPRINT_WORDS = frozenset(
    {
        *("cache", "cached", "etag", "filename", "file", "path", "dir", "folder", "name", "key"),
        *("id", "ids", "uid", "guid", "slug", "version", "bust", "bucket", "buckets", "checksum"),
        *("fingerprint", "avatar", "gravatar", "libravatar", "color", "colour", "dedup", "content"),
        *("duplicate", "changed", "thumbnail", "thumb", "shard", "partition", "url", "uri"),
    }
)


def fingerprint_only(call: ast.AST, resolver: Resolver) -> bool:
    """Whether the digest `call` makes is a fingerprint: nothing in the function it is made in
    names a secret or an authentication, and what it hashes is not only what a caller handed
    over to a helper that names no fingerprint either. A digest outside any function has no
    code around it to read a purpose from."""
    function = resolver.scope_of(call)
    if function is None or any(_security_name(name) for name in _names_in(function)):
        return False
    if _returns_digest_of_parameters(call, function):
        return bool(FINGERPRINT_WORDS.intersection(words_of(function.name)))
    return True


def _security_name(name: str) -> bool:
    words = words_of(name)
    if SECURITY_WORDS.intersection(words):
        return True
    return len(words) > 1 and words[-1] == "key" and words[-2] in SECRET_KEY_WORDS


def _names_in(scope: ast.AST) -> set[str]:
    """Every name the scope uses: its own and its parameters', variables, attributes, keyword
    arguments and constant subscript keys (`form["password"]`)."""
    names: set[str] = set()
    for node in ast.walk(scope):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, ast.Name):
            names.add(node.id)
        elif isinstance(node, ast.Attribute):
            names.add(node.attr)
        elif isinstance(node, ast.keyword) and node.arg:
            names.add(node.arg)
        elif isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
            names.add(str(node.slice.value))
    return names


def _returns_digest_of_parameters(call: ast.AST, function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """Whether the function hands back a digest of nothing but its parameters (`return
    md5(text).hexdigest()`): a helper whose digest is put to use, and named, by its callers."""
    if not isinstance(call, ast.Call) or not (call.args or call.keywords):
        return False
    returned = (r.value for r in ast.walk(function) if isinstance(r, ast.Return) and r.value is not None)
    if not any(node is call for value in returned for node in ast.walk(value)):
        return False
    params = {a.arg for a in (*function.args.posonlyargs, *function.args.args, *function.args.kwonlyargs)}
    data = [*call.args, *(k.value for k in call.keywords if k.arg in (None, "data", "string"))]
    parts = [n for arg in data for n in ast.walk(arg)]
    called = {id(n.func) for n in parts if isinstance(n, ast.Call)}
    used = {n.id for n in parts if isinstance(n, ast.Name) and id(n) not in called}
    return bool(used) and used <= params
