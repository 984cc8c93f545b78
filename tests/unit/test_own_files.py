"""Pickles a module reads back from where it dumps them itself: low, naming the file; any other
load keeps its severity."""

from __future__ import annotations

import pytest
from prguard.engine.model import Severity

from tests.unit.test_security import analyze, severities_of


def load_severities(code: str) -> dict[int, Severity]:
    return severities_of(code, "B301", "PG-VULN023")


ROUND_TRIPS = [
    # a state file under an attribute, opened with `with` on both sides
    "import pickle\nclass Store:\n    def save(self, state):\n"
    "        with open(self.state_file, 'wb') as f:\n            pickle.dump(state, f)\n"
    "    def load(self):\n        with open(self.state_file, 'rb') as f:\n"
    "            return pickle.load(f)\n",
    # a module constant, opened in the call; `cls.` in a class method is the instance's `self.`
    "import pickle\nDATA = 'posts.pkl'\ndef save(posts):\n    pickle.dump(posts, open(DATA, 'wb'))\n"
    "def load():\n    f = open(DATA, 'rb')\n    return pickle.load(f)\n",
    "import pickle\nclass Status:\n    @classmethod\n    def load(cls):\n"
    "        return pickle.load(open(cls.path(), 'rb'))\n"
    "    def save(self):\n        with open(self.path(), 'wb') as fobj:\n"
    "            pickle.dump(self, fobj)\n",
    # joblib and torch take the path itself
    "import joblib\nclass Model:\n    def train(self, m):\n        joblib.dump(m, self.model_path)\n"
    "    def restore(self):\n        return joblib.load(self.model_path)\n",
]

OTHER_LOADS = [
    # what a caller hands over
    "import pickle\ndef load(upload):\n    return pickle.load(upload)\n",
    # the same local name in two functions is two files
    "import pickle\ndef reads(f):\n    return pickle.load(f)\ndef writes(x, f):\n    pickle.dump(x, f)\n",
    "import joblib\ndef restore(path):\n    return joblib.load(path)\n"
    "def train(m, path):\n    joblib.dump(m, path)\n",
    # written to one file, read from another
    "import pickle\nclass Store:\n    def save(self, s):\n        pickle.dump(s, open(self.out, 'wb'))\n"
    "    def load(self):\n        return pickle.load(open(self.inbox, 'rb'))\n",
    # written with another format: JSON text read back as a pickle is still a pickle load
    "import json, pickle\nclass Store:\n    def save(self, s):\n        json.dump(s, open(self.path, 'w'))\n"
    "    def load(self):\n        return pickle.load(open(self.path, 'rb'))\n",
]


@pytest.mark.parametrize("code", ROUND_TRIPS)
def test_a_pickle_read_back_from_the_modules_own_dump_is_low(code: str) -> None:
    severities = load_severities(code)
    assert severities and set(severities.values()) == {Severity.LOW}, severities


@pytest.mark.parametrize("code", OTHER_LOADS)
def test_any_other_pickle_load_keeps_its_severity(code: str) -> None:
    severities = load_severities(code)
    assert severities and all(s.at_least(Severity.MEDIUM) for s in severities.values()), severities


def test_the_low_finding_names_the_file() -> None:
    (finding,) = [f for f in analyze(ROUND_TRIPS[0]) if f.rule_id == "B301"]
    assert "`self.state_file`" in finding.message


def test_a_pickle_round_trip_through_memory_names_no_file() -> None:
    """bandit's own fixture: a module-level `BytesIO` dumped to and loaded from is no file the
    module keeps; the load keeps bandit's severity."""
    code = "import io, pickle\nf = io.BytesIO()\npickle.dump([1, 2], f)\nf.seek(0)\nprint(pickle.load(f))\n"
    severities = load_severities(code)
    assert severities and all(s.at_least(Severity.MEDIUM) for s in severities.values()), severities


def test_a_file_name_bound_again_reads_the_file_it_was_bound_to_last() -> None:
    """`f` opened on two files in turn: only the load of the file the module dumps is its own."""
    code = (
        "import pickle\ndef save(x):\n    pickle.dump(x, open('a.pkl', 'wb'))\ndef load():\n"
        "    with open('a.pkl', 'rb') as f:\n        a = pickle.load(f)\n"
        "    with open('b.pkl', 'rb') as f:\n        b = pickle.load(f)\n    return a, b\n"
    )
    assert load_severities(code) == {6: Severity.LOW, 8: Severity.MEDIUM}
