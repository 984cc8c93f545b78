"""PG-VULN rules: weaknesses found by the shape of the code, not by a flow from a request.

Run by the security analyzer next to bandit's tests, on the same parsed tree, with the
shared resolver (prguard.analyzers.pyresolve) for names and types. Each rule's metadata
(id, title, severity, CWE, why, bad/good example, fix) is data in `RULES`; the checks
are in `VulnChecker`. Where bandit already reports the same CWE on a line, the PG-VULN
finding is not repeated (the security analyzer drops it).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass

from prguard.analyzers.asttools import nodes_of
from prguard.analyzers.pyresolve import Resolver
from prguard.analyzers.redos import OPAQUE, redos_problem


@dataclass(frozen=True)
class VulnRule:
    id: str
    title: str
    severity: str
    cwe: int
    why: str
    bad: str
    good: str
    fix: str


RULES: dict[str, VulnRule] = {
    r.id: r
    for r in (
        VulnRule(
            "PG-VULN001",
            "archive member name used as a path",
            "high",
            22,
            "An archive's member names are the archive author's: `../../etc/cron.d/x` or `/abs/path` "
            "written as given escapes the destination (zip-slip, tar-slip).",
            "tar.extractall(dest)\nopen(os.path.join(dest, info.filename), 'wb')",
            "tar.extractall(dest, filter='data')\n"
            "target = os.path.realpath(os.path.join(dest, name))\n"
            "if os.path.commonpath([target, dest]) != dest: raise ValueError(name)",
            "Extract tar archives with filter='data' (Python 3.12+, backported) and check every "
            "other member path resolves inside the destination before writing it.",
        ),
        VulnRule(
            "PG-VULN002",
            "XML parser that expands external entities",
            "high",
            611,
            "A parser built to resolve entities, load DTDs or reach the network reads local files "
            "and internal URLs named by the document (XXE).",
            "parser = etree.XMLParser(resolve_entities=True)",
            "parser = etree.XMLParser(resolve_entities=False, no_network=True)  # or defusedxml",
            "Build parsers with resolve_entities=False and no_network=True (or use defusedxml); "
            "never switch on the SAX external-entity features.",
        ),
        VulnRule(
            "PG-VULN003",
            "HTML built by string formatting without escaping",
            "medium",
            79,
            "Values formatted into markup and marked safe or returned as a response are not escaped: "
            "any `<script>` in them runs in the reader's browser. Outside request handlers, markup a "
            "function returns (a page a WSGI app or a debugger serves) is judged when its formatting "
            "escapes some values but puts a field, parameter or call result in raw.",
            "return Markup(f'<a href=\"{url}\">{title}</a>')",
            "return Markup('<a href=\"{}\">{}</a>').format(url, title)  # or format_html / escape()",
            "Escape every interpolated value (markupsafe.escape, html.escape, django format_html) "
            "or render a template with autoescaping.",
        ),
        VulnRule(
            "PG-VULN004",
            "secret compared in non-constant time",
            "medium",
            208,
            "`==` on a signature, MAC, token or password hash stops at the first differing byte; "
            "timing reveals how much of a forged value is right.",
            "if hmac.new(key, body, sha256).hexdigest() == signature:\n"
            "return sig == self.sign(msg)  # sign() returns hmac.new(...).digest()",
            "if hmac.compare_digest(hmac.new(key, body, sha256).hexdigest(), signature):\n"
            "return hmac.compare_digest(sig, self.sign(msg))",
            "Compare secrets with hmac.compare_digest (or secrets.compare_digest).",
        ),
        VulnRule(
            "PG-VULN005",
            "regular expression prone to catastrophic backtracking",
            "medium",
            1333,
            "A quantifier nested in a repeated group (or a repeated group whose alternatives match "
            "the same text) takes exponential time on a crafted non-matching input; two unbounded "
            "runs over the same characters with only that character between them (`(.*)@[^/]*$`) "
            "take polynomial time (ReDoS).",
            "re.compile(r'^(\\w+\\s?)+$')\nre.compile(r'^(?:(.*)@)?([^/?#]*)$')",
            "re.compile(r'^\\w+(?:\\s\\w+)*$')\nre.compile(r'^(?:([^@]*)@)?([^/?#]*)$')",
            "Rewrite without a quantifier inside a repeated group and make adjacent runs exclude the "
            "character that separates them, or use a possessive quantifier / atomic group (3.11+).",
        ),
        VulnRule(
            "PG-VULN006",
            "cookie without Secure",
            "medium",
            614,
            "A cookie without Secure is sent over plain HTTP, where anyone on the path reads it; "
            "a session cookie setting switched off does the same for every session.",
            "response.set_cookie('session', value)\nSESSION_COOKIE_SECURE = False",
            "response.set_cookie('session', value, secure=True, httponly=True, samesite='Lax')",
            "Pass secure=True, httponly=True and samesite= to set_cookie; keep SESSION_COOKIE_SECURE "
            "and CSRF_COOKIE_SECURE on.",
        ),
        VulnRule(
            "PG-VULN007",
            "cookie readable by scripts (no HttpOnly)",
            "low",
            1004,
            "A cookie without HttpOnly can be read by any script on the page: one XSS steals it.",
            "response.set_cookie('session', value, secure=True)",
            "response.set_cookie('session', value, secure=True, httponly=True, samesite='Lax')",
            "Pass httponly=True unless client-side code must read the cookie.",
        ),
        VulnRule(
            "PG-VULN008",
            "JWT decoded without verifying its signature",
            "high",
            347,
            "A token whose signature is not checked (verification switched off, or the `none` "
            "algorithm accepted) says whatever its sender wrote: any user, any role, any expiry.",
            "jwt.decode(token, options={'verify_signature': False})\n"
            "jwt.decode(token, key, algorithms=['none'])",
            "jwt.decode(token, key, algorithms=['HS256'])",
            "Decode with the verification key and an explicit list of the algorithms you issue; "
            "read unverified headers only to pick that key (jwt.get_unverified_header).",
        ),
        VulnRule(
            "PG-VULN009",
            "CORS allows any origin with credentials",
            "medium",
            942,
            "With credentials allowed, a wildcard origin is answered with the caller's own origin "
            "(Starlette, flask-cors, django-cors-headers): any site can read the user's "
            "authenticated responses.",
            "app.add_middleware(CORSMiddleware, allow_origins=['*'], allow_credentials=True)",
            "app.add_middleware(CORSMiddleware, allow_origins=['https://app.example.com'], "
            "allow_credentials=True)",
            "List the origins that may send credentials; keep the wildcard only for public, "
            "credential-free endpoints.",
        ),
        VulnRule(
            "PG-VULN010",
            "TLS or SSL protocol version below TLS 1.2",
            "medium",
            327,
            "SSLv2/3, TLS 1.0 and TLS 1.1 have known attacks (POODLE, BEAST) and are disabled by "
            "current clients; a context that allows them can be downgraded.",
            "ctx = ssl.SSLContext(ssl.PROTOCOL_TLSv1)\nctx.minimum_version = ssl.TLSVersion.TLSv1_1",
            "ctx = ssl.create_default_context()\nctx.minimum_version = ssl.TLSVersion.TLSv1_2",
            "Use ssl.create_default_context() (or PROTOCOL_TLS_CLIENT / PROTOCOL_TLS_SERVER) and a "
            "minimum_version of TLSv1_2 or later.",
        ),
        VulnRule(
            "PG-VULN011",
            "hard-coded cryptographic key",
            "medium",
            321,
            "A key written in the source is known to everyone who can read the code, its history "
            "or the built package: what it encrypts or signs is not protected.",
            "AES.new(b'Sixteen byte key', AES.MODE_GCM)\njwt.encode(payload, 'secret', algorithm='HS256')",
            "AES.new(load_key(), AES.MODE_GCM)\njwt.encode(payload, os.environ['K'], algorithm='HS256')",
            "Load keys from a secret store or the environment at run time, and rotate any key that "
            "was committed.",
        ),
        VulnRule(
            "PG-VULN012",
            "constant initialization vector or nonce",
            "medium",
            1204,
            "An IV or nonce that never changes makes equal plaintexts encrypt alike (CBC, CFB, OFB) "
            "or reuses the key stream outright (CTR, GCM: both messages can be recovered and GCM "
            "tags forged).",
            "cipher = Cipher(algorithms.AES(key), modes.CBC(b'\\x00' * 16))",
            "iv = os.urandom(16)\ncipher = Cipher(algorithms.AES(key), modes.CBC(iv))",
            "Draw a fresh IV or nonce from os.urandom / secrets for every message and store it "
            "next to the ciphertext.",
        ),
        VulnRule(
            "PG-VULN013",
            "password hash with too few iterations",
            "medium",
            916,
            "A key derivation run fewer than 100,000 times (OWASP asks 600,000 for "
            "PBKDF2-HMAC-SHA256) lets a stolen hash be brute-forced cheaply.",
            "hashlib.pbkdf2_hmac('sha256', password, salt, 1000)",
            "hashlib.pbkdf2_hmac('sha256', password, salt, 600_000)  # or argon2 / bcrypt",
            "Use at least 600,000 PBKDF2-SHA256 iterations, or a memory-hard function (argon2, scrypt, "
            "bcrypt) through a maintained library.",
        ),
        VulnRule(
            "PG-VULN014",
            "constant salt for a password hash",
            "medium",
            760,
            "A salt written in the code is the same for every password: one precomputed table "
            "cracks them all and equal passwords hash alike.",
            "hashlib.pbkdf2_hmac('sha256', password, b'static-salt', 600_000)",
            "salt = os.urandom(16)\nhashlib.pbkdf2_hmac('sha256', password, salt, 600_000)",
            "Draw a random salt per password (os.urandom(16)) and store it with the hash.",
        ),
        VulnRule(
            "PG-VULN015",
            "RSA or DSA key shorter than 2048 bits",
            "medium",
            326,
            "Keys under 2048 bits are within reach of factoring or discrete-log attacks.",
            "paramiko.RSAKey.generate(1024)",
            "paramiko.RSAKey.generate(3072)  # or Ed25519Key",
            "Generate RSA keys of 2048 bits or more (3072 for long-lived keys), or use Ed25519.",
        ),
        VulnRule(
            "PG-VULN016",
            "loop that can never end",
            "medium",
            835,
            "The loop's condition reads only local names the body never assigns and the body never "
            "leaves: once entered it spins forever (a request that hangs a worker, CPU burnt).",
            "while i < n:\n    a, b = b, a + b",
            "while i < n:\n    a, b = b, a + b\n    i += 1",
            "Update the loop variable in the body (or use `for i in range(n)`), or leave the loop "
            "with break/return.",
        ),
        VulnRule(
            "PG-VULN017",
            "stack trace returned to the client",
            "medium",
            209,
            "A traceback in a response shows the caller file paths, code, library versions and "
            "sometimes data: a map for the next attack.",
            "except Exception:\n    return traceback.format_exc()",
            "except Exception:\n    log.exception('export failed')\n    return 'internal error', 500",
            "Log the traceback on the server and return a generic message (and an id to find the log).",
        ),
        VulnRule(
            "PG-VULN018",
            "random string drawn from a non-cryptographic generator",
            "medium",
            338,
            "A string of characters picked by `random` (a token, code, password or key by its "
            "shape) is predictable: the Mersenne Twister's state is recovered from 624 outputs.",
            "''.join(random.choice(string.ascii_letters) for _ in range(32))",
            "secrets.token_urlsafe(32)\n''.join(secrets.choice(alphabet) for _ in range(32))",
            "Draw tokens, codes and passwords from `secrets` (token_urlsafe, token_hex, choice).",
        ),
        VulnRule(
            "PG-VULN019",
            "MongoDB $where built from data",
            "medium",
            943,
            "`$where` runs JavaScript on the server: text formatted into it is code the caller writes "
            "(NoSQL injection, and a full collection scan per query).",
            "db.users.find({'$where': \"this.name == '\" + name + \"'\"})",
            "db.users.find({'name': name})",
            "Query with plain field operators ($eq, $in, ...) and pass values as values; drop $where.",
        ),
        VulnRule(
            "PG-VULN020",
            "NumPy load that unpickles",
            "medium",
            502,
            "`allow_pickle=True` lets a .npy/.npz file carry pickled objects, and unpickling runs "
            "the code the file's author put there.",
            "np.load(path, allow_pickle=True)",
            "np.load(path)  # arrays only; store objects as JSON or arrays",
            "Keep allow_pickle off for files you did not write; save object data in a format that "
            "does not run code.",
        ),
        VulnRule(
            "PG-VULN021",
            "TLS certificate or host name not verified",
            "high",
            295,
            "A connection that accepts any certificate, or a certificate for any host, talks to "
            "whoever sits on the path: credentials and data go to the attacker (MITM).",
            "ctx.check_hostname = False\nctx.verify_mode = ssl.CERT_NONE\nsession.verify = False",
            "ctx = ssl.create_default_context()  # verifies both\nsession.verify = '/path/to/ca-bundle.pem'",
            "Keep verification on; for a private CA pass its bundle (cafile= / verify='ca.pem') "
            "instead of switching verification off.",
        ),
        VulnRule(
            "PG-VULN022",
            "SMTP login without STARTTLS",
            "medium",
            319,
            "`login()` on a plain SMTP connection sends the user name and password in clear text "
            "to anyone on the path.",
            "s = smtplib.SMTP(host, 587)\ns.login(user, password)",
            "s = smtplib.SMTP(host, 587)\ns.starttls(context=ssl.create_default_context())\n"
            "s.login(user, password)  # or smtplib.SMTP_SSL",
            "Call starttls() before login(), or connect with smtplib.SMTP_SSL.",
        ),
    )
}

_TAR_TYPES = ("tarfile.TarFile",)
_ARCHIVE_MEMBER_TYPES = ("tarfile.TarInfo", "zipfile.ZipInfo")
_MEMBER_NAME_ATTRS = frozenset({"name", "filename", "path", "orig_filename"})
_NAME_LISTS = frozenset({"namelist", "getnames"})
_PATH_CALLS = frozenset(
    {
        "open",
        "io.open",
        "os.path.join",
        "posixpath.join",
        "os.makedirs",
        "os.mkdir",
        "shutil.copyfileobj",
        "pathlib.Path",
        "builtins.open",
    }
)
_CONFINING = frozenset({"os.path.commonpath", "os.path.realpath", "os.path.abspath"})
_XML_PARSERS = frozenset({"lxml.etree.XMLParser", "lxml.etree.XMLPullParser", "lxml.etree.XMLTreeBuilder"})
_SAX_FEATURES = frozenset(
    {
        "xml.sax.handler.feature_external_ges",
        "xml.sax.handler.feature_external_pes",
        "http://xml.org/sax/features/external-general-entities",
        "http://xml.org/sax/features/external-parameter-entities",
    }
)
_MARKUP_CALLS = frozenset(
    {
        "markupsafe.Markup",
        "flask.Markup",
        "jinja2.Markup",
        "django.utils.safestring.mark_safe",
        "django.utils.safestring.SafeString",
        "django.http.HttpResponse",
        "flask.make_response",
        "flask.Response",
        "werkzeug.wrappers.Response",
        "starlette.responses.HTMLResponse",
        "fastapi.responses.HTMLResponse",
    }
)
_ESCAPES = frozenset(
    {
        "html.escape",
        "markupsafe.escape",
        "flask.escape",
        "jinja2.escape",
        "django.utils.html.escape",
        "django.utils.html.conditional_escape",
        "django.utils.html.format_html",
        "bleach.clean",
        "cgi.escape",
        "urllib.parse.quote",
        "urllib.parse.quote_plus",
        "int",
        "float",
        "len",
        "json.dumps",
    }
)
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
_REGEX_CALLS = frozenset(
    {
        "re.compile",
        "re.match",
        "re.search",
        "re.fullmatch",
        "re.findall",
        "re.finditer",
        "re.sub",
        "re.subn",
        "re.split",
        "regex.compile",
    }
)
_COOKIE_SETTINGS = {
    "SESSION_COOKIE_SECURE": "PG-VULN006",
    "CSRF_COOKIE_SECURE": "PG-VULN006",
    "SESSION_COOKIE_HTTPONLY": "PG-VULN007",
    "REMEMBER_COOKIE_SECURE": "PG-VULN006",
}
_COOKIE_RECEIVERS = (
    "werkzeug.wrappers.Response.set_cookie",
    "flask.Response.set_cookie",
    "django.http.HttpResponse.set_cookie",
    "starlette.responses.Response.set_cookie",
)
_WEB_PACKAGES = ("flask", "werkzeug", "django", "starlette", "fastapi", "quart")
#: methods whose checks depend on the receiver's type (the rest match by qualified name)
_TYPED_METHODS = frozenset({"extractall", "extract", "set_cookie"})
#: JWT decoders (PyJWT, python-jose) and the argument that carries the key
_JWT_DECODERS = frozenset({"jwt.decode", "jwt.api_jwt.decode", "jose.jwt.decode"})
_JWT_ENCODERS = {"jwt.encode": (1, "key"), "jwt.api_jwt.encode": (1, "key"), "jose.jwt.encode": (1, "key")}
_CORS_MIDDLEWARE = frozenset(
    {"starlette.middleware.cors.CORSMiddleware", "fastapi.middleware.cors.CORSMiddleware"}
)
_FLASK_CORS = frozenset({"flask_cors.CORS", "flask_cors.cross_origin"})
_DJANGO_CORS_ALL = frozenset({"CORS_ALLOW_ALL_ORIGINS", "CORS_ORIGIN_ALLOW_ALL"})
_OLD_PROTOCOLS = frozenset(
    {
        f"ssl.{name}"
        for name in (
            "PROTOCOL_SSLv2",
            "PROTOCOL_SSLv3",
            "PROTOCOL_TLSv1",
            "PROTOCOL_TLSv1_1",
            "TLSVersion.SSLv3",
            "TLSVersion.TLSv1",
            "TLSVersion.TLSv1_1",
        )
    }
)
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
_CERT_NONE = frozenset({"ssl.CERT_NONE", "ssl.VerifyMode.CERT_NONE"})
_SESSION_TYPES = frozenset({"requests.Session", "requests.sessions.Session"})
_URLLIB3_POOLS = frozenset(
    {
        "urllib3.PoolManager",
        "urllib3.ProxyManager",
        "urllib3.HTTPSConnectionPool",
        "urllib3.connection_from_url",
    }
)
_AIOHTTP_CONNECTORS = frozenset({"aiohttp.TCPConnector", "aiohttp.connector.TCPConnector"})
_RANDOM_PICKS = frozenset({"random.choice", "random.choices", "random.sample"})
MIN_TOKEN_LENGTH = 16
_NUMPY_LOAD = frozenset({"numpy.load"})
_TRACEBACK_TEXT = frozenset(
    {"traceback.format_exc", "traceback.format_exception", "traceback.format_tb", "traceback.format_stack"}
)
_EXIT_CALLS = frozenset({"sys.exit", "os._exit", "builtins.exit", "builtins.quit", "exit", "quit"})


@dataclass(frozen=True)
class VulnHit:
    rule: VulnRule
    node: ast.AST
    detail: str
    severity: str | None = None  # when this hit is less severe than the rule's default


class VulnChecker:
    """All PG-VULN checks over one module."""

    def __init__(self, tree: ast.Module, module: str = "", resolver: Resolver | None = None) -> None:
        self.tree = tree
        self.resolver = resolver or Resolver(tree, module)
        self._constants: dict[str, ast.expr] = {}
        self._functions: dict[str, list[ast.FunctionDef | ast.AsyncFunctionDef]] | None = None
        self._class_bodies: list[list[ast.stmt]] | None = None
        #: functions of this module proven (or not) to return a digest / a MAC object
        self._digest_functions: dict[tuple[str, int], bool] = {}

    def run(self) -> Iterator[VulnHit]:
        self._constants = _module_constants(self.tree)
        self._reported_patterns: set[int] = set()
        if self.resolver.imports_package("re"):
            yield from self._regex_tables()
            yield from self._pattern_constants()
        for node in nodes_of(self.tree, ast.Call, ast.Compare, ast.Assign, ast.Return, ast.While, ast.Dict):
            if isinstance(node, ast.Call):
                yield from self._call(node)
            elif isinstance(node, ast.Compare):
                yield from self._compare(node)
            elif isinstance(node, ast.Assign):
                yield from self._setting(node)
                yield from self._protocol_setting(node)
                yield from self._verification_setting(node)
            elif isinstance(node, ast.Return) and node.value is not None:
                yield from self._returned_html(node)
                yield from self._returned_traceback(node)
            elif isinstance(node, ast.While):
                yield from self._endless(node)
            elif isinstance(node, ast.Dict):
                yield from self._where(node)
        yield from self._django_cors()

    # -- calls -------------------------------------------------------------------------------------

    def _call(self, node: ast.Call) -> Iterator[VulnHit]:
        method = node.func.attr if isinstance(node.func, ast.Attribute) else ""
        qual = self.resolver.qualname(node.func) or ""
        # receivers' types are only needed for the typed checks: inferring them is the costly part
        names = self.resolver.call_names(node) if method in _TYPED_METHODS else ((qual,) if qual else ())
        unfiltered = not _keyword(node, "filter") and not (
            method == "extractall" and _keyword(node, "members")
        )
        if method in ("extractall", "extract") and unfiltered and self._is_tar(node, names):
            yield VulnHit(RULES["PG-VULN001"], node, f"{qual or method}() without filter='data'")
        if qual in _PATH_CALLS or any(n in _PATH_CALLS for n in names):
            member = self._member_name(node)
            if member is not None and not self._confined(node):
                yield VulnHit(RULES["PG-VULN001"], node, f"archive member name `{member}` used as a path")
        if qual in _XML_PARSERS:
            problem = _parser_problem(node)
            if problem:
                yield VulnHit(RULES["PG-VULN002"], node, problem)
            elif _keyword(node, "resolve_entities") is None and not any(k.arg is None for k in node.keywords):
                name = qual.rsplit(".", 1)[-1]
                detail = f"{name}() without resolve_entities=False (lxml before 5.0 resolves them)"
                yield VulnHit(RULES["PG-VULN002"], node, detail, severity="medium")
        if method == "setFeature" and len(node.args) >= 2:
            feature = self.resolver.qualname(node.args[0]) or _const_str(node.args[0]) or ""
            if feature in _SAX_FEATURES and _truthy(node.args[1]):
                yield VulnHit(
                    RULES["PG-VULN002"], node, f"SAX feature {feature.rsplit('.', 1)[-1]} switched on"
                )
        if qual in _MARKUP_CALLS and node.args:
            formatted = self._unescaped_html(node.args[0])
            if formatted:
                yield VulnHit(RULES["PG-VULN003"], node, f"{qual.rsplit('.', 1)[-1]}() of {formatted}")
        if qual in _REGEX_CALLS and node.args:
            pattern = _fold(node.args[0], self._constants)
            if pattern is None and isinstance(node.args[0], ast.Name):
                # a pattern kept in a local name assigned once, in the same function
                name = node.args[0]
                scoped = self.resolver.scope_of(node) is not None and self._scope_assigns(name) == 1
                local = self._assigned(name) if scoped else None
                pattern = _fold(local, self._constants) if local is not None else None
            if pattern is not None:
                problem = redos_problem(_with_flags(pattern, node))
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
        if _is_join(node) and node.args:
            pick = self._random_pick(node.args[0])
            if pick:
                yield VulnHit(RULES["PG-VULN018"], node, f"a string joined from {pick}")

    def _regex_tables(self) -> Iterator[VulnHit]:
        """Lexer-style tables of `(pattern, action)` tuples at module or class level (Pygments
        `tokens`, a module's `..._REGEX` list): their first strings are regexes compiled elsewhere."""
        for body in self._bodies():
            for stmt in body:
                if not isinstance(stmt, ast.Assign | ast.AnnAssign) or stmt.value is None:
                    continue
                rows = [
                    element
                    for container in ast.walk(stmt.value)
                    if isinstance(container, ast.List | ast.Tuple)
                    for element in container.elts
                    if isinstance(element, ast.Tuple) and len(element.elts) >= 2
                ]
                for row in rows:
                    pattern = _fold(row.elts[0], self._constants)
                    if pattern is None:
                        continue
                    problem = redos_problem(pattern)
                    if problem:
                        yield VulnHit(RULES["PG-VULN005"], row, problem)

    def _bodies(self) -> list[list[ast.stmt]]:
        """The module's body and every class body (where constant tables and patterns live)."""
        if self._class_bodies is None:
            self._class_bodies = [self.tree.body, *_class_bodies(self.tree.body)]
        return self._class_bodies

    def _pattern_constants(self) -> Iterator[VulnHit]:
        """Upper-case string constants at module or class level that read as regexes, built from
        parts (`EMPHASIS = r'(\\*)(' + r'(?:\\\\.|[^*])*' + ESCAPE + ')'`): a parser class keeps its
        patterns as attributes and compiles them elsewhere, by name. Parts that are names prguard
        cannot see (another module's constants) stand as one opaque character."""
        lenient = _Lenient(self._constants)
        for body in self._bodies():
            for stmt in body:
                if not (
                    isinstance(stmt, ast.Assign)
                    and len(stmt.targets) == 1
                    and isinstance(stmt.targets[0], ast.Name)
                    and stmt.targets[0].id.isupper()
                    and isinstance(stmt.value, ast.BinOp)
                ):
                    continue
                pattern = _fold(stmt.value, lenient)
                if not isinstance(pattern, str) or not _reads_as_regex(pattern):
                    continue
                problem = redos_problem(pattern)
                if problem and id(stmt.value) not in self._reported_patterns:
                    self._reported_patterns.add(id(stmt.value))
                    yield VulnHit(RULES["PG-VULN005"], stmt.value, problem)

    def _is_tar(self, node: ast.Call, names: tuple[str, ...]) -> bool:
        if any(n.startswith(f"{t}.") for n in names for t in _TAR_TYPES):
            return True
        receiver = node.func.value if isinstance(node.func, ast.Attribute) else None
        if receiver is None:
            return False
        if isinstance(receiver, ast.Call):
            return (self.resolver.qualname(receiver.func) or "") == "tarfile.open"
        return self.resolver.type_of(receiver) is None and self.resolver.imports_package("tarfile")

    def _member_name(self, call: ast.Call) -> str | None:
        """The text of an argument that is an archive member's own name (`info.filename`, a
        `namelist()` entry), or None."""
        for arg in call.args:
            for sub in ast.walk(arg):
                if isinstance(sub, ast.Attribute) and sub.attr in _MEMBER_NAME_ATTRS:
                    owner = self.resolver.type_of(sub.value)
                    if owner in _ARCHIVE_MEMBER_TYPES:
                        return ast.unparse(sub)
                if isinstance(sub, ast.Name) and self._from_name_list(sub):
                    return sub.id
        return None

    def _from_name_list(self, name: ast.Name) -> bool:
        """`for n in archive.namelist()` / `getnames()`: n is a member name."""
        scope = self.resolver.scope_of(name)
        body = scope.body if scope is not None else self.tree.body
        for node in ast.walk(ast.Module(body=body, type_ignores=[])):
            if (
                isinstance(node, ast.For)
                and isinstance(node.target, ast.Name)
                and node.target.id == name.id
                and isinstance(node.iter, ast.Call)
                and isinstance(node.iter.func, ast.Attribute)
                and node.iter.func.attr in _NAME_LISTS
            ):
                return True
        return False

    def _confined(self, call: ast.Call) -> bool:
        """The function checks resolved paths against a base (commonpath / realpath + startswith)."""
        scope = self.resolver.scope_of(call)
        body = scope.body if scope is not None else self.tree.body
        resolved = checked = False
        for node in ast.walk(ast.Module(body=body, type_ignores=[])):
            if isinstance(node, ast.Call):
                qual = self.resolver.qualname(node.func) or ""
                if qual in _CONFINING:
                    resolved = True
                if isinstance(node.func, ast.Attribute) and node.func.attr in (
                    "startswith",
                    "is_relative_to",
                ):
                    checked = True
                if qual == "os.path.commonpath":
                    checked = True
                if isinstance(node.func, ast.Attribute) and node.func.attr == "resolve":
                    resolved = True
        return resolved and checked

    def _is_response(self, node: ast.Call, names: tuple[str, ...]) -> bool:
        if any(n in _COOKIE_RECEIVERS for n in names):
            return True
        receiver = node.func.value if isinstance(node.func, ast.Attribute) else None
        if receiver is None or self.resolver.type_of(receiver) is not None:
            return False
        return any(self.resolver.imports_package(p) for p in _WEB_PACKAGES)

    def _cookie(self, node: ast.Call) -> Iterator[VulnHit]:
        if any(k.arg is None for k in node.keywords):
            return  # **options: cannot tell
        secure = _keyword(node, "secure")
        httponly = _keyword(node, "httponly")
        if secure is None or _falsy(secure):
            yield VulnHit(RULES["PG-VULN006"], node, "set_cookie() without secure=True")
        elif httponly is None or _falsy(httponly):
            yield VulnHit(RULES["PG-VULN007"], node, "set_cookie() without httponly=True")

    # -- keys, IVs, KDFs, JWT, TLS, CORS -------------------------------------------------------------

    def _crypto_call(self, node: ast.Call, qual: str) -> Iterator[VulnHit]:
        if qual in _JWT_DECODERS:
            why = _unverified_jwt(node)
            if why:
                yield VulnHit(RULES["PG-VULN008"], node, why)
        if qual in _CORS_MIDDLEWARE or any(self.resolver.qualname(a) in _CORS_MIDDLEWARE for a in node.args):
            origins = _keyword(node, "allow_origins")
            credentials = _keyword(node, "allow_credentials")
            if (
                origins is not None
                and _any_origin(origins)
                and credentials is not None
                and _truthy(credentials)
            ):
                yield VulnHit(
                    RULES["PG-VULN009"], node, "CORSMiddleware(allow_origins=['*'], allow_credentials=True)"
                )
        if qual in _FLASK_CORS and not any(k.arg is None for k in node.keywords):
            origins = _keyword(node, "origins") or _keyword(node, "resources")
            credentials = _keyword(node, "supports_credentials")
            # flask-cors answers every origin by default, echoing it when credentials are on
            if credentials is not None and _truthy(credentials) and (origins is None or _any_origin(origins)):
                name = qual.rsplit(".", 1)[-1]
                yield VulnHit(
                    RULES["PG-VULN009"], node, f"{name}() for any origin with supports_credentials=True"
                )
        if qual == "ssl.SSLContext":
            protocol = node.args[0] if node.args else _keyword(node, "protocol")
            old = self.resolver.qualname(protocol) if protocol is not None else None
            if old in _OLD_PROTOCOLS:
                yield VulnHit(RULES["PG-VULN010"], node, f"SSLContext({old.removeprefix('ssl.')})")
        key = self._key_argument(node, qual)
        if key is not None and self._constant_bytes(key):
            yield VulnHit(
                RULES["PG-VULN011"], node, f"{qual.rsplit('.', 1)[-1]}() with the key `{_short(key, 30)}`"
            )
        iv = self._iv_argument(node, qual)
        if iv is not None and self._constant_bytes(iv) and not self._probe_only(node):
            yield VulnHit(
                RULES["PG-VULN012"], node, f"{_short(node.func)}() with the constant IV `{_short(iv, 30)}`"
            )
        if qual in (_PBKDF2, _PBKDF2_CLASS):
            count = node.args[3] if qual == _PBKDF2 and len(node.args) > 3 else _keyword(node, "iterations")
            value = self._constant_int(count)
            if value is not None and value < MIN_PBKDF2_ITERATIONS:
                yield VulnHit(RULES["PG-VULN013"], node, f"PBKDF2 with {value:,} iterations")
        if qual in _SALTED_KDFS:
            position, keyword = _SALTED_KDFS[qual]
            salt = node.args[position] if 0 <= position < len(node.args) else _keyword(node, keyword)
            if salt is not None and self._constant_bytes(salt):
                yield VulnHit(
                    RULES["PG-VULN014"],
                    node,
                    f"{qual.rsplit('.', 1)[-1]}() with the salt `{_short(salt, 30)}`",
                )
        if qual in _SHORT_KEY_CALLS:
            bits = node.args[0] if node.args else _keyword(node, "bits")
            value = self._constant_int(bits)
            if value is not None and value < 2048:
                yield VulnHit(RULES["PG-VULN015"], node, f"RSAKey.generate({value})")
        if qual in _URLLIB3_POOLS and not self._conditional(node):
            reqs = _keyword(node, "cert_reqs")
            if reqs is not None and (
                _const_str(reqs) == "CERT_NONE" or self.resolver.qualname(reqs) in _CERT_NONE
            ):
                yield VulnHit(RULES["PG-VULN021"], node, f"{qual.rsplit('.', 1)[-1]}(cert_reqs=CERT_NONE)")
        for flag in ("ssl", "verify_ssl"):
            value = _keyword(node, flag)
            if not (isinstance(value, ast.Constant) and value.value is False):
                continue
            if self._conditional(node):
                break
            names = (qual,) if qual in _AIOHTTP_CONNECTORS else self.resolver.call_names(node)
            if any(n in _AIOHTTP_CONNECTORS or n.startswith("aiohttp.ClientSession.") for n in names):
                yield VulnHit(RULES["PG-VULN021"], node, f"{_short(node.func)}({flag}=False)")
        if qual.endswith(".login") and isinstance(node.func, ast.Attribute):
            why = self._plain_smtp_login(node)
            if why:
                yield VulnHit(RULES["PG-VULN022"], node, why)
        if qual in _NUMPY_LOAD:
            pickle = _keyword(node, "allow_pickle")
            source = node.args[0] if node.args else _keyword(node, "file")
            if pickle is not None and _truthy(pickle) and source is not None and not _const_str(source):
                yield VulnHit(RULES["PG-VULN020"], node, "numpy.load(..., allow_pickle=True)")

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
                count = self._constant_int(loop.args[-1]) if len(loop.args) == 1 else None
            node = node.elt
        if not isinstance(node, ast.Call) or not node.args:
            return None
        qual = self.resolver.qualname(node.func) or ""
        if qual not in _RANDOM_PICKS or not self._characters(node.args[0]):
            return None
        if qual == "random.choices":
            count = self._constant_int(_keyword(node, "k"))
        elif qual == "random.sample":
            count = self._constant_int(node.args[1] if len(node.args) > 1 else _keyword(node, "k"))
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
        if isinstance(node, ast.Attribute):
            return (self.resolver.qualname(node) or "").startswith("string.")
        if isinstance(node, ast.Name):
            assigns = self._scope_assigns(node)
            value = self._assigned(node) if assigns == 1 else None
            if value is None and assigns == 0:
                value = self._constants.get(node.id)
            return value is not None and self._characters(value, depth + 1)
        return False

    def _where(self, node: ast.Dict) -> Iterator[VulnHit]:
        for key, value in zip(node.keys, node.values, strict=True):
            if _const_str(key) == "$where" and value is not None and _formatted(value):
                yield VulnHit(RULES["PG-VULN019"], node, f"$where from {_short(value, 40)}")

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
        return node.args[position] if len(node.args) > position else _keyword(node, keyword)

    def _iv_argument(self, node: ast.Call, qual: str) -> ast.expr | None:
        if qual in _IV_MODES:
            return (
                node.args[0]
                if node.args
                else _keyword(node, "initialization_vector") or _keyword(node, "nonce")
            )
        if qual.startswith(_CIPHER_MODULES) and qual.endswith(".new"):
            if len(node.args) > 2:
                return node.args[2]
            return _keyword(node, "iv") or _keyword(node, "IV") or _keyword(node, "nonce")
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

    def _scope_assigns(self, name: ast.Name) -> int:
        """How many times the function around `name` binds it (0 at module level)."""
        scope = self.resolver.scope_of(name)
        if scope is None:
            return 0
        count = 0
        for node in ast.walk(ast.Module(body=scope.body, type_ignores=[])):
            targets: list[ast.expr] = []
            if isinstance(node, ast.Assign):
                targets = node.targets
            elif isinstance(node, ast.AugAssign | ast.AnnAssign | ast.For | ast.AsyncFor | ast.NamedExpr):
                targets = [node.target]
            count += sum(
                isinstance(sub, ast.Name) and sub.id == name.id for t in targets for sub in ast.walk(t)
            )
        params = scope.args.posonlyargs + scope.args.args + scope.args.kwonlyargs
        return count + sum(a.arg == name.id for a in params)

    def _constant_int(self, node: ast.expr | None) -> int | None:
        if isinstance(node, ast.Constant) and type(node.value) is int:
            return node.value
        if isinstance(node, ast.Name):
            assigns = self._scope_assigns(node)
            value = self._assigned(node) if assigns == 1 else None
            if value is None and assigns == 0:
                value = self._constants.get(node.id)
            if isinstance(value, ast.Constant) and type(value.value) is int:
                return value.value
        return None

    def _verification_setting(self, node: ast.Assign) -> Iterator[VulnHit]:
        """`ctx.verify_mode = ssl.CERT_NONE`, `ctx.check_hostname = False` (an SSLContext, in a
        module that imports ssl), `session.verify = False` (a requests Session by type). Only
        unconditional ones: under an `if` it is the option a caller chose (`verify=False`, an
        `insecure` flag), which the library that offers it implements this way."""
        if self._conditional(node):
            return
        for target in node.targets:
            # `self.check_hostname = False` initialises a context class of its own (a shim)
            if not isinstance(target, ast.Attribute) or (
                isinstance(target.value, ast.Name) and target.value.id == "self"
            ):
                continue
            value = node.value
            if target.attr == "verify_mode" and self.resolver.qualname(value) in _CERT_NONE:
                yield VulnHit(RULES["PG-VULN021"], node, "verify_mode = CERT_NONE")
            elif (
                target.attr == "check_hostname"
                and isinstance(value, ast.Constant)
                and value.value is False
                and self.resolver.imports_package("ssl")
            ):
                yield VulnHit(RULES["PG-VULN021"], node, "check_hostname = False")
            elif (
                target.attr == "verify"
                and isinstance(value, ast.Constant)
                and value.value is False
                and self.resolver.type_of(target.value) in _SESSION_TYPES
            ):
                yield VulnHit(RULES["PG-VULN021"], node, "a requests Session with verify = False")

    def _conditional(self, node: ast.AST) -> bool:
        scope = self.resolver.scope_of(node)
        return _under_condition(scope if scope is not None else self.tree, node)

    def _plain_smtp_login(self, call: ast.Call) -> str | None:
        """`x.login(...)` on an `smtplib.SMTP` made in the same function, which never calls
        `x.starttls()`."""
        receiver = call.func.value  # type: ignore[attr-defined]
        if not isinstance(receiver, ast.Name):
            return None
        origin = self._assigned(receiver)
        if origin is None:  # `with smtplib.SMTP(...) as s:`
            origin = self._with_value(receiver)
        if not isinstance(origin, ast.Call) or self.resolver.qualname(origin.func) != "smtplib.SMTP":
            return None
        scope = self.resolver.scope_of(call)
        for node in ast.walk(scope if scope is not None else self.tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "starttls"
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == receiver.id
            ):
                return None
        return f"{receiver.id}.login() on smtplib.SMTP without starttls()"

    def _with_value(self, name: ast.Name) -> ast.expr | None:
        scope = self.resolver.scope_of(name)
        for node in ast.walk(scope if scope is not None else self.tree):
            if isinstance(node, ast.With | ast.AsyncWith):
                for item in node.items:
                    if isinstance(item.optional_vars, ast.Name) and item.optional_vars.id == name.id:
                        return item.context_expr
        return None

    def _protocol_setting(self, node: ast.Assign) -> Iterator[VulnHit]:
        """`ctx.minimum_version = ssl.TLSVersion.TLSv1_1` (an SSLContext's lowest version)."""
        for target in node.targets:
            if isinstance(target, ast.Attribute) and target.attr == "minimum_version":
                old = self.resolver.qualname(node.value)
                if old in _OLD_PROTOCOLS:
                    yield VulnHit(RULES["PG-VULN010"], node, f"minimum_version = {old.removeprefix('ssl.')}")

    def _django_cors(self) -> Iterator[VulnHit]:
        """django-cors-headers settings: every origin allowed and credentials on, in one module."""
        settings = {
            stmt.targets[0].id: stmt
            for stmt in self.tree.body
            if isinstance(stmt, ast.Assign)
            and len(stmt.targets) == 1
            and isinstance(stmt.targets[0], ast.Name)
            and isinstance(stmt.value, ast.Constant)
            and stmt.value.value is True
        }
        allow_all = next((settings[k] for k in sorted(_DJANGO_CORS_ALL) if k in settings), None)
        if allow_all is not None and "CORS_ALLOW_CREDENTIALS" in settings:
            yield VulnHit(
                RULES["PG-VULN009"], allow_all, "every origin allowed with CORS_ALLOW_CREDENTIALS = True"
            )

    def _endless(self, loop: ast.While) -> Iterator[VulnHit]:
        """A `while` whose condition compares only local names (and constants) that the body never
        binds, in a body that never leaves: it cannot end once entered."""
        scope = self.resolver.scope_of(loop)
        if scope is None or loop.orelse or not isinstance(loop.test, ast.Compare):
            return
        operands = [loop.test.left, *loop.test.comparators]
        names = {o.id for o in operands if isinstance(o, ast.Name)}
        if not names or not all(isinstance(o, ast.Name | ast.Constant) for o in operands):
            return
        for node in ast.walk(scope):
            if isinstance(node, ast.Global | ast.Nonlocal) or (
                node is not scope and isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
            ):
                return  # another function may change them
        for name in names:  # every name is the function's own (a parameter or bound in it)
            if not self._binds(scope, name):
                return
        for node in ast.walk(ast.Module(body=loop.body, type_ignores=[])):
            if isinstance(node, ast.Break | ast.Return | ast.Raise | ast.Yield | ast.YieldFrom | ast.Await):
                return
            # a condition name handed to a call, or whose attribute or item is used, may be mutated
            if isinstance(node, ast.Call) and any(
                isinstance(x, ast.Name) and x.id in names
                for x in (node.func, *node.args, *(k.value for k in node.keywords))
            ):
                return
            if isinstance(node, ast.Attribute | ast.Subscript | ast.Starred) and (
                isinstance(node.value, ast.Name) and node.value.id in names
            ):
                return
            if isinstance(node, ast.Call) and (self.resolver.qualname(node.func) or "") in _EXIT_CALLS:
                return
            if isinstance(node, ast.Name) and node.id in names and not isinstance(node.ctx, ast.Load):
                return
            if isinstance(node, ast.Delete):
                return
        yield VulnHit(
            RULES["PG-VULN016"],
            loop,
            f"`while {_short(loop.test)}`: nothing in the loop changes {', '.join(sorted(names))}",
        )

    @staticmethod
    def _binds(scope: ast.FunctionDef | ast.AsyncFunctionDef, name: str) -> bool:
        params = scope.args.posonlyargs + scope.args.args + scope.args.kwonlyargs
        if any(a.arg == name for a in params):
            return True
        return any(
            isinstance(node, ast.Name) and node.id == name and isinstance(node.ctx, ast.Store)
            for node in ast.walk(scope)
        )

    def _returned_traceback(self, node: ast.Return) -> Iterator[VulnHit]:
        """A request handler returns a formatted traceback (directly or through a local name)."""
        scope = self.resolver.scope_of(node)
        if scope is None or not _is_view(scope) or _under_condition(scope, node):
            return  # a condition may be a debug or staff gate: only unconditional exposure counts
        if any(isinstance(x, ast.IfExp) for x in ast.walk(node.value)):
            return
        for sub in ast.walk(node.value):
            origin = sub
            if isinstance(sub, ast.Name):
                origin = self._assigned(sub)
            if origin is None or any(isinstance(x, ast.IfExp) for x in ast.walk(origin)):
                continue
            for call in ast.walk(origin):
                if (
                    isinstance(call, ast.Call)
                    and (self.resolver.qualname(call.func) or "") in _TRACEBACK_TEXT
                ):
                    yield VulnHit(RULES["PG-VULN017"], node, f"the view returns {_short(call)}")
                    return

    # -- comparisons -------------------------------------------------------------------------------

    def _compare(self, node: ast.Compare) -> Iterator[VulnHit]:
        if len(node.ops) != 1 or not isinstance(node.ops[0], ast.Eq | ast.NotEq | ast.Is | ast.IsNot):
            return
        left, right = node.left, node.comparators[0]
        if _trivial(left) or _trivial(right):
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
            label = _const_str(node.slice)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get":
            label = _const_str(node.args[0]) if node.args else None
        if label and _names_secret(label):
            return f"`{_short(node)}` names a secret"
        return None

    def _computed_digest(self, node: ast.expr) -> str | None:
        """Why `node` is a MAC or keyed digest computed here or by a function of this module
        (`self.sign(msg)` whose every return is `hmac.new(...).digest()`), or None."""
        if self._is_digest(node):
            callee = self.resolver.local_callee(node) if isinstance(node, ast.Call) else None
            if callee is not None and self._returns_digest(callee, 1):
                return f"`{_short(node)}` returns a computed digest ({callee.name}(), line {callee.lineno})"
            return f"`{_short(node)}` is a computed digest"
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
                    returns = [r for r in self.resolver.returns_of(callee) if not _is_none(r)]
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
            returns = [r for r in self.resolver.returns_of(function) if not _is_none(r)]
            self._digest_functions[key] = bool(returns) and all(
                not isinstance(r, _CONTAINERS) and self._is_digest(r, depth) for r in returns
            )
        return self._digest_functions[key]

    def _assigned(self, name: ast.Name) -> ast.expr | None:
        """The one value a local name is assigned in its function (None: several, or none)."""
        scope = self.resolver.scope_of(name)
        body = scope.body if scope is not None else self.tree.body
        values = [
            stmt.value
            for stmt in ast.walk(ast.Module(body=body, type_ignores=[]))
            if isinstance(stmt, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == name.id for t in stmt.targets)
        ]
        return values[0] if len(values) == 1 else None

    # -- settings and returns ----------------------------------------------------------------------

    def _setting(self, node: ast.Assign) -> Iterator[VulnHit]:
        if not (isinstance(node.value, ast.Constant) and node.value.value is False):
            return
        for target in node.targets:
            key = None
            if isinstance(target, ast.Name):
                key = target.id
            elif isinstance(target, ast.Subscript):
                key = _const_str(target.slice)
            if key in _COOKIE_SETTINGS:
                yield VulnHit(RULES[_COOKIE_SETTINGS[key]], node, f"{key} = False")

    def _returned_html(self, node: ast.Return) -> Iterator[VulnHit]:
        scope = self.resolver.scope_of(node)
        if scope is None:
            return
        if _is_view(scope):
            formatted = self._unescaped_html(node.value)
            if formatted:
                yield VulnHit(RULES["PG-VULN003"], node, f"the view returns {formatted}")
            return
        yield from self._partly_escaped(node.value, scope)

    def _partly_escaped(self, node: ast.expr | None, scope: ast.AST) -> Iterator[VulnHit]:
        """Markup returned by any function (a page a WSGI app or debugger serves, a widget's
        HTML) whose formatting escapes some values and not others: the author escapes this
        template's data, so a field, parameter or call result put in raw is the one forgotten.
        Values that are markup themselves (other formattings, joins of fragments, `render*()`),
        locals built in the function, numbers and constants are not judged."""
        if node is None:
            return
        template, values = _formatting(node, self._constants)
        if template is None or not _looks_like_html(template):
            return
        if not any(self._escape_call(v) for v in values):
            return
        params = _parameters(scope)
        for value in values:
            if self._raw_data(value, params) and not self._escaped(value):
                detail = f"returned HTML formatted with `{_short(value)}` unescaped (its other values are)"
                yield VulnHit(RULES["PG-VULN003"], value, detail)

    def _escape_call(self, node: ast.expr) -> bool:
        if not isinstance(node, ast.Call):
            return False
        qual = self.resolver.qualname(node.func) or ""
        return (qual in _ESCAPES and qual not in _NUMERIC_CALLS) or qual.rsplit(".", 1)[-1] == "escape"

    def _raw_data(self, node: ast.expr, params: frozenset[str]) -> bool:
        """Text that comes from outside this formatting: an attribute or item read, a parameter,
        or a call on one (`re.sub(p, r, self.text)`); not markup, numbers or local fragments."""
        if isinstance(node, ast.Attribute):
            return not _numeric_name(node.attr)
        if isinstance(node, ast.Subscript):
            key = _const_str(node.slice)
            return not (key and _numeric_name(key))
        if isinstance(node, ast.Name):
            return node.id in params and not _numeric_name(node.id)
        if isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else ast.unparse(node.func)
            last = name.rsplit(".", 1)[-1].lower()
            if last == "join" or last.startswith("render") or last.endswith("html") or _numeric_name(last):
                return False
            if self._builds_html(last):
                return False
            arguments = [*node.args, *(k.value for k in node.keywords)]
            return any(self._raw_data(a, params) for a in arguments)
        return False

    def _builds_html(self, name: str) -> bool:
        """A function or method of this module by that name returns markup on every path
        (`get_description()` returning `f"<p>{escape(d)}</p>"`): judged where it is built."""
        if self._functions is None:
            self._functions = {}
            for sub in ast.walk(self.tree):
                if isinstance(sub, ast.FunctionDef | ast.AsyncFunctionDef):
                    self._functions.setdefault(sub.name.lower(), []).append(sub)
        defs = self._functions.get(name, [])
        returns = [
            r.value for d in defs for r in ast.walk(d) if isinstance(r, ast.Return) and r.value is not None
        ]
        return bool(returns) and all(
            _looks_like_html(_formatting(r, self._constants)[0] or "") for r in returns
        )

    def _unescaped_html(self, node: ast.expr | None) -> str | None:
        """'an f-string of HTML with `x` unescaped' when `node` formats values into markup."""
        if node is None:
            return None
        template, values = _formatting(node, self._constants)
        if template is None or not _looks_like_html(template):
            return None
        for value in values:
            if not self._escaped(value):
                return f"HTML formatted with `{_short(value)}` unescaped"
        return None

    def _escaped(self, node: ast.expr, depth: int = 0) -> bool:
        """Escaped, or a number: constants, escape calls, `str()` of either, counts and lengths."""
        if isinstance(node, ast.Constant) or depth > 5:
            return isinstance(node, ast.Constant)
        if isinstance(node, ast.Call):
            qual = self.resolver.qualname(node.func) or ""
            last = qual.rsplit(".", 1)[-1]
            if qual in _ESCAPES or last in ("escape", "quote", "url_for", "format_html", "count", "__len__"):
                return True
            if qual == "str" and len(node.args) == 1:
                return self._escaped(node.args[0], depth + 1)
        if isinstance(node, ast.Name):
            origin = self._assigned(node)
            return origin is not None and self._escaped(origin, depth + 1)
        if isinstance(node, ast.IfExp):
            return self._escaped(node.body, depth + 1) and self._escaped(node.orelse, depth + 1)
        if isinstance(node, ast.BoolOp):
            # `flag and 'true' or 'false'`: what `and` yields when its test passes is its last operand
            results = [node.values[-1]] if isinstance(node.op, ast.And) else node.values
            return all(self._escaped(v, depth + 1) for v in results)
        return False


def _class_bodies(body: list[ast.stmt]) -> Iterator[list[ast.stmt]]:
    """Bodies of the classes defined in these statements, at any depth (statements only: no
    expression holds a class)."""
    for stmt in body:
        if isinstance(stmt, ast.ClassDef):
            yield stmt.body
        for field in ("body", "orelse", "finalbody", "handlers", "cases"):
            inner = getattr(stmt, field, None)
            if isinstance(inner, list) and inner:
                yield from _class_bodies([s for s in inner if isinstance(s, ast.stmt)])
                for sub in inner:  # except handlers and match cases hold their own bodies
                    if isinstance(sub, ast.excepthandler | ast.match_case):
                        yield from _class_bodies(sub.body)


class _Lenient(dict):
    """Module constants where any other name reads as one opaque character (redos.OPAQUE)."""

    def __contains__(self, name: object) -> bool:
        return True

    def __missing__(self, name: str) -> ast.expr:
        return ast.Constant(OPAQUE)


def _reads_as_regex(text: str) -> bool:
    """Text with a group and a quantifier or class: markup and messages rarely have both."""
    return (
        "(" in text
        and ")" in text
        and any(c in text for c in "*+")
        and any(marker in text for marker in ("(?:", "\\", "[", "|"))
    )


def _with_flags(pattern: Text, call: ast.Call) -> Text:
    """The pattern as `re` reads it: verbose patterns (`re.X`, `re.VERBOSE`) drop whitespace."""
    flags = [*call.args[1:], *(k.value for k in call.keywords if k.arg == "flags")]
    verbose = any(
        isinstance(n, ast.Attribute | ast.Name)
        and (getattr(n, "attr", "") or getattr(n, "id", "")) in ("X", "VERBOSE")
        for flag in flags
        for n in ast.walk(flag)
    )
    if not verbose:
        return pattern
    return b"(?x)" + pattern if isinstance(pattern, bytes) else "(?x)" + pattern


def _module_constants(tree: ast.Module) -> dict[str, ast.expr]:
    """Module-level names assigned exactly once: what a pattern built from them is made of."""
    seen: dict[str, list[ast.expr]] = {}
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
            seen.setdefault(stmt.targets[0].id, []).append(stmt.value)
    return {name: values[0] for name, values in seen.items() if len(values) == 1}


Text = str | bytes


def _fold(node: ast.expr, names: dict[str, ast.expr], depth: int = 0) -> Text | None:
    """The constant text of a string expression (str or bytes literals, `+`, `%` and `.format`
    with constants or a dict of them, module constants, slices, `re.escape` and `"|".join(...)`
    of constants or of a comprehension over them), or None. Nothing is run but str operations."""
    if depth > 20:
        return None
    if isinstance(node, ast.Constant):
        return node.value if isinstance(node.value, str | bytes) else None
    if isinstance(node, ast.Name) and node.id in names:
        return _fold(names[node.id], names, depth + 1)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _fold(node.left, names, depth + 1), _fold(node.right, names, depth + 1)
        if left is None or right is None or type(left) is not type(right):
            return None
        return left + right  # type: ignore[operator]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
        left = _fold(node.left, names, depth + 1)
        values = _fold_arguments(node.right, names, depth + 1)
        if left is None or values is None:
            return None
        try:
            return left % values  # type: ignore[operator]
        except (TypeError, ValueError, KeyError):
            return None
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Slice):
        text = _fold(node.value, names, depth + 1)
        bounds = [_const_int(b) for b in (node.slice.lower, node.slice.upper, node.slice.step)]
        given = [b for b in (node.slice.lower, node.slice.upper, node.slice.step) if b is not None]
        if text is None or len([b for b in bounds if b is not None]) != len(given):
            return None
        return text[slice(*bounds)]
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        if (
            node.func.attr == "escape"
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "re"
        ):
            inner = _fold(node.args[0], names, depth + 1) if node.args else None
            return re.escape(inner) if inner is not None else None
        if node.func.attr == "join" and node.args:
            separator = _fold(node.func.value, names, depth + 1)
            items = _fold_items(node.args[0], names, depth + 1)
            if separator is None or items is None or any(type(i) is not type(separator) for i in items):
                return None
            return separator.join(items)  # type: ignore[arg-type]
        if node.func.attr == "format":
            template = _fold(node.func.value, names, depth + 1)
            positional = [_fold(a, names, depth + 1) for a in node.args]
            keywords = {k.arg: _fold(k.value, names, depth + 1) for k in node.keywords}
            if (
                not isinstance(template, str)
                or None in keywords
                or any(not isinstance(v, str) for v in (*positional, *keywords.values()))
            ):
                return None
            try:
                return template.format(*positional, **keywords)
            except (IndexError, KeyError, ValueError):
                return None
    return None


