"""What one Python file says about names: its definitions, its bindings and its references.

One pass over the syntax tree yields plain tuples and strings (`ModuleFacts`), so facts are
cheap to keep for thousands of files, serialise to the cache as JSON and resolve later,
once every file of the repository is known (`prguard.index.resolve`). Nothing here knows
other files; nothing here runs the code.

Binding kinds (what a name is bound to in one scope):

- ``("def", qualname)``: a function or class defined in this module;
- ``("import", module)``: ``import a.b as c`` binds c to module a.b; ``import a.b`` binds a to a;
- ``("from", level, module, name)``: ``from ..m import n`` (relative level kept, resolved later);
- ``("alias", chain)``: ``x = a.b`` at any scope;
- ``("inst", chain)``: ``x = A(...)`` or a parameter annotated ``A``: an instance of what chain names;
- ``("self", class)`` / ``("cls", class)``: the first parameter of a method / classmethod;
- ``("local",)``: anything else (a loop variable, an assignment from an expression): not followed.

A reference is ``(scope, chain, line, column, call)``: ``chain`` the dotted path read, where
``"()"`` stands for calling what precedes it (``A().m`` is ``("A", "()", "m")``), a leading
``"<super>"`` for ``super()`` and a leading ``"<import>"`` for the name a from-import binds;
``call`` the call's shape when the chain is called, else None.
"""

from __future__ import annotations

import ast
import builtins
import re
from dataclasses import dataclass
from typing import Any

FACTS_VERSION = 13

# parameter kinds in a signature tuple (name, kind, has_default)
POSITIONAL_ONLY, POSITIONAL_OR_KEYWORD, VAR_POSITIONAL, KEYWORD_ONLY, VAR_KEYWORD = range(5)

CALL = "()"
SUPER = "<super>"
IMPORT = "<import>"  # a reference made by `from m import n [as k]` itself: (IMPORT, k)
MODULE_SCOPE = 0

_BUILTIN_NAMES = frozenset(dir(builtins))
_DOTTED = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")

Chain = tuple[str, ...]
Signature = tuple[tuple[str, int, bool], ...]
# (positional count, keyword names, has *args, has **kwargs)
CallShape = tuple[int, tuple[str, ...], bool, bool]


@dataclass(slots=True)
class Definition:
    """A function, method or class reachable from the module through classes only."""

    qualname: str  # within its module: "charge", "Cart.total", "Cart.Item"
    kind: str  # function | method | class
    line: int  # the def/class line (decorators excluded)
    start_line: int  # first decorator's line, else `line`
    end_line: int
    params: Signature  # functions and methods; () for a class
    decorators: tuple[str, ...]  # dotted names of the decorators ("" when not a plain name)
    bases: tuple[Chain, ...] = ()  # classes: the base-class expressions that are dotted names
    dynamic: bool = False  # classes: a metaclass, __getattr__ or unreadable base
    attributes: tuple[str, ...] = ()  # classes: names its methods assign on self (`self.x = ...`)
    returns: Chain | None = None  # functions: the class the return annotation names (`-> Color`)

    def to_plain(self) -> tuple[Any, ...]:
        return (
            self.qualname, self.kind, self.line, self.start_line, self.end_line, self.params,
            self.decorators, self.bases, self.dynamic, self.attributes, self.returns,
        )  # fmt: skip


@dataclass(slots=True)
class Scope:
    kind: str  # module | class | function
    parent: int | None
    qualname: str  # "" for the module; "Cart.total", "outer.<locals>.inner"
    bindings: dict[str, list[tuple[Any, ...]]]


