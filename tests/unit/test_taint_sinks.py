"""Every sink family: a vulnerable case, and safe twins that differ by one thing only."""

from __future__ import annotations

import pytest

from tests.unit.taint_helpers import reports, rules_of, taint

FLASK = "from flask import Flask, request, redirect, session, make_response, send_file, Markup\n"
FLASK += "import os, subprocess, shlex, html, re, logging, pickle, yaml, requests, sqlite3\n"
FLASK += "app = Flask(__name__)\nlog = logging.getLogger(__name__)\nALLOWED = {'en', 'de', 'fr'}\n"
FLASK += "BASE = '/srv/files'\n"


def view(body: str) -> str:
    """A Flask view around `body` (indented four spaces)."""
    lines = "\n".join("    " + line if line else "" for line in body.strip("\n").splitlines())
    return FLASK + "\n@app.route('/x')\ndef handler():\n" + lines + "\n"


# name -> (code, rule expected or None)
CASES: dict[str, tuple[str, str | None]] = {
    # SQL (89)
    "sql-fstring": (
        view(
            'uid = request.args["id"]\ncur = sqlite3.connect("db").cursor()\n'
            'cur.execute(f"SELECT * FROM users WHERE id = {uid}")\nreturn "ok"'
        ),
        "taint-sql-injection",
    ),
    "sql-params": (
        view(
            'uid = request.args["id"]\ncur = sqlite3.connect("db").cursor()\n'
            'cur.execute("SELECT * FROM users WHERE id = ?", (uid,))\nreturn "ok"'
        ),
        None,
    ),
    "sql-int": (
        view(
            'uid = int(request.args["id"])\ncur = sqlite3.connect("db").cursor()\n'
            'cur.execute("SELECT * FROM users WHERE id = %d" % uid)\nreturn "ok"'
        ),
        None,
    ),
    "sql-overwritten": (
        view(
            'order = request.args.get("order")\norder = "name"\ncur = sqlite3.connect("db").cursor()\n'
            'cur.execute("SELECT * FROM users ORDER BY " + order)\nreturn "ok"'
        ),
        None,
    ),
    "sql-allowlist": (
        view(
            'order = request.args.get("order", "name")\nif order not in ("name", "email"):\n'
            '    order = "name"\ncur = sqlite3.connect("db").cursor()\n'
            'cur.execute("SELECT * FROM users ORDER BY " + order)\nreturn "ok"'
        ),
        None,
    ),
    # command (78)
    "cmd-shell": (
        view(
            'host = request.form["host"]\nout = subprocess.check_output("ping -c 1 " + host, shell=True)\n'
            "return out"
        ),
        "taint-command-injection",
    ),
    "cmd-list": (
        view(
            'host = request.form["host"]\n'
            'out = subprocess.check_output(["ping", "-c", "1", host])\nreturn out'
        ),
        None,
    ),
    "cmd-quote": (
        view(
            'host = request.form["host"]\nout = subprocess.check_output("ping -c 1 " + shlex.quote(host), '
            "shell=True)\nreturn out"
        ),
        None,
    ),
    "cmd-os-system": (
        view('os.system("tar czf /tmp/b.tgz " + request.args["dir"])\nreturn "ok"'),
        "taint-command-injection",
    ),
    "cmd-list-then-args": (
        view('subprocess.run(["sort"] + list(request.args.getlist("f")))\nreturn "ok"'),
        None,
    ),
    "cmd-program-then-constant-args": (
        view('subprocess.run([request.args["p"]] + ["--version"])\nreturn "ok"'),
        "taint-command-injection",
    ),
    "cmd-starred-program-then-args": (
        view('subprocess.run([*request.args.getlist("argv")] + ["-q"])\nreturn "ok"'),
        "taint-command-injection",
    ),
    "upload-object-is-no-path": (
        view('from PIL import Image\nImage.open(request.files["photo"]).verify()\nreturn "ok"'),
        None,
    ),
    "upload-client-filename-is-a-path": (
        view('f = request.files["photo"]\nf.save(os.path.join(BASE, f.filename))\nreturn "ok"'),
        "taint-path-traversal",
    ),
    "django-storage-save-checks-names": (
        "from django.core.files.storage import FileSystemStorage\n"
        "def upload(request):\n    fs = FileSystemStorage()\n"
        '    return fs.save(request.POST["name"], request.FILES["f"])\n',
        None,
    ),
    "cmd-dead-branch": (
        view('cmd = "uptime"\nif False:\n    cmd = request.args["cmd"]\nos.system(cmd)\nreturn "ok"'),
        None,
    ),
    # code (94/95)
    "eval": (view('expr = request.args["expr"]\nreturn str(eval(expr))'), "taint-code-injection"),
    "code-import-string": (
        view(
            'from werkzeug.utils import import_string\nhandler = import_string(request.args["h"])\n'
            "return handler()"
        ),
        "taint-code-injection",
    ),
    "code-scheduler-job-by-name": (
        "from apscheduler.schedulers.background import BackgroundScheduler\n"
        "from flask import current_app, request\n"
        "def add_job():\n    current_app.apscheduler.add_job(**request.get_json())\n    return 'ok'\n",
        "taint-code-injection",
    ),
    "code-scheduler-job-by-callable": (
        "from apscheduler.schedulers.background import BackgroundScheduler\n"
        "from flask import current_app, request\n"
        "def tick(): pass\ndef add_job():\n"
        "    current_app.apscheduler.add_job(func=tick, id=request.args['id'])\n"
        "    return 'ok'\n",
        None,
    ),
    "ssrf-tornado-client": (
        "from tornado.httpclient import AsyncHTTPClient\nasync def lyrics(request):\n"
        "    path = request.get_argument('path')\n"
        "    return (await AsyncHTTPClient().fetch('https://genius.com' + path)).body\n",
        "taint-ssrf",
    ),
    "ssrf-tornado-client-fixed-host": (
        "from tornado.httpclient import AsyncHTTPClient\nasync def lyrics(request):\n"
        "    path = request.get_argument('path')\n"
        "    return (await AsyncHTTPClient().fetch('https://genius.com/' + path)).body\n",
        None,
    ),
    "ssrf-through-keyword-mapping": (
        view('return requests.get(**{"url": request.args["u"], "timeout": 5}).text'),
        "taint-ssrf",
    ),
    "ssti-template-string": (
        view(
            'from flask import render_template_string\nname = request.args["n"]\n'
            'return render_template_string("Hi " + name)'
        ),
        "taint-template-injection",
    ),
    "ssti-context-variable": (
        view(
            'from flask import render_template_string\nname = request.args["n"]\n'
            'return render_template_string("Hi {{ n }}", n=name)'
        ),
        None,
    ),
    "eval-float": (view('expr = float(request.args["expr"])\nreturn str(eval("1 + %f" % expr))'), None),
    # argument injection (88): no shell, but an option of the program
    "argument-git-clone": (
        view('subprocess.run(["git", "clone", request.args["url"], "/srv/repo"])\nreturn "ok"'),
        "taint-argument-injection",
    ),
    "argument-appended": (
        view(
            'cmd = ["hg", "pull"]\ncmd.append(request.args["src"])\nsubprocess.check_call(cmd)\nreturn "ok"'
        ),
        "taint-argument-injection",
    ),
    "argument-directory-option-value": (
        view('subprocess.run(["git", "-C", request.args["dir"], "status"])\nreturn "ok"'),
        None,  # the value of `-C`, never read as an option
    ),
    "argument-after-end-of-options": (
        view('subprocess.run(["git", "clone", "--", request.args["url"], "/srv/repo"])\nreturn "ok"'),
        None,
    ),
    "argument-refused-dash": (
        view(
            'ref = request.args["ref"]\nif ref.startswith("-"):\n    return "bad", 400\n'
            'return subprocess.check_output(["git", "log", ref])'
        ),
        None,
    ),
    "argument-https-only": (
        view(
            'from urllib.parse import urlparse\nurl = request.args["url"]\n'
            'if urlparse(url).scheme not in ("https", "ssh"):\n    return "bad", 400\n'
            'subprocess.run(["git", "clone", url])\nreturn "ok"'
        ),
        None,
    ),
    "argument-required-start": (
        view(
            'url = request.args["url"]\nif not url.startswith("http"):\n    return "bad", 400\n'
            'subprocess.run(["git", "clone", url])\nreturn "ok"'
        ),
        None,
    ),
    "argument-option-value": (
        view('return subprocess.check_output(["git", "commit", "-m", request.form["msg"]])'),
        None,
    ),
    "argument-constant-start": (
        view('return subprocess.check_output(["git", "show", "refs/heads/" + request.args["b"]])'),
        None,
    ),
    "trust-boundary-digest": (
        view(
            "import hashlib\n"
            'session["id"] = hashlib.sha512(request.headers["User-Agent"].encode()).hexdigest()\nreturn "ok"'
        ),
        None,
    ),
    "trust-boundary-digest-updated": (
        view(
            'import hashlib\nh = hashlib.blake2b()\nh.update(request.args["x"].encode())\n'
            'session["id"] = h.hexdigest()\nreturn "ok"'
        ),
        None,
    ),
    "redirect-oauth-request-uri": (
        view(
            "from oauthlib.oauth2 import WebApplicationClient\nclient = WebApplicationClient('id')\n"
            'url = client.prepare_request_uri("https://idp.example/auth", state=request.args["s"],'
            " **request.args)\n"
            "return redirect(url)"
        ),
        None,
    ),
    "redirect-own-path-after-post": (view("return redirect(request.path)"), None),
    "redirect-own-path-with-slash": (view('return redirect(request.path + "/")'), "taint-open-redirect"),
    "ssrf-yt-dlp-extract-info": (
        view(
            "import yt_dlp\nwith yt_dlp.YoutubeDL({'quiet': True}) as ydl:\n"
            "    info = ydl.extract_info(request.args['url'], download=False)\nreturn info['title']"
        ),
        "taint-ssrf",
    ),
    "ssrf-youtube-dl-download": (
        view(
            "import youtube_dl\nydl = youtube_dl.YoutubeDL({})\n"
            "ydl.download([request.args['url']])\nreturn 'ok'"
        ),
        "taint-ssrf",
    ),
    "ssrf-feedparser": (
        view("import feedparser\nreturn str(feedparser.parse(request.args['url']).feed)"),
        "taint-ssrf",
    ),
    "redirect-own-path-then-query": (
        view("return redirect(f\"{request.path}?path={request.args['p']}\")"),
        None,
    ),
    "redirect-own-path-plus-query": (
        view('return redirect(request.path + "?page=" + request.args["n"])'),
        None,
    ),
    "redirect-own-path-formatted-query": (
        view('return redirect("{}?{}".format(request.path, request.query_string.decode()))'),
        None,
    ),
    "redirect-own-path-percent-query": (
        view('return redirect("%s?next=%s" % (request.path, request.args["n"]))'),
        None,
    ),
    "redirect-formatted-data-then-query": (
        view('return redirect("{}?{}".format(request.args["to"], request.query_string.decode()))'),
        "taint-open-redirect",
    ),
    "redirect-own-path-formatted-after-text": (
        view('return redirect("/{}?x".format(request.args["to"]))'),
        "taint-open-redirect",
    ),
    "redirect-own-path-plus-data": (
        view('return redirect(request.path + request.args["n"])'),
        "taint-open-redirect",
    ),
    "redirect-login-url-parts-query": (
        view(
            "from urllib.parse import urlparse, urlunparse\n"
            "LOGIN_URL = '/login'\nparts = list(urlparse(LOGIN_URL))\n"
            "parts[4] = 'next=' + request.args['n']\n"
            "return redirect(urlunparse(parts))"
        ),
        None,
    ),
    "redirect-url-parts-netloc": (
        view(
            "from urllib.parse import urlparse, urlunparse\n"
            "LOGIN_URL = '/login'\nparts = list(urlparse(LOGIN_URL))\nparts[1] = request.args['host']\n"
            "return redirect(urlunparse(parts))"
        ),
        "taint-open-redirect",
    ),
    "redirect-oauth-user-endpoint": (
        view(
            "from oauthlib.oauth2 import WebApplicationClient\nclient = WebApplicationClient('id')\n"
            'return redirect(client.prepare_request_uri(request.args["idp"], state="x"))'
        ),
        "taint-open-redirect",
    ),
    "redirect-saml-configured-idp": (
        view(
            "from saml2.client import Saml2Client\nclient = Saml2Client(config)\n"
            'session_id, info = client.prepare_for_authenticate(relay_state=request.args["next"])\n'
            'return redirect(dict(info["headers"])["Location"])'
        ),
        None,
    ),
    "redirect-onelogin-configured-idp": (
        view(
            "from onelogin.saml2.auth import OneLogin_Saml2_Auth\n"
            'auth = OneLogin_Saml2_Auth({"get_data": request.args.to_dict()}, SETTINGS)\n'
            'return redirect(auth.login(return_to=request.args["next"]))'
        ),
        None,
    ),
    "redirect-login-method-elsewhere": (
        view('auth = Auth(request.args.to_dict())\nreturn redirect(auth.login(request.args["next"]))'),
        "taint-open-redirect",
    ),
    "redirect-same-method-name-elsewhere": (
        view(
            'session_id, info = client.prepare_for_authenticate(relay_state=request.args["next"])\n'
            'return redirect(dict(info["headers"])["Location"])'
        ),
        "taint-open-redirect",
    ),
    "tornado-subprocess-shell": (
        view(
            "from tornado.process import Subprocess\n"
            'Subprocess("convert " + request.args["f"], shell=True)\nreturn "ok"'
        ),
        "taint-command-injection",
    ),
    "argument-plain-program": (view('return subprocess.check_output(["ls", request.args["d"]])'), None),
    "argument-regex-allows-dash": (
        view(
            'ref = request.args["ref"]\nif not re.fullmatch(r"[\\w.-]+", ref):\n    return "bad", 400\n'
            'return subprocess.check_output(["git", "checkout", ref])'
        ),
        "taint-argument-injection",
    ),
    "argument-regex-no-dash": (
        view(
            'ref = request.args["ref"]\nif not re.fullmatch(r"[A-Za-z0-9_./]+", ref):\n'
            '    return "bad", 400\n'
            'return subprocess.check_output(["git", "checkout", ref])'
        ),
        None,
    ),
    "argument-exec-positional": (
        view(
            "import asyncio\n"
            'asyncio.run(asyncio.create_subprocess_exec("rsync", request.args["src"], "/srv"))\nreturn "ok"'
        ),
        "taint-argument-injection",
    ),
    # path (22)
    "path-open": (
        view('name = request.args["name"]\nwith open(os.path.join(BASE, name)) as fh:\n    return fh.read()'),
        "taint-path-traversal",
    ),
    "path-extension-only": (
        view(
            'ext = os.path.splitext(request.args["name"])[1]\n'
            'return send_file(os.path.join(BASE, "upload" + ext))'
        ),
        None,
    ),
    "path-root-of-name": (
        view(
            'root, ext = os.path.splitext(request.args["name"])\n'
            'return send_file(os.path.join(BASE, root + ".txt"))'
        ),
        "taint-path-traversal",
    ),
    "sql-not-a-statement": (view('runner.execute(f"task_{request.args[\'id\']}")\nreturn "ok"'), None),
    "sql-statement-start-in-data": (
        view('sqlite3.connect("x").execute("SEL" + request.args["rest"])\nreturn "ok"'),
        "taint-sql-injection",
    ),
    "path-os-open": (
        view(
            'fd = os.open(os.path.join(BASE, request.args["name"]), os.O_RDONLY)\nreturn str(os.read(fd, 9))'
        ),
        "taint-path-traversal",
    ),
    "path-basename": (
        view(
            'name = os.path.basename(request.args["name"])\nwith open(os.path.join(BASE, name)) as fh:\n'
            "    return fh.read()"
        ),
        None,
    ),
    "path-realpath-check": (
        view(
            'name = request.args["name"]\nfull = os.path.realpath(os.path.join(BASE, name))\n'
            'if not full.startswith(BASE + os.sep):\n    return "no", 403\nreturn send_file(full)'
        ),
        None,
    ),
    "path-startswith-unresolved": (
        view(
            'name = request.args["name"]\nfull = os.path.join(BASE, name)\n'
            'if not full.startswith(BASE):\n    return "no", 403\nreturn send_file(full)'
        ),
        "taint-path-traversal",
    ),
    # HTML (79)
    "xss-return": (view('name = request.args.get("name", "")\nreturn f"<h1>Hello {name}</h1>"'), "taint-xss"),
    "xss-escape": (
        view('name = request.args.get("name", "")\nreturn f"<h1>Hello {html.escape(name)}</h1>"'),
        None,
    ),
    "xss-markup": (view('bio = request.form["bio"]\nreturn Markup("<p>" + bio + "</p>")'), "taint-xss"),
    "xss-markup-percent": (view('return Markup("<p>%s</p>") % request.form["bio"]'), None),
    "xss-jinja-template": (
        view('import jinja2\nreturn jinja2.Template("<p>{{ b }}</p>").render(b=request.form["bio"])'),
        "taint-xss",
    ),
    "xss-jinja-template-name": (
        view(
            'import jinja2\nt = jinja2.Template("<p>{{ b }}</p>")\n'
            'html_text = t.render(b=request.form["bio"])\nreturn html_text'
        ),
        "taint-xss",
    ),
    "xss-jinja-environment": (
        view(
            "import jinja2\nenv = jinja2.Environment()\n"
            'return env.from_string("{{ b }}").render(b=request.form["bio"])'
        ),
        "taint-xss",
    ),
    "xss-jinja-autoescape": (
        view(
            'import jinja2\nt = jinja2.Template("<p>{{ b }}</p>", autoescape=True)\n'
            'return t.render(b=request.form["bio"])'
        ),
        None,
    ),
    "xss-jinja-environment-autoescape": (
        view(
            "import jinja2\nenv = jinja2.Environment(autoescape=jinja2.select_autoescape())\n"
            'return env.from_string("{{ b }}").render(b=request.form["bio"])'
        ),
        None,
    ),
    "xss-jinja-flask-environment": (
        view('return app.jinja_env.from_string("{{ b }}").render(b=request.form["bio"])'),
        None,
    ),
    "xss-jinja-text-response": (
        view(
            'import jinja2\nbody = jinja2.Template("{{ b }}").render(b=request.form["bio"])\n'
            'return body, 200, {"Content-Type": "text/plain"}'
        ),
        None,
    ),
    "xss-markup-percent-name": (view('tpl = Markup("<p>%s</p>")\nreturn tpl % request.form["bio"]'), None),
    "xss-str-percent": (view('return "<p>%s</p>" % request.form["bio"]'), "taint-xss"),
    "xss-plain-text": (
        view(
            'name = request.args.get("name", "")\nreturn f"Hello {name}", 200, {"Content-Type": "text/plain"}'
        ),
        None,
    ),
    "xss-make-response-json": (
        view('name = request.args.get("name", "")\nreturn make_response(name, 200)'),
        "taint-xss",
    ),
    # a dict or list handed to make_response is answered as JSON (slackeventsapi's challenge echo)
    "xss-make-response-dict": (
        view('data = request.get_json()\nreturn make_response({"challenge": data.get("challenge")}, 200)'),
        None,
    ),
    "xss-make-response-list": (view('return make_response([request.args["q"]])'), None),
    "xss-make-response-tuple": (view('return make_response((request.args["q"], 200))'), "taint-xss"),
    # redirect (601)
    "redirect": (view('return redirect(request.args.get("next", "/"))'), "taint-open-redirect"),
    "redirect-local-prefix": (view('return redirect("/profile/" + request.args.get("tab", "main"))'), None),
    "redirect-allowlist": (
        view(
            'target = request.args.get("next", "/")\nif target in {"/", "/home"}:\n'
            '    return redirect(target)\nreturn redirect("/")'
        ),
        None,
    ),
    # LDAP (90)
    "ldap": (
        "import ldap\nfrom flask import Flask, request\napp = Flask(__name__)\n\n@app.route('/u')\ndef u():\n"
        "    conn = ldap.initialize('ldap://dir')\n    user = request.args['user']\n"
        "    return str(conn.search_s('dc=ex', ldap.SCOPE_SUBTREE, '(uid=' + user + ')'))\n",
        "taint-ldap-injection",
    ),
    "ldap-escaped": (
        "import ldap\nfrom ldap.filter import escape_filter_chars\nfrom flask import Flask, request\n"
        "app = Flask(__name__)\n\n@app.route('/u')\ndef u():\n    conn = ldap.initialize('ldap://dir')\n"
        "    user = escape_filter_chars(request.args['user'])\n"
        "    return str(conn.search_s('dc=ex', ldap.SCOPE_SUBTREE, '(uid=' + user + ')'))\n",
        None,
    ),
    "ldap-filter-format": (
        "import ldap, ldap.filter\nfrom flask import Flask, request\napp = Flask(__name__)\n\n"
        "@app.route('/u')\ndef u():\n    conn = ldap.initialize('ldap://x')\n"
        "    f = ldap.filter.filter_format('(uid=%s)', [request.args['user']])\n"
        "    return str(conn.search_s('dc=ex', ldap.SCOPE_SUBTREE, f))\n",
        None,
    ),
    # XPath (643)
    "xpath": (
        "from lxml import etree\nfrom flask import Flask, request\napp = Flask(__name__)\n"
        "TREE = etree.parse('users.xml')\n\n@app.route('/u')\ndef u():\n    name = request.args['name']\n"
        '    return str(TREE.xpath("//user[@name=\'" + name + "\']"))\n',
        "taint-xpath-injection",
    ),
    "xpath-variables": (
        "from lxml import etree\nfrom flask import Flask, request\napp = Flask(__name__)\n"
        "TREE = etree.parse('users.xml')\n\n@app.route('/u')\ndef u():\n    name = request.args['name']\n"
        "    return str(TREE.xpath('//user[@name=$name]', name=name))\n",
        None,
    ),
    "xpath-elementpath": (
        "import elementpath\nfrom lxml import etree\nfrom flask import Flask, request\n"
        "app = Flask(__name__)\nTREE = etree.parse('users.xml')\n\n@app.route('/u')\ndef u():\n"
        "    name = request.args['name']\n"
        '    return str(len(elementpath.select(TREE, "//user[@name=\'" + name + "\']")))\n',
        "taint-xpath-injection",
    ),
    # deserialisation (502)
    "pickle": (
        view("obj = pickle.loads(request.get_data())\nreturn str(obj)"),
        "taint-unsafe-deserialization",
    ),
    "yaml-load": (
        view("cfg = yaml.load(request.data, Loader=yaml.Loader)\nreturn str(cfg)"),
        "taint-unsafe-deserialization",
    ),
    "yaml-safe": (view("cfg = yaml.load(request.data, Loader=yaml.SafeLoader)\nreturn str(cfg)"), None),
    # XML (611)
    "xxe-lxml": (
        "from lxml import etree\nfrom flask import Flask, request\napp = Flask(__name__)\n\n"
        "@app.route('/x', methods=['POST'])\ndef x():\n    doc = etree.fromstring(request.data)\n"
        "    return doc.tag\n",
        "taint-xxe",
    ),
    "xxe-hardened": (
        "from lxml import etree\nfrom flask import Flask, request\napp = Flask(__name__)\n"
        "PARSER = etree.XMLParser(resolve_entities=False, no_network=True)\n\n"
        "@app.route('/x', methods=['POST'])\ndef x():\n"
        "    doc = etree.fromstring(request.data, parser=PARSER)\n"
        "    return doc.tag\n",
        None,
    ),
    # session (501)
    "session": (view('session["role"] = request.form["role"]\nreturn "ok"'), "taint-trust-boundary"),
    "session-allowlist": (
        view('lang = request.form["lang"]\nif lang in ALLOWED:\n    session["lang"] = lang\nreturn "ok"'),
        None,
    ),
    "session-key": (view('session[request.args["k"]] = "1"\nreturn "ok"'), "taint-trust-boundary"),
    "session-update": (
        view('session.update({"role": request.form["role"]})\nreturn "ok"'),
        "taint-trust-boundary",
    ),
    "session-setdefault": (
        view('session.setdefault("role", request.form["role"])\nreturn "ok"'),
        "taint-trust-boundary",
    ),
    "session-update-constant": (view('session.update({"role": "guest"})\nreturn "ok"'), None),
    "cookie": (
        view('resp = make_response("ok")\nresp.set_cookie("theme", request.args["theme"])\nreturn resp'),
        "taint-trust-boundary",
    ),
    "session-after-form-validation": (
        "from django import forms\nclass F(forms.Form):\n    key = forms.CharField()\n"
        "def reset(request, key):\n    form = F(data={'key': key})\n    if form.is_valid():\n"
        "        request.session['reset_key'] = key\n"
        "        request.session['k'] = form.cleaned_data['key']\n"
        "    return 'ok'\n",
        None,
    ),
    "session-after-a-login-check": (
        view(
            'u, p = request.form["u"], request.form["p"]\nif check_password(u, p):\n    session["user"] = u\n'
            "user = authenticate(username=u, password=p)\nif user is not None:\n"
            '    session["user"] = u\nreturn "ok"'
        ),
        None,
    ),
    "session-after-a-length-check": (
        view('u = request.form["u"]\nif len(u) < 40 and u.strip():\n    session["user"] = u\nreturn "ok"'),
        "taint-trust-boundary",
    ),
    "session-from-server-set-environ": (
        "def sso(request):\n    request.session['user'] = request.META['REMOTE_USER']\n"
        "    request.session['ip'] = request.META.get('REMOTE_ADDR')\n    return 'ok'\n",
        None,
    ),
    "session-from-a-client-header": (
        "def sso(request):\n    request.session['user'] = request.META['HTTP_X_REMOTE_USER']\n"
        "    return 'ok'\n",
        "taint-trust-boundary",
    ),
    "session-without-form-validation": (
        "from django import forms\nclass F(forms.Form):\n    key = forms.CharField()\n"
        "def reset(request, key):\n    form = F(data={'key': key})\n    if form.has_changed():\n"
        "        request.session['reset_key'] = key\n    return 'ok'\n",
        "taint-trust-boundary",
    ),
    "cookie-unknown-receiver": (
        view('out = build()\nout.set_cookie("theme", request.args["theme"])\nreturn out'),
        "taint-trust-boundary",
    ),
    "cookie-on-a-test-client": (
        view(
            "from werkzeug.test import Client\nclient = Client(app)\n"
            'client.set_cookie("theme", request.cookies["theme"])\nreturn client.get("/render").data'
        ),
        None,
    ),
    "redirect-pyramid-httpfound": (
        "from pyramid.httpexceptions import HTTPFound\nfrom pyramid.view import view_config\n"
        "@view_config(route_name='login')\ndef login(request):\n"
        "    return HTTPFound(location=request.params.get('came_from', '/'))\n",
        "taint-open-redirect",
    ),
    "redirect-pyramid-httpfound-route": (
        "from pyramid.httpexceptions import HTTPFound\nfrom pyramid.view import view_config\n"
        "@view_config(route_name='login')\ndef login(request):\n"
        "    return HTTPFound(location=request.route_url('home'))\n",
        None,
    ),
    "redirect-by-location-header": (
        view('resp = make_response("", 302)\nresp.headers["Location"] = request.args["url"]\nreturn resp'),
        "taint-open-redirect",
    ),
    "redirect-by-location-header-set": (
        view('resp = make_response("", 302)\nresp.headers.set("location", request.args["url"])\nreturn resp'),
        "taint-open-redirect",
    ),
    # htmx sends the page to the URL an `HX-Redirect` header holds (basxconnect, round 122)
    "redirect-by-htmx-header": (
        view('resp = make_response("")\nresp.headers["HX-Redirect"] = request.args["next"]\nreturn resp'),
        "taint-open-redirect",
    ),
    # headers (113)
    "header": (
        view('resp = make_response("ok")\nresp.headers["X-Trace"] = request.args["trace"]\nreturn resp'),
        "taint-header-injection",
    ),
    "header-clean-key": (
        view(
            'data = {"trace": request.args["trace"], "kind": "static"}\nresp = make_response("ok")\n'
            'resp.headers["X-Kind"] = data["kind"]\nreturn resp'
        ),
        None,
    ),
    # logs (117)
    "log": (
        view('user = request.form["user"]\nlog.info("login failed for " + user)\nreturn "no", 401'),
        "taint-log-injection",
    ),
    "log-percent-arg": (
        view('user = request.form["user"]\nlog.warning("login failed for %s", user)\nreturn "no", 401'),
        "taint-log-injection",
    ),
    "log-structured-extra": (
        view(
            'user = request.form["user"]\nlog.warning("login failed", extra={"user": user})\nreturn "no", 401'
        ),
        None,
    ),
    "log-stripped": (
        view(
            'user = request.form["user"].replace("\\n", "")\nlog.info("login failed for " + user)\n'
            'return "no", 401'
        ),
        None,
    ),
    # SSRF (918)
    "ssrf": (view('url = request.args["url"]\nreturn requests.get(url, timeout=5).text'), "taint-ssrf"),
    "ssrf-fixed-host": (
        view(
            'uid = request.args["id"]\n'
            'return requests.get(f"https://api.example.com/users/{uid}", timeout=5).text'
        ),
        None,
    ),
    # regex (730)
    "regex": (
        view('pattern = request.args["q"]\nreturn str(re.findall(pattern, "haystack"))'),
        "taint-regex-injection",
    ),
    "regex-escaped": (
        view('pattern = re.escape(request.args["q"])\nreturn str(re.findall(pattern, "haystack"))'),
        None,
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_sink_family(name: str) -> None:
    code, expected = CASES[name]
    findings = taint(code)
    rules = sorted({f.rule_id for f in findings if f.rule_id != "taint-xss" or expected == "taint-xss"})
    if expected is None:
        assert [f.message for f in findings] == []
    else:
        assert expected in rules, [f.message for f in findings]


def test_every_sink_family_has_a_vulnerable_and_a_safe_case() -> None:
    from prguard.analyzers.taint.rules import KINDS

    vulnerable = {rule for _, rule in CASES.values() if rule}
    assert {kind.rule_id for kind in KINDS.values()} <= vulnerable
    assert sum(1 for _, rule in CASES.values() if rule is None) >= len(KINDS)


def test_a_sink_named_through_a_star_import_is_a_sink() -> None:
    code = "from os import *\n\n\ndef run(cmd):\n    system(cmd)\n"
    assert rules_of(taint({"lib/tasks.py": code})) == ["taint-command-injection"]
    shadowed = "from os import *\n\n\ndef system(cmd):\n    return cmd\n\n\ndef run(cmd):\n    system(cmd)\n"
    assert taint({"lib/tasks.py": shadowed}) == []


HEADER_FROM_QUERY = """
from urllib.parse import parse_qs, urlparse
{imports}

class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        name = parse_qs(urlparse(self.path).query)["name"][0]
        self.send_response(200)
        self.send_header("X-Name", name)
        self.end_headers()
"""


def test_a_header_splits_the_response_only_where_the_server_lets_it() -> None:
    """`http.server` writes a header line as given (CR LF starts another); Django, Werkzeug,
    Tornado, the ASGI servers and aiohttp refuse CR and LF in a header's value: there the finding
    is low, the value deciding only the header's content."""
    plain = taint(HEADER_FROM_QUERY.format(imports="from http.server import BaseHTTPRequestHandler"))
    assert [(f.rule_id, f.severity) for f in plain] == [("taint-header-injection", "medium")]
    flask = 'from flask import Flask, make_response, request\napp = Flask(__name__)\n\n@app.route("/x")\n'
    flask += 'def x():\n    resp = make_response("ok")\n'
    flask += '    resp.headers["X-Name"] = request.args["n"]\n    return resp\n'
    found = taint(flask)
    assert [(f.rule_id, f.severity) for f in found] == [("taint-header-injection", "low")]
    assert "refuses CR and LF" in found[0].message


UPLOAD_SERVER = """
import cgi
import os
from http.server import BaseHTTPRequestHandler


class Upload(BaseHTTPRequestHandler):
    def do_POST(self):
        form = cgi.FieldStorage(fp=self.rfile, headers=self.headers, environ={{"REQUEST_METHOD": "POST"}})
        field = form["file"]
        os.rename(field.file.name, os.path.join("/srv/up", {target}))
"""


def test_an_uploads_temporary_file_is_the_servers_its_name_the_clients() -> None:
    """uploadserver moves the temporary file cgi wrote (`field.file.name`) to the name it keeps of
    the client's (`field.filename`): only the client's name is a path traversal."""
    assert rules_of(taint(UPLOAD_SERVER.format(target="os.path.basename(field.filename)"))) == []
    assert rules_of(taint(UPLOAD_SERVER.format(target="field.filename"))) == ["taint-path-traversal"]


@pytest.mark.parametrize(
    ("target", "severity"),
    [
        ('request.referrer or url_for("index")', "low"),
        ('request.headers.get("Referer", "/")', "low"),
        # a part of the Referer, or other data beside it, is the attacker's choice
        ('request.headers.get("Referer", "/").split("?next=")[1]', "medium"),
        ('request.referrer or request.args["next"]', "medium"),
        # a query or form field called `referrer` is the link's, not the browser's header
        ('request.args.get("referrer", "/")', "medium"),
        ('request.form["referer"]', "medium"),
    ],
)
def test_a_redirect_back_to_the_referer_is_low(target: str, severity: str) -> None:
    """The Referer is the page the user came from: an attacker's page that links here gets its own
    visitors sent back to it (fastapi-admin's, Flask apps' "go back" redirects)."""
    code = 'from flask import Flask, redirect, request, url_for\napp = Flask(__name__)\n\n@app.route("/x")\n'
    code += f"def x():\n    return redirect({target})\n"
    assert [(f.rule_id, f.severity) for f in taint(code)] == [("taint-open-redirect", severity)]


@pytest.mark.parametrize(
    ("value", "severity"),
    [
        ("request.referrer", "low"),
        ('request.args["next"]', "medium"),
        ('request.args.get("referrer")', "medium"),
    ],
)
def test_a_name_holding_the_referer_is_the_referer(value: str, severity: str) -> None:
    """`next_url = request.referrer; if next_url: return redirect(next_url)` (flaskbb's polls):
    the name is judged by what it holds, as the expression itself would be."""
    code = "from flask import Flask, redirect, request, url_for\napp = Flask(__name__)\n\n"
    code += f'@app.route("/x")\ndef x():\n    next_url = {value}\n    if next_url:\n'
    code += '        return redirect(next_url)\n    return redirect(url_for("index"))\n'
    assert [(f.rule_id, f.severity) for f in taint(code)] == [("taint-open-redirect", severity)]


def test_a_location_header_on_this_site_is_no_redirect_finding() -> None:
    code = view(
        'resp = make_response("", 302)\nresp.headers["Location"] = "/done?x=" + request.args["x"]\n'
        "return resp"
    )
    assert [f.rule_id for f in taint(code)] == ["taint-header-injection"]  # low: Flask refuses CR/LF


def test_a_public_functions_argument_may_be_an_option_of_the_program_it_runs() -> None:
    """A library's caller passes the URL (poetry's dependency sources, CVE-2022-36069): a value
    that starts with `-` is an option of git. A private helper's argument is the module's own."""
    library = (
        "import subprocess\n\n\ndef clone(url, dest):\n    subprocess.run(['git', 'clone', url, dest])\n"
    )
    assert rules_of(taint({"vcs/git.py": library})) == ["taint-argument-injection"]
    fixed = library.replace("'clone', url", "'clone', '--', url")
    assert taint({"vcs/git.py": fixed}) == []
    private = library.replace("def clone(", "def _clone(")
    assert taint({"vcs/git.py": private}) == []
    # a file name handed to a program whose options only read or write files: the caller's business
    convert = "import subprocess\n\n\ndef thumb(name):\n    subprocess.call(['convert', name, 'out.png'])\n"
    assert taint({"img/thumbs.py": convert}) == []


def test_a_whole_argument_list_from_a_librarys_caller_is_the_callers_choice() -> None:
    """jotter's `run_git(args)` runs `["git", *args]`: its caller chooses every argument, options
    included, so the caller's list is no finding there. A value from a request, passed on through
    such a helper by code in the change, still is; so is one parameter placed among the arguments."""
    helper = "import subprocess\n\n\ndef run_git(args, cwd=None):\n"
    helper += "    return subprocess.run(['git', *args], cwd=cwd)\n"
    assert taint({"sync/git.py": helper}) == []
    view_code = (
        "from flask import Flask, request\nfrom sync.git import run_git\n\napp = Flask(__name__)\n\n\n"
        "@app.route('/co')\ndef co():\n    run_git(['checkout', request.args['b']])\n    return 'ok'\n"
    )
    assert "taint-argument-injection" in rules_of(taint({"sync/git.py": helper, "sync/views.py": view_code}))
    placed = helper.replace("def run_git(args, cwd=None)", "def run_git(args, branch)").replace(
        "['git', *args]", "['git', 'checkout', branch, *args]"
    )
    assert rules_of(taint({"sync/git.py": placed})) == ["taint-argument-injection"]
    # poetry (CVE-2022-36069): a public `clone(url)` puts its caller's URL among the arguments
    clone = helper + "\n\ndef clone(url, dest):\n    return run_git(['clone', url, dest])\n"
    assert rules_of(taint({"sync/git.py": clone})) == ["taint-argument-injection"]
    # jotter's own calls: a caller's value written after an option's constant start is no option
    history = helper + "\n\ndef history(limit):\n    return run_git(['log', f'-n{limit}', '--oneline'])\n"
    assert taint({"sync/git.py": history}) == []
    # a single value after the spliced list is still the caller's at git, the list itself is not
    for body in (
        "    cmd = ['git', 'push']\n    cmd.extend(opts)\n    cmd.append(branch)\n    subprocess.run(cmd)\n",
        "    subprocess.run(['git', 'push', *opts, branch])\n",
    ):
        found = taint({"vcs/git.py": f"import subprocess\n\n\ndef push(branch, opts):\n{body}"})
        assert [(f.rule_id, "`branch`" in f.message) for f in found] == [("taint-argument-injection", True)]


def test_a_command_line_argument_passed_on_as_an_option_is_the_users_own() -> None:
    code = "import subprocess, sys\n\nsubprocess.run(['git', 'clone', sys.argv[1]])\n"
    assert taint({"tools/mirror.py": code}) == []


CLASS_MEDIA_TYPE = """
from django.http import HttpResponse
from django.views import View


class Verify(View):
    content_type = "text/plain"

    def get(self, request):
        return HttpResponse(request.GET.get("hub.challenge"), content_type=self.content_type)
"""


@pytest.mark.parametrize(
    ("code", "found"),
    [
        (CLASS_MEDIA_TYPE, False),  # pico-podcast's WebSub verification echo
        (CLASS_MEDIA_TYPE.replace("text/plain", "text/html"), True),
        # a method that sets it makes it unknown: the class body's value may not be the one sent
        (
            CLASS_MEDIA_TYPE.replace(
                "    def get(",
                "    def setup(self, request):\n        self.content_type = request.GET['t']\n\n    def get(",
            ),
            True,
        ),
    ],
)
def test_a_media_type_the_view_class_states_is_read_from_its_body(code: str, found: bool) -> None:
    assert reports("taint-xss", code) is found


JSONP = """
import json
from flask import Flask, Response, request

app = Flask(__name__)


@app.route("/stats")
def stats():
    headers = {"Content-Type": "application/json"}
    data = json.dumps({"ok": True})
    callback = request.args.get("callback")
    if callback:
        headers["Content-Type"] = "application/javascript"
        data = "%s(%s)" % (callback, data)
    return Response(data, headers=headers)
"""


@pytest.mark.parametrize(
    ("code", "found"),
    [
        (JSONP, False),  # Sixpack's JSONP answer: script, never a page
        (JSONP.replace('"application/javascript"', '"text/html"'), True),
        (JSONP.replace('"application/javascript"', 'request.args["type"]'), True),
        (JSONP.replace("    return Response(", "    headers.update(extra)\n    return Response("), True),
        (JSONP.replace('headers = {"Content-Type": "application/json"}', "headers = {}"), True),
        (
            JSONP.replace("headers=headers)", 'headers={"Content-Type": "text/plain"})'),
            False,
        ),
    ],
)
def test_a_header_dict_that_only_ever_names_a_non_html_type_makes_no_page(code: str, found: bool) -> None:
    assert reports("taint-xss", code) is found


MODEL_LOADER = """
import pickle

import joblib


class Model:
    def __init__(self, path, blob=None):
        self.path = path
        self.blob = blob

    def load(self):
        LOAD
"""


@pytest.mark.parametrize(
    ("load", "found"),
    [
        # the caller names the file it wants loaded: loading it is the API (modelgate, round 271)
        ('with open(self.path, "rb") as f:\n            return pickle.load(f)', False),
        ("return joblib.load(self.path)", False),
        # bytes the caller hands over may come from anywhere: unpickling them is the library's flaw
        ("return pickle.loads(self.blob)", True),
    ],
)
def test_a_loader_given_the_callers_file_name_loads_the_callers_own_file(load: str, found: bool) -> None:
    assert reports("taint-unsafe-deserialization", MODEL_LOADER.replace("LOAD", load)) is found


def test_a_loader_given_a_requested_file_name_is_still_reported() -> None:
    code = (
        FLASK
        + "import joblib\n\n\n@app.route('/m')\ndef m():\n    return str(joblib.load(request.args['m']))\n"
    )
    assert reports("taint-unsafe-deserialization", code)


HUB_LOADER = """
from flask import Flask, request
from transformers import AutoModelForCausalLM

app = Flask(__name__)


@app.post("/models/load")
def load():
    model = AutoModelForCausalLM.from_pretrained(NAME, TRUST)
    return {"loaded": model.name_or_path}
"""


@pytest.mark.parametrize(
    ("name", "trust", "found"),
    [
        # tpu-inference-server (round 271): the request picks the repository whose code runs
        ('request.json["model_id"]', "trust_remote_code=True", True),
        ('request.json["model_id"]', "trust_remote_code=settings_flag", True),
        ('request.json["model_id"]', "trust_remote_code=False", False),
        ('request.json["model_id"]', "revision='main'", False),  # weights only: no code runs
        ('"org/model"', "trust_remote_code=True", False),
    ],
)
def test_a_hub_loader_trusting_remote_code_runs_the_code_of_the_model_it_is_named(
    name: str, trust: str, found: bool
) -> None:
    code = HUB_LOADER.replace("NAME", name).replace("TRUST", trust)
    assert reports("taint-code-injection", code) is found


API_CLIENT = """
import os

import requests
from flask import Flask, request

app = Flask(__name__)


class Api:
    def __init__(self):
        self.base = os.environ["API_URL"]

    def get(self, path):
        return requests.get(self.base + PATH, timeout=5)


api = Api()


@app.route("/users")
def users():
    return api.get(ARGUMENT).json()
"""


@pytest.mark.parametrize(
    ("path", "argument", "found"),
    [
        # jupyterpost (round 267): the caller's own text ends the host before the client's data
        ("path", "f\"/users/{request.args['u']}\"", False),
        ("path", '"users/" + request.args["u"]', False),
        ("path", 'request.args["u"]', True),  # `@evil.example/` right after the base moves it
        ("path", "f\"@{request.args['u']}\"", True),
        # the helper cut the caller's start off first: what is left may name the host
        ('path.split("/")[-1]', "f\"/users/{request.args['u']}\"", True),
        ("path[7:]", "f\"/users/{request.args['u']}\"", True),
    ],
)
def test_a_helper_appending_its_parameter_to_a_base_url_leaves_the_host_to_its_callers_start(
    path: str, argument: str, found: bool
) -> None:
    code = API_CLIENT.replace("PATH", path).replace("ARGUMENT", argument)
    assert reports("taint-ssrf", code) is found


def test_a_parameter_passed_on_whole_leaves_the_host_to_the_next_caller() -> None:
    code = API_CLIENT.replace("PATH", "path").replace("ARGUMENT", "f\"/users/{request.args['u']}\"")
    code = code.replace("return api.get(", "return fetch(").replace(
        "@app.route", "def fetch(path):\n    return api.get(path)\n\n\n@app.route"
    )
    assert not reports("taint-ssrf", code)
    assert reports("taint-ssrf", code.replace("f\"/users/{request.args['u']}\"", 'request.args["u"]'))


LIBRARY_XML = """
from lxml import etree


class FeedEntry:
    def render(self, content):
        return etree.fromstring("<div>" + content + "</div>"PARSER)
"""


@pytest.mark.parametrize(
    ("parser", "found"),
    [
        ("", True),  # lxml's default parser expands the entities the caller's document declares
        (", parser=etree.XMLParser(resolve_entities=False, no_network=True)", False),
    ],
)
def test_a_library_parsing_its_caller_s_xml_expands_what_the_caller_declared(
    parser: str, found: bool
) -> None:
    """A public method parsing XML it is handed, with a parser that resolves entities, is the
    library's flaw (feedgen, pysaml2, pywps): the caller passes documents from anywhere."""
    assert (rules_of(taint(LIBRARY_XML.replace("PARSER", parser))) == ["taint-xxe"]) is found


@pytest.mark.parametrize("module", ["starlite.response", "litestar.response"])
def test_a_litestar_file_response_serves_the_path_it_is_given(module: str) -> None:
    """Litestar's (and Starlite's) FileResponse opens the file at `path`, as Starlette's does."""
    code = (
        f"from os.path import join\nfrom {module} import FileResponse\n\n\nclass StaticFiles:\n"
        "    async def __call__(self, scope, receive, send):\n"
        '        path = join("static", *scope["path"].split("/"))\n'
        "        await FileResponse(path=path)(scope, receive, send)\n"
    )
    assert rules_of(taint(code)) == ["taint-path-traversal"]


SAXON = """
from saxonche import PySaxonProcessor


def validate(document_content: bytes) -> str:
    with PySaxonProcessor(license=False) as proc:
        SETUP
        document = proc.parse_xml(xml_text=document_content.decode())
        return str(document)
"""
_NO_PROTOCOLS = 'proc.set_configuration_property("http://saxon.sf.net/feature/allowedProtocols", "")'


@pytest.mark.parametrize(
    ("setup", "found"),
    [
        ("pass", True),  # peppol_py before CVE-2025-66371: SaxonC fetches entities by URL
        (_NO_PROTOCOLS, False),  # its fix: no protocol allowed
        (_NO_PROTOCOLS.replace('""', '"http,https"'), True),  # still fetches over the web
    ],
)
def test_saxon_parses_what_it_is_given_unless_it_may_fetch_nothing(setup: str, found: bool) -> None:
    """SaxonC's `parse_xml` resolves external entities and DTDs by URL; a processor whose
    `allowedProtocols` is set to nothing before the parse cannot."""
    assert (
        rules_of(taint({"peppol/validation.py": SAXON.replace("SETUP", setup)})) == ["taint-xxe"]
    ) is found


TORCH_LOAD = """
import torch
from flask import Flask, request

app = Flask(__name__)


@app.route("/load", methods=["POST"])
def load():
    model = LOAD
    return str(type(model))
"""


@pytest.mark.parametrize(
    ("load", "rule"),
    [
        ('torch.jit.load(request.form["path"])', "taint-path-traversal"),  # forge-ml-serve's reload
        ('torch.jit.load("/srv/models/model.pt")', None),
    ],
)
def test_model_loaders_read_what_the_client_names(load: str, rule: str | None) -> None:
    """`torch.jit.load` reads the TorchScript archive at the path it is given (`torch.load`'s
    unpickling is bandit's B614 and `PG-VULN023`, kept on constant paths too)."""
    found = rules_of(taint({"app/views.py": TORCH_LOAD.replace("LOAD", load)}))
    assert found == ([rule] if rule else [])


REQUEST_PARSER = """
import subprocess

from flask import Flask
from flask_restful import Api, Resource, inputs, reqparse

app = Flask(__name__)


class Convert(Resource):
    def __init__(self):
        self.parser = reqparse.RequestParser()
        self.parser.add_argument("fmt", ARGUMENT)

    def post(self):
        args = self.parser.parse_args()
        subprocess.run("pandoc -t " + READ, shell=True)
        return {}
"""


@pytest.mark.parametrize(
    ("argument", "read", "found"),
    [
        ("location='args'", "args.fmt", True),  # webpandoc's parser: the request's arguments
        ("location='args'", "args['fmt']", True),
        ("choices=('pdf', 'odt')", "args.fmt", False),  # the parser refuses anything else
        ("type=int", "str(args['fmt'])", False),
        ("type=inputs.int_range(1, 9)", "str(args.fmt)", False),
        ("type=str", "args.fmt", True),
    ],
)
def test_a_request_parser_answers_with_the_request(argument: str, read: str, found: bool) -> None:
    """Flask-RESTful's `parse_args()` answers with the client's arguments; one declared with
    `choices=` or a conversion to a number holds none of the client's text."""
    code = REQUEST_PARSER.replace("ARGUMENT", argument).replace("READ", read)
    assert reports("taint-command-injection", code, "app/api.py") is found


ARCHIVE_UPLOAD = """
import os, pickle, tarfile, zipfile
from PIL import Image
from flask import Flask, request
app = Flask(__name__)


@app.post("/import")
def import_archive():
    request.files["f"].save("/tmp/upload")
    archive = OPEN
    for name in NAMES:
        USE
    return "ok"
"""


@pytest.mark.parametrize(
    ("kind", "use", "found"),
    [
        ("zip", "Image.open(archive.open(name))", False),  # django-labeller: the member's bytes
        ("zip", "with archive.open(name) as member:\n            Image.open(member)", False),
        ("tar", "Image.open(archive.extractfile(name))", False),
        ("zip", "Image.open(os.path.join('/srv', name))", True),  # the member's name
        ("tar", "open(os.path.join('/srv', name), 'wb')", True),
    ],
)
def test_an_archive_members_file_object_is_no_path(kind: str, use: str, found: bool) -> None:
    """`zf.open(name)` and `tf.extractfile(name)` answer with the member's file object: the
    archive's bytes, not a path on the server; the member's name still is one."""
    opened, names = {
        "zip": ('zipfile.ZipFile("/tmp/upload")', "archive.namelist()"),
        "tar": ('tarfile.open("/tmp/upload")', "archive.getnames()"),
    }[kind]
    code = ARCHIVE_UPLOAD.replace("OPEN", opened).replace("NAMES", names).replace("USE", use)
    assert reports("taint-path-traversal", code, "app/imports.py") is found


PHOTO_LABELS = """
import flask
from pathlib import Path

app = flask.current_app
blueprint = flask.Blueprint("label", __name__)


class Photo:
    def __init__(self, path):
        self.path = Path(app.config["ROOT_DIRECTORY"]).joinpath(path).absolute()

    def label_path(self, source):
        return self.path.parent.joinpath(source)

    def add_labels(self, labels, source):
        with self.label_path(source).open("w") as file:
            file.write(labels)


@blueprint.route("/labels", methods=["POST"])
def create():
    photo = Photo("camera/0001.jpg")
    photo.add_labels(flask.request.get_data(as_text=True), source=SOURCE)
    return "ok"
"""


@pytest.mark.parametrize(
    ("source", "found"),
    [
        ('flask.request.args["source"]', True),  # btviewer: the label folder the client names
        ('"labels"', False),
    ],
)
def test_a_path_object_kept_on_self_is_one_in_every_method(source: str, found: bool) -> None:
    """`self.path` set to a `Path` in `__init__`, then `self.path.parent.joinpath(source).open()`
    in a method: its type says it is a path object, whatever its value was made of."""
    code = PHOTO_LABELS.replace("SOURCE", source)
    assert reports("taint-path-traversal", code) is found


def test_an_htmx_redirect_to_a_path_of_its_own_is_no_open_redirect() -> None:
    """`HX-Redirect` sends the page where a `Location` would: a value that starts with the
    site's own path goes nowhere else (the request's part still reaches a header)."""
    code = view(
        'resp = make_response("")\nresp.headers["HX-Redirect"] = "/tags/" + request.args["t"]\nreturn resp'
    )
    assert rules_of(taint(code)) == ["taint-header-injection"]


_RUN_VIEW = "import subprocess\nfrom flask import Flask, request\napp = Flask(__name__)\n\n\n"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("cmd = ['tool', '--x']\n    cmd += ['--title', x]", []),
        ("cmd = [x]\n    cmd += ['--v']", ["taint-command-injection"]),
        ("cmd = []\n    cmd += [x]", ["taint-command-injection"]),
        ("cmd = ['sh', '-c']\n    cmd += [x]", ["taint-command-injection"]),
        ("cmd = ['git', 'clone']\n    cmd += [x]", ["taint-argument-injection"]),
    ],
)
def test_a_list_extended_with_plus_equals_keeps_its_program(body: str, expected: list[str]) -> None:
    """mangabinder builds `cmd = [...]` and then `cmd += ["--title", title]`: the program to run
    stays the list's first item, as with `cmd = cmd + [...]`. A program that is the client's, a
    shell's script, or an option of git stay reported, each as what it is."""
    code = _RUN_VIEW + "@app.route('/run')\ndef run():\n    x = request.args['x']\n"
    code += f"    {body}\n    subprocess.Popen(cmd)\n    return 'ok'\n"
    assert rules_of(taint({"app/views.py": code})) == expected


