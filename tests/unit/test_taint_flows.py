"""How taint moves: propagation, precision, helpers in one module and across files, findings' shape."""

from __future__ import annotations

import pytest
from prguard.analyzers.taint.rules import RuleError, build_rules
from prguard.engine.model import Confidence, Severity

from tests.unit.taint_helpers import reports, rules_of, taint

HEAD = """
import os
import subprocess
from flask import Flask, request
app = Flask(__name__)
"""


def flask(body: str) -> str:
    lines = "\n".join("    " + line if line else "" for line in body.strip("\n").splitlines())
    return HEAD + "\n@app.route('/run')\ndef run():\n" + lines + "\n    return 'ok'\n"


@pytest.mark.parametrize(
    "body",
    [
        'x = request.args["f"]\ny = x\nos.system(y)',
        # checks that let a value through: either part may have failed, or the values are the client's
        'x = request.args["f"]\nif x.isalnum() and x not in ("a", "b"):\n    return "no", 400\n'
        'os.system("ls " + x)',
        'x = request.args["f"]\nif x not in request.args.getlist("ok"):\n    return "no", 400\n'
        'os.system("ls " + x)',
        # a validated form's data is checked for the session, not for a shell
        "from wtforms import Form, StringField\nclass F(Form):\n    f = StringField()\n"
        "form = F(request.form)\n"
        'if form.validate():\n    os.system("ls " + form.f.data)',
        'cmd = "ls "\ncmd += request.args["f"]\nos.system(cmd)',
        'os.system("ls {}".format(request.args["f"]))',
        'os.system("ls %s" % request.args["f"])',
        'os.system("ls %s %s" % ("-l", request.args["f"]))',
        'os.system(request.args["f"][:20])',
        'os.system(request.args["f"].strip().lower())',
        'parts = ["ls", request.args["f"]]\nos.system(" ".join(parts))',
        'opts = {"dir": request.args["f"]}\nos.system("ls " + opts["dir"])',
        'opts = {}\nopts.update({"dir": request.args["f"]})\nos.system("ls " + opts["dir"])',
        'opts = {}\nopts.setdefault("dir", request.args["f"])\nos.system("ls " + opts["dir"])',
        'items = []\nitems.append(request.args["f"])\nos.system("ls " + items[0])',
        'import configparser\nconf = configparser.ConfigParser()\nconf.add_section("s")\n'
        'conf.set("s", "b", request.args["f"])\n'
        'os.system("ls " + conf.get("s", "b"))',
        'import collections\nq = collections.deque()\nq.append("a")\nq.append(request.args["f"])\n'
        "q.popleft()\nos.system(q.popleft())",
        'import configparser\nconf = configparser.ConfigParser()\nconf.add_section("s")\n'
        'conf.set("s", "a", "/tmp")\nos.system("ls " + conf.get("s", "a", vars={"a": request.args["f"]}))',
        'from collections import deque\nq = deque([], 1)\nq.append("a")\nq.append(request.args["f"])\n'
        "os.system(q[0])",
        'from collections import deque\nq = deque(["a"])\nq.appendleft(request.args["f"])\nos.system(q[0])',
        'num = 196\nx = request.args["f"] if (500 / 42) + num > 200 else "/tmp"\nos.system("ls " + x)',
        'os.system("ls %s -n %d" % (request.args["d"], 3))',
        'os.system("ls %(d)s -n %(n)d" % {"d": request.args["d"], "n": 3})',
        'os.system("seq " + request.args.get("n", type=str))',
        'os.system("seq " + str(request.args.get("n", request.args["d"], int)))',
        # a shell run as the program of an argument list: its script is a command line
        'subprocess.run(["sh", "-c", "ls " + request.args["f"]])',
        'subprocess.Popen(["/bin/bash", "-lc", "ls " + request.args["f"]])',
        # AppleScript runs shell commands (agent-kitchen's Terminal launcher)
        'subprocess.run(["osascript", "-e", f\'tell app "Terminal" to do script "cd {request.args["f"]}"\'])',
        # a loop that may not run at all: the guard in it proves nothing
        'x = request.args["f"]\nfor _ in range(0):\n    if x not in ("a", "b"):\n        return "no", 400\n'
        'os.system("ls " + x)',
        'x = request.args["f"]\nfor _ in range(len(x)):\n    if x not in ("a", "b"):\n'
        '        return "no", 400\n'
        'os.system("ls " + x)',
        'items = []\nitems.extend(request.args.getlist("f"))\nos.system("ls " + " ".join(items))',
        'a, b = "ls", request.args["f"]\nos.system(a + " " + b)',
        'first, *rest = request.args["f"].split(",")\nos.system("ls " + first)',
        'names = [n.strip() for n in request.args["f"].split(",")]\nos.system("ls " + names[0])',
        'names = {k: v for k, v in request.args.items()}\nos.system("ls " + names["d"])',
        'target = request.args["f"] if request.args.get("x") else "/tmp"\nos.system("ls " + target)',
        'with open(request.args["f"]) as fh:\n    os.system(fh.read())',
        'if (name := request.args.get("f")):\n    os.system("ls " + name)',
        'for item in request.args.getlist("f"):\n    os.system("ls " + item)',
        'name = request.args.get("f") or "default"\nos.system("ls " + name)',
        'items = ["a", request.args["f"], "b"]\nitems.pop(0)\nos.system("ls " + items[0])',
        'items = ["a"]\nitems.insert(0, request.args["f"])\nos.system("ls " + items[0])',
        'items = ["a", request.args["f"]]\nitems.reverse()\nos.system("ls " + items[0])',
        'items = ["a"]\nitems.extend([request.args["f"], "b"])\nlast = items.pop()\n'
        "os.system(items[1] + last)",
        'key = "ABC"[0]\nx = request.args["f"] if key == "A" else "/tmp"\nos.system("ls " + x)',
        # `remove(items[0])` reads position 0 before the call: the read after it is of the new list
        'items = ["a", request.args["f"], "b"]\nitems.remove(items[0])\nos.system("ls " + items[0])',
        'items = [request.args["f"], "a"]\nitems.remove("a")\nos.system("ls " + items[0])',
        'items = [request.args["f"], "a"]\nitems.remove(request.args["g"])\nos.system("ls " + items[0])',
        'items = ["a", request.args["f"], "b"]\nitems.sort()\nos.system("ls " + items[0])',
        'qs = request.query_string.decode()\nos.system("ls " + qs[qs.find("f=") + 2 :])',
        'os.system("echo " + str(request.user_agent))',
        # a constant subject runs the case it matches; an unknown one any case, or none
        'key = "ABC"[0]\nmatch key:\n    case "A":\n        x = request.args["f"]\n    case _:\n'
        '        x = "/tmp"\nos.system("ls " + x)',
        'x = request.args["f"]\nmatch request.args["g"]:\n    case "A":\n        x = "/tmp"\n'
        'os.system("ls " + x)',
        'key = "ABC"[1]\nmatch key:\n    case "A" | "B" if len(key) > 3:\n        x = "/tmp"\n    case _:\n'
        '        x = request.args["f"]\nos.system("ls " + x)',
    ],
)
def test_propagation_reaches_the_sink(body: str) -> None:
    assert "taint-command-injection" in rules_of(taint(flask(body)))


