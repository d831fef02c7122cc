"""The durable inbox: a Messenger event acknowledged to Meta is never lost with an instance.

The channel answers Meta 200 at once and runs the dialogue in the background.
Meta does not retry an event it got a 200 for, so in the production profile the
event is first written to a Redis Stream (one atomic script: the message id's
"seen" key SET NX, then XADD) and only then acknowledged. Every Rasa instance
reads the stream through one consumer group (XREADGROUP) and XACKs an entry
when its dialogue has finished. An entry read by an instance that died stays
pending; the other instances XAUTOCLAIM entries idle longer than
INBOX_CLAIM_IDLE_SECONDS and run them. A live instance resets the idle time of
the entries it is working on every third of that time (`keep_alive`), so a
slow turn is never taken from a live instance.

Running an entry again must not repeat what the dead instance already did:

- Rasa 3.6 saves the tracker once, at the end of `handle_message`
  (rasa/core/processor.py). So a claimed event whose message id is already a
  user event in the tracker was handled in full: it is only acknowledged.
- Replies sent before the crash are recorded per (inbound message id, reply
  index) in Redis (`ReplyLedger`): a re-run sends only the replies not yet
  recorded. The record is written right after Meta accepted the message, so
  the one remaining gap is a crash between Meta's answer and that write: that
  reply is sent twice (at-least-once, never lost; Meta offers no idempotency key).
"""
from __future__ import annotations

import json
import logging
from dataclasses import asdict
from typing import Any, Dict, List, Optional, Tuple

import redis.asyncio as aioredis
from redis.exceptions import ResponseError

from bot.channels.messenger.webhook import EventKind, FeedbackAnswer, MessagingEvent

logger = logging.getLogger(__name__)

GROUP = "messenger"
REPLY_TTL_SECONDS = 24 * 3600
SEEN_TTL_SECONDS = 24 * 3600

Entry = Tuple[str, MessagingEvent]

# KEYS: seen key, stream, the sender's open entries. ARGV: ttl, event json.
# Returns the entry id, or false when seen before.
_ACCEPT = """
if redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then
  local id = redis.call('XADD', KEYS[2], '*', 'event', ARGV[2])
  redis.call('RPUSH', KEYS[3], id)
  redis.call('EXPIRE', KEYS[3], ARGV[1])
  return id
end
return false
"""


def entry_before(a: str, b: str) -> bool:
    """Stream ids ("ms-seq") in order."""
    return tuple(int(p) for p in a.split("-")) < tuple(int(p) for p in b.split("-"))


def encode_event(event: MessagingEvent) -> str:
    data = asdict(event)
    data["kind"] = event.kind.value
    return json.dumps(data, separators=(",", ":"))


def decode_event(raw: str) -> MessagingEvent:
    data: Dict[str, Any] = json.loads(raw)
    data["kind"] = EventKind(data["kind"])
    data["feedback"] = tuple(FeedbackAnswer(**answer) for answer in data.get("feedback") or ())
    return MessagingEvent(**data)