@dataclass(slots=True)
class ModuleFacts:
    """Everything the index needs from one file; `error` is set (and the rest empty) when it did not parse."""

    path: str
    is_package: bool  # an __init__.py
    definitions: list[Definition]
    scopes: list[Scope]
    references: list[tuple[int, Chain, int, int, CallShape | None]]
    star_imports: list[tuple[int, str]]  # (level, module) of `from m import *`
    exports: tuple[str, ...] | None = None  # __all__ when it is a literal list/tuple of strings
    error: str = ""

    _aliases: tuple[dict[str, set[str]], dict[str, set[str]]] | None = None
    _imported: tuple[str, ...] | None = None

    def aliases(self) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
        """Name imported or aliased → the names that bind it here (`from m import charge as bill`:
        charge → {bill}); lets the index find a symbol's other names without reading every binding.
        Two tables: bindings outside functions (other files reach them as attributes), and those
        inside functions (only this file's code reads them)."""
        if self._aliases is None:
            outside: dict[str, set[str]] = {}
            inside: dict[str, set[str]] = {}
            for scope in self.scopes:
                found = inside if scope.kind == "function" else outside
                for bound, bindings in scope.bindings.items():
                    for binding in bindings:
                        kind = binding[0]
                        if kind == "from":
                            found.setdefault(binding[3], set()).add(bound)
                        elif kind in ("alias", "inst"):
                            found.setdefault(binding[1][-1], set()).add(bound)
            self._aliases = (outside, inside)
        return self._aliases

    def imported_modules(self) -> tuple[str, ...]:
        """The absolute module names the module scope imports (`import a.b`, `from a.b import c`), in
        the order of its bindings; kept, as the head's and the base's index both ask."""
        if self._imported is None:
            found: list[str] = []
            for bindings in self.scopes[0].bindings.values():
                for binding in bindings:
                    if binding[0] == "import":
                        found.append(binding[1])
                    elif binding[0] == "from" and binding[1] == 0:
                        found.append(binding[2])
            self._imported = tuple(found)
        return self._imported

    def to_plain(self) -> tuple[Any, ...]:
        """Only tuples, lists, dicts, strings, numbers: what `marshal` stores and restores as is."""
        return (
            FACTS_VERSION,
            [d.to_plain() for d in self.definitions],
            [(s.kind, s.parent, s.qualname, s.bindings) for s in self.scopes],
            self.references,
            self.star_imports,
            self.exports,
            self.error,
            self.aliases(),
        )

    @classmethod
    def from_plain(cls, data: tuple[Any, ...], path: str) -> ModuleFacts:
        """Rebuild from `to_plain` (a blob's facts serve any path it lives at)."""
        if not isinstance(data, tuple) or len(data) != 8 or data[0] != FACTS_VERSION:
            raise ValueError("facts of another version")
        _, definitions, scopes, references, star_imports, exports, error, aliases = data
        return cls(
            path=path,
            is_package=path.rsplit("/", 1)[-1] == "__init__.py",
            definitions=[Definition(*d) for d in definitions],
            scopes=[Scope(*s) for s in scopes],
            references=references,
            star_imports=star_imports,
            exports=exports,
            error=error,
            _aliases=aliases,
        )


def extract(path: str, source: bytes | str) -> ModuleFacts:
    """The facts of one file; a file that does not parse gets empty facts and `error`."""
    is_package = path.endswith("__init__.py") or path == "__init__.py"
    try:
        tree = ast.parse(source, filename=path)
    except (SyntaxError, ValueError, MemoryError, RecursionError) as error:
        return ModuleFacts(path, is_package, [], [Scope("module", None, "", {})], [], [], None, str(error))
    collector = _Collector(path)
    try:
        collector.run(tree)
    except RecursionError:
        return ModuleFacts(path, is_package, [], [Scope("module", None, "", {})], [], [], None, "too deep")
    return collector.facts(is_package)


def _chain_of(node: ast.expr) -> Chain | None:
    """The dotted path an expression reads (`a.b.c`, `A().m`, `super().m`), or None."""
    parts: list[str] = []
    while True:
        if isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        elif isinstance(node, ast.Name):
            parts.append(node.id)
            break
        elif isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id == "super" and not node.args and not node.keywords:
                parts.append(SUPER)
                break
            parts.append(CALL)
            node = func
        else:
            return None
    parts.reverse()
    return tuple(parts)