def test_a_reflex_handler_reads_the_pages_url_and_rx_redirect_sends_the_browser() -> None:
    """reflex-magic-link-auth's handler follows `redir` from the page's query (round 130): a State's
    `self.router` holds the URL the browser asked for, and `rx.redirect` is a redirect."""
    code = (
        "import reflex as rx\n\n\nclass Auth(rx.State):\n    def check(self):\n"
        "        redir = self.router.url.query_parameters.get('redir')\n"
        "        return rx.redirect({target})\n"
    )
    assert rules_of(taint({"app/state.py": code.replace("{target}", "redir")})) == ["taint-open-redirect"]
    assert taint({"app/state.py": code.replace("{target}", "'/home'")}) == []
    assert taint({"app/state.py": code.replace("{target}", "'/profile/' + redir")}) == []


@pytest.mark.parametrize(
    ("argument", "expected"),
    [
        ("['tool', '--title', title]", []),
        ("[title, '--x']", ["taint-command-injection"]),
        ("title", ["taint-command-injection"]),
        ("['sh', '-c', title]", ["taint-command-injection"]),
    ],
)
def test_a_helper_running_its_argument_runs_only_the_lists_program(
    argument: str, expected: list[str]
) -> None:
    """mangabinder hands `cmd = [cli, ..., "--title", title]` to a job thread whose helper runs
    `Popen(cmd)`: through the helper as at the call, only the program (or a shell's script) is
    code; the request's title is one of the program's arguments."""
    code = _RUN_VIEW + "def run_command(cmd):\n    return subprocess.Popen(cmd)\n\n\n"
    code += "@app.route('/run', methods=['POST'])\ndef run():\n    title = request.form['title']\n"
    code += f"    run_command({argument})\n    return 'ok'\n"
    assert rules_of(taint({"app/jobs.py": code})) == expected


