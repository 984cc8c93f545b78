"""Helpers in other files of the repository: a loop calling an imported function that makes an outbound
call is reported at the call in the loop, naming the helper; the per-file cache stays correct."""

from __future__ import annotations

import json
import subprocess
import textwrap
from pathlib import Path

from prguard.analyzers.instrumentation import InstrumentationAnalyzer
from prguard.cli import main
from prguard.engine.cache import MemoryCache
from prguard.engine.review import review
from prguard.index.snapshot import RepositorySnapshot

from tests.unit.engine_helpers import added, make_policy
from tests.unit.instrumentation_helpers import review_instrumentation

CLIENT = textwrap.dedent(
    """\
    import logging

    import requests

    log = logging.getLogger(__name__)


    def fetch_user(user_id):
        log.info("fetching user %s", user_id)
        return requests.get(f"https://api.example.com/users/{user_id}", timeout=5).json()


    def _request(path):
        log.info("GET %s", path)
        return requests.get("https://api.example.com" + path, timeout=5)


    def fetch_team(team_id):
        return _request(f"/teams/{team_id}")


    def user_url(user_id):
        return f"https://api.example.com/users/{user_id}"
    """
)

CALLER = textwrap.dedent(
    """\
    import logging

    from svc.client import fetch_team, fetch_user, user_url

    log = logging.getLogger(__name__)


    def load_users(ids):
        users = []
        for user_id in ids:
            users.append(fetch_user(user_id))
        log.info("loaded %d users", len(users))
        return users


    def load_teams(ids):
        return [fetch_team(team_id) for team_id in ids]


    def links(ids):
        return [user_url(user_id) for user_id in ids]
    """
)


run = review_instrumentation


def loops(result):
    return [
        (f.path, f.start_line, f.rule_id, f.message) for f in result.findings if f.rule_id == "PG-LOOP002"
    ]


def test_loop_calling_a_helper_of_another_changed_file_is_reported_at_the_call_naming_it() -> None:
    result = run([added("svc/client.py", CLIENT), added("svc/users.py", CALLER)])
    found = loops(result)
    assert [(path, line) for path, line, _, _ in found] == [("svc/users.py", 11), ("svc/users.py", 17)]
    assert "`svc.client.fetch_user()`" in found[0][3] and "requests.get" in found[0][3]
    # two calls deep: fetch_team -> _request -> requests.get, both named
    assert "`svc.client.fetch_team()` → `svc.client._request()`" in found[1][3]
    # user_url only formats a string: no finding on `links`
    assert all(line != 21 for _, line, _, _ in found)


def test_without_the_helper_file_the_call_stays_unknown() -> None:
    assert loops(run([added("svc/users.py", CALLER)])) == []


def test_helper_in_the_repository_snapshot_only_is_followed() -> None:
    snapshot = RepositorySnapshot.from_files({"svc/client.py": CLIENT.encode(), "svc/__init__.py": b""})
    found = loops(run([added("svc/users.py", CALLER)], repository=snapshot))
    assert [line for _, line, _, _ in found] == [11, 17]


def test_helper_reexported_by_a_package_and_a_method_of_an_imported_class() -> None:
    package_init = "from .client import fetch_user\n"
    api = textwrap.dedent(
        """\
        import requests


        class Api:
            def __init__(self):
                self.session = requests.Session()

            def user(self, user_id):
                return self.session.get(f"https://x.example/users/{user_id}", timeout=3)
        """
    )
    caller = textwrap.dedent(
        """\
        from svc import fetch_user
        from svc.api import Api


        def load(ids):
            api = Api()
            for user_id in ids:
                fetch_user(user_id)
                api.user(user_id)
        """
    )
    snapshot = RepositorySnapshot.from_files(
        {
            "svc/__init__.py": package_init.encode(),
            "svc/client.py": CLIENT.encode(),
            "svc/api.py": api.encode(),
        }
    )
    found = loops(run([added("app/load.py", caller)], repository=snapshot))
    assert [line for _, line, _, _ in found] == [8, 9]
    assert "`svc.client.fetch_user()`" in found[0][3] and "`svc.api.Api.user()`" in found[1][3]


