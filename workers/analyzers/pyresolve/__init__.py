"""One resolver of Python names and types, shared by every analyzer that matches rules.

- `Resolver`: qualified names through imports and aliases, and inferred types, of the
  expressions of one module (see `resolver`).
- `matches` / `matches_any` / `PatternIndex`: the one name-matching syntax of taint
  sink specs, policy `rules:` and instrumentation clients (see `matching`).

Plain Python over `ast`: nothing here knows about findings, rules or analyzers.
Documented for contributors in docs/contributing/resolver.md.
"""

from prguard.analyzers.pyresolve.matching import PatternIndex, matches, matches_any
from prguard.analyzers.pyresolve.resolver import Resolver, element_of, is_class_name, supertypes

__all__ = [
    "PatternIndex",
    "Resolver",
    "element_of",
    "is_class_name",
    "matches",
    "matches_any",
    "supertypes",
]
