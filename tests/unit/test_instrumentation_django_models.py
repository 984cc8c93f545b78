"""Per-item queries through Django model instances: `.save()`, `.delete()` and `.refresh_from_db()`
on an instance of a model class (of this file or of another file of the repository), typed by the
shared resolver, run one query each (PG-LOOP001); unknown objects with such methods stay unknown."""

from __future__ import annotations

import ast
import textwrap

from prguard.analyzers.pyresolve import Resolver
from prguard.index.snapshot import RepositorySnapshot

from tests.unit.engine_helpers import added
from tests.unit.instrumentation_helpers import analyze, review_instrumentation

MODELS = textwrap.dedent(
    """\
    from django.db import models


    class Book(models.Model):
        title = models.CharField(max_length=100)
    """
)

IMPORTING = textwrap.dedent(
    """\
    from shop.models import Book


    def retitle(ids):
        for book in Book.objects.filter(pk__in=ids):
            book.title = book.title.upper()
            book.save()
    """
)


def loop_lines(findings) -> list[int]:
    return sorted(f.start_line for f in findings if f.rule_id == "PG-LOOP001")


def test_resolver_types_instances_and_querysets_of_a_model() -> None:
    tree = ast.parse(
        textwrap.dedent(
            """\
            from django.db import models
            class Book(models.Model):
                pass
            a = Book(title="x")
            b = Book.objects.get(pk=1)
            for c in Book.objects.filter(x=1).select_related("author"):
                pass
            """
        )
    )
    resolver = Resolver(tree, module="shop.models")
    names = {n.id: n for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id in "abc"}
    for name in "abc":
        assert resolver.type_of(names[name]) == "shop.models.Book", name
    assert resolver.is_django_model("shop.models.Book")


def test_save_delete_refresh_per_item_on_model_instances_are_queries_per_item() -> None:
    findings = analyze(
        MODELS
        + textwrap.dedent(
            """\


            def import_titles(titles):
                for title in titles:
                    book = Book(title=title)
                    book.save()


            def purge(ids):
                for book in Book.objects.filter(pk__in=ids):
                    book.delete()


            def reload(ids):
                for pk in ids:
                    book = Book.objects.get(pk=pk)
                    book.refresh_from_db()
            """
        )
    )
    assert loop_lines(findings) == [11, 16, 21, 22]
    save = next(f for f in findings if f.start_line == 11)
    assert "bulk_create" in save.message and "book.save" in save.message


def test_not_a_model_and_retry_loops_stay_quiet() -> None:
    findings = analyze(
        MODELS
        + textwrap.dedent(
            """\


            class Draft:
                def save(self):
                    return None


            def drafts(items):
                for item in items:
                    Draft().save()
                    item.save()


            def save_with_retry(book):
                for attempt in range(3):
                    try:
                        book = Book(title="x")
                        book.save()
                        return book
                    except Exception:
                        continue
                raise RuntimeError("gave up")
            """
        )
    )
    assert loop_lines(findings) == []


def test_model_of_another_file_of_the_repository() -> None:
    result = review_instrumentation([added("shop/models.py", MODELS), added("shop/tasks.py", IMPORTING)])
    found = [(f.path, f.start_line) for f in result.findings if f.rule_id == "PG-LOOP001"]
    assert found == [("shop/tasks.py", 7)]
    # the model's file unknown: the class is unknown, nothing reported
    alone = review_instrumentation([added("shop/tasks.py", IMPORTING)])
    assert [f for f in alone.findings if f.rule_id == "PG-LOOP001"] == []


def test_a_call_in_a_branch_that_leaves_the_loop_runs_once() -> None:
    findings = analyze(
        MODELS
        + textwrap.dedent(
            """\


            import requests


            def use_code(codes, code):
                for book in Book.objects.filter(title__in=codes):
                    if book.title == code:
                        book.save()
                        return True
                return False


            def first_reachable(urls):
                for url in urls:
                    if url.startswith("https"):
                        requests.get(url, timeout=5)
                        break


            def per_item_with_retry(urls):
                for url in urls:
                    for attempt in range(3):
                        if attempt:
                            requests.get(url, timeout=5)
                            break
            """
        )
    )
    # the first two leave the loop after their call; the third's `break` leaves only the retry loop
    assert [(f.rule_id, f.start_line) for f in findings if f.rule_id.startswith("PG-LOOP")] == [
        ("PG-LOOP002", 30)
    ]


def test_model_through_a_base_class_of_another_file() -> None:
    base = "from django.db import models\n\n\nclass Stamped(models.Model):\n    pass\n"
    models = "from core.models import Stamped\n\n\nclass Book(Stamped):\n    pass\n"
    plain = "class Book:\n    def save(self):\n        return None\n"
    files = [
        added("core/models.py", base),
        added("shop/models.py", models),
        added("shop/tasks.py", IMPORTING),
    ]
    found = [
        (f.path, f.start_line) for f in review_instrumentation(files).findings if f.rule_id == "PG-LOOP001"
    ]
    assert found == [("shop/tasks.py", 7)]
    # the same names, but `Book` is no model: nothing
    other = [added("shop/models.py", plain), added("shop/tasks.py", IMPORTING)]
    assert [f for f in review_instrumentation(other).findings if f.rule_id == "PG-LOOP001"] == []