def _fold_arguments(node: ast.expr, names: dict[str, ast.expr], depth: int) -> object:
    """The right side of `%`: a tuple of texts, a dict of texts, or one text (None: unknown)."""
    if isinstance(node, ast.Name) and node.id in names and isinstance(names[node.id], ast.Dict | ast.Tuple):
        node = names[node.id]
    if isinstance(node, ast.Dict):
        keys = [_const_str(k) for k in node.keys]
        values = [_fold(v, names, depth + 1) for v in node.values]
        if None in keys or None in values:
            return None
        return dict(zip(keys, values, strict=True))
    parts = node.elts if isinstance(node, ast.Tuple) else [node]
    values = [_fold(p, names, depth + 1) for p in parts]
    return None if None in values else tuple(values)


def _const_int(node: ast.expr | None) -> int | None:
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        inner = _const_int(node.operand)
        return -inner if inner is not None else None
    return node.value if isinstance(node, ast.Constant) and type(node.value) is int else None


def _fold_items(node: ast.expr, names: dict[str, ast.expr], depth: int) -> list[Text] | None:
    escape = False
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "map"
        and len(node.args) == 2
    ):
        escape = ast.unparse(node.args[0]) == "re.escape"
        if not escape:
            return None
        node = node.args[1]
    if isinstance(node, ast.Name) and node.id in names:
        node = names[node.id]
    if isinstance(node, ast.ListComp | ast.GeneratorExp) and len(node.generators) == 1:
        return _fold_comprehension(node, names, depth)
    if not isinstance(node, ast.Tuple | ast.List):
        return None
    values = [_fold(e, names, depth + 1) for e in node.elts]
    if any(v is None for v in values):
        return None
    return [re.escape(v) if escape else v for v in values]  # type: ignore[arg-type, misc]