SQLALCHEMY_STATEMENT = """
from flask import Flask, request
from sqlalchemy import literal_column, select, text
from app.models import Doc, db

app = Flask(__name__)


@app.route("/docs")
def docs():
    revision = request.args["revision"]
    fields = {{"id": 1, "revision": revision}}
    return str(db.session.execute({statement}).all())
"""


@pytest.mark.parametrize(
    ("statement", "found"),
    [
        # values go in as bound parameters, names as mapped columns
        ("select(Doc).filter_by(**fields).order_by(Doc.revision.desc())", False),
        ("select(Doc).where(Doc.revision == revision)", False),
        ("select(Doc).where(Doc.title.like(revision)).limit(5)", False),
        ("select(Doc).where((Doc.id > 1) & (Doc.revision == revision))", False),
        # SQL text: a string, `text()`, `literal_column()`, or text run as it is
        ('select(Doc).where(text(f"revision = {revision}"))', True),
        ('select(Doc).where("revision = " + revision)', True),
        ("select(Doc).order_by(literal_column(revision))", True),
        ('text(f"SELECT * FROM doc WHERE revision = {revision}")', True),
    ],
)
def test_a_sqlalchemy_statement_binds_what_its_methods_are_given(statement: str, found: bool) -> None:
    """fediflax's document page: `select(WebDocument).filter_by(**document_filter)` with the
    query's `revision` in the filter is no SQL text, so no injection."""
    code = SQLALCHEMY_STATEMENT.format(statement=statement)
    assert ("taint-sql-injection" in rules_of(taint(code))) is found


