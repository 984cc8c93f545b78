"""The repository index resolves names as the interpreter would, and binds call shapes as Python does."""

from __future__ import annotations

import pytest
from prguard.index.facts import KEYWORD_ONLY, POSITIONAL_ONLY, POSITIONAL_OR_KEYWORD, VAR_KEYWORD, extract
from prguard.index.resolve import Dangling, RepositoryIndex, module_names
from prguard.index.signature import call_error


def index_of(files: dict[str, str]) -> RepositoryIndex:
    return RepositoryIndex({path: extract(path, text) for path, text in files.items()})


def sites(index: RepositoryIndex, key: str, *, calls_only: bool = False) -> set[tuple[str, int]]:
    refs = index.references_to([key])[key]
    return {(r.path, r.line) for r in refs if r.is_call or not calls_only}


LIBRARY = {
    "shop/__init__.py": "from .pricing import charge\nfrom .models import *\n",
    "shop/pricing.py": (
        "def charge(amount, currency='usd'):\n    return amount\n\n\ndef _tax(amount):\n    return amount\n"
    ),
    "shop/models.py": (
        "__all__ = ['Cart']\n\n\n"
        "class Base:\n    def total(self):\n        return 0\n\n\n"
        "class Cart(Base):\n"
        "    def __init__(self, items: list) -> None:\n        self.items = items\n\n"
        "    def total(self):\n        return super().total() + self.count()\n\n"
        "    def count(self):\n        return len(self.items)\n\n"
        "    @classmethod\n    def empty(cls) -> 'Cart':\n        return cls([])\n\n"
        "    @property\n    def size(self) -> int:\n        return self.count()\n"
    ),
}


def test_imports_aliases_relative_imports_and_module_attributes():
    index = index_of(
        {
            **LIBRARY,
            "a.py": "from shop.pricing import charge as bill\nbill(1)\n",
            "b.py": "import shop.pricing as p\np.charge(2)\n",
            "c.py": "import shop.pricing\nshop.pricing.charge(3)\n",
            "shop/d.py": "from . import pricing\nfrom .pricing import charge\npricing.charge(4)\ncharge(5)\n",
            "e.py": "from shop import charge\ncharge(6)\n",  # re-exported through __init__
            "f.py": "from shop.pricing import charge\nf = charge\nf(7)\n",  # an alias
        }
    )
    assert sites(index, "shop.pricing.charge", calls_only=True) == {
        ("a.py", 2), ("b.py", 2), ("c.py", 2), ("shop/d.py", 3), ("shop/d.py", 4), ("e.py", 2), ("f.py", 3),
    }  # fmt: skip


def test_aliases_inside_functions_reach_their_own_file_and_outside_ones_every_file():
    """A name a function binds is read only in its file; one bound at module or class level is
    also read from other files, as an attribute: all three kinds of site are found."""
    index = index_of(
        {
            **LIBRARY,
            "a.py": "from shop.pricing import charge\n\ndef f():\n    pay = charge\n    pay(1)\n",
            "b.py": "from shop import pricing\n\nclass Till:\n    ring = pricing.charge\n",
            "c.py": "from b import Till\nTill.ring(2)\n",
            "d.py": "import b\nb.Till().ring(3)\n",
            "e.py": "def g(pay):\n    pay(4)\n",  # another file's local name: not the function
        }
    )
    assert sites(index, "shop.pricing.charge", calls_only=True) == {("a.py", 5), ("c.py", 2), ("d.py", 2)}


def test_a_shadowing_local_is_not_the_function():
    index = index_of(
        {**LIBRARY, "a.py": "from shop.pricing import charge\n\ndef f(charge):\n    charge(1)\n"}
    )
    assert sites(index, "shop.pricing.charge", calls_only=True) == set()


def test_methods_through_self_cls_instances_super_and_star_imports():
    index = index_of(
        {
            **LIBRARY,
            "use.py": (
                "from shop import *\n\n"
                "def f(cart: Cart, other: 'Cart | None'):\n"
                "    c = Cart([])\n    c.count()\n    cart.count()\n    other.count()\n"
                "    Cart.empty().count()\n    return cart.size\n"
            ),
        }
    )
    count = sites(index, "shop.models.Cart.count", calls_only=True)
    assert count == {("shop/models.py", 14), ("shop/models.py", 25), ("use.py", 5), ("use.py", 6),
                     ("use.py", 7), ("use.py", 8)}  # fmt: skip
    assert sites(index, "shop.models.Base.total", calls_only=True) == {("shop/models.py", 14)}  # super()
    assert ("use.py", 4) in sites(index, "shop.models.Cart", calls_only=True)  # instantiation
    assert ("shop/models.py", 21) in sites(index, "shop.models.Cart", calls_only=True)  # cls([])
    assert ("use.py", 9) in sites(index, "shop.models.Cart.size")  # a property read


