"""Parse a policy file as YAML with yaml.safe_load semantics, but with limits.

A policy file comes from a repository anyone with push access can edit, so the
parser refuses what could exhaust a worker: oversized documents, deep nesting,
alias expansion bombs ("billion laughs") and recursive aliases. It keeps the
node tree so validation errors can point at the line of the offending key.
"""

from __future__ import annotations

from typing import Any

import yaml
from prguard.policies.model import PolicyError
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

MAX_BYTES = 256 * 1024
MAX_DEPTH = 20  # collections inside collections, after alias expansion
MAX_NODES = 20_000  # nodes after alias expansion

_STR_TAG = "tag:yaml.org,2002:str"
_MERGE_TAG = "tag:yaml.org,2002:merge"


def parse_yaml(text: str, source: str) -> tuple[Any, Node | None]:
    """Return (data, root node); raise PolicyError with the line for anything unusable."""
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_BYTES:
        raise PolicyError(source, f"policy file is {size} bytes; the limit is {MAX_BYTES}")
    try:
        _check_event_depth(text, source)
        loader = yaml.SafeLoader(text)
        try:
            node = loader.get_single_node()
            if node is None:
                return None, None
            _check_expansion(node, source)
            _check_keys(node, source)
            data = loader.construct_document(node)
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "cannot be parsed"
        raise PolicyError(source, f"invalid YAML: {problem}", line=mark.line + 1 if mark else None) from None
    except yaml.YAMLError as exc:
        raise PolicyError(source, f"invalid YAML: {exc}") from None
    return data, node


def _check_event_depth(text: str, source: str) -> None:
    """Reject deep nesting from the event stream, before the (recursive) composer sees it."""
    depth = 0
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise PolicyError(
                    source, f"nested more than {MAX_DEPTH} levels deep", line=event.start_mark.line + 1
                )
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def _children(node: Node) -> list[Node]:
    if isinstance(node, SequenceNode):
        return list(node.value)
    if isinstance(node, MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def _check_expansion(root: Node, source: str) -> None:
    """Size and depth of the document once every alias is expanded (iterative, memoised)."""
    measured: dict[int, tuple[int, int]] = {}  # id(node) -> (expanded nodes, expanded depth)
    open_nodes: set[int] = set()  # expanded but unfinished: the ancestors of the current node
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, finished = stack.pop()
        key = id(node)
        if finished:
            kids = _children(node)
            size = 1 + sum(measured[id(kid)][0] for kid in kids)
            depth = (1 + max((measured[id(kid)][1] for kid in kids), default=0)) if kids else 0
            measured[key] = (size, depth)
            open_nodes.discard(key)
            line = node.start_mark.line + 1
            if size > MAX_NODES:
                raise PolicyError(
                    source, f"aliases expand to more than {MAX_NODES} nodes (YAML bomb?)", line=line
                )
            if depth > MAX_DEPTH:
                raise PolicyError(source, f"aliases expand to more than {MAX_DEPTH} levels deep", line=line)
            continue
        if key in measured:
            continue
        if key in open_nodes:
            raise PolicyError(source, "recursive alias", line=node.start_mark.line + 1)
        open_nodes.add(key)
        stack.append((node, True))
        for kid in _children(node):
            if id(kid) in open_nodes:
                raise PolicyError(source, "recursive alias", line=kid.start_mark.line + 1)
            if id(kid) not in measured:
                stack.append((kid, False))


def _check_keys(root: Node, source: str) -> None:
    """Keys must be plain strings and unique: a repeated key would silently drop a setting."""
    seen_nodes: set[int] = set()
    stack: list[tuple[Node, str]] = [(root, "")]
    while stack:
        node, path = stack.pop()
        if id(node) in seen_nodes:
            continue
        seen_nodes.add(id(node))
        if isinstance(node, SequenceNode):
            stack.extend((item, f"{path}[{i}]") for i, item in enumerate(node.value))
        elif isinstance(node, MappingNode):
            keys: set[str] = set()
            for key_node, value_node in node.value:
                line = key_node.start_mark.line + 1
                if key_node.tag == _MERGE_TAG:
                    stack.append((value_node, path))
                    continue
                if not isinstance(key_node, ScalarNode) or key_node.tag != _STR_TAG:
                    shown = key_node.value if isinstance(key_node, ScalarNode) else "a collection"
                    raise PolicyError(
                        source, f"key {shown!r} is not a string; quote it", key=path or "", line=line
                    )
                dotted = f"{path}.{key_node.value}" if path else key_node.value
                if key_node.value in keys:
                    raise PolicyError(source, "duplicate key", key=dotted, line=line)
                keys.add(key_node.value)
                stack.append((value_node, dotted))


def line_of(root: Node | None, path: list[str | int]) -> int | None:
    """Line (1-based) of the node at `path`, or of its nearest existing ancestor."""
    if root is None:
        return None
    node = root
    line = node.start_mark.line + 1
    for element in path:
        child: Node | None = None
        if isinstance(node, MappingNode):
            for key_node, value_node in node.value:
                if isinstance(key_node, ScalarNode) and key_node.value == str(element):
                    child = value_node
                    line = key_node.start_mark.line + 1
                    break
        elif isinstance(node, SequenceNode) and isinstance(element, int) and element < len(node.value):
            child = node.value[element]
            line = child.start_mark.line + 1
        if child is None:
            return line
        node = child
    return line