def _fold_comprehension(
    node: ast.ListComp | ast.GeneratorExp, names: dict[str, ast.expr], depth: int
) -> list[Text] | None:
    """`[x % subs for x in VARIANTS]`: the element folded once per constant item."""
    generator = node.generators[0]
    if generator.ifs or not isinstance(generator.target, ast.Name):
        return None
    source = generator.iter
    if isinstance(source, ast.Name) and source.id in names:
        source = names[source.id]
    if not isinstance(source, ast.Tuple | ast.List):
        return None
    out: list[Text] = []
    for item in source.elts:
        value = _fold(node.elt, {**names, generator.target.id: item}, depth + 1)
        if value is None:
            return None
        out.append(value)
    return out


_CONTAINERS = (ast.Dict, ast.List, ast.Tuple, ast.Set, ast.ListComp, ast.DictComp, ast.SetComp)


def _is_none(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def _names_secret_value(node: ast.AST) -> bool:
    """A name, attribute or constant key that names a secret (`password`, `self.secret_key`,
    `conf['signing_key']`): what makes a plain hash a keyed one."""
    if isinstance(node, ast.Name):
        return _names_secret(node.id)
    if isinstance(node, ast.Attribute):
        return _names_secret(node.attr)
    if isinstance(node, ast.Subscript):
        key = _const_str(node.slice)
        return key is not None and _names_secret(key)
    return False


def _names_secret(label: str) -> bool:
    words = label.lower().replace("-", "_").strip("_")
    return words.rsplit("_", 1)[-1] in _SECRET_LAST_WORDS or words.endswith(_SECRET_ENDINGS)


def _formatting(
    node: ast.expr, constants: dict[str, ast.expr] | None = None
) -> tuple[str | None, list[ast.expr]]:
    """(the constant text, the interpolated values) of an f-string, `%` or `.format` or `+` build.
    The template of `%` and `.format` may be a module constant (`PAGE_HTML % {...}`)."""
    constants = constants or {}
    if isinstance(node, ast.JoinedStr):
        text = "".join(str(v.value) for v in node.values if isinstance(v, ast.Constant))
        return text, [v.value for v in node.values if isinstance(v, ast.FormattedValue)]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
        template = _fold(node.left, constants)
        if not isinstance(template, str):
            return None, []
        right = node.right
        values = list(right.elts) if isinstance(right, ast.Tuple) else [right]
        if isinstance(right, ast.Dict):
            values = [v for v in right.values if v is not None]
        return template, values
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format":
        template = _fold(node.func.value, constants)
        if not isinstance(template, str):
            return None, []
        return template, [*node.args, *(k.value for k in node.keywords)]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        parts: list[ast.expr] = []
        _flatten_add(node, parts)
        text = "".join(p for p in (_const_str(x) for x in parts) if p is not None)
        if text == "" or all(_const_str(x) is not None for x in parts):
            return None, []
        return text, [x for x in parts if _const_str(x) is None]
    return None, []


def _flatten_add(node: ast.expr, out: list[ast.expr]) -> None:
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        _flatten_add(node.left, out)
        _flatten_add(node.right, out)
    else:
        out.append(node)


#: calls that make a number of their argument (escaped by being a number, not by escaping)
_NUMERIC_CALLS = frozenset({"int", "float", "len"})
#: last words of names that hold numbers (`self.lineno`, `frame.id`, `row_count`)
_NUMERIC_WORDS = frozenset(
    {"id", "lineno", "line", "count", "num", "number", "size", "index", "len", "length", "total", "pk"}
)


def _numeric_name(name: str) -> bool:
    return name.lower().rsplit("_", 1)[-1] in _NUMERIC_WORDS


def _parameters(scope: ast.AST) -> frozenset[str]:
    if not isinstance(scope, ast.FunctionDef | ast.AsyncFunctionDef):
        return frozenset()
    args = scope.args
    return frozenset(a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs) if a.arg != "self")


