"""security: bandit's tests, run in-process on the already-parsed tree of each changed file.

No subprocess, no temporary files, no second parse: prguard drives bandit's own node
visitor (`BanditNodeVisitor`) and test set (`BanditTestSet`, built once per process) over
the tree the engine parsed. Bandit's `# nosec` handling is switched off here; the engine
applies `# nosec` itself so that every suppression used is recorded with its reason.

Policy (`analyzers.security`): `enabled`, `min_severity`, `min_confidence`, `ignore` (bandit
test ids such as B101, or test names such as assert_used) and `ignore_in` (the same, only in
files matching path globs: by default B101 in test files).
"""

from __future__ import annotations

import ast
import io
import posixpath
import re
import threading
from collections.abc import Callable, Iterator
from functools import lru_cache
from typing import Any

from prguard.analyzers.asttools import assignment_of, is_name, nodes_of
from prguard.analyzers.base import Analyzer, FileContext, SourceFile, node_fields
from prguard.analyzers.pyresolve import Resolver
from prguard.analyzers.removed_guards import revive_in
from prguard.analyzers.testpaths import is_test_path
from prguard.analyzers.vuln_rules import VulnChecker
from prguard.analyzers.vuln_rules.archives import SAX_GENERAL_ENTITIES, sax_feature
from prguard.analyzers.vuln_rules.hash_purpose import fingerprint_only
from prguard.analyzers.vuln_rules.own_files import OwnFiles
from prguard.engine.globs import matches_any
from prguard.engine.model import Confidence, Finding, Severity, make_fingerprint, normalise_code

_SEVERITY = {
    "HIGH": Severity.HIGH,
    "MEDIUM": Severity.MEDIUM,
    "LOW": Severity.LOW,
    "UNDEFINED": Severity.INFO,
}
_CONFIDENCE = {"HIGH": Confidence.HIGH, "MEDIUM": Confidence.MEDIUM, "LOW": Confidence.LOW}
_QUOTE_MAX = 80
_TEST_ID = re.compile(r"^[Bb]\d{3}$")
_LOCK = threading.Lock()  # bandit's visitor temporarily edits nodes (utils.linerange); one file at a time


