"""Experiment: our Messenger connector with at most BENCH_DIALOGUE_LIMIT dialogues worked on at once.

`BENCH_OURS=bounded make bench` runs our side with this channel (bench/credentials-bounded.yml)
instead of `bot.channels.messenger.channel.MessengerInput`. Everything else is the connector as it is:
each customer's messages still run strictly in order (SenderQueues); the only change is a
semaphore around each job, so that Rasa's synchronous work for at most N dialogues sits in the
event loop's queue and a new webhook is read (and acknowledged) after at most that much work.
The question it answers: does bounding the dialogues bring the acknowledgement under 50 ms
under load, and what does it do to reply latency? (bench/README.md) It was asked before the
dialogues had a thread of their own, so it runs them on the webhook's loop, as they ran then.
"""
from __future__ import annotations

import asyncio
import logging
import os
from typing import Any, Dict, Optional, Text

from bot.channels.messenger.channel import MessengerInput
from bot.channels.sender_queues import Job, SenderQueues
from bot.privacy.pseudonyms import pseudonym
from bot.settings import get_settings

logger = logging.getLogger(__name__)


class BoundedSenderQueues(SenderQueues):
    def __init__(self, limit: int) -> None:
        super().__init__()
        self._limit = limit
        self._slots: Optional[asyncio.Semaphore] = None

    async def _work(self, sender_id: str, queue: asyncio.Queue) -> None:
        if self._slots is None:  # created in the server's event loop
            self._slots = asyncio.Semaphore(self._limit)
        try:
            while True:
                try:
                    job: Job = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                try:
                    async with self._slots:
                        await job()
                except Exception:
                    logger.exception("message for %s failed", pseudonym(sender_id))
        finally:
            self._queues.pop(sender_id, None)
            self._workers.pop(sender_id, None)


class BoundedMessengerInput(MessengerInput):
    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "BoundedMessengerInput":
        channel = cls(get_settings().copy(update={"dialogue_thread": False}))
        channel._own_queues = BoundedSenderQueues(int(os.environ.get("BENCH_DIALOGUE_LIMIT", "2")))
        return channel
