"""JSON report: exactly `ReviewResult.to_dict()`, the public shape in docs/users/json-and-sarif.md."""

from __future__ import annotations

import json

from prguard.engine.model import ReviewResult


def render(result: ReviewResult) -> str:
    return json.dumps(result.to_dict(), indent=2, ensure_ascii=False, default=str) + "\n"
