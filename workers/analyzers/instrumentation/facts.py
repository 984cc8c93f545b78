"""Facts the instrumentation analyzer gathers in its one AST pass over a file.

`Scanner` walks the tree once and records imports, bindings of names to calls (clients,
loggers, adapters), functions with their calls, loops and `except` clauses. It judges nothing:
`prguard.analyzers.instrumentation.evaluator` evaluates these facts against the rule tables and the policy.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from prguard.analyzers.asttools import contains, is_name, nodes_of
from prguard.analyzers.base import FastNodeVisitor, SourceFile
from prguard.analyzers.instrumentation import rules as R
from prguard.analyzers.pyresolve.alternatives import argument_of
from prguard.analyzers.pyresolve.known import bind_import, bind_plain_import

FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


#: Objects holding a deployment's settings: a loop over one of their values is a loop over configuration.
_CONFIGURATION_OBJECTS = frozenset({"django.conf.settings", "flask.current_app.config"})


@dataclass(eq=False)
class Loop:
    node: ast.AST
    kind: str  # "for" | "while" | "comprehension"
    line: int
    header: str
    bounded: bool = False  # a retry, fallback or single-pass loop, or one over a few literal items
    fan_out: bool = False  # a comprehension handed to gather()/map(): concurrent, not sequential
    per_item: bool = False  # a `while items: item = items.pop()` loop: one pass per item
    parent: Loop | None = None  # the loop this one is nested in (same function)
    why_bounded: str = (
        ""  # "retry", "fallback", "single pass", "few items", "batches", "models", "configuration", "stream"
    )

    def item_loop(self) -> Loop | None:
        """The nearest loop, this one or an enclosing one, that runs once per item of data."""
        loop: Loop | None = self
        while loop is not None and loop.bounded:
            loop = loop.parent
        return loop


@dataclass(eq=False)
class Call:
    node: ast.Call
    dotted: str | None  # callee with imports resolved: "requests.get", "client.chat.completions.create"
    text: str | None  # callee as written: "self.session.get"
    function: Function | None
    loop: Loop | None
    outer: ast.Call | None = None  # the call this one is chained inside (`X.filter(...).first()`)
    partial: ast.Call | None = None  # `fetch(url)` where `fetch = functools.partial(requests.get, ...)`

    def keywords(self) -> list[ast.keyword]:
        """The call's keywords, with those its `functools.partial` binds."""
        return [*(self.partial.keywords if self.partial else []), *self.node.keywords]

    def positional_count(self) -> int:
        return len(self.node.args) + (len(self.partial.args) - 1 if self.partial else 0)


@dataclass(eq=False)
class Function:
    node: FunctionNode
    qualname: str
    class_name: str | None
    parent: Function | None
    calls: list[Call] = field(default_factory=list)
    nested_calls: list[Call] = field(default_factory=list)  # calls of functions defined inside
    retry_loop: bool = False

    @property
    def name(self) -> str:
        return self.node.name

    @property
    def top(self) -> Function:
        return self.parent.top if self.parent else self


@dataclass(eq=False)
class ClassInfo:
    node: ast.ClassDef
    bases: list[str]
    methods: dict[str, Function] = field(default_factory=dict)


@dataclass(eq=False)
class Binding:
    """A name (or `self.attr`) bound to the result of a call: a client, a logger, an adapter."""

    call: ast.Call
    dotted: str | None
    scope: str


@dataclass(eq=False)
class ExceptInfo:
    node: ast.ExceptHandler
    function: Function | None
    optional_import: bool = False  # `try: import x` — the fallback is the point
    best_effort_cleanup: bool = False  # `try: sock.close()` — nothing useful to do on failure
    loop: Loop | None = None  # the innermost loop the `try` is in (a retry loop's handler waits and retries)
    guarded: list[ast.stmt] = field(default_factory=list)  # the `try` body the handler guards


