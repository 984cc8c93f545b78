"""PG-VULN rules: weaknesses found by the shape of the code, not by a flow from a request.

Run by the security analyzer next to bandit's tests, on the same parsed tree, with the
shared resolver (prguard.analyzers.pyresolve) for names and types. Each rule's metadata
(id, title, severity, CWE, why, bad/good example, fix) is data in `RULES`; the checks
are in `VulnChecker`. Where bandit already reports the same CWE on a line, the PG-VULN
finding is not repeated (the security analyzer drops it).

The package: `table` holds the rules as data, `checker` runs every group of checks
(`archives`, `crypto`, `loops`, `regex`, `timing`, `transport`, `web`) over one module.
"""

from prguard.analyzers.vuln_rules.checker import VulnChecker
from prguard.analyzers.vuln_rules.shapes import VulnHit
from prguard.analyzers.vuln_rules.table import RULES, VulnRule

__all__ = ["RULES", "VulnChecker", "VulnHit", "VulnRule"]
