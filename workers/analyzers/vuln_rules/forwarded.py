"""A client's address read from the first X-Forwarded-For entry, which the client writes."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from prguard.analyzers.asttools import const_str, nodes_of
from prguard.analyzers.vuln_rules.shapes import CheckerBase, VulnHit, short
from prguard.analyzers.vuln_rules.table import RULES

#: the header's names as frameworks spell them (`request.META["HTTP_X_FORWARDED_FOR"]`, aiohttp's
#: `hdrs.X_FORWARDED_FOR`), with case, `-` and `_` folded
_HEADER_NAMES = frozenset({"xforwardedfor", "httpxforwardedfor"})

#: methods that read one header from a mapping of them
_HEADER_READS = frozenset({"get", "getone", "get_header", "getheader", "getlist", "getall"})

#: methods whose result keeps the text they are called on (`xff.split(",")[0].strip()`)
_KEEPS_TEXT = frozenset({"strip", "lstrip", "rstrip", "lower", "decode", "encode"})

#: calls whose result is the address they are given (`ip_address(first)`)
_ADDRESS_CALLS = frozenset({"str", "ipaddress.ip_address", "ipaddress.ip_network", "ipaddress.IPv4Address"})

#: names of functions whose result is taken as the client's address
_ADDRESS_FUNCTION = re.compile(r"ip|addr|client|remote|identif", re.IGNORECASE)

#: how many local names deep a value is followed back to the header
_DEPTH = 4


def _header_name(node: ast.expr) -> bool:
    """A constant or a constant's name that spells X-Forwarded-For."""
    text = const_str(node)
    if text is None:
        if isinstance(node, ast.Attribute):
            text = node.attr
        elif isinstance(node, ast.Name):
            text = node.id
        if text is None or not text.isupper():
            return False
    return re.sub(r"[-_\s]", "", text).lower() in _HEADER_NAMES


def _unwrapped(node: ast.expr) -> ast.expr:
    """`node` without the calls that keep its text (`.strip()`, `.lower()`)."""
    while (
        isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in _KEEPS_TEXT
    ):
        node = node.func.value
    return node


