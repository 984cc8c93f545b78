"""The review pipeline against the fake GitHub server: check runs, retries, stale jobs, time limits. Moved
from tests/unit/test_pipeline.py (marked integration there already)."""

from __future__ import annotations

import pytest
from prguard.github.errors import TransientGitHubError
from prguard.queue.jobs import ReviewJob
from prguard.queue.state import PullState
from prguard.worker.checkruns import external_id
from prguard.worker.pipeline import run_review

from tests.unit import test_pipeline as unit_pipeline
from tests.unit.test_pipeline import CREATE, INSTALLATION, OWNER, REPO, UPDATE, job_for, run

# the unit module's fixtures, shared rather than copied
env = unit_pipeline.env


@pytest.mark.integration  # starts the fake GitHub server
def test_a_job_creates_the_run_in_progress_and_completes_it_with_the_engines_conclusion(env):
    outcome = run(env, job_for(env))
    assert outcome.status == "completed"
    [created] = env.fake.calls("POST", CREATE)
    assert created.body["status"] == "in_progress" and created.body["name"] == "prguard"
    [check] = env.fake.check_runs(OWNER, REPO)
    assert check["status"] == "completed"
    assert check["conclusion"] == outcome.conclusion == "failure"  # shell=True is a high finding
    assert check["output"]["annotations_count"] >= 1


@pytest.mark.integration  # starts the fake GitHub server
def test_retry_after_a_transient_error_reuses_the_same_check_run(env):
    job = job_for(env)
    env.fake.inject("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/files", 502, 502, 502)
    with pytest.raises(TransientGitHubError):
        run(env, job)
    [check] = env.fake.check_runs(OWNER, REPO)
    assert check["status"] == "in_progress"
    assert env.fake.pending_faults() == 0
    env.redis.delete(env.keys.check_run(INSTALLATION, f"{OWNER}/{REPO}", external_id(job)))  # found via list
    outcome = run(env, job)
    assert outcome.status == "completed"
    assert len(env.fake.calls("POST", CREATE)) == 1
    [check] = env.fake.check_runs(OWNER, REPO)
    assert check["status"] == "completed"


@pytest.mark.integration  # starts the fake GitHub server
def test_a_job_run_twice_publishes_once(env):
    job = job_for(env)
    assert run(env, job).status == "completed"
    patches = len(env.fake.calls("PATCH", UPDATE))
    again = run(env, job)
    assert again.status == "already-completed"
    assert len(env.fake.calls("PATCH", UPDATE)) == patches
    assert len(env.fake.calls("POST", CREATE)) == 1


@pytest.mark.integration  # starts the fake GitHub server
def test_stale_job_stops_before_any_github_call(env):
    state = PullState(env.redis, env.keys)
    env.redis.hset(env.keys.pull(INSTALLATION, f"{OWNER}/{REPO}", env.pull.number), "sha", "f" * 40)
    assert state.latest_head(INSTALLATION, f"{OWNER}/{REPO}", env.pull.number) == "f" * 40
    outcome = run(env, job_for(env))
    assert outcome.status == "superseded" and outcome.detail == f"superseded by {'f' * 40}"
    assert env.fake.calls() == []


@pytest.mark.integration  # starts the fake GitHub server
def test_stale_job_cancels_the_run_an_earlier_attempt_made(env):
    job = job_for(env)
    env.fake.inject("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/files", 502, 502, 502)
    with pytest.raises(TransientGitHubError):
        run(env, job)
    newer = env.fake.push(OWNER, REPO, env.pull.number, {"pkg/other.py": "Y = 2\n"})
    env.redis.hset(env.keys.pull(INSTALLATION, f"{OWNER}/{REPO}", env.pull.number), "sha", newer)
    outcome = run(env, job)
    assert outcome.status == "superseded"
    [check] = env.fake.check_runs(OWNER, REPO)
    assert check["conclusion"] == "cancelled"
    assert check["output"]["title"] == f"Superseded by {newer[:7]}"