def _call_shape(node: ast.Call) -> CallShape:
    positional = sum(1 for a in node.args if not isinstance(a, ast.Starred))
    has_star = any(isinstance(a, ast.Starred) for a in node.args)
    keywords = tuple(k.arg for k in node.keywords if k.arg is not None)
    has_double_star = any(k.arg is None for k in node.keywords)
    return (positional, keywords, has_star, has_double_star)


def _signature(args: ast.arguments) -> Signature:
    params: list[tuple[str, int, bool]] = []
    positional = [*args.posonlyargs, *args.args]
    first_default = len(positional) - len(args.defaults)
    for i, arg in enumerate(positional):
        kind = POSITIONAL_ONLY if i < len(args.posonlyargs) else POSITIONAL_OR_KEYWORD
        params.append((arg.arg, kind, i >= first_default))
    if args.vararg is not None:
        params.append((args.vararg.arg, VAR_POSITIONAL, False))
    for arg, default in zip(args.kwonlyargs, args.kw_defaults, strict=True):
        params.append((arg.arg, KEYWORD_ONLY, default is not None))
    if args.kwarg is not None:
        params.append((args.kwarg.arg, VAR_KEYWORD, False))
    return tuple(params)


def _dotted(node: ast.expr) -> str:
    if isinstance(node, ast.Call):
        node = node.func
    chain = _chain_of(node)
    return ".".join(chain) if chain and CALL not in chain else ""


_CONTAINERS = frozenset(
    {"list", "List", "Sequence", "MutableSequence", "Iterable", "Iterator", "Collection", "set", "Set",
     "frozenset", "FrozenSet", "AbstractSet", "MutableSet", "tuple", "Tuple", "deque", "Deque"}
)  # fmt: skip


def _annotation_binding(node: ast.expr | None) -> tuple[Any, ...] | None:
    """What an annotation binds a name to: ("inst", A) for `A`, ("items", A) for a container of
    A (`list[A]`, `Iterable[A]`, `tuple[A, ...]`), None when it names no one class."""
    if isinstance(node, ast.Subscript):
        generic = _chain_of(node.value)
        if generic and CALL not in generic and generic[-1] in _CONTAINERS:
            inner = node.slice
            if isinstance(inner, ast.Tuple):
                elements = inner.elts
                if not (
                    len(elements) == 2 and isinstance(elements[1], ast.Constant) and elements[1].value is ...
                ):
                    return None
                inner = elements[0]
            item = _annotation_chain(inner)
            return ("items", item) if item else None
    chain = _annotation_chain(node)
    return ("inst", chain) if chain else None


def _annotation_chain(node: ast.expr | None) -> Chain | None:
    """The class an annotation names (`A`, `m.A`, `"A"`, `A | None`, `Optional[A]`); None for
    anything richer (a union of two classes could be either)."""
    if node is None:
        return None
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        text = node.value.strip()
        if text.endswith("| None"):
            text = text[: -len("| None")].strip()
        return tuple(text.split(".")) if _DOTTED.fullmatch(text) else None
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        sides = [node.left, node.right]
        kept = [n for n in sides if not (isinstance(n, ast.Constant) and n.value is None)]
        return _annotation_chain(kept[0]) if len(kept) == 1 else None
    if isinstance(node, ast.Subscript):
        generic = _chain_of(node.value)
        if generic in (("Optional",), ("typing", "Optional"), ("t", "Optional")):
            return _annotation_chain(node.slice)
        node = node.value  # Base[T]: an instance of Base
    chain = _chain_of(node)
    return chain if chain and CALL not in chain and SUPER not in chain else None


