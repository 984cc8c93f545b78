"""Guards: what a condition proves about the variables it tests, on each branch."""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from prguard.analyzers.asttools import keyword_value, nodes_of
from prguard.analyzers.pyresolve.alternatives import argument_of
from prguard.analyzers.pyresolve.known import PATH_CLASSES
from prguard.analyzers.taint.hits import Summary
from prguard.analyzers.taint.keys import (
    FIXED_HOST,
    LOCAL_PATH,
    State,
    node_text,
    only_url_path,
    parsed_url,
    state_key,
)
from prguard.analyzers.taint.modules import FunctionInfo
from prguard.analyzers.taint.regex_proof import checked_kinds, finds_separator, proven_kinds
from prguard.analyzers.taint.rules import (
    ALL,
    CASE_FOLDS,
    GUARD_CALLS,
    GUARD_METHODS,
    KINDS,
    NORMPATHS,
    PATH_RESOLVERS,
    URL_CHECK_NAMES,
    URL_PARSERS,
    VALIDATING_METHODS,
    name_matches,
)
from prguard.analyzers.taint.values import (
    CLEAN,
    NO_SEPARATOR,
    ONE_COMPONENT,
    OPAQUE,
    PARAM,
    Step,
    Trace,
    Value,
)

#: Facts that together keep a redirect on this site: the target starts with `/`; its second
#: character is neither `/` nor `\\` (`//host` and `/\\host` name another host: one test of both,
#: or one for each); and it holds no tab, CR or LF, which browsers drop (`/<tab>/host` is
#: `//host`). Each alone proves nothing.
_ROOTED = "url:rooted"
_NO_SECOND_SLASH = "url:no-second-slash"
_NO_DOUBLE_SLASH = "url:no-//"
_NO_SLASH_BACKSLASH = "url:no-/\\"
_NO_CONTROLS = "url:no-controls"
_URL_CONTROLS = "\t\n\r"

#: `commonpath([root, p]) == root` confines a resolved `p` (commonprefix as `p.startswith(root)`).
_COMMON_PATH_CALLS = frozenset({"os.path.commonpath", "os.path.commonprefix", "posixpath.commonpath"})


#: Two refusals that together confine a relative path (POSIX paths): no `..` in it, and not
#: absolute. Each alone proves nothing; a value refused both ways is safe as a path.
_NO_PARENT = "path:no-parent"
_RELATIVE = "path:relative"
#: Of a normalised path (`normpath(p)`: any `..` is at its start), refused when it starts with
#: `../` and refused when it is `..`: together, no `..` at all.
_NO_LEADING_PARENT = "path:no-leading-parent"
_NOT_PARENT = "path:not-parent"
_ABSOLUTE_TESTS = frozenset({"os.path.isabs", "posixpath.isabs"})


def _refused_as_path(key: str | None, fact: str) -> dict[str, frozenset[str]]:
    return {key: frozenset({fact})} if key else {}


def _no_separator(key: str | None) -> dict[str, frozenset[str]]:
    """A value refused when it holds a `/`: one path component (`NO_SEPARATOR`), so not absolute."""
    return {key: frozenset({NO_SEPARATOR, _RELATIVE})} if key else {}


def _union(parts: Iterable[dict[str, frozenset[str]]]) -> dict[str, frozenset[str]]:
    out: dict[str, frozenset[str]] = {}
    for part in parts:
        for key, kinds in part.items():
            out[key] = out.get(key, frozenset()) | kinds
    return out


#: Calls that look at a value without checking it: a condition on their result decides nothing
#: about the value's content.
_NOT_CHECKS = frozenset(
    {"len", "str", "int", "float", "bool", "repr", "type", "isinstance", "hasattr", "getattr", "callable"}
)
_SESSION_ONLY = frozenset({"trust-boundary"})
#: A path as text: the same path.
_AS_TEXT = frozenset({"str", "os.fspath"})


def _meet(parts: Iterable[dict[str, frozenset[str]]]) -> dict[str, frozenset[str]]:
    """What holds whichever of several conditions is the one that held: the kinds every one
    proves about a variable (`if p and p not in allowed: raise` passed: `p` is empty, or allowed)."""
    out: dict[str, frozenset[str]] | None = None
    for part in parts:
        if out is None:
            out = dict(part)
            continue
        met: dict[str, frozenset[str]] = {}
        for key in out.keys() & part.keys():
            mine, theirs = out[key], part[key]
            kinds = theirs if ALL in mine else mine if ALL in theirs else mine & theirs
            if kinds:
                met[key] = kinds
        out = met
    return out or {}