HELD_DATABASE = """
from flask import request
from markupsafe import Markup
from sqlalchemy import select
from app.models import Doc


class DocumentPage:
    def __init__(self, database):
        self.db = database

    def show(self):
        found = self.db.session.execute(select(Doc).filter_by(revision=request.args["r"])).scalar()
        return Markup({shown})
"""


@pytest.mark.parametrize(
    ("shown", "found"),
    [
        ("found.content", False),  # the database's row, chosen by the client's value
        ('request.args["r"]', True),
    ],
)
def test_a_database_a_library_caller_hands_in_answers_with_its_rows(shown: str, found: bool) -> None:
    """`self.db` set from the constructor's parameter is a caller's object, not the request:
    what its `execute` returns is the database's, as `db.session.execute` of a module's is."""
    assert ("taint-xss" in rules_of(taint(HELD_DATABASE.format(shown=shown)))) is found


@pytest.mark.parametrize(
    ("cleaned", "found"),
    [
        ('Sanitizer({"tags": ("a", "p")}).sanitize(request.args["bio"])', False),
        ('Cleaner(tags={"a", "p"}).clean(request.args["bio"])', False),
        ('nh3.clean(request.args["bio"])', False),
        ('request.args["bio"].strip()', True),
        ('request.args["bio"]', True),
    ],
)
def test_allow_list_html_sanitizers_clean_for_html(cleaned: str, found: bool) -> None:
    code = f"""
import nh3
from bleach.sanitizer import Cleaner
from flask import Flask, request
from html_sanitizer import Sanitizer
from markupsafe import Markup

app = Flask(__name__)


@app.route("/bio")
def bio():
    return str(Markup({cleaned}))
"""
    assert ("taint-xss" in rules_of(taint(code))) is found