class _Collector:
    """One walk of a module: scopes with their bindings, definitions, references."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.definitions: list[Definition] = []
        self.scopes: list[Scope] = [Scope("module", None, "", {})]
        self.references: list[tuple[int, Chain, int, int, CallShape | None]] = []
        self.star_imports: list[tuple[int, str]] = []
        self.exports: tuple[str, ...] | None = None
        self.globals_in: dict[int, set[str]] = {}
        self.instance_attributes: dict[str, set[str]] = {}
        self.returns_stack: list[list[Chain | bool | None]] = []  # per function: what each return gives
        # one object per distinct chain, call shape, binding and parameter of the file: `marshal`
        # writes a repeated one once and the cache reads it back once
        self.shared: dict[tuple[Any, ...], tuple[Any, ...]] = {}

    def facts(self, is_package: bool) -> ModuleFacts:
        for definition in self.definitions:
            if definition.kind == "class" and definition.qualname in self.instance_attributes:
                definition.attributes = tuple(sorted(self.instance_attributes[definition.qualname]))
        return ModuleFacts(
            self.path,
            is_package,
            self.definitions,
            self.scopes,
            self._useful_references(),
            self.star_imports,
            self.exports,
        )

    def _useful_references(self) -> list[tuple[int, Chain, int, int, CallShape | None]]:
        """Only references whose first name something followable binds (or a star import may):
        locals and builtins resolve to nothing, and are most of a file's names."""
        if self.star_imports:
            return self.references
        followable: set[str] = {SUPER, IMPORT}
        bound: set[str] = set()
        for scope in self.scopes:
            for name, bindings in scope.bindings.items():
                bound.add(name)
                if any(b[0] != "local" for b in bindings):
                    followable.add(name)
        # a name nothing binds and no builtin is either a NameError or a removed definition's leftover
        return [
            r
            for r in self.references
            if r[1][0] in followable or (r[1][0] not in bound and r[1][0] not in _BUILTIN_NAMES)
        ]

    # -- scopes and bindings --------------------------------------------------------------------

    def bind(self, scope: int, name: str, binding: tuple[Any, ...]) -> None:
        if name in self.globals_in.get(scope, ()):
            scope = MODULE_SCOPE
        self.scopes[scope].bindings.setdefault(name, []).append(self.shared.setdefault(binding, binding))

    def share(self, value: tuple[Any, ...]) -> tuple[Any, ...]:
        return self.shared.setdefault(value, value)

    def new_scope(self, kind: str, parent: int, qualname: str) -> int:
        self.scopes.append(Scope(kind, parent, qualname, {}))
        return len(self.scopes) - 1

    # -- the walk -------------------------------------------------------------------------------

    def run(self, tree: ast.Module) -> None:
        self.block(tree.body, MODULE_SCOPE, indexed_prefix="")

    def block(self, body: list[ast.stmt], scope: int, indexed_prefix: str | None) -> None:
        """Statements of one scope; `indexed_prefix` is the qualname prefix of definitions
        reachable from the module (None inside functions, where definitions are local)."""
        for statement in body:
            self.statement(statement, scope, indexed_prefix)

    def statement(self, node: ast.stmt, scope: int, prefix: str | None) -> None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            self.function(node, scope, prefix)
        elif isinstance(node, ast.ClassDef):
            self.klass(node, scope, prefix)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    self.bind(scope, alias.asname, ("import", alias.name))
                else:
                    top = alias.name.split(".", 1)[0]
                    self.bind(scope, top, ("import", top))
                    if "." in alias.name:  # `import a.b` makes a.b reachable from a
                        self.bind(scope, top, ("import", alias.name))
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            for alias in node.names:
                if alias.name == "*":
                    self.star_imports.append((node.level, module))
                    continue
                self.bind(scope, alias.asname or alias.name, ("from", node.level, module, alias.name))
                # the imported name itself is a reference (an ImportError when it is gone)
                self.references.append(
                    (
                        scope,
                        self.share((IMPORT, alias.asname or alias.name)),
                        alias.lineno,
                        alias.col_offset,
                        None,
                    )
                )
        elif isinstance(node, (ast.For, ast.AsyncFor)):
            self.expr(node.iter, scope)
            self.element(node.target, node.iter, scope)
            self.block(node.body, scope, prefix)
            self.block(node.orelse, scope, prefix)
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            for item in node.items:
                self.expr(item.context_expr, scope)
                target, context = item.optional_vars, item.context_expr
                chain = _chain_of(context.func) if isinstance(context, ast.Call) else None
                if isinstance(target, ast.Name) and chain and chain[-1] != CALL:
                    self.bind(scope, target.id, ("with", chain))  # what its __enter__ gives
                elif target is not None:
                    self.targets(target, scope)
            self.block(node.body, scope, prefix)
        elif isinstance(node, ast.Return):
            if node.value is not None:
                self.expr(node.value, scope)
            if self.returns_stack:
                self.returns_stack[-1].append(self.returned_class(node.value, scope))
        elif isinstance(node, ast.Global):
            self.globals_in.setdefault(scope, set()).update(node.names)
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            self.assignment(node, scope)
        else:
            self.generic(node, scope, prefix)

    def generic(self, node: ast.AST, scope: int, prefix: str | None) -> None:
        """Any other statement: its expressions are read, its blocks walked, its targets bound."""
        for name in node._fields:
            value = getattr(node, name, None)
            if isinstance(value, list):
                for item in value:
                    if isinstance(item, ast.stmt):
                        self.statement(item, scope, prefix)
                    elif isinstance(item, ast.AST):
                        self.expression_or_part(item, scope, prefix)
            elif isinstance(value, ast.AST):
                if name in ("target", "optional_vars") and isinstance(value, ast.expr):
                    self.targets(value, scope)
                else:
                    self.expression_or_part(value, scope, prefix)

    def expression_or_part(self, node: ast.AST, scope: int, prefix: str | None) -> None:
        if isinstance(node, ast.expr):
            self.expr(node, scope)
        elif isinstance(node, ast.ExceptHandler):
            if node.type is not None:
                self.expr(node.type, scope)
            if node.name:
                self.bind(scope, node.name, ("local",))
            self.block(node.body, scope, prefix)
        elif isinstance(node, ast.withitem):
            self.expr(node.context_expr, scope)
            if node.optional_vars is not None:
                self.targets(node.optional_vars, scope)
        elif isinstance(node, ast.match_case):
            self.pattern_names(node.pattern, scope)
            if node.guard is not None:
                self.expr(node.guard, scope)
            self.block(node.body, scope, prefix)
        else:
            self.generic(node, scope, prefix)

    def pattern_names(self, pattern: ast.AST, scope: int) -> None:
        for sub in ast.walk(pattern):
            if isinstance(sub, (ast.MatchAs, ast.MatchStar)) and sub.name:
                self.bind(scope, sub.name, ("local",))
            elif isinstance(sub, ast.MatchMapping) and sub.rest:
                self.bind(scope, sub.rest, ("local",))
            elif isinstance(sub, ast.MatchClass):
                self.expr(sub.cls, scope)
            elif isinstance(sub, ast.MatchValue):
                self.expr(sub.value, scope)

    def assignment(self, node: ast.Assign | ast.AnnAssign | ast.AugAssign, scope: int) -> None:
        value = node.value
        if value is not None:
            self.expr(value, scope)
        if isinstance(node, ast.AnnAssign):
            self.expr(node.annotation, scope)
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        binding: tuple[Any, ...] = ("local",)
        if isinstance(node, ast.AugAssign):
            binding = ("local",)
        elif isinstance(node, ast.AnnAssign) and (annotated := _annotation_binding(node.annotation)):
            binding = annotated  # what the annotation says the value is
        elif value is not None:
            binding = self.value_binding(value)
        for target in targets:
            if isinstance(target, ast.Name):
                self.bind(scope, target.id, binding)
                if target.id == "__all__" and scope == MODULE_SCOPE:
                    self.read_exports(value)
            else:
                self.targets(target, scope)
                if binding[0] != "local" and isinstance(target, ast.Attribute):
                    self.instance_attribute(target, scope, binding)

    def instance_attribute(self, target: ast.Attribute, scope: int, binding: tuple[Any, ...]) -> None:
        """`self.x = param` / `self.x = A()` in a method: x's value, resolved where it was assigned."""
        if not isinstance(target.value, ast.Name):
            return
        for bound in self.scopes[scope].bindings.get(target.value.id, ()):
            if bound[0] == "self":
                class_scope = self.scopes[scope].parent
                if class_scope is not None and self.scopes[class_scope].kind == "class":
                    self.scopes[class_scope].bindings.setdefault(target.attr, []).append(
                        ("in", scope, binding)
                    )
                return

    def read_exports(self, value: ast.expr | None) -> None:
        if isinstance(value, (ast.List, ast.Tuple)) and all(
            isinstance(e, ast.Constant) and isinstance(e.value, str) for e in value.elts
        ):
            self.exports = tuple(e.value for e in value.elts)  # type: ignore[attr-defined]

    @staticmethod
    def value_binding(value: ast.expr) -> tuple[Any, ...]:
        if isinstance(value, (ast.Name, ast.Attribute)):
            chain = _chain_of(value)
            if chain:
                return ("alias", chain)
        elif isinstance(value, ast.Call):
            chain = _chain_of(value.func)
            if chain and chain[-1] != CALL:
                return ("inst", chain)
        elif isinstance(value, ast.IfExp):  # `Proxy(url=p) if isinstance(p, str) else p`
            for operand in (value.body, value.orelse):
                binding = _Collector.value_binding(operand)
                if binding[0] != "local":
                    return binding
        elif isinstance(value, ast.BoolOp) and isinstance(value.op, ast.Or):
            for operand in value.values:  # `console or Console()`: what the first followable one is
                binding = _Collector.value_binding(operand)
                if binding[0] != "local":
                    return binding
        return ("local",)

    def returned_class(self, value: ast.expr | None, scope: int) -> Chain | bool | None:
        """What a `return` gives, for a function without a return annotation: the class it makes
        (`return Text(...)`, `return self`, `return cls(...)`), None for nothing, False if unknown."""
        if value is None or (isinstance(value, ast.Constant) and value.value is None):
            return None
        node = value.func if isinstance(value, ast.Call) else value
        if isinstance(node, ast.Name):
            for binding in self.scopes[scope].bindings.get(node.id, ()):
                if binding[0] == ("cls" if isinstance(value, ast.Call) else "self"):
                    return tuple(binding[1].split("."))
        if isinstance(value, ast.Call):
            chain = _chain_of(value.func)
            if chain and CALL not in chain and SUPER not in chain:
                return chain
        return False

    def element(self, target: ast.expr, iterable: ast.expr, scope: int) -> None:
        """`for x in xs`: x is an item of what xs holds (when xs is a name or attribute)."""
        chain = _chain_of(iterable) if isinstance(iterable, (ast.Name, ast.Attribute)) else None
        if isinstance(target, ast.Name) and chain and CALL not in chain:
            self.bind(scope, target.id, ("element", chain))
        else:
            self.targets(target, scope)

    def targets(self, target: ast.expr, scope: int) -> None:
        """Names a store binds (`for a, b in`, `with x as y`); subscripts and attributes are reads."""
        if isinstance(target, ast.Name):
            self.bind(scope, target.id, ("local",))
        elif isinstance(target, (ast.Tuple, ast.List)):
            for element in target.elts:
                self.targets(element, scope)
        elif isinstance(target, ast.Starred):
            self.targets(target.value, scope)
        elif isinstance(target, ast.Attribute):
            self.expr(target.value, scope)
            if isinstance(target.value, ast.Name):
                for binding in self.scopes[scope].bindings.get(target.value.id, ()):
                    if binding[0] in ("self", "cls"):
                        self.instance_attributes.setdefault(binding[1], set()).add(target.attr)
        elif isinstance(target, ast.Subscript):
            self.expr(target.value, scope)
            self.expr(target.slice, scope)

    def decorators(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef, scope: int) -> None:
        for decorator in node.decorator_list:
            self.expr(decorator, scope)

    def function(self, node: ast.FunctionDef | ast.AsyncFunctionDef, scope: int, prefix: str | None) -> None:
        self.decorators(node, scope)
        args = node.args
        for default in [*args.defaults, *(d for d in args.kw_defaults if d is not None)]:
            self.expr(default, scope)
        for arg in [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]:
            if arg is not None and arg.annotation is not None:
                self.expr(arg.annotation, scope)
        if node.returns is not None:
            self.expr(node.returns, scope)
        parent = self.scopes[scope]
        decorators = tuple(_dotted(d) for d in node.decorator_list)
        if prefix is not None:
            qualname = f"{prefix}{node.name}"
            kind = "method" if parent.kind == "class" else "function"
            start = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            definition: Definition | None = Definition(
                qualname,
                kind,
                node.lineno,
                start,
                node.end_lineno or node.lineno,
                self.share(tuple(self.share(param) for param in _signature(args))),
                self.share(decorators),
                returns=_annotation_chain(node.returns),
            )
            self.definitions.append(definition)  # type: ignore[arg-type]
            self.bind(scope, node.name, ("def", qualname))
        else:
            definition = None
            qualname = f"{parent.qualname}.<locals>.{node.name}" if parent.qualname else node.name
            self.bind(scope, node.name, ("local",))
        inner = self.new_scope("function", scope, qualname)
        positional = [*args.posonlyargs, *args.args]
        method_of = parent.qualname if parent.kind == "class" and prefix is not None else None
        first_bound = method_of is not None and positional and "staticmethod" not in decorators
        for i, arg in enumerate([*positional, *args.kwonlyargs, args.vararg, args.kwarg]):
            if arg is None:
                continue
            if i == 0 and first_bound:
                kind = "cls" if "classmethod" in decorators or node.name == "__new__" else "self"
                self.bind(inner, arg.arg, (kind, method_of))
                continue
            self.bind(inner, arg.arg, _annotation_binding(arg.annotation) or ("local",))
        self.returns_stack.append([])
        self.block(node.body, inner, None)
        returned = self.returns_stack.pop()
        if definition is not None and definition.returns is None and node.returns is None:
            made = {r for r in returned if r is not None}
            if len(made) == 1 and False not in made:  # every return makes the same class
                definition.returns = made.pop()  # type: ignore[assignment]

    def klass(self, node: ast.ClassDef, scope: int, prefix: str | None) -> None:
        self.decorators(node, scope)
        bases: list[Chain] = []
        dynamic = False
        for base in node.bases:
            self.expr(base, scope)
            chain = _chain_of(base.value if isinstance(base, ast.Subscript) else base)  # Base[T]: Base
            if chain and CALL not in chain and SUPER not in chain:
                bases.append(chain)
            else:
                dynamic = True  # Generic[T] and the like are fine, but cannot be followed
        for keyword in node.keywords:
            self.expr(keyword.value, scope)
            if keyword.arg == "metaclass":
                dynamic = True
        parent = self.scopes[scope]
        if prefix is not None:
            qualname = f"{prefix}{node.name}"
            start = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            body_names = {s.name for s in node.body if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef))}
            dynamic = dynamic or "__getattr__" in body_names or "__getattribute__" in body_names
            self.definitions.append(
                Definition(
                    qualname,
                    "class",
                    node.lineno,
                    start,
                    node.end_lineno or node.lineno,
                    (),
                    tuple(_dotted(d) for d in node.decorator_list),
                    tuple(bases),
                    dynamic,
                )
            )
            self.bind(scope, node.name, ("def", qualname))
            inner_prefix: str | None = f"{qualname}."
        else:
            qualname = f"{parent.qualname}.<locals>.{node.name}" if parent.qualname else node.name
            self.bind(scope, node.name, ("local",))
            inner_prefix = None
        inner = self.new_scope("class", scope, qualname)
        self.block(node.body, inner, inner_prefix)

    # -- expressions ----------------------------------------------------------------------------

    def expr(self, node: ast.expr, scope: int) -> None:
        """Record the references an expression makes (iteratively: deep expressions are common)."""
        todo: list[ast.AST] = [node]
        references = self.references
        share = self.shared.setdefault
        while todo:
            current = todo.pop()
            kind = type(current)
            if kind is ast.Name:
                if type(current.ctx) is ast.Load:  # type: ignore[attr-defined]
                    chain = (current.id,)  # type: ignore[attr-defined]
                    references.append((scope, share(chain, chain), current.lineno, current.col_offset, None))  # type: ignore[attr-defined]
                else:
                    self.bind(scope, current.id, ("local",))  # type: ignore[attr-defined]
                continue
            if kind is ast.Attribute:
                chain = _chain_of(current)  # type: ignore[arg-type]
                if chain is not None:
                    # a chain split over lines is where its last name is (`Text(...)\n    .join(...)`)
                    line = current.end_lineno or current.lineno  # type: ignore[attr-defined]
                    references.append((scope, share(chain, chain), line, current.col_offset, None))  # type: ignore[attr-defined]
                    todo.extend(_calls_inside(current))
                else:
                    todo.append(current.value)  # type: ignore[attr-defined]
                continue
            if kind is ast.Call:
                func = current.func  # type: ignore[attr-defined]
                chain = _chain_of(func) if isinstance(func, (ast.Name, ast.Attribute)) else None
                if chain is not None:
                    shape = _call_shape(current)  # type: ignore[arg-type]
                    line = func.end_lineno or func.lineno
                    references.append(
                        (scope, share(chain, chain), line, func.col_offset, share(shape, shape))
                    )
                    todo.extend(_calls_inside(func))
                else:
                    todo.append(func)
                todo.extend(current.args)  # type: ignore[attr-defined]
                todo.extend(k.value for k in current.keywords)  # type: ignore[attr-defined]
                continue
            if kind is ast.NamedExpr:
                self.bind(scope, current.target.id, ("local",))  # type: ignore[attr-defined]
                todo.append(current.value)  # type: ignore[attr-defined]
                continue
            if kind is ast.Lambda or kind in _COMPREHENSIONS:
                # their own scopes: parameters and targets are locals there; reads resolve outward,
                # which for names they do not bind is what reading them here gives
                self.hidden_scope(current, scope)
                continue
            if kind is ast.Constant:
                continue
            for field_name in current._fields:
                value = getattr(current, field_name, None)
                if isinstance(value, list):
                    todo.extend(v for v in value if isinstance(v, ast.AST))
                elif isinstance(value, ast.AST):
                    todo.append(value)

    def hidden_scope(self, node: ast.AST, scope: int) -> None:
        inner = self.new_scope("function", scope, self.scopes[scope].qualname)
        if isinstance(node, ast.Lambda):
            for arg in [
                *node.args.posonlyargs,
                *node.args.args,
                *node.args.kwonlyargs,
                node.args.vararg,
                node.args.kwarg,
            ]:
                if arg is not None:
                    self.bind(inner, arg.arg, ("local",))
            for default in [*node.args.defaults, *(d for d in node.args.kw_defaults if d is not None)]:
                self.expr(default, scope)
            self.expr(node.body, inner)
            return
        generators: list[ast.comprehension] = node.generators  # type: ignore[attr-defined]
        for i, generator in enumerate(generators):
            # the first iterable is evaluated in the enclosing scope
            self.expr(generator.iter, scope if i == 0 else inner)
            self.element(generator.target, generator.iter, inner)
            for condition in generator.ifs:
                self.expr(condition, inner)
        for part in ("elt", "key", "value"):
            value = getattr(node, part, None)
            if isinstance(value, ast.expr):
                self.expr(value, inner)


_COMPREHENSIONS = frozenset({ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp})


def _calls_inside(node: ast.expr) -> list[ast.AST]:
    """The calls inside a chain (`a(x).b` calls a with x) still to be walked: each is a
    reference of its own, with its own call shape and arguments."""
    found: list[ast.AST] = []
    while True:
        if isinstance(node, ast.Attribute):
            node = node.value
        elif isinstance(node, ast.Call):
            if not (isinstance(node.func, ast.Name) and node.func.id == "super"):
                found.append(node)
            return found
        else:
            return found