class Guards:
    """What conditions prove about variables: allow-lists, regex checks, path confinement, a URL's host.
    A part of `Runner`."""

    def guards(
        self, test: ast.expr, state: State
    ) -> tuple[dict[str, frozenset[str]], dict[str, frozenset[str]]]:
        """What a condition proves about variables when it holds, and when it does not."""
        if not isinstance(test, ast.UnaryOp | ast.BoolOp):
            self._read_items(test, state)
        when_true, when_false = self._guards(test, state)
        if isinstance(test, ast.UnaryOp | ast.BoolOp):
            return when_true, when_false  # their parts were asked through `guards` already
        checked = self._checked_by_call(test, state)
        if checked:
            when_true = _union([when_true, checked])
        return when_true, when_false

    def _read_items(self, test: ast.expr, state: State) -> None:
        """Items a condition reads with `.get("next")` kept in the state (as subscripts are when
        evaluated), so that what it proves of them holds where they are read again; a condition
        on the right of `and` is evaluated on a copy that does not keep them."""
        for node in ast.walk(test):
            if isinstance(node, ast.Call) and (key := state_key(node)) is not None and key not in state:
                self.ev(node, state)

    def _checked_by_call(self, test: ast.expr, state: State) -> dict[str, frozenset[str]]:
        """`if check_password(user, pw):`, `user = authenticate(username=u, ...)` then `if user:`:
        the condition was decided by a function given these values, so where it holds they passed
        that function's check; that is what data kept in the session needs (not a sink's proof)."""
        if self.func is None or not self.mod.keeps_session_data(self.func.node):
            return {}  # nothing in this function keeps data in a session or a cookie
        subject = test.left if isinstance(test, ast.Compare) else test
        while isinstance(subject, ast.Subscript | ast.Attribute):
            subject = subject.value  # `auth["connected"]`, `result.ok`
        call = subject if isinstance(subject, ast.Call) else None
        if call is None and isinstance(subject, ast.Name) and state.get(subject.id, CLEAN).tainted:
            # a result made from no data checked none (its assignments are looked up only then)
            made = [v for v in self.mod.resolver.possible_values(subject) if v is not subject]
            call = made[0] if len(made) == 1 and isinstance(made[0], ast.Call) else None
        if call is None:
            return {}
        qual = self._qual(call) or ""
        if qual in _NOT_CHECKS or qual.startswith("builtins."):
            return {}
        # its arguments, not its receiver: `u.strip()` checks nothing
        given = [*call.args, *(k.value for k in call.keywords)]
        keys = {state_key(value) for value in given if isinstance(value, ast.Name | ast.Attribute)}
        return {key: _SESSION_ONLY for key in keys if key and state.get(key, CLEAN).tainted}

    def _guards(
        self, test: ast.expr, state: State
    ) -> tuple[dict[str, frozenset[str]], dict[str, frozenset[str]]]:
        if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
            when_true, when_false = self.guards(test.operand, state)
            return when_false, when_true
        if isinstance(test, ast.BoolOp):
            parts = [self.guards(v, state) for v in test.values]
            if isinstance(test.op, ast.And):
                if len(test.values) == 2 and _at_most_one_character_when_false(test.values[0]):
                    # `len(p) > 1 and p[1] in "/\\"` failed: either no second character, or not a slash
                    return _union(p[0] for p in parts), parts[1][1]
                return _union(p[0] for p in parts), _meet(p[1] for p in parts)
            return _meet(p[0] for p in parts), _union(p[1] for p in parts)
        if isinstance(test, ast.Compare) and len(test.ops) == 1:
            reported = self._reported_or_not(test, state)
            return reported if reported is not None else self._compare_guards(test, state)
        if isinstance(test, ast.Call):
            return self._call_guards(test, state), self._call_refutes(test, state)
        key = state_key(test) if isinstance(test, ast.Name | ast.Attribute | ast.Subscript) else None
        kept = self._checks.get(key) if key is not None else None
        if kept is not None and all(state.get(k) is v for k, v in kept.values.items()):
            return kept.when_true, kept.when_false  # `ok = is_safe(url)` ... `if ok:`
        if key is not None:
            return {}, {key: frozenset({ALL})}  # `if p:` failed: `p` is empty, no payload in it
        return {}, {}

    def _reported_or_not(
        self, test: ast.Compare, state: State
    ) -> tuple[dict[str, frozenset[str]], dict[str, frozenset[str]]] | None:
        """`status = _path_status(p, root)` ... `if status is not None: abort(status)`: an error
        reporter's answer (proofs only where it reported nothing) compared with None is its
        truth: it gives None or an error, never another empty value."""
        if not (isinstance(test.ops[0], ast.Is | ast.IsNot) and isinstance(test.left, ast.Name)):
            return None
        if not (isinstance(test.comparators[0], ast.Constant) and test.comparators[0].value is None):
            return None
        kept = self._checks.get(test.left.id)
        if kept is None or kept.when_true or not kept.when_false:
            return None
        if not all(state.get(k) is v for k, v in kept.values.items()):
            return None
        if isinstance(test.ops[0], ast.IsNot):
            return kept.when_true, kept.when_false
        return kept.when_false, kept.when_true

    def _check_kept(self, stmt: ast.Assign, state: State) -> tuple[str, KeptCheck] | None:
        """`ok = url_has_allowed_host_and_scheme(url, hosts)`: what the check proves, kept under the
        name for a later `if ok:` (or `url if ok else ...`), as long as the values it speaks of are
        the ones the name was assigned beside."""
        if len(stmt.targets) != 1 or not isinstance(stmt.targets[0], ast.Name):
            return None
        if not isinstance(stmt.value, ast.Call | ast.Compare | ast.BoolOp | ast.UnaryOp):
            return None
        when_true, when_false = self.guards(stmt.value, state)
        if not when_true and not when_false:
            return None
        values = {k: state.get(k) for k in (*when_true, *when_false)}
        return stmt.targets[0].id, KeptCheck(when_true, when_false, values)

    def _call_refutes(self, test: ast.Call, state: State) -> dict[str, frozenset[str]]:
        """What `x.startswith("//")` proves when false: a path on this site (`/...`) that does not
        start with `//` is no protocol-relative URL, so a redirect to it stays here. A browser turns
        `\\` into `/`, so `/\\host` must be refused too, unless `x` is the requested URL path."""
        func = test.func
        if self._qual(test) in _ANY:
            return self._every_element(test, state, holds=False)
        reported = self._reporter_said_nothing(test, state)
        if reported:
            return reported
        if self._qual(test) in _ABSOLUTE_TESTS and test.args:
            return self._refused_path(test.args[0], state, _RELATIVE)  # `if os.path.isabs(p): abort`
        separator = self._separator_search(test, state)
        if separator is not None:
            return separator  # `if re.search(r"[/|]", name): abort`
        if not (isinstance(func, ast.Attribute) and func.attr == "startswith" and test.args):
            return {}
        climbed = self._climbs_out(func.value, test.args[0])
        if climbed is not None:
            return climbed
        prefixes = _prefixes(test)
        key = state_key(func.value)
        refused = _union(
            [self._prefix_refutes(func, prefixes, key, state), self._parent_refutes(func, test, state)]
        )
        if "-" in prefixes and key:  # `if ref.startswith("-"): abort`: no option for a program
            return _union([refused, {key: frozenset({"argument"})}])
        if "." in prefixes and key:  # `if name.startswith("."): abort`: neither `.` nor `..`
            return _union([refused, _refused_as_path(key, _NOT_PARENT)])
        return refused

    def _separator_search(self, test: ast.Call, state: State) -> dict[str, frozenset[str]] | None:
        """`re.search(r"[/|]", name)` found nothing: `name` holds no `/` (see `finds_separator`).
        None when the test is not such a search."""
        qual = self._qual(test)
        if qual == "re.search" and len(test.args) >= 2:
            pattern, subject = test.args[0], test.args[1]
            flags = self._flags(test.args[2] if len(test.args) > 2 else keyword_value(test, "flags"))
        elif isinstance(test.func, ast.Attribute) and test.func.attr == "search" and test.args:
            compiled = self._compiled_pattern(test.func.value)
            if compiled is None:
                return None
            (pattern, flags), subject = compiled, test.args[0]
        else:
            return None
        text = self._pattern_text(pattern, state)
        if text is None or not finds_separator(text, flags):
            return None
        return _no_separator(state_key(subject))

    def _climbs_out(self, text: ast.expr, prefix: ast.expr) -> dict[str, frozenset[str]] | None:
        """`if os.path.relpath(p, root).startswith(os.pardir): abort`: `relpath` normalises both
        paths, so one that does not start with `..` lies under `root` (an absolute `p` that leaves
        it starts with `..` too). None when the test is not that one."""
        if not (isinstance(text, ast.Call) and self._qual(text) in _RELPATHS and len(text.args) == 2):
            return None
        parent = self._qual(prefix) in _PARDIRS or (
            isinstance(prefix, ast.Constant) and prefix.value in ("..", "../", "..\\")
        )
        key = state_key(text.args[0])
        return {key: frozenset({"path"})} if parent and key else None

    def _parent_refutes(self, func: ast.Attribute, test: ast.Call, state: State) -> dict[str, frozenset[str]]:
        """`p = normpath(p)`, then `if p.startswith(".."): abort`: normalising leaves `..` only at a
        path's start, so a normalised path that does not start with it holds none (`../` alone
        leaves `..` itself, which `p == ".."` refuses)."""
        if "resolved" not in self.ev(func.value, state).tags and not self._normalised(func.value):
            return {}
        given = test.args[0]
        items = given.elts if isinstance(given, ast.Tuple) else [given]
        prefixes = _prefixes(test) | ({".."} if any(self._qual(i) in _PARDIRS for i in items) else set())
        key = state_key(func.value)
        if ".." in prefixes:
            return _refused_as_path(key, _NO_PARENT)
        return _refused_as_path(key, _NO_LEADING_PARENT) if {"../", "..\\"} & prefixes else {}

    def _normalised(self, node: ast.expr) -> bool:
        """Whether `node` names a value the function assigned from a path normalisation only."""
        if not isinstance(node, ast.Name) or self.func is None:
            return False
        made = [v for v in self.mod.resolver.possible_values(node) if v is not node]
        return bool(made) and all(
            isinstance(v, ast.Call) and self._matches(self._qual(v), PATH_RESOLVERS) for v in made
        )

    def _prefix_refutes(
        self, func: ast.Attribute, prefixes: set[str], key: str | None, state: State
    ) -> dict[str, frozenset[str]]:
        """What a refused path prefix (`/`, `/\\`, `//`) proves of `key`."""
        if "/" in prefixes:
            return _refused_as_path(key, _RELATIVE)  # `if p.startswith("/"): abort`
        refused = _refused_as_path(key, _NO_SLASH_BACKSLASH) if "/\\" in prefixes else {}
        if "//" not in prefixes or key is None:
            return refused
        refused = _union([refused, _refused_as_path(key, _NO_DOUBLE_SLASH)])
        value = self.ev(func.value, state)
        rooted = (value.prefix or "").startswith("/")
        if not rooted or not (only_url_path(value) or "/\\" in prefixes):
            return refused
        if key not in state and key not in self.globals:
            self._guarded[key] = value
        return {key: frozenset({"redirect"})}

    def _compare_guards(self, test: ast.Compare, state: State):
        test = _find_as_membership(test) or test
        left, op, right = test.left, test.ops[0], test.comparators[0]
        positive = isinstance(op, ast.In | ast.Eq | ast.Is)
        negative = isinstance(op, ast.NotIn | ast.NotEq | ast.IsNot)
        if not (positive or negative):
            return {}, {}
        proven: dict[str, frozenset[str]] = {}
        if isinstance(op, ast.Eq | ast.NotEq) and self.mod.may_check_signatures:
            signed = self._signed(left) or self._signed(right)  # `if base64_hmac(value, key) == sig:`
            if signed:
                proven = dict.fromkeys(signed, frozenset({ALL}))
                return (proven, {}) if positive else ({}, proven)
        if _only_dot_names(right, self._qual) and isinstance(op, ast.Eq | ast.NotEq | ast.In | ast.NotIn):
            refused = _refused_as_path(state_key(left), _NOT_PARENT)  # `if p == "..": abort`
            return ({}, refused) if positive else (refused, {})
        if (
            isinstance(op, ast.In | ast.NotIn)
            and isinstance(left, ast.Constant)
            and left.value in ("..", "../", ".")
        ):
            refused = self._refused_path(right, state, _NO_PARENT)  # `if ".." in p: abort` (or any dot)
            return ({}, refused) if positive else (refused, {})
        if isinstance(op, ast.In | ast.NotIn) and _second_character(left) is not None:
            refused = _refused_as_path(_second_character(left), _NO_SECOND_SLASH) if _slashes(right) else {}
            return ({}, refused) if positive else (refused, {})  # `if p[1:2] in ("/", "\\"): abort`
        if isinstance(op, ast.In | ast.NotIn) and isinstance(left, ast.Constant) and left.value == "/":
            refused = _no_separator(state_key(right))  # no `/` at all: one component, not absolute
            return ({}, refused) if positive else (refused, {})
        if isinstance(op, ast.Eq | ast.NotEq):
            # `if path.resolve().parent != ROOT: raise`: a resolved path right in the server's folder
            for side, other in ((left, right), (right, left)):
                if (
                    isinstance(side, ast.Attribute)
                    and side.attr == "parent"
                    and not _clients(self.ev(other, state))
                ):
                    confined = self._confinement(side.value, state)
                    if confined:
                        return (confined, {}) if positive else ({}, confined)
        if (
            isinstance(op, ast.In | ast.NotIn)
            and isinstance(right, ast.Attribute)
            and right.attr == "parents"
        ):
            # `Path(root) in Path(p).resolve().parents`: p, resolved, lies under a root of the server's
            if not any(t.kind != OPAQUE for t in self.ev(left, state).all_traces()):
                made = self._path_made_from(right.value)
                key = state_key(made) if made is not None else None
                proven.update({key: frozenset({"path"})} if key else self._confinement(right.value, state))
            return (proven, {}) if positive else ({}, proven)
        for subject, other in ((left, right), (right, left)):
            other_value = self.ev(other, state)
            if isinstance(other, ast.Constant) and other.value is None:
                continue
            if isinstance(subject, ast.Call) and self._qual(subject) in _COMMON_PATH_CALLS:
                # the root may be the server's own (a registry, a setting) or, in a predicate, the
                # caller's (`def is_within(root, path)`, as a prefix check's): only user data fails
                if not _clients(other_value):
                    proven.update(self._confined(subject, state))
                continue
            own = isinstance(op, ast.Eq | ast.NotEq) and (
                _own_site(other_value)
                or any(_OWN_SITE.search(k) for k in self._host_of(other, state))
                or self._names_own_site(other)
            )
            membership = isinstance(op, ast.In | ast.NotIn)
            if membership and subject is not left:
                continue
            # one of a collection of the server's own values (a setting, the environment the
            # operator set, a database read): not the client's choice, whatever the values are
            servers = membership and chosen_by_server(other_value)
            if (
                isinstance(op, ast.Eq | ast.NotEq)
                and other_value.tainted
                and all(t.kind in _ROOT_GIVERS for t in other_value.all_traces())
                and "resolved" in self.ev(subject, state).tags
            ):
                # `dest == root`, a resolved path equal to a folder of the server's (the kind of
                # root `root in dest.parents` takes, or a helper's `base` parameter): the path is
                # that folder
                key = state_key(subject)
                proven.update({key: frozenset({"path"})} if key else {})
                continue
            if other_value.tainted and not own and not servers:
                continue
            host = self._host_of(subject, state)
            if other_value.tainted and not servers:  # `parsed.netloc == urlparse(request.base_url).netloc`
                proven.update(dict.fromkeys(host, frozenset({"redirect"})))
                continue
            if host:
                for name in host:
                    proven[name] = frozenset({"redirect", "ssrf"})
                continue
            if _letters_only(other):  # `urlparse(url).scheme in ("https", "git")`: starts with a letter
                proven.update(
                    dict.fromkeys(self._url_part_of(subject, state, ("scheme",)), frozenset({"argument"}))
                )
            key = state_key(subject)
            if key is not None:
                proven[key] = frozenset({ALL})
        return (proven, {}) if positive else ({}, proven)

    def _path_keys(self, node: ast.expr, state: State) -> list[str]:
        """The variables a path test on `node` speaks of: `p` itself, `p` normalised
        (`normpath(p)`, or `q` kept from it), and its components (`p.split("/")`, `Path(p).parts`).
        A lexical normalisation keeps where a path leads, so what holds of it holds of `p`."""
        if isinstance(node, ast.Attribute) and node.attr == "parts":
            made = node.value
            is_path = isinstance(made, ast.Call) and self._qual(made) in PATH_CLASSES and len(made.args) == 1
            node = made.args[0] if is_path else made
        if isinstance(node, ast.Call) and self._qual(node) in NORMPATHS and len(node.args) == 1:
            node = node.args[0]
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            key = self.ev(node, state).origin  # `p.split("/")`
        else:
            key = state_key(node)
        keys: list[str] = []
        while key is not None and key not in keys and len(keys) < 3:
            keys.append(key)
            key = state.get(key, CLEAN).origin
        return keys

    def _refused_path(self, node: ast.expr, state: State, fact: str) -> dict[str, frozenset[str]]:
        return _union(_refused_as_path(key, fact) for key in self._path_keys(node, state))

    def _path_made_from(self, node: ast.expr) -> ast.expr | None:
        """`p` in `Path(p).resolve()`: the variable a resolved path object is made from."""
        func = node.func if isinstance(node, ast.Call) else None
        if not (
            isinstance(func, ast.Attribute) and func.attr == "resolve" and isinstance(func.value, ast.Call)
        ):
            return None
        made = func.value
        return made.args[0] if made.args and self._qual(made) in PATH_CLASSES else None

    def _confinement(self, receiver: ast.expr, state: State) -> dict[str, frozenset[str]]:
        """The path variable a prefix check on `receiver` confines: `receiver` itself when it
        holds a resolved path, the path inside `os.path.realpath(p)` / `p.resolve()`."""
        key = state_key(receiver)
        if key is not None and "resolved" in state.get(key, CLEAN).tags:
            # and what it was resolved from: `full = normpath(join(base, p)) + os.sep` speaks of `p`
            return dict.fromkeys(self._path_keys(receiver, state), frozenset({"path"}))
        if key is not None and self._passes_on(key):
            # `def inside(p, root): return p.is_relative_to(root)`: the caller's path, confined
            # if the caller resolved it (see `_predicate_said_yes`)
            return {key: IF_RESOLVED}
        if isinstance(receiver, ast.Call) and self._matches(self._qual(receiver), PATH_RESOLVERS):
            inner = receiver.args[0] if receiver.args else None
            inner_key = state_key(inner) if inner is not None else None
            if inner_key is None and isinstance(receiver.func, ast.Attribute):
                inner_key = state_key(receiver.func.value)
            return {inner_key: frozenset({"path"})} if inner_key else {}
        return {}

    def _confined(self, common: ast.Call, state: State) -> dict[str, frozenset[str]]:
        """Resolved paths whose common path with a root is compared to that root (also as text:
        `commonpath([str(p.resolve()), root])`)."""
        proven: dict[str, frozenset[str]] = {}
        for arg in common.args:
            for elt in getattr(arg, "elts", []):
                if isinstance(elt, ast.Call) and self._qual(elt) in _AS_TEXT and len(elt.args) == 1:
                    elt = elt.args[0]
                proven.update(self._confinement(elt, state))
        return proven

    def _signed(self, node: ast.expr, depth: int = 0) -> list[str]:
        """The variables a MAC in `node` is computed over, with the server's key: found equal to the
        signature that came with them, they are data the server signed. `hmac.new(key, msg, ...)`
        (and its `.digest()`/`.hexdigest()`), `hmac.digest(key, msg, ...)`, a call to a function
        named for one (`base64_hmac(value, key)`, `compute_signature(...)`), or a name assigned one."""
        if depth > 3:
            return []
        if isinstance(node, ast.Name):
            values = self.mod.resolver.possible_values(node)
            return self._signed(values[0], depth + 1) if len(values) == 1 and values[0] is not node else []
        if not isinstance(node, ast.Call):
            return []
        func = node.func
        if (
            isinstance(func, ast.Attribute)
            and func.attr in ("digest", "hexdigest", "encode", "decode")
            and isinstance(func.value, ast.Call)
        ):
            return self._signed(func.value, depth + 1)
        qual = self._qual(node) or ""
        if qual in ("str", "bytes") and len(node.args) == 1:
            return self._signed(node.args[0], depth + 1)
        if qual in _MAC_CALLS:
            message = node.args[1] if len(node.args) > 1 else keyword_value(node, "msg")
            signed = [message] if message is not None else []
        elif _MAC_FUNCTION.search(qual.rsplit(".", 1)[-1]):
            signed = list(node.args)
        else:
            return []
        return sorted(self._decoded_from(self._made_of(signed)))

    def _decoded_from(self, signed: set[str]) -> set[str]:
        """The signed variables, and those assigned once from nothing else (`data =
        base64.b64decode(signed)`, before or after the check): rope decodes the payload, then
        checks the MAC of its encoded form, then loads the decoded one."""
        if self.func is None:
            return signed
        assigned: dict[str, list[ast.expr | None]] = {}
        for node in nodes_of(
            self.func.node, ast.Assign, ast.AugAssign, ast.AnnAssign, ast.For, ast.NamedExpr
        ):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]  # type: ignore[attr-defined]
            value = node.value if isinstance(node, ast.Assign) else None  # type: ignore[attr-defined]
            for target in targets:
                if isinstance(target, ast.Name):
                    assigned.setdefault(target.id, []).append(value if len(targets) == 1 else None)
        found = set(signed)
        grown = True
        while grown:
            grown = False
            for name, values in assigned.items():
                if name in found or len(values) != 1 or values[0] is None:
                    continue
                used = {n.id for n in nodes_of(values[0], ast.Name)}  # type: ignore[attr-defined]
                if used and used <= found | self.mod.imports.keys():
                    found.add(name)
                    grown = True
        return found

    def _made_of(self, nodes: list[ast.expr], depth: int = 0) -> set[str]:
        """Every variable an expression is made of (`"%s?%s" % (path, urlencode(query))`), also
        through a name assigned it once (`message = ...`, then `sign(message)`)."""
        found: set[str] = set()
        for part in (whole for node in nodes for whole in _whole_operands(node)):
            key = state_key(part)
            if key is None:
                continue
            found.add(key)
            if isinstance(part, ast.Name) and depth < 2:
                values = self.mod.resolver.possible_values(part)
                if len(values) == 1 and values[0] is not part:
                    found |= self._made_of(values, depth + 1)
        return found

    def _names_own_site(self, node: ast.expr) -> bool:
        """`request.get_host()`, `URL(request.application_url).netloc`, or the host of a name bound
        once to such a URL: the request's own site by how it is read, whether `request` is the
        framework's global or a parameter of a helper (whose value is its caller's)."""
        if _own_site_text(node_text(self.mod, node)):
            return True
        if not (isinstance(node, ast.Attribute) and node.attr in ("netloc", "hostname", "host")):
            return False
        base = self._bound_once(node.value)
        return (
            isinstance(base, ast.Call)
            and len(base.args) == 1
            and _own_site_text(node_text(self.mod, base.args[0]))
        )

    def _bound_once(self, node: ast.expr) -> ast.expr:
        """What a local name is bound to, when the function binds it once and not from itself
        (`parsed = urlparse(url)`); otherwise the node itself."""
        if isinstance(node, ast.Name) and self.func is not None:
            kept = self.mod.resolver.assigned_values(node.id, self.func.node)
            if len(kept) == 1 and not any(n.id == node.id for n in nodes_of(kept[0], ast.Name)):
                return kept[0]
        return node

    def _host_of(self, node: ast.expr, state: State) -> list[str]:
        """Variables whose host `node` is (`urlparse(url).netloc`, `parsed.hostname`)."""
        return self._url_part_of(node, state, ("netloc", "hostname"))

    def _url_part_of(self, node: ast.expr, state: State, parts: tuple[str, ...]) -> list[str]:
        """Variables whose parsed URL `node` is a part of (`urlparse(url).scheme`, `parsed.netloc`,
        or `host` kept from one: `host = (urlparse(url).hostname or "").lower()`)."""
        bound = self._bound_once(node)
        if bound is not node:
            return self._url_part_of(_same_text(bound), state, parts)
        split = _split_url(node) if "netloc" in parts else None
        if split is not None:
            base = split  # `url.split("/")[2]`: the netloc of `scheme://netloc/...`, as `url.netloc`
        elif isinstance(node, ast.Attribute) and node.attr in parts:
            base = node.value
        else:
            return []
        if isinstance(base, ast.Call) and self._qual(base) in URL_PARSERS and base.args:
            parsed = parsed_url(base, self.mod)
            key = state_key(parsed) if parsed is not None else None
            return [key] if key else []
        key = state_key(base)
        if key is not None:
            origin = state.get(key, CLEAN).origin
            return [k for k in (origin, key) if k]
        return []

    def _call_guards(self, test: ast.Call, state: State) -> dict[str, frozenset[str]]:
        func = test.func
        qual = self._qual(test)
        if qual in _ANY and len(test.args) == 1 and isinstance(test.args[0], ast.GeneratorExp):
            return self._any_guards(test.args[0], state)
        if qual in _ALL:
            return self._every_element(test, state, holds=True)
        if qual in _GLOB_MATCHES and len(test.args) == 2:
            return self._host_glob(test.args[0], self.ev(test.args[1], state), state)
        if isinstance(func, ast.Attribute):
            receiver = func.value
            if func.attr in ("startswith", "is_relative_to"):
                confined = self._confinement(receiver, state)
                if not test.args:
                    return confined
                prefixes = _prefixes(test)
                rooted = _refused_as_path(state_key(receiver), _ROOTED) if prefixes == {"/"} else {}
                key = state_key(receiver)
                # `if not url.startswith("http"): abort`: it starts with a letter, no option
                no_option = (
                    {key: frozenset({"argument"})} if key and _no_option_starts(test, prefixes) else {}
                )
                # `if not to.startswith("/services/"): abort`: a path under a named folder of this site
                on_site = {key: frozenset({"redirect"})} if key and _site_path_starts(test, prefixes) else {}
                if on_site and key not in state and key not in self.globals:
                    self._guarded[key] = self.ev(receiver, state)  # `parsed.path`, read off a local
                return _union([confined, self._fixed_host(test, state), rooted, no_option, on_site])
            if func.attr in GUARD_METHODS:
                key = state_key(receiver)
                return {key: GUARD_METHODS[func.attr]} if key else {}
            if func.attr in VALIDATING_METHODS and not test.args and not test.keywords:
                return self._validated(receiver, VALIDATING_METHODS[func.attr])
        qual = self._qual(test)
        if (qual or "").rsplit(".", 1)[-1] in _DIGEST_COMPARISONS and len(test.args) == 2:
            signed = self._signed(test.args[0]) or self._signed(test.args[1])
            if signed:
                return dict.fromkeys(signed, frozenset({ALL}))  # `hmac.compare_digest(mac(data), sig)`
            return self._equal_to_servers(test.args, state)  # `constant_time_compare(key, get_key())`
        regex = self._regex_check(test, qual, state)
        if regex is not None:
            key, kinds = regex
            return {key: kinds} if key and kinds else {}
        for pattern, (index, keyword, kinds) in GUARD_CALLS.items():
            if qual == pattern or name_matches(qual, pattern):
                arg = test.args[index] if len(test.args) > index else keyword_value(test, keyword)
                if arg is None and kinds:
                    return dict.fromkeys(_passed_in_mapping(test, keyword, state), kinds)
                key = state_key(arg) if arg is not None else None
                return {key: kinds} if key and kinds else {}
        name = qual.rsplit(".", 1)[-1] if qual else ""
        if URL_CHECK_NAMES.fullmatch(name) and test.args:
            key = state_key(test.args[0])
            return {key: frozenset({"redirect", "ssrf"})} if key else {}
        return self._predicate_said_yes(test, state)

    def _equal_to_servers(self, sides: list[ast.expr], state: State) -> dict[str, frozenset[str]]:
        """Two values a digest comparison found equal where one is the server's own (a key it
        derived, a setting): the other is that value, whatever the client sent."""
        proven: dict[str, frozenset[str]] = {}
        for subject, other in ((sides[0], sides[1]), (sides[1], sides[0])):
            key = state_key(subject)
            if key is not None and chosen_by_server(self.ev(other, state)):
                proven[key] = frozenset({ALL})
        return proven

    def _predicate_said_yes(self, test: ast.Call, state: State) -> dict[str, frozenset[str]]:
        """`if inside_root(target):` held: what the project's own predicate checks of its
        parameters on every path that answers yes holds for the arguments it was given."""
        keys = self._tainted_argument_keys(test, state)
        if not keys:
            return {}
        target = self._resolve(test.func, state, hands_input=True)
        if target is None and self._project_call(test.func, self._qual(test)):
            # `p = os.path.abspath(p)`, then `if not _is_inside_logs_dirs(p): refuse`: project code
            # the review does not see checked a resolved path, which only a confinement check needs
            return {k: frozenset({"path"}) for k in keys if k and "resolved" in state.get(k, CLEAN).tags}
        if target is None or not target[1].is_predicate:
            return {}
        module, func, bound = target
        proofs = self.program.summary(module, func).true_proofs
        return self._proven_arguments(test, func, bound, proofs, state)

    def _tainted_argument_keys(self, call: ast.Call, state: State) -> list[str | None]:
        """The state keys of a call's plain arguments, if one at least holds data (else none)."""
        given = [*call.args, *(k.value for k in call.keywords)]
        keys = [state_key(a) for a in given if isinstance(a, ast.Name | ast.Attribute)]
        return keys if any(k and state.get(k, CLEAN).tainted for k in keys) else []

    def _reporter_said_nothing(self, test: ast.Call, state: State) -> dict[str, frozenset[str]]:
        """`error = validate_path(p)` came back empty: what the project's error reporter checks
        of its parameters on every path that reports nothing holds for the arguments it was given."""
        if not self._tainted_argument_keys(test, state):
            return {}
        return self._checked_by(test, state, lambda f: f.reports_errors, lambda s: s.none_proofs)

    def checked_by_procedure(self, call: ast.Call, state: State) -> dict[str, frozenset[str]]:
        """`self.check_path_access(root, path)` as a statement, or `full = validate(p, ...)`: a
        function that raises unless its check held has, once it returned, proven of its
        parameters what every normal return proves (see `FunctionInfo.may_check_by_raising`)."""
        given = [*call.args, *(k.value for k in call.keywords)]
        if not any(self._settled(a, state).tainted for a in given):
            return {}
        return self._checked_by(call, state, lambda f: f.may_check_by_raising, lambda s: s.exit_proofs)

    def _checked_by(
        self,
        call: ast.Call,
        state: State,
        checks: Callable[[FunctionInfo], bool],
        proofs: Callable[[Summary], dict[str, frozenset[str]] | None],
    ) -> dict[str, frozenset[str]]:
        """What the project function `call` runs proves of the arguments it was given, when it is
        a check of the kind `checks` says, by what its summary kept (`proofs`)."""
        target = self._resolve(call.func, state, hands_input=True)
        if target is None or not checks(target[1]):
            return {}
        module, func, bound = target
        return self._proven_arguments(call, func, bound, proofs(self.program.summary(module, func)), state)

    def _proven_arguments(
        self,
        test: ast.Call,
        func: FunctionInfo,
        bound: bool,
        proofs: dict[str, frozenset[str]] | None,
        state: State,
    ) -> dict[str, frozenset[str]]:
        """The caller's names a check proves of the parameters they were passed as."""
        given = [*test.args, *(k.value for k in test.keywords)]
        offset = 1 if bound else 0
        out: dict[str, frozenset[str]] = {}
        for name, kinds in (proofs or {}).items():
            index = func.params.index(name) - offset
            arg = argument_of(test, name, index) if index >= 0 else None
            key = state_key(arg) if arg is not None else None
            if key and kinds & IF_RESOLVED:
                resolved = frozenset({"path"}) if "resolved" in state.get(key, CLEAN).tags else frozenset()
                # a checker's own parameter keeps the condition for its callers
                kinds = kinds | resolved if self._passes_on(key) else (kinds - IF_RESOLVED) | resolved
            if "path" in kinds and any(_clients(self._settled(a, state)) for a in given if a is not arg):
                # `is_within(root, p)` with a root the client chose confines nothing
                kinds = kinds - {"path"}
            if key and kinds:
                out[key] = kinds
        return out

    def note_answer(self, returned: ast.expr | None, state: State) -> None:
        """A predicate's `return`: unless it says no, what its parameters passed on the way here
        (or pass in the returned condition) is what its callers' `if` may rely on."""
        func = self.func
        if func is None or returned is None or (isinstance(returned, ast.Constant) and not returned.value):
            return
        passed = dict(self.guards(returned, state)[0]) if not isinstance(returned, ast.Constant) else {}
        self.summary.true_proofs = _met(self.summary.true_proofs, self._param_proofs(passed, state))

    def _settled(self, node: ast.expr, state: State) -> Value:
        """What an argument the statement has already evaluated holds, read again without running
        a call twice (a call's result, not kept anywhere, counts as unknown)."""
        if any(isinstance(part, ast.Call) for part in ast.walk(node)):
            step = Step(self.mod.path, node.lineno, "a call's result")
            return Value(frozenset({Trace(OPAQUE, "a call's result", (step,))}))
        return self.ev(node, state)

    def _passes_on(self, key: str) -> bool:
        """Whether `key` is a parameter of this predicate or checker, which hands what a check
        proved of it on to its own callers (resolved or not, as they pass it)."""
        func = self.func
        return func is not None and (func.is_predicate or func.may_check_by_raising) and key in func.params

    def note_nothing(self, state: State) -> None:
        """An error reporter's return of nothing (see `FunctionInfo.reports_errors`): what its
        parameters passed on the way here is what a caller that got nothing may rely on."""
        self.summary.none_proofs = _met(self.summary.none_proofs, self._param_proofs({}, state))

    def note_exit(self, state: State) -> None:
        """A normal return (see `FunctionInfo.may_check_by_raising`): what its parameters passed
        on the way here is what its callers may rely on after the call."""
        self.summary.exit_proofs = _met(self.summary.exit_proofs, self._param_proofs({}, state))

    def _param_proofs(self, passed: dict[str, frozenset[str]], state: State) -> dict[str, frozenset[str]]:
        """What the function's parameters are proven safe for here (`passed`: what the answer
        itself proves of names), as the caller passed them."""
        func = self.func
        assert func is not None
        for name in func.rebound_params & passed.keys():
            if state.get(name, CLEAN).origin == name:
                continue
            if self._resolved_in_place(name):
                # `path = os.path.realpath(path)`: confined, it is where the caller's path leads
                passed[name] = passed[name] & frozenset({"path"})
            else:
                del passed[name]  # a check of what the parameter became, not of what the caller passed
        for index, name in enumerate(func.params):
            if name in func.rebound_params and state.get(name, CLEAN).origin != name:
                continue  # what the parameter became was made safe, not what the caller passed
            kinds = _passed(state.get(name), index, name in func.rebound_params)
            if kinds:
                passed[name] = passed.get(name, frozenset()) | kinds
        return {name: kinds for name, kinds in passed.items() if name in func.params}

    def _resolved_in_place(self, name: str) -> bool:
        """Whether every assignment to the parameter `name` resolves it in place
        (`path = os.path.normcase(os.path.realpath(path))`): its value then names the file the
        caller's path names, so a confinement proven of it holds of the caller's path."""
        assert self.func is not None
        found = False
        for node in nodes_of(self.func.node, ast.Assign, ast.AugAssign, ast.AnnAssign, ast.NamedExpr):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]  # type: ignore[attr-defined]
            if not any(isinstance(t, ast.Name) and t.id == name for t in targets):
                continue
            if not isinstance(node, ast.Assign) or len(targets) != 1:
                return False
            value = node.value
            while isinstance(value, ast.Call) and len(value.args) == 1 and not value.keywords:
                qual = self._qual(value)
                if not (qual in CASE_FOLDS or (qual in PATH_RESOLVERS and not qual.startswith("*"))):
                    return False
                value = value.args[0]
            if not (isinstance(value, ast.Name) and value.id == name and value is not node.value):
                return False
            found = True
        return found

    def _validated(self, form: ast.expr, kinds: frozenset[str]) -> dict[str, frozenset[str]]:
        """`form.is_valid()` held: the form, and the variables it was made from
        (`F(data={"key": key})`), hold data its fields checked."""
        key = state_key(form)
        proven = {key: kinds} if key else {}
        for made in self.mod.resolver.possible_values(form) if isinstance(form, ast.Name) else ():
            if not isinstance(made, ast.Call):
                continue
            given = [*made.args, *(k.value for k in made.keywords)]
            for value in given:
                parts = value.values if isinstance(value, ast.Dict) else [value]
                for part in parts:
                    part_key = state_key(part) if part is not None else None
                    if part_key:
                        proven[part_key] = kinds
        return proven

    def _any_guards(self, test: ast.GeneratorExp, state: State) -> dict[str, frozenset[str]]:
        """`any(url.startswith(p) for p in PREFIXES)` proves what `url.startswith(PREFIXES)` does;
        `any(fnmatch(host, p) for p in patterns)`, with patterns of the operator's, that the host
        is one they allow."""
        loop = test.generators[0] if len(test.generators) == 1 else None
        elt = test.elt
        if loop is None or loop.ifs or loop.is_async or not isinstance(loop.target, ast.Name):
            return {}
        if not (isinstance(elt, ast.Call) and len(elt.args) >= 1 and not elt.keywords):
            return {}
        last = elt.args[-1]
        if not (isinstance(last, ast.Name) and last.id == loop.target.id):
            return {}
        if isinstance(elt.func, ast.Attribute) and elt.func.attr == "startswith" and len(elt.args) == 1:
            whole = ast.copy_location(ast.Call(func=elt.func, args=[loop.iter], keywords=[]), elt)
            return self._call_guards(whole, state)
        if self._qual(elt) in _GLOB_MATCHES and len(elt.args) == 2:
            return self._host_glob(elt.args[0], self.ev(loop.iter, state), state)
        return {}

    def _every_element(self, test: ast.Call, state: State, holds: bool) -> dict[str, frozenset[str]]:
        """`if any(not inside(root, p) for p in paths): abort` failed, or `all(inside(root, p) for
        p in paths)` held: what the test proves of one element it proves of every element."""
        given = test.args[0] if len(test.args) == 1 and not test.keywords else None
        loop = (
            given.generators[0]
            if isinstance(given, ast.GeneratorExp) and len(given.generators) == 1
            else None
        )
        if loop is None or loop.ifs or loop.is_async or not isinstance(loop.target, ast.Name):
            return {}
        items = state_key(loop.iter)
        if items is None:
            return {}
        inner = dict(state)
        self.bind(loop.target, self.ev(loop.iter, state).element(), inner, test.lineno)  # type: ignore[attr-defined]
        when_true, when_false = self.guards(given.elt, inner)  # type: ignore[union-attr]
        kinds = (when_true if holds else when_false).get(loop.target.id)
        return {items: kinds} if kinds else {}

    def _host_glob(self, subject: ast.expr, patterns: Value, state: State) -> dict[str, frozenset[str]]:
        """`fnmatch(host, "*.example.com")`: a URL's host matched against the server's patterns
        (constants, settings, the environment) is one the operator allowed."""
        if not chosen_by_server(patterns):
            return {}
        return dict.fromkeys(self._host_of(subject, state), frozenset({"redirect", "ssrf"}))

    def _fixed_host(self, test: ast.Call, state: State) -> dict[str, frozenset[str]]:
        """`url.startswith("https://api.example.com/")`: a URL that starts with a scheme, a host
        and the `/` (or `?`, `#`) after the host names that host, so fetching or redirecting to it
        stays there (without that `/`, `https://api.example.com.evil.net` would pass)."""
        assert isinstance(test.func, ast.Attribute)
        arg = test.args[0]
        if isinstance(arg, ast.Tuple | ast.List):
            prefixes = [self.ev(item, state).const for item in arg.elts]
        else:
            given = self.ev(arg, state)  # a string, or a tuple of them kept in a constant
            prefixes = [v.const for v in given.items.values()] if given.items else [given.const]
        if not prefixes or not all(isinstance(p, str) and FIXED_HOST.match(p) for p in prefixes):
            return {}
        key = state_key(test.func.value)
        return {key: frozenset({"ssrf", "redirect"})} if key else {}

    def _regex_check(
        self, test: ast.Call, qual: str, state: State
    ) -> tuple[str | None, frozenset[str]] | None:
        """`re.fullmatch(P, x)`, `re.match(P, x)`, `PATTERN.fullmatch(x)` with a constant P: the
        variable checked and the sink families the pattern really proves it safe for
        (regex_proof: anchored allow-lists only); None when the call is no regex check."""
        mode = qual.rsplit(".", 1)[-1]
        if mode not in ("fullmatch", "match", "search"):
            return None
        if qual in ("re.fullmatch", "re.match", "re.search"):
            if len(test.args) < 2:
                return None, frozenset()
            pattern, subject = test.args[0], test.args[1]
            flags = self._flags(test.args[2] if len(test.args) > 2 else keyword_value(test, "flags"))
        elif isinstance(test.func, ast.Attribute) and test.args:
            compiled = self._compiled_pattern(test.func.value)
            if compiled is None:
                return None
            pattern, flags = compiled
            subject = test.args[0]
        else:
            return None
        text = self._pattern_text(pattern, state)
        if text is not None:
            return state_key(subject), checked_kinds(text, mode, flags)
        rest = self._after_server_prefix(pattern, state)
        if rest is not None and mode != "search":
            # `re.escape(config["BASE_PATH"]) + r"/[a-z]..."`: the server's prefix, then a local path
            return state_key(subject), proven_kinds(rest, mode, flags) & {"redirect"}
        return state_key(subject), frozenset()

    def _pattern_text(self, pattern: ast.expr, state: State) -> str | None:
        """A regex check's pattern when the code fixes it: a literal, or a name or expression
        holding constant text (`NAME_PATTERN = r"^[a-z]+$"`, then `re.compile(NAME_PATTERN)`)."""
        if isinstance(pattern, ast.Constant):
            return pattern.value if isinstance(pattern.value, str) else None
        if not isinstance(pattern, ast.Name | ast.Attribute | ast.BinOp):
            return None
        value = self.ev(pattern, state)
        return value.const if isinstance(value.const, str) and not value.tainted else None

    def _after_server_prefix(self, pattern: ast.expr, state: State) -> str | None:
        """The constant rest of a pattern that starts with an escaped value of the server's own
        (`re.escape(base_path) + r"..."`): no request data in the prefix; a parameter or unknown
        value counts as the server's, as a URL's start does (text_fold.fixes_host)."""
        if not (isinstance(pattern, ast.BinOp) and isinstance(pattern.op, ast.Add)):
            return None
        head, rest = pattern.left, pattern.right
        if not (isinstance(rest, ast.Constant) and isinstance(rest.value, str)):
            return None
        if not (isinstance(head, ast.Call) and self.mod.qualname(head.func) == "re.escape" and head.args):
            return None
        prefix = self.ev(head.args[0], state)
        return None if any(t.reaches("redirect") for t in _clients(prefix)) else rest.value

    def _flags(self, node: ast.expr | None) -> int:
        if node is None:
            return 0
        total = 0
        for part in ast.walk(node):
            if isinstance(part, ast.Attribute | ast.Name):
                name = (self.mod.qualname(part) or "").rsplit(".", 1)[-1]
                total |= int(getattr(re, name, 0)) if name.isupper() else 0
        return total

    def _compiled_pattern(self, node: ast.expr) -> tuple[ast.expr, int] | None:
        """The constant pattern of a module- or function-level `NAME = re.compile("...")`."""
        if not isinstance(node, ast.Name):
            return None
        scopes = [self.func.node.body] if self.func is not None else []
        scopes.append(self.mod.tree.body)
        for body in scopes:
            for stmt in body:
                if not (isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Call)):
                    continue
                if not any(isinstance(t, ast.Name) and t.id == node.id for t in stmt.targets):
                    continue
                if self.mod.qualname(stmt.value.func) == "re.compile" and stmt.value.args:
                    flags = (
                        stmt.value.args[1] if len(stmt.value.args) > 1 else keyword_value(stmt.value, "flags")
                    )
                    return stmt.value.args[0], self._flags(flags)
        return None

    def apply_guards(self, proven: dict[str, frozenset[str]], state: State) -> State:
        for key, kinds in proven.items():
            if key in state:
                current = state[key]
            elif key in self.globals:
                current = self.globals[key]
            elif key in self._guarded:
                current = self._guarded[key]
            else:
                continue
            if kinds & KINDS.keys():
                kinds = kinds | {"trust-boundary"}  # data that passed a check is validated data
            if _NOT_PARENT in kinds and ONE_COMPONENT in current.tags:
                kinds = kinds | {NO_SEPARATOR}  # one segment as it is now, and not `..`: a name here
            before = state.get(key)
            state[key] = _on_site_if_checked(_confined_if_refused_both_ways(current.sanitize(kinds)))
            if before is not None:
                self.rejoin(key, before, state)
        return state


