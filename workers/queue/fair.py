"""Per-installation fairness for review jobs: one installation's flood cannot starve the others.

Celery's `analyze` queue is one FIFO list: 900 events from one installation ahead of yours and your
review waits for all 900. So the receiver does not push review jobs onto `analyze` itself; it pushes
them onto an intake list, and `dispatch()` (one Lua script, atomic) sorts the intake into one list per
installation and moves jobs onto `analyze` round-robin across the installations that have work, one job
per installation per turn, keeping at most `depth` jobs waiting on `analyze`. Workers consume `analyze`
exactly as before (same queue, same messages, acks_late): fairness needs no new process and no change to
the workers' `-Q`.

`dispatch()` runs where capacity appears or work arrives: in the receiver after every enqueue, and in
every worker process when it starts and after every task. A job therefore waits behind at most `depth`
jobs already on `analyze` plus one job of each other installation with work, not behind a whole flood.

Each installation's GitHub write budget (prguard.publish.throttle) is unchanged and still shared by all
workers; interleaving installations spreads the writes, so a flood spends its own budget, not others'.

Keys (under the Redis key prefix): `fair:intake` (new messages, LPUSHed by the receiver), `fair:q:<id>`
(an installation's waiting messages), `fair:ring` (installations with waiting messages, in turn order),
`fair:members` (the same, as a set), `fair:pending` (how many wait in intake and the per-installation
lists: the queue depth an autoscaler reads).

`QUEUE_FAIRNESS=off` makes the receiver push onto `analyze` directly (the FIFO of before).
"""

from __future__ import annotations

import os
from typing import Any

FAIRNESS_ENV = "QUEUE_FAIRNESS"
DEPTH_ENV = "QUEUE_FAIR_DEPTH"
DEFAULT_DEPTH = 2
MAX_DRAIN = 500  # intake messages sorted per call (the rest on the next call): bounds the script's time

# KEYS: 1 intake, 2 ring, 3 members, 4 pending counter, 5 the Celery queue (analyze)
# ARGV: 1 depth, 2 per-installation list prefix, 3 max intake to sort
# Returns {sorted from intake, moved onto the queue}.
_DISPATCH_LUA = """
local sorted = 0
while sorted < tonumber(ARGV[3]) do
  local message = redis.call('RPOP', KEYS[1])
  if not message then break end
  local installation = '0'
  local ok, envelope = pcall(cjson.decode, message)
  if ok and type(envelope) == 'table' and type(envelope['headers']) == 'table' then
    local repr = envelope['headers']['kwargsrepr']
    if type(repr) == 'string' then
      local ok2, kwargs = pcall(cjson.decode, repr)
      if ok2 and type(kwargs) == 'table' and kwargs['installation_id'] then
        installation = string.format('%d', kwargs['installation_id'])
      end
    end
  end
  redis.call('LPUSH', ARGV[2] .. installation, message)
  if redis.call('SADD', KEYS[3], installation) == 1 then
    redis.call('RPUSH', KEYS[2], installation)
  end
  sorted = sorted + 1
end
if sorted > 0 then
  redis.call('INCRBY', KEYS[4], sorted)
end
local moved = 0
while redis.call('LLEN', KEYS[5]) < tonumber(ARGV[1]) do
  local installation = redis.call('LPOP', KEYS[2])
  if not installation then break end
  local list = ARGV[2] .. installation
  local message = redis.call('RPOP', list)
  if message then
    redis.call('LPUSH', KEYS[5], message)
    moved = moved + 1
  end
  if redis.call('LLEN', list) > 0 then
    redis.call('RPUSH', KEYS[2], installation)
  else
    redis.call('SREM', KEYS[3], installation)
  end
end
if moved > 0 then
  local left = redis.call('DECRBY', KEYS[4], moved)
  if left < 0 then redis.call('SET', KEYS[4], 0) end
end
return {sorted, moved}
"""


def enabled() -> bool:
    return os.environ.get(FAIRNESS_ENV, "on").strip().lower() not in ("off", "0", "false", "no")


def configured_depth() -> int:
    raw = os.environ.get(DEPTH_ENV, "").strip()
    return int(raw) if raw.isdigit() and int(raw) > 0 else DEFAULT_DEPTH


class FairQueue:
    """The intake, the per-installation lists and the round-robin dispatch onto one Celery queue."""

    def __init__(self, redis: Any, prefix: str, queue: str, *, depth: int | None = None) -> None:
        self.redis = redis
        self.prefix = prefix
        self.queue = queue
        self.depth = depth or configured_depth()
        self._dispatch = redis.register_script(_DISPATCH_LUA)

    @property
    def intake(self) -> str:
        return f"{self.prefix}fair:intake"

    def installation_list(self, installation_id: int | str) -> str:
        return f"{self.prefix}fair:q:{installation_id}"

    def _keys(self) -> list[str]:
        base = f"{self.prefix}fair:"
        return [self.intake, f"{base}ring", f"{base}members", f"{base}pending", self.queue]

    def dispatch(self) -> tuple[int, int]:
        """Sort the intake, then top the Celery queue up to `depth`, round-robin; (sorted, moved)."""
        sorted_count, moved = self._dispatch(
            keys=self._keys(), args=[self.depth, f"{self.prefix}fair:q:", MAX_DRAIN]
        )
        return int(sorted_count), int(moved)

    def pending(self) -> int:
        """Jobs waiting for their turn (intake + per-installation lists), not yet on the Celery queue."""
        pipe = self.redis.pipeline(transaction=False)
        intake, sorted_waiting = pipe.llen(self.intake).get(f"{self.prefix}fair:pending").execute()
        return int(intake or 0) + max(0, int(sorted_waiting or 0))
