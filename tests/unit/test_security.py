"""security analyzer: bandit in-process on real-shaped code."""

from __future__ import annotations

import collections
import textwrap

from prguard.analyzers.base import FileContext, SourceFile
from prguard.analyzers.security import SecurityAnalyzer
from prguard.engine.diffmap import FileDiff
from prguard.engine.model import Severity
from prguard.engine.review import review

from tests.unit.engine_helpers import added, make_policy, modified

VIEWS = textwrap.dedent(
    """\
    import pickle
    import subprocess

    import requests
    import yaml
    from flask import Flask, request

    app = Flask(__name__)


    @app.route("/convert")
    def convert():
        filename = request.args["file"]
        subprocess.call(f"convert {filename} out.png", shell=True)
        return "ok"


    @app.route("/config", methods=["POST"])
    def load_config():
        settings = yaml.load(request.data)
        remote = requests.get(settings["url"], verify=False)
        return pickle.loads(remote.content)
    """
)


def analyze(text: str, path: str = "svc/views.py", **settings) -> list:
    source = SourceFile(path, text)
    ctx = FileContext(
        path=path,
        language="python",
        head=source,
        base=None,
        diff=FileDiff.all_added(len(source.lines)),
        settings={"min_severity": "low", "min_confidence": "medium", **settings},
        policy=make_policy(),
    )
    return list(SecurityAnalyzer().analyze_file(ctx))


def severities_of(code: str, *rule_ids: str) -> dict[int, Severity]:
    """The severity of each finding of `rule_ids` on `code`, by line."""
    return {f.start_line: f.severity for f in analyze(code) if f.rule_id in rule_ids}


def by_rule(findings) -> dict[str, list]:
    out = collections.defaultdict(list)
    for finding in findings:
        out[finding.rule_id].append(finding)
    return out


def test_flask_views_findings_keep_bandit_severity_confidence_and_cwe():
    found = by_rule(analyze(VIEWS))
    shell = found["B602"][0]
    assert (shell.severity, shell.confidence, shell.cwe) == ("high", "high", 78)
    assert shell.start_line == 14 and shell.end_line == 14
    assert shell.message.startswith(
        '`subprocess.call(f"convert {filename} out.png", shell=True)`: subprocess call'
    )
    assert found["B506"][0].cwe == 502 and found["B506"][0].severity == "medium"
    assert found["B501"][0].severity == "high" and found["B501"][0].cwe == 295
    assert found["B301"][0].start_line == 22  # pickle.loads
    assert {"B403", "B404"} <= set(found)  # import blacklists


def test_columns_are_one_based_characters_not_utf8_bytes():
    text = 'label = "héllo wörld"; import subprocess; subprocess.call("ls", shell=True)\n'
    shell = by_rule(analyze(text))["B602"][0]
    prefix = 'label = "héllo wörld"; import subprocess; '
    assert shell.start_column == len(prefix) + 1
    assert shell.end_column == len(text.rstrip("\n")) + 1


def test_mechanical_fixes_are_suggested_for_the_flagged_line():
    found = by_rule(analyze(VIEWS))
    assert found["B506"][0].suggestion == "    settings = yaml.safe_load(request.data)"
    assert found["B501"][0].suggestion == '    remote = requests.get(settings["url"], verify=True)'
    timeout = by_rule(analyze("import requests\nr = requests.post(url, json=body)\n", min_confidence="low"))
    assert timeout["B113"][0].suggestion == "r = requests.post(url, json=body, timeout=10)"
    assert timeout["B113"][0].cwe == 400


def test_policy_thresholds_and_ignore_list():
    rules = set(by_rule(analyze(VIEWS, min_severity="high")))
    assert rules == {"B602", "B501"}
    rules = set(by_rule(analyze(VIEWS, ignore=["B404", "blacklist", "yaml_load"])))
    assert "B404" not in rules and "B403" not in rules and "B506" not in rules and "B602" in rules
    assert "B113" not in by_rule(analyze(VIEWS))  # low confidence is below the default medium
    assert "B113" in by_rule(analyze(VIEWS, min_confidence="low"))


def test_fingerprint_survives_moving_code_and_differs_by_enclosing_function():
    before = analyze(VIEWS)
    moved = analyze(
        "# a new header comment\n\n" + VIEWS.replace('    return "ok"', "    log()\n    return 'ok'")
    )
    assert {f.fingerprint for f in before} == {f.fingerprint for f in moved}
    assert by_rule(moved)["B602"][0].start_line == 16
    renamed = analyze(VIEWS.replace("def convert()", "def convert_image()"))
    assert by_rule(renamed)["B602"][0].fingerprint != by_rule(before)["B602"][0].fingerprint


def test_pep701_fstrings_are_parsed_and_reviewed():
    text = textwrap.dedent(
        """\
        import subprocess

        def thumbnail(item):
            label = f'{item.get('name')}-{item['size']}'
            return subprocess.check_output(f"convert {label!r} {item['path']}", shell=True)
        """
    )
    result = review([added("media/thumbs.py", text)], make_policy(), analyzers=[SecurityAnalyzer()])
    assert not result.skipped
    assert [f.rule_id for f in result.findings if f.rule_id == "B602"] == ["B602"]