@pytest.mark.parametrize(
    ("module", "found"),
    [
        ('importlib.import_module(f"app.reports.report_{report_id}")', False),
        ('__import__("plugins." + report_id)', False),
        ("importlib.import_module(report_id)", True),
        ('importlib.import_module("report_" + report_id)', True),  # the top-level name is the client's
        ('importlib.import_module("." + report_id, package="app")', True),
    ],
)
def test_a_module_name_under_a_fixed_package_stays_in_it(module: str, found: bool) -> None:
    """chellow's `/reports/<report_id>` imports `chellow.reports.report_<id>`: a dotted constant
    start fixes the top-level package, so the client picks one of the app's own modules."""
    code = f"""
import importlib
from flask import Flask

app = Flask(__name__)


@app.route("/reports/<report_id>")
def report(report_id):
    return str({module})
"""
    assert ("taint-code-injection" in rules_of(taint(code))) is found


@pytest.mark.parametrize(("part", "found"), [("name", False), ("head", True)])
def test_the_tail_of_os_path_split_is_a_name_in_a_folder(part: str, found: bool) -> None:
    code = f"""
import os
from flask import Flask, request

app = Flask(__name__)


@app.route("/downloads", methods=["DELETE"])
def delete():
    head, name = os.path.split(os.path.normpath(request.args["f"]))
    os.remove(os.path.join("/srv/downloads", {part}))
    return "gone"
"""
    assert ("taint-path-traversal" in rules_of(taint(code))) is found


