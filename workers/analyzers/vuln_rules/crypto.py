"""Cryptographic misuse: fixed keys and IVs, weak KDF settings, unverified JWTs, guessable tokens."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator, Sequence

from prguard.analyzers.asttools import const_str, keyword_value
from prguard.analyzers.vuln_rules.shapes import (
    CheckerBase,
    VulnHit,
    falsy,
    is_join,
    short,
    truthy,
)
from prguard.analyzers.vuln_rules.table import RULES
from prguard.analyzers.vuln_rules.transport import (
    AIOHTTP_CONNECTORS,
    CERT_NONE,
    OLD_PROTOCOLS,
    URLLIB3_POOLS,
)
from prguard.analyzers.vuln_rules.web import CORS_MIDDLEWARE, FLASK_CORS, any_origin

#: JWT decoders (PyJWT, python-jose) and the argument that carries the key
_JWT_DECODERS = frozenset({"jwt.decode", "jwt.api_jwt.decode", "jose.jwt.decode"})

_JWT_ENCODERS = {"jwt.encode": (1, "key"), "jwt.api_jwt.encode": (1, "key"), "jose.jwt.encode": (1, "key")}

_CIPHER_MODULES = ("Crypto.Cipher.", "Cryptodome.Cipher.")

#: cipher constructors of `cryptography` whose first argument is the key
_KEYED_ALGORITHMS = frozenset(
    f"cryptography.hazmat.primitives.ciphers.algorithms.{name}"
    for name in ("AES", "AES128", "AES256", "Camellia", "ChaCha20", "TripleDES", "Blowfish", "CAST5", "SM4")
)

#: call → (position, keyword) of its key argument
_KEY_ARGUMENTS: dict[str, tuple[int, str]] = {
    "cryptography.fernet.Fernet": (0, "key"),
    "hmac.new": (0, "key"),
    "hmac.digest": (0, "key"),
    "cryptography.hazmat.primitives.ciphers.aead.AESGCM": (0, "key"),
    "cryptography.hazmat.primitives.ciphers.aead.ChaCha20Poly1305": (0, "key"),
    "cryptography.hazmat.primitives.ciphers.aead.AESCCM": (0, "key"),
    **_JWT_ENCODERS,
}

#: `cryptography` modes whose first argument is an IV or nonce (ECB has none; XTS takes a tweak)
_IV_MODES = frozenset(
    f"cryptography.hazmat.primitives.ciphers.modes.{name}"
    for name in ("CBC", "CFB", "CFB8", "OFB", "CTR", "GCM")
)

_CIPHER = "cryptography.hazmat.primitives.ciphers.Cipher"

_PBKDF2 = "hashlib.pbkdf2_hmac"

_PBKDF2_CLASS = "cryptography.hazmat.primitives.kdf.pbkdf2.PBKDF2HMAC"

_SALTED_KDFS: dict[str, tuple[int, str]] = {
    _PBKDF2: (2, "salt"),
    "hashlib.scrypt": (-1, "salt"),
    _PBKDF2_CLASS: (-1, "salt"),
    "cryptography.hazmat.primitives.kdf.scrypt.Scrypt": (-1, "salt"),
}

MIN_PBKDF2_ITERATIONS = 100_000

_SHORT_KEY_CALLS = frozenset({"paramiko.RSAKey.generate", "paramiko.rsakey.RSAKey.generate"})

_RANDOM_PICKS = frozenset({"random.choice", "random.choices", "random.sample"})

MIN_TOKEN_LENGTH = 16

#: where a name splits into words (`reset_token`, `rememberMeToken`, `SHASign`)
_CAMEL_OR_SNAKE = re.compile(r"_|(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
#: the last word of a name that holds a secret (one-time codes, tokens, nonces, salts, passwords)
SECRET_VALUE_WORDS = frozenset(
    {"otp", "pin", "nonce", "token", "password", "passwd", "pwd", "pass", "passphrase", "secret", "salt"}
)
#: words that make a `key` a secret one (`api_key`, `secret_key`)
SECRET_KEY_WORDS = frozenset({"secret", "api", "access", "private", "signing", "session", "auth"})
#: words that make a `code` a secret one (`otp_code`, `reset_code`, a `code` made in `verify_email`);
#: alone, a code is as often a status, a country or a language
_SECRET_CODE_WORDS = frozenset(
    {
        *("otp", "verification", "verify", "confirm", "confirmation", "activation", "activate"),
        *("reset", "recovery", "auth", "login", "access", "mfa", "sms", "security", "invite"),
        *("pass", "pin", "2fa", "twofa", "tfa", "totp", "hotp", "backup"),
    }
)


#: the last words of every name `_names_secret` may accept
_SECRET_LAST_WORDS = SECRET_VALUE_WORDS | {"key", "code"}


def _names_secret(words: Sequence[str], context: Sequence[str] = ()) -> bool:
    """Whether a name's words (`reset_token`, `otp_code`) say it holds a secret; `context`: the
    words of the function it is made in, which make a bare `code` a verification code."""
    if not words:
        return False
    if words[-1] in SECRET_VALUE_WORDS:
        return True
    if words[-1] == "key" and len(words) > 1 and words[-2] in SECRET_KEY_WORDS:
        return True  # `secret_key`, `api_key`, `remote_access_key`; a bare `key` is as often a dict's
    return words[-1] == "code" and any(
        word in _SECRET_CODE_WORDS or word.endswith("2fa") for word in [*words[:-1], *context]
    )


def _unwrap_int(node: ast.expr) -> ast.expr:
    """`int(length)` → `length`: a count converted on its way into `range`."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "int" and node.args:
        return node.args[0]
    return node


