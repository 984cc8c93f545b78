"""GitHub's own descriptions of its APIs, loaded once per process for the fake server.

REST: `@octokit/openapi`'s `generated/api.github.com.json` (OpenAPI 3.0). Each
request body is validated against its operation's `requestBody` schema, with
`$ref`s resolved through jsonschema's `referencing`. Two adaptations make the
OpenAPI 3.0 dialect checkable as JSON Schema and make the check useful:
`nullable: true` becomes a `"null"` type, and request objects that list their
`properties` are closed (GitHub silently ignores an unknown field; a test wants
the misspelt field to fail).

GraphQL: `@octokit/graphql-schema`'s `schema.graphql`, GitHub's public schema.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import graphql
import jsonschema
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

NODE_MODULES = Path(__file__).resolve().parent / "node_modules"
OPENAPI_PATH = NODE_MODULES / "@octokit" / "openapi" / "generated" / "api.github.com.json"
GRAPHQL_SCHEMA_PATH = NODE_MODULES / "@octokit" / "graphql-schema" / "schema.graphql"
SPEC_URI = "urn:github:api.github.com.json"
_GREEDY_PARAMETERS = frozenset({"path", "ref"})  # may contain "/" (file paths, branch names)
_LOCK = threading.Lock()


class SpecMissing(RuntimeError):
    """The npm packages are not installed (run `npm ci` in tests/fake_github)."""


@dataclass(frozen=True, slots=True)
class Operation:
    method: str
    template: str  # OpenAPI path, e.g. /repos/{owner}/{repo}/pulls/{pull_number}
    operation_id: str
    pattern: re.Pattern[str]
    literal_segments: int
    body_required: bool
    body_pointer: str | None  # JSON pointer of the application/json schema, None: no JSON body


def _require(path: Path) -> Path:
    if not path.exists():
        raise SpecMissing(f"{path} is missing: run `npm ci` in tests/fake_github (the CI script does)")
    return path


def _adapt(node: Any, *, close: bool = True) -> Any:
    """OpenAPI 3.0 schema → JSON Schema draft 7 with closed request objects (in place)."""
    if isinstance(node, list):
        for item in node:
            _adapt(item, close=close)
        return node
    if not isinstance(node, dict):
        return node
    if node.pop("nullable", False):
        if "type" in node:
            kinds = node["type"] if isinstance(node["type"], list) else [node["type"]]
            node["type"] = [*kinds, "null"]
        if "enum" in node and None not in node["enum"]:
            node["enum"] = [*node["enum"], None]
    if close and "properties" in node and "additionalProperties" not in node:
        node["additionalProperties"] = False
    for key, value in node.items():
        if key == "allOf":
            _adapt(value, close=False)  # closing parts of an intersection would reject each other's fields
        elif key in ("properties", "patternProperties", "definitions"):
            for child in value.values():
                _adapt(child, close=True)
        elif key not in ("enum", "example", "examples", "default", "required"):
            _adapt(value, close=True)
    return node


def _path_pattern(template: str) -> tuple[re.Pattern[str], int]:
    parts = []
    literal = 0
    for segment in template.strip("/").split("/"):
        match = re.fullmatch(r"\{(\w+)\}", segment)
        if match:
            name = match.group(1)
            parts.append(f"(?P<{name}>.+)" if name in _GREEDY_PARAMETERS else f"(?P<{name}>[^/]+)")
        else:
            parts.append(re.escape(segment))
            literal += 1
    return re.compile("^/" + "/".join(parts) + "$"), literal


class OpenAPI:
    """Finds the operation of a request and validates its JSON body."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.version = document.get("info", {}).get("version", "?")
        for schema in document.get("components", {}).get("schemas", {}).values():
            _adapt(schema)
        self.operations: list[Operation] = []
        for template, item in document["paths"].items():
            for method, operation in item.items():
                if not isinstance(operation, dict) or "operationId" not in operation:
                    continue
                pointer = None
                required = False
                body = operation.get("requestBody")
                if isinstance(body, dict) and "application/json" in body.get("content", {}):
                    _adapt(body["content"]["application/json"].get("schema", {}))
                    escaped = template.replace("~", "~0").replace("/", "~1")
                    pointer = f"#/paths/{escaped}/{method}/requestBody/content/application~1json/schema"
                    required = bool(body.get("required"))
                pattern, literal = _path_pattern(template)
                self.operations.append(
                    Operation(
                        method.upper(),
                        template,
                        operation["operationId"],
                        pattern,
                        literal,
                        required,
                        pointer,
                    )
                )
        self.operations.sort(key=lambda op: -op.literal_segments)
        resource = Resource.from_contents(document, default_specification=DRAFT7)
        self.registry = Registry().with_resource(SPEC_URI, resource)
        self._validators: dict[str, jsonschema.protocols.Validator] = {}

    def find(self, method: str, path: str) -> tuple[Operation, dict[str, str]] | None:
        for operation in self.operations:
            if operation.method != method:
                continue
            match = operation.pattern.match(path)
            if match:
                return operation, match.groupdict()
        return None

    def body_errors(self, operation: Operation, body: Any, has_body: bool) -> list[str]:
        """Human-readable reasons the body does not fit the operation (empty: it fits)."""
        if operation.body_pointer is None:
            return []
        if not has_body:
            return ["request body is required"] if operation.body_required else []
        validator = self._validators.get(operation.body_pointer)
        if validator is None:
            schema = {"$ref": SPEC_URI + operation.body_pointer}
            validator = jsonschema.Draft7Validator(schema, registry=self.registry)
            self._validators[operation.body_pointer] = validator
        errors = sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path))
        return [_describe(error) for error in errors]


def _describe(error: jsonschema.ValidationError) -> str:
    where = "/".join(str(part) for part in error.absolute_path) or "(body)"
    best = jsonschema.exceptions.best_match([error, *error.context]) if error.context else error
    message = best.message if len(best.message) <= 300 else best.message[:140] + " … " + best.message[-140:]
    return f"{where}: {message}"


@cache
def openapi() -> OpenAPI:
    with _LOCK:
        document = json.loads(_require(OPENAPI_PATH).read_text())
        return OpenAPI(document)


@cache
def graphql_schema() -> graphql.GraphQLSchema:
    """GitHub's public GraphQL schema, as graphql-core objects.

    The published SDL repeats a few fields and marks some interface
    implementations deprecated where the interface is not; graphql-core's
    stricter checks reject both, GitHub's server does not, so they are skipped.
    """
    with _LOCK:
        schema = graphql.build_schema(_require(GRAPHQL_SCHEMA_PATH).read_text(), assume_valid_sdl=True)
        schema._validation_errors = []  # see docstring: accept the schema as GitHub publishes it
        return schema