def test_a_lookup_of_a_missing_name_on_a_repository_module_is_dangling():
    index = index_of(
        {**LIBRARY, "a.py": "import shop.pricing as p\nfrom shop.pricing import refund\np.refund(1)\n"}
    )
    dangling = index.dangling({("shop.pricing", "refund")})
    assert {(d.path, d.line) for d in dangling} == {("a.py", 2), ("a.py", 3)}
    assert all(isinstance(d, Dangling) for d in dangling)


def test_no_dangling_reference_where_a_name_could_be_provided_dynamically():
    files = {
        "m.py": "def __getattr__(name):\n    return name\n",
        "n.py": "class Open(dict):\n    pass\n",
        "use.py": "import m\nfrom n import Open\nm.anything()\nOpen().keys()\n",
    }
    assert index_of(files).dangling({("m", "anything"), ("n.Open", "keys")}) == []


def test_module_names_follow_packages_and_src_layouts():
    names = module_names(["src/pkg/__init__.py", "src/pkg/mod.py", "tests/test_x.py", "tool.py"])
    assert names["src/pkg/mod.py"][0] == "pkg.mod"
    assert names["src/pkg/__init__.py"][0] == "pkg"
    assert names["tests/test_x.py"][0] == "tests.test_x"  # a folder without __init__: the path
    assert names["tool.py"] == ["tool"]


@pytest.mark.parametrize(
    "replaced",
    [
        {"shop/pricing.py": None},  # a file the change added: absent from the base
        {"shop/old_pricing.py": "def charge(amount):\n    return amount\n"},  # one it removed
        {"shop/__init__.py": None, "shop/models.py": "class Cart:\n    pass\n"},  # a package goes
        {"src/lib/__init__.py": "", "shop/pricing.py": "def charge():\n    return 1\n"},
    ],
)
def test_a_base_derived_with_files_come_or_gone_is_the_index_built_afresh(replaced):
    head = index_of(LIBRARY)
    facts = {p: extract(p, t) for p, t in replaced.items() if t is not None}
    base = head.derive({p: facts.get(p) for p in replaced})
    files = {**LIBRARY, **{p: t for p, t in replaced.items() if t is not None}}
    fresh = index_of({p: t for p, t in files.items() if replaced.get(p, "") is not None})
    for attribute in ("module_of", "path_of", "packages", "_class_scope", "_defined_by_name"):
        assert getattr(base, attribute) == getattr(fresh, attribute)
    assert list(base.symbols) == list(fresh.symbols)
    assert [s.definition.qualname for s in base.symbols.values()] == [
        s.definition.qualname for s in fresh.symbols.values()
    ]
    keys = [k for k in fresh.symbols if k.endswith(("charge", "total", "Cart"))]
    assert base.references_to(keys) == fresh.references_to(keys)


def test_find_by_key_path_or_short_name():
    index = index_of(LIBRARY)
    assert [s.key for s in index.find("shop.models.Cart.total")] == ["shop.models.Cart.total"]
    assert [s.key for s in index.find("shop/models.py:Cart.count")] == ["shop.models.Cart.count"]
    assert {s.key for s in index.find("total")} == {"shop.models.Cart.total", "shop.models.Base.total"}


P, K = POSITIONAL_OR_KEYWORD, KEYWORD_ONLY
CHARGE_NEW = (("amount", P, False), ("currency", P, False), ("idempotency_key", K, False))