@lru_cache(maxsize=1)
def _bandit() -> tuple[Any, type]:
    """Bandit's full test set and our visitor class, built once per process.

    Every test is loaded; policy `ignore` filters results instead, because bandit keeps
    the blacklist's filtered configuration in module globals shared by all test sets.
    """
    import logging

    from prguard.analyzers.bandit_tests import test_set
    from prguard.engine.plugin import installed_entry_points

    # bandit logs a warning per unknown nosec word, and every plugin error with a traceback;
    # prguard reports what matters itself. stevedore, when bandit is already fully imported and
    # loads its plugins, complains about bandit's optional output formatters (sarif).
    logging.getLogger("bandit").setLevel(logging.CRITICAL)
    loader_log = logging.getLogger("stevedore.extension")
    level = loader_log.level
    loader_log.setLevel(logging.CRITICAL)
    try:
        testset = test_set(installed_entry_points())  # without bandit's extension manager
    finally:
        loader_log.setLevel(level)
    from bandit.core import context as b_context
    from bandit.core import metrics as b_metrics
    from bandit.core import node_visitor as b_node_visitor
    from bandit.core import tester as b_tester
    from bandit.core import utils as b_utils
    from bandit.plugins.trojansource import BIDI_CHARACTERS

    file_tests_need_bidi = [t.__name__ for t in testset.tests.get("File", [])] == ["trojansource"]

    # node types bandit does something for: a visit_* method or tests registered for the type
    interesting = frozenset(testset.tests) | {"ClassDef", "FunctionDef", "Call", "Import", "ImportFrom"}
    child_fields: dict[type, tuple[str, ...]] = {}  # node class -> its fields that can hold nodes
    # node classes that can hold no node to test (`Name`, `Load`, `Pass`): not even walked into
    leaves = {kind: not node_fields(kind, with_fieldless=False) for kind in _node_classes()}

    class LeanContext(b_context.Context):
        """bandit's test context, with `is_module_imported_like` answered once per module and
        import count: several tests ask it on every call for each of their modules, and bandit
        scans every import of the file each time. The file's imports only grow during the walk,
        so a count names one state of them."""

        def __init__(self, context_object: dict, imported_like: dict[tuple[str, int], bool]) -> None:
            super().__init__(context_object)
            self._imported_like = imported_like

        def is_module_imported_like(self, module: str) -> bool:
            imports = self._context.get("imports")
            if imports is None:
                return False
            key = (module, len(imports))
            found = self._imported_like.get(key)
            if found is None:
                found = self._imported_like[key] = any(module in name for name in imports)
            return found

    class LeanTester(b_tester.BanditTester):
        """Runs bandit's tests on one node: what bandit does, minus what prguard never reads."""

        def __init__(self, *args: Any) -> None:
            super().__init__(*args)
            self.imported_like: dict[tuple[str, int], bool] = {}  # for LeanContext, per file

        def run_tests(self, raw_context: dict, checktype: str) -> dict:
            """bandit's `BanditTester.run_tests` minus what prguard switches off or never reads:
            nosec look-ups (the engine applies nosec), severity scores and debug logging. The
            tests share one copy of the context (bandit copies it per test, but no test writes
            to it: they read it through `Context` properties), and results are completed the
            same way.
            """
            temp_context = raw_context.copy()
            context = LeanContext(temp_context, self.imported_like)
            for test in self.testset.get_tests(checktype):
                try:
                    config = getattr(test, "_config", _NO_CONFIG)
                    result = test(context) if config is _NO_CONFIG else test(context, config)
                    if result is None:
                        continue
                    filename = temp_context["filename"]
                    result.fname = filename.decode("utf-8") if isinstance(filename, bytes) else filename
                    result.fdata = temp_context["file_data"]
                    if result.lineno is None:
                        result.lineno = temp_context["lineno"]
                    if result.linerange == []:
                        result.linerange = temp_context["linerange"]
                    if result.col_offset == -1:
                        result.col_offset = temp_context["col_offset"]
                    result.end_col_offset = temp_context.get("end_col_offset", 0)
                    result.test = test.__name__
                    if result.test_id == "":
                        result.test_id = test._test_id
                    self.results.append(result)
                except Exception as error:
                    self.report_error(test.__name__, context, error)
            return {}

    class InMemoryVisitor(b_node_visitor.BanditNodeVisitor):
        """Bandit's visitor on a tree we already have, remembering the scope and node of each issue.

        The traversal is bandit's (`generic_visit`, `pre_visit`, `visit`, `post_visit`) minus its
        per-node debug logging, and it skips the nodes bandit has nothing to run on (names,
        operators, numbers ...); the tests see exactly the contexts bandit builds. Bandit links
        every node to its parent and next sibling; tests only follow those links upwards from
        the node they run on, so here only that node and its ancestors are linked, when a test
        is about to run (a fraction of the nodes).
        """

        def __init__(self, path: str, data: bytes) -> None:
            # a rooted bare name keeps bandit from probing the file system for packages
            super().__init__("/" + posixpath.basename(path), io.BytesIO(data), None, testset, False, {}, None)
            self.fname = path
            self.namespace = ""
            self.metrics = b_metrics.Metrics()
            # nosec is the engine's job (it records every suppression used): no look-ups
            self.tester = LeanTester(testset, False, {}, self.metrics)
            self._tagged = 0
            self._linked: list[ast.AST] = []
            self._path: list[tuple[ast.AST, ast.AST, ast.AST | None]] = []  # (node, parent, sibling)
            self._linked_depth = 0  # the first entries of `_path` already carry their links

        def update_scores(self, scores: dict) -> None:
            # called right after every batch of tests: tag the issues it produced
            results = self.tester.results
            for issue in results[self._tagged :]:
                issue._prguard_scope = self.namespace.strip(".")
                issue._prguard_node = self.context.get("node")
            self._tagged = len(results)

        def pre_visit(self, node: ast.AST) -> bool:
            lineno = getattr(node, "lineno", None)
            context = {"imports": self.imports, "import_aliases": self.import_aliases}
            if lineno is not None:
                context["lineno"] = lineno
                context["col_offset"] = node.col_offset
                context["end_col_offset"] = node.end_col_offset
                context["linerange"] = range(lineno, (node.end_lineno or lineno) + 1)
            else:
                context["linerange"] = b_utils.linerange(node)
            context["node"] = node
            context["filename"] = self.fname
            context["file_data"] = self.fdata
            self.context = context
            return True

        def generic_visit(self, node: ast.AST) -> None:
            fields = child_fields.get(type(node))
            if fields is None:
                fields = child_fields[type(node)] = node_fields(type(node), with_fieldless=False)
            for field in fields:
                value = getattr(node, field, None)
                if isinstance(value, list):
                    last = len(value) - 1
                    for index, item in enumerate(value):
                        if isinstance(item, ast.AST):
                            self._visit_child(item, node, value[index + 1] if index < last else None)
                elif isinstance(value, ast.AST):
                    self._visit_child(value, node, None)

        def _link_path(self) -> None:
            """Give the node about to be tested and its ancestors bandit's parent/sibling links."""
            for node, parent, sibling in self._path[self._linked_depth :]:
                node._bandit_parent = parent
                node._bandit_sibling = sibling
                self._linked.append(node)
            self._linked_depth = len(self._path)

        def unlink(self) -> None:
            """Remove the parent/sibling links bandit's tests needed: they make the shared tree a
            reference cycle, which the engine (garbage collector paused) could not free."""
            for node in self._linked:
                links = node.__dict__
                links.pop("_bandit_parent", None)
                links.pop("_bandit_sibling", None)
            self._linked = []

        def _visit_child(self, node: ast.AST, parent: ast.AST, sibling: ast.AST | None) -> None:
            kind = type(node)
            name = kind.__name__
            tested = name in interesting or (name == "Constant" and isinstance(node.value, str | bytes))
            if not tested and leaves.get(kind, False):
                return  # Load, Add, a name, a number ...: no tests and nothing under it to test
            path = self._path
            path.append((node, parent, sibling))
            if tested:
                self._link_path()
                self.pre_visit(node)
                self.visit(node)
                self.generic_visit(node)
                if name == "FunctionDef" or name == "ClassDef":
                    self.namespace = b_utils.namespace_path_split(self.namespace)[0]
            else:
                self.generic_visit(node)
            path.pop()
            if self._linked_depth > len(path):
                self._linked_depth = len(path)

        def run(self, tree: ast.Module, text: str) -> list:
            self.generic_visit(tree)
            if file_tests_need_bidi and not any(char in text for char in BIDI_CHARACTERS):
                return self.tester.results  # the only whole-file test looks for these characters
            self.context = {
                "file_data": self.fdata,
                "filename": self.fname,
                "lineno": 0,
                "linerange": [0, 1],
                "col_offset": 0,
            }
            self.update_scores(self.tester.run_tests(self.context, "File"))
            return self.tester.results

    return testset, InMemoryVisitor


