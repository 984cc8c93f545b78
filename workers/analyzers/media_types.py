"""What a response says of its own media type: a body declared as something other than HTML
(`text/plain`, `application/json`), or sent as an attachment to save, is not rendered as a page,
so markup in it is no XSS.

Shared by the taint pass (its `html_only` sinks, a Flask view's returned headers) and the PG-VULN
rules (HTML built by formatting into a response)."""

from __future__ import annotations

import ast

from prguard.analyzers.asttools import is_name, own_nodes

#: keyword arguments of response classes that set the media type (Flask, Django, Starlette)
MEDIA_TYPE_KEYWORDS = ("mimetype", "content_type", "media_type")


def is_non_html(media_type: str) -> bool:
    """A media type that does not say html (`text/plain`, `application/json`)."""
    return "html" not in media_type.lower()


def non_html(value: ast.expr | None) -> bool:
    """A constant media type that does not say html."""
    return isinstance(value, ast.Constant) and isinstance(value.value, str) and is_non_html(value.value)


def headers_declare_non_html(headers: ast.Dict) -> bool:
    """A header dict (`return body, 200, {"Content-Type": "text/plain"}`) with a non-HTML type."""
    for key, value in zip(headers.keys, headers.values, strict=True):
        if key is not None and _is_content_type(key):
            return non_html(value)
    return False


def header_dict_declares_non_html(function: ast.AST, headers: ast.expr) -> bool:
    """`headers=` of a response call: a dict literal with a non-HTML `Content-Type`, or a local
    name that only ever holds such dicts in `function` (`headers = {"Content-Type":
    "application/json"}`, later `headers["Content-Type"] = "application/javascript"`). A name
    that is also updated another way, or given a type that is not a constant, proves nothing."""
    if isinstance(headers, ast.Dict):
        return headers_declare_non_html(headers)
    if not isinstance(headers, ast.Name):
        return False
    name, typed = headers.id, False
    for node in own_nodes(ast.iter_child_nodes(function)):
        if isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if is_name(target, name):
                    if not (isinstance(node.value, ast.Dict) and headers_declare_non_html(node.value)):
                        return False
                    typed = True
                elif (
                    isinstance(target, ast.Subscript)
                    and is_name(target.value, name)
                    and _is_content_type(target.slice)
                    and not non_html(node.value)
                ):
                    return False
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and is_name(node.func.value, name)
            and node.func.attr in ("update", "setdefault", "__setitem__")
        ):
            return False
    return typed


def typed_afterwards(function: ast.AST, assignment: ast.stmt) -> bool:
    """`resp = make_response(body)` followed, in the same block of `function`, by a non-HTML media
    type set on `resp` (`resp.headers["Content-Type"] = "text/plain"`, `resp.mimetype = ...`,
    `resp.headers.set("Content-Type", ...)`) or by a `Content-Disposition` that makes it an
    attachment (`resp["Content-Disposition"] = "attachment; ..."`): browsers save an attachment,
    they do not show it. A header set only on some paths does not count."""
    if not (
        isinstance(assignment, ast.Assign)
        and len(assignment.targets) == 1
        and isinstance(assignment.targets[0], ast.Name)
    ):
        return False
    block = _block_of(function, assignment)
    if block is None:
        return False
    name = assignment.targets[0].id
    return any(_sets_non_html_type(later, name) for later in block[block.index(assignment) + 1 :])


def _block_of(root: ast.AST, stmt: ast.stmt) -> list[ast.stmt] | None:
    """The statement list under `root` that holds `stmt` (nested definitions not looked into)."""
    todo: list[ast.AST] = [root]
    while todo:
        node = todo.pop()
        for field in ("body", "orelse", "finalbody", "handlers", "cases"):
            block = getattr(node, field, None)
            if not isinstance(block, list):
                continue
            if any(item is stmt for item in block):
                return block
            todo.extend(
                item
                for item in block
                if not isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
            )
    return None


def _sets_non_html_type(stmt: ast.stmt, name: str) -> bool:
    header: ast.expr | None = None
    value: ast.expr | None = None
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
        target = stmt.targets[0]
        if (
            isinstance(target, ast.Attribute)
            and target.attr in ("mimetype", "content_type")
            and is_name(target.value, name)
        ):
            return non_html(stmt.value)
        if isinstance(target, ast.Subscript) and (
            _headers_of(target.value, name) or is_name(target.value, name)
        ):
            header, value = target.slice, stmt.value  # Django's `response[...]`, the others' `.headers[...]`
    elif isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
        call = stmt.value
        func = call.func
        if (
            isinstance(func, ast.Attribute)
            and func.attr == "set"
            and _headers_of(func.value, name)
            and len(call.args) == 2
        ):
            header, value = call.args
    if header is None or value is None:
        return False
    if _is_content_type(header):
        return non_html(value)
    return _is_header(header, "content-disposition") and _attachment(value)


def _attachment(value: ast.expr) -> bool:
    """A `Content-Disposition` value that says attachment: a text starting with it, or a builder
    asked for one (Django's `content_disposition_header(as_attachment=True, ...)`)."""
    if isinstance(value, ast.JoinedStr) and value.values:
        value = value.values[0]
    if isinstance(value, ast.Constant) and isinstance(value.value, str):
        return value.value.lower().lstrip().startswith("attachment")
    if isinstance(value, ast.BinOp) and isinstance(value.op, ast.Add | ast.Mod):
        return _attachment(value.left)
    if isinstance(value, ast.Call):
        return any(
            k.arg == "as_attachment" and isinstance(k.value, ast.Constant) and k.value.value is True
            for k in value.keywords
        )
    return False


def _headers_of(node: ast.expr, name: str) -> bool:
    return isinstance(node, ast.Attribute) and node.attr == "headers" and is_name(node.value, name)


def _is_content_type(node: ast.expr) -> bool:
    return _is_header(node, "content-type")


def _is_header(node: ast.expr, header: str) -> bool:
    return isinstance(node, ast.Constant) and str(node.value).lower() == header


def sends_html_type(function: ast.AST, line: int) -> bool:
    """The last `self.send_header("Content-Type", ...)` of `function` before `line` says html
    (nested definitions not looked into): a body written apart from its headers is a page when
    the headers sent just before it say so."""
    value = _type_sent_before(function, line, ("send_header",))
    return isinstance(value, ast.Constant) and isinstance(value.value, str) and not is_non_html(value.value)


def typed_non_html_before(function: ast.AST, line: int) -> bool:
    """The last `self.set_header("Content-Type", ...)` (or `add_header`) of `function` before
    `line` names a type that is not html: a Tornado handler's body is a page unless so declared."""
    return non_html(_type_sent_before(function, line, ("set_header", "add_header")))


def _type_sent_before(function: ast.AST, line: int, methods: tuple[str, ...]) -> ast.expr | None:
    """The value of the last `Content-Type` header `function` sets with one of `methods` before
    `line`, in source order (nested definitions not looked into)."""
    last: tuple[int, ast.expr] | None = None
    for node in own_nodes(ast.iter_child_nodes(function)):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in methods
            and len(node.args) == 2
            and _is_content_type(node.args[0])
            and node.lineno < line
            and (last is None or node.lineno > last[0])
        ):
            last = (node.lineno, node.args[1])
    return last[1] if last is not None else None
