"""The comment-command vocabulary (`/prguard review`, `/prguard help`), read the same way by
the webhook receiver (which routes them) and by publishing (which answers them).

A foundation module: the receiver may not import publishing, so the parser lives here.
"""

from __future__ import annotations

import re

_COMMAND = re.compile(r"^\s*/prguard\s+([a-z-]+)\b", re.IGNORECASE | re.MULTILINE)


def parse_command(body: str | None) -> str | None:
    """The first `/prguard <word>` at the start of a line, lower-cased; quoted lines do not count."""
    text = "\n".join(line for line in (body or "").splitlines() if not line.lstrip().startswith(">"))
    match = _COMMAND.search(text)
    return match.group(1).lower() if match else None