def test_new_versus_existing_through_the_engine():
    base = VIEWS
    head = VIEWS + "\n\ndef backup(path):\n    subprocess.call('tar czf /tmp/b.tgz ' + path, shell=True)\n"
    result = review([modified("svc/views.py", base, head)], make_policy(), analyzers=[SecurityAnalyzer()])
    assert [(f.rule_id, f.start_line) for f in result.findings] == [("B602", 26)]
    assert result.stats["analyzers"]["security"]["base_files"] == 1


def test_asserts_are_not_flagged_in_test_files_by_default_but_are_in_application_code():
    code = "def check(total):\n    assert total > 0\n    return total\n"
    default = make_policy().analyzer("security")
    for test_path in ("tests/test_billing.py", "svc/tests/helpers.py", "svc/billing_test.py", "conftest.py"):
        assert "B101" not in by_rule(analyze(code, test_path, **default)), test_path
    assert "B101" in by_rule(analyze(code, "svc/billing.py", **default))
    # an org that wants asserts reported everywhere clears the list
    assert "B101" in by_rule(analyze(code, "tests/test_billing.py", **{**default, "ignore_in": []}))
    # other rules still apply in test files
    shell = "import subprocess\n\n\ndef run(cmd):\n    return subprocess.call(cmd, shell=True)\n"
    assert "B602" in by_rule(analyze(shell, "tests/test_shell.py", **default))


def test_import_checks_see_the_imports_of_their_point_in_the_file() -> None:
    """bandit's "is this module imported" answer is remembered per state of the file's imports:
    a `flask` debug run before `import flask` is not flagged (as in bandit), one after it is."""
    code = "app.run(debug=True)\napp.run(debug=True)\nimport flask\napp.run(debug=True)\n"
    found = by_rule(analyze(code))
    assert [f.start_line for f in found["B201"]] == [4]


HARDENED_SAX = """
import xml.sax
from xml.sax.handler import feature_external_ges


def parse(source, handler):
    parser = xml.sax.make_parser()
    parser.setFeature(feature_external_ges, {value})
    parser.setContentHandler(handler)
    parser.parse(source)
"""


def test_a_sax_parser_with_external_entities_off_is_the_safe_form() -> None:
    hardened = [f for f in analyze(HARDENED_SAX.format(value="False")) if f.rule_id == "B317"]
    opened = [f for f in analyze(HARDENED_SAX.format(value="True")) if f.rule_id == "B317"]
    assert [f.severity for f in hardened] == [Severity.INFO]
    assert [f.severity for f in opened] == [Severity.MEDIUM]


def test_a_parameter_named_like_an_import_is_not_what_bandit_took_it_for() -> None:
    """bandit reads call names file-wide; a function's own parameter `os` or `system` shadows the
    import there, so its B605 on them is dropped, and kept on the real module function."""
    code = textwrap.dedent(
        """
        import os
        from os import system

        def shadowed(os, cmd):
            os.system(cmd)

        def named(system, cmd):
            system(cmd)

        def real(cmd):
            os.system(cmd)
            system(cmd)
        """
    )
    lines = sorted(f.start_line for f in analyze(code) if f.rule_id == "B605")
    assert lines == [12, 13]


def test_an_xmlrpc_import_in_a_module_that_defuses_it_is_the_safe_form() -> None:
    plain = "import xmlrpc.client\n\nproxy = xmlrpc.client.ServerProxy('http://x')\n"
    defused = "import xmlrpc.client\nimport defusedxml.xmlrpc\n\ndefusedxml.xmlrpc.monkey_patch()\n" + plain
    assert [(f.severity, f.cwe) for f in analyze(plain) if f.rule_id == "B411"] == [(Severity.LOW, 776)]
    severities = {f.severity for f in analyze(defused) if f.rule_id == "B411"}
    assert severities == {Severity.INFO}


STDLIB_XML = """
import xml.etree.ElementTree as ET
from xml.dom import minidom
from flask import Flask, request

app = Flask(__name__)


@app.route("/feed", methods=["POST"])
def feed():
    root = ET.fromstring(request.data)
    doc = minidom.parseString(request.data)
    return root.tag + doc.documentElement.tagName
"""


def test_python_s_own_xml_parsers_are_an_entity_bomb_not_xxe() -> None:
    """ElementTree and minidom load no external entities; bandit's B314/B318 on them are the
    entity-expansion risk of an old expat: low, CWE-776, and no taint XXE finding."""
    from tests.unit.taint_helpers import taint

    found = [(f.rule_id, f.severity, f.cwe) for f in analyze(STDLIB_XML) if f.rule_id in ("B314", "B318")]
    assert found == [("B314", Severity.LOW, 776), ("B318", Severity.LOW, 776)]
    assert "load no external entities" in next(f.message for f in analyze(STDLIB_XML) if f.rule_id == "B314")
    assert taint({"app.py": STDLIB_XML}) == []


def test_a_stdlib_xml_finding_below_the_policy_floor_is_not_reported() -> None:
    """Demoted to low, B314 falls under `min_severity: medium` like any low finding."""
    found = analyze(STDLIB_XML, min_severity="medium")
    assert not [f for f in found if f.rule_id in ("B314", "B318")]


def test_a_sax_parser_that_turns_external_entities_on_stays_xxe() -> None:
    opened = [f for f in analyze(HARDENED_SAX.format(value="True")) if f.rule_id == "B317"]
    assert [(f.severity, f.cwe) for f in opened] == [(Severity.MEDIUM, 611)]
