"""Stack frames from what incident tooling hands over: a Python traceback, a Sentry event, or an
OpenTelemetry exception. Plain parsing: no git, no network.

* Python traceback text: `  File "<path>", line <n>, in <function>` lines (chained exceptions
  included), outermost call first as Python prints them.
* Sentry event JSON, in the shapes Sentry documents: `exception.values[].stacktrace.frames[]`
  (the event payload) or `entries[{type: "exception", data: {values: [...]}}]` (the API's event),
  frames oldest first, each with `filename` / `abs_path`, `lineno`, `function`, `in_app`.
* OpenTelemetry: a span event or log record (OTLP JSON, or a flat attribute map) carrying
  `exception.stacktrace` (parsed as a traceback), or `code.function.name`, `code.file.path`,
  `code.line.number` (and their older names `code.function`, `code.filepath`, `code.lineno`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

MAX_INPUT_BYTES = 5_000_000
MAX_FRAMES = 200

_PY_FRAME = re.compile(r'^\s*File "(?P<path>[^"]+)", line (?P<line>\d+)(?:, in (?P<function>.+?))?\s*$')


class FrameError(ValueError):
    """Input that holds no frame prguard can read (the message says what was expected)."""


@dataclass(frozen=True, slots=True)
class Frame:
    path: str
    line: int
    function: str | None = None


def parse_frames(text: str) -> tuple[str, list[Frame]]:
    """(format, frames) of a traceback, a Sentry event or an OpenTelemetry exception (innermost last)."""
    if len(text) > MAX_INPUT_BYTES:
        raise FrameError(f"input larger than {MAX_INPUT_BYTES} bytes")
    stripped = text.strip()
    if not stripped:
        raise FrameError(
            "empty input: expected a Python traceback, a Sentry event or an OpenTelemetry exception"
        )
    if stripped[0] in "{[":
        try:
            data = json.loads(stripped)
        except json.JSONDecodeError as exc:
            raise FrameError(f"input looks like JSON but is not: {exc.msg} (line {exc.lineno})") from None
        frames = sentry_frames(data)
        if frames:
            return "sentry", frames[-MAX_FRAMES:]
        frames = otel_frames(data)
        if frames:
            return "opentelemetry", frames[-MAX_FRAMES:]
        raise FrameError(
            "JSON without frames: expected a Sentry event (exception.values[].stacktrace.frames) or an "
            "OpenTelemetry exception (exception.stacktrace, or code.file.path and code.line.number)"
        )
    frames = traceback_frames(stripped)
    if not frames:
        raise FrameError('no frames: expected lines like `  File "app/x.py", line 3, in load`')
    return "traceback", frames[-MAX_FRAMES:]


def traceback_frames(text: str) -> list[Frame]:
    frames = []
    for line in text.splitlines():
        match = _PY_FRAME.match(line)
        if match:
            function = (match.group("function") or "").strip() or None
            frames.append(Frame(match.group("path"), int(match.group("line")), function))
    return frames


def sentry_frames(data: Any) -> list[Frame]:
    if not isinstance(data, dict):
        return []
    values: list[Any] = []
    exception = data.get("exception")
    if isinstance(exception, dict):
        values.extend(exception.get("values") or ())
    elif isinstance(exception, list):
        values.extend(exception)
    for entry in data.get("entries") or ():
        if isinstance(entry, dict) and entry.get("type") == "exception":
            values.extend(((entry.get("data") or {}).get("values")) or ())
    frames = []
    for value in values:
        if not isinstance(value, dict):
            continue
        stacktrace = value.get("stacktrace") or {}
        for frame in stacktrace.get("frames") or () if isinstance(stacktrace, dict) else ():
            if not isinstance(frame, dict):
                continue
            path = frame.get("abs_path") or frame.get("filename") or frame.get("absPath")
            line = frame.get("lineno") or frame.get("lineNo")
            if isinstance(path, str) and isinstance(line, int) and line > 0:
                frames.append(Frame(path, line, frame.get("function") or None))
    return frames


def _attribute_value(value: Any) -> Any:
    """An OTLP JSON AnyValue ({"stringValue": ...}) or a plain value."""
    if isinstance(value, dict):
        for key in ("stringValue", "intValue", "doubleValue", "boolValue"):
            if key in value:
                raw = value[key]
                return int(raw) if key == "intValue" else raw
        return None
    return value


def _attribute_maps(data: Any, depth: int = 0) -> Iterator[dict[str, Any]]:
    """Every attribute set in an OTLP JSON document (spans, span events, log records) or a flat map."""
    if depth > 12:
        return
    if isinstance(data, dict):
        attributes = data.get("attributes")
        if isinstance(attributes, list):
            flat = {}
            for item in attributes:
                if isinstance(item, dict) and isinstance(item.get("key"), str):
                    flat[item["key"]] = _attribute_value(item.get("value"))
            yield flat
        elif isinstance(attributes, dict):
            yield attributes
        if any(isinstance(k, str) and (k.startswith("exception.") or k.startswith("code.")) for k in data):
            yield data
        for value in data.values():
            if isinstance(value, (dict, list)):
                yield from _attribute_maps(value, depth + 1)
    elif isinstance(data, list):
        for item in data:
            yield from _attribute_maps(item, depth + 1)


def otel_frames(data: Any) -> list[Frame]:
    frames: list[Frame] = []
    for attributes in _attribute_maps(data):
        stacktrace = attributes.get("exception.stacktrace")
        if isinstance(stacktrace, str) and stacktrace.strip():
            found = traceback_frames(stacktrace)
            if found:
                frames.extend(found)
                continue
        path = attributes.get("code.file.path") or attributes.get("code.filepath")
        line = attributes.get("code.line.number") or attributes.get("code.lineno")
        function = attributes.get("code.function.name") or attributes.get("code.function")
        if isinstance(line, str) and line.isdigit():
            line = int(line)
        if isinstance(path, str) and isinstance(line, int) and line > 0:
            frames.append(Frame(path, line, function if isinstance(function, str) else None))
    return frames