_NO_CONFIG = object()


def _node_classes() -> set[type[ast.AST]]:
    """Every concrete node class of the running Python's grammar."""
    found: set[type[ast.AST]] = set()
    todo = [ast.AST]
    while todo:
        kind = todo.pop()
        for sub in kind.__subclasses__():
            if sub not in found:
                found.add(sub)
                todo.append(sub)
    return found


class SecurityAnalyzer(Analyzer):
    """Bandit findings with severity, confidence, CWE and precise columns."""

    name = "security"
    languages = frozenset({"python"})
    compare_with_base = True
    order = 10
    precedence = 40  # a pattern match: taint, instrumentation and rules findings say more
    report_order = 10

    def revive_existing(self, findings: list[Finding], ctx: FileContext) -> list[Finding]:
        """Findings the engine would drop as pre-existing or unchanged whose guard the change
        removed (removed_guards): reported again, naming the removed guard."""
        return revive_in(findings, ctx)

    def analyze_file(self, ctx: FileContext) -> Iterator[Finding]:
        _, visitor_class = _bandit()
        settings = _Settings.from_policy(ctx.settings).for_path(ctx.path)
        data = ctx.head.text.encode("utf-8")
        with _LOCK:
            visitor = visitor_class(ctx.path, data)
            try:
                issues = visitor.run(ctx.head.tree, ctx.head.text)
            finally:
                visitor.unlink()
        byte_lines = data.splitlines()
        reported: set[tuple[int, int | None]] = set()
        for issue in issues:
            if settings.accepts(issue) and not _misread_name(issue, ctx.head):
                finding = _finding(issue, ctx, byte_lines)
                if finding.severity is Severity.LOW and not finding.severity.at_least(settings.min_severity):
                    continue  # demoted below the policy's floor (a stdlib XML parser)
                reported.add((finding.start_line, finding.cwe))
                yield finding
        yield from _vuln_findings(ctx, settings, reported)


