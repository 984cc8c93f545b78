"""What the receiver and the workers share in Redis: dedupe keys, the latest head per PR, head SHA → PR.

All keys start with a configurable prefix and carry the installation id, so one
installation's state never answers another's question (tenancy), and tests can
use their own prefix on the real Redis.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from prguard import ENGINE_VERSION

PR_STATE_TTL = 30 * 24 * 3600  # latest head / draft flag of a PR, refreshed on each event
SHA_MAP_TTL = 14 * 24 * 3600  # head SHA -> PR number, for fork check_suite events with no pull_requests
REMOVED_TTL = 7 * 24 * 3600  # "installation/repository removed": drop queued work for a week
CHECK_RUN_TTL = 3 * 24 * 3600  # our check run id per job, so a retried job reuses it

# One round trip for the webhook hot path: record the PR's head (newest wins),
# remember head SHA -> PR, dedupe the delivery and each job's content key, and
# LPUSH each fresh job's Celery message, all atomically.
# KEYS: 1 delivery, 2 PR state ('' = none), 3 sha map ('' = none), 4 queue ('' = enqueue nothing),
#       5.. content keys ('' = explicit re-run, always fresh)
# ARGV: 1 delivery ttl, 2 content ttl, 3 head sha, 4 updated_at, 5 draft, 6 PR number, 7 state ttl,
#       8 sha ttl, 9 delivery id, 10.. one message per content key
_RECEIVE_LUA = """
if KEYS[2] ~= '' then
  local current = redis.call('HGET', KEYS[2], 'updated_at')
  if (not current) or current <= ARGV[4] then
    redis.call('HSET', KEYS[2], 'sha', ARGV[3], 'updated_at', ARGV[4], 'draft', ARGV[5])
  end
  redis.call('EXPIRE', KEYS[2], ARGV[7])
end
if KEYS[3] ~= '' then
  redis.call('SET', KEYS[3], ARGV[6], 'EX', ARGV[8])
end
if not redis.call('SET', KEYS[1], ARGV[9], 'NX', 'EX', ARGV[1]) then
  return {-1}
