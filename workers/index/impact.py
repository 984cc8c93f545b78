"""Blast radius of a change, and the call sites it left behind (rules PG-IMPACT001/002).

Given the head snapshot of a repository and the changed files, the base is the head with
the changed files at their base contents. Both are indexed; the functions, methods and
classes the diff touches are the changed symbols; their references in the head are their
reach. A changed signature is checked against every call that resolves to it: a call that
bound the old signature and does not bind the new one is stale. A symbol gone from the
head whose name is still looked up on its module or class is a dangling reference.
"""

from __future__ import annotations

import bisect
import math
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from prguard.engine.diffmap import FileDiff
from prguard.engine.model import ChangedFile, Confidence, Finding, Severity, make_fingerprint
from prguard.index.facts import Definition
from prguard.index.imports import imported_sources
from prguard.index.resolve import Dangling, Reference, RepositoryIndex, Symbol
from prguard.index.rules import RULES
from prguard.index.signature import call_error, callable_params, describe
from prguard.index.snapshot import RepositorySnapshot, is_indexed_path

ANALYZER = "impact"
#: call sites listed per symbol in the JSON (the rest are counted)
SITES_LISTED = 20
#: changed symbols listed in the JSON, widest reach first
SYMBOLS_LISTED = 50
#: stale sites named in one definition finding's message
SITES_NAMED = 50

_OLD_SIDE = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


@dataclass(slots=True)
class ChangedSymbol:
    symbol: Symbol  # the head's (the base's for a removed one)
    change: str  # added | modified | signature | removed
    base: Symbol | None = None


@dataclass(slots=True)
class Assessment:
    """What the impact step adds to a review."""

    impact: dict[str, Any]
    findings: list[Finding] = field(default_factory=list)  # on definitions: about the change itself
    sites: list[Finding] = field(default_factory=list)  # on call sites in the changed files
    notes: list[str] = field(default_factory=list)
    reach: int = 0  # call sites of the widest-reaching modified or removed symbol
    added: dict[str, frozenset[int]] = field(default_factory=dict)  # changed file → its added lines

    def for_scope(self, scope: str) -> list[Finding]:
        """The definitions' findings, and the call sites' that lie in the review's `scope` (an
        added line for changed_lines, any line of a changed file for changed_files)."""
        if scope == "changed_files":
            return self.findings + self.sites
        return self.findings + [f for f in self.sites if f.start_line in self.added.get(f.path, ())]


def prepare(snapshot: RepositorySnapshot, files: Sequence[ChangedFile]) -> None:
    """Assess the change now and let the snapshot drop its facts and sources: the review's
    analyzer then reads the result (the App does this before the engine parses the changed
    files, so the index and the syntax trees are never in memory together)."""
    if snapshot.unavailable:
        return
    assessment = assess(snapshot, files)
    changed = {f.path: f.head for f in files if f.head is not None and is_indexed_path(f.path)}
    keep = imported_sources(snapshot, changed)  # read by analyzers following helpers across files
    snapshot.release(prepared=(_change_key(files), assessment), keep=keep)


def _change_key(files: Sequence[ChangedFile]) -> tuple[Any, ...]:
    return tuple((f.path, f.status, f.previous_path, f.head, f.base, f.patch) for f in files)