@pytest.mark.parametrize(
    "body",
    [
        'x = request.args["f"]\nx = "/tmp"\nos.system("ls " + x)',
        'opts = {"dir": request.args["f"], "mode": "-l"}\nos.system("ls " + opts["mode"])',
        'args = ["ls", request.args["f"]]\nargs[1] = "/tmp"\nos.system(" ".join(args))',
        'DEBUG = False\nx = "/tmp"\nif DEBUG:\n    x = request.args["f"]\nos.system("ls " + x)',
        'x = "/tmp"\nwhile False:\n    x = request.args["f"]\nos.system("ls " + x)',
        'x = "/tmp" if True else request.args["f"]\nos.system("ls " + x)',
        'n = len(request.args["f"])\nos.system("ls -l | head -n %d" % n)',
        'flag = request.args["f"].isdigit()\nos.system("ls" if flag else "pwd")',
        'x = request.args["f"]\nif not x.isalnum():\n    return "bad", 400\nos.system("ls " + x)',
        'x = request.args["f"]\nif x == "home":\n    os.system("ls " + x)',
        'mode = {"short": "-1", "long": "-l"}.get(request.args["f"], "-1")\nos.system("ls " + mode)',
        'x = request.args["f"]\nsubprocess.run(["ls", x])',
        'subprocess.run(["ls"] + [request.args["f"]])',
        'subprocess.run(["ls", request.args["f"]], shell=False)',
        # positions of a list built by appends, and constants read out of constant strings
        'items = []\nitems.append("a")\nitems.append(request.args["f"])\nitems.append("b")\n'
        'items.pop(0)\nos.system("ls " + items[1])',
        'items = ["a", request.args["f"]]\nlast = items.pop()\nos.system("ls " + items[0])',
        'items = ["a", request.args["f"], "b"]\nitems.remove(items[0])\nos.system("ls " + items[1])',
        'items = [request.args["f"], "a"]\nitems.reverse()\nos.system("ls " + items[0])',
        # Werkzeug converts with `type=`: a number or the default
        'os.system("seq " + str(request.args.get("n", type=int)))',
        'os.system("seq " + str(request.args.get("n", 0, int)))',
        'os.system("echo " + " ".join(map(str, request.args.getlist("i", type=float))))',
        # a number conversion lets no text through
        'os.system("seq %d" % request.args["n"])',
        'os.system("ls %s -n %d" % ("/tmp", request.args["n"]))',
        # an argument list whose program is no shell, or whose script is constant
        'subprocess.run(["echo", "-c", request.args["f"]])',
        'subprocess.run(["osascript", "-e", \'display dialog "hi"\', request.args["f"]])',
        'subprocess.run(["sh", "-c", "ls -- \\"$1\\"", "sh", request.args["f"]])',
        # arithmetic on constants decides a branch
        'num = 196\nx = "/tmp" if (500 / 42) + num > 200 else request.args["f"]\nos.system("ls " + x)',
        'x = request.args["f"]\nif 7 % 2 == 1 and 2**3 // 3 == 2:\n    x = "/tmp"\nos.system("ls " + x)',
        # a check that passes for an empty value or an allowed one; membership in the server's data
        'x = request.args.get("f", "")\nif x and x not in ("a", "b"):\n    return "no", 400\n'
        'os.system("ls " + x)',
        'x = request.args["f"]\nif not (x in ("a", "b") or x == ""):\n    return "no", 400\n'
        'os.system("ls " + x)',
        'x = request.args["f"]\nknown = set(os.listdir("/srv"))\nif x not in known:\n    return "no", 400\n'
        'os.system("ls " + x)',
        # a guard in a loop that always runs
        'x = request.args["f"]\nfor _ in range(3):\n    if x not in ("a", "b"):\n        return "no", 400\n'
        'os.system("ls " + x)',
        'x = request.args["f"]\nfor y in ("a",):\n    if x != y:\n        return "no", 400\n'
        'os.system("ls " + x)',
        # a deque's two ends, a list copied from a known one, and a config parser's options
        'import collections\nq = collections.deque()\nq.append("a")\nq.append(request.args["f"])\n'
        'q.append("b")\nq.popleft()\nq.popleft()\nos.system("ls " + q.popleft())',
        'from collections import deque\nq = deque(["a", "b"])\nq.append(request.args["f"])\nos.system(q[1])',
        'items = list(["a", request.args["f"]])\nos.system("ls " + items[0])',
        'import configparser\nconf = configparser.ConfigParser()\nconf.add_section("s")\n'
        'conf.set("s", "a", "/tmp")\nconf.set("s", "b", request.args["f"])\n'
        'os.system("ls " + conf.get("s", "a"))',
        'key = "ABC"[1]\nmatch key:\n    case "A":\n        x = request.args["f"]\n    case "B" | "C":\n'
        '        x = "/tmp"\n    case _:\n        x = request.args["f"]\nos.system("ls " + x)',
        'x = request.args["f"]\nmatch request.args["g"]:\n    case "A":\n        x = "/tmp"\n    case _:\n'
        '        x = "/srv"\nos.system("ls " + x)',
        'key = "ABC"[1]\nif key == "A":\n    x = request.args["f"]\nelif key == "B":\n    x = "/tmp"\n'
        'else:\n    x = request.args["f"]\nos.system("ls " + x)',
    ],
)
def test_precision_keeps_safe_code_quiet(body: str) -> None:
    assert taint(flask(body)) == []


def test_helper_in_the_same_module_passes_taint_through_its_return() -> None:
    code = HEAD + (
        "\ndef build_command(name):\n    safe = name.strip()\n    return 'convert ' + safe + ' out.png'\n"
        "\n@app.route('/c')\ndef convert():\n    cmd = build_command(request.args['file'])\n"
        "    subprocess.run(cmd, shell=True)\n    return 'ok'\n"
    )
    [finding] = taint(code)
    assert finding.rule_id == "taint-command-injection"
    assert finding.confidence == Confidence.MEDIUM  # through a helper
    lines = [step.line for step in finding.flow]
    assert lines[0] == 12 and lines[-1] == 13 and 6 in lines and 7 in lines


def test_helper_that_sanitizes_stops_the_flow() -> None:
    code = HEAD + (
        "import shlex\n\ndef build_command(name):\n    return 'convert ' + shlex.quote(name) + ' out.png'\n"
        "\n@app.route('/c')\ndef convert():\n"
        "    subprocess.run(build_command(request.args['file']), shell=True)\n"
        "    return 'ok'\n"
    )
    assert taint(code) == []


def test_a_constant_argument_rules_out_the_helpers_other_branch() -> None:
    helper = (
        "\ndef command(action=None):\n    if action is None:\n        action = request.args['action']\n"
        "    return 'systemctl ' + action\n"
    )
    check = (
        HEAD
        + helper
        + "\n@app.route('/c')\ndef check():\n    os.system(command('status'))\n    return 'ok'\n"
    )
    assert taint(check) == []
    any_action = HEAD + helper + "\n@app.route('/r')\ndef run():\n    os.system(command())\n    return 'ok'\n"
    assert [f.rule_id for f in taint(any_action)] == ["taint-command-injection"]


def test_an_upload_handed_to_a_helper_is_a_file_object_its_filename_a_path() -> None:
    helpers = (
        "\nfrom PIL import Image\ndef verify(f):\n    Image.open(f).verify()\n"
        "def keep(f):\n    f.save(os.path.join('/srv/up', f.filename))\n"
    )
    object_only = (
        HEAD + helpers + "\n@app.route('/a')\ndef a():\n    verify(request.files['x'])\n    return 'ok'\n"
    )
    assert taint(object_only) == []
    named = HEAD + helpers + "\n@app.route('/b')\ndef b():\n    keep(request.files['x'])\n    return 'ok'\n"
    assert [f.rule_id for f in taint(named)] == ["taint-path-traversal"]


def test_sink_inside_a_helper_is_reported_at_the_sink_with_the_whole_path() -> None:
    code = HEAD + (
        "\ndef archive(folder):\n    os.system('tar czf /tmp/a.tgz ' + folder)\n"
        "\ndef prepare(folder):\n    archive(folder)\n"
        "\n@app.route('/a')\ndef handler():\n    prepare(request.form['folder'])\n    return 'ok'\n"
    )
    [finding] = taint(code)
    assert finding.start_line == 7
    assert finding.flow[0].line == 14
    assert "request.form['folder']" in finding.message


def test_method_helper_through_self() -> None:
    code = HEAD + (
        "\nclass Exporter:\n    def __init__(self, fmt):\n        self.fmt = fmt\n"
        "    def command(self, name):\n        return f'export --format {self.fmt} {name}'\n"
        "    def run(self, name):\n        os.system(self.command(name))\n"
        "\n@app.route('/e')\ndef export():\n    Exporter('csv').run(request.args['n'])\n    return 'ok'\n"
    )
    # a method called on an object built here (`Exporter('csv').run(...)`, by its type) and one
    # called through self are both followed
    code += "\nclass Job:\n    def go(self):\n        os.system(self.cmd(request.args['n']))\n"
    code += "    def cmd(self, n):\n        return 'echo ' + n\n"
    findings = taint(code)
    assert [f.start_line for f in findings] == [12, 21]


RECEIVER = (
    HEAD
    + """
class Holder:
    def __init__(self, value):
        self.value = value
    def get(self):
        return self.value.strip()
    def shown(self):
        return self.get()
    def run(self):
        os.system("echo " + self.value)

@app.route("/get")
def get():
    return "<p>" + Holder(request.args["v"]).get() + "</p>"

@app.route("/shown")
def shown():
    return "<p>" + Holder(request.args["v"]).shown() + "</p>"

@app.route("/run")
def run():
    Holder(request.args["v"]).run()
    return "ok"
"""
)


def test_a_method_reads_what_its_object_was_built_from() -> None:
    """`Holder(data).get()` returns `self.value`, set from `data`: the call binds the object, so
    the method's `self.x` reads carry its data, through `self.other()` and into its own sinks."""
    findings = taint(RECEIVER)
    assert sorted((f.rule_id, f.start_line) for f in findings) == [
        ("taint-command-injection", 14),
        ("taint-xss", 18),
        ("taint-xss", 22),
    ]
    built_here = RECEIVER.replace('request.args["v"]', '"fixed"')
    assert taint(built_here) == []


