"""What the CLI skips at run time to start fast is still checked here: the shipped policy schema fragments
are valid JSON Schema, each built-in preset validates against the composed schema, the libyaml-parsed presets
equal the strict parser's result, and the detector names the secrets analyzer lists without importing
detect-secrets are exactly the detectors it runs."""

from __future__ import annotations

import subprocess
import sys

import pytest
from prguard import shipped_yaml
from prguard.analyzers.authorship_table import MARKERS_FILE
from prguard.analyzers.secrets import _plugin_names, _plugins
from prguard.policies.composer import PRESETS_DIR, check_fragments, preset_names
from prguard.policies.loader import builtin_policy, load_policy_text


def test_schema_fragments_are_valid_json_schema():
    check_fragments()


@pytest.mark.parametrize("name", preset_names())
def test_each_preset_validates_and_parses_the_same_both_ways(name):
    text = (PRESETS_DIR / f"{name}.yml").read_text(encoding="utf-8")
    strict = load_policy_text(text, f"preset {name}")  # the same validation a user's policy file gets
    assert builtin_policy(name) == strict


def test_listed_detector_names_are_the_detectors_run():
    assert _plugin_names() == tuple(type(plugin).__name__ for plugin in _plugins())


def test_a_review_without_policy_file_or_candidate_secret_imports_neither_jsonschema_nor_detect_secrets(
    tmp_path, monkeypatch
):
    """Nor PyYAML (the shipped YAML files' parse is cached: prguard.shipped_yaml), nor bandit's extension
    and scan managers (prguard.analyzers.bandit_tests) with stevedore and rich."""
    from tests.unit.test_cli_review import SERVICE_BASE, SERVICE_CLEAN, commit, git

    monkeypatch.setenv(shipped_yaml.CACHE_ENV, str(tmp_path / "cache"))
    for shipped in (MARKERS_FILE, PRESETS_DIR / "default.yml"):
        shipped_yaml.load(shipped)  # as the first run after installing does

    git(tmp_path, "init", "-q", "-b", "main")
    commit(tmp_path, {"svc/orders.py": SERVICE_BASE}, "base")
    git(tmp_path, "checkout", "-q", "-b", "feature")
    commit(tmp_path, {"svc/orders.py": SERVICE_CLEAN}, "head")
    probe = (
        "import sys\n"
        "from prguard.cli import main\n"
        f"code = main(['review', '--repo', {str(tmp_path)!r}, '--format', 'json', '--output', '/dev/null'])\n"
        "lazy = ('jsonschema', 'detect_secrets', 'prguard.cli.app', 'yaml', 'stevedore', 'rich',\n"
        "        'bandit.core.manager', 'bandit.core.extension_loader', 'sqlalchemy', 'flask', 'requests')\n"
        "print(code, sorted(m for m in lazy if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "0 []"


def test_the_program_leaves_its_heap_to_exit_but_callers_keep_their_collector():
    """`prguard` (arguments from sys.argv) freezes the heap once the report is written, so exit's
    collections skip it; a caller passing its own arguments (a test, `prguard action`'s Python use)
    keeps a normal collector."""
    probe = (
        "import gc, sys\n"
        "from prguard.cli import main\n"
        "args = ['review', '--example', '--format', 'json', '--output', '/dev/null']\n"
        "code = main(args)\n"
        "print(code, gc.get_freeze_count() > 0)\n"
        "sys.argv = ['prguard', *args]\n"
        "code = main()\n"
        "print(code, gc.get_freeze_count() > 0)\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    given, program = out.strip().splitlines()[-2:]
    assert given.endswith("False") and program.endswith("True")
