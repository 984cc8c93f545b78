"""Predictable paths in the shared temporary directory (PG-VULN027); static files served from the
filesystem root (PG-VULN033)."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from prguard.analyzers.asttools import const_str, keyword_value
from prguard.analyzers.pyresolve.known import PATH_CLASSES, PATH_SEPARATORS
from prguard.analyzers.vuln_rules.shapes import CheckerBase, VulnHit, short
from prguard.analyzers.vuln_rules.table import RULES

_TEMP_DIRS = frozenset({"tempfile.gettempdir", "tempfile.gettempdirb"})
_JOINS = frozenset({"os.path.join", "posixpath.join"})
_PATHS = frozenset({"pathlib.Path", "pathlib.PurePath", "pathlib.PosixPath"})


class PathChecks(CheckerBase):
    """A fixed name in the temporary directory every user of the machine can write to."""

    def _temp_path(self, node: ast.Call, qual: str) -> Iterator[VulnHit]:
        """`os.path.join(tempfile.gettempdir(), "app.lock")`: another local user can create that
        name first, as a symlink to a file of yours, and the program writes through it."""
        parts = node.args[1:]
        if qual in _JOINS and parts and self._temp_dir(node.args[0]) and all(const_str(p) for p in parts):
            yield VulnHit(
                RULES["PG-VULN027"], node, f"{qual}(tempfile.gettempdir(), {const_str(parts[0])!r})"
            )

    def _temp_path_operator(self, node: ast.BinOp) -> Iterator[VulnHit]:
        """`Path(tempfile.gettempdir()) / "app.lock"`."""
        if not (isinstance(node.op, ast.Div) and const_str(node.right)):
            return
        left = node.left
        if (
            isinstance(left, ast.Call)
            and (self.resolver.qualname(left.func) or "") in _PATHS
            and left.args
            and self._temp_dir(left.args[0])
        ):
            yield VulnHit(
                RULES["PG-VULN027"], node, f"Path(tempfile.gettempdir()) / {const_str(node.right)!r}"
            )

    def _temp_dir(self, node: ast.expr) -> bool:
        return isinstance(node, ast.Call) and (self.resolver.qualname(node.func) or "") in _TEMP_DIRS


#: where each framework takes the folder it serves static files from: (call, keyword, position).
#: `send_from_directory("/", name)` is not among them: its folder is a taint sink, and taint's proof
#: that no request data reaches it drops findings of that weakness on the line.
STATIC_FOLDERS: tuple[tuple[str, str, int | None], ...] = (
    ("tornado.web.Application", "static_path", None),
    ("flask.Flask", "static_folder", None),
    ("flask.Blueprint", "static_folder", None),
    ("quart.Quart", "static_folder", None),
    ("starlette.staticfiles.StaticFiles", "directory", 0),
    ("fastapi.staticfiles.StaticFiles", "directory", 0),
    ("aiohttp.web.static", "path", 1),
    ("aiohttp.web.UrlDispatcher.add_static", "path", 1),
    ("sanic.Sanic.static", "file_or_directory", 1),
)
#: settings keys that name a static folder, in a framework's settings dict (`dict(static_path=...)`)
_STATIC_SETTINGS = {"tornado": "static_path", "django": "document_root", "jupyter_server": "static_path"}


class StaticRootChecks(CheckerBase):
    """A static-file route rooted at `/`: it serves every file the server can read."""

    def _static_root_call(self, node: ast.Call, qual: str) -> Iterator[VulnHit]:
        names = self.resolver.call_names(node) if isinstance(node.func, ast.Attribute) else (qual,)
        for name, keyword, position in STATIC_FOLDERS:
            if name not in names:
                continue
            given = keyword_value(node, keyword)
            if given is None and position is not None and len(node.args) > position:
                given = node.args[position]
            if given is not None and self._filesystem_root(given):
                yield VulnHit(RULES["PG-VULN033"], given, f"{name}({keyword}={short(given)})")
            return
        if qual in ("dict", "builtins.dict"):
            for keyword in node.keywords:
                if self._static_setting(keyword.arg) and self._filesystem_root(keyword.value):
                    yield VulnHit(RULES["PG-VULN033"], keyword.value, f"{keyword.arg}={short(keyword.value)}")

    def _static_root_dict(self, node: ast.Dict) -> Iterator[VulnHit]:
        """`{"static_path": "/"}` in a Tornado settings dict, `{"document_root": "/"}` for Django's
        `static.serve`."""
        for key, value in zip(node.keys, node.values, strict=True):
            setting = const_str(key)
            if self._static_setting(setting) and self._filesystem_root(value):
                yield VulnHit(RULES["PG-VULN033"], value, f"{setting!r}: {short(value)}")

    def _static_setting(self, name: str | None) -> bool:
        return any(
            name == key and self.resolver.imports_package(pkg) for pkg, key in _STATIC_SETTINGS.items()
        )

    def _filesystem_root(self, node: ast.expr) -> bool:
        """`"/"`, `os.sep`, `Path("/")`."""
        if const_str(node) in ("/", "\\"):
            return True
        qual = self.resolver.qualname(node) if isinstance(node, ast.Attribute | ast.Name) else None
        if qual in PATH_SEPARATORS:
            return True
        if isinstance(node, ast.Call) and len(node.args) == 1 and not node.keywords:
            return (self.resolver.qualname(node.func) or "") in PATH_CLASSES and self._filesystem_root(
                node.args[0]
            )
        return False