@pytest.mark.parametrize(
    ("params", "call", "error"),
    [
        (CHARGE_NEW, (1, (), False, False), "missing required argument(s) 'currency', 'idempotency_key'"),
        (CHARGE_NEW, (2, ("idempotency_key",), False, False), None),
        (CHARGE_NEW, (3, (), False, False), "3 positional argument(s) given, 2 accepted"),
        (CHARGE_NEW, (1, ("amount",), False, False), "multiple values for 'amount'"),
        (CHARGE_NEW, (2, ("key",), False, False), "unexpected keyword argument 'key'"),
        (CHARGE_NEW, (0, (), True, False), None),  # *args: cannot be judged
        (CHARGE_NEW, (0, (), False, True), None),  # **kwargs: cannot be judged
        (
            (("a", POSITIONAL_ONLY, False),),
            (0, ("a",), False, False),
            "positional-only 'a' passed by keyword",
        ),
        ((("a", P, False), ("kw", VAR_KEYWORD, False)), (1, ("anything",), False, False), None),
    ],
)
def test_call_shapes_bind_as_python_binds_them(params, call, error):
    assert call_error(params, call) == error


def test_a_package_installed_under_another_name_is_followed():
    """setuptools' package-dir: workers/ installed as `prguard`, app/ as `prguard.app`."""
    index = index_of(
        {
            "workers/__init__.py": "",
            "workers/engine/__init__.py": "",
            "workers/engine/review.py": "def review(files):\n    return files\n",
            "workers/report/__init__.py": "",
            "workers/report/text.py": "from prguard.engine.review import review\nreview([])\n",
            "app/__init__.py": "",
            "app/web.py": (
                "import prguard.engine.review as r\nfrom prguard.report import text\nr.review([])\n"
            ),
            "tests/test_app.py": (
                "from prguard.app import web\nfrom prguard.engine.review import review\nreview(1)\n"
            ),
        }
    )
    assert sites(index, "workers.engine.review.review", calls_only=True) == {
        ("workers/report/text.py", 2), ("app/web.py", 3), ("tests/test_app.py", 3),
    }  # fmt: skip
    assert index.path_of["prguard.app.web"] == "app/web.py"


def test_items_of_annotated_containers_with_targets_and_or_defaults():
    index = index_of(
        {
            **LIBRARY,
            "shop/session.py": (
                "from shop.models import Cart\n\n\n"
                "class Session:\n"
                "    def __enter__(self):\n        return self\n\n"
                "    def __exit__(self, *exc):\n        return False\n\n"
                "    def carts(self) -> list:\n        return []\n"
            ),
            "use.py": (
                "from shop.models import Cart\nfrom shop.session import Session\n\n\n"
                "def f(carts: list[Cart], pair: tuple[Cart, ...], default: Cart | None = None):\n"
                "    for cart in carts:\n        cart.count()\n"
                "    [c.count() for c in pair]\n"
                "    with Session() as session:\n        session.carts()\n"
                "    chosen = default or Cart([])\n    chosen.count()\n"
            ),
        }
    )
    assert {("use.py", 7), ("use.py", 8), ("use.py", 12)} <= sites(index, "shop.models.Cart.count")
    assert ("use.py", 10) in sites(index, "shop.session.Session.carts", calls_only=True)


def test_unannotated_returns_and_conditional_values():
    index = index_of(
        {
            **LIBRARY,
            "make.py": (
                "from shop.models import Cart\n\n\n"
                "def make(items):\n    if not items:\n        return None\n    return Cart(items)\n\n\n"
                "def either(items):\n    return Cart(items) if items else Cart.empty()\n\n\n"
                "def use(c):\n"
                "    make([]).count()\n"
                "    chosen = Cart([]) if c else c\n    chosen.count()\n"
            ),
        }
    )
    found = sites(index, "shop.models.Cart.count", calls_only=True)
    assert {("make.py", 15), ("make.py", 17)} <= found


def test_equal_chains_call_shapes_and_bindings_of_a_file_are_one_object():
    """What `marshal` then writes once and the facts cache reads back once."""
    source = "import os\n\ndef f(x):\n    os.run(1)\n    os.run(2)\n\ndef g(x):\n    os.run(3)\n"
    facts = extract("m.py", source)
    calls = [r for r in facts.references if r[1] == ("os", "run")]
    assert len(calls) == 3 and all(r[1] is calls[0][1] and r[4] is calls[0][4] for r in calls)
    params = [d.params for d in facts.definitions]
    assert params[0] is params[1]
    bindings = [s.bindings["x"][0] for s in facts.scopes if "x" in s.bindings]
    assert len(bindings) == 2 and bindings[0] is bindings[1]