@dataclass(frozen=True)
class KeptCheck:
    """A condition's outcome assigned to a name: what it proves when true and when false, and the
    values of the variables it speaks of when it was made."""

    when_true: dict[str, frozenset[str]]
    when_false: dict[str, frozenset[str]]
    values: dict[str, Value | None]


#: what a predicate's confinement check of a parameter proves: the path, if the caller resolved it
IF_RESOLVED = frozenset({"path-if-resolved"})


def _passed(value: Value | None, index: int, rebound: bool) -> frozenset[str]:
    """The sink kinds a parameter's value has been proven safe for here: those every trace of the
    parameter carries, or all of them when a check left nothing of it (`if not p.isalnum(): return`)."""
    if value is None:
        return frozenset()
    traces = [t for t in value.all_traces() if t.kind == PARAM and t.param == index]
    if traces:
        return frozenset.intersection(*(t.sanitized for t in traces))
    if not value.all_traces() and not value.has_const() and not rebound:
        return frozenset({ALL})
    return frozenset()


def _split_url(node: ast.expr) -> ast.expr | None:
    """The URL `node` takes the third slash-separated part of (`url.split("/")[2]`): the part of
    `scheme://netloc/path` between `//` and the next slash (or the URL's end), its netloc."""
    if not (
        isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant) and node.slice.value == 2
    ):
        return None
    call = node.value
    if not (
        isinstance(call, ast.Call)
        and isinstance(call.func, ast.Attribute)
        and call.func.attr == "split"
        and call.args
        and isinstance(call.args[0], ast.Constant)
        and call.args[0].value == "/"
    ):
        return None
    return call.func.value


