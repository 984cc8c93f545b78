"""PG-VULN rules: each one's bad and good example, and look-alikes that differ by one thing."""

from __future__ import annotations

import ast
import textwrap

import pytest
from prguard.analyzers.vuln_rules import RULES, VulnChecker


def ids(code: str) -> list[str]:
    tree = ast.parse(textwrap.dedent(code))
    return sorted(hit.rule.id for hit in VulnChecker(tree, "lib.mod").run())


CASES = [
    # archive extraction (CWE-22)
    ("import tarfile\ndef f(p, d):\n    tarfile.open(p).extractall(d)", ["PG-VULN001"]),
    ("import tarfile\ndef f(p, d):\n    with tarfile.open(p) as t:\n        t.extractall(d)", ["PG-VULN001"]),
    (
        "import tarfile\ndef f(p, d):\n    with tarfile.open(p) as t:\n"
        "        t.extractall(d, filter='data')",
        [],
    ),
    (
        "import zipfile, os\ndef f(p, d):\n    z = zipfile.ZipFile(p)\n    for info in z.infolist():\n"
        "        open(os.path.join(d, info.filename), 'wb').write(z.read(info))",
        ["PG-VULN001", "PG-VULN001"],
    ),
    (
        "import zipfile, os\ndef f(p, d):\n    z = zipfile.ZipFile(p)\n    for n in z.namelist():\n"
        "        target = os.path.realpath(os.path.join(d, n))\n"
        "        if os.path.commonpath([target, d]) != d:\n            raise ValueError(n)\n"
        "        open(target, 'wb').write(z.read(n))",
        [],
    ),
    ("import os\ndef f(d, item):\n    open(os.path.join(d, item.filename))", []),  # not an archive member
    # a member name cut down to its last part names no folder; the whole name, or its folder, does
    *[
        (
            "import zipfile, os\nfrom pathlib import Path\ndef f(p, d):\n    z = zipfile.ZipFile(p)\n"
            f"    for info in z.infolist():\n        open(os.path.join(d, {name}), 'wb').write(z.read(info))",
            found,
        )
        for name, found in (
            ("os.path.basename(info.filename)", []),
            ("Path(info.filename).name", []),
            ("Path(info.filename).stem + '.fit'", []),
            ("os.path.dirname(info.filename)", ["PG-VULN001"] * 2),  # at `open` and at `join`
            ("Path(info.filename).parent.name + info.filename", ["PG-VULN001"] * 3),  # and `Path`
        )
    ],
    (
        "import zipfile\nfrom pathlib import Path\ndef f(p):\n    z = zipfile.ZipFile(p)\n"
        "    for info in z.infolist():\n        kind = Path(info.filename).name.split('_')[0]",
        [],
    ),
    (  # a Django storage saves under the name, and refuses one that leaves its root
        "import os, zipfile\nfrom django.core.files.base import ContentFile\n"
        "def f(p, d, storage):\n    z = zipfile.ZipFile(p)\n    for n in z.namelist():\n"
        "        dest = os.path.join(d, n)\n        if os.path.basename(dest):\n"
        "            storage.save(dest, ContentFile(z.read(n)))",
        [],
    ),
    (  # the same name also opened: a file written wherever the archive says
        "import os, zipfile\nfrom django.core.files.base import ContentFile\n"
        "def f(p, d, storage):\n    z = zipfile.ZipFile(p)\n    for n in z.namelist():\n"
        "        dest = os.path.join(d, n)\n        storage.save(dest, ContentFile(z.read(n)))\n"
        "        open(dest, 'wb').write(z.read(n))",
        ["PG-VULN001"],
    ),
    (  # each member extracted alone after its resolved target is checked against the destination
        "import os, tarfile\ndef f(p, d):\n    t = tarfile.open(p)\n    d = os.path.realpath(d)\n"
        "    for m in t.getmembers():\n        target = os.path.realpath(os.path.join(d, m.name))\n"
        "        if not target.startswith(d + os.sep):\n            raise ValueError(m.name)\n"
        "        t.extract(m, d)",
        [],
    ),
    (  # the same loop without the check
        "import os, tarfile\ndef f(p, d):\n    t = tarfile.open(p)\n"
        "    for m in t.getmembers():\n        t.extract(m, d)",
        ["PG-VULN001"],
    ),
    # XXE parser construction (CWE-611)
    ("from lxml import etree\np = etree.XMLParser(resolve_entities=True)", ["PG-VULN002"]),
    ("from lxml import etree\np = etree.XMLParser(no_network=False)", ["PG-VULN002"]),
    ("from lxml import etree\np = etree.XMLParser(load_dtd=True)", ["PG-VULN002"]),
    ("from lxml import etree\np = etree.XMLParser(load_dtd=True, resolve_entities=False)", []),
    ("from lxml import etree\np = etree.XMLParser(remove_comments=True, recover=True)", ["PG-VULN002"]),
    (
        "from lxml import etree\ndef load(resolve=False):\n"
        "    return etree.XMLParser(resolve_entities=resolve)",
        [],
    ),
    ("from lxml import etree\np = etree.XMLParser(resolve_entities=False, no_network=True)", []),
    # iterparse takes the parser's options itself
    ("from lxml import etree\ndef f(src):\n    return etree.iterparse(src, events=('end',))", ["PG-VULN002"]),
    ("from lxml import etree\ndef f(src):\n    return etree.iterparse(src, resolve_entities=False)", []),
    (  # an optional import's placeholder does not hide it (fontTools' subsetter)
        "try:\n    from lxml import etree\nexcept ImportError:\n    etree = None\n"
        "def parse(d):\n    return etree.fromstring(d, parser=etree.XMLParser(huge_tree=True))",
        ["PG-VULN002"],
    ),
    (
        "import xml.sax\nfrom xml.sax.handler import feature_external_ges\n"
        "p = xml.sax.make_parser()\np.setFeature(feature_external_ges, True)",
        ["PG-VULN002"],
    ),
    (
        "import xml.sax\nfrom xml.sax.handler import feature_external_ges\n"
        "p.setFeature(feature_external_ges, False)",
        [],
    ),
    # HTML by formatting (CWE-79)
    (
        "from markupsafe import Markup\ndef link(u, t):\n    return Markup(f'<a href=\"{u}\">{t}</a>')",
        ["PG-VULN003"],
    ),
    ("from markupsafe import Markup, escape\ndef link(t):\n    return Markup(f'<b>{escape(t)}</b>')", []),
    ("from markupsafe import Markup\ndef link(t):\n    return Markup('<b>{}</b>').format(t)", []),
    (
        "from django.http import HttpResponse\ndef view(request, name):\n"
        "    return HttpResponse('<p>Hello ' + name + '</p>')",
        ["PG-VULN003"],
    ),
    (
        "from django.utils.safestring import mark_safe\ndef f(n):\n    return mark_safe('<i>%s</i>' % n)",
        ["PG-VULN003"],
    ),
    ("def view(request, n):\n    return '<h1>%s</h1>' % n", ["PG-VULN003"]),
    # a module constant read in the view is the constant it was given (iot-demo-webapp's colour)
    ("COLOR = 'green'\ndef view(request):\n    return '<h1 style=\"color: %s\">Hi</h1>' % COLOR", []),
    (  # rebound by a function (`global`): not a constant
        "COLOR = 'green'\ndef view(request):\n    return '<h1 style=\"color: %s\">Hi</h1>' % COLOR\n"
        "def paint(request, c):\n    global COLOR\n    COLOR = c",
        ["PG-VULN003"],
    ),
    (  # a parameter of the same name is the caller's
        "COLOR = 'green'\ndef view(request, COLOR):\n    return '<h1 style=\"color: %s\">Hi</h1>' % COLOR",
        ["PG-VULN003"],
    ),
    (  # a local of the same name is that local
        "COLOR = 'green'\ndef view(request, c):\n    COLOR = c\n"
        "    return '<h1 style=\"color: %s\">Hi</h1>' % COLOR",
        ["PG-VULN003"],
    ),
    ("def label(n):\n    return '<h1>%s</h1>' % n", []),  # not a view, nothing marks it safe
    ("def view(request, n):\n    return 'count: %d' % len(n)", []),
    (
        "from django.http import HttpResponse\nfrom django.utils.html import escape\n"
        "def search(request, q):\n"
        "    count = Article.objects.filter(t=q).count()\n"
        "    return HttpResponse('<p>' + str(count) + ' results for <b>' + escape(q) + '</b></p>')",
        [],
    ),
    # markup returned by any function whose formatting escapes some values and not others
    (
        "from html import escape\nPAGE = '<h1>%(title)s</h1>' + '<pre>%(text)s</pre>'\n"
        "class Tb:\n    def render_full(self):\n"
        "        return PAGE % {'title': escape(self.title), 'text': self.text}",
        ["PG-VULN003"],
    ),
    (
        "from html import escape\nPAGE = '<h1>%(title)s</h1>' + '<pre>%(text)s</pre>'\n"
        "class Tb:\n    def render_full(self):\n"
        "        return PAGE % {'title': escape(self.title), 'text': escape(self.text)}",
        [],
    ),
    (
        "from html import escape\ndef row(name, lineno, flag):\n"
        "    return '<td>{}</td><td>{}</td><td>{}</td>'.format(escape(name), lineno, flag and 'on' or 'off')",
        [],
    ),  # numbers and constants need no escaping
    (
        "from html import escape\nclass E:\n    def body(self):\n"
        "        return f'<h1>{escape(self.name)}</h1>{self.describe()}'\n"
        "    def describe(self):\n        return f'<p>{escape(self.text)}</p>'",
        [],
    ),  # markup built by the module's own function is judged there
    (
        "PAGE = '<pre>%(text)s</pre>'\nclass Tb:\n    def r(self):\n"
        "        return PAGE % {'text': self.text}",
        [],
    ),  # nothing in it is escaped: no sign it is served as HTML rather than read as text
    (
        "import html\nclass Page:\n    STYLES = 'body { margin: 0 }'\n    @classmethod\n"
        "    def render(cls, title):\n"
        "        return f'<style>{cls.STYLES}</style><h1>{html.escape(title)}</h1>'",
        [],
    ),  # the class body's own constant
    (
        "import html\nclass Page:\n    STYLES = 'body { margin: 0 }'\n"
        "    def __init__(self, styles):\n        self.STYLES = styles\n"
        "    def render(self, title):\n"
        "        return f'<style>{self.STYLES}</style><h1>{html.escape(title)}</h1>'",
        ["PG-VULN003"],
    ),  # ... unless a method sets it
    # non-constant-time comparison (CWE-208)
    (
        "import hmac, hashlib\ndef ok(k, b, s):\n    return hmac.new(k, b, hashlib.sha256).hexdigest() == s",
        ["PG-VULN004"],
    ),
    (
        "import hmac, hashlib\ndef ok(k, b, s):\n    mac = hmac.new(k, b, hashlib.sha256)\n"
        "    return mac.hexdigest() == s",
        ["PG-VULN004"],
    ),
    (
        "import hmac, hashlib\ndef ok(k, b, s):\n    x = hmac.new(k, b, hashlib.sha256).digest()\n"
        "    return s != x",
        ["PG-VULN004"],
    ),
    (
        "def ok(request, user):\n    return request.headers['X-Hub-Signature'] == user.expected",
        ["PG-VULN004"],
    ),
    ("def ok(user, given):\n    return user.password_hash == given", ["PG-VULN004"]),
    (
        "import hmac, hashlib\ndef ok(k, b, s):\n"
        "    return hmac.compare_digest(hmac.new(k, b, hashlib.sha256).hexdigest(), s)",
        [],
    ),
    ("def ok(user, token):\n    return token == user.name", []),  # a local called token proves nothing
    ("def ok(user):\n    return user.token is None or user.token == ''", []),
    ("class Tok:\n    def at(self, token):\n        return self.token == token", []),  # a tokenizer's token
    ("class Key:\n    def __eq__(self, other):\n        return self.signature == other.signature", []),
    ("def method(reply, Auth):\n    return reply.method == Auth.USERNAME_PASSWORD", []),  # an enum member
    ("def check(settings, given):\n    return given != settings.webhook_secret_key", ["PG-VULN004"]),
    (
        "import hashlib\ndef same(a, b):\n    return hashlib.sha256(a).hexdigest() == b",
        [],
    ),  # a content hash, no key
    # the digest comes from a function or method of the module (python-jose's HMACKey.verify)
    (
        "import hmac\nclass HMACKey:\n    def sign(self, msg):\n"
        "        return hmac.new(self.prepared_key, msg, self._hash_alg).digest()\n"
        "    def verify(self, msg, sig):\n        return sig == self.sign(msg)",
        ["PG-VULN004"],
    ),
    (
        "import hmac\nclass HMACKey:\n    def sign(self, msg):\n"
        "        return hmac.new(self.prepared_key, msg, self._hash_alg).digest()\n"
        "    def verify(self, msg, sig):\n        return hmac.compare_digest(sig, self.sign(msg))",
        [],
    ),
    (
        "import hmac, base64\ndef _mac(k, m):\n    return hmac.new(k, m, 'sha256')\n"
        "def sign(k, m):\n    return base64.b64encode(_mac(k, m).digest())\n"
        "def check(k, m, s):\n    expected = sign(k, m)\n    return s != expected",
        ["PG-VULN004"],
    ),  # two calls deep, through a local name
    (
        "import hashlib\nclass Tokens:\n    def make(self, user):\n        h = hashlib.sha256()\n"
        "        h.update(self.secret_key)\n        h.update(user)\n        return h.hexdigest()\n"
        "    def valid(self, user, given):\n        return self.make(user) == given",
        ["PG-VULN004"],
    ),  # a hash fed a secret is a MAC
    (
        "import hmac\nclass K:\n    def sign(self, m):\n        return hmac.digest(self.key, m, 'sha256')\n"
        "    def verify(self, m, s):\n        return s is self.sign(m)",
        ["PG-VULN004"],
    ),
    (
        "from cryptography.hazmat.primitives import hmac, hashes\ndef tag(k, m):\n"
        "    h = hmac.HMAC(k, hashes.SHA256())\n    h.update(m)\n    return h.finalize()\n"
        "def ok(k, m, t):\n    return tag(k, m) == t",
        ["PG-VULN004"],
    ),
    (
        "from itsdangerous import Signer\ndef ok(key, v, s):\n    return Signer(key).get_signature(v) == s",
        ["PG-VULN004"],
    ),
    (
        "import hashlib\ndef etag(body):\n    return hashlib.md5(body).hexdigest()\n"
        "def fresh(request, body):\n    return request.headers.get('If-None-Match') == etag(body)",
        [],
    ),  # an ETag: a hash of public content
    (
        "import hmac\ndef sign(k, m):\n    return hmac.new(k, m, 'sha256').hexdigest()\n"
        "def known_vector():\n    return sign(b'key', b'msg') == '5b1e2b'",
        [],
    ),  # a known test vector
    (
        "import hmac\ndef sign(k, m):\n    return hmac.new(k, m, 'sha256').digest()\n"
        "def ok(k, m, s):\n    return len(sign(k, m)) == len(s)",
        [],
    ),
    (
        "import hmac\ndef sign(k, m, raw):\n    if raw:\n        return m\n"
        "    return hmac.new(k, m, 'sha256').digest()\ndef ok(k, m, s):\n    return sign(k, m, True) == s",
        [],
    ),  # not every return is a digest
    (
        "import hmac\ndef pack(k, m):\n    return {'sig': hmac.new(k, m, 'sha256').digest(), 'm': m}\n"
        "def same(k, m, other):\n    return pack(k, m) == other",
        [],
    ),  # a record that holds a digest is compared as a record
    (
        "import hmac\nclass Signer:\n    def sign(self, m):\n"
        "        return hmac.new(self.k, m, 'sha256').digest()\n"
        "class Cache:\n    def sign(self, m):\n        return m.upper()\n"
        "    def hit(self, m, s):\n        return s == self.sign(m)",
        [],
    ),  # `self.sign` of another class of the module
    # ReDoS (CWE-1333)
    ("import re\nWORDS = re.compile(r'^(\\w+\\s?)+$')", ["PG-VULN005"]),
    ("import re\ndef f(s):\n    return re.match(r'(\\d+)*$', s)", ["PG-VULN005"]),
    ("import re\ndef f(s):\n    return re.match(r'^(a|aa)+$', s)", ["PG-VULN005"]),
    ("import re\ndef f(s):\n    return re.search(r'(\\w|\\d)+$', s)", []),  # re merges them into one class
    ("import re\ndef f(s):\n    return re.search(r'^(\\w+\\s?)*$', s)", ["PG-VULN005"]),
    ("import re\ndef f(s):\n    return re.match(r'^(a+b)+$', s)", []),  # a mandatory b separates the runs
    ("import re\nWORDS = re.compile(r'^\\w+(?:\\s\\w+)*$')", []),
    ("import re\nX = re.compile(r'(a+)++b')", []),  # possessive: no backtracking
    (
        "import re\nX = re.compile(r'^(?:(?:_(?:\\.\\w+)*=)|(?:return|await) )+')",
        [],
    ),  # runs end at = or space
    # polynomial: adjacent runs over the same characters
    ("import re\ndef f(s):\n    return re.match(r'.*a.*a', s)", ["PG-VULN005"]),
    ("import re\nAUTH = re.compile(r'^(?:(.*)@)?([^\\[\\]%:/?#]*)$')", ["PG-VULN005"]),  # `@` in both
    ("import re\nAUTH = re.compile(r'^(?:([^@]*)@)?([^\\[\\]%:/?#]*)$')", []),
    ("import re\nP = re.compile(r'^(?P<lead>[(&]*)(?P<middle>.*?)(?P<trail>[.)&]*)$')", ["PG-VULN005"]),
    ("import re\nP = re.compile(r'^(?P<lead>[(&]*)(?P<middle>[^&]*?)(?P<trail>[.)&]*)$')", []),
    ("import re\nP = re.compile(r'^\\s*(.*?)\\s*$')", []),  # runs sharing only spaces: trimming
    ("import re\nP = re.compile(r'^\\s*(\\w+)\\s*=\\s*(.*)$')", []),
    ("import re\nP = re.compile(r'(\\d+)\\.(\\d+).(\\d+)(.+)?')", []),  # nothing after can fail
    ("import re\nP = re.compile(r'.*a.*')", []),  # nothing after the second run: the first split matches
    ("import re\nP = re.compile(r'(\\d+(\\.\\d+)*\\w*)x')", []),  # each repeat needs a dot: no run of digits
    ("import re\nP = re.compile(r'(\\d+\\d*\\w*)x')", ["PG-VULN005"]),  # three runs over the digits
    # patterns folded from parts: bytes, .format, % with a dict, comprehensions, slices, verbose
    ("import re\nQ = br'\"(?:\\\\.|[^\"])*\"'\nR = re.compile(br'x=(' + Q + br')')", ["PG-VULN005"]),
    (
        "import re\nH = '[^@]*'\nA = '(?:{h}@)?{h}$'.format(h='(.*)')\nR = re.compile(A)",
        ["PG-VULN005"],
    ),
    (
        "import re\nS = {'x': '(.*)'}\nV = ['%(x)s@', '%(x)s:']\n"
        "P = '^(?:' + '|'.join([v % S for v in V]) + ')[^/]*$'\nR = re.compile(P)",
        ["PG-VULN005"],
    ),
    ("import re\nP = '^..(.*)@[^/]*$..'\nR = re.compile('^' + P[2:-2])", ["PG-VULN005"]),
    ("import re\nR = re.compile(r'(a+)  +  $', re.X)", ["PG-VULN005"]),  # verbose: `(a+)+$`
    ("import re\nR = re.compile(r'(a+)  +  $')", []),  # the spaces separate the runs
    # patterns kept as upper-case class or module constants, built from other modules' names
    (
        "import re\nfrom .util import ESCAPE\nclass Inline:\n"
        "    EMPHASIS = r'(\\*)(' + r'(?:\\\\[\\\\*]|[^*])*' + r'(?:' + ESCAPE + r'|[^\\s*]))\\1'",
        ["PG-VULN005"],
    ),  # `\\\\` pairs read as one escape or two plain characters: exponential
    (
        "import re\nfrom .util import ESCAPE\nclass Inline:\n"
        "    EMPHASIS = r'(\\*)(' + r'(?:(?:(?<!\\\\)(?:\\\\\\\\)*\\*)|[^*])+' + r')(?<!\\\\)\\1'",
        [],
    ),  # the lookbehind rules out the second reading
    ("import re\nfrom .util import A\nclass P:\n    MESSAGE = 'see (' + A + ') for *details*'", []),
    # no `re` imported: not a module of regexes
    ("from .util import A\nclass P:\n    EMPHASIS = r'(?:\\\\[\\\\*]|[^*])*' + A", []),
    (
        "import re\nX = re.compile(r'(?:\\[(?:\\\\.|[^\\[\\]\\\\])*\\]|\\w)*$')",
        [],
    ),  # a run of one character inside the brackets is never `[` or `]`: they separate the runs
    # cookies (CWE-614 / 1004)
    (
        "from flask import make_response\ndef v():\n    r = make_response('x')\n    r.set_cookie('sid', 'v')",
        ["PG-VULN006"],
    ),
    (
        "from flask import make_response\ndef v():\n    r = make_response('x')\n"
        "    r.set_cookie('sid', 'v', secure=True)",
        ["PG-VULN007"],
    ),
    (
        "from flask import make_response\ndef v():\n    r = make_response('x')\n"
        "    r.set_cookie('sid', 'v', secure=True, httponly=True, samesite='Lax')",
        [],
    ),
    ("SESSION_COOKIE_SECURE = False", ["PG-VULN006"]),
    ("SESSION_COOKIE_SECURE = True", []),
    ("app.config['SESSION_COOKIE_HTTPONLY'] = False", ["PG-VULN007"]),
    ("def v(jar):\n    jar.set_cookie('a', 'b')", []),  # no web framework here: a cookie jar, not a response
    # Starlette's and FastAPI's response classes are `Response`s (femto-admin's login)
    *(
        (
            f"from {package}.responses import {name}\ndef v():\n"
            f"    r = {name}({argument})\n    r.set_cookie('token', 'v'{flags})",
            expected,
        )
        for package in ("starlette", "fastapi")
        for name, argument in (("RedirectResponse", "'/'"), ("JSONResponse", "{}"))
        for flags, expected in (("", ["PG-VULN006"]), (", secure=True, httponly=True", []))
    ),
    # no framework in view, but the frameworks' own flag turned off on purpose: the API shape decides
    ("def v(response):\n    response.set_cookie('sid', 'v', secure=False)", ["PG-VULN006"]),
    ("def v(response):\n    response.set_cookie('sid', 'v', secure=True, httponly=False)", ["PG-VULN007"]),
    ("def v(response):\n    response.set_cookie('sid', 'v', secure=True)", []),
    # JWT without signature verification (CWE-347)
    ("import jwt\ndef f(t):\n    return jwt.decode(t, options={'verify_signature': False})", ["PG-VULN008"]),
    ("import jwt\ndef f(t, k):\n    return jwt.decode(t, k, verify=False)", ["PG-VULN008"]),
    ("import jwt\ndef f(t, k):\n    return jwt.decode(t, k, algorithms=['HS256', 'none'])", ["PG-VULN008"]),
    ("from jose import jwt\ndef f(t, k):\n    return jwt.decode(t, k, algorithms=['None'])", ["PG-VULN008"]),
    ("import jwt\ndef f(t, k):\n    return jwt.decode(t, k, algorithms=['HS256'])", []),
    (
        "import jwt\ndef f(t, k):\n"
        "    return jwt.decode(t, k, algorithms=['RS256'], options={'verify_exp': False})",
        [],
    ),
    (
        "import jwt\ndef f(t):\n    return jwt.get_unverified_header(t)['kid']",
        [],
    ),  # picks the key, verifies later
    ("import json\ndef f(t):\n    return json.decode(t, verify=False)", []),  # not a JWT decoder
    # a value named as a secret drawn from `random` (CWE-338)
    ("import random\notp = random.randint(100000, 999999)", ["PG-VULN018"]),
    ("import random\ndef f(user):\n    user.reset_token = str(random.random())", ["PG-VULN018"]),
    ("import random\nnonce = f'{random.getrandbits(64):x}'", ["PG-VULN018"]),
    (  # a hash of a guessable value is as guessable (iotdasboard's channel API keys)
        "import random, hashlib\ndef new_key(ch):\n"
        "    ch.api_key = hashlib.sha1(str(random.random()).encode()).hexdigest()[:10] + '-' + ch.name",
        ["PG-VULN018"],
    ),
    ("import random, hashlib\ncache_key = hashlib.md5(str(random.random()).encode()).hexdigest()", []),
    ("import secrets\notp = secrets.randbelow(10**6)", []),
    ("import random\nsample_size = random.randint(1, 10)", []),  # names no secret
    ("import random\ntoken_count = random.randint(1, 10)", []),  # a count, not a token
    ("import random\nrememberMeToken = random.randint(0, 2**32)", ["PG-VULN018"]),  # camelCase
    # a token helper written for its defaults: the alphabet and the length as parameters
    (
        "import random, string\n"
        "def create_random_string(chars=string.ascii_letters + string.digits, length=16):\n"
        "    return ''.join([random.choice(chars) for _ in range(int(length))])",
        ["PG-VULN018"],
    ),
    (
        "import random, string\ndef id_generator(size=6, chars=string.ascii_uppercase):\n"
        "    return ''.join(random.choice(chars) for _ in range(size))",
        [],  # a short name, as temporary files and fixtures take
    ),
    ("import random\ndef pick(items, n=20):\n    return ''.join(random.choice(items) for _ in range(n))", []),
    ("import random\ntokenCount = random.randint(1, 10)", []),
    # a code is a secret when its name or its function says what it verifies
    ("import random\notp_code = random.randint(100000, 999999)", ["PG-VULN018"]),
    ("import random\nresetCode = str(random.random())[2:8]", ["PG-VULN018"]),
    ("import random\ndef verify_email(e):\n    code = random.randint(10000, 99999)", ["PG-VULN018"]),
    ("import random\ndef pick(e):\n    code = random.randint(10000, 99999)", []),
    ("import random\nstatus_code = random.choice([200, 404])", []),
    ("import random\ndef new_verification_code():\n    return random.randint(0, 999999)", ["PG-VULN018"]),
    ("import random\ndef generate_pass_code():\n    return random.randint(1000, 9999)", ["PG-VULN018"]),
    # a code built a character at a time (django-j2fa's SMS code)
    (
        "from random import choice\ndef j2fa_make_code(n):\n    code = ''\n    for _ in range(n):\n"
        "        code += choice('0123456789')\n    return code",
        ["PG-VULN018"],
    ),
    (
        "from random import choice\ndef make_label(n):\n    label = ''\n    for _ in range(n):\n"
        "        label += choice('abc')\n    return label",
        [],
    ),
    # a session signing key drawn from `random` (pyzzen's Quart app)
    (
        "import random\nfrom quart import Quart\napp = Quart(__name__)\n"
        "app.config.update(SECRET_KEY=str(random.getrandbits(64)))",
        ["PG-VULN018"],
    ),
    (
        "import random\nfrom flask import Flask\napp = Flask(__name__)\napp.secret_key = random.random()",
        ["PG-VULN018"],
    ),
    (
        "import random\nfrom flask import Flask\napp = Flask(__name__)\n"
        "app.config['SECRET_KEY'] = '%x' % random.getrandbits(128)",
        ["PG-VULN018"],
    ),
    ("import os\nfrom flask import Flask\napp = Flask(__name__)\napp.secret_key = os.urandom(32)", []),
    (
        "import random\nfrom flask import Flask\napp = Flask(__name__)\n"
        "app.config.update(SESSION_LIFETIME=random.randint(1, 9))",
        [],
    ),
    # a password joined from `random` picks, of any length (genpasswd2, rand-pass-generator)
    (
        "from random import choice\nimport string\ndef f(n):\n"
        "    password = ''.join(choice(string.ascii_letters) for _ in range(n))",
        ["PG-VULN018"],
    ),
    (
        "import random\ndef f(n, cs):\n    str_pass = ''.join([random.choice(cs) for _ in range(n)])",
        ["PG-VULN018"],
    ),
    ("import secrets\ndef f(n, cs):\n    password = ''.join(secrets.choice(cs) for _ in range(n))", []),
    # a function named for a secret returns a value drawn from `random`
    ("import random\ndef getSessionID():\n    return random.randint(0, 0xFFFFFFFF)", ["PG-VULN018"]),
    ("import random\ndef new_token():\n    return str(random.random())", ["PG-VULN018"]),
    ("import random\ndef token_count():\n    return random.randint(1, 3)", []),
    # CherryPy's session cookie has neither Secure nor HttpOnly unless its config says so
    ("config = {'/': {'tools.sessions.on': True, 'tools.sessions.httponly': True}}", ["PG-VULN006"]),
    ("config = {'tools.sessions.on': True}", ["PG-VULN006", "PG-VULN007"]),
    (
        "config = {'tools.sessions.on': True, 'tools.sessions.secure': True,\n"
        "          'tools.sessions.httponly': True}",
        [],
    ),
    ("config = {'tools.sessions.on': False}", []),
    (
        "import random\ndef get_random_secret(n, cs):\n    s = ''.join(random.choice(cs) for _ in range(n))\n"
        "    return s + ''.join(random.choice('0123456789') for _ in range(n))",
        ["PG-VULN018"],
    ),
    ("import random\ndef make_pin():\n    return '%06d' % random.randint(0, 999999)", ["PG-VULN018"]),
    ("import random\ndef make_pin():\n    return 'pin-' + str(len('abc'))", []),
    # a keyword argument named as a secret; a bare `code` is one in a class named for a PIN
    (
        "import random\nclass PinCode:\n    @classmethod\n    def create(cls, u):\n"
        "        return cls(user=u, code=''.join(random.sample('0123456789' * 4, 6)))",
        ["PG-VULN018"],
    ),
    ("import random\ndef add(u):\n    return Item(owner=u, code=random.randint(0, 9))", []),
    ("import random\ndef send(u):\n    notify(u, otp=random.randint(100000, 999999))", ["PG-VULN018"]),
    # through an encoding, and a character picked at a drawn index
    (
        "import base64, random\ndef random_passphrase(n):\n"
        "    return base64.b64encode(bytes(random.sample(range(256), n))).decode()[:n]",
        ["PG-VULN018"],
    ),
    (
        "import random\ndef new_token(chars):\n    token = ''\n    for _ in range(20):\n"
        "        token += chars[random.randint(0, 61)]\n    return token",
        ["PG-VULN018"],
    ),
    ("import random\ndef f(items):\n    colour = items[random.randint(0, 3)]", []),
    ("import secrets\ndef new_token():\n    return secrets.token_hex(16)", []),
    ("import random\ndef f(n, cs):\n    label = ''.join(random.choice(cs) for _ in range(n))", []),
    (
        "import random\nfrom flask import session\nsession['csrf_token'] = str(random.random())",
        ["PG-VULN018"],
    ),
    ("import random\nfrom flask import session\nsession['visits'] = random.randint(1, 9)", []),
    # a cookie value drawn from `random`, through a local name and conversions
    (
        "import random\nfrom flask import make_response\ndef f():\n    r = make_response('ok')\n"
        "    v = random.random()\n    key = str(v)[2:]\n"
        "    r.set_cookie('rememberMe', key, secure=True, httponly=True)\n    return r",
        ["PG-VULN018"],
    ),
    (
        "import secrets\nfrom flask import make_response\ndef f():\n    r = make_response('ok')\n"
        "    key = secrets.token_hex(16)\n"
        "    r.set_cookie('rememberMe', key, secure=True, httponly=True)\n    return r",
        [],
    ),
    ("import jwt\ntoken = jwt.encode({'user': 'admin'}, None, algorithm='none')", ["PG-VULN030"]),
    ("import jwt\ndef f(k):\n    return jwt.encode({'u': 1}, k, algorithm='HS256')", []),
    # Flask debug mode on in code (CWE-489)
    ("from flask import Flask\napp = Flask(__name__)\napp.debug = True", ["PG-VULN031"]),
    ("from flask import Flask\napp = Flask(__name__)\napp.config['DEBUG'] = True", ["PG-VULN031"]),
    ("from flask import Flask\napp = Flask(__name__)\napp.debug = False", []),
    ("class Options:\n    pass\nopts = Options()\nopts.debug = True", []),  # not an application
    # a Jinja environment bandit's B701 does not name, made without auto-escaping (CWE-79)
    (
        "import jinja2\nclass PageEnvironment(jinja2.Environment):\n    pass\n"
        "env = PageEnvironment(loader=jinja2.FileSystemLoader('t'))",
        ["PG-VULN032"],
    ),
    # static files served from the filesystem root (CWE-22): voila's `static_path="/"`
    ("import tornado.web\nsettings = dict(static_path='/', template_path='t')", ["PG-VULN033"]),
    ("import tornado.web\napp = tornado.web.Application([], static_path='/')", ["PG-VULN033"]),
    ("import tornado.web\nimport os\nsettings = {'static_path': os.sep}", ["PG-VULN033"]),
    ("from flask import Flask\napp = Flask(__name__, static_folder='/')", ["PG-VULN033"]),
    (
        "from pathlib import Path\nfrom starlette.staticfiles import StaticFiles\n"
        "files = StaticFiles(directory=Path('/'))",
        ["PG-VULN033"],
    ),
    ("from aiohttp import web\napp = web.Application()\napp.router.add_static('/s', '/')", ["PG-VULN033"]),
    ("from sanic import Sanic\napp = Sanic('files')\napp.static('/s', '/')", ["PG-VULN033"]),
    # a method of the same name on a class of the project's own is not aiohttp's
    ("class Site:\n    def add_static(self, prefix, path): ...\nSite().add_static('/s', '/')", []),
    ("import tornado.web\nimport os\nsettings = dict(static_path=os.path.join(os.sep, 'srv', 'static'))", []),
    ("from flask import Flask\napp = Flask(__name__, static_folder='static')", []),
    ("options = dict(static_path='/')", []),  # no web framework: any dict may use the word
    ("import tornado.web\nurls = {'home': '/'}", []),
    # the sandbox renders untrusted templates, mostly text; a helper returning an environment is no
    # call of one
    ("from jinja2.sandbox import SandboxedEnvironment\nenv = SandboxedEnvironment()", []),
    (
        "import jinja2\nclass Page(jinja2.Environment):\n    pass\ndef make() -> Page:\n"
        "    return Page(autoescape=True)\nenv = make()",
        [],
    ),
    (
        "import jinja2\nclass PageEnvironment(jinja2.Environment):\n    pass\n"
        "env = PageEnvironment(autoescape=jinja2.select_autoescape())",
        [],
    ),
    ("import jinja2\nenv = jinja2.Environment()", []),  # bandit's B701
    ("class Environment:\n    pass\nenv = Environment()", []),  # not Jinja's
    # PyYAML's unsafe loader (CWE-502)
    ("import yaml\ndef f(stream):\n    return yaml.unsafe_load(stream)", ["PG-VULN023"]),
    ("import yaml\ndef f(stream):\n    return yaml.safe_load(stream)", []),
    # CORS: any origin with credentials (CWE-942)
    (
        "from fastapi import FastAPI\nfrom fastapi.middleware.cors import CORSMiddleware\napp = FastAPI()\n"
        "app.add_middleware(CORSMiddleware, allow_origins=['*'], allow_credentials=True)",
        ["PG-VULN009"],
    ),
    (
        "from fastapi import FastAPI\nfrom fastapi.middleware.cors import CORSMiddleware\napp = FastAPI()\n"
        "app.add_middleware(CORSMiddleware, allow_origins=['*'])",
        [],  # public, credential-free
    ),
    (
        "from starlette.middleware.cors import CORSMiddleware\n"
        "app.add_middleware(CORSMiddleware, allow_origins=['https://a.example'], allow_credentials=True)",
        [],
    ),
    (
        "from flask_cors import CORS\nCORS(app, supports_credentials=True)",
        ["PG-VULN009"],
    ),  # default origins '*'
    ("from flask_cors import CORS\nCORS(app, origins='*', supports_credentials=True)", ["PG-VULN009"]),
    ("from flask_cors import CORS\nCORS(app, origins=['https://a.example'], supports_credentials=True)", []),
    ("from flask_cors import CORS\nCORS(app)", []),
    ("CORS_ALLOW_ALL_ORIGINS = True\nCORS_ALLOW_CREDENTIALS = True", ["PG-VULN009"]),
    ("CORS_ALLOW_ALL_ORIGINS = True\nCORS_ALLOW_CREDENTIALS = False", []),
    (
        "def f(app, CORSMiddleware):\n"
        "    app.add(CORSMiddleware, allow_origins=['*'], allow_credentials=True)",
        [],
    ),
    # TLS versions (CWE-327)
    ("import ssl\nctx = ssl.SSLContext(ssl.PROTOCOL_TLSv1)", ["PG-VULN010"]),
    (
        "import ssl\nctx = ssl.create_default_context()\nctx.minimum_version = ssl.TLSVersion.TLSv1_1",
        ["PG-VULN010"],
    ),
    ("import ssl\nctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)", []),
    ("import ssl\nctx = ssl.create_default_context()\nctx.minimum_version = ssl.TLSVersion.TLSv1_2", []),
    ("import ssl\nctx = ssl.create_default_context()\nctx.maximum_version = ssl.TLSVersion.TLSv1_1", []),
    # hard-coded keys (CWE-321)
    (
        "from Crypto.Cipher import AES\ndef f(d):\n"
        "    return AES.new(b'Sixteen byte key', AES.MODE_GCM).encrypt(d)",
        ["PG-VULN011"],
    ),
    (
        "from Crypto.Cipher import AES\nKEY = b'Sixteen byte key'\ndef f(d):\n"
        "    return AES.new(KEY, AES.MODE_EAX)",
        ["PG-VULN011"],
    ),
    ("import jwt\ndef f(p):\n    return jwt.encode(p, 'secret', algorithm='HS256')", ["PG-VULN011"]),
    (
        "import hmac\ndef f(m):\n    key = 'k3y'\n    return hmac.new(key.encode(), m, 'sha256').digest()",
        ["PG-VULN011"],
    ),
    ("from cryptography.fernet import Fernet\nf = Fernet(b'x' * 44)", ["PG-VULN011"]),
    ("from Crypto.Cipher import AES\ndef f(key, d):\n    return AES.new(key, AES.MODE_GCM).encrypt(d)", []),
    ("import os, jwt\ndef f(p):\n    return jwt.encode(p, os.environ['JWT_KEY'], algorithm='HS256')", []),
    ("import hmac\ndef f(m, settings):\n    return hmac.new(settings.SECRET_KEY, m, 'sha256').digest()", []),
    ("import hmac\ndef f(m):\n    return hmac.new(b'', m, 'sha256').digest()", []),  # empty: no key at all
    (
        "import hmac\ndef f(m, key):\n    if not key:\n        key = load()\n"
        "    return hmac.new(key, m, 'sha256')",
        [],
    ),
    # constant IVs and nonces (CWE-1204)
    (
        "from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes\n"
        "def f(key):\n    return Cipher(algorithms.AES(key), modes.CBC(b'\\x00' * 16))",
        ["PG-VULN012"],
    ),
    (
        "from Crypto.Cipher import AES\ndef f(key, d):\n    iv = b'x' * AES.block_size\n"
        "    return AES.new(key, AES.MODE_CBC, iv).encrypt(d)",
        ["PG-VULN012"],
    ),
    (
        "from Crypto.Cipher import AES\ndef f(key):\n"
        "    return AES.new(key, AES.MODE_GCM, nonce=b'123456789012')",
        ["PG-VULN012"],
    ),
    (
        "import os\nfrom cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes\n"
        "def f(key):\n    iv = os.urandom(16)\n    return Cipher(algorithms.AES(key), modes.CBC(iv))",
        [],
    ),
    ("from Crypto.Cipher import AES\ndef f(key, d):\n    return AES.new(key, AES.MODE_CBC).encrypt(d)", []),
    ("from cryptography.hazmat.primitives.ciphers import modes\nm = modes.ECB()", []),
    (
        "from cryptography.hazmat.primitives.ciphers.modes import CBC\n"
        "def supported(backend, algorithm):\n"
        "    return backend.cipher_supported(algorithm, CBC(b'\\x00' * algorithm.block_size))",
        [],  # a capability probe: nothing is encrypted
    ),
    # PBKDF2 iterations (CWE-916) and constant salts (CWE-760)
    (
        "import hashlib\ndef h(pw, salt):\n    return hashlib.pbkdf2_hmac('sha256', pw, salt, 1000)",
        ["PG-VULN013"],
    ),
    (
        "from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC\n"
        "from cryptography.hazmat.primitives import hashes\n"
        "ROUNDS = 10000\ndef k(salt):\n"
        "    return PBKDF2HMAC(algorithm=hashes.SHA256(), length=32, salt=salt, iterations=ROUNDS)",
        ["PG-VULN013"],
    ),
    ("import hashlib\ndef h(pw, salt):\n    return hashlib.pbkdf2_hmac('sha256', pw, salt, 600_000)", []),
    ("import hashlib\ndef h(pw, salt, n):\n    return hashlib.pbkdf2_hmac('sha256', pw, salt, n)", []),
    (
        "import hashlib\ndef h(pw):\n    return hashlib.pbkdf2_hmac('sha256', pw, b'static-salt', 600_000)",
        ["PG-VULN014"],
    ),
    (
        "import hashlib\ndef h(pw):\n    return hashlib.scrypt(pw, salt=b'salt', n=2**14, r=8, p=1)",
        ["PG-VULN014"],
    ),
    (
        "import hashlib, os\ndef h(pw):\n    salt = os.urandom(16)\n"
        "    return hashlib.scrypt(pw, salt=salt, n=2**14, r=8, p=1)",
        [],
    ),
    # short RSA keys where bandit does not look (CWE-326)
    ("import paramiko\ndef k():\n    return paramiko.RSAKey.generate(1024)", ["PG-VULN015"]),
    ("import paramiko\ndef k():\n    return paramiko.RSAKey.generate(bits=3072)", []),
    # loops that cannot end (CWE-835)
    (
        "def fib(n):\n    a, b = 1, 1\n    i = 2\n    while i < n:\n        a, b = b, a + b\n    return b",
        ["PG-VULN016"],
    ),
    ("def wait(node):\n    n = 0\n    while node is not None:\n        n += 1", ["PG-VULN016"]),
    ("def wait(node):\n    while node is not None:\n        visit(node)", []),  # the call may change it
    ("def drain(stack):\n    while stack != []:\n        stack.pop()", []),  # mutated through a method
    ("def f(d, k):\n    while d != {}:\n        del d[k]", []),
    (
        "def fib(n):\n    a, b, i = 1, 1, 2\n    while i < n:\n        a, b = b, a + b\n"
        "        i += 1\n    return b",
        [],
    ),
    ("def walk(node):\n    while node is not None:\n        node = node.next", []),
    ("def f(n):\n    i = 0\n    while i < n:\n        if ready():\n            break", []),
    ("def f(q):\n    while q:\n        q.pop()", []),  # not a comparison: the body can empty it
    ("def f(items, n):\n    while len(items) < n:\n        items.append(0)", []),  # a call: it can change
    ("def f():\n    while RUNNING == 1:\n        tick()", []),  # a global: another thread may change it
    (
        "def f(n):\n    i = 0\n    def step():\n        nonlocal i\n        i += 1\n"
        "    while i < n:\n        step()",
        [],
    ),
    ("import sys\ndef f(n, i):\n    while i < n:\n        sys.exit(1)", []),
    ("async def f(n, i):\n    while i < n:\n        await tick()", []),
    # stack traces in responses (CWE-209)
    (
        "import traceback\nfrom flask import Flask\napp = Flask(__name__)\n@app.route('/x')\ndef x():\n"
        "    try:\n        run()\n    except Exception:\n        return traceback.format_exc()",
        ["PG-VULN017"],
    ),
    (
        "import traceback\ndef view(request):\n    try:\n        run()\n    except Exception:\n"
        "        detail = traceback.format_exc()\n        return {'error': detail}",
        ["PG-VULN017"],
    ),
    (
        "import traceback, logging\nfrom flask import Flask\napp = Flask(__name__)\n"
        "@app.route('/x')\ndef x():\n"
        "    try:\n        run()\n    except Exception:\n"
        "        logging.error(traceback.format_exc())\n        return 'error', 500",
        [],
    ),
    ("import traceback\ndef report():\n    return traceback.format_exc()", []),  # not a request handler
    (
        "import traceback\ndef view(request):\n    try:\n        run()\n    except Exception:\n"
        "        return HttpResponseServerError(traceback.format_exc() if settings.DEBUG else 'error')",
        [],  # only in debug mode
    ),
    (
        "import traceback\ndef view(request):\n    try:\n        run()\n    except Exception:\n"
        "        if request.user.is_superuser:\n            return traceback.format_exc()\n"
        "        return 'error'",
        [],  # behind a condition prguard cannot judge
    ),
    # random strings from `random` (CWE-338)
    (
        "import random, string\ndef token():\n"
        "    return ''.join(random.choice(string.ascii_letters) for _ in range(32))",
        ["PG-VULN018"],
    ),
    (
        "import random, string\ndef code():\n    return ''.join(random.choices(string.digits, k=20))",
        ["PG-VULN018"],
    ),
    (
        "import random, string\ndef code():\n    return ''.join(random.choices(string.digits, k=6))",
        [],
    ),  # a name
    ("import random, string\ndef name(n):\n    return ''.join(random.choices(string.digits, k=n))", []),
    (  # the character sets imported from `string` by name
        "from random import choices\nfrom string import ascii_letters, digits\n"
        "def register():\n    return ''.join(choices(ascii_letters + digits, k=60))",
        ["PG-VULN018"],
    ),
    (
        "from random import sample\nCHARS = 'abcdefghijklmnopqrstuvwxyz0123456789'\n"
        "def pw():\n    return ''.join(sample(CHARS, 16))",
        ["PG-VULN018"],
    ),
    (
        "import random\ndef lorem(words):\n    return ' '.join(random.sample(words, 20))",
        [],
    ),  # words, not characters
    ("import secrets\ndef token(a):\n    return ''.join(secrets.choice(a) for _ in range(32))", []),
    ("import random\ndef pick(names):\n    return random.choice(names)", []),  # one pick, not a string
    ("def join(words):\n    return ' '.join(w.choice(x) for w in words)", []),
    # MongoDB $where (CWE-943)
    (
        "def f(db, name):\n    return db.users.find({'$where': \"this.name == '\" + name + \"'\"})",
        ["PG-VULN019"],
    ),
    ("def f(db, n):\n    return db.users.find({'$where': f'this.age > {n}'})", ["PG-VULN019"]),
    ("def f(db):\n    return db.users.find({'$where': 'this.a > this.b'})", []),
    ("def f(db, name):\n    return db.users.find({'name': name})", []),
    # NumPy unpickling (CWE-502)
    ("import numpy as np\ndef load(path):\n    return np.load(path, allow_pickle=True)", ["PG-VULN020"]),
    ("import numpy as np\ndef load(path):\n    return np.load(path)", []),
    ("import numpy as np\ndef load(path):\n    return np.load(path, allow_pickle=False)", []),
    ("def load(store, path):\n    return store.load(path, allow_pickle=True)", []),  # not numpy
    (  # the attribute's default is True: what callers get unless they opt out
        "import numpy as np\nclass D:\n    def __init__(self, allow_pickle=True):\n"
        "        self.allow_pickle = allow_pickle\n    def load(self, stream):\n"
        "        return np.load(stream, allow_pickle=self.allow_pickle)",
        ["PG-VULN020"],
    ),
    (
        "import numpy as np\nclass D:\n    def __init__(self, allow_pickle=False):\n"
        "        self.allow_pickle = allow_pickle\n    def load(self, stream):\n"
        "        return np.load(stream, allow_pickle=self.allow_pickle)",
        [],
    ),
    # object loaders that unpickle (CWE-502)
    ("import joblib\ndef load(path):\n    return joblib.load(path)", ["PG-VULN023"]),
    ("import joblib\ndef load():\n    return joblib.load('model.pkl')", []),  # a file the code pins
    ("import joblib\nMODEL = 'model.pkl'\ndef load():\n    return joblib.load(MODEL)", []),
    ("import cloudpickle\ndef load(blob):\n    return cloudpickle.loads(blob)", ["PG-VULN023"]),
    ("import torch\ndef load(path):\n    return torch.load(path, map_location='cpu')", ["PG-VULN023"]),
    ("import torch\ndef load(path):\n    return torch.load(path, weights_only=True)", []),
    (
        "from tensorflow import keras\ndef load(p):\n    return keras.models.load_model(p, safe_mode=False)",
        ["PG-VULN023"],
    ),
    ("from tensorflow import keras\ndef load(p):\n    return keras.models.load_model(p)", []),
    ("def load(cache, path):\n    return cache.load(path)", []),  # not a pickle loader
    # task queues accepting pickle (CWE-502)
    (
        "from celery import Celery\napp = Celery('t')\napp.conf.accept_content = ['pickle', 'json']",
        ["PG-VULN024"],
    ),
    ("task_serializer = 'pickle'\nresult_serializer = 'json'", ["PG-VULN024"]),
    ("CELERY_ACCEPT_CONTENT = ['application/x-python-serialize']", ["PG-VULN024"]),
    ("from celery import Celery\napp = Celery('t', accept_content=['pickle'])", ["PG-VULN024"]),
    (
        "from celery import Celery\napp = Celery('t')\napp.conf.update(task_serializer='pickle')",
        ["PG-VULN024"],
    ),
    ("from celery import Celery\napp = Celery('t')\napp.conf.accept_content = ['json']", []),
    ("serializer = 'pickle'", []),  # no Celery setting
    # SSH host keys not checked (CWE-295)
    (
        "import asyncssh\nasync def run(h):\n    async with asyncssh.connect(h, known_hosts=None) as c:\n"
        "        await c.run('ls')",
        ["PG-VULN025"],
    ),
    ("import asyncssh\nasync def run(h):\n    return await asyncssh.connect(h, known_hosts='kh')", []),
    ("import asyncssh\nasync def run(h):\n    return await asyncssh.connect(h)", []),
    ("def run(client, h):\n    return client.connect(h, known_hosts=None)", []),  # not asyncssh
    # RSA encryption with PKCS#1 v1.5 (CWE-780)
    (
        "from cryptography.hazmat.primitives.asymmetric import padding\n"
        "def enc(key, data):\n    return key.encrypt(data, padding.PKCS1v15())",
        ["PG-VULN026"],
    ),
    (
        "from cryptography.hazmat.primitives.asymmetric import padding\n"
        "def sign(key, data, h):\n    return key.sign(data, padding.PKCS1v15(), h)",
        [],
    ),
    (
        "from cryptography.hazmat.primitives.asymmetric import padding\nfrom cryptography.hazmat.primitives "
        "import hashes\ndef enc(key, data):\n    return key.encrypt(data, padding.OAEP(mgf=padding.MGF1("
        "hashes.SHA256()), algorithm=hashes.SHA256(), label=None))",
        [],
    ),
    ("from Crypto.Cipher import PKCS1_v1_5\ndef c(key):\n    return PKCS1_v1_5.new(key)", ["PG-VULN026"]),
    ("from Crypto.Signature import pkcs1_15\ndef s(key):\n    return pkcs1_15.new(key)", []),
    # a fixed name in the shared temporary directory (CWE-377)
    ("import os, tempfile\np = os.path.join(tempfile.gettempdir(), 'app.lock')", ["PG-VULN027"]),
    (
        "import tempfile\nfrom pathlib import Path\np = Path(tempfile.gettempdir()) / 'app.lock'",
        ["PG-VULN027"],
    ),
    ("import os, tempfile\ndef p(name):\n    return os.path.join(tempfile.gettempdir(), name)", []),
    ("import os, tempfile\nd = tempfile.mkdtemp()\np = os.path.join(d, 'app.lock')", []),
    # a value formatted into SQL text (CWE-89); identifiers and placeholders are not values
    ('def g(c, uid):\n    q = f"SELECT * FROM users WHERE id = {uid}"\n    c.execute(q)', ["PG-VULN028"]),
    # a password given to a fast digest (MD5 and SHA-1 are bandit's B324, for any data)
    (
        "import hashlib\ndef f(password):\n    return hashlib.sha256(password.encode()).hexdigest()",
        ["PG-VULN035"],
    ),
    (
        "from hashlib import sha512\ndef f(user, salt):\n"
        "    return sha512((salt + user.pwd).encode()).hexdigest()",
        ["PG-VULN035"],
    ),
    (
        "import hashlib\ndef f(form):\n"
        "    return hashlib.new('sha3_256', f\"{form['password']}\".encode()).digest()",
        ["PG-VULN035"],
    ),
    (
        "import hashlib\ndef f(username, password, salt):\n    h = hashlib.sha256()\n"
        "    h.update(username + password + salt)\n    return h.hexdigest()",
        ["PG-VULN035"],
    ),
    ("import hashlib\ndef f(password, h):\n    h.update(password.encode())", []),
    ("def f(ctx, password):\n    ctx.update({'password': password})", []),
    (
        "import hashlib\ndef f(pw):\n    return hashlib.new(name='sha256', data=pw).hexdigest()",
        ["PG-VULN035"],
    ),
    (
        "import hashlib\ndef f(pw):\n    return hashlib.new(data=pw).hexdigest()",
        [],
    ),  # no algorithm: not ours to name
    ("import hashlib\ndef f(data):\n    return hashlib.sha256(data).hexdigest()", []),
    ("import hashlib\ndef f(password):\n    return hashlib.md5(password.encode()).hexdigest()", []),
    (
        "import hashlib\ndef f(password, salt):\n"
        "    return hashlib.pbkdf2_hmac('sha256', password.encode(), salt, 600_000)",
        [],
    ),
    ("import hashlib\ndef f(password):\n    return hashlib.sha256(bcrypt_hash(password)).hexdigest()", []),
    # a module constant made a number where the module starts carries no SQL; one made text does
    (
        'import os\nCAR = int(os.environ.get("CAR", "1"))\ndef g(c):\n'
        '    c.execute(f"SELECT * FROM cars WHERE id = {CAR}")',
        [],
    ),
    (
        'import os\nCAR = os.environ.get("CAR", "1")\ndef g(c):\n'
        '    c.execute(f"SELECT * FROM cars WHERE id = {CAR}")',
        ["PG-VULN028"],
    ),
    (
        'import os\nCAR = int(os.environ.get("CAR", "1"))\ndef g(c, CAR):\n'
        '    c.execute(f"SELECT * FROM cars WHERE id = {CAR}")',
        ["PG-VULN028"],
    ),
    # a validator of the module that raises unless `re` matched an allow-list without quotes; the same
    # shape with a pattern that lets a quote through, or with another module's `match`, proves nothing
    *[
        (
            f"import re, glob\ndef ok(name):\n    if not {check}:\n        raise ValueError(name)\n"
            "    return name\ndef g(c, t):\n    c.execute(f\"SELECT * FROM c WHERE TABLE_NAME = '{ok(t)}'\")",
            found,
        )
        for check, found in (
            ("re.match(r'^[a-zA-Z0-9_$]+$', name)", []),
            ("re.match(r'^.+$', name)", ["PG-VULN028"]),
            ("glob.match(r'^[a-z]+$', name)", ["PG-VULN028"]),
        )
    ],
    (
        "class Base:\n    def __init__(self, s):\n        self.ph = '?' if s.lite else '%s'\n"
        "class Repo(Base):\n    def g(self, c, name):\n"
        '        c.execute(f"SELECT * FROM t WHERE name = {self.ph}", (name,))',
        [],
    ),
    (
        "class Base:\n    def __init__(self, s):\n        self.ph = '?'\n"
        "    def g(self, c, name):\n"
        '        c.execute(f"SELECT * FROM t WHERE name = {self.ph}", (name,))\n'
        "class Sub(Base):\n    def __init__(self, s):\n        self.ph = s.name\n",
        ["PG-VULN028"],
    ),
    # placeholders from a function of the module or an attribute the class only sets to one; the
    # same from a function that returns its argument, or an attribute also set to data, is a value
    *[
        (
            "def ph(n):\n    return ', '.join(['%s'] * n)\ndef same(x):\n    return x\n"
            "class Repo:\n    def __init__(self, s):\n        self.ph = '?' if s.lite else '%s'\n"
            f"        self.other = {other}\n"
            f'    def g(self, c, row):\n        c.execute(f"{sql}", row)',
            found,
        )
        for other, sql, found in (
            ("'?'", "INSERT INTO t VALUES ({ph(len(row))})", []),
            ("'?'", "SELECT * FROM t WHERE name = {self.ph}", []),
            ("'?'", "SELECT * FROM t WHERE name = {self.other}", []),
            ("'?'", "INSERT INTO t VALUES ({same(row)})", ["PG-VULN028"]),
            ("s.name", "SELECT * FROM t WHERE name = {self.other}", ["PG-VULN028"]),
        )
    ],
    ('def g(c, uid):\n    c.execute("SELECT * FROM users WHERE id = {}".format(uid))', ["PG-VULN028"]),
    ("def g(c, name):\n    c.execute(\"SELECT * FROM u WHERE name = '%s'\" % name)", ["PG-VULN028"]),
    ("def g(c, a):\n    c.execute(f\"INSERT INTO t (a) VALUES ('{a}')\")", ["PG-VULN028"]),
    ('def g(c, row):\n    c.execute(f"INSERT INTO t VALUES {tuple(row)}")', ["PG-VULN028"]),
    (
        "def g(c, row):\n    marks = '(' + ', '.join('?' * len(row)) + ')'\n"
        '    c.execute(f"INSERT INTO t VALUES {marks}", row)',
        [],
    ),
    ('def g(c, table):\n    c.execute(f"SELECT * FROM {table}")', []),
    ('def g(c, ids):\n    c.execute("DELETE FROM t WHERE id IN (%s)" % ",".join("?" * len(ids)), ids)', []),
    # written inline the same way: a placeholder list that also carries data is a value
    (
        'def g(c, ids, q):\n    c.execute("DELETE FROM t WHERE id IN (%s)" % (q + ",".join("?" * len(ids))))',
        ["PG-VULN028"],
    ),
    # a placeholder list kept in a local name first; a name that also carries data, or is bound twice,
    # proves nothing
    *[
        (
            f"def g(c, ids, q):\n    marks = {value}\n"
            f'    c.execute(f"DELETE FROM t WHERE id IN ({{marks}})", ids)',
            found,
        )
        for value, found in (
            ("', '.join(['%s'] * len(ids))", []),
            ("','.join('?' for _ in ids)", []),
            ("','.join('?' * len(ids))", []),
            ("'?,' * (len(ids) - 1) + '?'", []),
            ("','.join(['?'] * len(ids) + [q])", ["PG-VULN028"]),
            ("','.join(['?', q])", ["PG-VULN028"]),
            ("q + ','.join('?' * len(ids))", ["PG-VULN028"]),
            ("','.join(ids)", ["PG-VULN028"]),
        )
    ],
    (  # bound in two branches, a list of placeholders each time
        "def g(c, a, b):\n    q = 'SELECT 1 FROM t'\n    if a:\n        marks = ','.join('?' * len(a))\n"
        "        q += f' AND x IN ({marks})'\n    if b:\n        marks = ','.join('?' * len(b))\n"
        "        q += f' AND y IN ({marks})'\n    c.execute(q, a + b)",
        [],
    ),
    (
        "def g(c, ids, q):\n    marks = ','.join('?' * len(ids))\n    if q:\n        marks = q\n"
        '    c.execute(f"DELETE FROM t WHERE id IN ({marks})", ids)',
        ["PG-VULN028"],
    ),
    ('def g(c, n):\n    c.execute(f"SELECT * FROM t WHERE id = {int(n)}")', []),
    ('def g(c, uid):\n    c.execute("SELECT * FROM users WHERE id = %s", (uid,))', []),
    ('def g(op, t):\n    return f"with op.batch_alter_table({t}, schema={t}) as batch_op:"', []),
    (
        "def g(c, d):\n    c.execute(f\"WITH recent AS (SELECT * FROM t WHERE day = '{d}') SELECT 1\")",
        ["PG-VULN028"],
    ),
    ('def g(n, y):\n    return f"selected {n} rows where x = {y}"', []),
    # built with `+`, and a condition built apart and added to a statement later
    ('def g(c, e):\n    c.execute("SELECT * FROM t WHERE e = \'" + e + "\'")', ["PG-VULN028"]),
    ('def g(c, t):\n    c.execute("SELECT * FROM " + t)', []),
    ("def g(f):\n    cond = ''\n    cond += f\" and company = '{f}'\"\n    return cond", ["PG-VULN028"]),
    ('def g(name):\n    return f" and {name} is here"', []),
    # inside a quoted literal: a function's argument, a LIKE pattern; a quoted identifier is not one
    ("def g(c, q):\n    c.execute(f\"SELECT 1 FROM t WHERE lower(n) = lower('{q}')\")", ["PG-VULN028"]),
    ("def g(c, q):\n    c.execute(f\"SELECT * FROM t WHERE n LIKE '%{q}%'\")", ["PG-VULN028"]),
    ("def g(c, q, t):\n    c.execute(f\"SELECT 'x' FROM {t} WHERE n = ?\", (q,))", []),
    # session signing keys written in the source (CWE-321)
    ("from flask import Flask\napp = Flask(__name__)\napp.secret_key = 'dev'", ["PG-VULN011"]),
    ("from flask import Flask\napp = Flask(__name__)\napp.config['SECRET_KEY'] = 'dev'", ["PG-VULN011"]),
    ("from flask import Flask\napp = Flask(__name__)\napp.config.update(SECRET_KEY='dev')", ["PG-VULN011"]),
    ("import os\nfrom flask import Flask\napp = Flask(__name__)\napp.secret_key = os.environ['KEY']", []),
    ("class Form:\n    pass\nform = Form()\nform.secret_key = 'x'", []),  # no Flask app
    (
        "from starlette.middleware.sessions import SessionMiddleware\n"
        "def setup(app):\n    app.add_middleware(SessionMiddleware, secret_key='static')",
        ["PG-VULN011"],
    ),
    ("SECRET_KEY = 'django-insecure-x'\nINSTALLED_APPS = ['django.contrib.admin']", ["PG-VULN011"]),
    ("SECRET_KEY = 'abc'\nTIMEOUT = 3", []),  # no Django settings module
    ("import os\nSECRET_KEY = os.environ['SECRET_KEY']\nINSTALLED_APPS = []", []),
    # TLS verification off (CWE-295)
    (
        "import ssl\ndef c():\n    ctx = ssl.create_default_context()\n    ctx.verify_mode = ssl.CERT_NONE",
        ["PG-VULN021"],
    ),
    (
        "import ssl\ndef c():\n    ctx = ssl.create_default_context()\n    ctx.check_hostname = False",
        ["PG-VULN021"],
    ),
    (
        "import requests\ndef s():\n    session = requests.Session()\n    session.verify = False",
        ["PG-VULN021"],
    ),
    ("import urllib3\nhttp = urllib3.PoolManager(cert_reqs='CERT_NONE')", ["PG-VULN021"]),
    ("import aiohttp\nconnector = aiohttp.TCPConnector(ssl=False)", ["PG-VULN021"]),
    (
        "import aiohttp\nasync def get(url):\n    async with aiohttp.ClientSession() as session:\n"
        "        return await session.get(url, ssl=False)",
        ["PG-VULN021"],
    ),
    (
        "import ssl\ndef c():\n    ctx = ssl.create_default_context()\n"
        "    ctx.verify_mode = ssl.CERT_REQUIRED",
        [],
    ),
    ("import requests\ndef s():\n    session = requests.Session()\n    session.verify = '/etc/ca.pem'", []),
    ("def s(form):\n    form.verify = False", []),  # not a requests Session
    (
        "import ssl\ndef c(insecure):\n    ctx = ssl.create_default_context()\n    if insecure:\n"
        "        ctx.check_hostname = False\n        ctx.verify_mode = ssl.CERT_NONE\n    return ctx",
        [],  # the caller's chosen option, implemented by the library that offers it
    ),
    ("def f(opts):\n    opts.check_hostname = False", []),  # no ssl in this module
    (
        "import ssl\nclass Context:\n    def __init__(self):\n        self.check_hostname = False\n"
        "        self.verify_mode = ssl.CERT_NONE",
        [],  # a context class's own defaults
    ),
    ("import urllib3\nhttp = urllib3.PoolManager(cert_reqs='CERT_REQUIRED')", []),
    ("def get(client, url):\n    return client.get(url, ssl=False)", []),  # not aiohttp by type
    # SMTP login in clear text (CWE-319)
    ("import smtplib\ndef send(u, p):\n    s = smtplib.SMTP('mail', 587)\n    s.login(u, p)", ["PG-VULN022"]),
    (
        "import smtplib\ndef send(u, p):\n    with smtplib.SMTP('mail', 587) as s:\n        s.login(u, p)",
        ["PG-VULN022"],
    ),
    (
        "import smtplib\ndef send(u, p):\n    s = smtplib.SMTP('mail', 587)\n"
        "    s.starttls()\n    s.login(u, p)",
        [],
    ),
    ("import smtplib\ndef send(u, p):\n    s = smtplib.SMTP_SSL('mail', 465)\n    s.login(u, p)", []),
    ("def send(client, u, p):\n    client.login(u, p)", []),
    # ReDoS through a local name (CWE-1333)
    ("import re\ndef check(s):\n    pattern = r'(a+)+$'\n    return re.match(pattern, s)", ["PG-VULN005"]),
    ("import re\ndef check(s):\n    pattern = r'a+$'\n    return re.match(pattern, s)", []),
    (
        "import re\ndef check(s, extra):\n    pattern = r'(a+)'\n    pattern += extra\n"
        "    return re.match(pattern, s)",
        [],
    ),
    # a weak hash algorithm named through a constant or a local (CWE-327)
    ('import hashlib\ndef h(d):\n    algo = "md5"\n    return hashlib.new(algo, d)', ["PG-VULN029"]),
    ('import hashlib\nALGO = "SHA1"\ndef h(d):\n    return hashlib.new(ALGO, d)', ["PG-VULN029"]),
    ('import hashlib\ndef h(d):\n    return hashlib.new("md" + "5", d)', ["PG-VULN029"]),
    # a checksum that protects nothing, a strong algorithm, a name the caller or a branch chooses
    ('import hashlib\ndef h(d):\n    a = "md5"\n    return hashlib.new(a, d, usedforsecurity=False)', []),
    ('import hashlib\ndef h(d):\n    algo = "sha256"\n    return hashlib.new(algo, d)', []),
    ("import hashlib\ndef h(d, algo):\n    return hashlib.new(algo, d)", []),
    (
        'import hashlib\ndef h(d, x):\n    algo = "md5"\n    if x:\n        algo = "sha256"\n'
        "    return hashlib.new(algo, d)",
        [],
    ),
    # the client's address from X-Forwarded-For's first entry, which the client writes (CWE-348)
    (
        "def get_client_ip(request):\n    xff = request.META.get('HTTP_X_FORWARDED_FOR')\n    if xff:\n"
        "        ip = xff.split(',')[0].strip()\n    else:\n        ip = request.META['REMOTE_ADDR']\n"
        "    return ip",
        ["PG-VULN034"],
    ),
    (
        "def identifier(request):\n    forwarded = request.headers.get('X-Forwarded-For')\n"
        "    if forwarded:\n        return forwarded.split(',')[0] + ':' + request.url.path\n"
        "    return request.client.host",
        ["PG-VULN034"],
    ),
    (
        "from aiohttp import hdrs\ndef check(allowed, request):\n"
        "    if forwarded := request.headers.get(hdrs.X_FORWARDED_FOR, ''):\n"
        "        first, *_ = forwarded.split(',', maxsplit=1)\n        if first in allowed:\n"
        "            return True\n    return False",
        ["PG-VULN034"],
    ),
    ("def address(request):\n    return request.access_route[0]", ["PG-VULN034"]),
    (  # returned and compared on one line: one finding
        "def check_ip(allowed, request):\n"
        "    first = request.headers.get('X-Forwarded-For', '').split(',')[0]\n"
        "    return first, first in allowed",
        ["PG-VULN034"],
    ),
    (
        "from aiohttp.hdrs import X_FORWARDED_FOR\ndef client_ip(request):\n"
        "    return request.headers.get(X_FORWARDED_FOR, '').split(',')[0]",
        ["PG-VULN034"],
    ),
    ("def get_ipaddr(request):\n    return request.headers['X_FORWARDED_FOR']", ["PG-VULN034"]),
    # the first of a list of header names the client may write, tried in turn
    (
        "def get_client_ip(request):\n"
        "    for header in ['HTTP_X_REAL_IP', 'HTTP_X_FORWARDED_FOR', 'HTTP_CLIENT_IP']:\n"
        "        ip = request.META.get(header)\n        if ip:\n            return ip.split(',')[0].strip()\n"
        "    return request.META.get('REMOTE_ADDR')",
        ["PG-VULN034"],
    ),
    (
        "def get_client_ip(request):\n    for header in ['HTTP_X_REAL_IP', 'HTTP_CLIENT_IP']:\n"
        "        ip = request.META.get(header)\n        if ip:\n            return ip.strip()\n"
        "    return request.META.get('REMOTE_ADDR')  # X-Forwarded-For never read",
        [],
    ),
    (
        "import ipaddress\ndef allowed(request, net):\n"
        "    ip = request.headers.getlist('X-Forwarded-For')[0]\n"
        "    return ipaddress.ip_address(ip) in net",
        ["PG-VULN034"],
    ),
    # the entry the nearest proxy added, trusted hops counted from the right, the header only
    # logged, forwarded on or checked for presence: no claim taken as the client's address
    (
        "def get_client_ip(request):\n    xff = request.META.get('HTTP_X_FORWARDED_FOR', '')\n"
        "    return xff.split(',')[-1].strip() if xff else request.META['REMOTE_ADDR']",
        [],
    ),
    (
        "def get_client_ip(request, hops):\n    parts = request.headers['X-Forwarded-For'].split(',')\n"
        "    return parts[-hops]",
        [],
    ),
    (
        "import logging\ndef view(request):\n    xff = request.headers.get('X-Forwarded-For', '')\n"
        "    logging.info('from %s', xff.split(',')[0])\n    if xff == '':\n        return None\n"
        "    return {'X-Forwarded-For': xff + ', ' + request.remote_addr}",
        [],
    ),
    ("def proxy_headers(request):\n    return request.headers.get('X-Forwarded-For')", []),
    # a cookie built on the standard library's SimpleCookie, its morsel missing Secure or HttpOnly
    (
        "from http.cookies import SimpleCookie\ndef login_cookie(token):\n    cookie = SimpleCookie()\n"
        "    cookie['Jwt'] = token\n    cookie['Jwt']['path'] = '/'\n    cookie['Jwt']['httponly'] = True\n"
        "    return cookie['Jwt']",
        ["PG-VULN006"],
    ),
    (
        "import http.cookies\ndef login_cookie(token):\n    cookie = http.cookies.SimpleCookie()\n"
        "    cookie['sid'] = token\n    cookie['sid'].update({'secure': True, 'path': '/'})\n"
        "    return cookie.output()",
        ["PG-VULN007"],
    ),
    (
        "from http.cookies import SimpleCookie\ndef login_cookie(token, https):\n"
        "    cookie = SimpleCookie()\n    cookie['sid'] = token\n    cookie['sid']['secure'] = https\n"
        "    cookie['sid']['httponly'] = True\n    return cookie.output()",
        [],
    ),
    # a cookie read from the request, or one whose attributes are never set, is not built to send
    (
        "from http.cookies import SimpleCookie\ndef session_of(environ):\n"
        "    cookie = SimpleCookie(environ.get('HTTP_COOKIE', ''))\n    cookie['seen'] = '1'\n"
        "    cookie['seen']['path'] = '/'\n    return cookie",
        [],
    ),
    (
        "from http.cookies import SimpleCookie\ndef jar(values):\n    cookie = SimpleCookie()\n"
        "    cookie['a'] = values['a']\n    return cookie",
        [],
    ),
]


