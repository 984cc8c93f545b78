"""PG-ERR001/002 swallowed errors and PG-LOOP001/002/003 queries and calls in loops."""

from __future__ import annotations

import textwrap

from tests.unit.instrumentation_helpers import analyze, apply_suggestion, only


def _errors(code: str) -> list:
    return [f for f in analyze(code) if f.rule_id.startswith("PG-ERR")]


def test_except_exception_pass_is_replaced_by_a_log_through_the_module_logger() -> None:
    code = """
    import logging

    log = logging.getLogger("billing")

    def refresh_cache(client):
        try:
            client.refresh()
        except Exception:
            pass
    """
    finding = only(_errors(code), "PG-ERR001")
    assert (finding.start_line, finding.end_line, finding.cwe) == (9, 10, 703)
    fixed = apply_suggestion(code, finding)
    assert 'except Exception:\n        log.exception("Ignored error in refresh_cache()")\n' in fixed
    assert "pass" not in fixed


def test_bare_except_continue_keeps_the_continue_and_uses_logging_when_no_logger_exists() -> None:
    code = """
    import json
    import logging

    def parse_all(lines):
        out = []
        for line in lines:
            try:
                out.append(json.loads(line))
            except:  # malformed lines happen
                # skip it
                continue
        return out
    """
    finding = only(_errors(code), "PG-ERR001")
    fixed = apply_suggestion(code, finding)
    assert (
        "        except:  # malformed lines happen\n"
        "            # skip it\n"
        '            logging.getLogger(__name__).exception("Skipped after error in parse_all()")\n'
        "            continue\n"
        "    return out\n"
    ) in fixed


def test_one_line_handler_and_silent_default_return() -> None:
    code = """
    from loguru import logger

    def price(sku):
        try:
            return lookup(sku)
        except Exception as exc: return None

    def safe_div(a, b):
        try: return a / b
        except BaseException: pass
    """
    findings = _errors(code)
    err2 = only(findings, "PG-ERR002")
    assert err2.cwe == 390 and err2.severity == "low"  # one step below the check's medium
    assert 'logger.exception("Falling back to a default after error in price()")\n        return None' in (
        apply_suggestion(code, err2)
    )
    err1 = only(findings, "PG-ERR001")
    assert err1.start_line == 11
    apply_suggestion(code, err1)


def test_handlers_that_log_reraise_use_the_error_or_are_narrow_are_fine() -> None:
    code = """
    import logging
    import sentry_sdk

    logger = logging.getLogger(__name__)

    def a():
        try:
            work()
        except Exception:
            logger.warning("work failed", exc_info=True)

    def b():
        try:
            work()
        except Exception:
            raise

    def c(errors):
        try:
            work()
        except Exception as exc:
            errors.append(exc)

    def d():
        try:
            import ujson as json
        except ImportError:
            import json
        try:
            return json.loads(open("x").read())
        except (FileNotFoundError, KeyError):
            return None

    def e(task):
        try:
            work()
        except Exception as exc:
            sentry_sdk.capture_exception(exc)

    def f(self):
        try:
            work()
        except Exception:
            self.retry(countdown=5)

    def g():
        try:
            work()
        except Exception:
            conn.rollback()

    def h(parser):
        try:
            import argcomplete

            argcomplete.autocomplete(parser)
        except Exception:
            pass

    def i(sock, max_groups=None):
        try:
            sock.close()
        except Exception:
            pass
        try:
            max_groups = os.sysconf("SC_NGROUPS_MAX")
        except Exception:  # pylint: disable=broad-except
            pass
        try:
            return int(max_groups)
        except Exception:  # noqa: BLE001 - any failure means "unknown"
            return None

    def safe_repr(value):
        try:
            return repr(value)
        except Exception:
            return "<broken repr>"

    class Pool:
        def __del__(self):
            try:
                self.close()
            except Exception:
                pass
    """
    assert _errors(code) == []


def test_no_logger_and_no_logging_import_means_no_suggestion() -> None:
    code = """
    def best_effort(cache, path):
        try:
            cache.refresh(path)
        except Exception:
            pass
    """
    finding = only(_errors(code), "PG-ERR001")
    assert finding.suggestion is None and "logger.exception" in finding.message


def _loops(code: str, **kwargs) -> list:
    return [f for f in analyze(code, **kwargs) if f.rule_id.startswith("PG-LOOP")]


