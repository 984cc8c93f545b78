"""The engine end to end: scope, new versus existing, de-duplication, failures, authorship, policy."""

from __future__ import annotations

import textwrap

from prguard.analyzers.base import Analyzer
from prguard.analyzers.security import SecurityAnalyzer
from prguard.engine.model import CommitInfo, Finding, Person, PullRequestInfo, Severity, make_fingerprint
from prguard.policies.model import PolicyError

from tests.unit.engine_helpers import added, engine_review, make_policy, modified

TASKS = textwrap.dedent(
    """\
    import subprocess

    import requests


    def sync_mirror(url):
        response = requests.get(url, timeout=5)
        return response.json()


    def rebuild(target):
        return subprocess.call("make " + target, shell=True)
    """
)


def test_changed_lines_scope_keeps_only_findings_on_added_lines():
    head = TASKS.replace("timeout=5)", "timeout=5, verify=False)")
    result = engine_review([modified("svc/tasks.py", TASKS, head)], make_policy())
    assert [(f.rule_id, f.start_line) for f in result.findings] == [("B501", 7)]
    assert result.stats["outside_diff"] == 2 and result.stats["pre_existing"] == 0


def test_changed_files_scope_reports_new_findings_anywhere_in_the_file():
    head = TASKS.replace("timeout=5)", "timeout=5, verify=False)")
    base = TASKS.replace('"make " + target, shell=True', '["make", target]')
    result = engine_review([modified("svc/tasks.py", base, head)], make_policy({"scope": "changed_files"}))
    assert sorted(f.rule_id for f in result.findings) == ["B501", "B602"]
    narrow = engine_review([modified("svc/tasks.py", base, head)], make_policy())
    assert sorted(f.rule_id for f in narrow.findings) == ["B501", "B602"]  # line 12 changed too


def test_finding_that_exists_at_base_is_dropped_even_when_its_line_is_touched():
    head = TASKS.replace('"make " + target, shell=True', '"make " + target,  shell=True')
    result = engine_review([modified("svc/tasks.py", TASKS, head)], make_policy())
    assert result.findings == []
    assert result.stats["pre_existing"] == 1
    reported = engine_review([modified("svc/tasks.py", TASKS, head)], make_policy({"report_existing": True}))
    assert [f.rule_id for f in reported.findings] == ["B602"]


def test_moved_finding_keeps_its_fingerprint_and_stays_pre_existing():
    head = TASKS.replace("\n\ndef rebuild", '\n\ndef version():\n    return "1.0"\n\n\ndef rebuild').replace(
        "    return subprocess", "    # rebuild the target\n    return subprocess"
    )
    result = engine_review([modified("svc/tasks.py", TASKS, head)], make_policy({"scope": "changed_files"}))
    assert result.findings == []
    assert result.stats["pre_existing"] == 2


def test_repeated_identical_findings_are_unique_and_a_second_copy_is_new():
    base = TASKS
    head = TASKS.replace(
        '    return subprocess.call("make " + target, shell=True)',
        '    subprocess.call("make " + target, shell=True)\n'
        '    return subprocess.call("make " + target, shell=True)',
    )
    result = engine_review([modified("svc/tasks.py", base, head)], make_policy({"scope": "changed_files"}))
    assert len(result.findings) == 1
    again = engine_review([added("svc/tasks.py", head)], make_policy())
    shells = [f for f in again.findings if f.rule_id == "B602"]
    assert len(shells) == 2 and shells[0].fingerprint != shells[1].fingerprint


class Fixed(Analyzer):
    """An analyzer that reports what it is told to (de-duplication and failure tests)."""

    def __init__(
        self,
        name: str,
        findings: list[tuple[int, int | None]],
        *,
        crash: bool = False,
        precedence: int = 1000,
    ) -> None:
        self.name = name
        self.planned = findings
        self.crash = crash
        self.precedence = precedence

    def analyze_file(self, ctx):
        if self.crash:
            raise KeyError("boom")
        for line, cwe in self.planned:
            fp = make_fingerprint(self.name, ctx.path, ctx.head.lines[line - 1])
            yield Finding(
                f"{self.name}-1", self.name, Severity.MEDIUM, ctx.path, line, line, "m", fp, cwe=cwe
            )


def test_same_problem_from_two_analyzers_is_reported_once_by_precedence():
    # the declared precedence decides, not the name: "security" ranks after "instrumentation" here
    analyzers = [
        Fixed("security", [(7, 400), (12, 78)], precedence=40),
        Fixed("instrumentation", [(7, 400), (8, None)], precedence=20),
        Fixed("taint", [(12, 78)], precedence=10),
        Fixed("complexity", [(12, 1121)], precedence=50),
    ]
    result = engine_review([added("svc/tasks.py", TASKS)], make_policy(), analyzers=analyzers)
    assert sorted((f.start_line, f.analyzer) for f in result.findings) == [
        (7, "instrumentation"),
        (8, "instrumentation"),
        (12, "complexity"),
        (12, "taint"),
    ]
    assert result.stats["duplicates"] == 2
    assert result.stats["analyzers"]["security"]["findings"] == 0


def test_precedence_is_read_from_the_declaration_not_the_name():
    analyzers = [Fixed("security", [(7, 400)], precedence=5), Fixed("taint", [(7, 400)], precedence=50)]
    result = engine_review([added("svc/tasks.py", TASKS)], make_policy(), analyzers=analyzers)
    assert [f.analyzer for f in result.findings] == ["security"]