@pytest.mark.parametrize(("code", "expected"), CASES)
def test_pg_vuln_rules(code: str, expected: list[str]) -> None:
    assert ids(code) == expected


def test_every_rule_has_a_case_its_metadata_and_its_cwe() -> None:
    covered = {rule for _, found in CASES for rule in found}
    assert covered == set(RULES)
    pinned = {
        "PG-VULN001": 22,
        "PG-VULN002": 611,
        "PG-VULN003": 79,
        "PG-VULN004": 208,
        "PG-VULN005": 1333,
        "PG-VULN006": 614,
        "PG-VULN007": 1004,
        "PG-VULN008": 347,
        "PG-VULN009": 942,
        "PG-VULN010": 327,
        "PG-VULN011": 321,
        "PG-VULN012": 1204,
        "PG-VULN013": 916,
        "PG-VULN014": 760,
        "PG-VULN015": 326,
        "PG-VULN016": 835,
        "PG-VULN017": 209,
        "PG-VULN018": 338,
        "PG-VULN019": 943,
        "PG-VULN020": 502,
        "PG-VULN021": 295,
        "PG-VULN022": 319,
        "PG-VULN023": 502,
        "PG-VULN024": 502,
        "PG-VULN025": 295,
        "PG-VULN026": 780,
        "PG-VULN027": 377,
        "PG-VULN028": 89,
        "PG-VULN029": 327,
        "PG-VULN030": 347,
        "PG-VULN031": 489,
        "PG-VULN032": 79,
        "PG-VULN033": 22,
        "PG-VULN034": 348,
        "PG-VULN035": 916,
    }
    assert {r.id: r.cwe for r in RULES.values()} == pinned
    for rule in RULES.values():
        assert rule.title and rule.why and rule.bad and rule.good and rule.fix