class DurableInbox:
    """One Redis Stream of Messenger events, consumed by every instance through one group."""

    def __init__(
        self, client: "aioredis.Redis", prefix: str, consumer: str, claim_idle_seconds: float,
    ) -> None:
        self.redis = client
        self.prefix = prefix
        self.stream = f"{prefix}inbox"
        self.consumer = consumer
        self.claim_idle_ms = int(claim_idle_seconds * 1000)
        self._accept = client.register_script(_ACCEPT)
        self._claim_cursor = "0-0"

    async def ensure_group(self) -> None:
        try:
            await self.redis.xgroup_create(self.stream, GROUP, id="0", mkstream=True)
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    def seen_key(self, dedup_key: str) -> str:
        # The same key as RedisSeenMessageIds: one de-dup for both paths.
        return f"{self.prefix}seen:{dedup_key}"

    async def accept(self, event: MessagingEvent) -> bool:
        """Stores `event` unless its id was seen before; True when it is new. Raises when Redis fails."""
        entry_id = await self._accept(
            keys=[self.seen_key(event.dedup_key), self.stream, self._open_key(event.sender_id)],
            args=[SEEN_TTL_SECONDS, encode_event(event)],
        )
        return entry_id is not None

    async def read_new(self, count: int, block_ms: int) -> List[Entry]:
        answer = await self.redis.xreadgroup(GROUP, self.consumer, {self.stream: ">"}, count=count, block=block_ms)
        entries: List[Entry] = []
        for _stream, items in answer or []:
            entries.extend(self._decode(items))
        return entries

    async def claim_stale(self, count: int) -> List[Entry]:
        """Entries another consumer took and left idle too long (it died): now ours."""
        answer = await self.redis.xautoclaim(
            self.stream, GROUP, self.consumer, self.claim_idle_ms, start_id=self._claim_cursor, count=count,
        )
        self._claim_cursor = answer[0] or "0-0"
        return self._decode(answer[1])

    async def keep_alive(self, entry_ids: List[str]) -> None:
        """Resets the idle time of entries this consumer is still working on, so no one claims them.

        Only a consumer that stopped (its process died) lets its entries grow idle.
        """
        if entry_ids:
            await self.redis.xclaim(self.stream, GROUP, self.consumer, 0, entry_ids, justid=True)

    async def ack(self, entry_id: str, sender_id: str) -> None:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.xack(self.stream, GROUP, entry_id)
            pipe.xdel(self.stream, entry_id)
            pipe.lrem(self._open_key(sender_id), 0, entry_id)
            await pipe.execute()

    # A sender's entries not yet acknowledged, oldest first: a message must not overtake an earlier
    # one of the same customer that a dead instance left pending (see MessengerInput._run_older_first).

    def _open_key(self, sender_id: str) -> str:
        return f"{self.prefix}open:{sender_id}"

    async def open_before(self, sender_id: str, entry_id: str) -> List[str]:
        """The sender's unacknowledged entries older than `entry_id`."""
        ids = await self.redis.lrange(self._open_key(sender_id), 0, -1)
        return [i for i in ids if entry_before(i, entry_id)]

    async def forget_open(self, sender_id: str, entry_id: str) -> None:
        await self.redis.lrem(self._open_key(sender_id), 0, entry_id)

    async def pending_owner(self, entry_id: str) -> Optional[Tuple[str, int]]:
        """(consumer, idle ms) of a pending entry, None when it is acknowledged (or gone)."""
        rows = await self.redis.xpending_range(self.stream, GROUP, min=entry_id, max=entry_id, count=1)
        if not rows:
            return None
        return rows[0]["consumer"], int(rows[0]["time_since_delivered"])

    async def claim(self, entry_id: str) -> Optional[MessagingEvent]:
        """Takes one entry idle longer than the claim time; None when it is not (or no longer) claimable."""
        items = await self.redis.xclaim(self.stream, GROUP, self.consumer, self.claim_idle_ms, [entry_id])
        entries = [e for e in self._decode(items) if e[1] is not None]
        return entries[0][1] if entries else None

    async def forget_idle_consumers(self, idle_seconds: float = 24 * 3600) -> int:
        """Removes consumers (instances gone for good) with nothing pending and idle for a day; returns how many."""
        removed = 0
        for consumer in await self.redis.xinfo_consumers(self.stream, GROUP):
            if consumer["name"] != self.consumer and int(consumer["pending"]) == 0 \
                    and int(consumer["idle"]) >= idle_seconds * 1000:
                await self.redis.xgroup_delconsumer(self.stream, GROUP, consumer["name"])
                removed += 1
        return removed

    async def pending_count(self) -> int:
        info = await self.redis.xpending(self.stream, GROUP)
        return int(info["pending"]) if info else 0

    def ledger(self, message_id: Optional[str], redelivered: bool) -> "ReplyLedger":
        return ReplyLedger(self.redis, self.prefix, message_id, redelivered)

    def _decode(self, items: Any) -> List[Entry]:
        entries: List[Entry] = []
        for entry_id, fields in items or []:
            if not fields:  # deleted meanwhile (XAUTOCLAIM reports such ids with no fields)
                continue
            try:
                entries.append((entry_id, decode_event(fields["event"])))
            except (KeyError, TypeError, ValueError):
                logger.error("Inbox entry %s cannot be read; dropped", entry_id)
                # Left pending it would be claimed forever.
                entries.append((entry_id, None))  # type: ignore[arg-type]
        return entries


class ReplyLedger:
    """Which replies to one inbound message Meta already accepted, so that a re-run does not resend them."""

    def __init__(
        self, client: "aioredis.Redis", prefix: str, message_id: Optional[str], redelivered: bool,
    ) -> None:
        self._redis = client
        self._prefix = prefix
        self._message_id = message_id
        self.redelivered = redelivered
        self._index = 0

    def _key(self, index: int) -> str:
        return f"{self._prefix}reply:{self._message_id}:{index}"

    async def next_is_new(self) -> Tuple[int, bool]:
        """The index of the next reply, and whether it still has to be sent."""
        index = self._index
        self._index += 1
        if self._message_id is None or not self.redelivered:
            return index, True  # first run: nothing of it can have been sent
        return index, not await self._redis.exists(self._key(index))

    async def sent(self, index: int) -> None:
        if self._message_id is not None:
            await self._redis.set(self._key(index), "1", ex=REPLY_TTL_SECONDS)