def _letters_only(node: ast.expr) -> bool:
    """A constant word, or a literal collection of them: none can start with `-`."""
    items = node.elts if isinstance(node, ast.Tuple | ast.List | ast.Set) else [node]
    return bool(items) and all(
        isinstance(e, ast.Constant) and isinstance(e.value, str) and e.value[:1].isalpha() for e in items
    )


def _site_path_starts(test: ast.Call, prefixes: set[str]) -> bool:
    """Every start a `startswith` call accepts is a constant path on this site (`LOCAL_PATH`)."""
    arg = test.args[0]
    count = len(arg.elts) if isinstance(arg, ast.Tuple) else 1
    return len(prefixes) == count and all(LOCAL_PATH.match(p) for p in prefixes)


def _no_option_starts(test: ast.Call, prefixes: set[str]) -> bool:
    """Every start a `startswith` call accepts is a constant that does not start with `-`."""
    arg = test.args[0]
    count = len(arg.elts) if isinstance(arg, ast.Tuple) else 1
    return len(prefixes) == count and all(p and not p.startswith("-") for p in prefixes)


def _prefixes(test: ast.Call) -> set[str]:
    """The constant prefixes a `startswith` call tests (one, or a tuple of them)."""
    arg = test.args[0]
    items = arg.elts if isinstance(arg, ast.Tuple) else [arg]
    return {e.value for e in items if isinstance(e, ast.Constant) and isinstance(e.value, str)}


