"""Pickles a module reads back from where it writes them itself.

A module that keeps its state in a pickle (`pickle.dump(state, open(self.state_file, "wb"))`)
and loads it again from the same path reads what it wrote: the client sends no pickled bytes.
Whoever can write that file could still run code, so such a load stays reported, at low, naming
the file. The path is compared as written in both places (`cls.` read as `self.`): a load from
anywhere else, or from a file the module only reads, keeps its severity.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from prguard.analyzers.pyresolve import Resolver

if TYPE_CHECKING:
    from prguard.engine.plugin import SourceFile

#: each loader, the dumper that writes what it reads, where each takes its file, and whether
#: they take a path (joblib, torch) or only an open file (pickle: opened from a path to count)
_ROUND_TRIPS: dict[str, tuple[str, int, int, bool]] = {
    "pickle.load": ("pickle.dump", 0, 1, False),
    "pickle.Unpickler": ("pickle.dump", 0, 1, False),
    "cPickle.load": ("cPickle.dump", 0, 1, False),
    "dill.load": ("dill.dump", 0, 1, False),
    "cloudpickle.load": ("cloudpickle.dump", 0, 1, False),
    "joblib.load": ("joblib.dump", 0, 1, True),
    "sklearn.externals.joblib.load": ("sklearn.externals.joblib.dump", 0, 1, True),
    "torch.load": ("torch.save", 0, 1, True),
}

#: calls that open a file by path (`open(path, "rb")`, `gzip.open(path)`)
_OPENERS = frozenset({"open", "io.open", "gzip.open", "bz2.open", "lzma.open", "codecs.open"})


class OwnFiles:
    """The paths one module dumps pickles to, and whether a load reads one of them."""

    def __init__(self, tree: ast.Module, resolver: Resolver) -> None:
        self.resolver = resolver
        self._module_names = {
            t.id for n in tree.body if isinstance(n, ast.Assign) for t in n.targets if isinstance(t, ast.Name)
        }
        dumpers = {dumper: (position, paths) for dumper, _, position, paths in _ROUND_TRIPS.values()}
        self.written: dict[str, set[str]] = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                qual = resolver.qualname(node.func) or ""
                if qual in dumpers and len(node.args) > dumpers[qual][0]:
                    path = self._path_of(node.args[dumpers[qual][0]], dumpers[qual][1], node.lineno)
                    if path:
                        self.written.setdefault(qual, set()).add(path)

    @classmethod
    def of_source(cls, source: SourceFile) -> OwnFiles:
        """One index per parsed file, shared by every rule that asks."""
        found = source.derived.get("own_files")
        if found is None:
            found = source.derived["own_files"] = cls(source.tree, Resolver.of_source(source))
        return found

    def written_here(self, load: ast.AST) -> str | None:
        """The path a load reads when the module dumps a pickle of the matching kind there."""
        if not isinstance(load, ast.Call):
            return None
        qual = self.resolver.qualname(load.func) or ""
        if qual not in _ROUND_TRIPS:
            return None
        dumper, position, _, paths = _ROUND_TRIPS[qual]
        if len(load.args) <= position:
            return None
        path = self._path_of(load.args[position], paths, load.lineno)
        return path if path and path in self.written.get(dumper, ()) else None

    def _path_of(self, file: ast.expr, paths: bool, line: int) -> str | None:
        """The path expression a file argument was opened from, as written; with `paths`, a path
        handed over directly (`joblib.dump(model, self.model_path)`) is its own, while an open
        file of unknown origin (a `BytesIO`) names no file at all. A function's own variable names
        nothing another function shares, so it matches nothing."""
        opened = self._opened(file)
        if opened is None and isinstance(file, ast.Name):
            opened = self._bound_to_open(file, line)
        if opened is None and not paths:
            return None
        path = opened if opened is not None else file
        if isinstance(path, ast.Name) and path.id not in self._module_names:
            return None
        if isinstance(path, ast.Constant) and not isinstance(path.value, str):
            return None
        text = ast.unparse(path)
        return "self." + text.removeprefix("cls.") if text.startswith("cls.") else text

    def _opened(self, node: ast.expr) -> ast.expr | None:
        """`open(path, "rb")` → path; `Path(p).open("rb")` → the path object."""
        if not isinstance(node, ast.Call):
            return None
        if (self.resolver.qualname(node.func) or "") in _OPENERS and node.args:
            return node.args[0]
        if isinstance(node.func, ast.Attribute) and node.func.attr == "open":
            return node.func.value
        return None

    def _bound_to_open(self, name: ast.Name, line: int) -> ast.expr | None:
        """The path a file variable was opened from (`with open(p) as f`, `f = open(p)`): its last
        binding the resolver sees before `line`, as straight-line code rebinds it."""
        bound = self.resolver.with_values(name) or self.resolver.possible_values(name)
        before = [value for value in bound if getattr(value, "lineno", line + 1) <= line]
        return self._opened(max(before, key=lambda value: value.lineno)) if before else None