def assess(snapshot: RepositorySnapshot, files: Sequence[ChangedFile]) -> Assessment:
    """The impact of this change on the repository `snapshot` (its head).

    A definition's finding is about the change whatever lines it added (a pure deletion
    included); a call site's (in `sites`) belongs to the review only inside its scope
    (`Assessment.for_scope`). The engine applies suppressions.
    """
    prepared = snapshot.prepared
    if prepared is not None and prepared[0] == _change_key(files):
        return prepared[1]
    if snapshot.unavailable:
        return Assessment(
            {"skipped": snapshot.unavailable},
            notes=[f"impact not assessed: {snapshot.unavailable}"],
        )
    started = time.perf_counter()
    python = [
        f for f in files if is_indexed_path(f.path) or (f.previous_path and is_indexed_path(f.previous_path))
    ]
    head_side: dict[str, bytes | None] = {}
    base_side: dict[str, bytes | None] = {}
    for changed in python:
        head_side[changed.path] = None if changed.status == "removed" else changed.head
        base_path = changed.previous_path or changed.path
        if changed.previous_path:
            base_side[changed.path] = None
        base_side[base_path] = None if changed.status == "added" else changed.base
    head = snapshot.index(head_side)
    base = None  # a change that only adds files reads nothing of its base: no old symbol, signature, module
    if any(f.status != "added" for f in python):
        base = head.derive({path: snapshot.facts_for(path, content) for path, content in base_side.items()})
    snapshot.save_facts()
    if base is not None:
        gone = {base.module_of[p] for p in base_side if p in base.module_of and p not in head.facts}
        head.forget_modules(gone)
    diffs = {f.path: _diff(f) for f in python}
    changed = _changed_symbols(head, base, python, diffs)

    keys = [c.symbol.key for c in changed if c.change != "removed"]
    inits = {
        c.symbol.key.rsplit(".", 1)[0]: c
        for c in changed
        if c.symbol.definition.qualname.endswith("__init__")
    }
    references = head.references_to(keys + [k for k in inits if k in head.symbols])
    assessment = Assessment({})
    entries = []
    for item in changed:
        refs = references.get(item.symbol.key, []) if item.change != "removed" else []
        entries.append(_entry(item, refs))
    for found in (_stale_calls(changed, references, head, base, diffs),
                  _dangling(changed, head, diffs, {f.path: f for f in python})):  # fmt: skip
        assessment.findings.extend(f for f in found if f.relevant_lines is not None)
        assessment.sites.extend(f for f in found if f.relevant_lines is None)
    assessment.added = {path: diff.added_lines for path, diff in diffs.items()}

    entries.sort(key=lambda e: (-e["call_sites"], -e["references"], e["path"], e["line"]))
    reach = max((e["call_sites"] for e in entries if e["change"] != "added"), default=0)
    assessment.reach = reach
    assessment.impact = {
        "symbols": entries[:SYMBOLS_LISTED],
        "symbols_more": max(0, len(entries) - SYMBOLS_LISTED),
        "files_indexed": len(head.facts),
        "files_extracted": snapshot.stats.get("extracted", 0),
        "duration_ms": round((time.perf_counter() - started) * 1000, 1),
    }
    return assessment


def _diff(changed: ChangedFile) -> FileDiff:
    if changed.patch:
        return FileDiff.parse(changed.patch)
    if changed.status == "added" and changed.head is not None:
        return FileDiff.all_added(changed.head.count(b"\n") + 1)
    return FileDiff(hunks=())


def _changed_symbols(
    head: RepositoryIndex,
    base: RepositoryIndex | None,
    files: Sequence[ChangedFile],
    diffs: dict[str, FileDiff],
) -> list[ChangedSymbol]:
    out: list[ChangedSymbol] = []
    for changed in files:
        head_symbols = _symbols_of(head, changed.path) if changed.status != "removed" else {}
        base_symbols = (
            _symbols_of(base, changed.previous_path or changed.path)
            if base is not None and changed.status != "added"  # no base: every file was added
            else {}
        )
        added = sorted(diffs[changed.path].added_lines)
        for qualname, symbol in head_symbols.items():
            old = base_symbols.get(qualname) if changed.previous_path is None else None
            definition = symbol.definition
            if old is None:
                out.append(ChangedSymbol(symbol, "added"))
            elif (
                old.definition.params != definition.params
                or old.definition.decorators != definition.decorators
            ):
                out.append(ChangedSymbol(symbol, "signature", old))
            elif _touches(added, definition):
                out.append(ChangedSymbol(symbol, "modified", old))
        for qualname, symbol in base_symbols.items():
            # a renamed file's definitions left their old module: lookups there are dangling
            if changed.previous_path is not None or qualname not in head_symbols:
                out.append(ChangedSymbol(symbol, "removed"))
    return out


def _touches(added: list[int], definition: Definition) -> bool:
    """Whether a line of `added` (sorted) lies in the definition: a class's header (its methods
    are symbols of their own), a function's whole body."""
    last = definition.line if definition.kind == "class" else definition.end_line
    at = bisect.bisect_left(added, definition.start_line)
    return at < len(added) and added[at] <= last


def _symbols_of(index: RepositoryIndex, path: str) -> dict[str, Symbol]:
    module = index.module_of.get(path)
    facts = index.facts.get(path)
    if module is None or facts is None:
        return {}
    return {d.qualname: index.symbols[f"{module}.{d.qualname}"] for d in facts.definitions}