def test_security_analyzer_reports_pg_vuln_next_to_bandit() -> None:
    from prguard.analyzers.security import SecurityAnalyzer

    from tests.unit.taint_helpers import context

    code = (
        "import tarfile\n\ndef unpack(path, dest):\n    with tarfile.open(path) as t:\n"
        "        t.extractall(dest)\n"
    )
    found = list(SecurityAnalyzer().analyze_file(context("lib/unpack.py", code)))
    at_line = [(f.rule_id, f.cwe) for f in found if f.start_line == 5]
    assert at_line == [("B202", 22)]  # bandit already says it: no second finding
    code = "import hmac\n\ndef ok(k, b, s):\n    return hmac.new(k, b, 'sha256').hexdigest() == s\n"
    found = list(SecurityAnalyzer().analyze_file(context("lib/sign.py", code)))
    assert [(f.rule_id, f.cwe, f.severity) for f in found] == [("PG-VULN004", 208, "medium")]


def test_deployment_rules_are_not_reported_in_test_code() -> None:
    from prguard.analyzers.security import SecurityAnalyzer

    from tests.unit.taint_helpers import context

    code = "def check(form, app):\n    return form.get('client_secret') == app.client_secret\n"
    assert [f.rule_id for f in SecurityAnalyzer().analyze_file(context("app/oauth.py", code))] == [
        "PG-VULN004"
    ]
    assert list(SecurityAnalyzer().analyze_file(context("tests/fake/oauth.py", code))) == []
    code = "from Crypto.Cipher import AES\n\ndef enc(d):\n    return AES.new(b'k' * 16, AES.MODE_EAX)\n"
    assert "PG-VULN011" in [f.rule_id for f in SecurityAnalyzer().analyze_file(context("app/box.py", code))]
    assert "PG-VULN011" not in [
        f.rule_id for f in SecurityAnalyzer().analyze_file(context("tests/test_box.py", code))
    ]
    code = "import joblib\n\ndef restore(path):\n    return joblib.load(path)\n"
    assert [f.rule_id for f in SecurityAnalyzer().analyze_file(context("app/models.py", code))] == [
        "PG-VULN023"
    ]
    assert list(SecurityAnalyzer().analyze_file(context("tests/test_models.py", code))) == []


