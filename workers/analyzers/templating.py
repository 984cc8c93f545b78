"""Jinja's auto-escaping, read from how an environment or a template is made: shared by the
taint analyzer (what a template renders) and the PG-VULN rules (an environment made without it).

Jinja does not escape by default (`autoescape=False`): only a construction that sets
`autoescape` to anything but a constant false (a `select_autoescape(...)` or a function may
escape) counts as escaping; keyword arguments unpacked from a mapping count too, since they
cannot be read.
"""

from __future__ import annotations

import ast

from prguard.analyzers.pyresolve.resolver import Resolver

TEMPLATE_CLASSES = frozenset({"jinja2.Template", "jinja2.environment.Template"})
ENVIRONMENT_CLASSES = frozenset(
    {"jinja2.Environment", "jinja2.environment.Environment", "jinja2.sandbox.SandboxedEnvironment"}
)
_AUTOESCAPE_POSITION_ENVIRONMENT = 16  # of jinja2.Environment's parameters, from 0
_AUTOESCAPE_POSITION_TEMPLATE = 17  # of jinja2.Template's (`source` first)


def environment_class(resolver: Resolver, call: ast.Call) -> str | None:
    """The Jinja environment class `call` makes (the nearest of ENVIRONMENT_CLASSES, also through
    a subclass of one), or None."""
    made = resolver.type_of(call)
    if made is None:
        return None
    return next((t for t in resolver.supertypes(made) if t in ENVIRONMENT_CLASSES), None)


def escapes(resolver: Resolver, construction: ast.Call) -> bool:
    """Whether a Template or Environment construction turns auto-escaping on."""
    for keyword in construction.keywords:
        if keyword.arg is None:
            return True
        if keyword.arg == "autoescape":
            return not (isinstance(keyword.value, ast.Constant) and not keyword.value.value)
    is_template = not set(resolver.call_names(construction)).isdisjoint(TEMPLATE_CLASSES)
    # given positionally (`Environment(block_start_string, ..., autoescape)`), past the delimiters
    position = _AUTOESCAPE_POSITION_TEMPLATE if is_template else _AUTOESCAPE_POSITION_ENVIRONMENT
    if len(construction.args) > position:
        value = construction.args[position]
        return not (isinstance(value, ast.Constant) and not value.value)
    return any(isinstance(a, ast.Starred) for a in construction.args)