class _Settings:
    def __init__(
        self,
        min_severity: Severity,
        min_confidence: Confidence,
        ignore: frozenset[str],
        ignore_in: tuple[tuple[tuple[str, ...], frozenset[str]], ...] = (),
    ) -> None:
        self.min_severity = min_severity
        self.min_confidence = min_confidence
        self.ignore = ignore
        self.ignore_in = ignore_in  # (path globs, test ids ignored in matching files)

    @classmethod
    def from_policy(cls, settings: dict[str, Any]) -> _Settings:
        try:
            severity = Severity(str(settings.get("min_severity", "low")).lower())
        except ValueError:
            severity = Severity.LOW
        try:
            confidence = Confidence(str(settings.get("min_confidence", "medium")).lower())
        except ValueError:
            confidence = Confidence.MEDIUM
        ignore_in = tuple(
            (tuple(str(p) for p in entry.get("paths", ())), _test_ids(entry.get("rules", ())))
            for entry in settings.get("ignore_in", ()) or ()
            if isinstance(entry, dict)
        )
        return cls(severity, confidence, _test_ids(settings.get("ignore", ())), ignore_in)

    def for_path(self, path: str) -> _Settings:
        """These settings with the `ignore_in` entries whose globs match `path` added to `ignore`."""
        extra = frozenset().union(*(rules for globs, rules in self.ignore_in if matches_any(path, globs)))
        if not extra:
            return self
        return _Settings(self.min_severity, self.min_confidence, self.ignore | extra)

    def accepts(self, issue: Any) -> bool:
        names = (issue.test_id.upper(), issue.test, getattr(issue, "ident", None))
        if any(name in self.ignore for name in names if name):
            return False
        severity = _SEVERITY.get(issue.severity, Severity.INFO)
        confidence = _CONFIDENCE.get(issue.confidence, Confidence.LOW)
        return severity.at_least(self.min_severity) and confidence.at_least(self.min_confidence)


#: PG-VULN rules about deployed behaviour (timing, cookie flags) or deployed secrets (fixed keys,
#: IVs and salts, few iterations, short keys or fast password hashes that keep tests fast, fixtures
#: saved as pickles and queues set to pickle to test it): not reported in test code.
NOT_IN_TESTS = frozenset(
    {
        "PG-VULN004",
        "PG-VULN006",
        "PG-VULN007",
        "PG-VULN011",
        "PG-VULN012",
        "PG-VULN013",
        "PG-VULN014",
        "PG-VULN015",
        "PG-VULN018",
        "PG-VULN023",
        "PG-VULN024",
        "PG-VULN035",
    }
)