def _looks_like_html(text: str) -> bool:
    lowered = text.lower()
    return "<" in lowered and any(f"<{tag}" in lowered or f"</{tag}" in lowered for tag in _TAGS)


_TAGS = (
    "a ",
    "a>",
    "p>",
    "p ",
    "div",
    "span",
    "b>",
    "i>",
    "li",
    "ul",
    "td",
    "tr",
    "h1",
    "h2",
    "h3",
    "img",
    "script",
    "html",
    "body",
    "strong",
    "em>",
    "br",
    "pre",
    "code",
    "option",
    "input",
    "form",
    "table",
    "title",
    "label",
    "button",
    "iframe",
    "small",
)


def _is_view(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """A request handler: a route decorator, or Django's `request` first parameter."""
    for decorator in function.decorator_list:
        call = decorator if isinstance(decorator, ast.Call) else None
        if (
            call is not None
            and isinstance(call.func, ast.Attribute)
            and call.func.attr in ("route", "get", "post", "put", "patch", "delete", "api_route")
        ):
            return True
    params = [a.arg for a in function.args.posonlyargs + function.args.args]
    return params[:1] == ["request"] or params[:2] == ["self", "request"]


def _parser_problem(node: ast.Call) -> str | None:
    resolve = _keyword(node, "resolve_entities")
    network = _keyword(node, "no_network")
    if resolve is not None and _truthy(resolve):
        return "XMLParser(resolve_entities=True)"
    if network is not None and _falsy(network):
        return "XMLParser(no_network=False)"
    for flag in ("load_dtd", "dtd_validation", "attribute_defaults"):
        value = _keyword(node, flag)
        if value is not None and _truthy(value) and not (resolve is not None and _falsy(resolve)):
            return f"XMLParser({flag}=True) without resolve_entities=False"
    return None


def _is_join(node: ast.Call) -> bool:
    """`"<constant>".join(...)`."""
    return (
        isinstance(node.func, ast.Attribute)
        and node.func.attr == "join"
        and isinstance(node.func.value, ast.Constant)
        and isinstance(node.func.value.value, str)
    )


def _formatted(node: ast.expr) -> bool:
    """A string built from non-constant parts: an f-string with a value, `+`, `%` or `.format`."""
    if isinstance(node, ast.JoinedStr):
        return any(isinstance(v, ast.FormattedValue) for v in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Mod):
        return not (isinstance(node.left, ast.Constant) and isinstance(node.right, ast.Constant))
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "format"
        and isinstance(node.func.value, ast.Constant)
        and bool(node.args or node.keywords)
    )


