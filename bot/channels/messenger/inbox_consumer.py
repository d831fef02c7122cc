"""The production profile's consumer of the durable inbox (durable_inbox.py), run where the dialogues run.

Every instance reads new messages from the inbox's consumer group and claims
those an instance that died had taken and not finished (idle longer than
INBOX_CLAIM_IDLE_SECONDS). A claimed message that Rasa had already stored is
acknowledged, not answered again. A customer's earlier message still pending
elsewhere runs before their later one, so the conversation keeps its order.
"""
from __future__ import annotations

import asyncio
import logging
import time
from typing import Any, Awaitable, Callable, Dict, Optional

from rasa.core.channels.channel import UserMessage

from bot.channels.messenger.durable_inbox import DurableInbox, ReplyLedger
from bot.channels.messenger.webhook import MessagingEvent
from bot.privacy.pseudonyms import pseudonym

logger = logging.getLogger(__name__)

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]
Job = Callable[[], Awaitable[None]]
# Builds the job that answers one event (the channel's handler), with the inbox's reply ledger.
Handler = Callable[[MessagingEvent, OnNewMessage, Optional[ReplyLedger]], Job]


class InboxConsumer:
    """Runs the inbox's events on this instance, and those of instances that died, until cancelled."""

    def __init__(self, inbox: DurableInbox, handler: Handler, submit: Callable[[str, Job], None]) -> None:
        self.inbox = inbox
        self._handler = handler
        self._submit = submit  # queues a job in the customer's queue, where the dialogues run
        self._in_flight = 0
        self._entries: set = set()  # entry ids this instance is working on (kept alive)
        self._events: Dict[str, MessagingEvent] = {}  # their events, by entry id
        self._done: set = set()  # entries run ahead of their turn in the sender's queue

    async def run(self, app: Any, on_new_message: OnNewMessage, max_in_flight: int = 64) -> None:
        """Runs the inbox's events on this instance, and those of instances that died, until cancelled."""
        inbox = self.inbox
        assert inbox is not None
        claim_every = min(max(inbox.claim_idle_ms / 2000, 0.5), 5.0)
        last_claim = 0.0
        keeper = asyncio.create_task(self._keep_entries_alive())
        try:
            await self._read_inbox(app, on_new_message, max_in_flight, claim_every, last_claim)
        finally:
            keeper.cancel()

    async def _keep_entries_alive(self) -> None:
        inbox = self.inbox
        assert inbox is not None
        every = max(inbox.claim_idle_ms / 3000, 0.2)
        while True:
            await asyncio.sleep(every)
            try:
                await inbox.keep_alive(list(self._entries))
            except Exception:
                logger.exception("Durable inbox: keep-alive failed")

    async def _read_inbox(
        self, app: Any, on_new_message: OnNewMessage, max_in_flight: int, claim_every: float, last_claim: float,
    ) -> None:
        inbox = self.inbox
        assert inbox is not None
        last_tidy = 0.0
        while True:
            try:
                await inbox.ensure_group()
                while True:
                    if self._in_flight >= max_in_flight:
                        await asyncio.sleep(0.05)
                        continue
                    if time.monotonic() - last_tidy >= 3600:
                        last_tidy = time.monotonic()
                        await inbox.forget_idle_consumers()
                    if time.monotonic() - last_claim >= claim_every:
                        last_claim = time.monotonic()
                        for entry_id, event in await inbox.claim_stale(count=max_in_flight):
                            self._run_entry(app, entry_id, event, on_new_message, redelivered=True)
                    room = max_in_flight - self._in_flight
                    for entry_id, event in await inbox.read_new(count=room, block_ms=1000):
                        self._run_entry(app, entry_id, event, on_new_message, redelivered=False)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("Durable inbox: reading failed; trying again")
                await asyncio.sleep(1)

    def _run_entry(
        self, app: Any, entry_id: str, event: Optional[MessagingEvent], on_new_message: OnNewMessage,
        redelivered: bool,
    ) -> None:
        inbox = self.inbox
        assert inbox is not None
        if event is None:
            return  # unreadable: left pending, logged by the inbox
        if entry_id in self._entries:  # ours already, still queued or running
            return
        self._in_flight += 1
        self._entries.add(entry_id)

        async def job() -> None:
            try:
                if entry_id in self._done:  # run early, ahead of a later message (_run_older_first)
                    self._done.discard(entry_id)
                    return
                await self._run_older_first(app, entry_id, event, on_new_message)
                await self._process_entry(app, entry_id, event, on_new_message, redelivered)
            except asyncio.CancelledError:  # shutting down: stays pending, another instance takes it
                raise
            except Exception:
                logger.exception("message for %s failed", pseudonym(event.sender_id))
            finally:
                self._in_flight -= 1
                self._entries.discard(entry_id)

        self._events[entry_id] = event
        self._submit(event.sender_id, job)  # the consumer runs where the dialogues run

    async def _process_entry(
        self, app: Any, entry_id: str, event: MessagingEvent, on_new_message: OnNewMessage, redelivered: bool,
    ) -> None:
        inbox = self.inbox
        assert inbox is not None
        try:
            if redelivered and await self._already_in_tracker(app, event):
                logger.info("Recovered message for %s was handled before; acknowledged", pseudonym(event.sender_id))
            else:
                if redelivered:
                    logger.info("Recovered a message for %s from a stopped instance", pseudonym(event.sender_id))
                await self._handler(event, on_new_message, inbox.ledger(event.message_id, redelivered))()
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("message for %s failed", pseudonym(event.sender_id))
        self._events.pop(entry_id, None)
        await inbox.ack(entry_id, event.sender_id)

    async def _run_older_first(
        self, app: Any, entry_id: str, event: MessagingEvent, on_new_message: OnNewMessage,
    ) -> None:
        """Runs first the customer's earlier messages still pending on an instance that died.

        A customer may write again (to another instance) after the bot answered
        a message whose turn the dead instance never saved; that message must
        still come first in the conversation. Waits while an earlier message is
        with a live instance (it keeps it alive), at most a generous while.
        """
        inbox = self.inbox
        assert inbox is not None
        deadline = time.monotonic() + max(6 * inbox.claim_idle_ms / 1000, 60)
        while True:
            older = await inbox.open_before(event.sender_id, entry_id)
            if not older:
                return
            waiting = False
            for earlier in older:
                owner = await inbox.pending_owner(earlier)
                if owner is None:  # acknowledged meanwhile
                    await inbox.forget_open(event.sender_id, earlier)
                    continue
                consumer, idle_ms = owner
                earlier_event = self._events.get(earlier) if consumer == inbox.consumer else None
                if earlier_event is None and idle_ms >= inbox.claim_idle_ms:
                    earlier_event = await inbox.claim(earlier)
                if earlier_event is None:
                    waiting = True
                    break
                queued = earlier in self._entries
                if queued:
                    self._done.add(earlier)  # its queued job has nothing left to do
                else:
                    self._entries.add(earlier)  # kept alive while it runs
                try:
                    await self._process_entry(app, earlier, earlier_event, on_new_message, redelivered=True)
                finally:
                    if not queued:
                        self._entries.discard(earlier)
            if waiting:
                if time.monotonic() > deadline:
                    logger.warning("An earlier message of %s is still pending elsewhere; going on",
                                   pseudonym(event.sender_id))
                    return
                await asyncio.sleep(0.3)

    @staticmethod
    async def _already_in_tracker(app: Any, event: MessagingEvent) -> bool:
        """Rasa saves the tracker once, at the end of handle_message: the message id there means it was handled."""
        if not event.message_id:
            return False
        agent = getattr(getattr(app, "ctx", None), "agent", None)
        if agent is None or agent.tracker_store is None:
            return False
        tracker = await agent.tracker_store.retrieve(event.sender_id)
        if tracker is None:
            return False
        return any(
            getattr(e, "message_id", None) == event.message_id and e.type_name == "user" for e in tracker.events
        )