def _vuln_findings(
    ctx: FileContext, settings: _Settings, reported: set[tuple[int, int | None]]
) -> Iterator[Finding]:
    """prguard's own PG-VULN rules on the same tree (vuln_rules), minus what bandit already said."""
    module = ctx.path.removesuffix(".py").replace("/", ".").removesuffix(".__init__")
    in_tests = is_test_path(ctx.path)
    for hit in VulnChecker(ctx.head.tree, module, Resolver.of_source(ctx.head)).run():
        rule = hit.rule
        if in_tests and rule.id in NOT_IN_TESTS:
            continue  # test doubles compare fake secrets and set fake cookies
        node = hit.node
        line = getattr(node, "lineno", 1)
        if rule.id in settings.ignore or (line, rule.cwe) in reported:
            continue
        severity = Severity(hit.severity or rule.severity)
        message = f"{hit.detail}: {rule.title}. {rule.fix}"
        lowered = _read_as_harmless(rule.id, node, ctx.head)
        if lowered:
            severity, message = Severity.LOW, f"{message} {lowered}"
        if not severity.at_least(settings.min_severity):
            continue
        end = getattr(node, "end_lineno", None) or line
        snippet = "\n".join(ctx.head.lines[line - 1 : end])
        yield Finding(
            rule_id=rule.id,
            analyzer="security",
            severity=severity,
            confidence=Confidence.MEDIUM,
            path=ctx.path,
            start_line=line,
            end_line=end,
            message=message,
            fingerprint=make_fingerprint(rule.id, ctx.path, snippet, ""),
            cwe=rule.cwe,
            title=rule.title[0].upper() + rule.title[1:],
            start_column=getattr(node, "col_offset", 0) + 1,
        )


def _test_ids(values: Any) -> frozenset[str]:
    """Bandit test ids upper-cased (b101 → B101); test names (assert_used) kept as written."""
    names = (str(v) for v in values or ())
    return frozenset(n.upper() if _TEST_ID.match(n) else n for n in names)


#: Bandit tests whose CWE is not MITRE's entry for the weakness they find (audited against
#: cwe.mitre.org; pinned by tests/unit/test_security_cwe.py): eval/exec are code injection
#: (95, bandit says 78), lxml's XML parsers are XXE (611, bandit says 20) and Python's own are
#: entity expansion (776), yaml.load/pickle are deserialisation of untrusted data (502),
#: mark_safe and autoescape=False are XSS (79, bandit says 80 and 94), urlopen with any scheme is a
#: request to a caller-chosen URL (918, bandit 22).
CWE_BY_TEST: dict[str, int] = {
    "B307": 95,
    "B102": 95,
    "B506": 502,
    "B301": 502,
    "B302": 502,
    "B308": 79,
    "B703": 79,
    "B701": 79,
    "B310": 918,
    # Python's own parsers: entity expansion, not external entities (see STDLIB_XML_TESTS); lxml's: XXE
    **{f"B{n}": 776 for n in range(313, 320)},
    "B320": 611,
    **{f"B{n}": 776 for n in range(405, 410)},
    "B410": 611,
    "B411": 776,
}

#: Bandit tests that also fire on the recommended, safe form of an API; there they are
#: informational (`_safe_form`), elsewhere they keep bandit's severity.
SAFE_FORM_TESTS = frozenset({"B603", "B317", "B411"})

#: Bandit's tests of Python's own expat-based XML parsers (ElementTree, minidom, pulldom, SAX,
#: xmlrpc). These parsers load no external entities (SAX since Python 3.7.1, unless a feature
#: turns them on: `PG-VULN002`), so what is left is an entity-expansion bomb where the linked
#: expat is older than 2.6.0: low, filed as XML entity expansion (CWE-776), not XXE.
STDLIB_XML_TESTS = frozenset({"B313", "B314", "B315", "B316", "B317", "B318", "B319", "B411"})
EXPANSION_NOTE = (
    "Python's own XML parsers load no external entities; with an expat older than 2.6.0 a "
    "document's nested entities can still exhaust memory (defusedxml refuses them)."
)

