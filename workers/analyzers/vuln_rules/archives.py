"""Archive member names used as paths, XML parsers that expand entities."""

from __future__ import annotations

import ast
from collections import deque
from collections.abc import Iterator

from prguard.analyzers.asttools import assignment_of, const_str, keyword_value, nodes_of
from prguard.analyzers.pyresolve import Resolver
from prguard.analyzers.pyresolve.known import PATH_CLASSES
from prguard.analyzers.vuln_rules.shapes import CheckerBase, falsy, truthy

_TAR_TYPES = ("tarfile.TarFile",)

_ARCHIVE_MEMBER_TYPES = ("tarfile.TarInfo", "zipfile.ZipInfo")

_MEMBER_NAME_ATTRS = frozenset({"name", "filename", "path", "orig_filename"})

_NAME_LISTS = frozenset({"namelist", "getnames"})

#: a path object's parts that hold no folder: `Path(info.filename).name` is the member's last part
_LAST_PARTS = frozenset({"name", "stem", "suffix", "suffixes"})

PATH_CALLS = frozenset(
    {
        "open",
        "io.open",
        "os.path.join",
        "posixpath.join",
        "os.makedirs",
        "os.mkdir",
        "shutil.copyfileobj",
        "pathlib.Path",
        "builtins.open",
    }
)

_CONFINING = frozenset({"os.path.commonpath", "os.path.realpath", "os.path.abspath"})
#: calls that read a path's text and touch no file
_PATH_QUERIES = frozenset({"os.path.basename", "os.path.dirname", "os.path.splitext", "os.path.normpath"})
#: Django's file objects: a call handing one beside a name is a storage's (or a file field's)
#: `save(name, content)`, which refuses `..` parts and absolute names before it writes
_DJANGO_FILES = frozenset(
    {"django.core.files.base.ContentFile", "django.core.files.base.File", "django.core.files.File"}
)

#: lxml's parsers, and `iterparse`, which takes their options itself
XML_PARSERS = frozenset(
    {"lxml.etree.XMLParser", "lxml.etree.XMLPullParser", "lxml.etree.XMLTreeBuilder", "lxml.etree.iterparse"}
)

#: SAX features that load external entities: general ones (text), then parameter ones (DTDs)
SAX_GENERAL_ENTITIES = frozenset(
    {"xml.sax.handler.feature_external_ges", "http://xml.org/sax/features/external-general-entities"}
)
SAX_FEATURES = SAX_GENERAL_ENTITIES | {
    "xml.sax.handler.feature_external_pes",
    "http://xml.org/sax/features/external-parameter-entities",
}


def sax_feature(resolver: Resolver, argument: ast.expr) -> str:
    """The feature a `setFeature` call names: `feature_external_ges` imported, or its URL."""
    return resolver.qualname(argument) or const_str(argument) or ""


def parser_problem(node: ast.Call) -> str | None:
    resolve = keyword_value(node, "resolve_entities")
    network = keyword_value(node, "no_network")
    if resolve is not None and truthy(resolve):
        return "XMLParser(resolve_entities=True)"
    if network is not None and falsy(network):
        return "XMLParser(no_network=False)"
    for flag in ("load_dtd", "dtd_validation", "attribute_defaults"):
        value = keyword_value(node, flag)
        if value is not None and truthy(value) and not (resolve is not None and falsy(resolve)):
            return f"XMLParser({flag}=True) without resolve_entities=False"
    return None