def test_django_query_in_loop_is_one_finding_per_query_chain() -> None:
    code = """
    from shop.models import Customer, Order

    def invoice_lines(order_ids):
        lines = []
        for order_id in order_ids:
            order = Order.objects.filter(pk=order_id).select_related("customer").first()
            lines.append((order, Customer.objects.get(pk=order.customer_id)))
        return lines
    """
    findings = _loops(code)
    assert [(f.rule_id, f.start_line) for f in findings] == [("PG-LOOP001", 7), ("PG-LOOP001", 8)]
    assert "`for order_id in order_ids` (line 6)" in findings[0].message
    assert "Order.objects.filter" in findings[0].message and findings[0].cwe == 1073


def test_bulk_query_outside_the_loop_and_prefetch_related_are_fine() -> None:
    code = """
    from library.models import Book

    def catalogue(ids):
        books = Book.objects.filter(pk__in=ids).prefetch_related("authors")
        by_id = Book.objects.in_bulk(ids)
        rows = [(b.title, [a.name for a in b.authors.all()]) for b in books]
        for book in Book.objects.select_related("publisher"):
            rows.append((book.title, book.publisher.name, by_id.get(book.pk)))
        return rows
    """
    assert _loops(code) == []


def test_sqlalchemy_and_cursor_queries_in_loops() -> None:
    code = """
    def load(session, cursor, ids, rows):
        users = [session.query(User).filter_by(id=i).one() for i in ids]
        for row in rows:
            cursor.execute("INSERT INTO t VALUES (%s)", (row,))
        return users
    """
    findings = _loops(code)
    assert [(f.start_line, f.rule_id) for f in findings] == [(3, "PG-LOOP001"), (5, "PG-LOOP001")]
    assert "executemany" in findings[1].message


def test_http_in_for_loop_but_not_in_while_pagination_retry_loop_or_gather() -> None:
    code = """
    import asyncio
    import httpx
    import requests

    def enrich(users):
        for user in users:
            user["geo"] = requests.get(f"https://geo.example/{user['ip']}", timeout=5).json()

    def pages(url):
        while url:
            resp = requests.get(url, timeout=5)
            url = resp.links.get("next", {}).get("url")

    def with_retry(url):
        for attempt in range(3):
            try:
                return requests.get(url, timeout=5)
            except requests.ConnectionError:
                continue

    async def fan_out(urls):
        async with httpx.AsyncClient() as client:
            return await asyncio.gather(*[client.get(u) for u in urls])

    def in_batches(url, targets, size=50):
        for start in range(0, len(targets), size):
            requests.post(url, json=targets[start : start + size], timeout=5)
    """
    findings = _loops(code)
    assert [(f.rule_id, f.start_line, f.severity.value) for f in findings] == [("PG-LOOP002", 8, "low")]


def test_paid_api_calls_in_loops_are_cost_explosions() -> None:
    code = """
    import anthropic
    import boto3
    from openai import OpenAI

    client = OpenAI()
    s3 = boto3.client("s3", config=CONFIG)

    class Summariser:
        def __init__(self):
            self.llm = anthropic.Anthropic()

        def run(self, docs):
            return [self.llm.messages.create(model="claude", messages=[d]) for d in docs]

    def agent(task):
        while True:
            reply = client.chat.completions.create(model="gpt-4o", messages=task.messages)
            if reply.choices[0].finish_reason == "stop":
                return reply

    def purge(keys):
        for key in keys:
            s3.delete_object(Bucket="b", Key=key)

    def once(doc):
        return client.embeddings.create(model="text-embedding-3-small", input=doc)
    """
    findings = _loops(code)
    assert [(f.rule_id, f.start_line) for f in findings] == [
        ("PG-LOOP003", 14),
        ("PG-LOOP003", 18),
        ("PG-LOOP003", 24),
    ]
    assert "`while True` (line 17)" in findings[1].message and "billed" in findings[1].message
    narrowed = _loops(code, settings={"paid_api_clients": ["openai"]})
    assert [f.start_line for f in narrowed] == [18]


def test_a_range_loop_whose_index_picks_the_page_of_a_request_is_pagination() -> None:
    code = """
    import logging

    import requests

    log = logging.getLogger(__name__)

    def all_pages(url, count):
        payload = {}
        for i in range(count):
            payload["page"] = str(i)
            log.info("page %s", i)
            requests.get(url, params=payload, timeout=5)

    def all_offsets(url, count):
        for i in range(count):
            log.info("offset %s", i)
            requests.get(url, params={"offset": i * 100}, timeout=5)

    def per_user(url, ids):
        for i in range(len(ids)):
            log.info("user %s", i)
            requests.get(url, params={"user": ids[i]}, timeout=5)
    """
    loops = [f.start_line for f in analyze(code) if f.rule_id == "PG-LOOP002"]
    assert loops == [23]


