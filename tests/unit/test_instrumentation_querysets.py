"""Django querysets are lazy (PG-LOOP001): building one (`filter`, `exclude`, `order_by`, a slice)
runs no query; evaluating it (iterating, `list()`, `len()`, an `if`, an int index, `.get()`,
`.count()`, `.iterator()`, ...) does. A model class imported from another module is known by Django's
API shape (used through `.objects`/`._default_manager`); a loop over model classes runs once per model
of the schema; a loop over a dict's keys that acts only on the keys of a small literal mapping runs at
most that many times."""

from __future__ import annotations

import ast
import textwrap

from prguard.analyzers.pyresolve import Resolver

from tests.unit.engine_helpers import added
from tests.unit.instrumentation_helpers import analyze, review_instrumentation

HEAD = "from django.db import models\nfrom shop.models import Book, Log\n\n\n"


def loop_lines(code: str) -> list[str]:
    """The lines (stripped) with a PG-LOOP001 finding, in order."""
    text = HEAD + textwrap.dedent(code)
    lines = text.splitlines()
    found = sorted(f.start_line for f in analyze(text) if f.rule_id == "PG-LOOP001")
    return [lines[line - 1].strip() for line in found]


def test_building_querysets_per_item_runs_no_query() -> None:
    assert (
        loop_lines(
            """\
            def per_kwargs(kwargs_list):
                return [Book.objects.filter(**kw) for kw in kwargs_list]


            def narrowed(sets, since):
                out = []
                for qs in sets:
                    out.append(Book.objects.exclude(pk=1).order_by("title").values_list("pk", flat=True))
                return out


            def unions(ids):
                query = models.Q()
                for pk in ids:
                    sub = Book.objects.filter(author=pk).values("pk")
                    query |= models.Q(pk__in=sub)
                return Book.objects.filter(query)
            """
        )
        == []
    )


def test_evaluating_a_queryset_per_item_is_a_query_per_item() -> None:
    assert loop_lines(
        """\
        def iterated(ids):
            for pk in ids:
                for book in Book.objects.filter(author=pk):
                    print(book)


        def listed(ids):
            return [list(Book.objects.filter(author=pk)) for pk in ids]


        def tested(ids):
            for pk in ids:
                if Book.objects.filter(author=pk):
                    print(pk)


        def indexed(ids):
            return [Book.objects.filter(author=pk)[0] for pk in ids]


        def counted_later(ids):
            for pk in ids:
                books = Book.objects.filter(author=pk).order_by("title")
                print(books.count())


        def first_ten(ids):
            for pk in ids:
                print(len(Book.objects.filter(author=pk)[:10]))


        def defaulted(ids):
            for pk in ids:
                print(Book.objects.filter(author=pk) or None)


        async def awaited(ids):
            for pk in ids:
                await Book.objects.filter(author=pk).afirst()


        def by_private_manager(rows):
            for row in rows:
                model = row.model_class
                model._default_manager.using("default").get(pk=row.pk)
        """
    ) == [
        "for book in Book.objects.filter(author=pk):",
        "return [list(Book.objects.filter(author=pk)) for pk in ids]",
        "if Book.objects.filter(author=pk):",
        "return [Book.objects.filter(author=pk)[0] for pk in ids]",
        'books = Book.objects.filter(author=pk).order_by("title")',
        "print(len(Book.objects.filter(author=pk)[:10]))",
        "print(Book.objects.filter(author=pk) or None)",
        "await Book.objects.filter(author=pk).afirst()",
        'model._default_manager.using("default").get(pk=row.pk)',
    ]


def test_a_custom_manager_method_used_as_a_queryset_is_lazy() -> None:
    code = """\
        def pending(kinds):
            for kind in kinds:
                qs = Book.objects.for_kind(kind)
                qs = qs.filter(done=False)
                yield models.Q(pk__in=qs.values("pk"))


        def combined(kinds):
            pages = Book.objects.none()
            for kind in kinds:
                pages |= Book.objects.descendant_of(kind)
            return pages


        def unknown(kinds):
            for kind in kinds:
                Book.objects.recount(kind)
        """
    # a custom method whose result is used only as a queryset runs nothing; one of unknown use counts
    assert loop_lines(code) == ["Book.objects.recount(kind)"]


def test_an_imported_model_used_through_its_manager_is_a_model() -> None:
    assert loop_lines(
        """\
        def reschedule():
            for s in Book.objects.select_for_update().exclude(repeats=0):
                s.repeats -= 1
                s.save()


        def trim(name, limit):
            failures = Log.objects.filter(name=name)
            for failure in failures[: failures.count() - limit]:
                failure.delete()


        def first_only(name):
            log = Log.objects.filter(name=name)[0]
            for _ in range(20):
                log.refresh_from_db()
        """
    ) == ["s.save()", "failure.delete()", "log.refresh_from_db()"]


def test_resolver_slices_keep_the_sequence_type_and_managers_mark_models() -> None:
    tree = ast.parse(
        textwrap.dedent(
            """\
            from django.db import models
            from shop.models import Book, Plain
            qs = Book.objects.filter(x=1)
            a = qs[:10]
            b = qs[0]
            Plain.helper()
            """
        )
    )
    resolver = Resolver(tree, module="shop.tasks")
    names = {n.id: n for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id in ("a", "b")}
    assert resolver.type_of(names["a"]) == "django.db.models.QuerySet[shop.models.Book]"
    assert resolver.type_of(names["b"]) == "shop.models.Book"
    assert resolver.used_as_model("shop.models.Book")
    assert not resolver.used_as_model("shop.models.Plain")
    assert not resolver.is_django_model("shop.models.Book")  # its bases are not known here


