"""Connections: database and cache clients configured by a connection string (DSN / URI).

A timeout may be written inside the string itself, so only a literal string is judged.
"""

from __future__ import annotations

import ast

from prguard.analyzers.instrumentation import rules as R
from prguard.analyzers.instrumentation.facts import Call


def connection_spec(call: Call, spec: R.TimeoutSpec) -> R.TimeoutSpec | None:
    """DB clients configured by a DSN/URI: a timeout may hide in the string, so judge only literals."""
    if call.dotted in {"psycopg2.connect", "psycopg.connect", "pymongo.MongoClient"} and call.node.args:
        dsn = call.node.args[0]
        if not (isinstance(dsn, ast.Constant) and isinstance(dsn.value, str)):
            return None
        if any(key.lower() in dsn.value.lower() for key in spec.kwargs):
            return None
    return spec