def test_a_loop_over_chunks_a_generator_of_the_module_yields_is_a_loop_over_batches() -> None:
    code = """
    import logging
    from itertools import chain, islice

    import requests

    log = logging.getLogger(__name__)

    class Client:
        @staticmethod
        def _batches(items, size):
            iterator = iter(items)
            while True:
                try:
                    head = (next(iterator),)
                except StopIteration:
                    return
                rest = islice(iterator, size - 1)
                yield chain(head, rest)

        def _each(self, items):
            for item in items:
                yield item

        def write(self, points, size):
            for batch in self._batches(points, size):
                log.info("batch")
                requests.post("https://db.example/write", json=list(batch), timeout=5)

        def write_each(self, points):
            for point in self._each(points):
                log.info("point")
                requests.post("https://db.example/write", json=point, timeout=5)


    def chunks(rows, n):
        for i in range(0, len(rows), n):
            yield rows[i : i + n]
    """
    loops = [f.start_line for f in analyze(code) if f.rule_id == "PG-LOOP002"]
    assert loops == [33]


def test_a_queue_drained_until_its_sentinel_is_a_stream_not_a_loop_over_rows() -> None:
    code = """
    from shop.models import Task

    def monitor(result_queue):
        for task in iter(result_queue.get, "STOP"):
            Task.objects.filter(pk=task.pk).update(done=True)

    def mark(tasks):
        for task in iter(tasks):
            Task.objects.filter(pk=task.pk).update(done=True)
    """
    assert [
        f.start_line for f in analyze("import django\n" + textwrap.dedent(code)) if f.rule_id == "PG-LOOP001"
    ] == [11]


def test_a_counting_while_loop_is_read_like_the_range_it_counts_through() -> None:
    code = """
    import logging

    import requests

    log = logging.getLogger(__name__)

    def sizes(base_url, segment_count):
        total, seq = 0, 1
        while seq <= segment_count:
            log.info("segment %s", seq)
            total += int(requests.head(base_url + str(seq), timeout=5).headers["content-length"])
            seq += 1
        return total

    def pages(url, total):
        page = 0
        while page < total // 50:
            log.info("page %s", page)
            requests.get(url, params={"page": page}, timeout=5)
            page = page + 1

    def three_tries(url):
        n = 0
        while n < 3:
            log.info("try %s", n)
            requests.get(url, timeout=5)
            n += 1

    def by_batch(url, count):
        offset = 0
        while offset < count:
            log.info("offset %s", offset)
            requests.get(url, params={"offset": offset}, timeout=5)
            offset += 100
    """
    loops = [f.start_line for f in analyze(code) if f.rule_id == "PG-LOOP002"]
    assert loops == [12]


def test_a_loop_over_the_batches_a_function_of_the_module_returns_is_not_per_item() -> None:
    code = """
    import logging

    import requests

    log = logging.getLogger(__name__)

    def batches(prompts, size=100):
        out = []
        for start in range(0, len(prompts), size):
            chunk = prompts[start : start + size]
            out.append({"prompts": chunk})
        return out

    def names(rows):
        out = []
        for row in rows:
            out.append(row["name"])
        return out

    def slices(items, size):
        return [items[i : i + size] for i in range(0, len(items), size)]

    def delete_all(url, keys):
        for batch in slices(keys, 1000):
            log.info("batch of %d", len(batch))
            requests.post(url, json=batch, timeout=30)

    def embed_all(url, prompts):
        for batch in batches(prompts):
            log.info("batch of %d", len(batch["prompts"]))
            requests.post(url, json=batch, timeout=30)

    def greet_all(url, rows):
        for name in names(rows):
            log.info("greeting %s", name)
            requests.post(url, json={"name": name}, timeout=30)
    """
    assert [f.start_line for f in analyze(code) if f.rule_id == "PG-LOOP002"] == [37]


def test_a_manager_bound_to_a_local_name_queries_through_it() -> None:
    code = """
    from django.db import models

    class TagAdder:
        def add(self, names, db):
            manager = self.tag_model()._default_manager.using(db)
            found = []
            for name in names:
                tag, _ = manager.get_or_create(name=name)
                found.append(tag)
            return found

        def lazy(self, names, db):
            qs = self.tag_model()._default_manager.using(db)
            return [qs.filter(name=name) for name in names]
    """
    assert [(f.rule_id, f.start_line) for f in analyze(code)] == [("PG-LOOP001", 9)]


