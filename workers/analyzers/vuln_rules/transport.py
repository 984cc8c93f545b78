"""Transport security: old TLS, certificate checks switched off, logins in plain text."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from prguard.analyzers.asttools import keyword_value
from prguard.analyzers.vuln_rules.shapes import CheckerBase, VulnHit, under_condition
from prguard.analyzers.vuln_rules.table import RULES

OLD_PROTOCOLS = frozenset(
    {
        f"ssl.{name}"
        for name in (
            "PROTOCOL_SSLv2",
            "PROTOCOL_SSLv3",
            "PROTOCOL_TLSv1",
            "PROTOCOL_TLSv1_1",
            "TLSVersion.SSLv3",
            "TLSVersion.TLSv1",
            "TLSVersion.TLSv1_1",
        )
    }
)

CERT_NONE = frozenset({"ssl.CERT_NONE", "ssl.VerifyMode.CERT_NONE"})

_SESSION_TYPES = frozenset({"requests.Session", "requests.sessions.Session"})

URLLIB3_POOLS = frozenset(
    {
        "urllib3.PoolManager",
        "urllib3.ProxyManager",
        "urllib3.HTTPSConnectionPool",
        "urllib3.connection_from_url",
    }
)

AIOHTTP_CONNECTORS = frozenset({"aiohttp.TCPConnector", "aiohttp.connector.TCPConnector"})


#: asyncssh calls that take `known_hosts` (None switches the host key check off)
_SSH_CONNECTS = frozenset(
    {
        "asyncssh.connect",
        "asyncssh.connect_reverse",
        "asyncssh.create_connection",
        "asyncssh.SSHClientConnectionOptions",
        "asyncssh.connection.connect",
        "asyncssh.get_server_host_key",
    }
)


class TransportChecks(CheckerBase):
    """TLS versions, certificate checks switched off and plain-text logins (PG-VULN010, 021, 022)."""

    def _verification_setting(self, node: ast.Assign) -> Iterator[VulnHit]:
        """`ctx.verify_mode = ssl.CERT_NONE`, `ctx.check_hostname = False` (an SSLContext, in a
        module that imports ssl), `session.verify = False` (a requests Session by type). Only
        unconditional ones: under an `if` it is the option a caller chose (`verify=False`, an
        `insecure` flag), which the library that offers it implements this way."""
        for target in node.targets:
            # `self.check_hostname = False` initialises a context class of its own (a shim)
            if not isinstance(target, ast.Attribute) or (
                isinstance(target.value, ast.Name) and target.value.id == "self"
            ):
                continue
            value = node.value
            if target.attr not in ("verify_mode", "check_hostname", "verify") or self._conditional(node):
                continue
            if target.attr == "verify_mode" and self.resolver.qualname(value) in CERT_NONE:
                yield VulnHit(RULES["PG-VULN021"], node, "verify_mode = CERT_NONE")
            elif (
                target.attr == "check_hostname"
                and isinstance(value, ast.Constant)
                and value.value is False
                and self.resolver.imports_package("ssl")
            ):
                yield VulnHit(RULES["PG-VULN021"], node, "check_hostname = False")
            elif (
                target.attr == "verify"
                and isinstance(value, ast.Constant)
                and value.value is False
                and self.resolver.type_of(target.value) in _SESSION_TYPES
            ):
                yield VulnHit(RULES["PG-VULN021"], node, "a requests Session with verify = False")

    def _ssh_host_key(self, node: ast.Call, qual: str) -> Iterator[VulnHit]:
        """`asyncssh.connect(host, known_hosts=None)`: any server key is accepted (paramiko's
        AutoAddPolicy is bandit's B507)."""
        if qual in _SSH_CONNECTS:
            known = keyword_value(node, "known_hosts")
            if isinstance(known, ast.Constant) and known.value is None:
                yield VulnHit(RULES["PG-VULN025"], node, f"{qual}(known_hosts=None)")

    def _conditional(self, node: ast.AST) -> bool:
        scope = self.resolver.scope_of(node)
        return under_condition(scope if scope is not None else self.tree, node)

    def _plain_smtp_login(self, call: ast.Call) -> str | None:
        """`x.login(...)` on an `smtplib.SMTP` made in the same function, which never calls
        `x.starttls()`."""
        receiver = call.func.value  # type: ignore[attr-defined]
        if not isinstance(receiver, ast.Name):
            return None
        origin = self._assigned(receiver)
        if origin is None:  # `with smtplib.SMTP(...) as s:`
            origin = self._with_value(receiver)
        if not isinstance(origin, ast.Call) or self.resolver.qualname(origin.func) != "smtplib.SMTP":
            return None
        scope = self.resolver.scope_of(call)
        for node in ast.walk(scope if scope is not None else self.tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "starttls"
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == receiver.id
            ):
                return None
        return f"{receiver.id}.login() on smtplib.SMTP without starttls()"

    def _with_value(self, name: ast.Name) -> ast.expr | None:
        scope = self.resolver.scope_of(name)
        for node in ast.walk(scope if scope is not None else self.tree):
            if isinstance(node, ast.With | ast.AsyncWith):
                for item in node.items:
                    if isinstance(item.optional_vars, ast.Name) and item.optional_vars.id == name.id:
                        return item.context_expr
        return None

    def _protocol_setting(self, node: ast.Assign) -> Iterator[VulnHit]:
        """`ctx.minimum_version = ssl.TLSVersion.TLSv1_1` (an SSLContext's lowest version)."""
        for target in node.targets:
            if isinstance(target, ast.Attribute) and target.attr == "minimum_version":
                old = self.resolver.qualname(node.value)
                if old in OLD_PROTOCOLS:
                    yield VulnHit(RULES["PG-VULN010"], node, f"minimum_version = {old.removeprefix('ssl.')}")
