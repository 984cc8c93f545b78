"""Who may see an org: an active member, as GitHub said at most `ttl` seconds ago.

The answer is cached per process, keyed by a hash of the user's token (never the
token itself) and the org, so a page view costs no GitHub call while the answer is
fresh, and a membership GitHub revokes stops working within `ttl`. Failures to ask
are not cached.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

MAX_ENTRIES = 10_000


class MembershipCache:
    def __init__(
        self,
        ask: Callable[[str, str], bool],
        *,
        ttl: float,
        clock: Callable[[], float] = time.monotonic,
        max_entries: int = MAX_ENTRIES,
    ) -> None:
        self._ask = ask
        self._ttl = ttl
        self._clock = clock
        self._max_entries = max_entries
        self._answers: OrderedDict[tuple[str, str], tuple[bool, float]] = OrderedDict()
        self._lock = threading.Lock()

    def is_member(self, token: str, org: str) -> bool:
        """Ask GitHub unless a fresh answer for (token, org) is cached; GitHubUnavailable propagates."""
        key = (hashlib.sha256(token.encode()).hexdigest(), org.lower())
        now = self._clock()
        with self._lock:
            cached = self._answers.get(key)
            if cached is not None and now - cached[1] < self._ttl:
                return cached[0]
        answer = self._ask(token, org)
        with self._lock:
            self._answers[key] = (answer, self._clock())
            self._answers.move_to_end(key)
            while len(self._answers) > self._max_entries:
                self._answers.popitem(last=False)
        return answer

    def forget(self, token: str) -> None:
        """Drop every answer for this token (on sign-out)."""
        digest = hashlib.sha256(token.encode()).hexdigest()
        with self._lock:
            for key in [k for k in self._answers if k[0] == digest]:
                del self._answers[key]