class ArchiveChecks(CheckerBase):
    """PG-VULN001 (archive member names as paths) and PG-VULN002 (XML parsers that expand entities)."""

    def _is_tar(self, node: ast.Call, names: tuple[str, ...]) -> bool:
        if any(n.startswith(f"{t}.") for n in names for t in _TAR_TYPES):
            return True
        receiver = node.func.value if isinstance(node.func, ast.Attribute) else None
        if receiver is None:
            return False
        if isinstance(receiver, ast.Call):
            return (self.resolver.qualname(receiver.func) or "") == "tarfile.open"
        return self.resolver.type_of(receiver) is None and self.resolver.imports_package("tarfile")

    def _member_name(self, call: ast.Call) -> str | None:
        """The text of an argument that is an archive member's own name (`info.filename`, a
        `namelist()` entry), or None. A name cut down to its last part first
        (`os.path.basename(info.filename)`, `Path(info.filename).name`) names no folder."""
        if self._last_part_taken(call):
            return None
        for arg in call.args:
            for sub in self._outside_last_parts(arg):
                if isinstance(sub, ast.Attribute) and sub.attr in _MEMBER_NAME_ATTRS:
                    owner = self.resolver.type_of(sub.value)
                    if owner in _ARCHIVE_MEMBER_TYPES:
                        return ast.unparse(sub)
                if isinstance(sub, ast.Name) and self._from_name_list(sub):
                    return sub.id
        return None

    def _last_part_taken(self, call: ast.Call) -> bool:
        """`Path(name)` whose only use here is its last part: `Path(info.filename).name`."""
        if (self.resolver.qualname(call.func) or "") not in PATH_CLASSES:
            return False
        return any(
            node.value is call and node.attr in _LAST_PARTS
            for node in nodes_of(self.tree, ast.Attribute)  # type: ignore[attr-defined]
        )

    def _outside_last_parts(self, node: ast.expr) -> Iterator[ast.AST]:
        """The nodes under `node` in `ast.walk` order, minus those inside `os.path.basename(...)` and
        `Path(...).name`."""
        todo: deque[ast.AST] = deque([node])
        while todo:
            current = todo.popleft()
            if (
                isinstance(current, ast.Call)
                and (self.resolver.qualname(current.func) or "") == "os.path.basename"
            ):
                continue
            if (
                isinstance(current, ast.Attribute)
                and current.attr in _LAST_PARTS
                and isinstance(current.value, ast.Call)
                and (self.resolver.qualname(current.value.func) or "") in PATH_CLASSES
            ):
                continue
            yield current
            todo.extend(ast.iter_child_nodes(current))

    def _from_name_list(self, name: ast.Name) -> bool:
        """`for n in archive.namelist()` / `getnames()`: n is a member name."""
        scope = self.resolver.scope_of(name)
        body = scope.body if scope is not None else self.tree.body
        for node in ast.walk(ast.Module(body=body, type_ignores=[])):
            if (
                isinstance(node, ast.For)
                and isinstance(node.target, ast.Name)
                and node.target.id == name.id
                and isinstance(node.iter, ast.Call)
                and isinstance(node.iter.func, ast.Attribute)
                and node.iter.func.attr in _NAME_LISTS
            ):
                return True
        return False

    def _saved_by_storage(self, join: ast.Call) -> bool:
        """`dest = os.path.join(root, member)` used only as the name a Django storage saves
        content under (`storage.save(dest, ContentFile(data))`, also handed to an executor):
        the storage refuses names that leave its root, whatever the archive says."""
        function = self.resolver.scope_of(join)
        if function is None:
            return False
        assignment = assignment_of(function, join)
        if (
            assignment is None
            or len(assignment.targets) != 1
            or not isinstance(assignment.targets[0], ast.Name)
        ):
            return False
        name = assignment.targets[0].id
        uses = [n for n in nodes_of(function, ast.Name) if n.id == name and isinstance(n.ctx, ast.Load)]
        calls = [c for c in nodes_of(function, ast.Call) if any(a in uses for a in c.args)]
        if sum(len([a for a in c.args if a in uses]) for c in calls) != len(uses):
            return False  # also kept, returned or changed: followed no further
        saves = [c for c in calls if any(self._django_file(a) for a in c.args)]
        queries = [c for c in calls if (self.resolver.qualname(c.func) or "") in _PATH_QUERIES]
        return bool(saves) and len(saves) + len(queries) == len(calls)

    def _django_file(self, node: ast.expr) -> bool:
        return isinstance(node, ast.Call) and self.resolver.qualname(node.func) in _DJANGO_FILES

    def _confined(self, call: ast.Call) -> bool:
        """The function checks resolved paths against a base (commonpath / realpath + startswith)."""
        scope = self.resolver.scope_of(call)
        body = scope.body if scope is not None else self.tree.body
        resolved = checked = False
        for node in ast.walk(ast.Module(body=body, type_ignores=[])):
            if isinstance(node, ast.Call):
                qual = self.resolver.qualname(node.func) or ""
                if qual in _CONFINING:
                    resolved = True
                if isinstance(node.func, ast.Attribute) and node.func.attr in (
                    "startswith",
                    "is_relative_to",
                ):
                    checked = True
                if qual == "os.path.commonpath":
                    checked = True
                if isinstance(node.func, ast.Attribute) and node.func.attr == "resolve":
                    resolved = True
        return resolved and checked