def holder_name(node: ast.expr) -> str:
    """The name a value is held under: a variable's, an attribute's or a constant key's."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return (const_str(node.slice) or "") if isinstance(node, ast.Subscript) else ""


def words_of(name: str) -> list[str]:
    return [w.lower() for w in _CAMEL_OR_SNAKE.split(name) if w]


_PKCS1V15 = "cryptography.hazmat.primitives.asymmetric.padding.PKCS1v15"
_PKCS1V15_CIPHERS = frozenset({"Crypto.Cipher.PKCS1_v1_5.new", "Cryptodome.Cipher.PKCS1_v1_5.new"})
_SESSION_MIDDLEWARE = frozenset({"starlette.middleware.sessions.SessionMiddleware"})
#: settings a Django settings module assigns next to SECRET_KEY (its shape, not its file name)
_DJANGO_SETTINGS = frozenset({"INSTALLED_APPS", "MIDDLEWARE", "ROOT_URLCONF", "DATABASES"})


def _unverified_jwt(node: ast.Call) -> str | None:
    """Why a JWT decode call does not check the signature, or None."""
    verify = keyword_value(node, "verify")
    if verify is not None and falsy(verify):
        return "decode(verify=False)"
    options = keyword_value(node, "options")
    if isinstance(options, ast.Dict):
        for key, value in zip(options.keys, options.values, strict=True):
            if const_str(key) == "verify_signature" and falsy(value):
                return "decode(options={'verify_signature': False})"
    algorithms = keyword_value(node, "algorithms")
    if isinstance(algorithms, ast.List | ast.Tuple | ast.Set) and any(
        (const_str(e) or "").lower() == "none" for e in algorithms.elts
    ):
        return "decode(algorithms=[..., 'none'])"
    return None


class CryptoChecks(CheckerBase):
    """Keys, IVs, KDFs, JWT, token randomness and pickled arrays (PG-VULN006-008, 011-015, 018, 020)."""

    def _crypto_call(self, node: ast.Call, qual: str) -> Iterator[VulnHit]:
        if qual in _JWT_DECODERS:
            why = _unverified_jwt(node)
            if why:
                yield VulnHit(RULES["PG-VULN008"], node, why)
        if qual in _JWT_ENCODERS and (const_str(keyword_value(node, "algorithm")) or "").lower() == "none":
            yield VulnHit(RULES["PG-VULN030"], node, "encode(algorithm='none')")
        origins = keyword_value(node, "allow_origins")
        # the middleware given as an argument (`app.add_middleware(CORSMiddleware, ...)`) is looked
        # for only in calls with the keyword: resolving every argument of every call is not free
        if origins is not None and (
            qual in CORS_MIDDLEWARE or any(self.resolver.qualname(a) in CORS_MIDDLEWARE for a in node.args)
        ):
            credentials = keyword_value(node, "allow_credentials")
            if any_origin(origins) and credentials is not None and truthy(credentials):
                yield VulnHit(
                    RULES["PG-VULN009"], node, "CORSMiddleware(allow_origins=['*'], allow_credentials=True)"
                )
        if qual in FLASK_CORS and not any(k.arg is None for k in node.keywords):
            origins = keyword_value(node, "origins") or keyword_value(node, "resources")
            credentials = keyword_value(node, "supports_credentials")
            # flask-cors answers every origin by default, echoing it when credentials are on
            if credentials is not None and truthy(credentials) and (origins is None or any_origin(origins)):
                name = qual.rsplit(".", 1)[-1]
                yield VulnHit(
                    RULES["PG-VULN009"], node, f"{name}() for any origin with supports_credentials=True"
                )
        if qual == "ssl.SSLContext":
            protocol = node.args[0] if node.args else keyword_value(node, "protocol")
            old = self.resolver.qualname(protocol) if protocol is not None else None
            if old in OLD_PROTOCOLS:
                yield VulnHit(RULES["PG-VULN010"], node, f"SSLContext({old.removeprefix('ssl.')})")
        key = self._key_argument(node, qual)
        if key is not None and self._constant_bytes(key):
            yield VulnHit(
                RULES["PG-VULN011"], node, f"{qual.rsplit('.', 1)[-1]}() with the key `{short(key, 30)}`"
            )
        iv = self._iv_argument(node, qual)
        if iv is not None and self._constant_bytes(iv) and not self._probe_only(node):
            yield VulnHit(
                RULES["PG-VULN012"], node, f"{short(node.func)}() with the constant IV `{short(iv, 30)}`"
            )
        if qual in (_PBKDF2, _PBKDF2_CLASS):
            count = (
                node.args[3] if qual == _PBKDF2 and len(node.args) > 3 else keyword_value(node, "iterations")
            )
            value = self._constant_int(count)
            if value is not None and value < MIN_PBKDF2_ITERATIONS:
                yield VulnHit(RULES["PG-VULN013"], node, f"PBKDF2 with {value:,} iterations")
        if qual in _SALTED_KDFS:
            position, keyword = _SALTED_KDFS[qual]
            salt = node.args[position] if 0 <= position < len(node.args) else keyword_value(node, keyword)
            if salt is not None and self._constant_bytes(salt):
                yield VulnHit(
                    RULES["PG-VULN014"],
                    node,
                    f"{qual.rsplit('.', 1)[-1]}() with the salt `{short(salt, 30)}`",
                )
        if qual in _SHORT_KEY_CALLS:
            bits = node.args[0] if node.args else keyword_value(node, "bits")
            value = self._constant_int(bits)
            if value is not None and value < 2048:
                yield VulnHit(RULES["PG-VULN015"], node, f"RSAKey.generate({value})")
        if qual in URLLIB3_POOLS and not self._conditional(node):
            reqs = keyword_value(node, "cert_reqs")
            if reqs is not None and (
                const_str(reqs) == "CERT_NONE" or self.resolver.qualname(reqs) in CERT_NONE
            ):
                yield VulnHit(RULES["PG-VULN021"], node, f"{qual.rsplit('.', 1)[-1]}(cert_reqs=CERT_NONE)")
        for flag in ("ssl", "verify_ssl"):
            value = keyword_value(node, flag)
            if not (isinstance(value, ast.Constant) and value.value is False):
                continue
            if self._conditional(node):
                break
            names = (qual,) if qual in AIOHTTP_CONNECTORS else self.resolver.call_names(node)
            if any(n in AIOHTTP_CONNECTORS or n.startswith("aiohttp.ClientSession.") for n in names):
                yield VulnHit(RULES["PG-VULN021"], node, f"{short(node.func)}({flag}=False)")
        if qual.endswith(".login") and isinstance(node.func, ast.Attribute):
            why = self._plain_smtp_login(node)
            if why:
                yield VulnHit(RULES["PG-VULN022"], node, why)

    def _rsa_padding(self, node: ast.Call, qual: str) -> Iterator[VulnHit]:
        """RSA encryption with PKCS#1 v1.5 padding, open to padding-oracle attacks (Bleichenbacher):
        `key.encrypt(data, padding.PKCS1v15())` or PyCryptodome's `PKCS1_v1_5.new(key)` cipher.
        Signing with PKCS#1 v1.5 is another scheme, and fine."""
        if qual in _PKCS1V15_CIPHERS:
            yield VulnHit(RULES["PG-VULN026"], node, "PKCS1_v1_5 cipher")
            return
        if not (isinstance(node.func, ast.Attribute) and node.func.attr in ("encrypt", "decrypt")):
            return
        padding = node.args[1] if len(node.args) > 1 else keyword_value(node, "padding")
        if isinstance(padding, ast.Call) and self.resolver.qualname(padding.func) == _PKCS1V15:
            yield VulnHit(RULES["PG-VULN026"], node, f"{node.func.attr}(..., padding.PKCS1v15())")

    def _signing_key_call(self, node: ast.Call, qual: str) -> Iterator[VulnHit]:
        """`SessionMiddleware(app, secret_key="...")`, `app.add_middleware(SessionMiddleware,
        secret_key="...")`, `app.config.update(SECRET_KEY="...")` with a constant."""
        method = node.func.attr if isinstance(node.func, ast.Attribute) else ""
        middleware = qual in _SESSION_MIDDLEWARE or (
            method == "add_middleware"
            and bool(node.args)
            and self.resolver.qualname(node.args[0]) in _SESSION_MIDDLEWARE
        )
        key = keyword_value(node, "secret_key") if middleware else None
        if key is None and method in ("update", "from_mapping") and self._app_config(node.func.value):  # type: ignore[attr-defined]
            key = keyword_value(node, "SECRET_KEY")
        if key is not None:
            yield from self._signing_key_value(node, key)

    def _signing_key_setting(self, node: ast.Assign) -> Iterator[VulnHit]:
        """`app.secret_key = "..."`, `app.config["SECRET_KEY"] = "..."` on a Flask app, and a
        Django settings module's `SECRET_KEY = "..."`: whoever reads the source signs sessions."""
        for target in node.targets:
            flask_key = (
                isinstance(target, ast.Attribute)
                and target.attr == "secret_key"
                and self.is_flask_app(target.value)
            ) or (
                isinstance(target, ast.Subscript)
                and const_str(target.slice) == "SECRET_KEY"
                and self._app_config(target.value)
            )
            django_key = (
                isinstance(target, ast.Name)
                and target.id == "SECRET_KEY"
                and self.resolver.scope_of(node) is None
                and self._django_settings()
            )
            if flask_key or django_key:
                yield from self._signing_key_value(node, node.value)

    def _signing_key_value(self, node: ast.AST, key: ast.expr) -> Iterator[VulnHit]:
        """A session signing key written in the source (anyone who reads it signs sessions), or
        drawn from `random` (a few outputs of the generator give its state away)."""
        if const_str(key):
            yield VulnHit(RULES["PG-VULN011"], node, f"a session signing key `{short(key, 30)}`")
        elif drawn := self.random_origin(key):
            yield VulnHit(RULES["PG-VULN018"], node, f"a session signing key drawn from {drawn}()")

    def _app_config(self, node: ast.expr) -> bool:
        return isinstance(node, ast.Attribute) and node.attr == "config" and self.is_flask_app(node.value)

    def _django_settings(self) -> bool:
        names = {
            t.id
            for stmt in self.tree.body
            if isinstance(stmt, ast.Assign)
            for t in stmt.targets
            if isinstance(t, ast.Name)
        }
        return bool(names & _DJANGO_SETTINGS)

    def _random_secret(self, node: ast.Assign) -> Iterator[VulnHit]:
        """`otp = random.randint(100000, 999999)`, `token = str(random.random())`,
        `session["csrf_token"] = ...`: a value named as a secret drawn from `random`, whose state a
        few outputs give away."""
        if len(node.targets) != 1:
            return
        yield from self._named_random_secret(holder_name(node.targets[0]), node.value, node)

    def _random_secret_keywords(self, call: ast.Call) -> Iterator[VulnHit]:
        """`PinCode(user=u, code="".join(random.sample(digits, 6)))`: a keyword argument named as
        a secret, drawn from `random`, is the secret the call stores or sends."""
        for keyword in call.keywords:
            if keyword.arg:
                yield from self._named_random_secret(keyword.arg, keyword.value, keyword.value)

    def _named_random_secret(self, name: str, value: ast.expr, where: ast.AST) -> Iterator[VulnHit]:
        words = words_of(name)
        if not words or words[-1] not in _SECRET_LAST_WORDS:
            return  # the common case, settled before the function's words are looked up
        context = self._secret_context(where)
        if not _names_secret(words, context):
            return
        if any(
            isinstance(read, ast.Name) and read.id != name and _names_secret(words_of(read.id), context)
            for read in ast.walk(value)
        ):
            return  # `shown = f"{code[:4]}-{code[4:]}"`: reported where `code` is drawn
        drawn = self.random_origin(value)
        if drawn:
            yield VulnHit(RULES["PG-VULN018"], where, f"`{name}` drawn from {drawn}()")

    def _secret_context(self, node: ast.AST) -> list[str]:
        """The words of the function a value is made in and of its class (`PinCode.create`), which
        make a bare `code` a verification code."""
        scope = self.resolver.scope_of(node)
        if scope is None:
            return []
        owner = self.resolver.class_of(scope) or ""
        return [*words_of(getattr(scope, "name", "")), *words_of(owner.rsplit(".", 1)[-1])]

    def _random_secret_returned(self, node: ast.Return) -> Iterator[VulnHit]:
        """`def generate_token(): return random.randint(...)`, `def getSessionID(): ...`: a function
        named for a secret returns a value drawn from `random`."""
        scope = self.resolver.scope_of(node)
        name = getattr(scope, "name", "")
        words = words_of(name)
        secret = _names_secret(words) or words[-2:] in (["session", "id"], ["session", "key"])
        value = node.value
        if isinstance(value, ast.Call) and is_join(value) and value.args and self._random_pick(value.args[0]):
            return  # a token by its shape, reported as such where the string is joined
        drawn = self.random_origin(value) if secret and value is not None else None
        if drawn:
            yield VulnHit(RULES["PG-VULN018"], node, f"`{name}()` returns a value drawn from {drawn}()")

    def _random_pick(self, node: ast.expr) -> str | None:
        """`random.choice(chars)` per element of a comprehension over `range(N)`, or
        `random.choices(chars, k=N)` / `random.sample(chars, N)`, with `chars` a string of
        characters and N a constant of at least 16: a token by its shape (shorter or variable
        lengths are the random names of temporary files and test fixtures)."""
        count: int | None = None
        if isinstance(node, ast.GeneratorExp | ast.ListComp):
            loop = node.generators[0].iter
            if isinstance(loop, ast.Call) and self.resolver.qualname(loop.func) in (
                "range",
                "builtins.range",
            ):
                count = self._constant_int(_unwrap_int(loop.args[-1])) if len(loop.args) == 1 else None
            node = node.elt
        if not isinstance(node, ast.Call) or not node.args:
            return None
        qual = self.resolver.qualname(node.func) or ""
        if qual not in _RANDOM_PICKS or not self._characters(node.args[0]):
            return None
        if qual == "random.choices":
            count = self._constant_int(keyword_value(node, "k"))
        elif qual == "random.sample":
            count = self._constant_int(node.args[1] if len(node.args) > 1 else keyword_value(node, "k"))
        if count is None or count < MIN_TOKEN_LENGTH:
            return None
        return f"{qual}() ({count} characters)"

    def _characters(self, node: ast.expr, depth: int = 0) -> bool:
        """A string of characters: a str literal, a `string` module constant, `+` of those, or a
        name assigned once to one."""
        if depth > 3:
            return False
        if isinstance(node, ast.Constant):
            return isinstance(node.value, str) and len(node.value) > 1
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            return self._characters(node.left, depth + 1) and self._characters(node.right, depth + 1)
        if isinstance(node, ast.Attribute | ast.Name) and (self.resolver.qualname(node) or "").startswith(
            "string."
        ):
            return True  # `string.digits`, or `digits` imported from `string`
        if isinstance(node, ast.Name):
            assigns = self._scope_assigns(node)
            value = self._assigned(node) if assigns == 1 else None
            if value is None and assigns == 1:
                value = self._parameter_default(node)  # `def token(chars=string.ascii_letters)`
            if value is None and assigns == 0:
                value = self._constants.get(node.id)
            return value is not None and self._characters(value, depth + 1)
        return False

    def _probe_only(self, mode: ast.Call) -> bool:
        """A mode object handed straight to a call that is not a Cipher (a capability probe such
        as `backend.cipher_supported(algorithm, CBC(b'\\x00' * 16))`): nothing is encrypted."""
        scope = self.resolver.scope_of(mode)
        for node in ast.walk(scope if scope is not None else self.tree):
            if isinstance(node, ast.Call) and any(
                a is mode for a in (*node.args, *(k.value for k in node.keywords))
            ):
                return (self.resolver.qualname(node.func) or "") != _CIPHER
        return False

    def _key_argument(self, node: ast.Call, qual: str) -> ast.expr | None:
        if qual in _KEYED_ALGORITHMS or (qual.startswith(_CIPHER_MODULES) and qual.endswith(".new")):
            position, keyword = 0, "key"
        elif qual in _KEY_ARGUMENTS:
            position, keyword = _KEY_ARGUMENTS[qual]
        else:
            return None
        return node.args[position] if len(node.args) > position else keyword_value(node, keyword)

    def _iv_argument(self, node: ast.Call, qual: str) -> ast.expr | None:
        if qual in _IV_MODES:
            return (
                node.args[0]
                if node.args
                else keyword_value(node, "initialization_vector") or keyword_value(node, "nonce")
            )
        if qual.startswith(_CIPHER_MODULES) and qual.endswith(".new"):
            if len(node.args) > 2:
                return node.args[2]
            return keyword_value(node, "iv") or keyword_value(node, "IV") or keyword_value(node, "nonce")
        return None

    def _constant_bytes(self, node: ast.expr, depth: int = 0) -> bool:
        """A non-empty str/bytes constant: a literal, `b'\\x00' * 16`, or a name assigned once (in
        its function or the module) to one."""
        if depth > 3:
            return False
        if isinstance(node, ast.Constant):
            return isinstance(node.value, str | bytes) and len(node.value) > 0
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult | ast.Add):
            sides = (node.left, node.right)
            if isinstance(node.op, ast.Mult):  # one constant repeated, however often
                return any(self._constant_bytes(x, depth + 1) for x in sides)
            return all(self._constant_bytes(x, depth + 1) for x in sides)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "encode":
            return self._constant_bytes(node.func.value, depth + 1) and not node.args[1:]
        if isinstance(node, ast.Name):
            assigns = self._scope_assigns(node)
            value = self._assigned(node) if assigns == 1 else None
            if value is None and assigns == 0:
                value = self._constants.get(node.id)
            return value is not None and self._constant_bytes(value, depth + 1)
        return False
