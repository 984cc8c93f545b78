"""The repository index: every file's facts joined into modules, definitions and resolved references.

A reference is resolved as the interpreter would look the name up: the enclosing function
scopes (class bodies are not visible from their methods), then the module, following
imports (`import a.b as c`, `from ..m import n as k`, relative levels), module attributes
and submodules, re-exports through `__init__` (and star imports), simple aliases
(`x = m.f`), instances (`x = A()`, a parameter annotated `A`, `self` and `cls`), class
attributes through the bases defined in the repository, and `super()`.

A lookup that reaches a module or class of the repository and finds no such name there is
recorded as dangling: a reference that would raise at run time (`ImportError`,
`AttributeError`) unless something dynamic provides the name, which is why classes with a
metaclass, `__getattr__` or a base outside the repository never produce one.
"""

from __future__ import annotations

import builtins
import functools
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from prguard.index.facts import CALL, IMPORT, SUPER, CallShape, Chain, Definition, ModuleFacts

_MAX_DEPTH = 24
_UNKNOWN: Any = object()  # not in a memo yet (None there is an answer: nothing)

# a resolved target: ("module", name) | ("def", key, bound) | ("inst", class key)
Target = tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class Symbol:
    """One definition of the repository, by its qualified name (module + qualname)."""

    key: str  # "billing.pricing.charge", "shop.cart.Cart.total"
    module: str
    path: str
    definition: Definition

    @property
    def name(self) -> str:
        return self.definition.qualname.rsplit(".", 1)[-1]


@dataclass(frozen=True, slots=True)
class Reference:
    """One place that reads a symbol: a call (with its shape) or any other use (import, attribute...)."""

    key: str
    path: str
    line: int
    column: int
    enclosing: str  # qualname of the enclosing function or class, "" at module level
    call: CallShape | None  # the call's shape when the reference is called there
    bound: bool  # called through an instance (or cls for a classmethod): the first parameter is given

    @property
    def is_call(self) -> bool:
        return self.call is not None


@dataclass(frozen=True, slots=True)
class Dangling:
    """A lookup of `name` on a repository module or class that has no such attribute."""

    owner: str  # module name or class key
    name: str
    path: str
    line: int
    column: int
    enclosing: str
    call: CallShape | None


def _closure(names: set[str], tables: list[dict[str, set[str]]]) -> set[str]:
    """`names` and every name the alias tables bind one of them to, followed to the end (in place)."""
    todo = set(names)
    while todo:
        found: set[str] = set()
        for table in tables:
            # the smaller side is walked: a file's few aliases, or the few names still to follow
            hits = (table[n] for n in table if n in todo) if len(table) < len(todo) else map(table.get, todo)
            for bound in hits:
                if bound:
                    found |= bound
        todo = found - names
        names |= found
    return names


def absolute_module(facts: ModuleFacts, own_module: str, level: int, module: str) -> str:
    """The module `from {"." * level}{module} import ...` names in the file of `facts` (module
    `own_module`): "" when it climbs above the top package (a top-level file's `from .m` is `m`)."""
    if not level:
        return module
    package = own_module if facts.is_package else own_module.rpartition(".")[0]
    for _ in range(level - 1):
        package = package.rpartition(".")[0]
    if not package:
        return module if level == 1 and module and facts.path.count("/") == 0 else ""
    return f"{package}.{module}" if module else package


def module_names(paths: Iterable[str]) -> dict[str, list[str]]:
    """Each Python file's importable names, the most likely first.

    `pkg/sub/mod.py` inside packages (`__init__.py` files) rooted at `src/` is `pkg.sub.mod`;
    its path from the repository root (`src.pkg.sub.mod`) is kept as a second name, which
    also covers namespace packages (directories without `__init__.py`).
    """
    # a review asks this of the same files several times (head index, base index, helpers)
    return {path: list(names) for path, names in _module_names(tuple(sorted(paths))).items()}