def test_flow_across_two_changed_files() -> None:
    files = {
        "shop/utils/shell.py": (
            "import subprocess\n\n\ndef thumbnail(path, size):\n"
            "    cmd = f'convert {path} -resize {size} thumb.png'\n"
            "    return subprocess.check_output(cmd, shell=True)\n"
        ),
        "shop/views.py": (
            "from flask import Blueprint, request\nfrom shop.utils.shell import thumbnail\n"
            "bp = Blueprint('img', __name__)\n\n\n@bp.route('/thumb')\ndef thumb():\n"
            "    size = request.args.get('size', '64x64')\n    return thumbnail('/srv/a.png', size)\n"
        ),
    }
    findings = taint(files)
    [finding] = [f for f in findings if f.rule_id == "taint-command-injection"]
    assert finding.path == "shop/utils/shell.py" and finding.start_line == 6
    assert "views.py:8" in finding.message
    assert finding.flow[0].description.startswith("shop/views.py:")


def test_relative_import_across_files_and_module_alias() -> None:
    files = {
        "app/helpers.py": "def where(name):\n    return 'name = ' + repr(name) + ' OR ' + name\n",
        "app/api.py": (
            "from django.db import connection\nfrom . import helpers\n\n\n"
            "def search(request):\n    clause = helpers.where(request.GET['q'])\n"
            "    with connection.cursor() as cur:\n        cur.execute('SELECT * FROM t WHERE ' + clause)\n"
        ),
    }
    [finding] = taint(files)
    assert finding.rule_id == "taint-sql-injection" and finding.path == "app/api.py"


def test_django_view_parameters_and_fastapi_parameters_are_sources() -> None:
    django = (
        "import os\nfrom django.http import FileResponse\n\n\ndef download(request, filename):\n"
        "    return FileResponse(open(os.path.join('/srv', filename), 'rb'))\n"
    )
    assert rules_of(taint(django)) == ["taint-path-traversal"]
    fastapi = (
        "import subprocess\nfrom fastapi import FastAPI, Depends\napp = FastAPI()\n\n\n"
        "@app.get('/ping')\ndef ping(host: str, count: int = 1, db=Depends(object)):\n"
        "    subprocess.run(f'ping -c {count} {host}', shell=True)\n"
        "    subprocess.run(f'ping -c {count} localhost', shell=True)\n"
    )
    assert [f.start_line for f in taint(fastapi)] == [8]


def test_flask_route_converters() -> None:
    code = HEAD + (
        "\n@app.route('/files/<path:name>/<int:rev>')\ndef files(name, rev):\n"
        "    os.system('cat /srv/%s' % name)\n    os.system('cat /srv/%d' % rev)\n    return 'ok'\n"
    )
    assert [f.start_line for f in taint(code)] == [8]


def test_a_view_under_several_routes_takes_its_parameters_from_any_of_them() -> None:
    code = HEAD + (
        "\n@app.route('/browse', defaults={'path': ''})\n@app.route('/browse/<path:path>')\n"
        "def browse(path):\n    os.system('ls /srv/' + path)\n    return 'ok'\n"
    )
    assert [f.start_line for f in taint(code)] == [9]


def test_redirecting_to_the_requested_url_keeps_the_browser_there() -> None:
    code = HEAD + (
        "\nfrom flask import redirect\n@app.route('/upload')\ndef upload():\n"
        "    if 'file' not in request.files:\n        return redirect(request.url)\n"
        "    return redirect(request.args['next'])\n"
    )
    assert [(f.rule_id, f.start_line) for f in taint(code)] == [("taint-open-redirect", 11)]


def test_process_sources_have_lower_severity_and_env_needs_low_confidence() -> None:
    cli = "import os, sys\n\nos.system('ls ' + sys.argv[1])\nos.system('ls ' + input('dir? '))\n"
    findings = taint(cli)
    assert [f.severity for f in findings] == [Severity.MEDIUM, Severity.MEDIUM]
    env = "import os\n\nos.system('backup ' + os.environ['TARGET'])\nos.system('x ' + os.getenv('Y', ''))\n"
    assert taint(env) == []
    low = taint(env, {"min_confidence": "low"})
    assert [f.confidence for f in low] == [Confidence.LOW, Confidence.LOW]
    assert all(f.severity == Severity.MEDIUM for f in low)


def test_a_command_line_argument_names_the_runners_own_files_but_not_their_code() -> None:
    """A path or URL given on the command line is the runner's to read; a shell command, code or
    a query built from it is still reported. Standard input stays untrusted (a stdio server's)."""
    code = (
        "import os, sys, requests\n\n"
        "print(open(sys.argv[1]).read())\n"
        "requests.get(sys.argv[2], timeout=5)\n"
        "os.system('ls ' + sys.argv[3])\n"
        "print(open(sys.stdin.readline().strip()).read())\n"
    )
    assert [(f.start_line, f.rule_id) for f in taint(code)] == [
        (5, "taint-command-injection"),
        (6, "taint-path-traversal"),
    ]


def test_finding_shape_message_flow_cwe_and_scope() -> None:
    code = flask('name = request.args["file"]\ncmd = "convert " + name\nsubprocess.run(cmd, shell=True)')
    [finding] = taint(code)
    assert finding.analyzer == "taint" and finding.cwe == 78 and finding.severity == Severity.HIGH
    assert finding.confidence == Confidence.HIGH
    assert finding.message.startswith('`cmd` is built from `request.args["file"]` (line 8 → 9 → 10)')
    assert "shell=True" in finding.message
    assert [s.line for s in finding.flow] == [8, 9, 10]
    assert finding.relevant_lines == (8, 10)
    assert finding.title == "OS command injection (CWE-78)"
    # the fingerprint ignores line numbers: code added above keeps it
    shifted = taint(code.replace("app = Flask(__name__)", "app = Flask(__name__)\n\n\nVERSION = 2"))
    assert shifted[0].fingerprint == finding.fingerprint and shifted[0].start_line == finding.start_line + 3


def test_code_injection_is_reported_under_its_own_cwe() -> None:
    code = flask('eval(request.args["e"])\nexec(request.args["e"])')
    assert {f.cwe for f in taint(code)} == {95}  # prguard files bandit's B307/B102 under 95 too
    titles = {f.title for f in taint(code)}
    assert titles == {"Code injection (CWE-95)"}


def test_one_finding_per_sink_even_with_many_flows() -> None:
    code = flask('a = request.args["a"]\nb = request.form["b"]\nos.system(a + b)')
    assert len(taint(code)) == 1


def test_policy_extends_sources_sinks_and_sanitizers() -> None:
    code = (
        "from acme.web import current_params\nfrom acme.db import raw_query\nfrom acme.text import scrub\n\n"
        "def report():\n    q = current_params()['q']\n    raw_query('SELECT ' + q)\n"
        "    raw_query('SELECT ' + scrub(q))\n"
    )
    assert taint(code) == []
    settings = {
        "extra_sources": ["acme.web.current_params"],
        "extra_sinks": [
            {"name": "acme.db.raw_query", "cwe": 89, "severity": "high", "message": "Use acme.db.q."}
        ],
        "extra_sanitizers": [{"name": "acme.text.scrub", "kinds": ["sql"]}],
    }
    [finding] = taint(code, settings)
    assert finding.rule_id == "taint-sql-injection" and finding.start_line == 7
    assert finding.message.endswith("Use acme.db.q.")


def test_bad_policy_rules_raise_a_clear_error() -> None:
    with pytest.raises(RuleError, match=r"extra_sinks\[0\]"):
        build_rules({"extra_sinks": [{"name": "x.y", "kind": "nonsense"}]})
    with pytest.raises(RuleError, match=r"extra_sources\[0\]"):
        build_rules({"extra_sources": [{"name": "x", "kind": "radio"}]})


def test_code_that_is_odd_but_valid_does_not_crash() -> None:
    code = (
        "import os\nfrom flask import request\n\n\ndef f(*args, **kwargs):\n    return f(*args)\n\n\n"
        "async def g():\n    async with request.args as a:\n"
        "        async for b in a:\n            os.system(b)\n"
        "    match request.args['m']:\n        case {'k': v}:\n            os.system(v)\n        case _:\n"
        "            pass\n    try:\n        x = 1 / 0\n    except* ValueError:\n        pass\n"
        "    lambda: os.system(request.args['x'])\n    del x\n    global G\n"
    )
    findings = taint(code)
    assert {f.start_line for f in findings} == {12, 15}


def test_cleared_sinks_are_remembered_by_the_change_run_only() -> None:
    from prguard.analyzers.taint import TaintAnalyzer

    from tests.unit.taint_helpers import context

    analyzer = TaintAnalyzer()
    code = flask('subprocess.run(["ls", request.args["f"]])\nsubprocess.run(get_cmd(), shell=True)')
    list(analyzer.analyze([context("app/views.py", code)]))
    cleared = analyzer.cleared["app/views.py"]
    assert (8, 78) in cleared  # list form: proven safe
    list(analyzer.analyze_file(context("app/other.py", "import os\nos.system('ls')\n")))
    assert analyzer.cleared["app/views.py"] == cleared  # a base-version pass does not replace it


