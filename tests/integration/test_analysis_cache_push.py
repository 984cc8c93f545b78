"""The analysis cache across a real push through the fake GitHub. Moved from
tests/unit/test_analysis_cache.py (marked integration there already)."""

from __future__ import annotations

import pytest
from prguard.github.auth import InstallationTokens
from prguard.queue.state import RedisKeys
from prguard.worker.analysis_cache import RedisAnalysisCache
from prguard.worker.pipeline import complete_check_run, run_review

from tests.unit import test_analysis_cache as unit_analysis_cache
from tests.unit.test_analysis_cache import CACHEABLE, INSTALLATION, OWNER, REPO, review_job, service_module

# the unit module's fixture, shared rather than copied
rds = unit_analysis_cache.rds


@pytest.mark.integration  # starts the fake GitHub server
def test_a_push_touching_one_of_fifty_files_reanalyses_exactly_that_file(fake_github, github_app_key, rds):
    keys = RedisKeys(rds.prefix)
    tokens = InstallationTokens(
        app_id=github_app_key.app_id, private_key=github_app_key.private_pem, api_url=fake_github.api_url,
        redis=rds.client, key_prefix=keys.prefix + "ghtoken:",
    )  # fmt: skip
    paths = [f"svc/queue_{i}.py" for i in range(50)]
    pull = fake_github.seed_pull(
        installation_id=INSTALLATION, owner=OWNER, repo=REPO,
        base_files={"svc/__init__.py": ""}, head_files={p: service_module(i) for i, p in enumerate(paths)},
    )  # fmt: skip
    results = []

    def publish(context):
        results.append(context.result)
        complete_check_run(context)

    def review(head_sha: str) -> RedisAnalysisCache:
        cache = RedisAnalysisCache(rds.client, INSTALLATION, prefix=keys.prefix)
        outcome = run_review(
            review_job(pull.number, head_sha), github=tokens, redis=rds.client, keys=keys,
            publisher=publish, cache=cache,
        )  # fmt: skip
        assert outcome.status == "completed"
        return cache

    first_cache = review(pull.head_sha)
    touched = paths[7]
    second_head = fake_github.push(
        OWNER,
        REPO,
        pull.number,
        {touched: service_module(7, "\n\ndef debug(expression):\n    return eval(expression)\n")},
    )
    second_cache = review(second_head)
    first, second = results

    analyzers = first.stats["analyzers"]
    ran = [name for name in CACHEABLE if name in analyzers]
    assert {"security", "complexity"} <= set(ran)
    for name in ran:
        assert analyzers[name]["files"] == 50 and analyzers[name]["cached"] == 0
        assert second.stats["analyzers"][name]["files"] == 1, name
        assert second.stats["analyzers"][name]["cached"] == 49, name
    assert first_cache.stores >= 50 * len(ran) and first_cache.hits == 0
    assert second_cache.hits >= 49 * len(ran) and second_cache.errors == 0

    def untouched(result):
        return [f.to_dict() for f in result.findings if f.path != touched]

    assert untouched(second) == untouched(first)
    assert len(untouched(first)) >= 9  # the shell=True modules, so the comparison is not vacuous
    # the new eval() on a parameter: taint's code injection (bandit's B307 merges into it)
    assert {f.rule_id for f in second.findings if f.path == touched} & {"B307", "taint-code-injection"}

    def maintainability(result):
        return sorted(
            (row["path"], row["after"]) for row in result.stats["maintainability"] if row["path"] != touched
        )

    assert maintainability(second) == maintainability(first) and len(maintainability(first)) == 49