@functools.lru_cache(maxsize=8)
def _module_names(paths: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    packages = _package_folders(paths)
    names: dict[str, tuple[str, ...]] = {}
    for path in paths:
        valid = _names_of(path, packages)
        if valid:
            names[path] = valid
    return names


def _package_folders(paths: Iterable[str]) -> frozenset[str]:
    """The folders holding an `__init__.py`: all a file's module names depend on besides its path."""
    return frozenset(
        p.rsplit("/", 1)[0] if "/" in p else "" for p in paths if p.rsplit("/", 1)[-1] == "__init__.py"
    )


def _names_of(path: str, packages: frozenset[str]) -> tuple[str, ...]:
    parts = path[:-3].split("/")
    if parts[-1] == "__init__":
        parts.pop()
    directory = path.rsplit("/", 1)[0] if "/" in path else ""
    depth = 0  # how many directories up the package chain goes
    while directory and directory in packages:
        depth += 1
        directory = directory.rsplit("/", 1)[0] if "/" in directory else ""
    dir_count = path.count("/")
    keep = len(parts) - dir_count + depth if path.rsplit("/", 1)[-1] != "__init__.py" else depth
    full = ".".join(parts)
    rooted = ".".join(parts[-keep:]) if parts and keep > 0 else full
    # inside packages the package root names it; outside, the path from the repository root
    # (how a namespace package or a test folder is imported), then the bare file name
    candidates = [rooted, full] if depth else [full, rooted]
    if len(parts) > 1 and parts[0] in ("src", "lib", "python"):
        candidates.append(".".join(parts[1:]))
    return tuple(c for c in dict.fromkeys(candidates) if c and all(p.isidentifier() for p in c.split(".")))


class RepositoryIndex:
    """Definitions and references of one version of a repository (facts of every Python file)."""

    def __init__(self, facts: Mapping[str, ModuleFacts], *, earlier: RepositoryIndex | None = None) -> None:
        """`earlier`: an index of mostly the same files (the head, for its base), whose module
        names and symbols are taken wherever nothing they depend on differs."""
        self.facts = dict(facts)
        self.module_of: dict[str, str] = {}  # path → its primary module name
        self.path_of: dict[str, str] = {}  # module name (any of a file's names) → path
        self.packages: set[str] = set()  # every dotted prefix of a module name (namespace packages too)
        names = (
            _module_names(tuple(sorted(self.facts))) if earlier is None else earlier._names_for(self.facts)
        )
        self._names = names
        for rank in range(3):
            for path, candidates in names.items():
                if rank < len(candidates) and candidates[rank] not in self.path_of:
                    self.path_of[candidates[rank]] = path
                    self.module_of.setdefault(path, candidates[rank])
        self._alias_mapped_packages()
        for name in self.path_of:
            parts = name.split(".")
            for i in range(1, len(parts)):
                self.packages.add(".".join(parts[:i]))
        self.symbols: dict[str, Symbol] = {}
        self._class_scope: dict[str, tuple[str, int]] = {}  # class key → (path, scope id)
        self._defined_by_name: dict[str, list[str]] = {}
        for path in self.module_of:
            self._add_symbols(path, earlier)
        self._reset_memos()

    def _names_for(self, facts: Mapping[str, ModuleFacts]) -> dict[str, tuple[str, ...]]:
        """`module_names` of the files of `facts` (as tuples), from this index's where no package's
        `__init__.py` came or went (a file's names depend only on its path and those)."""
        packages = _package_folders(facts)
        if packages != _package_folders(self.facts):
            return _module_names(tuple(sorted(facts)))
        names: dict[str, tuple[str, ...]] = {}
        for path in sorted(facts):
            valid = self._names.get(path, ()) if path in self.facts else _names_of(path, packages)
            if valid:
                names[path] = valid
        return names

    def _alias_mapped_packages(self) -> None:
        """A package installed under another name than its folder (setuptools' `package-dir`:
        `workers/` installed as `prguard`): an imported top-level name the repository has no
        folder for, whose imported submodules (two or more, and most of them) exist under one of
        its top-level packages more than under any other, is taken to be that package; its
        other submodules that are top-level folders of the repository are taken to be those."""
        children: dict[str, set[str]] = {}
        for name in self.path_of:
            top, _, rest = name.partition(".")
            if rest:
                children.setdefault(top, set()).add(rest.partition(".")[0])
        wanted: dict[str, set[str]] = {}
        for facts in self.facts.values():
            for name in facts.imported_modules():
                root, _, rest = name.partition(".")
                if rest and root not in children and root not in self.path_of:
                    wanted.setdefault(root, set()).add(rest.partition(".")[0])
        tops = {name.partition(".")[0] for name in self.path_of}
        for root, submodules in wanted.items():
            if len(submodules) < 2:
                continue
            coverage = sorted(((len(submodules & subs), top) for top, subs in children.items()), reverse=True)
            best, top = coverage[0] if coverage else (0, "")
            if best < 2 or best < 0.6 * len(submodules) or (len(coverage) > 1 and coverage[1][0] == best):
                continue
            for name, path in list(self.path_of.items()):
                if name == top or name.startswith(top + "."):
                    self.path_of.setdefault(root + name[len(top) :], path)
            # the same distribution's other folders (`app/` installed as `prguard.app`)
            for submodule in submodules - children[top]:
                if submodule in tops:
                    for name, path in list(self.path_of.items()):
                        if name == submodule or name.startswith(submodule + "."):
                            self.path_of.setdefault(f"{root}.{name}", path)

    def _add_symbols(self, path: str, earlier: RepositoryIndex | None = None) -> None:
        module = self.module_of[path]
        module_facts = self.facts[path]
        known: Mapping[str, Symbol] = {}  # the earlier index's, when this file and its name are the same
        if earlier and earlier.facts.get(path) is module_facts and earlier.module_of.get(path) == module:
            known = earlier.symbols
        class_scopes = {s.qualname: i for i, s in enumerate(module_facts.scopes) if s.kind == "class"}
        for definition in module_facts.definitions:
            key = f"{module}.{definition.qualname}"
            if key in self.symbols and any(
                d.endswith((".setter", ".deleter")) for d in definition.decorators
            ):
                continue  # a property's setter: the property is its getter
            if key not in self.symbols:
                self._defined_by_name.setdefault(definition.qualname.rsplit(".", 1)[-1], []).append(key)
            symbol = known.get(key)
            if symbol is None or symbol.definition is not definition:
                symbol = Symbol(key, module, path, definition)
            self.symbols[key] = symbol
            if definition.kind == "class" and definition.qualname in class_scopes:
                self._class_scope[key] = (path, class_scopes[definition.qualname])

    def derive(self, replaced: Mapping[str, ModuleFacts | None]) -> RepositoryIndex:
        """This index with some files' facts swapped (None: the file is absent): the base of a
        change from its head. When no file comes or goes, module names stay and only the
        swapped files' symbols are rebuilt."""
        facts = dict(self.facts)
        for path, new in replaced.items():
            if new is None:
                facts.pop(path, None)
            else:
                facts[path] = new
        if set(facts) != set(self.facts):
            return RepositoryIndex(facts, earlier=self)
        derived = RepositoryIndex.__new__(RepositoryIndex)
        derived.facts = facts
        derived.module_of, derived.path_of, derived.packages = self.module_of, self.path_of, self.packages
        derived._names = self._names
        gone = {path for path in replaced if path in self.module_of}
        derived.symbols = {k: v for k, v in self.symbols.items() if v.path not in gone}
        derived._class_scope = {k: v for k, v in self._class_scope.items() if v[0] not in gone}
        derived._defined_by_name = {
            name: [k for k in keys if k in derived.symbols] for name, keys in self._defined_by_name.items()
        }
        for path in gone:
            derived._add_symbols(path)
        derived._reset_memos()
        return derived

    def _reset_memos(self) -> None:
        self._name_memo: dict[tuple[str, int, str], Target | None] = {}
        self._member_memo: dict[tuple[Any, str], Target | None] = {}
        if not hasattr(self, "gone_modules"):
            self.gone_modules: frozenset[str] = frozenset()

    def forget_modules(self, names: set[str]) -> None:
        """Modules a change removed or renamed: an import of one, and any name looked up on it, is
        a dangling reference (`from billing.pricing import charge` after pricing.py moved)."""
        self.gone_modules = frozenset(n for n in names if n not in self.path_of and n not in self.packages)
        self._reset_memos()

    # -- public queries -----------------------------------------------------------------------

    def find(self, query: str) -> list[Symbol]:
        """Symbols a user names: a full key (`billing.pricing.charge`), a path with a qualname
        (`billing/pricing.py:charge`), or a short or qualified name (`charge`, `Cart.total`)."""
        if query in self.symbols:
            return [self.symbols[query]]
        parts = query.split(".")
        for cut in range(len(parts) - 1, 0, -1):  # a module's other name (`prguard.x` for `workers.x`)
            path = self.path_of.get(".".join(parts[:cut]))
            key = f"{self.module_of.get(path or '', '')}.{'.'.join(parts[cut:])}"
            if path is not None and key in self.symbols:
                return [self.symbols[key]]
        if ":" in query:
            path, _, qualname = query.partition(":")
            module = self.module_of.get(path)
            return [self.symbols[k] for k in [f"{module}.{qualname}"] if module and k in self.symbols]
        tail = query.rsplit(".", 1)[-1]
        return [
            self.symbols[k]
            for k in self._defined_by_name.get(tail, ())
            if k == query or k.endswith("." + query)
        ]

    def references(self, paths: Iterable[str] | None = None) -> Iterator[Reference | Dangling]:
        """Every resolved reference (and dangling lookup) of the given files (default: all)."""
        for path in self.facts if paths is None else paths:
            yield from self._file_references(path)

    def references_to(self, keys: Iterable[str]) -> dict[str, list[Reference]]:
        """The references to each of these symbols, from every file of the repository.

        Only references whose dotted path mentions one of the names the symbols can be reached
        by (their own, or a name an import or alias binds them to) are resolved.
        """
        wanted = set(keys)
        found: dict[str, list[Reference]] = {k: [] for k in wanted}
        names = self._names_reaching(wanted)
        if any(self._is_class(k) for k in wanted):
            names.add("cls")  # `cls(...)` in a classmethod makes an instance
        for path, facts in self.facts.items():
            outside, inside = facts.aliases()
            # a name bound inside a function is read only in this file: it reaches no other file
            here = _closure(set(names), [inside, outside]) if inside else names
            candidates = [r for r in facts.references if not here.isdisjoint(r[1])]
            for reference in self._resolve_all(path, candidates, wanted):
                found[reference.key].append(reference)
        return found

    def dangling(self, owner_names: Iterable[tuple[str, str]]) -> list[Dangling]:
        """Lookups of these (owner, name) pairs that find nothing (a removed or renamed symbol)."""
        wanted = set(owner_names)
        names = {name for _, name in wanted}
        found: list[Dangling] = []
        for path, facts in self.facts.items():
            candidates = [r for r in facts.references if r[1][0] == IMPORT or not names.isdisjoint(r[1])]
            for reference in self._resolve_all(path, candidates):
                if isinstance(reference, Dangling) and (reference.owner, reference.name) in wanted:
                    found.append(reference)
        return found

    def _names_reaching(self, keys: set[str]) -> set[str]:
        """The symbols' own names and every name an import or alias outside a function binds one
        of them to, in any file (what other files can read as an attribute)."""
        names = {self.symbols[k].name for k in keys if k in self.symbols}
        tables = [outside for outside, _ in (facts.aliases() for facts in self.facts.values()) if outside]
        return _closure(names, tables)

    # -- resolution -----------------------------------------------------------------------------

    def _key(self, path: str, qualname: str) -> str:
        return f"{self.module_of.get(path, path)}.{qualname}"

    def _file_references(self, path: str) -> Iterator[Reference | Dangling]:
        facts = self.facts.get(path)
        if facts is None:
            return iter(())
        return iter(self._resolve_all(path, facts.references))

    def _resolve_all(
        self,
        path: str,
        references: list[tuple[int, Chain, int, int, CallShape | None]],
        wanted: set[str] | None = None,
    ) -> list[Reference | Dangling]:
        """The references of `path` among `references`; with `wanted`, only those to these symbols
        (and no dangling lookups: what makes a lookup dangling is not worked out)."""
        if path not in self.module_of:
            return []
        facts = self.facts[path]
        out: list[Reference | Dangling] = []
        seen: set[tuple[str, int, int]] = set()
        for scope, chain, line, column, call in references:
            for position, target, dangling in self._walk(path, scope, chain, wanted is None):
                last = position == len(chain) - 1
                if dangling is not None:
                    owner, name = dangling
                    enclosing = _enclosing(facts, scope)
                    out.append(Dangling(owner, name, path, line, column, enclosing, call if last else None))
                    continue
                if target is None or target[0] != "def":
                    continue
                if not last and chain[position + 1] == CALL:
                    continue  # the inner call is a reference of its own, with its shape
                if wanted is not None and target[1] not in wanted:
                    continue
                mark = (target[1], line, column)
                if mark in seen:
                    continue
                seen.add(mark)
                enclosing = _enclosing(facts, scope)
                out.append(
                    Reference(
                        target[1], path, line, column, enclosing, call if last else None, bool(target[2])
                    )
                )
        return out

    def _walk(
        self, path: str, scope: int, chain: Chain, dangling: bool = True
    ) -> Iterator[tuple[int, Target | None, Any]]:
        """Each step of a dotted path: (position, what it resolves to, dangling (owner, name) or None);
        without `dangling`, a failed lookup ends the path without asking whether it is dangling."""
        first = chain[0]
        start = 1
        if first == IMPORT:
            start, first = 2, chain[1]
            target = self._name(path, scope, first, 0)
            if target is None:
                missing = self._missing_import(path, scope, first) if dangling else None
                if missing is not None:
                    yield 1, None, missing
                return
            yield 1, target, None
            return
        target = self._super(path, scope) if first == SUPER else self._name(path, scope, first, 0)
        if target is None:
            if dangling and first != SUPER and self._unbound(path, scope, first):
                yield 0, None, (self.module_of[path], first)
            return
        yield 0, target, None
        for position in range(start, len(chain)):
            part = chain[position]
            if part == CALL:
                target = _called(target, self)
            else:
                previous = target
                target = self._member(target, part, 0)
                if target is None:
                    owner = self._dangling_owner(previous, part) if dangling else None
                    if owner is not None:
                        yield position, None, (owner, part)
                    return
            if target is None:
                return
            yield position, target, None

    def _missing_import(self, path: str, scope: int, name: str) -> tuple[str, str] | None:
        """(module, name) when `from module import name` names a repository module without that name."""
        facts = self.facts[path]
        current: int | None = scope
        while current is not None:
            bindings = facts.scopes[current].bindings.get(name)
            if bindings:
                for binding in bindings:
                    if binding[0] != "from":
                        continue
                    absolute = self._absolute(path, binding[1], binding[2])
                    if (
                        absolute
                        and self._dangling_owner(("module", absolute), binding[3]) is not None
                        and f"{absolute}.{binding[3]}" not in self.path_of
                    ):
                        return (absolute, binding[3])
                return None
            current = facts.scopes[current].parent
        return None

    def _unbound(self, path: str, scope: int, name: str) -> bool:
        """A name no scope binds, no star import may provide and that is no builtin (a NameError)."""
        facts = self.facts[path]
        if facts.star_imports or name in _BUILTINS or name.startswith("__"):
            return False
        current: int | None = scope
        while current is not None:
            if name in facts.scopes[current].bindings:
                return False
            current = facts.scopes[current].parent
        return True

    def _name(self, path: str, scope: int, name: str, depth: int) -> Target | None:
        memo_key = (path, scope, name)
        known = self._name_memo.get(memo_key, _UNKNOWN)
        if known is not _UNKNOWN:
            return known
        self._name_memo[memo_key] = None  # cycles (x = y; y = x) resolve to nothing
        result = self._lookup(path, scope, name, depth)
        self._name_memo[memo_key] = result
        return result

    def _lookup(self, path: str, scope: int, name: str, depth: int) -> Target | None:
        facts = self.facts[path]
        current: int | None = scope
        start = True
        while current is not None:
            record = facts.scopes[current]
            if record.kind != "class" or start:
                bindings = record.bindings.get(name)
                if bindings:
                    return self._bindings(path, current, bindings, depth)
            start = False
            current = record.parent
        for level, module in facts.star_imports:
            absolute = self._absolute(path, level, module)
            if absolute:
                found = self._member(("module", absolute), name, depth + 1)
                if found is not None:
                    return found
        return None

    def _bindings(self, path: str, scope: int, bindings: list[tuple[Any, ...]], depth: int) -> Target | None:
        if len(bindings) > 1:  # what the class body defines (a property) wins over `self.x = ...`
            bindings = sorted(bindings, key=lambda b: b[0] == "in")
        for binding in bindings:
            found = self._binding(path, scope, binding, depth)
            if found is not None:
                return found
        return None

    def _binding(self, path: str, scope: int, binding: tuple[Any, ...], depth: int) -> Target | None:
        if depth > _MAX_DEPTH:
            return None
        kind = binding[0]
        if kind == "def":
            return ("def", self._key(path, binding[1]), False)
        if kind == "import":
            name = binding[1]
            known = name in self.path_of or name in self.packages or name in self.gone_modules
            return ("module", name) if known else None
        if kind == "from":
            absolute = self._absolute(path, binding[1], binding[2])
            if not absolute:
                return None
            return self._member(("module", absolute), binding[3], depth + 1)
        if kind in ("alias", "inst"):
            target = self._chain(path, scope, binding[1], depth + 1)
            if target is None:
                return None
            if kind == "alias":
                if target[0] != "def":
                    return target  # a module, an instance, a container
                # `x = obj.prop` holds the property's value, not the property
                value = self._property_value(target[1], depth)
                return value if value is not None else self._unless_property(target)
            if target[0] == "def" and not self._is_class(target[1]):
                return self.returned(target[1], depth)  # `x: A = make()` / `x = make()` with `-> A`
            return ("inst", target[1]) if target[0] == "def" and self._is_class(target[1]) else None
        if kind == "self":
            return ("inst", self._key(path, binding[1]))
        if kind == "cls":
            return ("def", self._key(path, binding[1]), False)
        if kind == "items":  # a container of instances (`list[A]`)
            target = self._chain(path, scope, binding[1], depth + 1)
            return (
                ("items", target[1]) if target and target[0] == "def" and self._is_class(target[1]) else None
            )
        if kind == "element":  # an item of a container
            target = self._chain(path, scope, binding[1], depth + 1)
            return ("inst", target[1]) if target and target[0] == "items" else None
        if kind == "with":  # `with A(...) as a`: what A's __enter__ returns
            target = self._chain(path, scope, binding[1], depth + 1)
            return self._entered(target, depth) if target else None
        if kind == "in":  # an instance attribute: its value as the method that assigned it sees it
            return self._binding(path, binding[1], binding[2], depth + 1)
        return None

    def _chain(self, path: str, scope: int, chain: Chain, depth: int) -> Target | None:
        target = self._super(path, scope) if chain[0] == SUPER else self._name(path, scope, chain[0], depth)
        for part in chain[1:]:
            if target is None:
                return None
            target = _called(target, self) if part == CALL else self._member(target, part, depth + 1)
        return target

    def _absolute(self, path: str, level: int, module: str) -> str:
        return absolute_module(self.facts[path], self.module_of.get(path, ""), level, module)

    def _is_class(self, key: str) -> bool:
        symbol = self.symbols.get(key)
        return symbol is not None and symbol.definition.kind == "class"

    def _member(self, target: Target, attribute: str, depth: int) -> Target | None:
        memo_key = (target, attribute)
        known = self._member_memo.get(memo_key, _UNKNOWN)
        if known is not _UNKNOWN:
            return known
        self._member_memo[memo_key] = None
        result = self._member_uncached(target, attribute, depth)
        self._member_memo[memo_key] = result
        return result

    def _member_uncached(self, target: Target, attribute: str, depth: int) -> Target | None:
        if depth > _MAX_DEPTH:
            return None
        kind = target[0]
        if kind == "module":
            module = target[1]
            path = self.path_of.get(module)
            if path is not None:
                bindings = self.facts[path].scopes[0].bindings.get(attribute)
                if bindings:
                    found = self._bindings(path, 0, bindings, depth)
                    if found is not None:
                        return found
            submodule = f"{module}.{attribute}"
            if submodule in self.path_of or submodule in self.packages or submodule in self.gone_modules:
                return ("module", submodule)
            if path is not None:
                for level, star in self.facts[path].star_imports:
                    absolute = self._absolute(path, level, star)
                    if absolute:
                        found = self._member(("module", absolute), attribute, depth + 1)
                        if found is not None:
                            return found
            return None
        if kind == "def":
            if not self._is_class(target[1]):
                value = self._property_value(target[1], depth)
                return self._member(value, attribute, depth + 1) if value is not None else None
            found = self._class_member(target[1], attribute, depth, seen=set())
            if found is None:
                return None
            symbol = self.symbols.get(found[1]) if found[0] == "def" else None
            bound = symbol is not None and "classmethod" in symbol.definition.decorators
            return ("def", found[1], bound) if found[0] == "def" else found
        if kind == "super":
            for base in target[1]:
                if base is None:
                    return None
                found = self._member(("inst", base), attribute, depth + 1)
                if found is not None:
                    return found
            return None
        if kind == "inst":
            found = self._class_member(target[1], attribute, depth, seen=set())
            if found is None or found[0] != "def":
                return found
            symbol = self.symbols.get(found[1])
            if symbol is None or symbol.definition.kind == "class":
                return ("def", found[1], False)
            decorators = symbol.definition.decorators
            if _is_property(symbol.definition):
                return ("def", found[1], False)  # read, not called: its value is what follows
            return ("def", found[1], "staticmethod" not in decorators)
        return None

    def returned(self, key: str, depth: int = 0) -> Target | None:
        """What calling a function gives, when its return annotation names a repository class."""
        symbol = self.symbols.get(key)
        if symbol is None or symbol.definition.returns is None or depth > _MAX_DEPTH:
            return None
        target = self._chain(symbol.path, 0, symbol.definition.returns, depth + 1)
        return ("inst", target[1]) if target and target[0] == "def" and self._is_class(target[1]) else None

    def _unless_property(self, target: Target) -> Target | None:
        symbol = self.symbols.get(target[1])
        return None if symbol is not None and _is_property(symbol.definition) else target

    def _entered(self, target: Target, depth: int) -> Target | None:
        """The value `with target(...) as x` binds: `__enter__`'s annotated return, else the
        instance itself (what `__enter__` returns in by far most classes that define one)."""
        if target[0] != "def" or not self._is_class(target[1]):
            return None
        enter = self._class_member(target[1], "__enter__", depth + 1, set()) or self._class_member(
            target[1], "__aenter__", depth + 1, set()
        )
        if enter is None or enter[0] != "def":
            return None
        return self.returned(enter[1], depth) or ("inst", target[1])

    def _property_value(self, key: str, depth: int) -> Target | None:
        symbol = self.symbols.get(key)
        if symbol is None or not _is_property(symbol.definition):
            return None
        return self.returned(key, depth)

    def _class_member(self, class_key: str, attribute: str, depth: int, seen: set[str]) -> Target | None:
        """An attribute of a class: defined in its body, else in its bases (left to right)."""
        if class_key in seen or depth > _MAX_DEPTH:
            return None
        seen.add(class_key)
        own = f"{class_key}.{attribute}"
        if own in self.symbols:
            return ("def", own, False)
        where = self._class_scope.get(class_key)
        if where is None:
            return None
        path, scope = where
        bindings = self.facts[path].scopes[scope].bindings.get(attribute)
        if bindings:
            return self._bindings(path, scope, bindings, depth + 1)
        for base in self._bases(class_key):
            if base is not None:
                found = self._class_member(base, attribute, depth + 1, seen)
                if found is not None:
                    return found
        return None

    def _bases(self, class_key: str) -> list[str | None]:
        """The class's bases that are repository classes (None for one that is not, or unknown)."""
        symbol = self.symbols[class_key]
        where = self._class_scope.get(class_key)
        if where is None:
            return []
        path, scope = where
        parent = self.facts[path].scopes[scope].parent or 0
        bases: list[str | None] = []
        for chain in symbol.definition.bases:
            target = self._chain(path, parent, chain, 1)
            bases.append(target[1] if target and target[0] == "def" and self._is_class(target[1]) else None)
        return bases

    def _super(self, path: str, scope: int) -> Target | None:
        """`super()` in a method: its class's bases, in order (typing's Generic/Protocol left out);
        a base outside the repository first makes the answer unknown."""
        facts = self.facts[path]
        current: int | None = scope
        while current is not None:
            record = facts.scopes[current]
            parent = record.parent
            if record.kind == "function" and parent is not None and facts.scopes[parent].kind == "class":
                class_key = self._key(path, facts.scopes[parent].qualname)
                if class_key not in self.symbols:
                    return None
                chains = self.symbols[class_key].definition.bases
                bases = [
                    b for chain, b in zip(chains, self._bases(class_key), strict=True)
                    if chain[-1] not in _TYPING_BASES
                ]  # fmt: skip
                return ("super", tuple(bases)) if bases and bases[0] is not None else None
            current = parent
        return None

    def _dangling_owner(self, target: Target, attribute: str) -> str | None:
        """The module or class a failed lookup went to, when nothing there could provide the name."""
        if target[0] == "module":
            path = self.path_of.get(target[1])
            if path is None:  # a namespace package (submodules not all known as such), or a module gone
                return target[1] if target[1] in self.gone_modules else None
            facts = self.facts[path]
            if facts.error or facts.star_imports or "__getattr__" in facts.scopes[0].bindings:
                return None
            return target[1]
        if target[0] in ("def", "inst") and self._is_class(target[1]):
            if attribute.startswith("__") and attribute.endswith("__"):
                return None  # object's and type's own attributes
            if self._class_is_closed(target[1], instance=target[0] == "inst", attribute=attribute):
                return target[1]
        return None

    def _class_is_closed(self, class_key: str, *, instance: bool, attribute: str) -> bool:
        """Whether the class and all its bases are repository classes, static, without `attribute`
        assigned on instances (then a missing attribute is really missing)."""
        todo, seen = [class_key], set()
        while todo:
            key = todo.pop()
            if key in seen:
                continue
            seen.add(key)
            definition = self.symbols[key].definition
            if definition.dynamic or definition.decorators or attribute in definition.attributes:
                return False
            if instance and any(a for a in definition.attributes if a == attribute):
                return False
            bases = self._bases(key)
            if any(b is None for b in bases) and not all(
                chain == ("object",) for chain, b in zip(definition.bases, bases, strict=True) if b is None
            ):
                return False
            todo.extend(b for b in bases if b is not None)
        return True


_BUILTINS = frozenset(dir(builtins))
_TYPING_BASES = frozenset({"Generic", "Protocol"})


def _called(target: Target, index: RepositoryIndex) -> Target | None:
    """What calling a target gives: an instance of a class, or of the class a function's return
    annotation names (a property's value is not called)."""
    if target[0] != "def":
        return None
    if index._is_class(target[1]):
        return ("inst", target[1])
    symbol = index.symbols.get(target[1])
    if symbol is None or _is_property(symbol.definition):
        return None
    return index.returned(target[1])


_PROPERTIES = frozenset({"property", "cached_property", "functools.cached_property"})


def _is_property(definition: Definition) -> bool:
    return any(
        d in _PROPERTIES or d.endswith((".setter", ".getter", ".deleter")) for d in definition.decorators
    )


def _enclosing(facts: ModuleFacts, scope: int) -> str:
    """The qualname of the function or class a scope belongs to ("" at module level)."""
    return facts.scopes[scope].qualname
