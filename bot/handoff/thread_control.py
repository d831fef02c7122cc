"""The Page Inbox gives a conversation back: the bot answers again and the console's entry is closed.

Meta posts thread-control notifications (`messaging_handovers`) to the bot's webhook, and the
Messenger channel calls its `on_thread_control(psid, kind, app_id)` for each, in the customer's
queue (bot/channels/messenger/channel.py). `MessengerInput.from_credentials` sets it to a
`ThreadControlHook`, so this runs in the Rasa server.

When the thread comes back to the bot's app (`pass_thread_control` to it, or
`release_thread_control`: a person marked the conversation done in the Page Inbox):

1. Rasa's conversation is resumed, with the note that the bot is back (`RasaControl.resume`:
   Rasa's HTTP API with RASA_API_TOKEN, the call the console makes when staff hand back);
2. the console's entry for it, waiting or taken, is closed, audited as `closed` by `system` with
   `PAGE_INBOX_DETAIL` (bot/handoff/queue.py), so no advisor takes a conversation that is over.

3. the customer gets the satisfaction survey (bot/handoff/csat.py), its advisor the one who had the
   console's entry, else `page_inbox`.

Resumed first: if Rasa cannot be reached, the entry stays open, and the console's idle sweep
resumes and closes it later. Every other notification (the Page Inbox taking the thread, asking for
it) is logged only.
"""
from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Callable, Optional

from bot.handoff.csat import CsatSender, default_surveys
from bot.handoff.models import PAGE_INBOX_AGENT
from bot.handoff.queue import HandoffQueue, default_queue
from bot.handoff.rasa_control import RasaControl, RasaControlError
from bot.privacy.pseudonyms import pseudonym

if TYPE_CHECKING:
    from bot.channels.messenger.routing import Handover
    from bot.settings import Settings

logger = logging.getLogger(__name__)

PAGE_INBOX_DETAIL = "the Page Inbox gave the conversation back to the bot"


class ThreadControlHook:
    """`on_thread_control` for the Messenger channel: ends the handoff when the thread comes back."""

    def __init__(self, handover: "Handover", rasa: RasaControl,
                 queue: Callable[[], HandoffQueue] = default_queue, csat: Optional[CsatSender] = None) -> None:
        self.handover = handover
        self.rasa = rasa
        self._queue = queue  # called when first needed: the branch database is opened lazily
        self.csat = csat

    @classmethod
    def from_settings(cls, settings: "Settings", handover: "Handover") -> "ThreadControlHook":
        rasa = RasaControl(settings.rasa_url, settings.rasa_api_token)
        return cls(handover, rasa, csat=CsatSender(default_surveys, rasa, settings.csat_privacy_url))

    async def __call__(self, psid: str, kind: str, app_id: Optional[str]) -> None:
        who = pseudonym(psid)
        if not self.handover.returns_to_this_app(kind, app_id):
            logger.info("Messenger %s for %s (app %s): nothing to do", kind, who, app_id or "unknown")
            return
        try:
            await self.rasa.resume(psid)
        except RasaControlError as exc:
            logger.error("The Page Inbox gave %s back but Rasa could not resume the conversation (%s); "
                         "its handoff stays open until the idle sweep", who, exc)
            return
        try:
            closed = await asyncio.to_thread(self._queue().close_open, psid, PAGE_INBOX_DETAIL)
        except Exception as exc:  # noqa: BLE001 - the bot answers again whatever the queue does
            logger.error("The Page Inbox gave %s back, the bot answers again, but its handoff was not closed: %s",
                         who, type(exc).__name__)
            return
        if closed is None:
            logger.info("The Page Inbox gave %s back to the bot (no handoff was open)", who)
        else:
            logger.info("The Page Inbox gave %s back to the bot: handoff %s closed", who, closed)
            await self._survey(psid, closed)

    async def _survey(self, psid: str, handoff_id: int) -> None:
        if self.csat is None:
            return
        try:
            handoff = await asyncio.to_thread(self._queue().get, handoff_id)
            agent = (handoff.taken_by if handoff is not None else None) or PAGE_INBOX_AGENT
            await self.csat.offer(handoff_id, psid, "messenger", agent)
        except Exception:  # noqa: BLE001 - the bot answers again whatever the survey does
            logger.exception("CSAT survey of handoff %s failed", handoff_id)

    async def close(self) -> None:
        await self.rasa.close()
