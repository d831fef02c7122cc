"""One worker per sender: a sender's messages run strictly in order, senders in parallel."""
from __future__ import annotations

import asyncio
import logging
from typing import Awaitable, Callable, Dict

from bot.privacy.pseudonyms import pseudonym

logger = logging.getLogger(__name__)

Job = Callable[[], Awaitable[None]]


class SenderQueues:
    def __init__(self) -> None:
        self._queues: Dict[str, asyncio.Queue] = {}
        self._workers: Dict[str, asyncio.Task] = {}

    def submit(self, sender_id: str, job: Job) -> None:
        """Queues `job` behind the sender's earlier jobs; returns at once."""
        queue = self._queues.get(sender_id)
        if queue is None:
            queue = self._queues[sender_id] = asyncio.Queue()
            self._workers[sender_id] = asyncio.create_task(self._work(sender_id, queue))
        queue.put_nowait(job)

    @property
    def busy_senders(self) -> int:
        return len(self._workers)

    async def wait_idle(self) -> None:
        """Waits until every queued job has run (for shutdown and tests)."""
        while self._workers:
            await asyncio.gather(*list(self._workers.values()), return_exceptions=True)

    async def _work(self, sender_id: str, queue: asyncio.Queue) -> None:
        try:
            while True:
                try:
                    job = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                try:
                    await job()
                except Exception:  # one failed message must not stop the sender's queue
                    logger.exception("message for %s failed", pseudonym(sender_id))
        finally:
            # No await between the empty queue and here: nothing can slip in unseen.
            self._queues.pop(sender_id, None)
            self._workers.pop(sender_id, None)
