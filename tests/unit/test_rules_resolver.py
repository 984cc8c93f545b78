"""Policy `rules:` match through the shared resolver: aliases, builtins, receivers by type."""

from __future__ import annotations

import pytest
from prguard.analyzers.rules import RulesAnalyzer
from prguard.engine.model import ChangedFile
from prguard.engine.review import review
from prguard.policies.loader import load_policy


def _ids(call: str, source: str) -> list[str]:
    policy = load_policy(
        repo_text="rules:\n  - {id: R-1, message: forbidden, severity: high, kind: forbidden_call, "
        f"call: '{call}'}}\n"
    )
    changed = ChangedFile("app/mod.py", "added", source.encode(), None)
    return [
        f.rule_id for f in review([changed], policy, ai_authored=False, analyzers=[RulesAnalyzer()]).findings
    ]


@pytest.mark.parametrize(
    "source",
    [
        "eval(x)\n",
        "import builtins\nbuiltins.eval(x)\n",
        "import builtins\ngetattr(builtins, 'eval')(x)\n",
        "run = eval\nrun(x)\n",
    ],
)
def test_a_builtin_through_any_spelling(source: str) -> None:
    assert _ids("eval", source) == ["R-1"]


def test_a_method_rule_by_receiver_type() -> None:
    source = "import ldap3\nconn = ldap3.Connection(server)\nconn.search(base, flt)\n"
    assert _ids("ldap3.Connection.search", source) == ["R-1"]
    assert _ids("ldap3.Connection.search", "results.search(base, flt)\n") == []


def test_legacy_in_segment_wildcard_still_works() -> None:
    assert _ids("subprocess.*open", "import subprocess\nsubprocess.Popen(['ls'])\n") == ["R-1"]
    assert _ids("subprocess.*", "import subprocess as sp\nsp.run(['ls'])\n") == ["R-1"]


def test_star_imports_of_absolute_modules_give_their_readings_and_bound_names_do_not() -> None:
    assert _ids("os.system", "from os import *\nsystem('ls')\n") == ["R-1"]
    # a relative star import names no module a policy can spell: no extra reading
    assert _ids("helpers.system", "from .helpers import *\nsystem('ls')\n") == []
    # a name a relative import binds is that import's, not a star import's
    assert _ids("os.run", "from os import *\nfrom .tools import run\nrun('ls')\n") == []