@pytest.mark.integration  # starts the fake GitHub server
def test_a_push_that_lands_before_the_fetch_cancels_instead_of_publishing(env):
    job = job_for(env)
    newer = env.fake.push(OWNER, REPO, env.pull.number, {"pkg/other.py": "Y = 2\n"})
    outcome = run(env, job)
    assert outcome.status == "superseded" and newer in outcome.detail
    [check] = env.fake.check_runs(OWNER, REPO)
    assert check["head_sha"] == job.head_sha != newer
    assert check["conclusion"] == "cancelled"
    assert "annotations_count" not in check["output"] or check["output"]["annotations_count"] == 0


@pytest.mark.integration  # starts the fake GitHub server
def test_removed_installation_drops_queued_work(env):
    PullState(env.redis, env.keys).mark_removed(INSTALLATION)
    outcome = run(env, job_for(env))
    assert outcome.status == "dropped"
    assert env.fake.calls() == []


@pytest.mark.integration  # starts the fake GitHub server
def test_command_without_a_known_head_reads_it_and_acknowledges(env):
    comment = env.fake.add_issue_comment(OWNER, REPO, env.pull.number, "/prguard review")
    job = ReviewJob(
        INSTALLATION, OWNER, REPO, env.pull.number, None, "d-cmd", "command.review", comment["id"]
    )
    outcome = run(env, job)
    assert outcome.status == "completed" and outcome.head_sha == env.pull.head_sha
    reactions = env.fake.calls("POST", "/repos/{owner}/{repo}/issues/comments/{comment_id}/reactions")
    assert [r.body["content"] for r in reactions] == ["eyes"]


@pytest.mark.integration  # starts the fake GitHub server
def test_soft_time_limit_leaves_the_run_to_the_task_which_closes_it_timed_out_once(env, monkeypatch):
    from celery.exceptions import SoftTimeLimitExceeded
    from prguard.worker import checkruns, pipeline

    def stuck(*_args, **_kwargs):
        raise SoftTimeLimitExceeded()  # what Celery raises in the child while GitHub hangs

    monkeypatch.setattr(pipeline, "_analyse", stuck)
    job = job_for(env)
    with pytest.raises(SoftTimeLimitExceeded):
        run(env, job)
    [check] = env.fake.check_runs(OWNER, REPO)
    assert check["status"] == "in_progress", "the pipeline completed the run itself (the task would again)"
    client = env.tokens.client(INSTALLATION)
    run_id = checkruns.remembered_check_run(env.redis, env.keys, job)
    assert checkruns.close_timed_out_run(client, job, run_id, SoftTimeLimitExceeded()) is True
    assert checkruns.close_timed_out_run(client, job, run_id, SoftTimeLimitExceeded()) is False
    [check] = env.fake.check_runs(OWNER, REPO)
    assert check["conclusion"] == "timed_out"
    assert "Re-run" in check["output"]["summary"] and "TASK_SOFT_TIME_LIMIT" in check["output"]["summary"]
    completions = [c for c in env.fake.calls("PATCH", UPDATE) if c.body.get("status") == "completed"]
    assert len(completions) == 1


@pytest.mark.integration  # starts the fake GitHub server
def test_an_engine_deadline_already_spent_ends_neutral_with_the_files_listed_not_cut_off(env):
    import time

    outcome = run_review(
        job_for(env), github=env.tokens, redis=env.redis, keys=env.keys, engine_deadline=time.monotonic() - 1
    )
    [check] = env.fake.check_runs(OWNER, REPO)
    assert outcome.status == "completed"
    # the shell=True file was never analysed, so it cannot fail the gate; the summary says why
    assert check["conclusion"] == "neutral"
    assert "pkg/tool.py" in check["output"]["summary"] and "time" in check["output"]["summary"]
