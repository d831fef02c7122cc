"""Which button payloads the bot offered to whom, so that a tap can be told from a forgery.

A quick reply or postback payload is passed to Rasa as it is, and it may be an
`/intent{"slot": "value"}` command. Meta signs the webhook, but the payload
inside comes from the customer's client: anyone can post a quick reply whose
payload was never on offer. So the output channel records each payload it
sends to a customer (`record`) and the input channel accepts a payload only if
it was offered to that same customer (`was_offered`), or is one of the
branch's entry points (`ALWAYS_OFFERED`: the Get Started button and the
persistent menu, bot/channels/entry_points.py).

Every channel applies the rule: Messenger (quick replies, postbacks) and the
web chat (the widget's buttons), each recording what its output offered.

`OfferedPayloadStore` is the interface; `InMemoryOfferedPayloads` keeps the
record in this process, bounded (the latest payloads per customer, for a day,
the customers seen most recently). When Rasa runs on several instances,
`RedisOfferedPayloads` replaces it (production profile: `offered_payload_store`
chooses from the settings); the methods are coroutines for that reason.
"""
from __future__ import annotations

import time
from collections import OrderedDict
from typing import TYPE_CHECKING, Any, Callable, Dict, FrozenSet, Iterable, List, Protocol

from bot.channels.entry_points import ENTRY_PAYLOADS
from bot.channels.typed_text import clean_text
from bot.clock import utc_timestamp

if TYPE_CHECKING:
    import redis.asyncio as aioredis

    from bot.settings import Settings

# Payloads of the Get Started button and the persistent menu: valid for anyone, at any time.
ALWAYS_OFFERED: FrozenSet[str] = ENTRY_PAYLOADS

DEFAULT_TTL_SECONDS = 24 * 3600
DEFAULT_MAX_PER_RECIPIENT = 100
DEFAULT_MAX_RECIPIENTS = 50_000


class OfferedPayloadStore(Protocol):
    async def record(self, recipient_id: str, payloads: Iterable[str]) -> None:
        """Notes that `payloads` were just offered to `recipient_id`."""

    async def was_offered(self, recipient_id: str, payload: str) -> bool:
        """True when `payload` was offered to `recipient_id` and has not expired."""


def is_always_offered(payload: str) -> bool:
    return payload in ALWAYS_OFFERED


class InMemoryOfferedPayloads:
    """The latest `max_per_recipient` payloads offered to each customer, each valid for `ttl_seconds`.

    At most `max_recipients` customers are remembered; the one who was offered
    something least recently is forgotten first. Offering a payload again
    renews it. A payload stays valid after a tap: buttons of a template stay
    on screen and may be tapped again (the core bank makes repeats harmless).
    """

    def __init__(
        self,
        ttl_seconds: float = DEFAULT_TTL_SECONDS,
        max_per_recipient: int = DEFAULT_MAX_PER_RECIPIENT,
        max_recipients: int = DEFAULT_MAX_RECIPIENTS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if ttl_seconds <= 0 or max_per_recipient <= 0 or max_recipients <= 0:
            raise ValueError("ttl_seconds, max_per_recipient and max_recipients must be positive")
        self._ttl = ttl_seconds
        self._max_per_recipient = max_per_recipient
        self._max_recipients = max_recipients
        self._clock = clock
        # recipient id -> (payload -> expiry), both oldest first
        self._offers: "OrderedDict[str, OrderedDict[str, float]]" = OrderedDict()

    async def record(self, recipient_id: str, payloads: Iterable[str]) -> None:
        now = self._clock()
        offers = self._offers.get(recipient_id)
        if offers is None:
            offers = self._offers[recipient_id] = OrderedDict()
        self._offers.move_to_end(recipient_id)
        for payload in payloads:
            offers[payload] = now + self._ttl
            offers.move_to_end(payload)
        while len(offers) > self._max_per_recipient:
            offers.popitem(last=False)
        _forget_expired(offers, now)
        while len(self._offers) > self._max_recipients:
            self._offers.popitem(last=False)

    async def was_offered(self, recipient_id: str, payload: str) -> bool:
        offers = self._offers.get(recipient_id)
        if offers is None:
            return False
        expires = offers.get(payload)
        if expires is None:
            return False
        if expires <= self._clock():
            del offers[payload]
            return False
        return True

    @property
    def recipients(self) -> int:
        """How many customers have offers on record (for tests and metrics)."""
        return len(self._offers)


def _forget_expired(offers: "OrderedDict[str, float]", now: float) -> None:
    # Renewed payloads move to the end, so expiries grow from first to last.
    while offers:
        oldest, expires = next(iter(offers.items()))
        if expires > now:
            return
        del offers[oldest]


class RedisOfferedPayloads:
    """Per customer a sorted set of payloads scored by expiry; the whole set expires a day after the last offer."""

    def __init__(
        self, client: "aioredis.Redis", prefix: str, ttl_seconds: int = int(DEFAULT_TTL_SECONDS),
        max_per_recipient: int = 100,
    ) -> None:
        self._redis = client
        self._prefix = prefix
        self._ttl = ttl_seconds
        self._max = max_per_recipient

    def _key(self, recipient_id: str) -> str:
        return f"{self._prefix}offered:{recipient_id}"

    async def record(self, recipient_id: str, payloads: Iterable[str]) -> None:
        payloads = list(payloads)
        if not payloads:
            return
        now = utc_timestamp()
        key = self._key(recipient_id)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.zadd(key, {payload: now + self._ttl for payload in payloads})
            pipe.zremrangebyscore(key, "-inf", now)
            pipe.zremrangebyrank(key, 0, -self._max - 1)  # keep the latest `max` offers
            pipe.expire(key, self._ttl)
            await pipe.execute()

    async def was_offered(self, recipient_id: str, payload: str) -> bool:
        if clean_text(payload) != payload:  # not valid text (a lone surrogate): never offered, and not encodable
            return False
        expires = await self._redis.zscore(self._key(recipient_id), payload)
        return expires is not None and float(expires) > utc_timestamp()


def offered_payload_store(settings: "Settings", namespace: str) -> OfferedPayloadStore:
    """Redis when REDIS_URL is set (keys `{prefix}{namespace}offered:...`), else this process's memory."""
    if not settings.redis_url:
        return InMemoryOfferedPayloads()
    from bot.channels.redis_client import redis_client

    return RedisOfferedPayloads(redis_client(settings.redis_url), settings.redis_key_prefix + namespace)


def payloads_in_response(response: Dict[str, Any]) -> List[str]:
    """The payloads a Rasa response offers as taps: its buttons and quick replies, a carousel's buttons.

    Links (`web_url` buttons) carry no payload and are not counted.
    """
    choices: List[Any] = list(response.get("buttons") or []) + list(response.get("quick_replies") or [])
    attachment = response.get("attachment")
    if isinstance(attachment, dict) and isinstance(attachment.get("payload"), dict):
        inner = attachment["payload"]
        choices += list(inner.get("buttons") or [])
        for element in inner.get("elements") or []:
            if isinstance(element, dict):
                choices += list(element.get("buttons") or [])
    return [c["payload"] for c in choices
            if isinstance(c, dict) and isinstance(c.get("payload"), str) and c.get("type", "postback") != "web_url"]