def _entry(item: ChangedSymbol, refs: list[Reference]) -> dict[str, Any]:
    symbol = item.symbol
    calls = sorted((r for r in refs if r.is_call), key=lambda r: (r.path, r.line))
    outside = {r.path for r in refs if r.path != symbol.path}
    return {
        "name": symbol.key,
        "qualname": symbol.definition.qualname,
        "kind": symbol.definition.kind,
        "path": symbol.path,
        "line": symbol.definition.line,
        "change": item.change,
        "call_sites": len(calls),
        "references": len(refs),
        "importing_modules": len(outside),
        "sites": [{"path": r.path, "line": r.line, "enclosing": r.enclosing} for r in calls[:SITES_LISTED]],
        "sites_more": max(0, len(calls) - SITES_LISTED),
    }


def _class_params(index: RepositoryIndex, class_key: str) -> tuple[Any, ...] | None:
    """What calling the class takes: its `__init__`'s parameters after self, when that is knowable."""
    symbol = index.symbols.get(class_key)
    if symbol is None or symbol.definition.decorators or symbol.definition.dynamic:
        return None
    found = index._class_member(class_key, "__init__", 0, set())
    if found is None or found[0] != "def" or index._class_member(class_key, "__new__", 0, set()) is not None:
        return None
    init = index.symbols.get(found[1])
    return callable_params(init.definition, True) if init is not None else None


def _stale_calls(
    changed: list[ChangedSymbol],
    references: dict[str, list[Reference]],
    head: RepositoryIndex,
    base: RepositoryIndex | None,
    diffs: dict[str, FileDiff],
) -> list[Finding]:
    findings: list[Finding] = []
    for item in changed:
        if item.change != "signature" or item.base is None or item.symbol.definition.kind == "class":
            continue
        checks: list[tuple[Reference, Any, Any]] = []
        for ref in references.get(item.symbol.key, []):
            if ref.call is not None:
                checks.append(
                    (
                        ref,
                        callable_params(item.base.definition, ref.bound),
                        callable_params(item.symbol.definition, ref.bound),
                    )
                )
        class_key = item.symbol.key.rsplit(".", 1)[0]
        if item.symbol.definition.qualname.endswith(".__init__") and class_key in head.symbols:
            assert base is not None  # a changed signature has a base
            old, new = _class_params(base, class_key), _class_params(head, class_key)
            checks.extend((ref, old, new) for ref in references.get(class_key, []) if ref.call is not None)
        stale: list[tuple[Reference, str]] = []
        for ref, old, new in checks:
            if old is None or new is None or ref.call is None:
                continue
            if call_error(old, ref.call) is None and (error := call_error(new, ref.call)) is not None:
                stale.append((ref, error))
        if not stale:
            continue
        stale.sort(key=lambda s: (s[0].path, s[0].line))
        findings.append(_definition_finding(item, stale))
        for ref, error in stale:
            if ref.path in diffs:
                findings.append(
                    _site_finding(
                        "PG-IMPACT001",
                        item.symbol,
                        ref.path,
                        ref.line,
                        ref.enclosing,
                        f"this call to `{item.symbol.key}` no longer binds its new "
                        f"signature {describe(item.symbol.definition.params)}: {error}",
                    )
                )
    return findings


def _definition_finding(item: ChangedSymbol, stale: list[tuple[Reference, str]]) -> Finding:
    symbol = item.symbol
    assert item.base is not None
    named = ", ".join(f"{ref.path}:{ref.line} ({error})" for ref, error in stale[:SITES_NAMED])
    more = f" and {len(stale) - SITES_NAMED} more" if len(stale) > SITES_NAMED else ""
    message = (
        f"`{symbol.key}` changed from {describe(item.base.definition.params)} to "
        f"{describe(symbol.definition.params)}, and {len(stale)} call site(s) this change did not update "
        f"no longer bind: {named}{more}"
    )
    rule = RULES["PG-IMPACT001"]
    definition = symbol.definition
    return Finding(
        rule_id="PG-IMPACT001",
        analyzer=ANALYZER,
        severity=Severity(rule["severity"]),
        path=symbol.path,
        start_line=definition.line,
        end_line=definition.line,
        message=message,
        fingerprint=make_fingerprint("PG-IMPACT001", symbol.path, symbol.key, "definition"),
        confidence=Confidence.HIGH,
        cwe=rule["cwe"],
        title=rule["title"],
        relevant_lines=(definition.start_line, definition.end_line),
    )