end
local out = {}
for i = 5, #KEYS do
  local fresh = KEYS[i] == '' or redis.call('SET', KEYS[i], ARGV[9], 'NX', 'EX', ARGV[2])
  if fresh then
    out[#out + 1] = 1
    if KEYS[4] ~= '' then
      redis.call('LPUSH', KEYS[4], ARGV[5 + i])
    end
  else
    out[#out + 1] = 0
  end
end
return out
"""

# Delete a key only when it still holds our value (never release someone else's claim).
_RELEASE_LUA = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""


@dataclass(frozen=True)
class HeadRecord:
    """The head of a PR as of one pull_request event; the newest `updated_at` wins."""

    sha: str
    updated_at: str
    draft: bool


class RedisKeys:
    """Key names under one prefix (`Settings.redis_key_prefix`)."""

    def __init__(self, prefix: str = "prguard:") -> None:
        self.prefix = prefix

    @staticmethod
    def _repo(full_name: str) -> str:
        return full_name.lower()  # GitHub names are case-insensitive

    def delivery(self, delivery_id: str) -> str:
        return f"{self.prefix}delivery:{delivery_id}"

    def content(self, installation_id: int, full_name: str, number: int, head_sha: str) -> str:
        repo = self._repo(full_name)
        return f"{self.prefix}content:{installation_id}:{repo}:{number}:{head_sha}:{ENGINE_VERSION}"

    def pull(self, installation_id: int, full_name: str, number: int) -> str:
        return f"{self.prefix}pr:{installation_id}:{self._repo(full_name)}:{number}"

    def sha(self, installation_id: int, full_name: str, head_sha: str) -> str:
        return f"{self.prefix}sha:{installation_id}:{self._repo(full_name)}:{head_sha}"

    def closed(self, installation_id: int, full_name: str, number: int) -> str:
        return f"{self.prefix}closed:{installation_id}:{self._repo(full_name)}:{number}"

    def installation_removed(self, installation_id: int) -> str:
        return f"{self.prefix}removed:{installation_id}"

    def repository_removed(self, installation_id: int, full_name: str) -> str:
        return f"{self.prefix}removed:{installation_id}:{self._repo(full_name)}"

    def check_run(self, installation_id: int, full_name: str, external_id: str) -> str:
        return f"{self.prefix}checkrun:{installation_id}:{self._repo(full_name)}:{external_id}"


class PullState:
    """Reads and writes of the shared Redis state, for the receiver and the workers."""

    def __init__(self, redis: Any, keys: RedisKeys) -> None:
        self.redis = redis
        self.keys = keys
        self._receive = redis.register_script(_RECEIVE_LUA)
        self._release = redis.register_script(_RELEASE_LUA)

    def receive(
        self,
        delivery_id: str,
        *,
        delivery_ttl: int,
        content_ttl: int,
        content_keys: list[str],
        pull_key: str = "",
        head: HeadRecord | None = None,
        sha_key: str = "",
        number: int = 0,
        queue: str = "",
        messages: list[str] | None = None,
    ) -> list[bool] | None:
        """Record + dedupe (+ enqueue `messages[i]` on `queue` for each fresh content key) in one round trip.

        Returns None for a duplicate delivery, else per content key whether it was new.
        """
        if queue and len(messages or []) != len(content_keys):
            raise ValueError("one message per content key")
        keys = [self.keys.delivery(delivery_id), pull_key if head else "", sha_key, queue, *content_keys]
        args = [
            delivery_ttl,
            content_ttl,
            head.sha if head else "",
            head.updated_at if head else "",
            "1" if head and head.draft else "0",
            number,
            PR_STATE_TTL,
            SHA_MAP_TTL,
            delivery_id,
            *(messages if queue and messages else []),
        ]
        result = self._receive(keys=keys, args=args)
        if result and int(result[0]) == -1:
            return None
        return [bool(int(flag)) for flag in result]

    def release(self, key: str, owner_value: str) -> bool:
        """Drop a dedupe claim we made (enqueue failed, job superseded or failed) so a retry is accepted."""
        return bool(self._release(keys=[key], args=[owner_value]))

    def latest_head(self, installation_id: int, full_name: str, number: int) -> str | None:
        sha = self.redis.hget(self.keys.pull(installation_id, full_name, number), "sha")
        return _text(sha)

    def is_draft(self, installation_id: int, full_name: str, number: int) -> bool:
        flag = self.redis.hget(self.keys.pull(installation_id, full_name, number), "draft")
        return _text(flag) == "1"

    def pull_for_sha(self, installation_id: int, full_name: str, head_sha: str) -> int | None:
        raw = _text(self.redis.get(self.keys.sha(installation_id, full_name, head_sha)))
        return int(raw) if raw and raw.isdigit() else None

    def record_closed(
        self, installation_id: int, full_name: str, number: int, details: dict[str, Any]
    ) -> None:
        self.redis.set(
            self.keys.closed(installation_id, full_name, number), json.dumps(details), ex=PR_STATE_TTL
        )

    def mark_removed(self, installation_id: int, repositories: list[str] | None = None) -> None:
        """Queued work of a removed installation (or of removed repositories) is dropped by the workers."""
        pipe = self.redis.pipeline(transaction=False)
        if repositories is None:
            pipe.set(self.keys.installation_removed(installation_id), "1", ex=REMOVED_TTL)
        else:
            for full_name in repositories:
                pipe.set(self.keys.repository_removed(installation_id, full_name), "1", ex=REMOVED_TTL)
        pipe.execute()

    def mark_restored(self, installation_id: int, repositories: list[str] | None = None) -> None:
        if repositories is None:
            self.redis.delete(self.keys.installation_removed(installation_id))
        elif repositories:
            self.redis.delete(*(self.keys.repository_removed(installation_id, r) for r in repositories))

    def is_removed(self, installation_id: int, full_name: str) -> bool:
        found = self.redis.exists(
            self.keys.installation_removed(installation_id),
            self.keys.repository_removed(installation_id, full_name),
        )
        return bool(found)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return value.decode() if isinstance(value, bytes) else str(value)
