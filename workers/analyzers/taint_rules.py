"""Moved to `prguard.analyzers.taint.rules`; this name stays an alias of that module."""

import sys

from prguard.analyzers.taint import rules as _rules

sys.modules[__name__] = _rules
