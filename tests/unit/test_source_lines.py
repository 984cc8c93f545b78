"""Line numbers and quoted code stay right in files whose string literals hold characters that
`str.splitlines` would break at (U+2028, form feed), as real code does in its JavaScript escapers."""

from __future__ import annotations

from prguard.engine.model import source_lines
from prguard.report.sarif import to_sarif

from tests.unit.engine_helpers import added, engine_review, make_policy
from tests.unit.taint_helpers import taint

ESCAPER = 'def js(text):\n    return text.replace("\u2028", "\\\\u2028").replace("\x0c", "")\n'


def test_only_python_line_ends_split_lines():
    assert source_lines("a\u2028b\r\nc\rd\x0ce\n") == ["a\u2028b", "c", "d\x0ce"]
    assert source_lines("") == [] and source_lines("\n") == [""] and source_lines("x") == ["x"]


def test_a_finding_after_a_separator_quotes_its_own_line():
    code = (
        ESCAPER + "import os\nfrom flask import request\n\ndef run():\n    os.system(request.args['cmd'])\n"
    )
    [finding] = [f for f in taint(code) if f.rule_id == "taint-command-injection"]
    assert finding.start_line == 7
    assert "os.system" in finding.message and "request.args['cmd']" in finding.message


def test_sarif_hashes_the_line_the_finding_is_on():
    """The same `os.system` line hashes alike whether or not a separator sits in a literal above."""
    tail = "import os\n\ndef run(cmd):\n    os.system('ls ' + cmd)\n"
    hashes = []
    for escaper in (ESCAPER, ESCAPER.replace("\u2028", "x").replace("\x0c", "y")):
        text = escaper + tail
        result = engine_review([added("svc/run.py", text)], make_policy())
        [finding] = [f for f in result.findings if f.rule_id == "B605"]
        assert finding.start_line == 6
        [entry] = [
            r
            for r in to_sarif(result, {"svc/run.py": text.encode()})["runs"][0]["results"]
            if r["ruleId"] == "B605"
        ]
        hashes.append(entry["partialFingerprints"]["primaryLocationLineHash"])
    assert hashes[0] == hashes[1]


def test_a_file_with_a_byte_order_mark_is_read_as_python_reads_it():
    """Python runs a source file that starts with a UTF-8 byte-order mark; `ast.parse` of its text
    with the mark kept refuses it, which skipped the file as a syntax error."""
    text = b"\xef\xbb\xbfimport os\n\n\ndef run(cmd):\n    os.system('ls ' + cmd)\n"
    result = engine_review([added("svc/run.py", text)], make_policy())
    assert result.skipped == []
    assert [(f.rule_id, f.start_line) for f in result.findings] == [("B605", 5)]
