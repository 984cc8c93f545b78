"""Per-file analysis cache: a push that touches 1 of 50 files re-analyses 1 file."""

from __future__ import annotations

import textwrap

from prguard.analyzers.base import Analyzer
from prguard.engine.cache import CachedAnalysis, MemoryCache

from tests.unit.engine_helpers import added, engine_review, make_policy, modified


def module(i: int, extra: str = "") -> str:
    return (
        textwrap.dedent(
            f"""\
        import subprocess


        def task_{i}(target):
            if target:
                return subprocess.call(["make", target])
            return None
        """
        )
        + extra
    )


def test_second_review_with_one_of_fifty_files_changed_reanalyses_exactly_one():
    cache = MemoryCache()
    first = [added(f"svc/task_{i}.py", module(i)) for i in range(50)]
    result = engine_review(first, make_policy(), cache=cache)
    assert result.stats["analyzers"]["security"]["files"] == 50
    assert result.stats["analyzers"]["complexity"]["files"] == 50

    second = list(first)
    second[17] = added("svc/task_17.py", module(17, "\n\ndef extra():\n    return eval('1')\n"))
    result = engine_review(second, make_policy(), cache=cache)
    for name in ("security", "complexity"):
        assert result.stats["analyzers"][name]["files"] == 1
        assert result.stats["analyzers"][name]["cached"] == 49
    assert [(f.path, f.rule_id) for f in result.findings if f.rule_id == "B307"] == [
        ("svc/task_17.py", "B307")
    ]
    assert len(result.stats["maintainability"]) == 50  # metrics come back from the cache too


def test_cached_results_equal_fresh_ones_and_policy_changes_miss():
    files = [modified("svc/t.py", module(1), module(1, "\nimport pickle\nx = pickle.loads(b'')\n"))]
    cache = MemoryCache()
    fresh = engine_review(files, make_policy(), cache=cache)
    cached = engine_review(files, make_policy(), cache=cache)
    assert cached.to_dict()["findings"] == fresh.to_dict()["findings"]
    assert cached.stats["analyzers"]["security"]["files"] == 0
    stricter = engine_review(
        files, make_policy({"analyzers": {"security": {"min_confidence": "low"}}}), cache=cache
    )
    assert stricter.stats["analyzers"]["security"]["files"] == 1


def test_lru_evicts_the_least_recently_used_and_copies_entries():
    cache = MemoryCache(max_entries=2)
    cache.set("a", CachedAnalysis(()))
    cache.set("b", CachedAnalysis(()))
    assert cache.get("a") is not None
    cache.set("c", CachedAnalysis(()))
    assert cache.get("b") is None and cache.get("a") is not None and len(cache) == 2


class BrokenCache:
    def get(self, key):
        raise ConnectionError("redis down")

    def set(self, key, value):
        raise ConnectionError("redis down")


def test_a_broken_cache_is_a_miss_not_a_failed_review():
    result = engine_review([added("svc/t.py", module(1))], make_policy(), cache=BrokenCache())
    assert result.conclusion == "success"
    assert result.stats["cache_errors"] == 4
    assert result.stats["analyzers"]["security"]["files"] == 1


class CrossFile(Analyzer):
    name = "rules"
    cacheable = False
    calls = 0

    def analyze(self, files):
        CrossFile.calls += 1
        return iter(())


def test_cross_file_analyzers_are_not_cached():
    cache = MemoryCache()
    files = [added("svc/t.py", module(1))]
    for _ in range(2):
        engine_review(files, make_policy(), cache=cache, analyzers=[CrossFile()])
    assert CrossFile.calls == 2 and len(cache) == 0