def proven_lines(code: str) -> set[int]:
    """The sink lines taint proves safe in `code` (as app/jobs.py), which must report nothing."""
    from prguard.analyzers.taint import TaintAnalyzer

    from tests.unit.taint_helpers import context

    analyzer = TaintAnalyzer()
    assert list(analyzer.analyze([context("app/jobs.py", code)])) == []
    return {line for line, _ in analyzer.cleared["app/jobs.py"]}


def test_database_rows_and_unseen_project_code_are_unknown_not_clean() -> None:
    code = (
        "import os\nfrom app.services import command_for\n\n\ndef job(cursor):\n"
        "    row = cursor.fetchone()\n    os.system('run ' + row[0])\n    os.system(command_for('x'))\n"
        "    os.system('run nightly')\n"
    )
    assert proven_lines(code) == {9}


@pytest.mark.parametrize(
    ("imports", "response"),
    [
        ("from fastapi.responses import FileResponse", "FileResponse"),
        ("from starlette.responses import FileResponse", "FileResponse"),
        ("from starlette import responses", "responses.FileResponse"),
    ],
)
def test_a_file_response_streams_the_path_it_is_given(imports: str, response: str) -> None:
    code = (
        f"import os\nfrom fastapi import FastAPI\n{imports}\napp = FastAPI()\nROOT = '/srv/static'\n\n\n"
        "@app.get('/files/{name:path}')\ndef serve(name: str):\n"
        f"    return {response}(os.path.join(ROOT, name))\n\n\n"
        "@app.get('/logo')\ndef logo(name: str):\n"
        f"    return {response}(os.path.join(ROOT, os.path.basename(name)))\n"
    )
    assert [(f.rule_id, f.start_line) for f in taint(code)] == [("taint-path-traversal", 10)]


def test_an_aiohttp_file_response_streams_the_path_it_is_given() -> None:
    code = (
        "from aiohttp import web\n\n\n"
        "async def download(request: web.Request):\n"
        "    name = request.match_info['name']\n"
        "    return web.FileResponse('/srv/files/' + name)\n"
    )
    assert rules_of(taint(code)) == ["taint-path-traversal"]


@pytest.mark.parametrize("loader", ["joblib.load", "cloudpickle.loads", "cloudpickle.load", "dill.load"])
def test_pickle_based_loaders_are_deserialisation_sinks(loader: str) -> None:
    module = loader.split(".")[0]
    code = f"import {module}\n" + flask(f'{loader}(request.files["model"].stream)')
    assert rules_of(taint(code)) == ["taint-unsafe-deserialization"]


def test_a_path_built_inline_is_judged_by_its_value() -> None:
    """`(ROOT / name).read_text()` has no name to match `*.read_text` by, but the receiver's value
    is a path object from user input, as with `p = ROOT / name; p.read_text()`."""
    code = "from pathlib import Path\nROOT = Path('/srv')\n" + flask('(ROOT / request.args["n"]).read_text()')
    assert rules_of(taint(code)) == ["taint-path-traversal"]
    fixed = "from pathlib import Path\nROOT = Path('/srv')\n" + flask("(ROOT / 'motd.txt').read_text()")
    assert taint(fixed) == []
    text = flask('(request.args["a"] + "x").strip()')  # a string's method, not a path's
    assert taint(text) == []


def test_a_servers_response_is_untrusted_where_it_would_run_code() -> None:
    """What an HTTP client receives is the server's choice: run as code or unpickled, it is a flow
    (llama-index's RunGpt client `eval`ed the server's events); as a URL or in SQL it is not
    reported. A session's request is still an SSRF sink."""
    code = """
import pickle
import requests
import httpx


def load(url):
    return eval(requests.get(url, timeout=5).text)


def fetch_model(client: httpx.Client, url):
    return pickle.loads(client.get(url).content)


def follow(url):
    nxt = requests.get(url, timeout=5).json()["next"]
    return requests.get(nxt, timeout=5)
"""
    found = taint({"lib/remote.py": code})
    assert [(f.rule_id, f.start_line) for f in found] == [
        ("taint-code-injection", 7),
        ("taint-unsafe-deserialization", 11),
    ]


REMOTE_NAME = """
import cgi
import json
import os
import requests


class Session(requests.Session):
    pass


def download(session: Session, url, folder):
    resp = session.get(url, stream=True, timeout=5)
    NAME
    with open(os.path.join(folder, name), "wb") as out:
        out.write(resp.content)
"""


@pytest.mark.parametrize(
    ("name", "found"),
    [
        # pip's CVE-2019-20916: the file name the server's Content-Disposition suggests
        (
            "_, params = cgi.parse_header(resp.headers['content-disposition'])\n"
            "    name = params['filename']",
            True,
        ),
        ("name = resp.headers.get('x-file-name')", True),
        ("name = resp.json()['name']", False),  # what the service says of its own data
        ("name = os.path.basename(resp.headers['x-file-name'])", False),
    ],
)
def test_a_file_name_a_server_suggests_is_its_choice_of_path(name: str, found: bool) -> None:
    """A response's headers are the sender's, and a download saved under the name they suggest goes
    wherever the sender likes; the body's data is reported only where it would run code. A project
    session class's inherited `get` is still the library's request."""
    code = REMOTE_NAME.replace("NAME", name)
    assert reports("taint-path-traversal", code, "lib/fetch.py") is found


def test_a_nested_function_does_not_prove_what_it_reads_from_the_enclosing_one() -> None:
    """A closure's free variable holds what the enclosing run gave it, which the nested run does
    not see: unknown, so no proof that clears bandit's finding on the sink."""
    from prguard.analyzers.taint import TaintAnalyzer

    from tests.unit.taint_helpers import context

    code = "import requests\n\ndef f(url):\n    text = requests.get(url, timeout=5).text\n\n"
    code += "    def inner():\n        return eval(text)\n\n    return inner()\n"
    analyzer = TaintAnalyzer()
    list(analyzer.analyze([context("lib/closure.py", code)]))
    assert (7, 95) not in analyzer.cleared.get("lib/closure.py", set())


def test_a_decoder_hook_sees_the_data_it_is_given() -> None:
    """`json.loads(body, object_hook=_revive)` calls `revive` with each decoded object: a sink in
    the hook is reached by the request body (and not by a constant document)."""
    code = """
import json
import os
from flask import Flask, request
app = Flask(__name__)


def _revive(obj):
    if "cmd" in obj:
        os.system(obj["cmd"])
    return obj


@app.route("/load", methods=["POST"])
def load():
    json.loads(request.get_data(), object_hook=_revive)
    json.loads('{"cmd": "ls"}', object_hook=_revive)
    return "ok"
"""
    found = taint({"app/views.py": code})
    assert [(f.rule_id, f.start_line) for f in found] == [("taint-command-injection", 9)]


@pytest.mark.parametrize(
    ("body", "confined"),
    [
        ('p = request.args["f"]\nif ".." in p or p.startswith("/"):\n    return "no", 400', True),
        (
            'p = request.args["f"]\nif os.path.isabs(p):\n    return "no", 400\n'
            'if ".." in p:\n    return "no", 400',
            True,
        ),
        (
            'p = request.args["f"]\nif ".." not in p and not p.startswith("/"):\n'
            '    open(os.path.join("/srv", p))',
            True,
        ),
        ('p = request.args["f"]\nif "/" in p or ".." in p:\n    return "no", 400', True),
        # one refusal alone proves nothing: `/etc/passwd` has no `..`, `a/../../x` is relative
        ('p = request.args["f"]\nif "/" in p:\n    return "no", 400', False),
        ('p = request.args["f"]\nif ".." in p:\n    return "no", 400', False),
        ('p = request.args["f"]\nif p.startswith("/"):\n    return "no", 400', False),
        ('p = request.args["f"]\nif ".." in p and p.startswith("/"):\n    return "no", 400', False),
        # every `..` removed, then the leading `/`s: nothing is left to climb or to start from `/`
        ('p = request.args["f"].replace("..", "").lstrip("/")', True),
        ('p = request.args["f"].replace("..", "_").strip("/")', True),
        # the other order: `..//etc` loses its `..` and starts with `/` again
        ('p = request.args["f"].lstrip("/").replace("..", "")', False),
        ('p = request.args["f"].replace("../", "").lstrip("/")', False),  # `....//` leaves `../`
        ('p = request.args["f"].replace("..", ".").lstrip("/")', False),  # `....` leaves `..`
        ('p = request.args["f"].replace("..", "")', False),
        # `str.find` said the other way (oxl-ansible-webui's file browser)
        ('p = request.args["f"]\nif p.find("..") != -1 or p.startswith("/"):\n    return "no", 400', True),
        ('p = request.args["f"]\nif p.find("..") >= 0 or p.startswith("/"):\n    return "no", 400', True),
        (
            'p = request.args["f"]\nif p.find("..") == -1 and not p.startswith("/"):\n'
            '    open(os.path.join("/srv", p))',
            True,
        ),
        ('p = request.args["f"]\nif p.find("..") > 0 or p.startswith("/"):\n    return "no", 400', False),
        ('p = request.args["f"]\nif p.find("..") != -1:\n    return "no", 400', False),
    ],
)
def test_a_path_refused_with_dotdot_and_when_absolute_is_confined(body: str, confined: bool) -> None:
    if "open(" not in body:
        body += '\nopen(os.path.join("/srv", p))'
    assert ("taint-path-traversal" in rules_of(taint(flask(body)))) is not confined