@pytest.mark.parametrize(
    ("pattern", "flagged"),
    [
        (r"^\w+(?:\s+\w+)*$", False),  # `\s+` occurs in every iteration and separates the word runs
        (r"^(([A-Za-z0-9_.-]+)[\\]*)+$", True),  # the separator is optional
        (r"(\d+)*$", True),
        (r"^(a|aa)+$", True),
    ],
)
def test_redos_separators(pattern: str, flagged: bool) -> None:
    from prguard.analyzers.redos import redos_problem

    assert (redos_problem(pattern) is not None) is flagged


def test_under_condition_reads_branches_tests_and_conditional_expressions() -> None:
    from prguard.analyzers.asttools import nodes_of
    from prguard.analyzers.vuln_rules.shapes import under_condition

    tree = ast.parse(
        "a = 1\n"
        "if flag:\n    b = 2\nelse:\n    c = 3\n"
        "d = 4 if flag else 5\n"
        "def f():\n    e = 6\n    if x(g := 7):\n        pass\n"
    )
    assigns = {n.targets[0].id: n for n in nodes_of(tree, ast.Assign)}
    walrus = nodes_of(tree, ast.NamedExpr)[0]
    function = nodes_of(tree, ast.FunctionDef)[0]
    expected = {"a": False, "b": True, "c": True, "d": False, "e": False}
    assert {name: under_condition(tree, node) for name, node in assigns.items()} == expected
    assert under_condition(tree, assigns["d"].value.body)  # inside the conditional expression
    assert under_condition(function, walrus)  # in the test of an `if`
    assert not under_condition(tree.body[1], tree.body[1])  # the `if` itself is not under one


