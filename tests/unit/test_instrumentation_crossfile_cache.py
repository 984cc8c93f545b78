"""Answers about helpers in other files kept on disk (`HelperCache`): a later review answers from
them while the files they read are unchanged, asks again once one changed, and a cache file that
does not read back (corrupt, another format, wrong shapes) is a miss: never an error, never
another answer."""

from __future__ import annotations

import marshal
import textwrap
from pathlib import Path

import pytest
from prguard.analyzers.instrumentation import crossfile
from prguard.analyzers.instrumentation.crossfile import HELPER_CACHE_VERSION, HelperIndex
from prguard.analyzers.instrumentation.evaluator import effective_settings
from prguard.index.snapshot import RepositorySnapshot

from tests.unit.engine_helpers import added
from tests.unit.instrumentation_helpers import review_instrumentation

CLIENT = textwrap.dedent(
    """\
    import requests


    def _request(path):
        return requests.get("https://api.example.com" + path, timeout=5)


    def fetch_team(team_id):
        return _request(f"/teams/{team_id}")


    def user_url(user_id):
        return f"https://api.example.com/users/{user_id}"
    """
)
LOCAL = textwrap.dedent(
    """\
    def fetch_team(team_id):
        return team_id
    """
)
CALLER = textwrap.dedent(
    """\
    from svc.client import fetch_team


    def load_teams(ids):
        teams = []
        for team_id in ids:
            teams.append(fetch_team(team_id))
        return teams
    """
)


class _Kept:
    """A facts cache as the snapshot holds it: only its namespace matters here."""

    namespace = "test:helpers"


def _index(files: dict[str, str], *, reads: list[str] | None = None) -> HelperIndex:
    snapshot = RepositorySnapshot.from_files({p: t.encode() for p, t in files.items()}, cache=_Kept())
    read = snapshot.read

    def counted(paths: list[str]) -> dict[str, bytes]:
        if reads is not None:
            reads.extend(paths)
        return dict(read(paths))

    snapshot.read = counted
    return HelperIndex.for_review([], snapshot, effective_settings({}))


def _pack(index: HelperIndex) -> Path:
    assert index.cache is not None
    target = index.cache._pack_file()
    assert target is not None
    return target


def test_a_later_review_answers_from_the_cache_without_reading_the_helper() -> None:
    first = _index({"svc/client.py": CLIENT})
    found = first.effect("svc.client.fetch_team")
    assert found is not None and found.path == ("svc.client.fetch_team", "svc.client._request")
    assert first.answer("returns:svc.client.user_url") == "builtins.str"
    first.cache.save()

    reads: list[str] = []
    later = _index({"svc/client.py": CLIENT}, reads=reads)
    assert later.effect("svc.client.fetch_team") == found
    assert later.answer("returns:svc.client.user_url") == "builtins.str"
    assert reads == []  # nothing parsed, nothing read


def test_a_changed_helper_is_read_again() -> None:
    first = _index({"svc/client.py": CLIENT})
    assert first.effect("svc.client.fetch_team") is not None
    first.cache.save()
    changed = CLIENT.replace('requests.get("https://api.example.com" + path, timeout=5)', "path")
    assert _index({"svc/client.py": changed}).effect("svc.client.fetch_team") is None


def test_an_answer_drawn_through_another_module_depends_on_it() -> None:
    files = {"svc/client.py": CLIENT, "svc/api.py": "from svc.client import fetch_team\n"}
    first = _index(files)
    assert first.effect("svc.api.fetch_team") is not None
    first.cache.save()
    files["svc/client.py"] = LOCAL
    assert _index(files).effect("svc.api.fetch_team") is None


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"\x00not marshal at all",
        marshal.dumps("a string"),
        marshal.dumps((HELPER_CACHE_VERSION + 1, "", {})),
        "bad context",
        "bad entries",
        "bad deps",
        "bad answers",
    ],
)
def test_a_corrupt_cache_is_a_miss(content: bytes | str) -> None:
    first = _index({"svc/client.py": CLIENT})
    expected = first.effect("svc.client.fetch_team")
    first.cache.save()
    target = _pack(first)
    if isinstance(content, str):
        version, context, entries = marshal.loads(target.read_bytes())
        if content == "bad context":
            content = marshal.dumps((version, context + "x", entries))
        elif content == "bad entries":
            content = marshal.dumps((version, context, {key: 7 for key in entries}))
        elif content == "bad deps":
            content = marshal.dumps((version, context, {key: (("x",), [1]) for key in entries}))
        else:  # answers of the wrong shape, with deps that still match
            content = marshal.dumps(
                (version, context, {key: ((1, 2, "x", None), deps) for key, (_, deps) in entries.items()})
            )
    target.write_bytes(content)
    reads: list[str] = []
    later = _index({"svc/client.py": CLIENT}, reads=reads)
    assert later.effect("svc.client.fetch_team") == expected
    assert reads == ["svc/client.py"]  # read again
    later.cache.save()  # and kept again, right
    assert _index({"svc/client.py": CLIENT}).effect("svc.client.fetch_team") == expected


def test_no_cache_without_a_whole_snapshot_with_a_facts_cache() -> None:
    plain = RepositorySnapshot.from_files({"svc/client.py": CLIENT.encode()})
    assert HelperIndex.for_review([], plain, effective_settings({})).cache is None
    released = RepositorySnapshot.from_files({"svc/client.py": CLIENT.encode()}, cache=_Kept())
    released.release(prepared=None, keep={"svc/client.py": CLIENT.encode()})
    assert HelperIndex.for_review([], released, effective_settings({})).cache is None


def test_the_review_finds_the_same_with_a_warm_cache() -> None:
    snapshot = {"svc/client.py": CLIENT.encode(), "svc/app.py": CALLER.encode()}

    def run() -> list[str]:
        repository = RepositorySnapshot.from_files(snapshot, cache=_Kept())
        result = review_instrumentation([added("svc/app.py", CALLER)], repository=repository)
        return sorted(f"{f.rule_id}:{f.start_line}:{f.message}" for f in result.findings)

    cold = run()
    crossfile._save_pending()
    assert any("fetch_team" in f for f in cold)
    assert run() == cold