RUNNERS = """
import asyncio
import os
import requests
from fastapi import FastAPI

app = FastAPI()

@app.get("/fetch")
async def fetch(url: str):
    response = await asyncio.to_thread(requests.get, url, timeout=10)
    return response.text

@app.get("/list")
async def listing(path: str):
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(None, os.system, "ls " + path)

@app.get("/items")
async def items(n: int):
    url = "https://api.example.com/items"
    response = await asyncio.to_thread(requests.get, url, params={"n": n}, timeout=10)
    return response.text
"""


def test_a_function_run_in_a_thread_is_called_with_the_arguments_after_it() -> None:
    """`asyncio.to_thread(requests.get, url)` calls `requests.get(url)`, and an event loop's
    `run_in_executor(None, f, x)` calls `f(x)`: their sinks are the function's."""
    findings = taint(RUNNERS)
    assert sorted((f.rule_id, f.start_line) for f in findings) == [
        ("taint-command-injection", 16),
        ("taint-ssrf", 10),
    ]


HANDED = """
import os
import threading
from func_timeout import func_timeout
from flask import Flask, request

app = Flask(__name__)

def run(code):
    func_timeout(10, exec, args=(code, {}))

def shell(line):
    os.system(line)

@app.route("/slash", methods=["POST"])
def slash():
    text = request.form.get("text", "")
    threading.Thread(target=lambda: run(text)).start()
    threading.Timer(1.0, os.system, args=["echo " + text]).start()
    threading.Thread(target=os.system, args=("uptime",)).start()
    threading.Thread(target=shell, kwargs={"line": "ls " + text}).start()
    return "ok"
"""


def test_a_function_handed_to_a_thread_or_a_time_limit_is_called_with_its_arguments() -> None:
    """django-slappy runs a slash command's text in a thread, `Thread(target=lambda: run(text))`,
    whose `func_timeout(10, exec, args=(code, ...))` runs it: each hands a function and apart
    the arguments to call it with. Constant arguments stay proven."""
    findings = taint(HANDED)
    assert sorted((f.rule_id, f.start_line) for f in findings) == [
        ("taint-code-injection", 9),
        ("taint-command-injection", 12),
        ("taint-command-injection", 18),
    ]


BUFFERS = """
import io
import os
import pickle
from flask import Flask, request, send_file

app = Flask(__name__)

@app.route("/run")
def run():
    command = io.StringIO()
    command.write("ls ")
    command.write(request.args["dir"])
    os.system(command.getvalue())
    return "ok"

@app.route("/echo")
def echo():
    body = io.BytesIO()
    body.write(request.get_data())
    body.seek(0)
    return send_file(body, mimetype="application/octet-stream")

@app.route("/load")
def load():
    return str(pickle.load(io.BytesIO(request.get_data())))
"""


def test_an_object_keeps_what_its_methods_are_given() -> None:
    """`buffer.write(data)` puts `data` in the buffer, read back by `getvalue()`; an in-memory
    file's content is data, not a file name (`send_file(BytesIO(...))` serves no path)."""
    findings = taint(BUFFERS)
    assert sorted((f.rule_id, f.start_line) for f in findings) == [
        ("taint-command-injection", 13),
        ("taint-unsafe-deserialization", 25),
    ]


def test_an_object_given_request_data_by_an_unknown_method_is_not_proven_clean() -> None:
    """`builder.add_part(data)` may keep `data`: what the object gives back afterwards is
    unknown, so the shell call on it is no proof (bandit's finding stays)."""
    code = (
        "import os\nfrom flask import request\nfrom acme import Builder\n\n\ndef run():\n"
        "    builder = Builder()\n    builder.add_part(request.args['x'])\n    os.system(builder.text())\n"
        "    quiet = Builder()\n    os.system(quiet.text())\n"
    )
    assert proven_lines(code) == {11}


@pytest.mark.parametrize(
    ("body", "on_site"),
    [
        # tabs and newlines gone, then `/` first and neither `/` nor `\` second: a path here
        (
            'n = re.sub(r"[\\t\\n\\r]", "", request.args["next"])\n'
            'if not n.startswith("/") or n[1:2] in ("/", "\\\\"):\n    n = "/"',
            True,
        ),
        (
            'n = re.sub(r"\\s+", "", request.args["next"])\n'
            'if not n.startswith("/") or n.startswith(("//", "/\\\\")):\n    return "no", 400',
            True,
        ),
        (
            'n = re.sub(r"[\\t\\n\\r]", "", request.args["next"])\n'
            'if n.startswith("/") and not n.startswith("//") and not n.startswith("/\\\\"):\n'
            '    return redirect(n)\nreturn "no", 400',
            True,
        ),
        # browsers drop a tab: `/<tab>/evil.net` passes the check and lands on another host
        (
            'n = request.args["next"]\nif not n.startswith("/") or n[1:2] in ("/", "\\\\"):\n    n = "/"',
            False,
        ),
        # the tab removed after the check moves the second character
        (
            'n = request.args["next"]\nif not n.startswith("/") or n[1:2] in ("/", "\\\\"):\n    n = "/"\n'
            'n = re.sub(r"[\\t\\n\\r]", "", n)',
            False,
        ),
        # `/\evil.net` is `//evil.net` to a browser
        (
            'n = re.sub(r"[\\t\\n\\r]", "", request.args["next"])\n'
            'if not n.startswith("/") or n.startswith("//"):\n    n = "/"',
            False,
        ),
        (
            'n = re.sub(r"[\\t\\n]", "", request.args["next"])\n'
            'if not n.startswith("/") or n[1:2] in "/\\\\":\n    n = "/"',
            False,
        ),
        # a path under one of this site's named folders (auth-ingress's `safe_return_to`)
        ('n = request.args["next"]\nif not n.startswith("/services/"):\n    n = "/"', True),
        ('n = request.args["next"]\nif not n.startswith(("/app/", "/docs")):\n    n = "/"', True),
        (
            'from urllib.parse import urlsplit\nparts = urlsplit(request.args["next"])\n'
            'if not (parts.path == "/" or parts.path.startswith("/services/")):\n    return "no", 400\n'
            "n = parts.path",
            True,
        ),
        ('n = request.args["next"]\nif not n.startswith(("/app/", "//")):\n    n = "/"', False),
        ('n = request.args["next"]\nif not n.startswith("/ "):\n    n = "/"', False),
    ],
)
def test_a_redirect_checked_to_stay_on_this_site(body: str, on_site: bool) -> None:
    body = "import re\nfrom flask import redirect\n" + body + "\nreturn redirect(n)"
    assert ("taint-open-redirect" in rules_of(taint(flask(body)))) is not on_site


def test_a_value_that_failed_a_truth_test_is_empty() -> None:
    """`if p: ...` not taken: `p` is empty (or None, 0), with nothing in it to inject."""
    body = 'import shlex\np = request.args.get("p")\nif p:\n    p = shlex.quote(p)\n'
    body += 'os.system("ls " + (p or ""))\nreturn "ok"'
    assert taint(flask(body)) == []
    body = 'p = request.args.get("p")\nif p:\n    p = p.strip()\nos.system("ls " + (p or ""))\nreturn "ok"'
    assert rules_of(taint(flask(body))) == ["taint-command-injection"]


SOCKETS = """
import pickle
import socket


class Receiver:
    def __init__(self):
        self.server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.server.bind(("", 3037))
        self.server.listen(1)

    def receive(self):
        conn, _ = self.server.accept()
        stream = conn.makefile("rb")
        return pickle.load(stream)


def serve():
    listener = socket.create_server(("127.0.0.1", 9000))
    conn, _ = listener.accept()
    return pickle.loads(conn.recv(4096))
"""


def test_what_a_peer_sends_on_a_socket_is_untrusted() -> None:
    """A connection a listening socket accepts carries whatever its peer sends: unpickling it
    runs the peer's code (rope's CVE-2014-3539)."""
    findings = taint({"app/ipc.py": SOCKETS})
    assert sorted((f.rule_id, f.start_line) for f in findings) == [
        ("taint-unsafe-deserialization", 14),
        ("taint-unsafe-deserialization", 20),
    ]