def test_prguards_own_analyzers_are_registered_as_entry_points_in_their_declared_order():
    from prguard.engine.plugin import plugins

    found = plugins()
    assert found.errors == ()
    own = ["security", "complexity", "instrumentation", "taint", "rules", "secrets", "semgrep"]
    assert [cls.name for cls in found.analyzers if cls.name in own] == own
    by_name = {cls.name: cls for cls in found.analyzers}
    assert (
        by_name["taint"].precedence < by_name["instrumentation"].precedence < by_name["security"].precedence
    )
    assert by_name["taint"].proves_safe and by_name["taint"].needs_all_files


def test_an_analyzer_crash_is_recorded_and_makes_the_review_neutral():
    analyzers = [Fixed("rules", [], crash=True), SecurityAnalyzer()]
    safe = TASKS.replace(" + target, shell=True", ", target")
    result = engine_review(
        [added("svc/tasks.py", safe)],
        make_policy({"analyzers": {"security": {"ignore": ["B404"]}}}),
        analyzers=analyzers,
    )
    assert result.conclusion == "neutral"
    assert result.stats["analyzers"]["rules"]["errors"] == ["rules failed on svc/tasks.py: KeyError: 'boom'"]
    assert any("analyzer(s) failed: rules" in note for note in result.notes)
    assert result.stats["analyzers"]["security"]["files"] == 1


def test_ai_authored_overrides_tighten_the_gate():
    overrides = {"gate": {"fail_on": "high"}, "ai_authored": {"gate": {"fail_on": "medium"}}}
    head = TASKS.replace("import requests", "import requests\nimport yaml")
    head = head.replace("timeout=5)", "timeout=5)\n    data = yaml.load(response.text)")
    change = [modified("svc/tasks.py", TASKS, head)]
    human = engine_review(change, make_policy(overrides), ai_authored=False)
    machine = engine_review(change, make_policy(overrides), ai_authored=True)
    assert human.conclusion == "success" and machine.conclusion == "failure"
    assert machine.authorship == {"ai_authored": True, "source": "caller"}
    assert machine.risk > human.risk


def test_authorship_is_detected_from_the_pull_request_when_not_given():
    commit = CommitInfo(
        sha="a1b2c3d4",
        message=(
            "Add mirror sync\n\nGenerated with Claude Code\n\nCo-Authored-By: Claude <noreply@anthropic.com>"
        ),
        author=Person("Dev", "dev@example.com", "dev"),
    )
    pull = PullRequestInfo(number=7, title="Add mirror sync", author_login="dev", commits=(commit,))
    result = engine_review([added("svc/tasks.py", TASKS)], make_policy(), pull)
    assert result.authorship is not None and result.authorship["ai_authored"] is True
    assert result.policy.sources[-1] == "ai_authored overrides" or not result.policy.get("ai_authored")


def test_broken_policy_file_requires_action():
    error = PolicyError(".github/prguard.yml", "unknown key", key="gate.fail_onn", line=3)
    result = engine_review([added("svc/ok.py", "x = 1\n")], make_policy(errors=(error,)))
    assert result.conclusion == "action_required"


def test_gate_fail_on_thresholds_and_never():
    change = [added("svc/tasks.py", TASKS)]  # B602 high, B404 low
    assert engine_review(change, make_policy({"gate": {"fail_on": "high"}})).conclusion == "failure"
    assert engine_review(change, make_policy({"gate": {"fail_on": "never"}})).conclusion == "success"
    quiet = make_policy({"analyzers": {"security": {"ignore": ["B602"]}}, "gate": {"fail_on": "medium"}})
    assert engine_review(change, quiet).conclusion == "success"
    assert (
        engine_review(
            change, make_policy({"analyzers": {"security": {"ignore": ["B602"]}}, "gate": {"fail_on": "low"}})
        ).conclusion
        == "failure"
    )


def test_result_json_shape_and_stats():
    result = engine_review([added("svc/tasks.py", TASKS)], make_policy())
    data = result.to_dict()
    assert set(data) >= {"conclusion", "findings", "authorship", "skipped", "suppressed", "stats"}
    stats = data["stats"]
    assert stats["files_reviewed"] == 1 and stats["lines_added"] == TASKS.count("\n")
    assert set(stats["analyzers"]) == {"security", "complexity"}
    for name in ("security", "complexity"):
        assert {"files", "findings", "duration_ms"} <= set(stats["analyzers"][name])
    assert stats["maintainability"][0]["path"] == "svc/tasks.py"
    assert stats["maintainability"][0]["before"] is None
    assert 0 <= data["risk"] <= 100


def test_new_file_without_a_patch_counts_as_all_added():
    result = engine_review([added("svc/tasks.py", TASKS, with_patch=False)], make_policy())
    assert {f.rule_id for f in result.findings} == {"B404", "B602"}
    assert result.stats["lines_added"] == TASKS.count("\n")


def test_time_budget_cut_is_neutral_and_lists_the_files_left():
    files = [added(f"svc/m{i}.py", "x = 1\n") for i in range(3)]
    result = engine_review(files, make_policy(), time_budget=1e-9)
    assert result.conclusion == "neutral"
    assert {s.reason for s in result.skipped} == {"time-budget"}
