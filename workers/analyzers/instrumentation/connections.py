"""Connections: database and cache clients that take a connection string (DSN / URL / URI).

One rule for psycopg/psycopg2, pymongo, redis and SQLAlchemy engines (docs/users/instrumentation.md):

- a timeout keyword on the call (`connect_timeout=`, `socketTimeoutMS=`, `socket_timeout=`,
  `connect_args={"connect_timeout": ...}`) settles it;
- a connection string written in the code is read: it settles it when it carries the timeout
  parameter (`?connect_timeout=10`, `socketTimeoutMS=5000`, `?socket_timeout=5`), else the call is
  reported;
- a connection string the code does not show (a variable, a setting, an f-string) is where
  deployments put such parameters, so the call is not judged;
- no connection string at all (`redis.Redis(host=...)`): judged by its keywords alone.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from prguard.analyzers.instrumentation import rules as R
from prguard.analyzers.instrumentation.facts import Call


@dataclass(frozen=True, slots=True)
class ConnectionString:
    """Where a client's connection string is (keyword names, position) and which of its
    parameters set the timeout."""

    keywords: tuple[str, ...]
    position: int
    timeout_parameters: tuple[str, ...]
    #: URL schemes that reach a server over the network (None: every string does)
    network_schemes: tuple[str, ...] | None = None


_REDIS = ConnectionString(("url",), 0, ("socket_timeout",))
_SQLALCHEMY = ConnectionString(
    ("url",),
    0,
    ("connect_timeout", "timeout", "connection_timeout"),
    ("postgresql", "postgres", "mysql", "mariadb", "mssql", "oracle", "cockroachdb", "redshift"),
)

CONNECTION_STRINGS: dict[str, ConnectionString] = {
    "psycopg2.connect": ConnectionString(("dsn",), 0, ("connect_timeout",)),
    "psycopg.connect": ConnectionString(("conninfo",), 0, ("connect_timeout",)),
    "psycopg.AsyncConnection.connect": ConnectionString(("conninfo",), 0, ("connect_timeout",)),
    "pymongo.MongoClient": ConnectionString(("host",), 0, ("sockettimeoutms", "timeoutms")),
    "redis.from_url": _REDIS,
    "redis.Redis.from_url": _REDIS,
    "redis.StrictRedis.from_url": _REDIS,
    "redis.ConnectionPool.from_url": _REDIS,
    "redis.asyncio.from_url": _REDIS,
    "redis.asyncio.Redis.from_url": _REDIS,
    "redis.asyncio.ConnectionPool.from_url": _REDIS,
    "sqlalchemy.create_engine": _SQLALCHEMY,
    "sqlalchemy.ext.asyncio.create_async_engine": _SQLALCHEMY,
}


def connection_string(call: ast.Call, shape: ConnectionString) -> ast.expr | None:
    """The connection-string argument of a call, if it passes one."""
    given = next((kw.value for kw in call.keywords if kw.arg in shape.keywords), None)
    if given is not None:
        return given
    return call.args[shape.position] if len(call.args) > shape.position else None


def connection_spec(call: Call, spec: R.TimeoutSpec) -> R.TimeoutSpec | None:
    """The timeout rule for the call, or None when the connection string settles it (see the module
    docstring)."""
    shape = CONNECTION_STRINGS.get(call.dotted or "")
    if shape is None:
        return spec
    if _connect_args_timeout(call.node, shape):
        return None
    dsn = connection_string(call.node, shape)
    if dsn is None:
        return spec
    if not (isinstance(dsn, ast.Constant) and isinstance(dsn.value, str)):
        return None  # not shown in the code: the deployment's string may carry the timeout
    text = dsn.value.lower()
    if (
        shape.network_schemes is not None
        and text.split(":", 1)[0].split("+", 1)[0] not in shape.network_schemes
    ):
        return None  # sqlite:///app.db: no server to wait for
    if any(parameter in text for parameter in shape.timeout_parameters):
        return None
    return spec


def _connect_args_timeout(call: ast.Call, shape: ConnectionString) -> bool:
    """SQLAlchemy's `connect_args={"connect_timeout": 10}` (or a `connect_args` it cannot read)."""
    given = next((kw.value for kw in call.keywords if kw.arg == "connect_args"), None)
    if given is None:
        return False
    if not isinstance(given, ast.Dict):
        return True  # built elsewhere: benefit of the doubt
    keys = {key.value for key in given.keys if isinstance(key, ast.Constant) and isinstance(key.value, str)}
    return bool(keys & set(shape.timeout_parameters)) or None in given.keys