def _under_condition(scope: ast.AST, target: ast.AST) -> bool:
    """`target` lies inside an `if` (or a conditional expression) of `scope`."""

    def inside(node: ast.AST, conditional: bool) -> bool | None:
        if node is target:
            return conditional
        for child in ast.iter_child_nodes(node):
            found = inside(child, conditional or isinstance(node, ast.If | ast.IfExp))
            if found is not None:
                return found
        return None

    return bool(inside(scope, False))


def _unverified_jwt(node: ast.Call) -> str | None:
    """Why a JWT decode call does not check the signature, or None."""
    verify = _keyword(node, "verify")
    if verify is not None and _falsy(verify):
        return "decode(verify=False)"
    options = _keyword(node, "options")
    if isinstance(options, ast.Dict):
        for key, value in zip(options.keys, options.values, strict=True):
            if _const_str(key) == "verify_signature" and _falsy(value):
                return "decode(options={'verify_signature': False})"
    algorithms = _keyword(node, "algorithms")
    if isinstance(algorithms, ast.List | ast.Tuple | ast.Set) and any(
        (_const_str(e) or "").lower() == "none" for e in algorithms.elts
    ):
        return "decode(algorithms=[..., 'none'])"
    return None


def _any_origin(node: ast.expr) -> bool:
    """`'*'`, `['*']`, or flask-cors resources whose origins are `'*'`."""
    if _const_str(node) == "*":
        return True
    if isinstance(node, ast.List | ast.Tuple | ast.Set):
        return any(_const_str(e) == "*" for e in node.elts)
    if isinstance(node, ast.Dict):  # flask-cors resources={r"/api/*": {"origins": "*"}}
        return any(
            isinstance(v, ast.Dict)
            and any(
                _const_str(k) == "origins" and _any_origin(o) for k, o in zip(v.keys, v.values, strict=True)
            )
            for v in node.values
        )
    return False


def _keyword(node: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in node.keywords if k.arg == name), None)


def _truthy(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and bool(node.value) and node.value != "internal"


def _falsy(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and not node.value


def _const_str(node: ast.expr | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _trivial(node: ast.expr) -> bool:
    """Constants, None, empty or length checks: nothing secret is compared byte by byte."""
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.Attribute | ast.Name):  # an enum member or module constant: `Auth.PASSWORD`
        name = node.attr if isinstance(node, ast.Attribute) else node.id
        if name.isupper():
            return True
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("len", "type")


def _short(node: ast.AST, limit: int = 50) -> str:
    text = " ".join(ast.unparse(node).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