#: weak digests bandit and prguard report for any data (B324; PG-VULN029 by a name kept in a
#: variable): low where nothing around them names a secret or an authentication (hash_purpose)
FINGERPRINT_TESTS = frozenset({"B324", "PG-VULN029"})
FINGERPRINT_NOTE = (
    "Nothing around it names a password, secret, token or signature, so it reads as a fingerprint "
    "(a cache key, file name or ETag); if it protects anything, use SHA-256 or a password hash."
)

#: pickle loads (bandit's B301, prguard's PG-VULN023 for joblib and torch): low where they read
#: back a file the same module dumps a pickle to (own_files)
OWN_FILE_TESTS = frozenset({"B301", "PG-VULN023"})


def _read_as_harmless(rule_id: str, node: ast.AST, source: SourceFile) -> str | None:
    """Why a weak digest or a pickle load is low here (a fingerprint; the module's own file), or
    None: it keeps its severity."""
    if rule_id in FINGERPRINT_TESTS and fingerprint_only(node, Resolver.of_source(source)):
        return FINGERPRINT_NOTE
    if rule_id in OWN_FILE_TESTS and (path := OwnFiles.of_source(source).written_here(node)):
        return (
            f"It reads back `{path}`, which this module writes with a dump of its own, not data a "
            "client sends; keep that file where no one else can write."
        )
    return None


_XMLRPC_DEFUSERS = frozenset({"defusedxml.xmlrpc.monkey_patch"})


def _safe_form(test_id: str, node: ast.AST | None, source: SourceFile | None = None) -> bool:
    """`subprocess.run(["git", "status", arg])` (a list with a constant program, no shell) is
    the form bandit recommends instead of `shell=True`; a SAX parser whose external entities
    are switched off (`parser.setFeature(feature_external_ges, False)`) is the hardened one; an
    `xmlrpc` import in a module that calls `defusedxml.xmlrpc.monkey_patch()` is defused, as
    bandit's own advice for B411 says."""
    if test_id == "B317":
        return source is not None and isinstance(node, ast.Call) and _hardened_sax_parser(node, source)
    if test_id == "B411":
        return source is not None and _defuses_xmlrpc(source)
    if not isinstance(node, ast.Call) or not node.args:
        return False
    command = node.args[0]
    if not isinstance(command, ast.List | ast.Tuple) or not command.elts:
        return False
    program = command.elts[0]
    return isinstance(program, ast.Constant) and isinstance(program.value, str)


def _misread_name(issue: Any, source: SourceFile) -> bool:
    """bandit matched a call by a name a function binds itself (`def f(os): os.system(x)`):
    not the module function it tests for."""
    node = getattr(issue, "_prguard_node", None)
    return isinstance(node, ast.Call) and Resolver.of_source(source).rebinds_import(node.func)


def _defuses_xmlrpc(source: SourceFile) -> bool:
    """The module's top level calls `defusedxml.xmlrpc.monkey_patch()`."""
    resolver = Resolver.of_source(source)
    return any(
        isinstance(stmt, ast.Expr)
        and isinstance(stmt.value, ast.Call)
        and resolver.qualname(stmt.value.func) in _XMLRPC_DEFUSERS
        for stmt in source.tree.body
    )


def _hardened_sax_parser(call: ast.Call, source: SourceFile) -> bool:
    """`parser = make_parser()` whose general external entities the module turns off on that name
    (and never turns on again with a constant)."""
    switched = _sax_entity_switches(call, source)
    return bool(switched) and not any(switched)


