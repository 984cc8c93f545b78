"""Shared test helpers. Feature fixtures live in their own modules, listed in pytest_plugins."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
WEBHOOK_FIXTURES = ROOT / "tests" / "fixtures" / "github-webhooks"

# One line per fixture module, e.g. "tests.fake_github.fixture".
pytest_plugins: list[str] = ["tests.fake_github.fixture", "tests.ledger_helpers"]


def load_webhook(event: str, name: str) -> dict:
    """A real payload from GitHub's examples (tests/fixtures/github-webhooks, MIT, octokit/webhooks)."""
    return json.loads((WEBHOOK_FIXTURES / event / name).read_text())


@pytest.fixture
def webhook_payload():
    return load_webhook


@pytest.fixture(autouse=True, scope="session")
def _private_index_cache(tmp_path_factory):
    """Reviews keep per-file facts and base summaries by content in the index cache: during the tests
    that is a folder of this run, not the user's cache directory."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PRGUARD_INDEX_CACHE", str(tmp_path_factory.mktemp("index-cache")))
        yield