def test_objects_of_a_model_held_in_a_name_in_a_django_module_is_a_manager() -> None:
    code = """
    from django.contrib import admin

    class SortableAdmin(admin.ModelAdmin):
        def update_order(self, items, filters):
            queryset = self.model.objects.filter(**filters)
            for pk, order in items:
                obj = queryset.get(pk=pk)
                obj.order = order
            return items

        def not_a_manager(self, items):
            for item in items:
                self.registry.objects.register(item)
    """
    assert [(f.rule_id, f.start_line) for f in analyze(code)] == [("PG-LOOP001", 8)]


def test_reading_a_property_that_makes_a_request_per_item_is_a_request_per_item() -> None:
    code = """
    import logging

    import requests

    log = logging.getLogger(__name__)

    class Monitor:
        def __init__(self, key, data=None):
            self.key = key
            self._data = data

        @property
        def data(self):
            if self._data is None:
                log.info("fetching %s", self.key)
                self._data = requests.get("https://cron.example/" + self.key, timeout=10).json()
            return self._data

        @data.setter
        def data(self, value):
            self._data = value

        @property
        def label(self):
            return self.key.upper()

        @classmethod
        def load(cls, keys):
            if keys:
                monitors = [cls(key) for key in keys]
            else:
                monitors = []
            for m in monitors:
                _ = m.data
                m.data = {}
                print(m.label)
            return monitors
    """
    loops = [(f.rule_id, f.start_line) for f in analyze(code) if f.rule_id.startswith("PG-LOOP")]
    assert loops == [("PG-LOOP002", 35)]


def test_a_loop_over_an_attribute_set_once_to_a_small_literal_is_a_few_items() -> None:
    code = """
    import logging

    import requests

    log = logging.getLogger(__name__)

    class Buffered:
        def __init__(self):
            self._buffers = {"events": [], "people": [], "groups": []}
            self._queue = ["a", "b"]

        def flush(self):
            for endpoint in self._buffers:
                log.info("flushing %s", endpoint)
                requests.post("https://api.example/" + endpoint, json=self._buffers[endpoint], timeout=5)

        def drain(self):
            for item in self._queue:
                log.info("sending %s", item)
                requests.post("https://api.example/items", json=item, timeout=5)

        def push(self, item):
            self._queue.append(item)
    """
    assert [f.start_line for f in analyze(code) if f.rule_id == "PG-LOOP002"] == [21]


def test_a_loop_over_what_a_configured_callable_returns_is_configuration() -> None:
    code = """
    import logging

    import requests

    from helpdesk import settings

    log = logging.getLogger(__name__)

    def notify(data):
        for url in settings.GET_WEBHOOK_URLS():
            log.info("webhook %s", url)
            requests.post(url, json=data, timeout=5)

    def notify_each(data, recipients):
        for url in settings.webhook_for(recipients):
            log.info("webhook %s", url)
            requests.post(url, json=data, timeout=5)
    """
    assert [f.start_line for f in analyze(code) if f.rule_id == "PG-LOOP002"] == [18]


def test_a_loop_over_model_classes_whose_inner_loop_reads_each_class_is_not_per_item() -> None:
    code = """
    from django.db import models

    class ImageModel(models.Model):
        pass

    class PhotoSize(models.Model):
        def clear_cache(self):
            for cls in ImageModel.__subclasses__():
                for obj in cls.objects.all():
                    obj.save()
    """
    loops = [(f.rule_id, f.start_line) for f in analyze(code) if f.rule_id.startswith("PG-LOOP")]
    # not the query once per model class (the rows' class is known only at run time)
    assert loops == []


def test_a_helper_given_each_row_that_saves_its_parameter_queries_per_row() -> None:
    code = """
    from django.db import transaction

    from app.models import MailboxOperation

    def rename(operation):
        operation.mailbox.rename(operation.argument)
        operation.delete()

    def handle_operations():
        for ope in MailboxOperation.objects.all():
            rename(ope)

    def cleanup(operation):
        operation.delete()
    """
    loops = [(f.rule_id, f.start_line) for f in analyze(code) if f.rule_id.startswith("PG-LOOP")]
    assert loops == [("PG-LOOP001", 12)]


def test_not_a_number_is_a_default_a_sentinel_is_not() -> None:
    """GoogleNews: `except: return float('nan')` turns a failure into a missing number."""
    code = """
    def parse(text):
        try:
            return float(text)
        except Exception:
            return float('nan')

    def size(text):
        try:
            return int(text)
        except Exception:
            return float('inf')
    """
    assert [(f.rule_id, f.start_line) for f in _errors(code)] == [("PG-ERR002", 5)]