def _opens_sax_entities(test_id: str, node: ast.AST | None, source: SourceFile) -> bool:
    """`parser = make_parser()` whose general external entities the module turns on: the one
    stdlib parser that then loads them, an XXE (B317 keeps bandit's severity and CWE)."""
    return test_id == "B317" and isinstance(node, ast.Call) and any(_sax_entity_switches(node, source))


def _sax_entity_switches(call: ast.Call, source: SourceFile) -> list[bool]:
    """The constant values the module sets the general-external-entities feature to on the name
    `call` (a `make_parser()`) is assigned to."""
    tree = source.tree
    assigned = assignment_of(tree, call)
    targets = assigned.targets if assigned is not None else []
    if len(targets) != 1 or not isinstance(targets[0], ast.Name):
        return []
    resolver = Resolver.of_source(source)
    switched = [
        c.args[1].value  # type: ignore[attr-defined]
        for c in nodes_of(tree, ast.Call)
        if isinstance(c.func, ast.Attribute)  # type: ignore[attr-defined]
        and c.func.attr == "setFeature"  # type: ignore[attr-defined]
        and is_name(c.func.value, targets[0].id)  # type: ignore[attr-defined]
        and len(c.args) == 2  # type: ignore[attr-defined]
        and isinstance(c.args[1], ast.Constant)  # type: ignore[attr-defined]
        and sax_feature(resolver, c.args[0]) in SAX_GENERAL_ENTITIES  # type: ignore[attr-defined]
    ]
    return [bool(value) for value in switched]


def _finding(issue: Any, ctx: FileContext, byte_lines: list[bytes]) -> Finding:
    node = getattr(issue, "_prguard_node", None)
    start, start_col, end, end_col = _position(issue, node, byte_lines)
    snippet = _segment(byte_lines, start, start_col, end, end_col)
    # the lines bandit gives the issue may reach further than the node it flagged (a part of a
    # multi-line f-string flagged for its SQL: the whole string), and a `# nosec` on any of
    # them silences it, as in bandit; the snippet (and so the fingerprint) stays the node's
    last, last_col = end, end_col
    reach = max(issue.linerange or (end,))
    compound = isinstance(getattr(node, "body", None), list)
    if node is not None and not compound and end < reach <= len(byte_lines):
        last, last_col = reach, None
    scope = getattr(issue, "_prguard_scope", "")
    cwe = CWE_BY_TEST.get(issue.test_id, issue.cwe.id or None)
    quote = _quote(snippet)
    severity = _SEVERITY.get(issue.severity, Severity.INFO)
    message = f"{quote}: {issue.text.rstrip('.')}." if quote else issue.text
    if issue.test_id in SAFE_FORM_TESTS and _safe_form(issue.test_id, node, ctx.head):
        severity = Severity.INFO
    elif _opens_sax_entities(issue.test_id, node, ctx.head):
        cwe = 611
    elif issue.test_id in STDLIB_XML_TESTS:
        severity = severity if not severity.at_least(Severity.LOW) else Severity.LOW
        message = f"{quote}: {EXPANSION_NOTE}" if quote else EXPANSION_NOTE
    elif node is not None and (lowered := _read_as_harmless(issue.test_id, node, ctx.head)):
        severity, message = Severity.LOW, f"{message} {lowered}"
    return Finding(
        rule_id=issue.test_id,
        analyzer="security",
        severity=severity,
        confidence=_CONFIDENCE.get(issue.confidence, Confidence.LOW),
        path=ctx.path,
        start_line=start,
        end_line=last,
        message=message,
        fingerprint=make_fingerprint(issue.test_id, ctx.path, snippet, scope),
        cwe=cwe,
        suggestion=_suggest(issue.test_id, node, byte_lines, start, end),
        title=issue.test,
        start_column=_char_column(byte_lines, start, start_col),
        end_column=_char_column(byte_lines, last, last_col) if last_col is not None else None,
    )


