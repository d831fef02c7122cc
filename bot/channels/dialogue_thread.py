"""The dialogues' own event loop, in a thread beside the Rasa server's.

Rasa runs NLU, policy prediction and the checks of every action-server answer
as synchronous code (10–60 ms a piece). On the loop that also serves the
webhook, a new webhook waits behind every such piece of every conversation in
flight: at 50 conversations Meta waited about a second for its 200
(bench/README.md). So the Messenger channel keeps that loop for the webhook
alone (signature, parsing, de-duplication, 200) and runs each customer's
dialogue here, in a loop of its own: the operating system switches the two
threads at least every few milliseconds, so a webhook is answered while a
dialogue is half-way through its NLU.

Everything a Messenger dialogue touches runs in this loop: the sender queues
(one customer's messages strictly in order), Rasa's `handle_message`, the Send
API client (its HTTP session is per loop), the durable inbox's consumer in the
production profile. The web chat's dialogues run here too (bot/channels/web_chat/channel.py;
its socket.io emits go back to the server's loop): one thread runs all of the
model's work, as one loop did before. That matters beyond speed: some of Rasa's
components keep state while they predict (the CRF entity extractor's tagger),
so two threads must not run the model at once.

One thread per process, shared by the channels (`shared_dialogue_thread`); it
stops when the last channel that started it stops.
"""
from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import threading
from typing import Any, Awaitable, Callable, Coroutine, Optional

from bot.channels.sender_queues import Job, SenderQueues

logger = logging.getLogger(__name__)


class DialogueThread:
    """One thread running one event loop, and the sender queues that live in it."""

    def __init__(self, name: str = "dialogue") -> None:
        self.name = name
        self.queues = SenderQueues()
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._thread: Optional[threading.Thread] = None
        self._users = 0  # channels that started it and have not stopped

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        if self._loop is None:
            raise RuntimeError("the dialogue thread is not started")
        return self._loop

    def start(self) -> None:
        """Starts the thread, or counts one more user of the running one."""
        self._users += 1
        if self.running:
            return
        ready = threading.Event()

        def run() -> None:
            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            self._loop = loop
            ready.set()
            try:
                loop.run_forever()
            finally:
                loop.run_until_complete(loop.shutdown_asyncgens())
                loop.close()

        self._thread = threading.Thread(target=run, name=self.name, daemon=True)
        self._thread.start()
        ready.wait()
        logger.info("Dialogues run in thread %s", self.name)

    def in_this_thread(self) -> bool:
        return threading.current_thread() is self._thread

    def submit(self, sender_id: str, job: Job) -> None:
        """Queues `job` behind the sender's earlier jobs, from any thread; returns at once."""
        if self.in_this_thread():
            self.queues.submit(sender_id, job)
        else:
            self.loop.call_soon_threadsafe(self.queues.submit, sender_id, job)

    def run(self, coroutine: Coroutine[Any, Any, Any]) -> "concurrent.futures.Future[Any]":
        """Starts `coroutine` in the dialogue loop (from another thread); its future, to wait for or cancel."""
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop)

    async def call(self, function: Callable[[], Awaitable[Any]]) -> Any:
        """Awaits `function()` run in the dialogue loop, from another loop."""
        return await asyncio.wrap_future(self.run(function()))

    async def drain(self, timeout: float = 10.0) -> None:
        """Waits (at most `timeout` seconds) until the queued dialogues have run."""
        if not self.running:
            return
        try:
            await asyncio.wait_for(self.call(self.queues.wait_idle), timeout)
        except asyncio.TimeoutError:
            logger.warning("Dialogues still running after %.0f s; stopping anyway", timeout)

    async def stop(self, timeout: float = 10.0) -> None:
        """One user fewer; the last one lets the queued dialogues finish, then stops the thread."""
        self._users = max(0, self._users - 1)
        if self._users or not self.running:
            return
        await self.drain(timeout)
        loop, thread = self.loop, self._thread
        loop.call_soon_threadsafe(loop.stop)
        assert thread is not None
        await asyncio.to_thread(thread.join, timeout)
        self._thread = None
        self._loop = None


_SHARED: Optional[DialogueThread] = None


def shared_dialogue_thread() -> DialogueThread:
    """The process's dialogue thread, shared by the Messenger and web chat channels."""
    global _SHARED
    if _SHARED is None:
        _SHARED = DialogueThread()
    return _SHARED