@pytest.mark.parametrize(
    ("target", "found"),
    [
        ('form.cleaned_data.get("instance").successPage.get_absolute_url()', False),
        ('form.cleaned_data.get("next")', True),
    ],
)
def test_a_models_absolute_url_is_on_this_site(target: str, found: bool) -> None:
    """django-danceschool's payment view redirects to the chosen event's success page:
    `get_absolute_url()` is the model's URL on this site, whichever row the form picked."""
    code = f"""
from django.http import HttpResponseRedirect
from django.views.generic import FormView


class PayAtDoor(FormView):
    def form_valid(self, form):
        return HttpResponseRedirect({target})
"""
    assert ("taint-open-redirect" in rules_of(taint(code))) is found


@pytest.mark.parametrize(
    ("built", "found"),
    [
        ('["say", "-o", "/tmp/out.aiff", text]', True),
        ('["say", "-o", "/tmp/out.aiff", "-v", voice, text]', True),
        ('["say", "-o", "/tmp/out.aiff", "--", text]', False),
        ('["echo", text]', False),  # a program whose options write or run nothing
        ('["git", "fetch", text]', True),  # `--upload-pack=...` runs a command
        ('["git", "remote", "add", "origin", text]', False),  # `git remote`'s options do not
    ],
)
def test_a_list_handed_to_a_helper_that_runs_it_is_judged_for_options(built: str, found: bool) -> None:
    """macos-say-server's handler builds `say`'s argument list and hands it to `_run_command`,
    which runs it without a shell: the client's text may be `--input-file=/etc/passwd` (round 142,
    missed by both tools on its first run)."""
    code = f"""
import subprocess
from fastapi import FastAPI, Query

app = FastAPI()


def _run_command(command):
    return subprocess.run(command, capture_output=True, check=True)


@app.get("/speak")
def speak(text: str = Query(...), voice: str = "Alex"):
    _run_command({built})
    return "ok"
"""
    assert ("taint-argument-injection" in rules_of(taint(code))) is found


_HTML_RENDERERS = "from weasyprint import HTML\nimport pdfkit\nfrom xhtml2pdf import pisa\n"


