"""Which files of the repository a change's Python files import, directly and one step further.

The App drops a snapshot's facts and sources once the change is assessed (`RepositorySnapshot.release`),
before the engine parses the changed files. An analyzer that reads a little of the files the change
imports (the instrumentation analyzer's helpers in other files) still needs those few sources: this
finds them from the facts the assessment already extracted, so the release can keep just them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from prguard.index.facts import CALL, ModuleFacts
from prguard.index.resolve import absolute_module, module_names

#: how many import steps are followed from the changed files (a helper, and the helper's helper)
DEPTH = 2


def imported_sources(snapshot: Any, changed: Mapping[str, bytes], depth: int = DEPTH) -> dict[str, bytes]:
    """The contents of the repository files `changed` ({path: head content}) import, `depth` steps
    deep (the changed files themselves excluded: their contents are in the change)."""
    names = module_names(set(snapshot.blobs) | set(changed))
    path_of: dict[str, str] = {}
    module_of: dict[str, str] = {}
    for rank in range(3):
        for path, candidates in sorted(names.items()):
            if rank < len(candidates) and candidates[rank] not in path_of:
                path_of[candidates[rank]] = path
                module_of.setdefault(path, candidates[rank])
    kept: dict[str, bytes] = {}
    frontier: dict[str, bytes] = dict(changed)
    for _ in range(depth):
        wanted: set[str] = set()
        for path, content in frontier.items():
            facts = snapshot.facts_for(path, content)
            if facts is None or facts.error:
                continue
            for dotted in imported_names(facts, module_of.get(path, "")):
                target = _module_path(dotted, path_of)
                if target is not None:
                    wanted.add(target)
        fresh = sorted(p for p in wanted if p not in kept and p not in changed and p in snapshot.blobs)
        if not fresh:
            break
        frontier = {p: c for p, c in snapshot.read(fresh).items() if c is not None}
        kept.update(frontier)
    return kept


def imported_names(facts: ModuleFacts, own_module: str) -> Iterable[str]:
    """Every dotted name the file imports (`from .client import f` in `svc.users`: `svc.client.f`), and
    every attribute chain it reads through an imported module (`import svc.client` then
    `svc.client.fetch()`: `svc.client.fetch`)."""
    imported_modules: dict[tuple[int, str], str] = {}  # (scope, bound name) -> module
    for scope_id, scope in enumerate(facts.scopes):
        for bound, bindings in scope.bindings.items():
            for binding in bindings:
                if binding[0] == "import":
                    # `import a.b` binds `a` to `a` first and then records `a.b` as reachable from it:
                    # the name stands for its first binding, the module it was bound to
                    imported_modules.setdefault((scope_id, bound), binding[1])
                    yield binding[1]
                elif binding[0] == "from":
                    base = absolute_module(facts, own_module, binding[1], binding[2])
                    if base:
                        yield base
                        yield f"{base}.{binding[3]}"
    for level, module in facts.star_imports:
        base = absolute_module(facts, own_module, level, module)
        if base:
            yield base
    if not imported_modules:
        return
    for scope_id, chain, *_ in facts.references:
        scope: int | None = scope_id
        while scope is not None:
            module = imported_modules.get((scope, chain[0]))
            if module is not None:
                rest = []
                for part in chain[1:]:
                    if part == CALL:
                        break
                    rest.append(part)
                if rest:
                    yield ".".join([module, *rest])
                break
            scope = facts.scopes[scope].parent


def _module_path(dotted: str, path_of: Mapping[str, str]) -> str | None:
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        path = path_of.get(".".join(parts[:cut]))
        if path is not None:
            return path
    return None