def test_coroutine_helpers_gathered_per_item_are_concurrent() -> None:
    helper = textwrap.dedent(
        """\
        import httpx


        async def fetch(client: httpx.AsyncClient, url):
            return await client.get(url, timeout=3)
        """
    )
    caller = textwrap.dedent(
        """\
        import asyncio

        from svc.fetching import fetch


        async def crawl(client, urls):
            return await asyncio.gather(*[fetch(client, url) for url in urls])


        async def crawl_one_by_one(client, urls):
            for url in urls:
                await fetch(client, url)
        """
    )
    found = loops(run([added("svc/fetching.py", helper), added("svc/crawl.py", caller)]))
    assert [(path, line) for path, line, _, _ in found] == [("svc/crawl.py", 12)]


def test_changing_what_the_helper_does_invalidates_its_callers_cache_entry() -> None:
    cache = MemoryCache()
    quiet_client = CLIENT.replace(
        'return requests.get(f"https://api.example.com/users/{user_id}", timeout=5).json()',
        "return {'id': user_id}",
    )
    caller_change = added("svc/users.py", CALLER)
    first = run([caller_change, added("svc/client.py", quiet_client)], cache=cache)
    assert [line for _, line, _, _ in loops(first)] == [17]

    # the helper now makes the request: the caller's cached result must not be reused
    second = run([caller_change, added("svc/client.py", CLIENT)], cache=cache)
    assert [line for _, line, _, _ in loops(second)] == [11, 17]
    stats = second.stats["analyzers"]["instrumentation"]
    assert stats["files"] == 2 and stats["cached"] == 0


def test_a_change_that_leaves_the_helpers_effects_alone_keeps_the_cache_hit() -> None:
    cache = MemoryCache()
    caller_change = added("svc/users.py", CALLER)
    first = run(
        [caller_change, added("svc/client.py", CLIENT), added("svc/other.py", "X = 1\n")], cache=cache
    )
    # an unrelated file changes, and the helper's file gains a line that changes no effect
    edited_client = CLIENT.replace(
        "def user_url(user_id):", "def user_url(user_id):\n    user_id = int(user_id)"
    )
    second = run(
        [caller_change, added("svc/client.py", edited_client), added("svc/other.py", "X = 2\n")], cache=cache
    )
    assert loops(second) == loops(first)
    stats = second.stats["analyzers"]["instrumentation"]
    assert stats["cached"] >= 1  # svc/users.py answered from the cache
    assert stats["files"] == 2  # the two files whose content changed


def test_cli_review_follows_a_helper_that_the_change_left_alone(tmp_path: Path) -> None:
    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True)

    git("init", "-q", "-b", "main")
    git("config", "user.email", "dev@example.com")
    git("config", "user.name", "Dev")
    (tmp_path / "svc").mkdir()
    (tmp_path / "svc" / "__init__.py").write_text("")
    (tmp_path / "svc" / "client.py").write_text(CLIENT)
    git("add", ".")
    git("commit", "-q", "-m", "client")
    (tmp_path / "svc" / "users.py").write_text(CALLER)
    git("add", ".")
    git("commit", "-q", "-m", "users")
    out = tmp_path / "review.json"
    code = main(["review", "--repo", str(tmp_path), "--base", "HEAD~1", "--head", "HEAD", "--format", "json",
                 "--output", str(out)])  # fmt: skip
    assert code in (0, 1)
    findings = [f for f in json.loads(out.read_text())["findings"] if f["rule_id"] == "PG-LOOP002"]
    assert [(f["path"], f["start_line"]) for f in findings] == [("svc/users.py", 11), ("svc/users.py", 17)]
    assert "svc.client.fetch_user" in findings[0]["message"]


def test_a_failure_reading_other_files_costs_the_cross_file_part_only() -> None:
    class Broken(InstrumentationAnalyzer):
        def prepare(self, files, repository):
            raise OSError("archive gone")

    result = review(
        [added("svc/client.py", CLIENT), added("svc/users.py", CALLER)],
        make_policy(),
        ai_authored=False,
        analyzers=[Broken()],
    )
    assert any("could not read other files: OSError: archive gone" in note for note in result.notes)
    assert result.stats["analyzers"]["instrumentation"]["files"] == 2
    assert loops(result) == []  # the helper is not known, the files are still analysed


