"""Does a call bind to a signature? The interpreter's rules, on call shapes instead of values.

A call shape is (positional count, keyword names, has *args, has **kwargs). A call that
unpacks `*args` or `**kwargs` could bind to almost anything: it is never judged.
"""

from __future__ import annotations

from prguard.index.facts import (
    KEYWORD_ONLY,
    POSITIONAL_ONLY,
    POSITIONAL_OR_KEYWORD,
    VAR_KEYWORD,
    VAR_POSITIONAL,
    CallShape,
    Definition,
    Signature,
)

#: decorators that hand callers the decorated function's own parameters
TRANSPARENT_DECORATORS = frozenset(
    {
        "staticmethod",
        "classmethod",
        "abstractmethod",
        "abc.abstractmethod",
        "override",
        "typing.override",
        "typing_extensions.override",
        "functools.cache",
        "functools.lru_cache",
        "lru_cache",
        "cache",
        "final",
        "typing.final",
        "deprecated",
        "warnings.deprecated",
        "typing_extensions.deprecated",
    }
)


def call_error(params: Signature, call: CallShape) -> str | None:
    """Why binding this call shape raises TypeError (a noun phrase); None when it binds (or may)."""
    positional, keywords, has_star, has_double_star = call
    if has_star or has_double_star:
        return None
    slots = [p for p in params if p[1] in (POSITIONAL_ONLY, POSITIONAL_OR_KEYWORD)]
    takes_varargs = any(p[1] == VAR_POSITIONAL for p in params)
    takes_kwargs = any(p[1] == VAR_KEYWORD for p in params)
    if positional > len(slots) and not takes_varargs:
        return f"{positional} positional argument(s) given, {len(slots)} accepted"
    assigned = {p[0] for p in slots[:positional]}
    by_name = {p[0]: p for p in params if p[1] in (POSITIONAL_OR_KEYWORD, KEYWORD_ONLY)}
    positional_only = {p[0] for p in params if p[1] == POSITIONAL_ONLY}
    for keyword in keywords:
        if keyword in assigned:
            return f"multiple values for {keyword!r}"
        if keyword in by_name:
            assigned.add(keyword)
        elif not takes_kwargs:
            if keyword in positional_only:
                return f"positional-only {keyword!r} passed by keyword"
            return f"unexpected keyword argument {keyword!r}"
    missing = [
        p[0]
        for p in params
        if p[1] in (POSITIONAL_ONLY, POSITIONAL_OR_KEYWORD, KEYWORD_ONLY)
        and not p[2]
        and p[0] not in assigned
    ]
    if missing:
        return f"missing required argument(s) {', '.join(repr(m) for m in missing)}"
    return None


def callable_params(definition: Definition, bound: bool) -> Signature | None:
    """The parameters a caller passes, or None when the decorators may change them."""
    if any(d not in TRANSPARENT_DECORATORS for d in definition.decorators):
        return None
    params = definition.params
    if bound and params and params[0][1] in (POSITIONAL_ONLY, POSITIONAL_OR_KEYWORD):
        return params[1:]
    if bound and params and params[0][1] == VAR_POSITIONAL:
        return params
    return None if bound else params


def describe(params: Signature) -> str:
    """`(amount, currency, *, idempotency_key)`: how the signature reads in source."""
    out: list[str] = []
    star_written = False
    for i, (name, kind, has_default) in enumerate(params):
        default = "=…" if has_default else ""
        if kind == POSITIONAL_ONLY:
            out.append(f"{name}{default}")
            if i + 1 == len(params) or params[i + 1][1] != POSITIONAL_ONLY:
                out.append("/")
        elif kind == POSITIONAL_OR_KEYWORD:
            out.append(f"{name}{default}")
        elif kind == VAR_POSITIONAL:
            out.append(f"*{name}")
            star_written = True
        elif kind == KEYWORD_ONLY:
            if not star_written:
                out.append("*")
                star_written = True
            out.append(f"{name}{default}")
        else:
            out.append(f"**{name}")
    return f"({', '.join(out)})"