def _whole_operands(node: ast.AST) -> list[ast.Name | ast.Attribute]:
    """The names and attributes an expression holds whole: not what it only takes a part of
    (`line` in `line[end + 1:]`, nor the index `end`)."""
    if isinstance(node, ast.Name | ast.Attribute):
        return [node]
    if isinstance(node, ast.Subscript):
        return []
    if isinstance(node, ast.Call):  # what it is given, and the object of a method (`query.items()`)
        receiver = [node.func.value] if isinstance(node.func, ast.Attribute) else []
        given = [*receiver, *node.args, *(k.value for k in node.keywords)]
        return [found for part in given for found in _whole_operands(part)]
    return [found for child in ast.iter_child_nodes(node) for found in _whole_operands(child)]


def _at_most_one_character_when_false(test: ast.expr) -> bool:
    """`len(p) > 1` (or `>= 2`): when false, `p` has no second character to test."""
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.left, ast.Call)):
        return False
    call, bound = test.left, test.comparators[0]
    if not (isinstance(call.func, ast.Name) and call.func.id == "len" and isinstance(bound, ast.Constant)):
        return False
    limit = bound.value
    if not isinstance(limit, int) or isinstance(limit, bool):
        return False
    op = test.ops[0]
    return (isinstance(op, ast.Gt) and limit <= 1) or (isinstance(op, ast.GtE) and limit <= 2)


