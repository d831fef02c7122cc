"""What the bot's latest message to each customer offered to tap, so that a 👍 can answer a yes/no question.

Messenger's thumbs-up button sends a "like" sticker. Right after the bot asked for a confirmation
(its latest message offered `/affirm` and `/deny`, e.g. "Send 20.00 EUR to Anna?" [Yes, send it] [No])
a like means yes: the channel passes `/affirm` to Rasa as if the Yes button were tapped, provided
`/affirm` was offered to that customer (bot/channels/offered_payloads.py, the rule for every tap).
Any other time a like gets the polite answer it always got (router.py).

The output channel records the choices of every message it sends (none: an empty record), so the
record is always the latest message's; a message from staff does not go through it, but while staff
have the conversation the bot is paused and ignores a `/affirm` anyway.

`InMemoryLatestOffers` keeps it in this process, bounded; `RedisLatestOffers` in Redis for every
instance (production profile: the like may reach another instance than the question came from).
Records live a day, like offered payloads.
"""
from __future__ import annotations

import json
from collections import OrderedDict
from typing import TYPE_CHECKING, Callable, FrozenSet, Iterable, Protocol, Tuple

from bot.clock import utc_timestamp

if TYPE_CHECKING:
    import redis.asyncio as aioredis

YES, NO = "/affirm", "/deny"
TTL_SECONDS = 24 * 3600
MAX_CUSTOMERS = 50_000


class LatestOfferStore(Protocol):
    async def sent(self, recipient_id: str, payloads: Iterable[str]) -> None:
        """The bot just sent `recipient_id` a message offering `payloads` (maybe none)."""

    async def latest(self, recipient_id: str) -> FrozenSet[str]:
        """The payloads the bot's latest message to `recipient_id` offered (empty when none, or too long ago)."""


def asks_yes_or_no(latest: FrozenSet[str]) -> bool:
    """The latest message was a confirmation: it offered both yes and no."""
    return YES in latest and NO in latest


class InMemoryLatestOffers:
    """For one process: at most `max_customers`, the one written to least recently forgotten first."""

    def __init__(self, ttl_seconds: float = TTL_SECONDS, max_customers: int = MAX_CUSTOMERS,
                 clock: Callable[[], float] = utc_timestamp) -> None:
        self._ttl = ttl_seconds
        self._max = max_customers
        self._clock = clock
        self._latest: "OrderedDict[str, Tuple[float, FrozenSet[str]]]" = OrderedDict()

    async def sent(self, recipient_id: str, payloads: Iterable[str]) -> None:
        self._latest[recipient_id] = (self._clock() + self._ttl, frozenset(payloads))
        self._latest.move_to_end(recipient_id)
        while len(self._latest) > self._max:
            self._latest.popitem(last=False)

    async def latest(self, recipient_id: str) -> FrozenSet[str]:
        expires, payloads = self._latest.get(recipient_id, (0.0, frozenset()))
        return payloads if expires > self._clock() else frozenset()


class RedisLatestOffers:
    """`{prefix}latest_offer:{psid}`: a JSON list of payloads, replaced by each message, expiring after a day."""

    def __init__(self, client: "aioredis.Redis", prefix: str, ttl_seconds: int = TTL_SECONDS) -> None:
        self._redis = client
        self._prefix = prefix
        self._ttl = ttl_seconds

    def _key(self, recipient_id: str) -> str:
        return f"{self._prefix}latest_offer:{recipient_id}"

    async def sent(self, recipient_id: str, payloads: Iterable[str]) -> None:
        await self._redis.set(self._key(recipient_id), json.dumps(sorted(set(payloads))), ex=self._ttl)

    async def latest(self, recipient_id: str) -> FrozenSet[str]:
        raw = await self._redis.get(self._key(recipient_id))
        try:
            payloads = json.loads(raw) if raw is not None else []
        except ValueError:
            return frozenset()
        return frozenset(str(p) for p in payloads) if isinstance(payloads, list) else frozenset()
