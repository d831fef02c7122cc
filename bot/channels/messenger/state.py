"""Messenger state in Redis, shared by every Rasa instance of the production profile.

Meta may retry a webhook to any instance, and a customer's next tap may land
on another instance than the one that offered the button. So the per-customer
state the channel keeps lives in Redis when REDIS_URL is set: the message ids
already handled, the payloads offered to each customer (and those of the bot's
latest message, latest_offer.py), and when each customer last wrote (the
messaging window). Same interfaces as the
in-memory classes (`SeenMessageIds`, `InMemoryOfferedPayloads`,
`MessagingWindows`), which the embedded profile keeps; `messenger_state`
chooses from the settings.

Keys expire on their own (the same lifetimes as in memory), so Redis holds
only what is still useful. Keys are `{prefix}...` so several deployments (or
tests) can share one Redis.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Optional, Union

import redis.asyncio as aioredis

from bot.channels.messenger.latest_offer import InMemoryLatestOffers, LatestOfferStore, RedisLatestOffers
from bot.channels.messenger.messaging_window import HUMAN_AGENT_WINDOW, MessagingWindows, MessagingWindowStore
from bot.channels.messenger.seen_messages import SeenMessageIds
from bot.channels.offered_payloads import InMemoryOfferedPayloads, OfferedPayloadStore, RedisOfferedPayloads
from bot.channels.redis_client import redis_client
from bot.settings import Settings

SEEN_TTL_SECONDS = 24 * 3600
WINDOW_TTL_SECONDS = int(HUMAN_AGENT_WINDOW.total_seconds())


class RedisSeenMessageIds:
    """`first_time(id)` with SET NX: true on exactly one instance, whatever Meta retries."""

    def __init__(self, client: "aioredis.Redis", prefix: str, ttl_seconds: int = SEEN_TTL_SECONDS) -> None:
        self._redis = client
        self._prefix = prefix
        self._ttl = ttl_seconds

    def key(self, message_id: str) -> str:
        return f"{self._prefix}seen:{message_id}"

    async def first_time(self, message_id: str) -> bool:
        return bool(await self._redis.set(self.key(message_id), "1", nx=True, ex=self._ttl))


class RedisMessagingWindows:
    """When each customer last wrote, as epoch milliseconds; a newer time only ever replaces an older one."""

    # Atomic "max": webhooks for one customer may be handled on two instances at once.
    _KEEP_LATEST = """
local known = redis.call('GET', KEYS[1])
if (not known) or tonumber(known) < tonumber(ARGV[1]) then
  redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
end
return 1
"""

    def __init__(self, client: "aioredis.Redis", prefix: str, ttl_seconds: int = WINDOW_TTL_SECONDS) -> None:
        self._redis = client
        self._prefix = prefix
        self._ttl = ttl_seconds
        self._script = client.register_script(self._KEEP_LATEST)

    def _key(self, psid: str) -> str:
        return f"{self._prefix}window:{psid}"

    async def customer_wrote(self, psid: str, at: datetime) -> None:
        if at.tzinfo is None or at.utcoffset() is None:
            raise ValueError("at must be timezone-aware")
        await self._script(keys=[self._key(psid)], args=[int(at.timestamp() * 1000), self._ttl])

    async def last_customer_message(self, psid: str) -> Optional[datetime]:
        raw = await self._redis.get(self._key(psid))
        if raw is None:
            return None
        return datetime.fromtimestamp(int(raw) / 1000, timezone.utc)


SeenStore = Union[SeenMessageIds, RedisSeenMessageIds]


@dataclass
class MessengerState:
    """The channel's per-customer state, in memory (embedded profile) or in Redis (production)."""

    seen: SeenStore
    offered: OfferedPayloadStore
    windows: MessagingWindowStore
    redis: Optional["aioredis.Redis"] = None
    latest: LatestOfferStore = field(default_factory=InMemoryLatestOffers)  # latest_offer.py


def messenger_state(settings: Settings) -> MessengerState:
    """Redis when REDIS_URL is set, else this process's memory."""
    if not settings.redis_url:
        return MessengerState(SeenMessageIds(), InMemoryOfferedPayloads(), MessagingWindows())
    client = redis_client(settings.redis_url)
    prefix = settings.redis_key_prefix
    return MessengerState(
        RedisSeenMessageIds(client, prefix), RedisOfferedPayloads(client, prefix),
        RedisMessagingWindows(client, prefix), client, RedisLatestOffers(client, prefix),
    )


async def first_time(seen: SeenStore, message_id: str) -> bool:
    """`seen.first_time` for either store (the in-memory one is synchronous)."""
    if isinstance(seen, SeenMessageIds):
        return seen.first_time(message_id)
    return await seen.first_time(message_id)