def _site_finding(
    rule_id: str, symbol: Symbol, path: str, line: int, enclosing: str, message: str
) -> Finding:
    rule = RULES[rule_id]
    return Finding(
        rule_id=rule_id,
        analyzer=ANALYZER,
        severity=Severity(rule["severity"]),
        path=path,
        start_line=line,
        end_line=line,
        message=message,
        fingerprint=make_fingerprint(rule_id, path, symbol.key, f"site:{enclosing}"),
        confidence=Confidence.HIGH,
        cwe=rule["cwe"],
        title=rule["title"],
    )


def _dangling(
    changed: list[ChangedSymbol],
    head: RepositoryIndex,
    diffs: dict[str, FileDiff],
    files: dict[str, ChangedFile],
) -> list[Finding]:
    removed = [c for c in changed if c.change == "removed"]
    if not removed:
        return []
    owners: dict[tuple[str, str], ChangedSymbol] = {}
    for item in removed:
        qualname = item.symbol.definition.qualname
        parent, _, name = qualname.rpartition(".")
        owner = f"{item.symbol.module}.{parent}" if parent else item.symbol.module
        if "." in qualname and owner not in head.symbols:
            continue  # its class went too: the class's own references say it
        owners[(owner, name)] = item
    found: dict[tuple[str, str], list[Dangling]] = {}
    for reference in head.dangling(owners):
        found.setdefault((reference.owner, reference.name), []).append(reference)
    findings: list[Finding] = []
    rule = RULES["PG-IMPACT002"]
    for pair, references in sorted(found.items()):
        item = owners[pair]
        references.sort(key=lambda r: (r.path, r.line))
        unique = list(dict.fromkeys((r.path, r.line, r.enclosing) for r in references))
        named = ", ".join(f"{p}:{line}" for p, line, _ in unique[:SITES_NAMED])
        more = f" and {len(unique) - SITES_NAMED} more" if len(unique) > SITES_NAMED else ""
        path, line, relevant = _where_removed(item, files, diffs)
        findings.append(
            Finding(
                rule_id="PG-IMPACT002",
                analyzer=ANALYZER,
                severity=Severity(rule["severity"]),
                path=path,
                start_line=line,
                end_line=line,
                message=(
                    f"`{item.symbol.key}` was removed or renamed, but {len(unique)} place(s) still "
                    f"look it up: {named}{more}"
                ),
                fingerprint=make_fingerprint("PG-IMPACT002", path, item.symbol.key, "definition"),
                confidence=Confidence.HIGH,
                cwe=rule["cwe"],
                title=rule["title"],
                relevant_lines=relevant or (line, line),
            )
        )
        for site_path, site_line, enclosing in unique:
            if site_path in diffs:
                findings.append(
                    _site_finding(
                        "PG-IMPACT002",
                        item.symbol,
                        site_path,
                        site_line,
                        enclosing,
                        f"`{item.symbol.key}` no longer exists (removed or renamed by this change)",
                    )
                )
    return findings


def _where_removed(
    item: ChangedSymbol, files: dict[str, ChangedFile], diffs: dict[str, FileDiff]
) -> tuple[str, int, tuple[int, int] | None]:
    """Where in the head a removed definition was: its file (renamed: the new path) at the head
    line its old first line maps to, widened to the hunk so a pure deletion stays in scope."""
    base_path = item.symbol.path
    changed = next(
        (f for f in files.values() if (f.previous_path or f.path) == base_path and f.status != "removed"),
        None,
    )
    if changed is None:
        return base_path, item.symbol.definition.line, None
    line, hunk = _map_old_line(changed.patch or "", item.symbol.definition.line)
    return changed.path, line, hunk


def _map_old_line(patch: str, old_line: int) -> tuple[int, tuple[int, int] | None]:
    """The head line a base line became (the next surviving line for a deleted one), and its hunk."""
    offset = 0
    for raw in patch.splitlines():
        header = _OLD_SIDE.match(raw)
        if not header:
            continue
        old_start, old_count = int(header.group(1)), int(header.group(2) or 1)
        new_start, new_count = int(header.group(3)), int(header.group(4) or 1)
        if old_line < old_start:
            return max(1, old_line + offset), None
        if old_line < old_start + max(old_count, 1):
            return max(1, new_start), (max(1, new_start - 1), new_start + max(new_count, 1))
        offset = (new_start + new_count) - (old_start + old_count)
    return max(1, old_line + offset), None


def reach_points(call_sites: int) -> float:
    """The risk a change to a symbol with this many call sites adds: up to 15 (1000+ sites)."""
    return min(15.0, 5.0 * math.log10(1 + max(0, call_sites)))