@pytest.mark.parametrize(
    ("render", "found"),
    [
        ("HTML(string=request.get_data(as_text=True)).write_pdf()", True),  # its <img src> is fetched
        ("HTML(request.args['page']).write_pdf()", True),  # a URL or file the client names
        ("HTML(url=request.args['page']).write_pdf()", True),
        ("pdfkit.from_string(request.form['html'], False)", True),
        ("pdfkit.from_url(request.args['page'], False)", True),
        ("pisa.CreatePDF(request.form['html'], dest=out)", True),
        # escaped, the client's text adds no tag whose resource would be fetched
        ("HTML(string='<p>' + html.escape(request.form['name']) + '</p>').write_pdf()", False),
        # a fetcher of the application's decides what may be loaded
        ("HTML(string=request.get_data(as_text=True), url_fetcher=fetch).write_pdf()", False),
        ("pisa.CreatePDF(request.form['html'], dest=out, link_callback=local)", False),
        ("HTML(string='<h1>Report</h1>').write_pdf()", False),
    ],
)
def test_html_rendered_to_pdf_fetches_what_it_links(render: str, found: bool) -> None:
    code = _HTML_RENDERERS + view(f"out = None\nreturn {render}")
    assert reports("taint-ssrf", code) is found


@pytest.mark.parametrize(
    ("call", "found"),
    [
        ("page.goto(request.args['url'])", True),
        ("page.goto('https://example.com/' + request.args['slug'])", False),  # the host is fixed
    ],
)
def test_a_headless_browser_page_opens_what_it_is_given(call: str, found: bool) -> None:
    code = (
        "from flask import Flask, request\nfrom playwright.sync_api import sync_playwright\n"
        "app = Flask(__name__)\n\n@app.route('/shot')\ndef shot():\n"
        "    with sync_playwright() as p:\n        page = p.chromium.launch().new_page()\n"
        f"        {call}\n        return page.screenshot()\n"
    )
    assert reports("taint-ssrf", code) is found


@pytest.mark.parametrize(
    ("command", "found"),
    [
        ("'openssl x509 -noout -in ' + f.name", False),  # where the data went, not the data
        ("'openssl x509 -noout -in ' + request.form['cert']", True),
    ],
)
def test_a_file_written_with_user_data_keeps_its_own_name(command: str, found: bool) -> None:
    code = "import tempfile\n" + view(
        "with tempfile.NamedTemporaryFile(delete=False) as f:\n"
        "    f.write(request.form['cert'].encode())\n"
        f"return subprocess.check_output({command}, shell=True)"
    )
    assert reports("taint-command-injection", code) is found


@pytest.mark.parametrize(
    ("setup", "found"),
    [
        ("pool = ThreadPoolExecutor(max_workers=4)", True),
        ("pool = ProcessPoolExecutor()", True),
        ("pool = Jobs()", False),  # another object's `submit`: not a runner prguard knows
    ],
)
def test_an_executor_runs_what_it_is_submitted(setup: str, found: bool) -> None:
    code = "from concurrent.futures import ThreadPoolExecutor, ProcessPoolExecutor\nfrom jobs import Jobs\n"
    code += view(f"{setup}\nreturn pool.submit(requests.get, request.args['url']).result().text")
    assert reports("taint-ssrf", code) is found


@pytest.mark.parametrize(
    ("pattern", "item", "found"),
    [
        (r"[0-9a-f]{4,40}", "f'{sha}:{path}'", False),  # starts with a hex digit: no option
        (r"[0-9a-f]+", "sha + ':' + path", False),
        (r"[0-9a-f]*", "f'{sha}:{path}'", True),  # may be empty: the path comes first
        (r"[0-9a-f-]{4,40}", "f'{sha}:{path}'", True),  # may start with `-`
        (r"[0-9a-f]{4,40}", "f'{path}:{sha}'", True),  # the client's path first
    ],
)
def test_text_after_a_start_proven_no_option_is_no_option(pattern: str, item: str, found: bool) -> None:
    code = view(
        "sha = request.args['sha']\npath = request.args['path']\n"
        f"if not re.fullmatch(r'{pattern}', sha):\n    return 'bad', 400\n"
        f"return subprocess.check_output(['git', 'show', {item}])"
    )
    assert reports("taint-argument-injection", code) is found


@pytest.mark.parametrize(
    ("subcommand", "found"),
    [
        ("describe", False),  # formats, patterns and flags only
        ("rev-parse", False),
        ("for-each-ref", False),
        ("log", True),  # `--output=<file>` writes a file
        ("show", True),
        ("clone", True),  # `--upload-pack=...` runs a command
        ("config", True),  # `--file=<file>` writes one
    ],
)
def test_git_subcommands_whose_options_touch_nothing(subcommand: str, found: bool) -> None:
    code = view(f"return subprocess.check_output(['git', '{subcommand}', request.args['ref']])")
    assert reports("taint-argument-injection", code) is found


@pytest.mark.parametrize(
    ("target", "found"),
    [
        ("tempfile.mkdtemp(prefix=f'clone-{tag}-')", False),  # under the temporary folder: absolute
        ("tempfile.mkdtemp(dir=request.args['dir'])", False),
        ("f'clone-{tag}'", True),  # the client's text first
    ],
)
def test_a_temporary_directory_is_an_absolute_path_and_no_option(target: str, found: bool) -> None:
    """netbox-console clones into `Path(tempfile.mkdtemp(prefix=f"netbox-{tag}-"))`: the tag sits
    inside a name under the temporary folder, which starts with `/`."""
    code = "import tempfile\nfrom pathlib import Path\n" + view(
        "tag = request.args['tag']\n"
        f"target = Path({target})\n"
        "return subprocess.check_output(['git', 'clone', 'https://example.org/r.git', str(target)])"
    )
    assert reports("taint-argument-injection", code) is found


@pytest.mark.parametrize(
    ("value", "found"),
    [
        ('request.args["name"]', True),
        ('html.escape(request.args["name"])', False),
        ('"guest"', False),
    ],
)
def test_a_page_read_from_a_file_and_filled_in_by_replace_is_html(value: str, found: bool) -> None:
    """dnspod-web fills its page templates with `page.replace("{{record_id}}", value)`: the page
    comes from a helper prguard cannot see, but text replaced by text is a string's `replace`."""
    code = view(f'page = load_page("record.html")\nreturn page.replace("{{{{name}}}}", {value})')
    code = "import html\nfrom pages import load_page\n" + code
    assert (rules_of(taint(code)) == ["taint-xss"]) is found


DJANGO_PARSE = """from django.http import HttpResponseBadRequest, JsonResponse
import datetime, logging
log = logging.getLogger(__name__)


def add(request):
    try:
        {body}
    except {caught} as e:
        {answer}
    return JsonResponse({{}})
"""


@pytest.mark.parametrize(
    ("body", "caught", "answer", "rules"),
    [
        # int() and float() quote the text in their ValueError, strptime too, a mapping its key
        ('n = int(request.POST["n"])', "ValueError", "return HttpResponseBadRequest(str(e))", ["taint-xss"]),
        (
            'n = float(request.GET.get("n"))',
            "Exception",
            'return HttpResponseBadRequest(f"bad: {e}")',
            ["taint-xss"],
        ),
        (
            'd = datetime.datetime.strptime(request.GET["d"], "%Y")',
            "(TypeError, ValueError)",
            "return HttpResponseBadRequest(str(e))",
            ["taint-xss"],
        ),
        (
            'p = PRICES[request.GET["item"]]',
            "KeyError",
            "return HttpResponseBadRequest(str(e))",
            ["taint-xss"],
        ),
        # JSON is no page; a TypeError quotes nothing; a constant quotes nothing of the client's
        ('n = int(request.POST["n"])', "ValueError", 'return JsonResponse({"error": str(e)})', []),
        ('n = int(request.POST["n"])', "TypeError", "return HttpResponseBadRequest(str(e))", []),
        ('n = int("12")', "ValueError", "return HttpResponseBadRequest(str(e))", []),
        ('p = PRICES["tea"]', "KeyError", "return HttpResponseBadRequest(str(e))", []),
        # the repr escapes line breaks: no forged log line
        ('n = int(request.POST["n"])', "ValueError", 'log.warning("bad number: %s", e)', []),
    ],
)
def test_a_caught_exception_quotes_the_text_that_raised_it(
    body: str, caught: str, answer: str, rules: list[str]
) -> None:
    """`except ValueError as e: return HttpResponseBadRequest(str(e))` after `int(request.POST["n"])`
    sends the client's text back in an HTML page (django-mp-invoices, notifierr's KeyError)."""
    code = "PRICES = {'tea': 1}\n" + DJANGO_PARSE.format(body=body, caught=caught, answer=answer)
    assert rules_of(taint(code)) == rules


@pytest.mark.parametrize(
    ("call", "found"),
    [
        ('holder.image.save(request.form["name"], ContentFile(data))', False),
        ('holder.image.save(request.form["name"], File(open("/tmp/x", "rb")))', False),
        ('holder.image.save(request.form["name"])', True),
    ],
)
def test_a_save_handed_a_django_file_is_a_model_fields_save(call: str, found: bool) -> None:
    """imagestore saves each image of an uploaded zip with `img.image.save(name, ContentFile(data))`:
    a Django file field's save, which refuses `..` parts and absolute names, not Pillow's or
    Werkzeug's save to a path."""
    code = "from django.core.files.base import ContentFile, File\nfrom PIL import Image\n"
    code += view(f"holder = pick()\ndata = b''\n{call}\nreturn 'ok'")
    assert ("taint-path-traversal" in rules_of(taint(code))) is found


@pytest.mark.parametrize(
    ("lookup", "found"),
    [
        ("photo.thumbs.get(size=size).get_url()", False),  # a row the database holds
        ("{'a': size}.get('a')", True),  # a mapping's get takes its key by position
    ],
)
def test_a_get_by_keywords_is_a_database_lookup(lookup: str, found: bool) -> None:
    """spud's `photo.photo_thumb_set.get(size=size)` answers a stored thumbnail, whose URL the
    server made: the size the client asked for does not choose where it redirects."""
    code = (
        "from django.http import HttpResponseRedirect\nfrom django.shortcuts import get_object_or_404\n"
        "from .models import Photo\n\n\ndef thumb(request, pk, size):\n"
        "    photo = get_object_or_404(Photo, pk=pk)\n"
        f"    return HttpResponseRedirect({lookup})\n"
    )
    assert ("taint-open-redirect" in rules_of(taint(code))) is found


