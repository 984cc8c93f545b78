"""Suppressions: every form that silences a finding, and the ones that must not."""

from __future__ import annotations

import textwrap

from tests.unit.engine_helpers import added, engine_review, make_policy


def run(source: str):
    return engine_review(
        [added("svc/ops.py", textwrap.dedent(source))], make_policy({"gate": {"fail_on": "never"}})
    )


def rules(result) -> list[tuple[str, int]]:
    return [(f.rule_id, f.start_line) for f in result.findings]


def test_prguard_ignore_on_the_flagged_line_with_reason():
    result = run(
        """\
        import subprocess  # prguard: ignore[B404] the wrapper below is the only caller
        subprocess.call("/usr/bin/uptime", shell=True)  # prguard: ignore[B602, B604] constant command
        """
    )
    assert rules(result) == []
    assert [(s.rule_id, s.line, s.kind, s.reason) for s in result.suppressed] == [
        ("B404", 1, "prguard", "the wrapper below is the only caller"),
        ("B602", 2, "prguard", "constant command"),
    ]
    assert result.stats["suppressed"] == 2


def test_prguard_ignore_on_the_first_line_of_a_multi_line_statement():
    result = run(
        """\
        import subprocess  # prguard: ignore[B404] ok

        def rebuild(target):
            status = subprocess.call(  # prguard: ignore[B602] target comes from our own config
                "make " + target,
                shell=True,
            )
            return status
        """
    )
    assert rules(result) == []
    assert [(s.rule_id, s.line) for s in result.suppressed][-1] == ("B602", 4)


def test_ignore_for_another_rule_does_not_suppress():
    result = run(
        """\
        import subprocess  # prguard: ignore[B404] ok
        subprocess.call("/usr/bin/uptime", shell=True)  # prguard: ignore[B101] wrong rule
        """
    )
    assert rules(result) == [("B602", 2)]


def test_bare_prguard_ignore_does_not_suppress_and_is_noted():
    result = run(
        """\
        import subprocess  # prguard: ignore
        subprocess.call("/usr/bin/uptime", shell=True)  # prguard: ignore because I said so
        """
    )
    assert rules(result) == [("B404", 1), ("B602", 2)]
    assert result.suppressed == []
    assert sum("names no rule" in note for note in result.notes) == 2


def test_ignore_by_analyzer_name():
    result = run("import subprocess  # prguard: ignore[security] sandboxed tool\n")
    assert rules(result) == [] and result.suppressed[0].rule_id == "B404"


def test_nosec_forms_for_bandit_findings():
    result = run(
        """\
        import subprocess  # nosec
        import pickle  # nosec: B403 -- cache files are written by us
        subprocess.call("/usr/bin/uptime", shell=True)  # nosec B602 constant command
        subprocess.call("/usr/bin/w", shell=True)  # nosec subprocess_popen_with_shell_equals_true
        subprocess.call("/usr/bin/who", shell=True)  # nosec B603
        """
    )
    assert rules(result) == [("B602", 5)]
    used = [(s.rule_id, s.line, s.kind, s.reason) for s in result.suppressed]
    assert used == [
        ("B404", 1, "nosec", ""),
        ("B403", 2, "nosec", "cache files are written by us"),
        ("B602", 3, "nosec", "constant command"),
        ("B602", 4, "nosec", ""),
    ]


def test_nosec_on_any_line_of_a_multi_line_string_as_bandit_reads_it():
    """bandit flags the SQL of a multi-line f-string at its first line and takes a `# nosec` on
    any line of the string; one after the string (on the rest of the call) silences nothing."""
    result = run(
        """\
        def purge(c, table, cutoff):
            c.execute(f\"\"\"DELETE FROM "{table}"
                          WHERE ts < ?\"\"\", (cutoff,))  # nosec B608 quoted identifier
            c.execute(f\"\"\"DELETE FROM "{table}"
                          WHERE id < ?\"\"\",
                      (cutoff,))  # nosec B608 after the string
        """
    )
    assert rules(result) == [("B608", 4)]
    assert [(s.rule_id, s.line, s.reason) for s in result.suppressed] == [("B608", 3, "quoted identifier")]


def test_nosec_inside_a_string_is_not_a_comment():
    result = run('import subprocess\nsubprocess.call("ls # nosec", shell=True)\n')
    assert ("B602", 2) in rules(result)


def test_nosec_does_not_silence_other_analyzers():
    body = "\n".join(f"    if a{i} or b{i}:\n        c += {i}" for i in range(12))
    result = run(f"def decide(a0):  # nosec\n    c = 0\n{body}\n    return c\n")
    assert [f.rule_id for f in result.findings] == ["complexity-new-function"]
    silenced = run(
        f"def decide(a0):  # prguard: ignore[complexity-new-function] table-driven\n    c = 0\n{body}\n"
    )
    assert silenced.findings == [] and silenced.suppressed[0].reason == "table-driven"
