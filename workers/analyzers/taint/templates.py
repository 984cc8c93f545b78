"""Jinja templates built without auto-escaping: what they render is the caller's text, unescaped.

`jinja2.Template(source)` and a plain `jinja2.Environment()` do not escape (Jinja's default is
`autoescape=False`), so `Template("<p>{{ name }}</p>").render(name=name)` puts `name` into the
HTML as it is. Flask's `render_template` and `app.jinja_env` do escape, and so does any
template whose `autoescape` is set to anything but a constant false: only a template traced
back to a construction without it counts as unescaped. Where the construction cannot be seen,
the template is taken to escape (no finding rather than a guess).
"""

from __future__ import annotations

import ast

from prguard.analyzers.pyresolve.resolver import Resolver
from prguard.analyzers.templating import ENVIRONMENT_CLASSES, TEMPLATE_CLASSES, environment_class, escapes

#: methods of a Jinja template whose result is the rendered text
RENDER_METHODS = frozenset({"render", "render_async"})
#: an environment's methods that hand out one of its templates
_TEMPLATE_FACTORIES = frozenset({"from_string", "get_template", "select_template", "get_or_select_template"})


#: Django's templates: `render` escapes what it pastes in, unless their engine was built with
#: `autoescape=False`
DJANGO_TEMPLATE_RENDERS = frozenset(
    {
        "django.template.Template.render",
        "django.template.base.Template.render",
        "django.template.backends.django.Template.render",
    }
)
_DJANGO_ENGINES = frozenset({"django.template.Engine", "django.template.engine.Engine"})


def django_renders_escaped(resolver: Resolver, call: ast.Call) -> bool:
    """Whether `call` renders a Django template with auto-escaping on (Django's default)."""
    if DJANGO_TEMPLATE_RENDERS.isdisjoint(resolver.call_names(call)):
        return False
    func = call.func
    assert isinstance(func, ast.Attribute)
    return not any(_unescaping_engine(resolver, c) for c in _makers(resolver, func.value))


def _makers(resolver: Resolver, node: ast.expr, depth: int = 0) -> list[ast.Call]:
    """The calls a template or its engine may come from, outermost last (`Engine(...)` of
    `engine.get_template(...)`)."""
    if depth > 3:
        return []
    found: list[ast.Call] = []
    for value in [node] if isinstance(node, ast.Call) else resolver.possible_values(node):
        if not isinstance(value, ast.Call):
            continue
        found.append(value)
        if isinstance(value.func, ast.Attribute):
            found.extend(_makers(resolver, value.func.value, depth + 1))
        elif isinstance(value.func, ast.Name) and value.func.id in resolver.functions:
            for returned in resolver.returns_of(resolver.functions[value.func.id]):  # `engine()`
                found.extend(_makers(resolver, returned, depth + 1))
    return found


def _unescaping_engine(resolver: Resolver, call: ast.Call) -> bool:
    if _DJANGO_ENGINES.isdisjoint(resolver.call_names(call)):
        return False
    setting = next((k.value for k in call.keywords if k.arg == "autoescape"), None)
    return isinstance(setting, ast.Constant) and not setting.value


def renders_unescaped(resolver: Resolver, call: ast.Call) -> bool:
    """Whether `call` is `<template>.render(...)` on a Jinja template built without auto-escaping."""
    func = call.func
    if not isinstance(func, ast.Attribute) or func.attr not in RENDER_METHODS:
        return False
    made = _constructions(resolver, func.value)
    return bool(made) and not any(escapes(resolver, c) for c in made)


def _constructions(resolver: Resolver, node: ast.expr, depth: int = 0) -> list[ast.Call]:
    """The `Template(...)` / `Environment(...)` calls the template `node` comes from: every one
    for a template handed out by an environment (`env.from_string(...)`); empty when any of
    its possible values is something else (a parameter, an unknown factory)."""
    if depth > 3:
        return []
    values = [node] if isinstance(node, ast.Call) else resolver.possible_values(node)
    found: list[ast.Call] = []
    for value in values:
        if not isinstance(value, ast.Call):
            return []
        names = set(resolver.call_names(value))
        if names & (TEMPLATE_CLASSES | ENVIRONMENT_CLASSES) or environment_class(resolver, value):
            found.append(value)
            continue
        func = value.func
        if not (isinstance(func, ast.Attribute) and func.attr in _TEMPLATE_FACTORIES):
            return []
        outer = _constructions(resolver, func.value, depth + 1)
        if not outer:
            return []
        found.extend(outer)
    return found