def test_a_service_loop_polling_while_a_flag_is_set_is_not_a_billed_loop_per_item() -> None:
    """aws-sqs-consumer: `while self._running:` receives a batch of messages per pass; a
    `while True` loop calling a paid API until its answer says stop is still reported."""
    code = """
    import boto3

    sqs = boto3.client("sqs", config=CONFIG)

    class Consumer:
        def start(self):
            self._running = True
            while self._running:
                response = sqs.receive_message(QueueUrl=self.url, MaxNumberOfMessages=10)
                self._handle(response)

        def drain(self):
            while True:
                response = sqs.receive_message(QueueUrl=self.url)
                if not response.get("Messages"):
                    return
    """
    assert [(f.rule_id, f.start_line) for f in _loops(code)] == [("PG-LOOP003", 15)]


def test_a_loop_leaving_once_a_candidate_answers_is_a_fallback() -> None:
    """cloudflare-ddns: `for finder in self.public_ip_finder: try: r = requests.get(finder) except:
    continue; if r.status_code == 200: try: ...; break` tries each IP finder until one works."""
    code = """
    import logging
    import requests

    log = logging.getLogger(__name__)

    def my_ip(finders):
        for finder in finders:
            try:
                result = requests.get(finder, timeout=5)
            except requests.RequestException:
                continue
            if result.status_code == 200:
                try:
                    address = result.json()["ip"]
                    break
                except KeyError:
                    continue
        log.info("ip %s", address)
        return address

    def fetch_all(urls):
        for url in urls:
            result = requests.get(url, timeout=5)
            if result.status_code == 200:
                log.info("%s", result.text)
    """
    assert [(f.rule_id, f.start_line) for f in _loops(code)] == [("PG-LOOP002", 24)]


def test_a_loop_over_the_groups_a_function_of_the_module_builds_is_a_loop_over_batches() -> None:
    """libhoney: `for dest, group in group_events_by_destination(events).items(): send(group)`,
    the function filling a `defaultdict(list)` by key; a dict of single values is not."""
    code = """
    import collections
    import logging

    import requests

    log = logging.getLogger(__name__)

    def by_destination(events):
        ret = collections.defaultdict(list)
        for ev in events:
            ret[ev.dataset].append(ev)
        return ret

    def by_id(events):
        ret = {}
        for ev in events:
            ret[ev.id] = ev
        return ret

    def flush(url, events):
        for dest, group in by_destination(events).items():
            requests.post(url + dest, json=group, timeout=5)
        for key, event in by_id(events).items():
            requests.post(url + key, json=event, timeout=5)
        log.info("flushed")
    """
    assert [(f.rule_id, f.start_line) for f in _loops(code)] == [("PG-LOOP002", 25)]


def test_a_handler_that_only_deletes_what_the_attempt_added_swallows_the_error() -> None:
    """archivenow: `except: del res_uris[idx]; pass`, then the function goes on."""
    code = """
    def push(uris, target):
        uris.append(target)
        try:
            return archive(target)
        except:
            del uris[-1]
            pass
        return ["bad request"]
    """
    assert [(f.rule_id, f.start_line) for f in _errors(code)] == [("PG-ERR001", 6)]


def test_output_printed_only_when_not_silent_is_still_only_output() -> None:
    """xkcd: `except: if not silent: print("Unable to make file"); return ""`."""
    code = """
    def save(path, silent=True):
        try:
            handle = open(path, "wb")
        except:
            if not silent:
                print("Unable to make file " + path)
            return ""
        return handle
    """
    assert [(f.rule_id, f.start_line) for f in _errors(code)] == [("PG-ERR002", 5)]


def test_a_module_printer_is_console_output_like_print() -> None:
    """codecov: `except Exception as e: write("    - Ignored: " + str(e))`, `write` a function
    of the module that colours text for `sys.stdout.write`; a helper that logs handles it."""
    code = """
    import logging
    import sys

    log = logging.getLogger(__name__)

    def write(text):
        sys.stdout.write(text + "\\n")

    def record(text):
        log.warning(text)

    def read(path):
        try:
            return open(path).read()
        except Exception as e:
            write("Ignored: " + str(e))

    def load(path):
        try:
            return open(path).read()
        except Exception as e:
            record("Ignored: " + str(e))
    """
    assert [(f.rule_id, f.start_line) for f in _errors(code)] == [("PG-ERR001", 16)]
