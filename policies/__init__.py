"""Policies: the built-in default and presets, the schema, and the loader/merger/validator."""

from prguard.policies.model import Policy, PolicyError, deep_merge

__all__ = ["Policy", "PolicyError", "deep_merge"]