class Scanner(FastNodeVisitor):
    """The single AST pass: records facts for the evaluator, judges nothing."""

    def __init__(self, source: SourceFile) -> None:
        self.source = source
        self.imports: dict[str, str] = {}
        self.functions: list[Function] = []
        self.module_functions: dict[str, Function] = {}
        self.classes: dict[str, ClassInfo] = {}
        self.calls: list[Call] = []
        self.excepts: list[ExceptInfo] = []
        self.bindings: dict[tuple[str, str], list[Binding]] = {}
        self.attribute_assigns: list[tuple[str, str, ast.expr]] = []  # (scope, "s.request", value)
        self._functions: list[Function] = []
        self._classes: list[ClassInfo] = []
        self._loops: list[list[Loop]] = [[]]
        self.loops: list[tuple[Loop, Function | None]] = []  # every loop, with the function it is in
        self._batch_generators: dict[str, bool] = {}  # name -> a generator of this module yielding chunks
        self._fan_out: set[int] = set()
        self._outer: dict[int, ast.Call] = {}
        self.partials: dict[str, ast.Call] = {}  # name -> its `functools.partial(f, ...)` call
        self._bound_partials: set[int] = set()  # partials bound to a name (called through it)
        self._assignment_index: dict[int, _Assignments] = {}
        self._locals_index: dict[int, dict[str, list[ast.expr]]] = {}  # function id -> name -> values

    def scan(self) -> Scanner:
        self.visit(self.source.tree)
        return self

    # names ------------------------------------------------------------------------------------
    def resolve(self, node: ast.AST) -> str | None:
        """Dotted name of an expression with imports resolved (`r.get` → `requests.get`)."""
        if isinstance(node, ast.Name):
            return self.imports.get(node.id, node.id)
        if isinstance(node, ast.Attribute):
            base = self.resolve(node.value)
            return f"{base}.{node.attr}" if base else None
        if isinstance(node, ast.Call):
            base = self.resolve(node.func)
            return f"{base}()" if base else None
        return None

    @staticmethod
    def text_of(node: ast.AST) -> str | None:
        """Dotted name as written (`self.session.get`), None for anything but names and attributes."""
        if isinstance(node, ast.Name):
            return node.id
        if isinstance(node, ast.Attribute):
            base = Scanner.text_of(node.value)
            return f"{base}.{node.attr}" if base else None
        return None

    def scope_key(self, target_text: str) -> str:
        """Where a binding lives: `self.x` in its class, a local in its function, else the module."""
        if target_text.startswith(("self.", "cls.")) and self._classes:
            return "class:" + self._classes[-1].node.name
        if self._functions and "." not in target_text:
            return "def:" + self._functions[-1].qualname
        return "module"

    # imports ----------------------------------------------------------------------------------
    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            bind_plain_import(self.imports, alias)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = "." * node.level + (node.module or "")
        compat = (node.module or "").rsplit(".", 1)[-1] in R.COMPAT_MODULES
        for alias in node.names:
            if alias.name == "*":
                continue
            dotted = f"{module}.{alias.name}" if module else alias.name
            if compat and alias.name in R.COMPAT_STDLIB:
                dotted = R.COMPAT_STDLIB[
                    alias.name
                ]  # `from .compat import urlopen`: the stdlib's, re-exported
            bind_import(self.imports, alias.asname or alias.name, dotted)

    # scopes -----------------------------------------------------------------------------------
    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        for decorator in node.decorator_list:
            self.visit(decorator)
        bases = [self.resolve(base) or "" for base in node.bases]
        cls = ClassInfo(node, bases)
        if not self._functions and not self._classes:
            self.classes[node.name] = cls
        self._classes.append(cls)
        for stmt in node.body:
            self.visit(stmt)
        self._classes.pop()

    def _visit_function(self, node: FunctionNode) -> None:
        for decorator in node.decorator_list:
            self.visit(decorator)
        self.visit(node.args)
        if node.returns:
            self.visit(node.returns)
        parent = self._functions[-1] if self._functions else None
        in_class = self._classes[-1] if self._classes and (not parent or parent.class_name is None) else None
        prefix = parent.qualname + "." if parent else (in_class.node.name + "." if in_class else "")
        function = Function(node, prefix + node.name, in_class.node.name if in_class else None, parent)
        self.functions.append(function)
        if in_class and parent is None:
            in_class.methods[node.name] = function
        elif parent is None and not self._classes:
            self.module_functions[node.name] = function
        self._functions.append(function)
        self._loops.append([])
        for stmt in node.body:
            self.visit(stmt)
        self._loops.pop()
        self._functions.pop()

    visit_FunctionDef = _visit_function
    visit_AsyncFunctionDef = _visit_function

    def visit_Lambda(self, node: ast.Lambda) -> None:
        self._loops.append([])
        self.generic_visit(node)
        self._loops.pop()

    # loops ------------------------------------------------------------------------------------
    def _header(self, node: ast.AST) -> str:
        line = self.source.lines[node.lineno - 1].strip() if node.lineno <= len(self.source.lines) else ""
        return line.rstrip(":").strip()[:80]

    def _bounded(
        self, iterable: ast.expr, target: ast.expr | None, body: list[ast.stmt] | None = None
    ) -> str:
        """Why a `for` loop does not run once per item of data ("" when it does): a retry loop
        (`for attempt in range(3)`, `range(max_retries)`, tenacity `Retrying`, or any loop whose
        `try:` leaves it on success), a fallback loop (tries each candidate until one works), a
        single-pass loop (always leaves on its first iteration), a loop over batches, or a few
        literal items."""
        names = {n.id.lower() for n in ast.walk(target) if isinstance(n, ast.Name)} if target else set()
        if any(_retry_word(n) for n in names):
            return "retry"
        if (
            body is not None
            and target is not None
            and self._model_classes(target, _body_and_inner_heads(body))
        ):
            return "models"
        if body is not None and _single_pass(body):
            return "single pass"
        if body is not None and _exits_on_success(body):
            return "retry" if _is_range(self, iterable) else "fallback"
        if body is not None and _first_match(body):
            return "fallback"
        if body is not None and self._few_keys(iterable, target, body):
            return "few items"
        if self._configured(iterable, hops=1):
            return "configuration"
        if isinstance(iterable, ast.List | ast.Tuple | ast.Set):
            return "few items" if len(iterable.elts) <= 10 else ""
        if self._fixed_attribute(iterable):
            return "few items"  # `for endpoint in self._buffers`, set once to four literal keys
        made = self._single_value(iterable) if isinstance(iterable, ast.Name) else iterable
        if isinstance(made, ast.Call) and self._yields_fixed_entries(made.func):
            return "few items"  # `for url in self._bootstrap()`, yielding from a literal of five URLs
        if isinstance(iterable, ast.Call):
            callee = self.resolve(iterable.func) or ""
            if callee.endswith(("Retrying", "AsyncRetrying")):
                return "retry"
            if callee == "itertools.count" and len(iterable.args) + len(iterable.keywords) == 2:
                return "batches"  # for start in itertools.count(0, size): one call per chunk of `size`
            if callee == "range" and len(iterable.args) == 3:
                return "batches"  # for i in range(0, n, batch): one call per batch is the batched form
            if callee == "range" and iterable.args and self._page_count(iterable.args[-1]):
                return "batches"  # for page in range(1, total // per_page + 1): one call per page
            if callee == "iter" and len(iterable.args) == 2:
                return "stream"  # for task in iter(queue.get, "STOP"): items arrive one at a time
            if self._yields_batches(iterable.func):
                return "batches"  # for batch in self._batches(points, size): one call per batch
            if (
                isinstance(iterable.func, ast.Attribute)
                and iterable.func.attr in ("items", "values")
                and isinstance(iterable.func.value, ast.Call)
                and self._returns_groups(iterable.func.value.func)
            ):
                return "batches"  # for dest, group in group_by_destination(events).items()
            if callee == "range" and body is not None and _requests_page(names, body):
                return "batches"  # for i in range(total_pages): params["page"] = i: one call per page
            if callee == "range" and iterable.args:
                if any(_retry_word(word) for word in _words(iterable)):
                    return "retry"  # range(num_retries + 1), range(self.max_attempts)
                bound = iterable.args[min(1, len(iterable.args) - 1)]
                small = isinstance(bound, ast.Constant) and isinstance(bound.value, int) and bound.value <= 10
                return "few items" if small else ""
        return ""

    def _fixed_attribute(self, iterable: ast.expr) -> bool:
        """`self.x` (or its `.keys()`/`.values()`/`.items()`) where every `self.x = ...` of the class
        is a literal of at most ten entries, and nothing adds to it (`append`, `add`, `extend`,
        `update`, `setdefault`, `insert`): a fixed set of things, not data."""
        if isinstance(iterable, ast.Call) and isinstance(iterable.func, ast.Attribute) and not iterable.args:
            if iterable.func.attr not in ("keys", "values", "items"):
                return False
            iterable = iterable.func.value
        if not (
            isinstance(iterable, ast.Attribute)
            and isinstance(iterable.value, ast.Name)
            and iterable.value.id == "self"
            and self._classes
        ):
            return False
        index = self._assignments(self._classes[-1].node)
        if iterable.attr in index.grown or iterable.attr in index.annotated_attributes:
            return False
        assigned = index.attributes.get(iterable.attr, [])
        return bool(assigned) and all(_small_literal(value) for value in assigned)

    def _assignments(self, root: ast.AST) -> _Assignments:
        """What a class (or the module) binds, read in one walk and kept: `_fixed_attribute` asks
        it for every loop over `self.x`, and a large class has many."""
        found = self._assignment_index.get(id(root))
        if found is None:
            found = self._assignment_index[id(root)] = _Assignments.of(root, self.source.tree)
        return found

    def _yields_fixed_entries(self, func: ast.expr) -> bool:
        """A generator of this file (`self._bootstrap(...)`, `urls()`) whose every `yield` of a value
        sits in a loop over a literal of at most ten entries, or over a class attribute or module
        name bound once to one (`for name, url in self.BOOTSTRAP_URLS.items(): response = yield
        url`): it yields a fixed set of things, not data."""
        name = func.attr if isinstance(func, ast.Attribute) and _is_self_or_cls(func.value) else None
        if isinstance(func, ast.Name):
            name = func.id
        generators = [
            node
            for node in nodes_of(self.source.tree, ast.FunctionDef)
            if node.name == name  # type: ignore[attr-defined]
        ]
        if len(generators) != 1:
            return False
        generator = generators[0]
        yields = [n for n in ast.walk(generator) if isinstance(n, ast.Yield) and n.value is not None]
        loops = [n for n in ast.walk(generator) if isinstance(n, ast.For)]
        return bool(yields) and all(
            any(contains(loop, y) and self._fixed_entries(loop.iter) for loop in loops) for y in yields
        )

    def _fixed_entries(self, iterable: ast.expr) -> bool:
        """A literal of at most ten entries, or a class attribute or module name (`self.X`, `X`, or
        their `.items()`/`.keys()`/`.values()`) that the file binds only to one."""
        if isinstance(iterable, ast.Call) and isinstance(iterable.func, ast.Attribute) and not iterable.args:
            if iterable.func.attr not in ("keys", "values", "items"):
                return False
            iterable = iterable.func.value
        if _small_literal(iterable):
            return True
        if isinstance(iterable, ast.Attribute) and _is_self_or_cls(iterable.value):
            name = iterable.attr
        elif isinstance(iterable, ast.Name):
            name = iterable.id
        else:
            return False
        index = self._assignments(self.source.tree)
        if name in index.grown:
            return False
        values = index.bound.get(name, [])
        return len(values) == 1 and _small_literal(values[0])

    def _returns_groups(self, func: ast.expr) -> bool:
        """A module function of this file that returns a dict of lists it fills by key
        (`ret = defaultdict(list); for ev in events: ret[key(ev)].append(ev); return ret`): each
        of its values is a group of items, handled at once."""
        if not isinstance(func, ast.Name):
            return False
        functions = [
            node
            for node in nodes_of(self.source.tree, ast.FunctionDef)
            if node.name == func.id  # type: ignore[attr-defined]
        ]
        if len(functions) != 1:
            return False
        function = functions[0]
        returned = _returned_names(function)
        if len(returned) != 1:
            return False
        name = returned.pop()
        return any(
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("append", "extend", "add")
            and (
                (isinstance(node.func.value, ast.Subscript) and is_name(node.func.value.value, name))
                or (
                    isinstance(node.func.value, ast.Call)
                    and isinstance(node.func.value.func, ast.Attribute)
                    and node.func.value.func.attr == "setdefault"
                    and is_name(node.func.value.func.value, name)
                )
            )
            for node in ast.walk(function)
        )

    def _yields_batches(self, func: ast.expr) -> bool:
        """A call of a generator of this module that yields slices or `islice(...)` chunks of its
        input (`def _batches(items, size): ... yield islice(it, size)`): its items are batches."""
        name = func.attr if isinstance(func, ast.Attribute) and _is_self_or_cls(func.value) else None
        if isinstance(func, ast.Name):
            name = func.id
        if name is None:
            return False
        if name not in self._batch_generators:  # only the functions of that name are read
            self._batch_generators[name] = any(
                _yields_chunks(node)  # type: ignore[arg-type]
                for node in nodes_of(self.source.tree, ast.FunctionDef)
                if node.name == name  # type: ignore[attr-defined]
            )
        return self._batch_generators[name]

    def _local_values(self, name: str) -> list[ast.expr]:
        """What the assignments of a local name in the current function give it (`x = v`,
        `x: T = v`)."""
        if not self._functions:
            return []
        function = self._functions[-1].node
        index = self._locals_index.get(id(function))
        if index is None:  # one walk per function: loops ask for several names, some several times
            index = self._locals_index[id(function)] = {}
            for node in ast.walk(function):
                if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
                    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                    for bound in {t.id for t in targets if isinstance(t, ast.Name)}:
                        index.setdefault(bound, []).append(node.value)
        return index.get(name, [])

    def _single_value(self, name: ast.Name) -> ast.expr | None:
        """What the one assignment of a local name in the current function gives it (None when it
        is assigned more than once, or not at all)."""
        values = self._local_values(name.id)
        return values[0] if len(values) == 1 else None

    def _page_count(self, stop: ast.expr) -> bool:
        """A bound computed as a number of pages: a floor division or `math.ceil` of a division,
        itself or in the one assignment of the local name it is (`pages = (total - 1) // size`)."""
        if isinstance(stop, ast.Name):
            stop = self._single_value(stop) or stop
        for node in ast.walk(stop):
            if isinstance(node, ast.BinOp) and isinstance(node.op, ast.FloorDiv):
                return True
            if isinstance(node, ast.Call) and self.resolve(node.func) == "math.ceil":
                return any(isinstance(n, ast.BinOp) and isinstance(n.op, ast.Div) for n in ast.walk(node))
        return False

    def _configured(self, iterable: ast.expr, hops: int) -> bool:
        """A loop over the deployment's configuration (`settings.CRON_CLASSES`, `[get_class(x) for x
        in settings.CRON_CLASSES]`, `current_app.config["BACKENDS"].items()`, a local name bound to
        one): it runs once per configured entry, a number the operator sets, not once per row of data."""
        node = iterable
        if isinstance(node, ast.ListComp | ast.SetComp | ast.GeneratorExp) and len(node.generators) == 1:
            node = node.generators[0].iter
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and not node.args
            and node.func.attr in ("items", "keys", "values")
        ):
            node = node.func.value
        while (
            isinstance(node, ast.Call)
            and self.resolve(node.func) in ("sorted", "list", "tuple", "set", "reversed", "enumerate")
            and node.args
        ) or (isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Slice)):
            node = node.args[0] if isinstance(node, ast.Call) else node.value  # the same entries, copied
        if isinstance(node, ast.Call) and self.resolve(node.func) == "getattr" and node.args:
            node = node.args[0]
        if (
            isinstance(node, ast.Call)
            and not node.args
            and not node.keywords
            and isinstance(node.func, ast.Attribute)
            and self._configuration_object(node.func)
        ):
            node = node.func  # `settings.GET_WEBHOOK_URLS()`: a configured callable's entries
        if isinstance(node, ast.Call) and _reads_a_setting(node, self.resolve(node.func)):
            return True  # `get_setting("CHAT_IDS")`, `os.getenv("HOSTS", "").split(",")`
        while isinstance(node, ast.Subscript | ast.Attribute):
            if self._configuration_object(node):
                return True
            node = node.value
        if self._configuration_object(node):
            return True
        if isinstance(node, ast.Name) and hops > 0 and self._functions:
            function = self._functions[-1]
            if function.parent is None and function.class_name is None:
                arguments = self._arguments_of(function.node, node.id)
                if arguments is not None:  # a parameter: configuration when every call passes it
                    return bool(arguments) and all(self._configured(a, hops - 1) for a in arguments)
            values = self._local_values(node.id)
            return bool(values) and all(self._configured(value, hops - 1) for value in values)
        return False

    def _configuration_object(self, node: ast.expr) -> bool:
        """Django's or Flask's settings, or an imported `settings` module (a package's own
        `from watchman import settings`)."""
        dotted = self.resolve(node)
        if dotted in _CONFIGURATION_OBJECTS:
            return True
        root: ast.expr = node
        while isinstance(root, ast.Attribute):
            root = root.value
        target = self.imports.get(root.id) if isinstance(root, ast.Name) else None
        if target is None:
            return False
        if target != dotted:  # `settings.X` of an imported settings module
            return "settings" in target.split(".")
        # a name imported from a settings module (`from modeltranslation.settings import LANGUAGES`)
        return "settings" in target.split(".")[:-1]

    def _arguments_of(
        self, function: ast.FunctionDef | ast.AsyncFunctionDef, name: str
    ) -> list[ast.expr] | None:
        """What this module's calls of a module function pass as its parameter `name` (None: not a
        parameter; a call that passes it by `*args`/`**kwargs` or leaves the default gives nothing)."""
        positional = [a.arg for a in (*function.args.posonlyargs, *function.args.args)]
        if name not in positional and name not in [a.arg for a in function.args.kwonlyargs]:
            return None
        index = positional.index(name) if name in positional else None
        passed: list[ast.expr] = []
        for call in nodes_of(self.source.tree, ast.Call):
            if not (isinstance(call.func, ast.Name) and call.func.id == function.name):  # type: ignore[attr-defined]
                continue
            value = argument_of(call, name, index)  # type: ignore[arg-type]
            if value is None:
                return []
            passed.append(value)
        return passed

    def _few_keys(self, iterable: ast.expr, target: ast.expr | None, body: list[ast.stmt]) -> bool:
        """`for kind, rows in groups.items(): flag = FLAGS.get(kind, missing); if flag is not missing:
        ...`: a loop over a dict's keys that acts only on the keys of a small literal mapping of
        the function or module runs at most that many times (a dict's keys are distinct)."""
        if not (
            isinstance(iterable, ast.Call)
            and isinstance(iterable.func, ast.Attribute)
            and iterable.func.attr in ("items", "keys")
            and not iterable.args
        ):
            return False
        key = target.elts[0] if isinstance(target, ast.Tuple) and target.elts else target
        if not isinstance(key, ast.Name):
            return False
        literals = self._literal_mappings()
        derived: set[str] = set()  # names bound to `FLAGS.get(kind, ...)` / `FLAGS[kind]`
        for stmt in body[:-1]:
            if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1):
                return False
            if not isinstance(stmt.targets[0], ast.Name) or not _looks_up(stmt.value, key.id, literals):
                return False
            derived.add(stmt.targets[0].id)
        guard = body[-1]
        if not isinstance(guard, ast.If) or guard.orelse:
            return False
        test = guard.test
        if isinstance(test, ast.Compare) and len(test.ops) == 1:
            left, right = test.left, test.comparators[0]
            if isinstance(test.ops[0], ast.In):
                return (
                    isinstance(left, ast.Name)
                    and left.id == key.id
                    and isinstance(right, ast.Name)
                    and right.id in literals
                )
            return isinstance(left, ast.Name) and left.id in derived
        return isinstance(test, ast.Name) and test.id in derived

    def _literal_mappings(self) -> set[str]:
        """Names bound, in the current function or at module level, to a dict or set literal of at
        most ten entries."""
        scopes: list[list[ast.stmt]] = [self.source.tree.body]
        if self._functions:
            scopes.append(self._functions[-1].node.body)
        found: set[str] = set()
        for scope in scopes:
            for stmt in scope:
                if (
                    isinstance(stmt, ast.Assign)
                    and len(stmt.targets) == 1
                    and isinstance(stmt.targets[0], ast.Name)
                    and isinstance(stmt.value, ast.Dict | ast.Set)
                    and len(stmt.value.keys if isinstance(stmt.value, ast.Dict) else stmt.value.elts) <= 10
                ):
                    found.add(stmt.targets[0].id)
        return found

    def _model_classes(self, target: ast.expr, nodes: Iterable[ast.AST]) -> bool:
        """A loop over model classes (`for model in apps.get_models(): model._default_manager...`):
        its variable is used through a Django model manager, which a class has and its instances do
        not, so it runs once per model of the schema, not once per row of data."""
        names = {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}
        managers = R.DJANGO_PRIVATE_MANAGERS
        if any(dotted.split(".")[0] == "django" for dotted in self.imports.values()):
            managers = managers | R.DJANGO_MANAGERS
        return any(
            isinstance(node, ast.Attribute)
            and node.attr in managers
            and isinstance(node.value, ast.Name)
            and node.value.id in names
            for node in nodes
        )

    def _run_loop(self, loop: Loop, parts: Iterable[ast.AST]) -> None:
        loop.parent = self._loops[-1][-1] if self._loops[-1] else None
        self._loops[-1].append(loop)
        self.loops.append((loop, self._functions[-1] if self._functions else None))
        for part in parts:
            self.visit(part)
        self._loops[-1].pop()

    def visit_For(self, node: ast.For | ast.AsyncFor) -> None:
        self.visit(node.iter)
        self.visit(node.target)
        why = self._bounded(node.iter, node.target, node.body)
        loop = Loop(node, "for", node.lineno, self._header(node), bool(why), why_bounded=why)
        if loop.bounded and self._functions:
            self._functions[-1].retry_loop = self._functions[-1].retry_loop or is_retry_loop(self, node)
        self._run_loop(loop, node.body)
        for stmt in node.orelse:
            self.visit(stmt)

    visit_AsyncFor = visit_For

    def visit_While(self, node: ast.While) -> None:
        loop = Loop(node, "while", node.lineno, self._header(node))
        if any(_retry_word(word) for word in _words(node.test)) or _single_pass(node.body):
            loop.bounded, loop.why_bounded = True, "retry"  # while attempts < 3 / while retries > 0
            if self._functions:
                self._functions[-1].retry_loop = True
        else:
            per_item = _pops_from(node.test, node.body) or self._counts_over(node) or _consumes(node.body)
            loop.per_item = per_item and not _turns_pages(node.body)
        self._run_loop(loop, [node.test, *node.body])
        for stmt in node.orelse:
            self.visit(stmt)

    def _counts_over(self, node: ast.While) -> bool:
        """`while n <= count: ...; n += 1`: a counting loop, read like `for n in range(count)` (per
        item unless that range would be few items, pages or retries)."""
        test = node.test
        if not (
            isinstance(test, ast.Compare)
            and len(test.ops) == 1
            and isinstance(test.ops[0], ast.Lt | ast.LtE)
            and isinstance(test.left, ast.Name)
            and _steps_by_one(test.left.id, node.body)
        ):
            return False
        counted = ast.Call(func=ast.Name("range", ast.Load()), args=[test.comparators[0]], keywords=[])
        return not self._bounded(counted, test.left, node.body)

    def _visit_comprehension(
        self, node: ast.ListComp | ast.SetComp | ast.DictComp | ast.GeneratorExp
    ) -> None:
        first, *rest = node.generators
        self.visit(first.iter)
        header = "comprehension over " + (ast.unparse(first.iter)[:60])
        why = self._bounded(first.iter, first.target)
        results = [node.key, node.value] if isinstance(node, ast.DictComp) else [node.elt]
        if not why and self._model_classes(
            first.target, (n for part in [*results, *first.ifs] for n in ast.walk(part))
        ):
            why = "models"
        loop = Loop(node, "comprehension", node.lineno, header, bool(why), why_bounded=why)
        loop.fan_out = id(node) in self._fan_out
        parts: list[ast.AST] = [*first.ifs]
        for generator in rest:
            parts += [generator.iter, *generator.ifs]
        parts += [node.key, node.value] if isinstance(node, ast.DictComp) else [node.elt]
        self._run_loop(loop, parts)

    visit_ListComp = visit_SetComp = visit_DictComp = visit_GeneratorExp = _visit_comprehension

    # calls, bindings, excepts ------------------------------------------------------------------
    def visit_Call(self, node: ast.Call) -> None:
        function = self._functions[-1] if self._functions else None
        loop = self._loops[-1][-1] if self._loops[-1] else None
        text = self.text_of(node.func)
        partial = self.partials.get(text or "")
        dotted = self.resolve(partial.args[0]) if partial is not None else self.resolve(node.func)
        self._record(Call(node, dotted, text, function, loop, self._outer.get(id(node)), partial))
        if dotted == "functools.partial" and node.args and id(node) not in self._bound_partials:
            # a partial handed on (`run_in_executor(None, partial(session.post, url))`) is called
            # there: it is a call of what it wraps, with what it binds, where the partial is made;
            # when is the receiver's business (an executor may run them together), so in no loop
            wrapped = ast.copy_location(ast.Call(node.args[0], node.args[1:], node.keywords), node)
            wrapped.end_lineno, wrapped.end_col_offset = node.end_lineno, node.end_col_offset
            fixed = self.resolve(node.args[0])
            self._record(Call(wrapped, fixed, self.text_of(node.args[0]), function, None))
        inner = node.func
        while isinstance(inner, ast.Attribute | ast.Call | ast.Subscript):
            inner = inner.func if isinstance(inner, ast.Call) else inner.value
            if isinstance(inner, ast.Call):
                self._outer.setdefault(id(inner), node)
        if isinstance(node.func, ast.Attribute | ast.Name):
            last = node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id
            if last in R.FAN_OUT_CALLS:
                for arg in node.args:
                    value = arg.value if isinstance(arg, ast.Starred) else arg
                    if isinstance(value, _COMPREHENSIONS):
                        self._fan_out.add(id(value))
        self.generic_visit(node)

    def _record(self, call: Call) -> None:
        self.calls.append(call)
        function = call.function
        if function:
            function.calls.append(call)
            ancestor = function.parent
            while ancestor:
                ancestor.nested_calls.append(call)
                ancestor = ancestor.parent

    def _bind(self, target: ast.expr, value: ast.expr) -> None:
        text = self.text_of(target)
        if text is None:
            return
        if isinstance(target, ast.Name) and self._classes and not self._functions:
            self._bind(ast.Attribute(ast.Name("cls"), target.id), value)
            text = "self." + text  # a class attribute, read as self.<name> or cls.<name> in methods
        if isinstance(target, ast.Attribute) and not text.startswith(("self.", "cls.")):
            self.attribute_assigns.append((self.scope_key(text), text, value))
        candidates = value.values if isinstance(value, ast.BoolOp) else [value]
        for candidate in candidates:
            if isinstance(candidate, ast.Await):
                candidate = candidate.value
            if isinstance(candidate, ast.Call):
                if self.resolve(candidate.func) == "functools.partial" and candidate.args:
                    self.partials[text] = candidate  # calls of `text` call the wrapped function
                    self._bound_partials.add(id(candidate))
                scope = self.scope_key(text)
                self.bindings.setdefault((scope, text), []).append(
                    Binding(candidate, self.resolve(candidate.func), scope)
                )

    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            self._bind(target, node.value)
        self._module_alias(node)
        self.generic_visit(node)

    def _module_alias(self, node: ast.Assign) -> None:
        """`urlopen = url_request.urlopen` at module level: another name for an imported function
        or module, known as what it names (Python 2/3 compatibility code)."""
        if self._functions or self._classes or len(node.targets) != 1:
            return
        target, value = node.targets[0], node.value
        if not (isinstance(target, ast.Name) and isinstance(value, ast.Attribute | ast.Name)):
            return
        root: ast.expr = value
        while isinstance(root, ast.Attribute):
            root = root.value
        if isinstance(root, ast.Name) and root.id in self.imports and target.id not in self.imports:
            dotted = self.resolve(value)
            if dotted:
                self.imports[target.id] = dotted

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            self._bind(node.target, node.value)
        self.generic_visit(node)

    def visit_With(self, node: ast.With | ast.AsyncWith) -> None:
        for item in node.items:
            if item.optional_vars is not None:
                self._bind(item.optional_vars, item.context_expr)
        self.generic_visit(node)

    visit_AsyncWith = visit_With

    def visit_Try(self, node: ast.Try | ast.TryStar) -> None:
        optional_import = bool(node.body) and isinstance(node.body[0], ast.Import | ast.ImportFrom)
        cleanup = all(
            isinstance(stmt, ast.Expr)
            and isinstance(stmt.value, ast.Call)
            and isinstance(stmt.value.func, ast.Attribute)
            and stmt.value.func.attr in R.CLEANUP_METHODS
            for stmt in node.body
        )
        for stmt in node.body:
            self.visit(stmt)
        for handler in node.handlers:
            function = self._functions[-1] if self._functions else None
            loop = self._loops[-1][-1] if self._loops[-1] else None
            self.excepts.append(ExceptInfo(handler, function, optional_import, cleanup, loop, node.body))
            self.generic_visit(handler)
        for stmt in node.orelse + node.finalbody:
            self.visit(stmt)

    visit_TryStar = visit_Try


