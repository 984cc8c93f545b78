"""Predictable paths in the shared temporary directory (PG-VULN027)."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from prguard.analyzers.vuln_rules.shapes import CheckerBase, VulnHit, const_str
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
