"""Bandit's test set (plugins and blacklists), loaded without bandit's extension manager.

`import bandit` runs bandit's package `__init__`, which imports all of `bandit.core`: the scan
manager (and `rich`'s progress bars) and the extension loader, whose module-level `MANAGER` asks
stevedore for three entry-point groups and imports every output formatter (HTML, XML, SARIF ...).
prguard needs none of that to run bandit's tests on a tree, yet it cost most of a small review's
start-up. `test_set()` builds what `BanditTestSet(BanditConfig(), profile={})` builds, from the same
entry points (`bandit.plugins`, `bandit.blacklists`, every installed distribution's, read from the
scan the engine already made for its own plugin groups), with bandit's own modules, in the same
order; tests/unit/test_bandit_tests.py pins it to bandit's.

The `bandit` and `bandit.core` packages are registered without running their `__init__`; their
submodules import on first use, and the first use of any other name those `__init__`s would have
provided (`bandit.__version__`) runs them, so other code importing bandit in the same process sees
the package it expects.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from types import ModuleType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from prguard.entrypoints import InstalledEntryPoint as EntryPoint

PLUGINS_GROUP = "bandit.plugins"
BLACKLISTS_GROUP = "bandit.blacklists"
#: bandit's built-in blacklist test (its `extension_loader.Manager.builtin`)
BUILTIN_BLACKLIST = "B001"

log = logging.getLogger(__name__)


@dataclass
class LeanTestSet:
    """What bandit's node visitor and tester read of a `BanditTestSet`: node type -> test functions."""

    tests: dict[str, list[Callable[..., Any]]] = field(default_factory=dict)

    def get_tests(self, checktype: str) -> list[Callable[..., Any]]:
        return self.tests.get(checktype) or []


def test_set(entry_points: Iterable[EntryPoint]) -> Any:
    """Every bandit test, as bandit's default configuration and an empty profile select them.

    `entry_points`: the installed entry points (any groups; the two bandit groups are picked).
    When bandit's package is already fully imported, bandit's own `BanditTestSet` is used.
    """
    if _fully_imported():
        from bandit.core import config
        from bandit.core import test_set as real_test_set

        return real_test_set.BanditTestSet(config.BanditConfig(), profile={})
    points = list(entry_points)
    _register_packages()
    from bandit.core import blacklisting, utils

    plugins = [
        (point.name, function)
        for point, function in _load(_group(points, PLUGINS_GROUP))
        if _has_test_id(point.name, function)
    ]
    blacklist: dict[str, list[dict[str, Any]]] = {}
    for _, generate in _load(_group(points, BLACKLISTS_GROUP)):
        for node_type, checks in generate().items():
            utils.check_ast_node(node_type)
            blacklist.setdefault(node_type, []).extend(checks)
    if blacklist:
        # as BanditTestSet._load_builtins: the blacklist data dressed up as test B001
        blacklisting.blacklist._test_id = BUILTIN_BLACKLIST
        blacklisting.blacklist._checks = blacklist.keys()
        blacklisting.blacklist._config = blacklist
        plugins.append(("blacklist", blacklisting.blacklist))
    tests = LeanTestSet()
    for _, function in plugins:
        if hasattr(function, "_takes_config"):
            # bandit's default configuration has no plugin options: each plugin's own defaults
            module = importlib.import_module(function.__module__)
            function._config = module.gen_config(function._takes_config)
        for check in function._checks:
            tests.tests.setdefault(check, []).append(function)
    return tests


def _group(points: list[EntryPoint], group: str) -> list[EntryPoint]:
    """The group's entry points in scan order, exact duplicates dropped (as stevedore's cache does)."""
    seen: set[tuple[str, str]] = set()
    found = []
    for point in points:
        if point.group == group and (point.name, point.value) not in seen:
            seen.add((point.name, point.value))
            found.append(point)
    return found


def _load(points: list[EntryPoint]) -> list[tuple[EntryPoint, Any]]:
    """Each entry point's object; one that fails to load is logged and left out (as stevedore does)."""
    loaded = []
    for point in points:
        try:
            loaded.append((point, point.load()))
        except Exception as error:  # a broken third-party bandit plugin must not stop reviews
            log.error("Could not load %r: %s", point.name, error)
    return loaded


def _has_test_id(name: str, function: Any) -> bool:
    if hasattr(function, "_test_id"):
        return True
    print(f"WARNING: Test '{name}' has no ID, skipping.", file=sys.stderr)  # bandit's own warning
    return False


# --- the bandit packages, registered without their __init__ -------------------------------------

_COMPLETING: set[str] = set()


def _fully_imported() -> bool:
    package = sys.modules.get("bandit")
    return package is not None and "__getattr__" not in vars(package) and hasattr(package, "core")


def _register_packages() -> None:
    """`bandit` and `bandit.core` as empty packages plus what bandit's plugins read of `bandit`
    (severity and confidence constants, `Issue`, the test decorators)."""
    if "bandit" in sys.modules:
        return
    package = _bare_package("bandit")
    core = _bare_package("bandit.core")
    package.core = core
    from bandit.core import constants, issue, test_properties

    for source in (constants, issue, test_properties):
        names = getattr(source, "__all__", None) or [n for n in vars(source) if not n.startswith("_")]
        for name in names:
            setattr(package, name, getattr(source, name))
            setattr(core, name, getattr(source, name))
    package.__getattr__ = _completer(package)
    core.__getattr__ = _completer(core)


def bare_package(name: str) -> ModuleType:
    """Register the package `name` without running its `__init__`: its submodules import on first
    use, and the first use of any other name runs the `__init__` once (ModuleNotFoundError when
    it is not installed)."""
    module = _bare_package(name)
    module.__getattr__ = _completer(module)  # type: ignore[method-assign]
    return module


def _bare_package(name: str) -> ModuleType:
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:
        raise ModuleNotFoundError(f"No module named {name!r}", name=name)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    return module


def _completer(module: ModuleType) -> Callable[[str], Any]:
    """A module `__getattr__`: a submodule's name imports that submodule (`from bandit.core import
    utils`); any other missing name runs the package's real `__init__` once, then is looked up."""

    def complete(name: str) -> Any:
        package = module.__name__
        if package in _COMPLETING or (name.startswith("__") and name not in ("__version__", "__author__")):
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        if importlib.util.find_spec(f"{package}.{name}") is not None:
            return importlib.import_module(f"{package}.{name}")
        _COMPLETING.add(package)
        try:
            del module.__getattr__
            module.__spec__.loader.exec_module(module)
        finally:
            _COMPLETING.discard(package)
        return getattr(module, name)

    return complete
