"""The Semgrep tests' policy, rule files and changed files, shared by the unit and integration tests."""

from __future__ import annotations

from prguard.analyzers.semgrep import SemgrepAnalyzer
from prguard.engine.model import ChangedFile
from prguard.engine.review import review
from prguard.policies.loader import load_policy

POLICY = (
    "paths:\n  include: ['**/*.py', '**/*.js']\nsemgrep:\n  rules: ['.semgrep/', 'org:semgrep/base.yml']\n"
)
RULE_FILES = {
    ".semgrep/javascript.yml": """\
rules:
  - id: no-eval
    pattern: eval($CODE)
    message: eval() runs whatever string it is given
    languages: [javascript]
    severity: ERROR
    fix: JSON.parse($CODE)
    metadata:
      cwe: "CWE-95: Improper Neutralization of Directives in Dynamically Evaluated Code"
""",
    ".semgrep/python.yml": """\
rules:
  - id: no-yaml-load
    pattern: yaml.load(...)
    message: yaml.load builds arbitrary objects; use yaml.safe_load
    languages: [python]
    severity: WARNING
""",
    "org:semgrep/base.yml": """\
rules:
  - id: todo-left
    pattern-regex: "TODO\\\\(nobody\\\\)"
    message: a TODO nobody owns
    languages: [generic]
    severity: INFO
""",
}
JS_BASE = "const a = eval(old);\n"
JS_HEAD = (
    "const a = eval(old);\nconst b = eval(input);\n"
    "// nosemgrep: no-eval trusted build-time constant\nconst c = eval(CONFIG);\n"
)
JS_PATCH = (
    "@@ -1 +1,4 @@\n const a = eval(old);\n+const b = eval(input);\n"
    "+// nosemgrep: no-eval trusted build-time constant\n+const c = eval(CONFIG);\n"
)
PY_HEAD = "import yaml\n\n\ndef load(text):\n    return yaml.load(text)  # TODO(nobody)\n"


def semgrep_files() -> list[ChangedFile]:
    return [
        ChangedFile("web/app.js", "modified", JS_HEAD.encode(), JS_BASE.encode(), JS_PATCH),
        ChangedFile("svc/config.py", "added", PY_HEAD.encode(), None),
    ]


def semgrep_review(**kwargs):
    policy = load_policy(repo_text=POLICY)
    return review(
        semgrep_files(),
        policy,
        ai_authored=False,
        analyzers=[SemgrepAnalyzer(**kwargs)],
        rule_files=RULE_FILES,
    )