KEPT_CHECK = """
from django.http import HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme


def checked(request):
    target = request.GET.get("next", "")
    safe = url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()})
    if safe:
        return HttpResponseRedirect(target)
    return HttpResponseRedirect(target if safe else "/")


def replaced_after_the_check(request):
    target = request.GET.get("next", "")
    safe = url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()})
    target = request.GET.get("then", "")
    if safe:
        return HttpResponseRedirect(target)
    return HttpResponseRedirect("/")
"""


def test_a_checks_outcome_kept_in_a_name_proves_what_the_check_proves() -> None:
    """`safe = url_has_allowed_host_and_scheme(target, ...)` then `if safe:` (or `target if safe
    else ...`) proves the redirect as the check itself would, unless `target` changed since."""
    findings = taint({"app/views.py": KEPT_CHECK})
    assert [(f.rule_id, f.start_line) for f in findings] == [("taint-open-redirect", 18)]


@pytest.mark.parametrize(
    ("url", "fixed_host"),
    [
        ("urljoin(API, f\"items/{quote(q, safe='')}\")", True),
        ('urljoin(API, "?q=" + q)', True),
        ('urljoin(API, "/v2/" + q)', True),
        ("urljoin(API, q)", False),  # `https://evil.net/` replaces the base
        ('urljoin(API, "/" + q)', False),  # `//evil.net` names another host
        ('urljoin(q, "items/")', False),
        ('urljoin(API, "items" + q)', False),  # `items` + `:...` may read as a scheme
    ],
)
def test_a_reference_joined_to_the_servers_base_keeps_its_host(url: str, fixed_host: bool) -> None:
    body = (
        "from urllib.parse import urljoin, quote\nimport requests\n"
        f'API = "https://api.example.com/v1/"\nq = request.args["q"]\n'
        f'requests.get({url}, timeout=5)\nreturn "ok"'
    )
    assert ("taint-ssrf" in rules_of(taint(flask(body)))) is not fixed_host


def test_arguments_encoded_into_a_query_cannot_move_the_host() -> None:
    """Tornado's `url_concat(url, {"next": uri})` puts the request's data in the query string."""
    code = (
        "import tornado.web\nfrom tornado.httputil import url_concat\n\n\n"
        "class Login(tornado.web.RequestHandler):\n    def get(self):\n"
        "        self.redirect(url_concat('/login', {'next': self.request.uri}))\n"
        "        self.redirect(url_concat(self.get_argument('to'), {'next': '/'}))\n"
    )
    findings = taint({"app/handlers.py": code})
    assert [(f.rule_id, f.start_line) for f in findings] == [("taint-open-redirect", 8)]


DJANGO_FILE_VIEW = """
from django.http import HttpResponse


def send(request, filepath):
    with open(filepath, "rb") as handle:
        return HttpResponse(handle.read(), content_type="application/octet-stream")
"""


@pytest.mark.parametrize(
    ("path", "view"),
    [
        ("app/views.py", True),
        ("app/views/files.py", True),
        ("app/api.py", True),
        ("app/http.py", False),  # helpers a view hands a stored file's path to
        ("app/utils.py", False),
        ("sendfile/backends/simple.py", False),
    ],
)
def test_a_django_function_taking_the_request_is_a_view_outside_helper_modules(path: str, view: bool) -> None:
    """`def send(request, filepath)` is a view (its other parameters are URL parts) except in a
    module Django projects keep helpers in, whose callers are views handing it their values."""
    assert ("taint-path-traversal" in rules_of(taint({path: DJANGO_FILE_VIEW}))) is view


def test_a_flow_through_unseen_project_code_stays_unseen_through_a_helper_of_the_change() -> None:
    """Project code outside the change may sanitise: what comes back from it is of low confidence,
    also when the call sits in a helper the change defines and the sink in another."""
    code = (
        "import subprocess\nimport bottle\nfrom .config import stage_temp\n\n\n"
        "def run_check(command, path):\n"
        "    return subprocess.run(command.replace('{path}', path), shell=True)\n\n\n"
        "def write(lines):\n"
        "    run_check('check {path}', stage_temp('/etc/app.conf', lines))\n\n\n"
        "@bottle.post('/save')\ndef save():\n"
        "    write(bottle.request.json['text'].splitlines())\n"
    )
    low = taint({"pkg/app.py": code}, {"min_confidence": "low"})
    assert [(f.rule_id, f.confidence.value) for f in low if f.start_line == 7] == [
        ("taint-command-injection", "low")
    ]
    assert [f for f in taint({"pkg/app.py": code}) if f.start_line == 7] == []


DISPATCH_METHODS = """
import os
from flask import Flask, request, redirect
app = Flask(__name__)


class Api:
    def __init__(self):
        self.actions = {"build": self.build, "done": self.done}

    def handle(self, action, params):
        return self.actions[action](params)

    def build(self, params):
        os.system("make " + params["target"])

    def done(self, params):
        return redirect(params["next"])


@app.route("/api", methods=["POST"])
def api():
    return Api().handle(request.form["action"], request.form)
"""

DISPATCH_TABLE = """
import subprocess
from flask import Flask, request
app = Flask(__name__)


def ping(host):
    return subprocess.check_output("ping -c 1 " + host, shell=True)


def uptime(host):
    return "up"


COMMANDS = {"ping": ping, "uptime": uptime}


@app.route("/run")
def run():
    return COMMANDS[request.args["cmd"]](request.args["host"])
"""


def test_a_dispatch_table_runs_each_of_its_functions() -> None:
    """`self.actions[name](data)` and `TABLE[name](data)` call one of the table's functions:
    each is run with the data, so a sink in any of them is reached."""
    assert rules_of(taint(DISPATCH_METHODS)) == ["taint-command-injection", "taint-open-redirect"]
    found = taint(DISPATCH_TABLE)
    assert [(f.rule_id, f.start_line) for f in found if f.rule_id == "taint-command-injection"] == [
        ("taint-command-injection", 7)
    ]


def test_a_dispatch_table_of_a_class_a_function_makes_is_followed() -> None:
    """sloth-ci's API: a class defined in a factory function, whose exposed handler only picks an
    action from its table; the handler runs for the table's sake alone."""
    code = (
        "def extend(cls):\n    import cherrypy\n\n    class Api(cls):\n"
        "        def __init__(self):\n            self.actions = {'done': self.done}\n\n"
        "        @cherrypy.expose\n        def listener(self, action, **params):\n"
        "            return self.actions[action](params)\n\n"
        "        def done(self, params):\n            raise cherrypy.HTTPRedirect(params.get('next'))\n\n"
        "    return Api\n"
    )
    assert [(f.rule_id, f.start_line) for f in taint(code)] == [("taint-open-redirect", 13)]


@pytest.mark.parametrize(
    ("body", "found"),
    [
        ("f = lambda x: 'constant'\n    os.system('echo ' + f(param))", False),
        ("f = lambda x: x.strip()\n    os.system('echo ' + f(param))", True),
        ("os.system('echo ' + (lambda x, y='k': y)(param))", False),
        ("f = lambda x, y=param: y\n    os.system('echo ' + f('a'))", True),
        ("run = lambda c: os.system(c)\n    run('echo ' + param)", True),  # the sink inside the lambda
        # one of its values is no lambda: the call stays unknown
        ("f = lambda x: 'c'\n    if param:\n        f = str\n    os.system('echo ' + f(param))", True),
        # lambdas that call themselves, at once or through each other, end
        ("f = lambda x: f(x)\n    os.system(f(param))", True),
        ("g = lambda x: h(x)\n    h = lambda x: g(x)\n    os.system(g(param))", True),
    ],
)
def test_a_lambda_call_returns_what_its_body_makes_of_the_arguments(body: str, found: bool) -> None:
    code = (
        "import os\nfrom flask import Flask, request\napp = Flask(__name__)\n\n\n"
        f"@app.route('/t')\ndef t():\n    param = request.args.get('p', '')\n    {body}\n    return 'ok'\n"
    )
    assert (rules_of(taint(code)) == ["taint-command-injection"]) is found


@pytest.mark.parametrize(
    ("read", "found"),
    [
        ("open(os.path.join(BASE, os.path.basename(name))).read()", False),
        ("Path(BASE, os.path.basename(name)).read_text()", False),
        ("Path(BASE, os.path.basename(name)).open().read()", False),
        # a file the client names freely may be one the client wrote: its content stays the client's
        ("open(name).read()", True),
    ],
)
def test_a_server_files_content_is_not_the_clients(read: str, found: bool) -> None:
    """A file found under the server's folder by a checked name holds the server's data, whichever
    way it is read: no command built from it is the client's."""
    code = (
        "import os\nfrom pathlib import Path\nfrom flask import request\nBASE = '/srv/scripts'\n\n\n"
        f"def run():\n    name = request.args['n']\n    os.system({read})\n"
    )
    assert ("taint-command-injection" in rules_of(taint(code))) is found


