"""Loading objects with pickle through libraries bandit's pickle rules do not list, and task queues
that accept pickled messages (PG-VULN020, 023, 024)."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from prguard.analyzers.asttools import const_str, keyword_value
from prguard.analyzers.vuln_rules.shapes import CheckerBase, VulnHit, truthy
from prguard.analyzers.vuln_rules.table import RULES

_NUMPY_LOAD = frozenset({"numpy.load"})
#: loaders that unpickle whatever file or bytes they are given: (position, keyword) of the source
_PICKLE_LOADERS = {
    "joblib.load": (0, "filename"),
    "cloudpickle.load": (0, "file"),
    "cloudpickle.loads": (0, "data"),
    "sklearn.externals.joblib.load": (0, "filename"),
    # PyYAML's unsafe loader builds any Python object the document names (bandit's B506 reads `load`)
    "yaml.unsafe_load": (0, "stream"),
    "yaml.unsafe_load_all": (0, "stream"),
}
#: torch.load unpickles unless weights_only=True (the default only from PyTorch 2.6 on)
_TORCH_LOAD = "torch.load"
_KERAS_LOADERS = frozenset(
    {"keras.models.load_model", "tensorflow.keras.models.load_model", "keras.saving.load_model"}
)
#: Celery's settings that name the message formats a worker accepts or sends (new and old names)
_SERIALIZER_SETTINGS = frozenset(
    {
        "accept_content",
        "task_serializer",
        "result_serializer",
        "event_serializer",
        "CELERY_ACCEPT_CONTENT",
        "CELERY_TASK_SERIALIZER",
        "CELERY_RESULT_SERIALIZER",
        "CELERY_EVENT_SERIALIZER",
    }
)


class DeserializationChecks(CheckerBase):
    """Object loaders that unpickle (PG-VULN020, 023) and pickled task messages (PG-VULN024)."""

    def _loader_call(self, node: ast.Call, qual: str) -> Iterator[VulnHit]:
        if qual in _NUMPY_LOAD:
            pickle = keyword_value(node, "allow_pickle")
            source = node.args[0] if node.args else keyword_value(node, "file")
            if pickle is not None and self._may_be_true(pickle) and self._from_outside(source):
                yield VulnHit(RULES["PG-VULN020"], node, "numpy.load(..., allow_pickle=True)")
        elif qual in _PICKLE_LOADERS:
            position, name = _PICKLE_LOADERS[qual]
            source = node.args[position] if len(node.args) > position else keyword_value(node, name)
            if self._from_outside(source):
                what = "builds any object" if qual.startswith("yaml.") else "unpickles"
                yield VulnHit(RULES["PG-VULN023"], node, f"{qual}() {what} what it loads")
        elif qual == _TORCH_LOAD:
            weights_only = keyword_value(node, "weights_only")
            source = node.args[0] if node.args else keyword_value(node, "f")
            if not (weights_only is not None and truthy(weights_only)) and self._from_outside(source):
                yield VulnHit(RULES["PG-VULN023"], node, "torch.load() without weights_only=True")
        elif qual in _KERAS_LOADERS:
            safe_mode = keyword_value(node, "safe_mode")
            if isinstance(safe_mode, ast.Constant) and safe_mode.value is False:
                yield VulnHit(RULES["PG-VULN023"], node, "load_model(..., safe_mode=False)")
        for keyword in node.keywords:  # Celery(..., accept_content=[...]), app.conf.update(...)
            if keyword.arg in _SERIALIZER_SETTINGS and _names_pickle(keyword.value):
                yield VulnHit(RULES["PG-VULN024"], keyword.value, f"{keyword.arg} includes pickle")

    def _may_be_true(self, value: ast.expr) -> bool:
        """`True`, or a name or attribute one of whose values is (`allow_pickle=self.allow_pickle`
        with `def __init__(self, allow_pickle=True)`): the default is what most callers get."""
        if truthy(value):
            return True
        if not isinstance(value, ast.Name | ast.Attribute):
            return False
        return any(
            isinstance(v, ast.Constant) and v.value is True for v in self.resolver.possible_values(value)
        )

    def _from_outside(self, source: ast.expr | None) -> bool:
        """A loader's source that is not a constant path, nor a module constant holding one: a file
        the code does not pin."""
        if source is None or const_str(source):
            return False
        return not (isinstance(source, ast.Name) and const_str(self._constants.get(source.id)))

    def _serializer_setting(self, node: ast.Assign) -> Iterator[VulnHit]:
        """`accept_content = ["pickle", "json"]`, `app.conf.task_serializer = "pickle"`."""
        for target in node.targets:
            name = target.id if isinstance(target, ast.Name) else getattr(target, "attr", None)
            if name in _SERIALIZER_SETTINGS and _names_pickle(node.value):
                yield VulnHit(RULES["PG-VULN024"], node, f"{name} includes pickle")


def _names_pickle(value: ast.expr) -> bool:
    """`"pickle"`, `"application/x-python-serialize"`, or a list, tuple or set holding one."""
    items = value.elts if isinstance(value, ast.List | ast.Tuple | ast.Set) else [value]
    return any(const_str(item) in ("pickle", "application/x-python-serialize") for item in items)
