"""prguard: reviews pull requests (security, complexity, instrumentation, AI authorship).

The layer map is in docs/contributing/architecture.md and enforced by the import
contracts in pyproject.toml. This module holds only what every layer may need.
"""

#: the engine's version: part of every cache key and of SARIF's tool description. Kept here,
#: not in prguard.engine, so the webhook receiver can key its state without loading the engine.
ENGINE_VERSION = "0.1.0"
