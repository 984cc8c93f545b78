"""detect-secrets imports `requests` for a verification prguard never runs: the secrets analyzer
lets that import wait until something really uses `requests` (prguard.analyzers.secrets)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from prguard.analyzers.secrets import DETECTOR_MODULES, SKIPPED_DETECTORS, _plugins


def _run(code: str) -> str:
    proc = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


def test_finding_a_secret_does_not_import_requests() -> None:
    out = _run(
        """
        import sys
        from prguard.analyzers import secrets
        wanted = frozenset(["KeywordDetector"])
        found = list(secrets._detect_text("a.py", 'password = "hunter2hunter2xx"', wanted))
        assert found and found[0][0] == "KeywordDetector", found
        print(type(sys.modules["requests"]).__name__, "urllib3" in sys.modules)
        """
    )
    assert out == "_DeferredModule False"


def test_requests_used_later_is_the_real_module() -> None:
    out = _run(
        """
        import sys
        from prguard.analyzers import secrets
        secrets._plugins()
        from detect_secrets.plugins import base
        import requests
        import requests.adapters  # a submodule import loads the real package
        assert sys.modules["requests"].Session is requests.Session
        real = sys.modules["requests"]
        assert base.requests.exceptions.RequestException is real.exceptions.RequestException
        print(type(sys.modules["requests"]).__name__, requests.adapters.HTTPAdapter.__name__)
        """
    )
    assert out == "module HTTPAdapter"


def test_an_imported_module_is_left_alone() -> None:
    out = _run(
        """
        import sys
        import requests
        real = sys.modules["requests"]
        from prguard.analyzers import secrets
        secrets._defer_import("requests")
        secrets._defer_import("no_such_module_anywhere")
        print(sys.modules["requests"] is real, "no_such_module_anywhere" in sys.modules)
        """
    )
    assert out == "True False"


def test_the_detector_table_is_detect_secrets_own() -> None:
    from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class

    theirs = {
        cls.__name__: cls.__module__.removeprefix("detect_secrets.plugins.")
        for cls in get_mapping_from_secret_type_to_class().values()
        if cls.__name__ not in SKIPPED_DETECTORS
    }
    assert theirs == DETECTOR_MODULES


def test_only_the_detectors_asked_for_are_built() -> None:
    assert [type(p).__name__ for p in _plugins(frozenset({"KeywordDetector", "AWSKeyDetector"}))] == [
        "AWSKeyDetector",
        "KeywordDetector",
    ]
    assert _plugins(frozenset({"KeywordDetector"}))[0] is _plugins()[-1]  # one instance each


def test_finding_a_secret_does_not_run_the_package_init() -> None:
    out = _run(
        """
        import sys
        from prguard.analyzers import secrets
        wanted = frozenset(["KeywordDetector", "Base64HighEntropyString"])
        found = list(secrets._detect_text("a.py", 'password = "hunter2hunter2xx"', wanted))
        assert found and found[0][0] == "KeywordDetector", found
        print("detect_secrets.core.secrets_collection" in sys.modules)
        """
    )
    assert out == "False"


def test_the_package_init_runs_when_one_of_its_names_is_used() -> None:
    out = _run(
        """
        import sys
        from prguard.analyzers import secrets
        secrets._plugins()
        import detect_secrets
        from detect_secrets import SecretsCollection
        from detect_secrets.core.secrets_collection import SecretsCollection as real
        collection = SecretsCollection()
        print(SecretsCollection is real, detect_secrets.SecretsCollection is real, len(collection.files))
        """
    )
    assert out == "True True 0"


def test_an_imported_package_is_left_alone() -> None:
    out = _run(
        """
        import sys
        import detect_secrets
        real = sys.modules["detect_secrets"]
        from prguard.analyzers import secrets
        secrets._plugins()
        print(sys.modules["detect_secrets"] is real, hasattr(real, "SecretsCollection"))
        """
    )
    assert out == "True True"