def test_an_admin_actions_queryset_holds_the_registered_models_rows() -> None:
    models_py = textwrap.dedent(
        """\
        from django.db import models


        class Subscription(models.Model):
            subscribed = models.BooleanField()
        """
    )
    admin_py = textwrap.dedent(
        """\
        from django.contrib import admin

        from news.models import Subscription


        class SubscriptionAdmin(admin.ModelAdmin):
            def make_subscribed(self, request, queryset):
                for subscription in queryset.all():
                    subscription.subscribed = True
                    subscription.save()
                queryset.update(subscribed=True)


        class UnregisteredAdmin(admin.ModelAdmin):
            def touch(self, request, queryset):
                for row in queryset:
                    row.save()


        admin.site.register(Subscription, SubscriptionAdmin)
        """
    )
    snapshot = RepositorySnapshot.from_files({"news/models.py": models_py.encode(), "news/__init__.py": b""})
    result = review_instrumentation([added("news/admin.py", admin_py)], repository=snapshot)
    assert [f.start_line for f in result.findings if f.rule_id == "PG-LOOP001"] == [10]


def test_a_method_recursing_on_each_child_row_queries_per_child() -> None:
    code = """
    from django.db import models


    class Status(models.Model):
        def cancel(self):
            for child in Status.objects.filter(parent=self):
                child.cancel()
            Status.objects.filter(pk=self.pk).update(state="canceled")

        def poll(self, attempts):
            for attempt in range(attempts):
                self.poll(attempts - 1)


    def walk(node):
        for child in node.children:
            walk(child)
    """
    found = [
        (f.start_line, f.message.split("`")[1])
        for f in analyze(textwrap.dedent(code))
        if f.rule_id == "PG-LOOP001"
    ]
    assert found == [(8, "child.cancel(...)")]


def test_a_model_whose_base_is_imported_is_known_by_its_own_manager() -> None:
    code = textwrap.dedent(
        """\
        from django.db import models
        from model_utils.models import TimeStampedModel


        class Status(TimeStampedModel):
            def children(self):
                rows = Status.objects.filter(parent=self)
                return [row for row in rows]
        """
    )
    tree = ast.parse(code)
    resolver = Resolver.of_file(tree, "app/models.py")
    rows = next(n for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id == "rows")
    assert resolver.type_of(rows) == "django.db.models.QuerySet[app.models.Status]"


def test_a_queryset_narrowed_under_its_own_name_keeps_its_type() -> None:
    code = textwrap.dedent(
        """\
        from shop.models import Url


        def check(recent, limit):
            urls = Url.objects.all()
            if recent:
                urls = urls.exclude(checked=True)
            if limit:
                urls = urls[:limit]
            for url in urls:
                url.save()
            data = Url.objects.values("pk")
            data = data.custom()
            return data
        """
    )
    tree = ast.parse(code)
    resolver = Resolver.of_file(tree, "shop/checks.py")
    url = next(n for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id == "url")
    assert resolver.type_of(url) == "shop.models.Url"
    data = [n for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id == "data"][-1]
    assert resolver.type_of(data) is None  # a method of unknown meaning: unknown


def test_a_class_extending_a_model_django_ships_is_a_model() -> None:
    """openwisp-users: `class AbstractUser(BaseUser)` over `django.contrib.auth`'s, then a save per
    row of `cls.objects...iterator()`."""
    code = """
from django.contrib.auth.models import AbstractUser as BaseUser
from django.db import transaction


class AbstractUser(BaseUser):
    @classmethod
    def deactivate(cls):
        with transaction.atomic():
            for user in cls.objects.filter(is_active=True).select_for_update().iterator():
                user.is_active = False
                user.save(update_fields=["is_active"])
"""
    assert [(f.rule_id, f.start_line) for f in analyze(code)] == [("PG-LOOP001", 12)]


def test_a_managers_rows_are_of_the_model_of_the_module_that_declares_it() -> None:
    """django-mail-queue: `MailerMessage.objects = MailerMessageManager()`; the manager's
    `send_queued` calls each message's `send_mail()`, whose `_send()` saves the row."""
    code = """
from django.db import models


class MailerMessageManager(models.Manager):
    def send_queued(self, limit=None):
        for email in self.filter(sent=False)[:limit]:
            email.send_mail()


class MailerMessage(models.Model):
    objects = MailerMessageManager()

    def send_mail(self):
        self._send()

    def _send(self):
        self.sent = True
        self.save()
"""
    assert [(f.rule_id, f.start_line) for f in analyze(code)] == [("PG-LOOP001", 8)]


def test_the_row_of_get_or_create_is_a_model_instance() -> None:
    """django-feedreader: `db_entry, created = Entry.objects.get_or_create(...)` then
    `db_entry.save()`, per feed entry."""
    code = """
from django.db import models


class Entry(models.Model):
    link = models.URLField()


def poll(entries, feed):
    for entry in entries:
        db_entry, created = Entry.objects.get_or_create(feed=feed, link=entry.link)
        db_entry.title = entry.title
        db_entry.save()
"""
    assert [(f.rule_id, f.start_line) for f in analyze(code)] == [("PG-LOOP001", 11), ("PG-LOOP001", 13)]


def test_a_row_made_and_saved_in_one_expression_is_a_query_per_item() -> None:
    """django-weather-darksky: `WeatherForecast(location=loc, ...).save(force_insert=True)` per
    location."""
    code = """
from django.db import models


class WeatherForecast(models.Model):
    data = models.TextField()


def load(locations):
    for loc in locations:
        WeatherForecast(location=loc).save(force_insert=True)
"""
    found = [f for f in analyze(code) if f.rule_id == "PG-LOOP001"]
    assert [f.start_line for f in found] == [11]
    assert "bulk_create" in found[0].message and "WeatherForecast(...).save" in found[0].message
