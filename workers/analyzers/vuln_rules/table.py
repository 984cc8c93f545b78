"""The PG-VULN rules as data: what each finds, why it matters, a bad and a good example, the fix."""

from __future__ import annotations

from dataclasses import dataclass


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
            "shape), a value `random` draws into a name or keyword argument that says it is a secret "
            "(`otp`, `token`, `nonce`, `salt`, `password` ...), or a cookie value drawn from it, is "
            "predictable: the Mersenne Twister's state is recovered from 624 outputs.",
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
        VulnRule(
            "PG-VULN023",
            "Object loader that unpickles",
            "medium",
            502,
            "joblib, cloudpickle and torch.load (without weights_only=True) read objects with pickle, "
            "and Keras with safe_mode=False runs the lambdas a model file holds: loading runs whatever "
            "code the file's author put in it, so a model or cache file from a user, a download or a "
            "shared bucket is code.",
            "model = joblib.load(path)\nstate = torch.load(upload_path)",
            "state = torch.load(path, weights_only=True)  # tensors only\n"
            "model = skops.io.load(path, trusted=[...])  # or a format that holds no code",
            "Load only files you wrote and keep where nobody else writes; for others use formats "
            "that hold data, not code (safetensors, ONNX, skops with an explicit trusted list).",
        ),
        VulnRule(
            "PG-VULN024",
            "Task queue that accepts pickled messages",
            "medium",
            502,
            "A Celery worker that accepts the pickle format unpickles every message on its queue: "
            "anyone who can write to the broker runs code on the workers.",
            "app.conf.accept_content = ['pickle', 'json']\ntask_serializer = 'pickle'",
            "app.conf.accept_content = ['json']\napp.conf.task_serializer = 'json'",
            "Send and accept JSON (or msgpack) only; pass references (ids, paths) instead of objects.",
        ),
        VulnRule(
            "PG-VULN025",
            "SSH host key not verified",
            "high",
            295,
            "With no known-hosts check the client accepts whatever key the server shows, so anyone on "
            "the path can pose as the server and read the session, passwords and commands included.",
            "async with asyncssh.connect(host, known_hosts=None) as conn: ...",
            "async with asyncssh.connect(host, known_hosts='/etc/ssh/ssh_known_hosts') as conn: ...",
            "Pass a known_hosts file (or the server's key) instead of None; pin new hosts' keys out of band.",
        ),
        VulnRule(
            "PG-VULN026",
            "RSA encryption with PKCS#1 v1.5 padding",
            "medium",
            780,
            "PKCS#1 v1.5 encryption padding lets whoever can see decryption errors or timings decrypt "
            "messages (Bleichenbacher's padding oracle); OAEP does not.",
            "ciphertext = public_key.encrypt(data, padding.PKCS1v15())",
            "ciphertext = public_key.encrypt(\n    data, padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), "
            "algorithm=hashes.SHA256(), label=None)\n)",
            "Encrypt with OAEP (`padding.OAEP`, PyCryptodome's `PKCS1_OAEP`); keep PKCS#1 v1.5 for "
            "signatures only.",
        ),
        VulnRule(
            "PG-VULN027",
            "Fixed file name in the shared temporary directory",
            "medium",
            377,
            "Every local user can write to the temporary directory: one who creates that name first, "
            "as a symlink to a file of yours, makes the program write through it or read their data.",
            "path = os.path.join(tempfile.gettempdir(), 'report.csv')",
            "with tempfile.NamedTemporaryFile(suffix='.csv', delete=False) as handle: path = handle.name",
            "Let tempfile pick the name (NamedTemporaryFile, mkstemp, TemporaryDirectory); keep fixed "
            "names in a directory only your user can write to.",
        ),
        VulnRule(
            "PG-VULN028",
            "Value formatted into SQL text",
            "medium",
            89,
            "A value written into the statement's text instead of passed as a parameter: a quote in it "
            "ends the SQL literal, and what follows runs as SQL (SQL injection).",
            "cursor.execute(f\"SELECT * FROM users WHERE name = '{name}'\")",
            'cursor.execute("SELECT * FROM users WHERE name = %s", (name,))',
            "Pass values as the driver's parameters (%s, ?, :name); format only identifiers your code "
            "chooses (table and column names), never values.",
        ),
        VulnRule(
            "PG-VULN029",
            "Weak hash algorithm chosen by name",
            "high",
            327,
            "MD4, MD5 and SHA-1 collide on demand and are fast to brute-force: a digest of a password, "
            "a token or a signature made with them protects nothing. The algorithm is picked by a name "
            "kept in a constant or a local variable, which pattern checks of `hashlib.new('md5')` miss.",
            'algorithm = "md5"\ndigest = hashlib.new(algorithm, password.encode()).hexdigest()',
            'digest = hashlib.new("sha256", data).hexdigest()  # passwords: hashlib.scrypt / argon2',
            "Use SHA-256 or better for integrity, a password hash (scrypt, argon2, bcrypt) for passwords; "
            "for a checksum that protects nothing, pass usedforsecurity=False.",
        ),
        VulnRule(
            "PG-VULN030",
            "JWT issued with the `none` algorithm",
            "high",
            347,
            "A token made with `algorithm='none'` carries no signature: anyone can write one, and a "
            "service that accepts what it issues accepts theirs too.",
            "jwt.encode({'user': 'admin'}, None, algorithm='none')",
            "jwt.encode({'user': 'admin'}, signing_key, algorithm='HS256')",
            "Sign with a key and an algorithm you verify on decode (HS256 with a secret, RS256/ES256 "
            "with a private key).",
        ),
        VulnRule(
            "PG-VULN031",
            "Flask debug mode switched on in code",
            "high",
            489,
            "With debug on, an error page serves the Werkzeug debugger, whose console runs any Python "
            "a visitor types (bandit's B201 sees only `app.run(debug=True)`).",
            "app = Flask(__name__)\napp.debug = True",
            "app = Flask(__name__)\napp.debug = os.environ.get('FLASK_DEBUG') == '1'",
            "Leave debug off in code; turn it on for local runs only (`flask run --debug`).",
        ),
        VulnRule(
            "PG-VULN032",
            "Jinja environment made without auto-escaping",
            "medium",
            79,
            "Jinja escapes nothing unless told to: an environment of a subclass of "
            "`jinja2.Environment` made without `autoescape` puts every value a template shows into "
            "the page as markup (bandit's B701 sees only `jinja2.Environment` itself).",
            "class PageEnvironment(jinja2.Environment): ...\nenv = PageEnvironment(loader=loader)",
            "env = PageEnvironment(loader=loader, autoescape=jinja2.select_autoescape())",
            "Pass `autoescape=select_autoescape()` (or `True`) when the templates make HTML; leave it "
            "off only for text that is never served as a page.",
        ),
        VulnRule(
            "PG-VULN033",
            "Static files served from the filesystem root",
            "high",
            22,
            "A static-file route whose folder is `/` answers `/static/etc/passwd` with the file: "
            "every file the server's user can read (keys, settings, other users' data) is one request "
            "away, with no `..` needed.",
            "tornado.web.Application(handlers, static_path='/')\n"
            "app.mount('/files', StaticFiles(directory='/'))",
            "tornado.web.Application(handlers, static_path=os.path.join(HERE, 'static'))",
            "Serve static files from a folder that holds only them (the package's `static/`), never the "
            "root or a parent of the application's data.",
        ),
        VulnRule(
            "PG-VULN034",
            "client address taken from the first X-Forwarded-For entry",
            "medium",
            348,
            "Each proxy appends the address it saw to X-Forwarded-For, so the first entry (and the "
            "header whole) is whatever the client sent. Rate limits, lock-outs and IP allow-lists keyed "
            "on it let any client claim any address.",
            "ip = request.headers['X-Forwarded-For'].split(',')[0]\nif ip in ALLOWED_IPS: ...",
            "ip = request.headers['X-Forwarded-For'].split(',')[-TRUSTED_HOPS]  # your proxy's entry\n"
            "# or werkzeug's ProxyFix(x_for=1) / uvicorn --forwarded-allow-ips, then request.remote_addr",
            "Take the entry your own proxy appended (counting trusted hops from the right), or let a "
            "proxy-aware middleware set the remote address, and use the socket address when no proxy "
            "is configured.",
        ),
        VulnRule(
            "PG-VULN035",
            "password hashed with a fast digest",
            "medium",
            916,
            "SHA-2, SHA-3 and BLAKE2 are built to be fast: a GPU tries billions of guesses a second "
            "against a stored `sha256(password)`, salted or not, so a leaked table gives up most "
            "passwords within days.",
            "stored = hashlib.sha256(password.encode()).hexdigest()",
            "from argon2 import PasswordHasher\nstored = PasswordHasher().hash(password)\n"
            "# or hashlib.scrypt / pbkdf2_hmac('sha256', password, salt, 600_000), or bcrypt",
            "Hash passwords with a slow, salted password hash: argon2, scrypt, bcrypt, or PBKDF2 with at "
            "least 600,000 iterations (Django's and Werkzeug's password hashers do this).",
        ),
    )
}