def is_retry_loop(scanner: Scanner, node: ast.For | ast.AsyncFor) -> bool:
    """A loop that exists to retry: tenacity `Retrying`, `for attempt in ...`, or `range(n)` around a try."""
    callee = scanner.resolve(node.iter.func) or "" if isinstance(node.iter, ast.Call) else ""
    if callee.endswith("Retrying"):
        return True
    names = {n.id.lower() for n in ast.walk(node.target) if isinstance(n, ast.Name)}
    if any("attempt" in n or "retr" in n or n == "tries" for n in names):
        return True
    return callee == "range" and any(isinstance(stmt, ast.Try) for stmt in node.body)


def _looks_up(value: ast.expr, key: str, literals: set[str]) -> bool:
    """`FLAGS.get(key, default)` or `FLAGS[key]` on a literal mapping `FLAGS`."""
    if isinstance(value, ast.Subscript):
        holder, index = value.value, value.slice
    elif (
        isinstance(value, ast.Call)
        and isinstance(value.func, ast.Attribute)
        and value.func.attr == "get"
        and value.args
    ):
        holder, index = value.func.value, value.args[0]
    else:
        return False
    return (
        isinstance(holder, ast.Name)
        and holder.id in literals
        and isinstance(index, ast.Name)
        and index.id == key
    )