@pytest.mark.parametrize(
    ("made", "found"),
    [
        ('httpx.AsyncClient(transport=httpx.ASGITransport(app=api), base_url="http://api")', False),
        ("httpx.AsyncClient(transport=httpx.WSGITransport(app=wsgi))", False),
        ("httpx.AsyncClient()", True),
        ("httpx.AsyncClient(transport=httpx.AsyncHTTPTransport(retries=2))", True),
    ],
)
def test_a_client_on_an_in_process_transport_reaches_no_host(made: str, found: bool) -> None:
    """dojozero's gateway forwards a dashboard path with `httpx.AsyncClient(transport=
    httpx.ASGITransport(app=app))`: the application in the same process answers, whatever the
    URL names."""
    code = (
        "import httpx\nfrom fastapi import FastAPI\napp = FastAPI()\napi = FastAPI()\nwsgi = None\n\n\n"
        '@app.get("/p/{path:path}")\nasync def proxy(path: str):\n'
        f"    async with {made} as client:\n"
        '        answer = await client.request(method="GET", url=path)\n    return answer.text\n'
    )
    assert ("taint-ssrf" in rules_of(taint(code))) is found


@pytest.mark.parametrize(
    ("sent", "found"),
    [
        ("handle.open()", False),
        ("handle.open(mode='rb')", False),
        ("handle", True),
        ("handle.path", True),
        ("pathlib.Path('/srv', file_id).open()", True),
    ],
)
def test_an_objects_open_with_no_name_hands_out_its_file_not_a_path(sent: str, found: bool) -> None:
    """rob-flask sends `fh.open()` of a handle looked up by the URL's id: the handle already names
    its file, so what reaches `send_file` is an open file, not a path the client chose."""
    code = (
        FLASK + "import pathlib\napp = Flask(__name__)\n\n\n"
        '@app.route("/files/<file_id>")\ndef download(file_id):\n'
        "    handle = api.uploaded_file(file_id=file_id)\n"
        f"    return send_file({sent}, as_attachment=True)\n"
    )
    assert ("taint-path-traversal" in rules_of(taint(code))) is found


@pytest.mark.parametrize(
    ("made", "found"),
    [
        ("etree.XMLParser(resolve_entities=False, no_network=True)", False),
        ("etree.XMLParser(resolve_entities=True)", True),
        ("etree.XMLParser()", True),
    ],
)
def test_a_parser_a_module_function_makes_at_import_is_that_functions_parser(made: str, found: bool) -> None:
    """soapbar keeps `_PARSER = _make_parser()` at module level: the call runs the module's own
    function, so the parser is the one it returns, hardened or not."""
    code = (
        "from flask import Flask, request\nfrom lxml import etree\napp = Flask(__name__)\n\n\n"
        f"def _make_parser():\n    return {made}\n\n\n_PARSER = _make_parser()\n\n\n"
        '@app.route("/rpc", methods=["POST"])\ndef rpc():\n'
        "    return etree.tostring(etree.fromstring(request.data, parser=_PARSER))\n"
    )
    assert ("taint-xxe" in rules_of(taint(code))) is found


@pytest.mark.parametrize(
    ("helper", "found"),
    [
        ("def pack(source: Path, into: Path):\n    return open(into / (source.name + '.zip'), 'wb')", False),
        ("def pack(source: Path, into: Path):\n    return open(into / str(source), 'wb')", True),
        ("def pack(source, into: Path):\n    return open(into / (source.name + '.zip'), 'wb')", True),
    ],
)
def test_a_parameter_annotated_as_a_path_is_a_path_object(helper: str, found: bool) -> None:
    """teilen packs `tmp_dir / id_ / (source.name + ".zip")` where `source: Path` is the folder the
    client chose: a path object's `.name` is one name, whatever folder it is in."""
    code = (
        "from pathlib import Path\nfrom flask import Flask, request\napp = Flask(__name__)\n\n\n"
        f"{helper}\n\n\n"
        '@app.route("/zip")\ndef zip_folder():\n'
        '    pack(Path("/srv/share") / request.args["folder"], Path("/tmp/zips"))\n    return "ok"\n'
    )
    assert ("taint-path-traversal" in rules_of(taint(code))) is found


HOOK = """
import asyncio
DECORATOR


async def export_database(datasette, request, send):
    db = datasette.get_database(request.url_vars["database"])
    command = f"python -c \\"import sqlite3; sqlite3.connect('{db.path}')\\""
    await asyncio.create_subprocess_shell(command)
"""


@pytest.mark.parametrize(
    ("decorator", "found"),
    [
        ("from datasette import hookimpl\n\n\n@hookimpl", False),
        ("import pytest\n\n\n@pytest.hookimpl(tryfirst=True)", False),
        ("def plain(f):\n    return f\n\n\n@plain", True),
    ],
)
def test_a_plugin_s_hook_gets_its_host_s_objects(decorator: str, found: bool) -> None:
    """A pluggy hook implementation is called by the host application (datasette-export-database):
    its `datasette` parameter is the server's object, not a library caller's argument."""
    code = HOOK.replace("DECORATOR", decorator)
    assert ("taint-command-injection" in rules_of(taint({"datasette_export/__init__.py": code}))) is found


MKDOCS_PLUGIN = """
from lxml import etree
from mkdocs.plugins import BasePlugin


class Diagrams(BasePlugin[dict]):
    def on_post_page(self, output, config, page, **kwargs):
        return etree.tostring(etree.parse(page.file.abs_src_path))

    def render(self, page):
        return etree.tostring(etree.parse(page.file.abs_src_path))
"""


def test_a_mkdocs_plugin_s_events_get_the_site_s_own_pages() -> None:
    """MkDocs calls a plugin's `on_<event>` methods with the site it builds (mkdocs-drawio, round
    228): no library caller's data; a plain public method still takes its caller's."""
    found = [f.start_line for f in taint({"diagrams/plugin.py": MKDOCS_PLUGIN}) if f.rule_id == "taint-xxe"]
    lines = MKDOCS_PLUGIN.lstrip("\n").splitlines()
    assert found == [lines.index("    def render(self, page):") + 2]


SSH_SNIPPET = """
import shlex
import subprocess

SSH_OPTS = ["-o", "BatchMode=yes", "-o", "ConnectTimeout=10"]


def write_snippet(node_ip, filename):
    safe_path = shlex.quote(f"/var/lib/vz/snippets/{filename}")
    subprocess.run(["ssh", *SSH_OPTS, f"root@{node_ip}", REMOTE], timeout=30)
"""


@pytest.mark.parametrize(
    ("remote", "found"),
    [
        ('f"cat > {safe_path}"', False),  # the remote command starts with the server's text
        ("filename", True),  # the caller's text where ssh reads its arguments
    ],
)
def test_a_constant_list_spliced_into_a_command_keeps_the_positions_after_it(
    remote: str, found: bool
) -> None:
    """django-inveterate: `["ssh", *_SSH_OPTS, f"root@{ip}", f"cat > {path}"]` splices a module
    constant; the items after it are still at known positions."""
    code = SSH_SNIPPET.replace("REMOTE", remote)
    assert ("taint-argument-injection" in rules_of(taint({"inveterate/tasks.py": code}))) is found


GETATTR_DISPATCH = """
import os
from flask import Flask, request

from app import handlers

app = Flask(__name__)


@app.route("/act", methods=["POST"])
def act():
    action = request.form["action"]
    return str(getattr(RECEIVER, NAME)())
"""


@pytest.mark.parametrize(
    ("receiver", "name", "found"),
    [
        ("handlers", "action", True),  # any attribute of the module
        ("handlers", '"perform_%s" % action', False),  # a handler of the dispatch convention
        ("handlers", 'f"do_{action}"', False),
        ("os", '"sys" + action', True),  # `system` starts with `sys`
    ],
)
def test_getattr_on_a_module_with_a_dispatch_prefix_picks_a_handler(
    receiver: str, name: str, found: bool
) -> None:
    """django-comments-tree: `getattr(views, 'perform_%s' % flag)` picks one of the module's
    functions named for dispatch; a prefix that does not end a word can still name `system`."""
    code = GETATTR_DISPATCH.replace("RECEIVER", receiver).replace("NAME", name)
    assert ("taint-code-injection" in rules_of(taint({"app/views.py": code}))) is found


_REDIRECT_SUBCLASS = """
from django.http import HttpRequest, HttpResponseRedirect, HttpResponse


class BaseRedirect(BASE):
    pass


class RedirectToReferrer(BaseRedirect):
    def __init__(self, request: HttpRequest, *args, **kwargs) -> None:
        redirect_to = request.META.get("HTTP_REFERER", "/")
        super().__init__(ARGS)
"""


@pytest.mark.parametrize(
    ("base", "args", "found"),
    [
        ("HttpResponseRedirect", "redirect_to, *args, **kwargs", {"taint-open-redirect"}),
        ("HttpResponseRedirect", '"/", *args, **kwargs', set()),  # the data goes nowhere
        ("HttpResponse", "redirect_to", {"taint-xss"}),  # its content
        ("object", "", set()),
    ],
)
def test_a_subclass_builds_its_base_with_super_init(base: str, args: str, found: set[str]) -> None:
    """django-online-issues' `HttpResponseRedirectToReferrer`: `super().__init__(url)` in a class
    that extends a sink class (through a class of its own, too) is a call of that sink; not of
    the classes that one extends in turn (a redirect's URL is not its page's content)."""
    code = _REDIRECT_SUBCLASS.replace("BASE", base).replace("ARGS", args)
    assert set(rules_of(taint(code))) == found


_CHOSEN_TYPE = """
from flask import Flask, Response, request, send_file
app = Flask(__name__)


@app.route("/paste/<int:pid>")
def paste(pid):
    data = open(f"/srv/pastes/{pid}", "rb").read()
    kind = request.args.get("mime", "text/plain")
    CHECK
    return SEND
"""


@pytest.mark.parametrize(
    ("check", "send", "found"),
    [
        ("", "Response(data, mimetype=kind)", True),
        ("", "Response(data, content_type=kind)", True),
        ("", 'send_file(f"/srv/pastes/{pid}", mimetype=kind)', True),
        ("", 'Response(data, mimetype="text/plain")', False),
        (
            'kind = kind if kind in ("text/plain", "image/png") else "application/octet-stream"',
            "Response(data, mimetype=kind)",
            False,
        ),
    ],
)
def test_a_response_type_the_client_chooses_is_cross_site_scripting(
    check: str, send: str, found: bool
) -> None:
    """httpaste's `?mime=`: the browser renders whatever the body is as the type it is told, so a
    client-chosen `text/html` turns a stored paste or upload into a page of the attacker's."""
    code = _CHOSEN_TYPE.replace("CHECK", check).replace("SEND", send)
    assert ("taint-xss" in rules_of(taint(code))) is found