def test_manager_shape_needs_django_and_yields_to_the_repository() -> None:
    no_django = (
        "from shop.models import Book\n\n\ndef f():\n    for b in Book.objects.all():\n        b.save()\n"
    )
    assert [f for f in analyze(no_django) if f.rule_id == "PG-LOOP001"] == []
    tasks = "import django\n" + no_django
    plain = "class Book:\n    objects = None\n\n    def save(self):\n        return None\n"
    # the class's own file says it is no model: that wins over the shape
    result = review_instrumentation([added("shop/models.py", plain), added("shop/tasks.py", tasks)])
    assert [f for f in result.findings if f.rule_id == "PG-LOOP001"] == []
    alone = review_instrumentation([added("shop/tasks.py", tasks)])
    assert [f.start_line for f in alone.findings if f.rule_id == "PG-LOOP001"] == [7]


def test_a_function_returning_a_queryset_evaluated_per_item() -> None:
    code = """\
        from django.db.models import QuerySet


        def perms_of(user) -> QuerySet:
            return Book.objects.filter(owner=user)


        def table(users):
            return {user: sorted(perms_of(user)) for user in users}


        def lazy(users):
            return {user: perms_of(user) for user in users}
        """
    assert loop_lines(code) == ["return {user: sorted(perms_of(user)) for user in users}"]


def test_a_loop_over_model_classes_is_not_a_loop_over_rows() -> None:
    assert loop_lines(
        """\
        def clean(pairs):
            for model, history in pairs:
                if not history.objects.exists():
                    continue
                for obj in model._default_manager.all().iterator():
                    obj.delete()


        def per_row(versions):
            for version in versions:
                model = version.model
                model._default_manager.get(pk=version.pk)


        def counts(classes):
            return {model: model._default_manager.count() for model in classes}


        def same_name_other_case(books):
            for book in books:
                Book.objects.get(pk=book.pk)
        """
    ) == ["model._default_manager.get(pk=version.pk)", "Book.objects.get(pk=book.pk)"]


def test_a_dict_loop_guarded_by_a_small_literal_mapping_runs_a_few_times() -> None:
    assert loop_lines(
        """\
        FLAGS = {"new": 1, "update": 2, "delete": 3}


        def log_groups(groups):
            missing = object()
            for kind, rows in groups.items():
                flag = FLAGS.get(kind, missing)
                if flag is not missing:
                    Log.objects.create(kind=flag, count=len(rows))


        def known_only(groups):
            for kind in groups.keys():
                if kind in FLAGS:
                    Log.objects.create(kind=kind)


        def every_row(rows):
            for row in rows:
                if row.kind in FLAGS:
                    Log.objects.create(kind=row.kind)


        def every_key(groups):
            for kind, rows in groups.items():
                Log.objects.create(kind=kind)
        """
    ) == ["Log.objects.create(kind=row.kind)", "Log.objects.create(kind=kind)"]


def test_a_queryset_handed_to_a_consuming_method_runs() -> None:
    assert loop_lines(
        """\
        def allowed(perms):
            ids = set()
            for perm in perms:
                ids.update(Book.objects.all().values_list("id", flat=True))
            return ids


        def as_subquery(perms):
            for perm in perms:
                perm.books.add(*[])
                models.Q(pk__in=Book.objects.all().values("id"))
        """
    ) == ['ids.update(Book.objects.all().values_list("id", flat=True))']


def test_one_query_per_group_fetched_with_in_is_batched() -> None:
    assert loop_lines(
        """\
        def by_type(preload):
            for kind, ids in preload.items():
                for obj in kind.model_class()._default_manager.filter(pk__in=ids):
                    print(obj)


        def per_row(rows):
            for row in rows:
                for obj in Book.objects.filter(pk__in=[row.pk]):
                    print(obj)
        """
    ) == ["for obj in Book.objects.filter(pk__in=[row.pk]):"]


def test_the_label_of_a_manager_on_a_call_result() -> None:
    text = HEAD + "def f(rows):\n    for row in rows:\n        row.model_class()._default_manager.get(pk=1)\n"
    (finding,) = [f for f in analyze(text) if f.rule_id == "PG-LOOP001"]
    assert "`_default_manager.get(...)`" in finding.message


def test_a_method_returning_a_queryset_evaluated_per_item() -> None:
    code = """\
        class Service:
            def books_of(self, author):
                return Book.objects.filter(author=author)

            def titles(self, authors):
                return [b.title for a in authors for b in self.books_of(a)]

            def lazy(self, authors):
                return {a: self.books_of(a) for a in authors}
        """
    found = [f for f in analyze(HEAD + textwrap.dedent(code)) if f.rule_id == "PG-LOOP001"]
    assert [f.start_line for f in found] == [10]
    assert "`self.books_of(...)`" in found[0].message and "selectinload" not in found[0].message


def test_a_manager_the_model_declares_is_a_manager_by_its_type() -> None:
    code = """\
        from django.db import models
        from django_comments.managers import CommentManager
        from django_comments.models import Comment


        class Reply(Comment):
            plain = CommentManager()
            recent = models.QuerySet.as_manager()
            helper = dict()


        def publish(ids):
            for pk in ids:
                Reply.plain.filter(parent_id=pk).update(is_public=True)
                Reply.recent.get(pk=pk)
                Reply.helper.get(pk)
        """
    found = [f.message.split("`")[1] for f in analyze(textwrap.dedent(code)) if f.rule_id == "PG-LOOP001"]
    assert found == ["Reply.plain.filter(...)", "Reply.recent.get(...)"]