def _retry_word(name: str) -> bool:
    return "attempt" in name or "retr" in name or name in {"try_", "tries", "tries_left"}


def _words(node: ast.AST) -> set[str]:
    """Lower-cased names and attribute names in an expression (`self.max_retries` -> max_retries)."""
    return {
        (sub.id if isinstance(sub, ast.Name) else sub.attr).lower()
        for sub in ast.walk(node)
        if isinstance(sub, ast.Name | ast.Attribute)
    }


def _is_range(scanner: Scanner, iterable: ast.expr) -> bool:
    return isinstance(iterable, ast.Call) and scanner.resolve(iterable.func) == "range"


#: Request parameters that name which page of results to return: a loop that sets one from its index
#: walks the pages of one listing (pagination), whatever its variables are called.
_PAGE_PARAMETERS: frozenset[str] = frozenset({"page", "page_number", "pageNumber", "offset"})


def _is_self_or_cls(node: ast.expr) -> bool:
    return isinstance(node, ast.Name) and node.id in ("self", "cls")


def _yields_chunks(function: ast.FunctionDef) -> bool:
    """Every `yield` of the function gives a slice (`seq[i:i + n]`) or an `islice(...)` chunk, itself
    or through a local name bound to one (`rest = islice(it, size - 1); yield chain(head, rest)`); or,
    with no `yield`, every item of the list comprehension it returns, or appended to the list it
    returns, holds one."""

    def chunk(node: ast.AST) -> bool:
        if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Slice):
            return True
        func = node.func if isinstance(node, ast.Call) else None
        return (func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")) == "islice"

    chunk_names = {
        target.id
        for node in ast.walk(function)
        if isinstance(node, ast.Assign) and any(chunk(n) for n in ast.walk(node.value))
        for target in node.targets
        if isinstance(target, ast.Name)
    }

    def holds_chunk(value: ast.AST | None) -> bool:
        return value is not None and any(
            chunk(n) or (isinstance(n, ast.Name) and n.id in chunk_names) for n in ast.walk(value)
        )

    yields = [n for n in ast.walk(function) if isinstance(n, ast.Yield)]
    if yields:
        return all(holds_chunk(y.value) for y in yields)
    # or the comprehension it returns (`return [seq[i : i + n] for i in range(0, len(seq), n)]`)
    comprehensions = [
        n.value for n in ast.walk(function) if isinstance(n, ast.Return) and isinstance(n.value, ast.ListComp)
    ]
    if comprehensions and all(holds_chunk(c.elt) for c in comprehensions):
        return True
    # or the list it returns, when every item appended to it holds a chunk
    returned = _returned_names(function)
    appended = [
        n.args[0]
        for n in ast.walk(function)
        if isinstance(n, ast.Call)
        and isinstance(n.func, ast.Attribute)
        and n.func.attr == "append"
        and isinstance(n.func.value, ast.Name)
        and n.func.value.id in returned
        and len(n.args) == 1
    ]
    return bool(appended) and all(holds_chunk(item) for item in appended)


def _returned_names(function: ast.AST) -> set[str]:
    """The local names a function returns (`return out`)."""
    returns = [n for n in ast.walk(function) if isinstance(n, ast.Return)]
    return {n.value.id for n in returns if isinstance(n.value, ast.Name)}


def _requests_page(loop_names: set[str], body: list[ast.stmt]) -> bool:
    """Whether the loop's index becomes a page parameter of a request: `params["page"] = str(i)`,
    `{"page": i}`, or `page=i` in a call."""

    def uses_index(value: ast.expr | None) -> bool:
        return value is not None and any(
            isinstance(n, ast.Name) and n.id.lower() in loop_names for n in ast.walk(value)
        )

    for stmt in body:
        for node in ast.walk(stmt):
            if isinstance(node, ast.Assign) and uses_index(node.value):
                for target in node.targets:
                    key = target.slice if isinstance(target, ast.Subscript) else None
                    if isinstance(key, ast.Constant) and key.value in _PAGE_PARAMETERS:
                        return True
            elif isinstance(node, ast.Dict):
                for key, value in zip(node.keys, node.values, strict=True):
                    if isinstance(key, ast.Constant) and key.value in _PAGE_PARAMETERS and uses_index(value):
                        return True
            elif isinstance(node, ast.keyword) and node.arg in _PAGE_PARAMETERS and uses_index(node.value):
                return True
    return False


_SETTING_READERS = re.compile(r"^_*(get_?)?(setting|settings|config|conf|option|env)s?$")


def _reads_a_setting(call: ast.Call, dotted: str | None) -> bool:
    """A call that reads one named setting (`get_setting("CHAT_IDS")`, `os.getenv("HOSTS")`,
    `os.environ.get(...)`), or a string method over one (`.split(",")`)."""
    while isinstance(call.func, ast.Attribute) and call.func.attr in ("split", "strip", "splitlines"):
        if not isinstance(call.func.value, ast.Call):
            return False
        call = call.func.value
        dotted = None
    name = dotted or (
        call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", "")
    )
    if name in ("os.getenv", "os.environ.get"):
        return True
    first = call.args[0] if call.args else None
    named = isinstance(first, ast.Constant) and isinstance(first.value, str)
    return named and bool(_SETTING_READERS.match(name.rsplit(".", 1)[-1].lower()))


def _consumes(body: list[ast.stmt]) -> bool:
    """The loop eats its input one item at a time: it rebinds a name to what follows the item it
    took (`page = page[end_content:]`), as a parser walking a document does. Taking a batch off
    its head first (`batch = buf[:size]; ...; buf = buf[size:]`) eats it batch by batch."""
    nodes = list(loop_body_nodes(body))
    eaten = {
        node.targets[0].id
        for node in nodes
        if isinstance(node, ast.Assign)
        and len(node.targets) == 1
        and isinstance(node.targets[0], ast.Name)
        and isinstance(node.value, ast.Subscript)
        and is_name(node.value.value, node.targets[0].id)
        and isinstance(node.value.slice, ast.Slice)
        and node.value.slice.lower is not None
        and node.value.slice.upper is None
    }
    batched = {
        node.value.id
        for node in nodes
        if isinstance(node, ast.Subscript)
        and isinstance(node.value, ast.Name)
        and isinstance(node.slice, ast.Slice)
        and node.slice.lower is None
        and node.slice.upper is not None
    }
    return bool(eaten - batched)


def _turns_pages(body: list[ast.stmt]) -> bool:
    """The loop moves a request's page parameter on (`params["page"] += 1`, `offset += limit`): a
    pagination loop, one request per page of results."""
    for node in loop_body_nodes(body):
        if isinstance(node, ast.AugAssign) and isinstance(node.op, ast.Add):
            target = node.target
            key = target.slice if isinstance(target, ast.Subscript) else None
            if isinstance(key, ast.Constant) and key.value in _PAGE_PARAMETERS:
                return True
            if isinstance(target, ast.Name) and target.id in _PAGE_PARAMETERS:
                return True
    return False


def loop_body_nodes(body: list[ast.stmt]) -> Iterable[ast.AST]:
    """Every node of a loop body, not descending into nested loops, functions or classes."""
    stack: list[ast.AST] = list(body)
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(
            node, ast.For | ast.AsyncFor | ast.While | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef
        ):
            stack.extend(ast.iter_child_nodes(node))


def _body_and_inner_heads(body: list[ast.stmt]) -> Iterable[ast.AST]:
    """A loop body's own nodes and what its nested loops iterate over (`for obj in cls.objects.all()`
    runs once per pass of the outer loop)."""
    for node in loop_body_nodes(body):
        yield node
        if isinstance(node, ast.For | ast.AsyncFor):
            yield from ast.walk(node.iter)


def _single_pass(body: list[ast.stmt]) -> bool:
    """The body always leaves the loop at its end (return, break, raise) and never continues: it
    runs once, on the first item (`for row in rows: return row`)."""
    if not body or not isinstance(body[-1], ast.Return | ast.Break | ast.Raise):
        return False
    return not any(isinstance(node, ast.Continue) for node in loop_body_nodes(body))


def _exits_on_success(body: list[ast.stmt]) -> bool:
    """A `try:` of the loop's body, or of an `if` in it (`if r.status_code == 200: try: ...;
    break`), whose block (or `else:`) ends by leaving the loop: the loop repeats only after a
    failure, so it retries or falls back to the next candidate."""
    for stmt in body:
        if isinstance(stmt, ast.Try | ast.TryStar):
            for block in (stmt.body, stmt.orelse):
                if block and isinstance(block[-1], ast.Return | ast.Break):
                    return True
        elif isinstance(stmt, ast.If) and (_exits_on_success(stmt.body) or _exits_on_success(stmt.orelse)):
            return True
    return False


def _first_match(body: list[ast.stmt]) -> bool:
    """A search loop without `try`: it only computes values (`found = lookup(candidate)`) and
    leaves at the first that passes a test on them (`if found: return found`), so it stops at its
    first success like a fallback loop (`for mirror in mirrors: r = get(mirror); if r.ok: return r`)."""
    if len(body) < 2 or not isinstance(body[-1], ast.If) or body[-1].orelse:
        return False
    test_block = body[-1].body
    if not test_block or not isinstance(test_block[-1], ast.Return | ast.Break):
        return False
    assigned: set[str] = set()
    for stmt in body[:-1]:
        if not isinstance(stmt, ast.Assign) or not all(isinstance(t, ast.Name) for t in stmt.targets):
            return False
        assigned.update(t.id for t in stmt.targets)  # type: ignore[union-attr]
    tested = {n.id for n in ast.walk(body[-1].test) if isinstance(n, ast.Name)}
    if not tested & assigned:
        return False
    return not any(isinstance(node, ast.Continue) for node in loop_body_nodes(body))


def _steps_by_one(name: str, body: list[ast.stmt]) -> bool:
    """The loop's own statements add one to `name` (`n += 1`, `n = n + 1`)."""
    for stmt in body:
        if isinstance(stmt, ast.AugAssign) and isinstance(stmt.op, ast.Add):
            target, step = stmt.target, stmt.value
        elif isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.value, ast.BinOp):
            target, step = stmt.targets[0], stmt.value.right
            if not (isinstance(stmt.value.op, ast.Add) and is_name(stmt.value.left, name)):
                continue
        else:
            continue
        if is_name(target, name) and isinstance(step, ast.Constant) and step.value == 1:
            return True
    return False