class ForwardedChecks(CheckerBase):
    """PG-VULN034: proxies append the address they saw to X-Forwarded-For, so its first entry, and
    the header whole, are what the client sent. An address taken from there and returned as the
    client's, or compared with an allow-list, lets any client claim any address: rate limits,
    lock-outs and IP allow-lists keyed on it stop nobody."""

    _forwarding_named: bool | None = None  # `_mentions_forwarding`, once per module
    _forwarded_lines: set[int] | None = None  # lines already reported

    def _mentions_forwarding(self) -> bool:
        """Whether the module names X-Forwarded-For (a string, `hdrs.X_FORWARDED_FOR`, an imported
        constant) or Werkzeug's `access_route` anywhere: where it does not, no value comes from there."""
        if self._forwarding_named is None:
            self._forwarding_named = (
                any(
                    isinstance(n.value, str) and "forwarded" in n.value.lower()
                    for n in nodes_of(self.tree, ast.Constant)
                )
                or any(
                    n.attr == "access_route" or "FORWARDED" in n.attr
                    for n in nodes_of(self.tree, ast.Attribute)
                )
                or any("FORWARDED" in n.id for n in nodes_of(self.tree, ast.Name))
            )
        return self._forwarding_named

    def _forwarded_return(self, node: ast.Return) -> Iterator[VulnHit]:
        function = self.resolver.scope_of(node)
        if function is None or node.value is None or not self._mentions_forwarding():
            return
        named_for_address = bool(_ADDRESS_FUNCTION.search(function.name))
        parts = node.value.elts if isinstance(node.value, ast.Tuple) else [node.value]
        for part in parts:
            found = self._claimed_address(part, whole_header=named_for_address)
            if found is not None and self._first_on_line(node):
                yield VulnHit(RULES["PG-VULN034"], node, f"{function.name}() returns {found}")
                return

    def _forwarded_compare(self, node: ast.Compare) -> Iterator[VulnHit]:
        if (
            not self._mentions_forwarding()
            or self.resolver.scope_of(node) is None
            or not all(isinstance(op, ast.Eq | ast.NotEq | ast.In | ast.NotIn) for op in node.ops)
        ):
            return
        operands = [node.left, *node.comparators]
        if any(const_str(o) is not None or isinstance(o, ast.Constant) for o in operands):
            return  # a check that the header is there or empty, not of an address
        for operand in operands:
            found = self._claimed_address(operand, whole_header=True)
            if found is not None and self._first_on_line(node):
                yield VulnHit(RULES["PG-VULN034"], node, f"{found} compared as the client's address")
                return

    def _first_on_line(self, node: ast.stmt | ast.expr) -> bool:
        """One finding per line: `return ip, ip in allowed` is one claim, returned and compared."""
        if self._forwarded_lines is None:
            self._forwarded_lines = set()
        if node.lineno in self._forwarded_lines:
            return False
        self._forwarded_lines.add(node.lineno)
        return True

    def _claimed_address(self, node: ast.expr, whole_header: bool, depth: int = 0) -> str | None:
        """How `node` holds a client-written address: X-Forwarded-For's first entry, or (with
        `whole_header`) the header itself; None when it does not."""
        if depth > _DEPTH:
            return None
        node = _unwrapped(node)
        if isinstance(node, ast.BinOp):  # `ip + ":" + path`, a key built from the address
            return self._claimed_address(node.left, whole_header, depth + 1) or self._claimed_address(
                node.right, whole_header, depth + 1
            )
        if isinstance(node, ast.JoinedStr):
            values = [v.value for v in node.values if isinstance(v, ast.FormattedValue)]
            return next((f for v in values if (f := self._claimed_address(v, False, depth + 1))), None)
        if isinstance(node, ast.Call) and node.args and self.resolver.qualname(node.func) in _ADDRESS_CALLS:
            return self._claimed_address(node.args[0], whole_header, depth + 1)
        if isinstance(node, ast.Subscript) and const_str(node.slice) is None:
            index = node.slice
            if isinstance(index, ast.Constant) and index.value == 0 and self._first_of(node.value, depth):
                return f"the first X-Forwarded-For entry (`{short(node)}`)"
        if whole_header and self._header(node, depth):
            return f"the X-Forwarded-For header (`{short(node)}`)"
        if isinstance(node, ast.Name):
            if self._unpacked_first(node):
                return f"the first X-Forwarded-For entry (`{node.id}`)"
            for value in self.resolver.possible_values(node):
                if value is not node:
                    found = self._claimed_address(value, whole_header, depth + 1)
                    if found is not None:
                        return found
        return None

    def _first_of(self, node: ast.expr, depth: int) -> bool:
        """`node[0]` is the client-written entry: `node` splits the header at its commas, lists its
        lines (`getlist`), or is Werkzeug's `access_route` (the header's entries, first to last)."""
        if isinstance(node, ast.Attribute) and node.attr == "access_route":
            return True
        if isinstance(node, ast.Name):
            values = [v for v in self.resolver.possible_values(node) if v is not node]
            return depth < _DEPTH and any(self._first_of(v, depth + 1) for v in values)
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            return False
        if node.func.attr in ("split", "partition"):
            return self._header(node.func.value, depth)
        return node.func.attr in ("getlist", "getall") and bool(node.args) and _header_name(node.args[0])

    def _header(self, node: ast.expr, depth: int = 0) -> bool:
        """`node` holds the X-Forwarded-For header as the request carried it."""
        node = _unwrapped(node)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            return node.func.attr in _HEADER_READS and bool(node.args) and self._names_header(node.args[0])
        if isinstance(node, ast.Subscript):
            return self._names_header(node.slice)
        if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.Or):
            return self._header(node.values[0], depth)  # `headers.get(XFF) or remote_addr`
        if isinstance(node, ast.Name) and depth < _DEPTH:
            values = [v for v in self.resolver.possible_values(node) if v is not node]
            values += self._walrus_values(node)
            return any(self._header(v, depth + 1) for v in values)
        return False

    def _names_header(self, node: ast.expr) -> bool:
        """`node` spells X-Forwarded-For, or is a loop's variable over a literal list of header
        names that holds it (`for header in ("HTTP_X_REAL_IP", "HTTP_X_FORWARDED_FOR"): ...`)."""
        if _header_name(node):
            return True
        scope = self.resolver.scope_of(node) if isinstance(node, ast.Name) else None
        if not isinstance(node, ast.Name) or scope is None:
            return False
        for loop in nodes_of(scope, ast.For):
            if not (isinstance(loop.target, ast.Name) and loop.target.id == node.id):
                continue
            names = loop.iter
            if isinstance(names, ast.Name):
                values = [v for v in self.resolver.possible_values(names) if v is not names]
                names = values[0] if len(values) == 1 else names
            if isinstance(names, ast.List | ast.Tuple) and any(_header_name(e) for e in names.elts):
                return True
        return False

    def _unpacked_first(self, name: ast.Name) -> bool:
        """`name, *rest = xff.split(",")`: the name takes the first entry."""
        scope = self.resolver.scope_of(name)
        if scope is None:
            return False
        for assign in nodes_of(scope, ast.Assign):
            for target in assign.targets:
                if (
                    isinstance(target, ast.Tuple | ast.List)
                    and target.elts
                    and isinstance(target.elts[0], ast.Name)
                    and target.elts[0].id == name.id
                    and self._first_of(assign.value, 0)
                ):
                    return True
        return False
