"""prguard.analyzers.bandit_tests: bandit's test set without bandit's extension manager, the same as
bandit's own. Run in a fresh interpreter: the lean loading only happens before bandit is imported."""

from __future__ import annotations

import json
import subprocess
import sys

_SCRIPT = r"""
import copy, json, sys
from prguard.analyzers.bandit_tests import test_set
from prguard.engine.plugin import installed_entry_points

lean = test_set(installed_entry_points())
watched = ("bandit.core.", "stevedore", "rich", "bandit.formatters")
loaded = sorted(m for m in sys.modules if m.startswith(watched))
lean_functions = {kind: list(tests) for kind, tests in lean.tests.items()}
lean_configs = {
    f.__name__: copy.deepcopy(getattr(f, "_config", None)) for t in lean_functions.values() for f in t
}

import bandit
version = bandit.__version__  # the package's own __init__ runs on first use of what only it defines
from bandit.core import config, test_set as real_test_set

real = real_test_set.BanditTestSet(config.BanditConfig(), profile={}).tests
real_configs = {f.__name__: getattr(f, "_config", None) for t in real.values() for f in t}
blacklist = [f for f in lean_functions.get("Call", []) if f.__name__ == "blacklist"]
print(json.dumps({
    "loaded": loaded,
    "version": version,
    "same_tests": {k: [f.__name__ for f in t] for k, t in lean_functions.items()}
    == {k: [f.__name__ for f in t] for k, t in real.items()},
    "same_functions": all(a is b for k, t in real.items() for a, b in zip(t, lean_functions[k], strict=True)),
    "same_configs": lean_configs == real_configs,
    "tests": sum(len(t) for t in lean_functions.values()),
    "blacklist_ids": len({c["id"] for f in blacklist for c in f._config.get("Call", [])}),
}, default=str))
"""


def _run() -> dict:
    out = subprocess.run([sys.executable, "-c", _SCRIPT], capture_output=True, text=True, check=True).stdout
    return json.loads(out)


def test_the_lean_test_set_is_bandits_own_and_imports_no_extension_manager() -> None:
    result = _run()
    # neither the extension manager (stevedore, formatters) nor the scan manager (rich) was imported
    assert "bandit.core.blacklisting" in result["loaded"]
    unwanted = (
        "bandit.core.extension_loader",
        "bandit.core.manager",
        "bandit.core.config",
        "stevedore",
        "rich",
    )
    assert not [name for name in result["loaded"] if name.startswith(unwanted)]
    assert not [name for name in result["loaded"] if name.startswith("bandit.formatters")]
    assert result["tests"] > 40 and result["blacklist_ids"] > 20
    # every node type maps to the same test functions, in the same order, with the same options
    assert result["same_tests"] and result["same_functions"] and result["same_configs"]
    assert result["version"]