@dataclass
class _Assignments:
    """The bindings under one node: `self.<attr> = v` (by attribute), `name = v` / `self.name = v`
    and their annotated forms (by plain name), and the attributes something adds to."""

    attributes: dict[str, list[ast.expr]] = field(default_factory=dict)
    annotated_attributes: set[str] = field(default_factory=set)
    bound: dict[str, list[ast.expr]] = field(default_factory=dict)
    grown: set[str] = field(default_factory=set)

    @classmethod
    def of(cls, root: ast.AST, tree: ast.AST) -> _Assignments:
        """The bindings under `root`, a node of `tree` (read from the tree's shared node index,
        in `ast.walk` order, rather than by walking `root` again)."""
        found = cls()
        nodes = nodes_of(tree, ast.Assign, ast.AnnAssign, ast.AugAssign, ast.Call)
        for node in nodes if root is tree else (n for n in nodes if contains(root, n)):
            if isinstance(node, ast.Assign | ast.AnnAssign):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    self_attribute = isinstance(target, ast.Attribute) and _is_attr(target, target.attr)
                    attr = target.attr if self_attribute else None  # type: ignore[union-attr]
                    plain = attr or (target.id if isinstance(target, ast.Name) else None)
                    if plain is not None and node.value is not None:
                        found.bound.setdefault(plain, []).append(node.value)
                    if attr is not None and isinstance(node, ast.Assign):
                        found.attributes.setdefault(attr, []).append(node.value)
                    elif attr is not None:
                        found.annotated_attributes.add(attr)
            elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Attribute):
                if _is_attr(node.target, node.target.attr):
                    found.grown.add(node.target.attr)
            elif (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in _GROWING_METHODS
                and isinstance(node.func.value, ast.Attribute)
                and _is_attr(node.func.value, node.func.value.attr)
            ):
                found.grown.add(node.func.value.attr)
        return found


