"""Console output is not handling; retry, fallback and single-pass loops are not per-item loops (but
still need timeouts); one rule for connection strings."""

from __future__ import annotations

import pytest

from tests.unit.instrumentation_helpers import analyze, apply_suggestion, only, rules


def test_printing_the_error_then_returning_a_default_swallows_it() -> None:
    code = """
    import logging
    import sys

    logger = logging.getLogger(__name__)

    def load(path):
        try:
            return open(path).read()
        except Exception as error:
            print(f"could not read {path}: {error}")
            return None

    def parse(text):
        try:
            return int(text)
        except Exception:
            sys.stderr.write("bad number\\n")
    """
    findings = analyze(code)
    err2 = only(findings, "PG-ERR002")
    assert err2.start_line == 10 and "only prints it" in err2.message
    fixed = apply_suggestion(code, err2)
    assert 'logger.exception("Falling back to a default after error in load()")' in fixed
    err1 = only(findings, "PG-ERR001")
    assert err1.start_line == 17 and "only prints it" in err1.message


@pytest.mark.parametrize(
    "handler",
    [
        "logger.warning('could not read %s', path)\n            return None",
        "print(error)\n            raise",
        "return {'error': str(error)}",
        "print(error)\n            return ErrorResult(error)",
    ],
)
def test_a_logger_a_re_raise_or_the_error_in_the_result_is_handling(handler: str) -> None:
    code = f"""
    import logging

    logger = logging.getLogger(__name__)

    def load(path):
        try:
            return open(path).read()
        except Exception as error:
            {handler}
    """
    assert not {"PG-ERR001", "PG-ERR002"} & set(rules(analyze(code)))


def test_retry_loop_that_only_prints_and_then_returns_none_swallows_the_last_error() -> None:
    code = """
    import time
    import requests

    def get_embedding(text):
        for attempt in range(3):
            try:
                return requests.post("https://api.example.com/embed", json={"t": text}).json()
            except Exception as error:
                print(f"attempt {attempt} failed: {error}")
                time.sleep(2 ** attempt)
        return None
    """
    findings = analyze(code)
    assert rules(findings) == ["PG-ERR002", "PG-OBS003", "PG-TIMEOUT001"]  # no PG-LOOP002: a retry
    err = only(findings, "PG-ERR002")
    assert err.start_line == 9 and "returns a default (line 12)" in err.message


def test_retry_loops_are_not_per_item_loops_but_still_need_timeouts() -> None:
    code = """
    import logging
    import requests
    from openai import OpenAI

    log = logging.getLogger(__name__)
    client = OpenAI()

    def call_with_retries(url, max_retries):
        for i in range(max_retries):
            try:
                return requests.get(url)
            except requests.RequestException:
                log.warning("retrying %s", url)
        raise RuntimeError(url)

    def ask(prompt):
        attempts = 0
        while attempts < 3:
            attempts += 1
            try:
                return client.chat.completions.create(model="m", messages=[prompt])
            except Exception:
                log.exception("LLM call failed")
        raise RuntimeError("no answer")
    """
    findings = analyze(code)
    assert not [f for f in findings if f.rule_id.startswith("PG-LOOP")], [f.message for f in findings]
    assert only(findings, "PG-TIMEOUT001").start_line == 12


def test_fallback_and_single_pass_loops_are_not_per_item_loops() -> None:
    code = """
    import logging
    import requests

    log = logging.getLogger(__name__)

    def first_mirror(urls):
        for url in urls:
            try:
                response = requests.get(url, timeout=5)
                response.raise_for_status()
                return response
            except requests.RequestException:
                log.info("mirror %s down", url)
        return None

    def first_row(cursor, ids):
        for item_id in ids:
            cursor.execute("SELECT * FROM t WHERE id = %s", (item_id,))
            return cursor.fetchone()

    def each_row(cursor, ids):
        for item_id in ids:
            cursor.execute("SELECT * FROM t WHERE id = %s", (item_id,))
    """
    findings = analyze(code)
    assert [(f.rule_id, f.start_line) for f in findings if f.rule_id.startswith("PG-LOOP")] == [
        ("PG-LOOP001", 24)
    ]


def test_a_per_item_loop_around_a_retry_loop_is_still_per_item() -> None:
    code = """
    import logging
    import requests

    log = logging.getLogger(__name__)

    def push_all(items):
        for item in items:
            for attempt in range(3):
                try:
                    requests.post("https://api.example.com/items", json=item, timeout=5)
                    break
                except requests.RequestException:
                    log.warning("retry %s", attempt)
    """
    finding = only(analyze(code), "PG-LOOP002")
    assert "`for item in items` (line 8)" in finding.message