DJANGO_VIEW_HELPER = """
from django.http import HttpResponseRedirect


def landing_page(request, login_url=None):
    return HttpResponseRedirect(login_url or "/login/")


def openid_server(request):
    return landing_page(request, "/accounts/login/")
"""


def test_a_django_function_its_views_call_with_their_values_is_their_helper() -> None:
    """`landing_page(request, login_url)` called by the module's views: its parameters are what
    they pass (django-openid-provider), not parts of a URL; uncalled, it is a view."""
    assert taint({"app/views.py": DJANGO_VIEW_HELPER}) == []
    alone = DJANGO_VIEW_HELPER.split("\n\n\ndef openid_server", 1)[0]
    assert rules_of(taint({"app/views.py": alone})) == ["taint-open-redirect"]


RESOLVED_THEN_CHECKED = """
import os
from django.http import FileResponse
from .utils import _is_inside_logs_dirs


def logs_view(request):
    path = request.GET.get("path", "")
    path = os.path.abspath(path)
    if not _is_inside_logs_dirs(path):
        return FileResponse(open("/dev/null", "rb"))
    return FileResponse(open(path, "rb"))
"""


@pytest.mark.parametrize(
    ("code", "found"),
    [
        (RESOLVED_THEN_CHECKED, False),  # django-admin-logs-viewer's check, in a module not reviewed
        (RESOLVED_THEN_CHECKED.replace("    path = os.path.abspath(path)\n", ""), True),  # not resolved
        (
            RESOLVED_THEN_CHECKED.replace(
                "from .utils import _is_inside_logs_dirs",
                "from os.path import exists as _is_inside_logs_dirs",
            ),
            True,
        ),
    ],
)
def test_a_resolved_path_checked_by_project_code_out_of_sight_is_confined(code: str, found: bool) -> None:
    """Resolving a path and then asking the project's own predicate about it is what a confinement
    check needs; a predicate the review sees is judged by its code, a library's by its rules."""
    assert reports("taint-path-traversal", code) is found


UNPACKED_PROJECT_OBJECT = """
from django.shortcuts import redirect
from .models import DashApp


def asset_redirection(request, path, ident=None):
    X, app = DashApp.locate_item(ident)
    return redirect(X.get_asset_static_url(path))
"""


def test_an_object_unpacked_from_project_code_is_the_projects() -> None:
    """`X, app = DashApp.locate_item(...)`: what project code made, unpacked, is still its object,
    and a method of it is project code out of sight (django-plotly-dash's asset redirection)."""
    low = taint({"pkg/views.py": UNPACKED_PROJECT_OBJECT}, {"min_confidence": "low"})
    assert [(f.rule_id, f.confidence.value) for f in low] == [("taint-open-redirect", "low")]
    assert taint({"pkg/views.py": UNPACKED_PROJECT_OBJECT}) == []


APP_STATE = """
import os
from fastapi import APIRouter, Request
from fastapi.responses import FileResponse

router = APIRouter()


@router.get("/store/{name}")
def read(name: str, request: Request):
    folder = os.path.join(request.app.state.upload_folder, "data")
    return FileResponse(os.path.join(folder, "index.json"))
"""


@pytest.mark.parametrize(
    ("code", "found"),
    [
        (APP_STATE, False),  # okaasan's JSON store: the folder the server set up at startup
        (APP_STATE.replace('"index.json"', "name"), True),
        (APP_STATE.replace("request.app.state.upload_folder", "request.headers['x-folder']"), True),
    ],
)
def test_what_the_application_holds_in_its_state_is_the_servers(code: str, found: bool) -> None:
    """`request.app` is the application serving the request (Starlette, FastAPI, by type), and what
    its `state` holds the server set up; the request's own parts stay the client's."""
    assert reports("taint-path-traversal", code) is found


ASGI_PROXY = """
import httpx

PORT = 8081


async def app(scope, receive, send):
    url = f"http://127.0.0.1:{PORT}{scope['path']}"
    async with httpx.AsyncClient() as client:
        await client.get(url)
"""


@pytest.mark.parametrize(
    ("code", "found"),
    [
        (ASGI_PROXY, False),  # sshpeek's proxy: the path starts with `/`, past the fixed host
        (ASGI_PROXY.replace("http://127.0.0.1:{PORT}{scope['path']}", "http://{scope['path']}"), True),
    ],
)
def test_an_asgi_scopes_path_starts_with_a_slash(code: str, found: bool) -> None:
    """An ASGI scope's `path` always starts with `/`: written after a host the server fixed, it is
    that host's path; written where the host goes, it is still the client's host."""
    assert reports("taint-ssrf", code, "app/asgi.py") is found


ATTRIBUTE_THEN_METHOD = """
import requests
from flask import Flask, request
from peewee import Model

app = Flask(__name__)


class Bookmark(Model):
    def fetch_title(self):
        return requests.get(self.url, timeout=5).text


@app.route("/add", methods=["POST"])
def add():
    bookmark = MAKE
    bookmark.url = request.form["url"]
    bookmark.title = "saved"
    bookmark.fetch_title()
    return "ok"
"""


@pytest.mark.parametrize("make", ["Bookmark()", "Bookmark.get(id=1)", "Bookmark.create(title='x')"])
def test_an_attribute_the_caller_sets_reaches_what_the_method_does_with_it(make: str) -> None:
    """`obj.url = data` then `obj.fetch_title()`: the method's `self.url` is that data. An ORM
    model class's `get`/`create` give one of its rows, so the method is found on the row too."""
    assert rules_of(taint(ATTRIBUTE_THEN_METHOD.replace("MAKE", make))) == ["taint-ssrf"]
    other = ATTRIBUTE_THEN_METHOD.replace("MAKE", make).replace("self.url", "self.title")
    assert taint(other) == []  # the attribute the method reads holds the server's text


def test_a_row_unpacked_from_get_or_create_is_the_model_s_instance() -> None:
    unpacked = "bookmark, created = Bookmark.get_or_create(id=1)"
    code = ATTRIBUTE_THEN_METHOD.replace("bookmark = MAKE", unpacked)
    assert rules_of(taint(code)) == ["taint-ssrf"]


def test_a_row_from_either_branch_is_the_model_s_instance() -> None:
    """digimarks: a new bookmark unpacked from `get_or_create` in one branch, an old one from `get`
    in the other; the method is found on the row whichever branch ran."""
    branches = (
        "if request.args.get('new'):\n        bookmark, created = Bookmark.get_or_create(id=1)\n"
        "    else:\n        bookmark = Bookmark.get(id=2)"
    )
    assert rules_of(taint(ATTRIBUTE_THEN_METHOD.replace("bookmark = MAKE", branches))) == ["taint-ssrf"]


SETUP_THEN_FETCH = """
import requests
from zope.publisher.browser import BrowserView


class PreviewView(BrowserView):
    def setup(self):
        self.url = SETUP

    def extract(self):
        return requests.get(self.url, timeout=5).text

    def __call__(self):
        self.setup()
        CLEANUP
        return self.extract()
"""


@pytest.mark.parametrize(
    ("setup", "cleanup", "found"),
    [
        ("self.request.get('url', '')", "", True),  # collective.behavior.richpreview's JSON view
        ("'https://example.org/'", "", False),  # the method sets the server's own URL
        ("self.request.get('url', '')", "self.url = 'https://example.org/'", False),  # replaced after
    ],
)
def test_attributes_a_method_sets_stay_on_the_object(setup: str, cleanup: str, found: bool) -> None:
    """`self.setup()` that sets `self.url` from the request, then `self.extract()` that fetches
    it: what a method leaves in `self.x` is what the object holds after the call."""
    code = SETUP_THEN_FETCH.replace("SETUP", setup).replace("CLEANUP", cleanup or "pass")
    assert reports("taint-ssrf", code, "app/browser/preview.py") is found


def test_an_attribute_a_method_may_leave_alone_keeps_the_callers_value() -> None:
    """Set on every path, the method's value replaces the caller's; returned early on one path,
    the object may still hold what the caller put there."""
    given = SETUP_THEN_FETCH.replace(
        "        self.setup()", "        self.url = self.request.get('url')\n        self.setup()"
    )
    always = given.replace("SETUP", "'https://example.org/'").replace("CLEANUP", "pass")
    assert "taint-ssrf" not in rules_of(taint({"app/browser/preview.py": always}))
    sometimes = always.replace(
        "        self.url = 'https://example.org/'",
        "        if self.context:\n            return\n        self.url = 'https://example.org/'",
    )
    assert "taint-ssrf" in rules_of(taint({"app/browser/preview.py": sometimes}))