_GROWING_METHODS = frozenset({"append", "add", "extend", "update", "setdefault", "insert"})


def _is_attr(node: ast.AST, attr: str) -> bool:
    """`self.<attr>`."""
    return (
        isinstance(node, ast.Attribute)
        and node.attr == attr
        and isinstance(node.value, ast.Name)
        and node.value.id == "self"
    )


def _small_literal(value: ast.expr) -> bool:
    """A non-empty dict, list, tuple or set literal of at most ten entries."""
    items = value.keys if isinstance(value, ast.Dict) else getattr(value, "elts", None)
    return isinstance(value, ast.Dict | ast.List | ast.Tuple | ast.Set) and 0 < len(items) <= 10  # type: ignore[arg-type]


def _pops_from(test: ast.expr, body: list[ast.stmt]) -> bool:
    """`while targets: target = targets.pop(0)`: a while loop that takes one item per pass."""
    subject = test.left if isinstance(test, ast.Compare) else test  # while len(queue) > 0
    if isinstance(subject, ast.Call) and subject.args:  # while len(queue)
        subject = subject.args[0]
    wanted = ast.dump(subject) if isinstance(subject, ast.Name | ast.Attribute) else None
    if wanted is None:
        return False
    for node in loop_body_nodes(body):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in {"pop", "popleft", "popitem", "get_nowait"}
            and ast.dump(node.func.value) == wanted
        ):
            return True
    return False