def _second_character(node: ast.expr) -> str | None:
    """The variable `p` of `p[1:2]` or `p[1]`: its second character."""
    if not isinstance(node, ast.Subscript):
        return None
    index = node.slice
    if isinstance(index, ast.Slice):
        lower, upper = index.lower, index.upper
        second = (
            isinstance(lower, ast.Constant)
            and lower.value == 1
            and isinstance(upper, ast.Constant)
            and upper.value == 2
        )
    else:
        second = isinstance(index, ast.Constant) and index.value == 1
    return state_key(node.value) if second else None


def _slashes(node: ast.expr) -> bool:
    """A constant collection (or string) holding both `/` and `\\`."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return "/" in node.value and "\\" in node.value
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        values = {e.value for e in node.elts if isinstance(e, ast.Constant)}
        return {"/", "\\"} <= values
    return False


def controls_removed(value: Value) -> Value:
    """`re.sub(r"[\\t\\n\\r]", "", p)`: no tab, CR or LF is left, but the second character may be
    another one than was checked before (`/<tab>/host` becomes `//host`)."""
    cleared = {_NO_SECOND_SLASH, _NO_DOUBLE_SLASH, _NO_SLASH_BACKSLASH}
    return _on_site_if_checked(
        value.map_traces(lambda t: replace(t, sanitized=(t.sanitized - cleared) | {_NO_CONTROLS}))
    )


def removes_url_controls(pattern: object, replacement: object) -> bool:
    """Whether `re.sub(pattern, replacement, p)` leaves no tab, CR or LF in any `p`: the
    constant pattern removes each of them (tried on a short sample, never on the code's data)."""
    if not isinstance(pattern, str) or replacement != "" or len(pattern) > 64:
        return False
    try:
        return re.sub(pattern, "", f"a{_URL_CONTROLS}b") == "ab" and re.sub(pattern, "", "/x") == "/x"
    except (re.error, RecursionError):
        return False


def _passed_in_mapping(test: ast.Call, keyword: str | None, state: State) -> list[str]:
    """`check(**options)` with `options = {"url": next_url, ...}`: the names whose value the
    mapping passes as `keyword` (names holding that same value: the same data from the same reads)."""
    for passed in test.keywords:
        key = state_key(passed.value) if passed.arg is None else None
        mapping = state.get(key) if key is not None else None
        item = (mapping.items or {}).get(keyword) if mapping is not None else None
        if item is not None and item.tainted:
            return [name for name, value in state.items() if _reads(value) == _reads(item)]
    return []


def _reads(value: Value) -> frozenset[tuple[str, str, Step]]:
    """Where a value's data was read, whatever happened to it since."""
    return frozenset((t.kind, t.source, t.steps[0]) for t in value.all_traces() if t.steps)


#: MACs computed with a key (`hmac.new(key, msg, digestmod)`), and functions named for one
_MAC_CALLS = frozenset({"hmac.new", "hmac.HMAC", "hmac.digest"})
_MAC_FUNCTION = re.compile(r"hmac|signature|^_*sign$|^_*sign_|_sign$", re.IGNORECASE)
#: comparisons of a computed MAC with the one that came with the data
#: (`hmac.compare_digest`, itsdangerous', Django's and Werkzeug's equivalents, by their last name)
_DIGEST_COMPARISONS = frozenset({"compare_digest", "constant_time_compare", "safe_str_cmp"})

#: the request's own URL or host, as the frameworks give it: a URL whose host equals its host
#: leads back to the site the request came to
_OWN_SITE = re.compile(
    r"(?:^|\.)request\.(?:base_url|url_root|host_url|application_url|host|url|get_host\(\)"
    r"|build_absolute_uri\((?:\"[^\"]*\"|'[^']*')?\))$"
)


#: the Host header the browser sent, read raw (`request.META["HTTP_HOST"]`, `headers.get("host")`)
_HOST_HEADER = re.compile(r"""HTTP_HOST\b|headers(?:\.get\(|\[)\s*["']host["']""", re.IGNORECASE)


def _own_site_text(text: str) -> bool:
    """An expression that reads the request's own URL or host, or the Host header its browser sent."""
    return bool(_OWN_SITE.search(text) or _HOST_HEADER.search(text))


def _own_site(value: Value) -> bool:
    """Whether every trace of a value is the request's own URL or host."""
    traces = value.all_traces()
    return bool(traces) and all(t.kind == "web" and _OWN_SITE.search(t.source) for t in traces)


def back_to_own_host(trace: Trace) -> bool:
    """A redirect target made from the request's own URL or Host header: a victim's browser sends
    the host it is connected to, so it sends them back to this site (the Host header misleads a
    cache or a fetch, not a browser's redirect)."""
    return trace.kind == "web" and _own_site_text(trace.source)


def on_site_at(location: str | None, trace: Trace) -> bool:
    """A redirect target known to start with `/`, written by a framework that percent-encodes the
    Location (`quoted`: no tab, CR, LF or `\\` reaches the browser, so no second `/` is enough)
    or refuses control characters in it (`no-controls`: neither `/` nor `\\` second): it stays
    on this site without the explicit removal of controls `_on_site_if_checked` needs."""
    facts = trace.sanitized
    if location is None or _ROOTED not in facts:
        return False
    if _NO_SECOND_SLASH in facts:
        return True
    if location == "quoted":
        return _NO_DOUBLE_SLASH in facts
    return location == "no-controls" and {_NO_DOUBLE_SLASH, _NO_SLASH_BACKSLASH} <= facts


def _on_site_if_checked(value: Value) -> Value:
    """A redirect target known to start with `/`, with neither `/` nor `\\` second and no tab,
    CR or LF, stays on this site."""

    def checked(trace: Trace) -> Trace:
        facts = trace.sanitized
        second = _NO_SECOND_SLASH in facts or {_NO_DOUBLE_SLASH, _NO_SLASH_BACKSLASH} <= facts
        if second and {_ROOTED, _NO_CONTROLS} <= facts:
            return trace.sanitize({"redirect"})
        return trace

    if not any(_ROOTED in t.sanitized for t in value.all_traces()):
        return value
    return value.map_traces(checked)


def parents_removed(value: Value) -> Value:
    """`p.replace("..", "")`: no `..` is left (removing one cannot make another), but what was
    not absolute may be now (`..//etc` becomes `//etc`)."""
    removed = value.map_traces(lambda t: replace(t, sanitized=(t.sanitized - {_RELATIVE}) | {_NO_PARENT}))
    return _confined_if_refused_both_ways(removed)


def not_absolute(value: Value) -> Value:
    """A path that cannot be absolute: `p.lstrip("/")`, or a URL part of one path segment (Flask's
    default converter, which holds no `/`). With `..` refused as well, it stays under whatever root
    it is joined to."""
    return _confined_if_refused_both_ways(value.map_traces(lambda t: t.sanitize({_RELATIVE})))


def one_segment(value: Value) -> Value:
    """A URL part of one path segment as the router passed it: no `/` in it (so not absolute);
    refused as `.` and `..` too, it stays in the folder it is joined to (see `apply_guards`)."""
    return not_absolute(value).with_tags(ONE_COMPONENT)


def _confined_if_refused_both_ways(value: Value) -> Value:
    """A path refused when it holds `..` and when it is absolute (in either order, by one test or
    two) stays under whatever root it is joined to; so does one component (no `/`) that is not
    `..` (`if name == ".." or "/" in name: refuse`)."""
    value = value.map_traces(
        lambda t: (
            t.sanitize({_NO_PARENT})
            if {_NO_LEADING_PARENT, _NOT_PARENT} <= t.sanitized or {NO_SEPARATOR, _NOT_PARENT} <= t.sanitized
            else t
        )
    )
    if not any(_NO_PARENT in t.sanitized for t in value.all_traces()):
        return value
    return value.map_traces(lambda t: t.sanitize({"path"}) if {_NO_PARENT, _RELATIVE} <= t.sanitized else t)


def _met(
    known: dict[str, frozenset[str]] | None, proofs: dict[str, frozenset[str]]
) -> dict[str, frozenset[str]]:
    """What a summary's proofs hold after one more exit (`known` None: the first)."""
    return proofs if known is None else _meet([known, proofs])


def _only_dot_names(node: ast.expr, qual: Callable[[ast.expr], str | None]) -> bool:
    """`".."` (or `os.pardir`), or a tuple, list or set of `""`, `"."` and `".."` holding it
    (`p in ("", os.curdir, os.pardir)`): a refusal of the names that climb or stay put, not an
    allow-list."""
    items = node.elts if isinstance(node, ast.Tuple | ast.List | ast.Set) else [node]
    values = [_dot_name(e, qual) for e in items]
    return ".." in values and all(v in ("", ".", "..") for v in values)


def _dot_name(node: ast.expr, qual: Callable[[ast.expr], str | None]) -> object:
    if isinstance(node, ast.Constant):
        return node.value
    name = qual(node) if isinstance(node, ast.Name | ast.Attribute) else None
    return ".." if name in _PARDIRS else "." if name in _CURDIRS else None


_ANY = frozenset({"any", "builtins.any"})
_ALL = frozenset({"all", "builtins.all"})
_RELPATHS = frozenset({"os.path.relpath", "posixpath.relpath"})
_PARDIRS = frozenset({"os.pardir", "os.path.pardir", "posixpath.pardir"})
_CURDIRS = frozenset({"os.curdir", "os.path.curdir", "posixpath.curdir"})
_GLOB_MATCHES = frozenset({"fnmatch.fnmatch", "fnmatch.fnmatchcase"})
#: where the values of an allow-list may come from without the client choosing them
_OPERATORS = frozenset({OPAQUE, "env"})
#: who may choose a root a path is checked against: the server, or a helper's caller
_ROOT_GIVERS = _OPERATORS | {PARAM, "caller"}
#: string methods that change a host's case or trim it, not which host it names
_CASE_AND_TRIM = frozenset({"lower", "casefold", "strip", "rstrip", "lstrip"})


def chosen_by_server(value: Value) -> bool:
    """Values the client did not choose: constants, settings, what the operator put in the
    environment, what the server's own stores hold."""
    return all(t.kind in _OPERATORS for t in value.all_traces())


def _same_text(node: ast.expr) -> ast.expr:
    """The value under a default and case folding: `(parsed.hostname or "").lower()` is the host."""
    while True:
        if (
            isinstance(node, ast.BoolOp)
            and isinstance(node.op, ast.Or)
            and len(node.values) == 2
            and isinstance(node.values[1], ast.Constant)
        ):
            node = node.values[0]
            continue
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in _CASE_AND_TRIM
            and not node.keywords
            and all(isinstance(a, ast.Constant) for a in node.args)
        ):
            node = node.func.value
            continue
        return node