def test_a_module_imported_whole_and_its_cache_key() -> None:
    caller = textwrap.dedent(
        """\
        import svc.client


        def load(ids):
            for user_id in ids:
                svc.client.fetch_user(user_id)
        """
    )
    cache = MemoryCache()
    quiet_client = CLIENT.replace(
        'return requests.get(f"https://api.example.com/users/{user_id}", timeout=5).json()',
        "return {'id': user_id}",
    )
    first = run([added("app/load.py", caller), added("svc/client.py", quiet_client)], cache=cache)
    assert loops(first) == []
    second = run([added("app/load.py", caller), added("svc/client.py", CLIENT)], cache=cache)
    assert [(path, line) for path, line, _, _ in loops(second)] == [("app/load.py", 6)]


def test_app_path_the_released_snapshot_keeps_the_sources_the_change_imports() -> None:
    from prguard.index.impact import prepare

    other = "import requests\n\n\ndef ping():\n    return requests.get('https://x.example', timeout=1)\n"
    snapshot = RepositorySnapshot.from_files(
        {
            "svc/__init__.py": b"",
            "svc/client.py": CLIENT.encode(),
            "svc/other.py": other.encode(),
            "svc/users.py": CALLER.encode(),
        }
    )
    change = [added("svc/users.py", CALLER)]
    prepare(snapshot, change)  # what the App does before the engine runs
    assert snapshot.unavailable and sorted(snapshot.retained) == ["svc/client.py"]
    found = loops(run(change, repository=snapshot))
    assert [line for _, line, _, _ in found] == [11, 17]


def test_what_a_file_read_of_other_files_is_cached_with_it_and_checked_on_a_hit() -> None:
    from prguard.engine.cache import CachedAnalysis
    from prguard.worker.analysis_cache import decode, encode

    cache = MemoryCache()
    run([added("svc/client.py", CLIENT), added("svc/users.py", CALLER)], cache=cache)
    entries = [entry for entry in cache._entries.values() if entry.reads]
    assert len(entries) == 1  # svc/users.py asked about its helpers; svc/client.py asked nothing
    reads = entries[0].reads
    assert reads["call@2:svc.client.fetch_user"].startswith("http|requests.get|svc.client.fetch_user")
    assert reads["call@2:svc.client.fetch_team"].startswith("http|requests.get|svc.client.fetch_team>")
    assert reads["call@2:svc.client.user_url"] == "-"
    value = CachedAnalysis((), {}, reads)
    assert decode(encode(value)) == value  # the Redis cache keeps them too


HTTP_MODULE = textwrap.dedent(
    """\
    import requests

    session = requests.Session()


    def make_session() -> requests.Session:
        return requests.Session()


    def make_client():
        client = requests.Session()
        client.headers["User-Agent"] = "svc"
        return client


    def settings():
        return {"retries": 3}
    """
)


def test_clients_made_in_another_file_are_known_by_the_type_that_file_gives_them() -> None:
    caller = textwrap.dedent(
        """\
        import logging

        from svc.http import make_client, make_session, session, settings

        log = logging.getLogger(__name__)


        class Sync:
            def __init__(self):
                self.http = make_client()

            def push(self, url):
                log.info("push %s", url)
                return self.http.post(url)


        def pull(url):
            log.info("pull %s", url)
            return session.get(url)


        def probe(url):
            log.info("probe %s", url)
            s = make_session()
            return s.head(url), settings().get("retries")
        """
    )
    result = run([added("svc/http.py", HTTP_MODULE), added("app/sync.py", caller)])
    timeouts = sorted(
        (f.start_line, f.message.split("`")[1]) for f in result.findings if f.rule_id == "PG-TIMEOUT001"
    )
    assert timeouts == [(14, "self.http.post(...)"), (19, "session.get(...)"), (25, "s.head(...)")], timeouts
    # without the other file the objects stay unknown: nothing is reported in app/sync.py
    alone = run([added("app/sync.py", caller)])
    assert [f for f in alone.findings if f.path == "app/sync.py"] == []