CLOSURE_TASK = """
import asyncio

import aiohttp
from fastapi import FastAPI
from pydantic import BaseModel

app = FastAPI()


class RunRequest(BaseModel):
    callback_url: str = ""


async def post_callback(callback_url: str) -> None:
    async with aiohttp.ClientSession() as session, session.post(callback_url, json={}) as response:
        await response.text()


@app.post("/run")
async def run(body: RunRequest):
    BODY
"""


@pytest.mark.parametrize(
    ("body", "found"),
    [
        # flyto-core's /run: a closure posts to the URL of the request it was made in
        (
            "async def later() -> None:\n        await post_callback(body.callback_url)\n\n"
            "    asyncio.create_task(later())",
            True,
        ),
        (
            "async def later(url: str) -> None:\n        await post_callback(url)\n\n"
            "    asyncio.create_task(later(body.callback_url))",
            True,
        ),
        (
            "async def later(url: str) -> None:\n        await post_callback(url)\n\n"
            "    asyncio.create_task(later('https://engine.example/done'))",
            False,
        ),
        (
            "def pick() -> str:\n        return body.callback_url\n\n"
            "    asyncio.create_task(post_callback(pick()))",
            True,
        ),  # what it returns is the call's value
    ],
)
def test_a_nested_function_runs_with_the_variables_of_the_call(body: str, found: bool) -> None:
    """A function defined in a handler and called there reads the handler's variables as they
    are at the call, and its parameters are the call's arguments."""
    code = CLOSURE_TASK.replace("BODY", body)
    assert reports("taint-ssrf", code, "app/main.py") is found


@pytest.mark.parametrize(
    ("body", "found"),
    [
        ("queued = RunRequest(**body.model_dump())\n    await post_callback(queued.callback_url)", True),
        ("data = body.model_dump()\n    await post_callback(data['callback_url'])", True),
        ("await post_callback(body.model_copy().callback_url)", True),
        (
            "queued = RunRequest(callback_url='https://engine.example/')\n"
            "    await post_callback(queued.callback_url)",
            False,
        ),
    ],
)
def test_a_plain_record_holds_what_it_is_made_with(body: str, found: bool) -> None:
    """A pydantic model (or dataclass) of the module with no constructor or validator of its own
    holds what it is given, and `model_dump()` hands it back: seen, not an unseen call's result."""
    code = CLOSURE_TASK.replace("BODY", body)
    assert reports("taint-ssrf", code, "app/main.py") is found


def test_a_record_with_a_validator_of_its_own_is_unseen_code() -> None:
    """A validator may clean what it is given: the flow stays, at low confidence (hidden by default)."""
    code = CLOSURE_TASK.replace(
        "BODY", "queued = RunRequest(**body.model_dump())\n    await post_callback(queued.callback_url)"
    )
    code = code.replace(
        '    callback_url: str = ""\n',
        '    callback_url: str = ""\n\n    @field_validator("callback_url")\n    @classmethod\n'
        "    def check(cls, value: str) -> str:\n        return value\n",
    ).replace("from pydantic import BaseModel", "from pydantic import BaseModel, field_validator")
    assert "taint-ssrf" not in rules_of(taint({"app/main.py": code}))


CARRIED = """
import os
from flask import Flask, request

app = Flask(__name__)


@app.route("/run")
def run():
    previous = "echo start"
    {setup}
    for item in request.args.getlist("step"):
        {body}
    return "ok"
"""


@pytest.mark.parametrize(
    ("setup", "body", "found"),
    [
        # a value carried to the next iteration reaches the sink only on the loop's second pass
        ("", "os.system(previous)\n        previous = item", True),
        ("", "if previous:\n            os.system(previous)\n        previous = 'echo ' + item", True),
        ("", "os.system(previous)\n        previous = previous.upper() + item", True),
        (
            "pending = []",
            "if pending:\n            os.system(' '.join(pending))\n        pending.append(item)",
            True,
        ),
        ("total = ''", "os.system(total)\n        total += item", True),
        # bound before it is read in every iteration: nothing carried
        ("", "previous = 'echo ' + str(len(item))\n        os.system(previous)", False),
        ("", "command = 'echo hi'\n        os.system(command)\n        command = item", False),
    ],
)
def test_a_value_carried_between_iterations_is_followed(setup: str, body: str, found: bool) -> None:
    """The loop's second pass exists for these flows: what one iteration binds, the next reads."""
    code = CARRIED.format(setup=setup, body=body)
    assert ("taint-command-injection" in rules_of(taint(code))) is found


CONTENT_DISPOSITION = """
import requests


def download(url, folder):
    response = requests.get(url, timeout=10)
    name = "download.bin"
    for part in response.headers.get("Content-Disposition", "").split(";"):
        TEST
            name = fields[1].strip().strip('"')
    with open(folder + "/" + name, "wb") as out:
        out.write(response.content)
"""


@pytest.mark.parametrize(
    "test",
    [
        # docling-core's CVE-2026-44023: the sender's file name found by `:=` inside `and`
        'if (fields := part.split("=")) and fields[0].strip() == "filename":',
        'if part.strip() and (fields := part.split("=")):',
        'fields = part.split("=")\n        if fields and fields[0].strip() == "filename":',
    ],
)
def test_a_name_bound_by_walrus_inside_a_condition_keeps_its_data(test: str) -> None:
    code = CONTENT_DISPOSITION.replace("TEST", test)
    assert "taint-path-traversal" in rules_of(taint({"pkg/download.py": code}))


CLASS_CALL = """
import sqlite3

from flask import Flask, request

app = Flask(__name__)


class Store:
    DEFINITION

@app.route("/p", methods=["POST"])
def post():
    data = request.get_json()
    CALL
    return "ok"
"""


@pytest.mark.parametrize(
    ("definition", "call", "found"),
    [
        # enosimulator (round 279): a static method called on its class takes the arguments as given
        ("@staticmethod\n    def insert(table, data):", 'Store.insert("vm", data)', True),
        ("@classmethod\n    def insert(cls, table, data):", 'Store.insert("vm", data)', True),
        ("def insert(self, table, data):", 'Store.insert(Store(), "vm", data)', True),
        # the client's data in the parameter the query does not use: nothing reaches it
        ("@staticmethod\n    def insert(table, data):", 'Store.insert(data, "vm")', False),
        ("@classmethod\n    def insert(cls, table, data):", 'Store.insert(data, "vm")', False),
    ],
)
def test_a_method_called_on_its_class_gets_the_arguments_in_their_places(
    definition: str, call: str, found: bool
) -> None:
    body = (
        definition + '\n        names = ",".join(data.keys())\n'
        '        sqlite3.connect("x").execute(f"INSERT INTO events({names}) VALUES (?)")'
    )
    code = CLASS_CALL.replace("DEFINITION", body).replace("CALL", call)
    assert reports("taint-sql-injection", code) is found


ROWS_LOOP = """
import subprocess
from flask import Flask, request

app = Flask(__name__)


@app.route("/merge")
def merge():
    for name, data in ROWS:
        subprocess.run(["git", "show", name])
    return "ok"
"""


@pytest.mark.parametrize(
    ("rows", "found"),
    [
        ('(("head", request.args["a"]), ("base", "b"))', False),  # synaptane's merge_text: names fixed
        ('(("head", "a"), (request.args["n"], "b"))', True),
        ('[("head", "a"), request.args.getlist("row")]', True),  # a row of unknown shape
    ],
)
def test_a_loop_over_rows_binds_each_name_to_its_own_position(rows: str, found: bool) -> None:
    """`for name, data in (("head", theirs), ("base", base))`: `name` takes only what the rows'
    first positions hold, `data` what their second positions hold."""
    assert ("taint-argument-injection" in rules_of(taint(ROWS_LOOP.replace("ROWS", rows)))) is found


_AFTER_A_SUPPRESSING_BLOCK = """
import contextlib
import os
from contextlib import suppress
from flask import Flask, request
app = Flask(__name__)
CACHE = {}


@app.route("/run")
def run():
    with MANAGER:
        return CACHE[request.args["key"]]
    os.system(request.args["cmd"])
    return "ran"
"""


@pytest.mark.parametrize(
    ("manager", "found"),
    [
        ("suppress(KeyError)", True),  # a missing key: the block ends, the function goes on
        ("contextlib.suppress(KeyError)", True),
        ("contextlib.ExitStack()", True),
        ("open('/srv/lock')", False),  # the body's return ends the function
    ],
)
def test_code_after_a_block_that_swallows_its_exceptions_runs(manager: str, found: bool) -> None:
    """byro's `with suppress(TemplateDoesNotExist): return tmpl.render(...)`, then the fallback:
    the code after the block was taken for dead, and its sinks neither reported nor proven."""
    code = _AFTER_A_SUPPRESSING_BLOCK.replace("MANAGER", manager)
    assert ("taint-command-injection" in rules_of(taint(code))) is found