@pytest.mark.parametrize(
    ("code", "count"),
    [
        # a token helper written for 24 characters (django-xblog's `random_string(length=24)`)
        (
            "import random, string\n\ndef random_string(length=24):\n"
            "    return ''.join(random.choice(string.ascii_letters) for _ in range(length))\n",
            1,
        ),
        (
            "import random, string\n\ndef name(length=8):\n"
            "    return ''.join(random.choice(string.ascii_letters) for _ in range(length))\n",
            0,
        ),
        # backup codes, reported once (not again where they are formatted: dj-admin-2fa)
        (
            "import random, string\n\ndef generate_backup_codes(length=10):\n"
            "    code = ''.join(random.choices(string.digits, k=length))\n"
            "    shown = f'{code[:4]}-{code[4:]}'\n    return shown\n",
            1,
        ),
        # a post's share-link key (pinax-blog); a dict's key stays quiet
        (
            "import random, string\n\nclass Post:\n    def save(self):\n"
            "        self.secret_key = ''.join(random.choice(string.ascii_letters) for _ in range(8))\n",
            1,
        ),
        ("import random\n\ndef pick(items):\n    key = random.choice(items)\n    return key\n", 0),
        # a Flask signing key is one finding
        (
            "import random\nfrom flask import Flask\n"
            "app = Flask(__name__)\napp.secret_key = random.random()\n",
            1,
        ),
    ],
)
def test_secrets_drawn_from_random_by_their_use(code: str, count: int) -> None:
    assert ids(code).count("PG-VULN018") == count