def _clients(value: Value) -> list[Trace]:
    """The traces of `value` from data a client sent, not from the server's own values, a
    parameter or a caller (those a summary's callers judge)."""
    return [t for t in value.all_traces() if t.kind not in (OPAQUE, PARAM, "caller")]


def _find_as_membership(test: ast.Compare) -> ast.Compare | None:
    """`p.find("..") != -1` (or `>= 0`, `> -1`) is `".." in p`; `== -1` (or `< 0`) is `not in`."""
    left, op, right = test.left, test.ops[0], test.comparators[0]
    if not (
        isinstance(left, ast.Call)
        and isinstance(left.func, ast.Attribute)
        and left.func.attr in ("find", "rfind")
        and len(left.args) == 1
        and not left.keywords
    ):
        return None
    bound = right.value if isinstance(right, ast.Constant) else None
    if (
        isinstance(right, ast.UnaryOp)
        and isinstance(right.op, ast.USub)
        and isinstance(right.operand, ast.Constant)
        and type(right.operand.value) is int
    ):
        bound = -right.operand.value
    if type(bound) is not int:
        return None
    found = (isinstance(op, ast.NotEq) and bound == -1) or (isinstance(op, ast.GtE) and bound == 0)
    found = found or (isinstance(op, ast.Gt) and bound == -1)
    missing = (isinstance(op, ast.Eq) and bound == -1) or (isinstance(op, ast.Lt) and bound == 0)
    if not (found or missing):
        return None
    membership = ast.Compare(
        left=left.args[0], ops=[ast.In() if found else ast.NotIn()], comparators=[left.func.value]
    )
    return ast.copy_location(membership, test)