def _position(
    issue: Any, node: ast.AST | None, byte_lines: list[bytes]
) -> tuple[int, int | None, int, int | None]:
    """(start line, start byte offset, end line, end byte offset) of what bandit flagged.

    The node's own extent when bandit anchored the issue on it; a compound statement
    (a `def` flagged for a default password) is anchored on its header only.
    """
    line = max(1, issue.lineno or 1)
    line = min(line, max(1, len(byte_lines)))
    if node is None or getattr(node, "lineno", None) != issue.lineno:
        return line, None, line, None
    end = getattr(node, "end_lineno", None) or line
    end_col = getattr(node, "end_col_offset", None)
    body = getattr(node, "body", None)
    if isinstance(body, list) and body and isinstance(body[0], ast.AST):
        end = max(line, body[0].lineno - 1)
        end_col = None
    return line, node.col_offset, end, end_col


def _segment(
    byte_lines: list[bytes], start: int, start_col: int | None, end: int, end_col: int | None
) -> str:
    lines = byte_lines[start - 1 : end]
    if not lines:
        return ""
    if start_col is not None and end_col is not None:
        if start == end:
            lines = [lines[0][start_col:end_col]]
        else:
            lines = [lines[0][start_col:], *lines[1:-1], lines[-1][:end_col]]
    return b"\n".join(lines).decode("utf-8", "replace")


def _char_column(byte_lines: list[bytes], line: int, byte_offset: int | None) -> int | None:
    """Bandit/ast give 0-based UTF-8 byte offsets; findings carry 1-based character columns."""
    if byte_offset is None or not 1 <= line <= len(byte_lines):
        return None
    return len(byte_lines[line - 1][:byte_offset].decode("utf-8", "ignore")) + 1


def _quote(snippet: str) -> str:
    text = normalise_code(snippet)
    if not text:
        return ""
    if len(text) > _QUOTE_MAX:
        text = text[: _QUOTE_MAX - 1].rstrip() + "…"
    fence = "``" if "`" in text else "`"
    pad = " " if fence == "``" else ""
    return f"{fence}{pad}{text}{pad}{fence}"


# --- mechanical fixes: test id -> rewrite of the flagged call's single line ----------------------

_YAML_LOAD = re.compile(r"\byaml\.load\(")


def _fix_yaml_load(call: ast.Call, line: str) -> str | None:
    if any(k.arg == "Loader" for k in call.keywords) or len(call.args) != 1:
        return None
    return _YAML_LOAD.sub("yaml.safe_load(", line, count=1) if _YAML_LOAD.search(line) else None


def _fix_verify_false(call: ast.Call, line: str) -> str | None:
    return line.replace("verify=False", "verify=True", 1) if line.count("verify=False") == 1 else None


def _fix_missing_timeout(call: ast.Call, line: str) -> str | None:
    if call.end_col_offset is None or any(k.arg is None for k in call.keywords):
        return None
    raw = line.encode("utf-8")
    closing = call.end_col_offset - 1
    if raw[closing : closing + 1] != b")":
        return None
    separator = ", " if (call.args or call.keywords) else ""
    return (raw[:closing] + f"{separator}timeout=10".encode() + raw[closing:]).decode("utf-8")


SUGGESTIONS: dict[str, Callable[[ast.Call, str], str | None]] = {
    "B506": _fix_yaml_load,  # yaml.load → yaml.safe_load
    "B501": _fix_verify_false,  # requests(..., verify=False) → verify=True
    "B113": _fix_missing_timeout,  # requests.get(url) → requests.get(url, timeout=10)
}


def _suggest(test_id: str, node: ast.AST | None, byte_lines: list[bytes], start: int, end: int) -> str | None:
    """Replacement text for the flagged line when the fix is mechanical and the call fits on one line."""
    fix = SUGGESTIONS.get(test_id)
    if fix is None or not isinstance(node, ast.Call) or start != end or node.end_lineno != node.lineno:
        return None
    line = byte_lines[start - 1].decode("utf-8", "replace")
    fixed = fix(node, line)
    return fixed if fixed and fixed != line else None