def test_while_loop_popping_items_is_a_per_item_loop_and_pagination_is_not() -> None:
    code = """
    import logging
    import requests

    log = logging.getLogger(__name__)

    def notify(targets, body):
        targets = list(targets)
        while targets:
            target = targets.pop(0)
            requests.post("https://sms.example.com", data={"to": target, "body": body}, timeout=5)
        log.info("sent")

    def pages(url):
        out = []
        while url:
            page = requests.get(url, timeout=5).json()
            out.extend(page["items"])
            url = page.get("next")
        log.info("fetched %d", len(out))
        return out
    """
    finding = only(analyze(code), "PG-LOOP002")
    assert finding.start_line == 11


def test_broad_except_pass_in_teardown_methods_is_best_effort() -> None:
    code = """
    class Client:
        async def quit(self):
            try:
                self.writer.write(b"QUIT\\r\\n")
                await self.writer.drain()
            except Exception:
                pass
            finally:
                self.close()

        def process(self):
            try:
                self.step()
            except Exception:
                pass
    """
    assert only(analyze(code), "PG-ERR001").start_line == 15


@pytest.mark.parametrize(
    ("call", "flagged"),
    [
        ('psycopg2.connect("host=db dbname=app")', True),
        ('psycopg2.connect("host=db dbname=app connect_timeout=5")', False),
        ("psycopg2.connect(settings.DATABASE_DSN)", False),
        ('psycopg.connect(conninfo=f"host={host} dbname=app")', False),
        ('pymongo.MongoClient("mongodb://db:27017/app")', True),
        ('pymongo.MongoClient("mongodb://db:27017/app?socketTimeoutMS=5000")', False),
        ("pymongo.MongoClient(os.environ['MONGO_URL'])", False),
        ('redis.from_url("redis://cache:6379/0")', True),
        ('redis.from_url("redis://cache:6379/0?socket_timeout=5")', False),
        ("redis.from_url(os.environ['REDIS_URL'])", False),
        ("redis.Redis.from_url(url, socket_timeout=5)", False),
        ('redis.Redis(host="cache")', True),
        ('sqlalchemy.create_engine("postgresql+psycopg2://app@db/app")', True),
        ('sqlalchemy.create_engine("postgresql://app@db/app?connect_timeout=10")', False),
        ('sqlalchemy.create_engine("postgresql://app@db/app", connect_args={"connect_timeout": 10})', False),
        ('sqlalchemy.create_engine("sqlite:///app.db")', False),
        ("sqlalchemy.create_engine(settings.DATABASE_URL)", False),
    ],
)
def test_one_connection_string_rule_for_postgres_mongo_redis_and_sqlalchemy(call: str, flagged: bool) -> None:
    code = f"""
    import os
    import psycopg
    import psycopg2
    import pymongo
    import redis
    import sqlalchemy
    from app import settings

    def connect(url, host):
        return {call}
    """
    assert ("PG-TIMEOUT001" in rules(analyze(code))) is flagged


def test_create_engine_fix_adds_connect_args() -> None:
    code = """
    from sqlalchemy import create_engine

    engine = create_engine("postgresql://app@db/app", pool_pre_ping=True)
    """
    finding = only(analyze(code), "PG-TIMEOUT001")
    assert 'pool_pre_ping=True, connect_args={"connect_timeout": 10})' in apply_suggestion(code, finding)


def test_a_predicate_answering_false_on_error_is_not_a_swallowed_error() -> None:
    code = """
    import base64

    def is_base64(s):
        try:
            return base64.b64encode(base64.b64decode(s)) == s
        except Exception:
            return False

    def decode(s):
        try:
            return base64.b64decode(s)
        except Exception:
            return False

    def is_url(s):
        try:
            return bool(urlparse(s).scheme)
        except:
            return False
    """
    assert [f.start_line for f in analyze(code) if f.rule_id == "PG-ERR002"] == [13, 19]


def test_taking_back_the_attempts_own_count_does_not_handle_the_error() -> None:
    code = """\
    import logging
    import urllib.request

    log = logging.getLogger(__name__)

    class Downloader:
        def download(self, link):
            self.count += 1
            try:
                urllib.request.urlopen(link, timeout=5).read()
            except Exception as e:
                self.count -= 1
                print(f"failed {link}: {e}")

        def tally(self, link):
            try:
                urllib.request.urlopen(link, timeout=5).read()
            except Exception:
                self.failures -= 1
    """
    found = [f for f in analyze(code) if f.rule_id == "PG-ERR001"]
    assert [f.start_line for f in found] == [11]
    fixed = apply_suggestion(code, found[0])
    assert "self.count -= 1" in fixed and "log.exception(" in fixed