def test_a_client_type_read_from_another_file_is_checked_on_a_cache_hit() -> None:
    caller = "from svc.http import session\n\n\ndef pull(url):\n    return session.get(url)\n"
    cache = MemoryCache()
    not_a_client = HTTP_MODULE.replace("session = requests.Session()", "session = {}")
    first = run([added("app/pull.py", caller), added("svc/http.py", not_a_client)], cache=cache)
    assert [f for f in first.findings if f.rule_id == "PG-TIMEOUT001"] == []
    second = run([added("app/pull.py", caller), added("svc/http.py", HTTP_MODULE)], cache=cache)
    assert [(f.path, f.start_line) for f in second.findings if f.rule_id == "PG-TIMEOUT001"] == [
        ("app/pull.py", 5)
    ]


def test_an_opener_a_compat_module_re_exports_is_known_through_a_parameter() -> None:
    compat = textwrap.dedent(
        """\
        import sys
        if sys.version_info < (3,):
            from urllib2 import build_opener, Request
        else:
            from urllib.request import build_opener, Request
        """
    )
    caller = textwrap.dedent(
        """\
        from mb import compat


        def _read(opener, req):
            return opener.open(req).read()


        def fetch(path):
            return _read(compat.build_opener(), compat.Request(path))


        def fetch_again(path):
            opener = compat.build_opener()
            return opener.open(path, timeout=5).read()
        """
    )
    snapshot = RepositorySnapshot.from_files({"mb/compat.py": compat.encode(), "mb/__init__.py": b""})
    found = run([added("mb/api.py", caller)], repository=snapshot).findings
    assert [(f.rule_id, f.start_line) for f in found if f.rule_id.startswith("PG-TIMEOUT")] == [
        ("PG-TIMEOUT001", 5)
    ]
    # without the compat module the opener stays unknown
    assert not [f for f in run([added("mb/api.py", caller)]).findings if f.rule_id.startswith("PG-TIMEOUT")]


def test_a_function_passed_in_is_followed_to_what_the_callers_pass() -> None:
    moderation = textwrap.dedent(
        """\
        from shop.models import Flag


        def perform_flag(request, comment):
            Flag.objects.get_or_create(comment=comment, user=request.user)


        def describe(request, comment):
            return f"{comment} by {request.user}"
        """
    )
    admin = textwrap.dedent(
        """\
        from shop.moderation import describe, perform_flag


        class CommentsAdmin:
            def flag_comments(self, request, queryset):
                self._bulk(request, queryset, perform_flag)

            def _bulk(self, request, queryset, action):
                for comment in queryset:
                    action(request, comment)


        def labels(request, rows, render=describe):
            return [render(request, row) for row in rows]
        """
    )
    snapshot = RepositorySnapshot.from_files(
        {"shop/moderation.py": moderation.encode(), "shop/models.py": b"", "shop/__init__.py": b""}
    )
    found = [
        f
        for f in run([added("shop/admin.py", admin)], repository=snapshot).findings
        if f.rule_id == "PG-LOOP001"
    ]
    assert [f.start_line for f in found] == [10] and "shop.moderation.perform_flag" in found[0].message


def test_a_helper_handing_back_the_session_it_is_given_keeps_the_sessions_type() -> None:
    """fitbit: `self.session = fitbit_compliance_fix(OAuth2Session(...))`, the helper (in another
    file, or in this one) registering hooks and returning its argument; then a request method
    with no logging."""
    compliance = textwrap.dedent(
        """\
        def compliance_fix(session):
            def _hook(r):
                return r

            session.register_compliance_hook("access_token_response", _hook)
            return session
        """
    )
    client = textwrap.dedent(
        """\
        from requests_oauthlib import OAuth2Session

        from .compliance import compliance_fix


        def local_fix(session, name=None):
            session.name = name
            return session


        class Client:
            def __init__(self, client_id):
                self.session = compliance_fix(OAuth2Session(client_id))
                self.other = local_fix(OAuth2Session(client_id), name="x")

            def _request(self, method, url, **kwargs):
                return self.session.request(method, url, **kwargs)

            def _other(self, url):
                return self.other.get(url, timeout=5)
        """
    )
    result = run([added("svc/compliance.py", compliance), added("svc/client.py", client)])
    found = [(f.path, f.rule_id, f.start_line) for f in result.findings]
    assert found == [("svc/client.py", "PG-OBS003", 16), ("svc/client.py", "PG-OBS003", 19)]
