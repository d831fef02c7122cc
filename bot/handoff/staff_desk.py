"""What the staff console calls: the queue and Rasa, kept in step.

    desk = StaffDesk.from_settings(get_settings())
    await desk.waiting()                            # oldest first, with waiting_seconds and overdue
    await desk.mine(agent)                          # what this agent holds now
    await desk.take(handoff_id, agent)              # False: someone else has it
    await desk.transcript(handoff_id, agent)        # [{who, text, at}], masked
    await desk.reply(handoff_id, agent, text)       # AgentMessageResult (delivered / reason)
    await desk.hand_back(handoff_id, agent)         # False: the agent does not have it
    await desk.close_idle(timedelta(minutes=55))    # the ids it closed: customers silent that long
    await desk.csat_by_advisor()                    # ([AdvisorCsat(agent, average, answers, sent)], not sent)

Handing back and the idle close both send the customer one satisfaction survey (bot/handoff/csat.py).

Every call is server side; the agent is the signed-in member of staff (never a
name from the browser). Database work runs in a worker thread, off the event loop.
"""
from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta, timezone
from typing import Any, Collection, Dict, List, Optional

from bot.handoff.conversation import last_customer_message_at
from bot.handoff.models import PUBLIC_COMMENT
from bot.handoff.csat import AdvisorCsat, CsatSender, CsatSurveys
from bot.handoff.queue import HandoffQueue, HandoffView
from bot.handoff.rasa_control import AgentMessageResult, RasaControl, RasaControlError
from bot.settings import Settings

logger = logging.getLogger(__name__)


class NotYours(PermissionError):
    """The handoff is not taken by this agent (or does not exist)."""


class StaffDesk:
    def __init__(self, queue: HandoffQueue, rasa: RasaControl, csat: Optional[CsatSender] = None) -> None:
        self.queue = queue
        self.rasa = rasa
        self.csat = csat  # the satisfaction survey after each handoff (bot/handoff/csat.py); None: none sent
        self.surveys = CsatSurveys(queue.sessions, create_tables=False)  # the queue brought the database up to date

    @classmethod
    def from_settings(cls, settings: Settings) -> "StaffDesk":
        queue = HandoffQueue.from_settings(settings)
        rasa = RasaControl.from_settings(settings, branch_sessions=queue.sessions)
        surveys = CsatSurveys(queue.sessions, create_tables=False)
        return cls(queue, rasa, CsatSender(lambda: surveys, rasa, settings.csat_privacy_url))

    async def csat_by_advisor(self) -> "tuple[List[AdvisorCsat], int]":
        """Per advisor, the surveys' average score and counts; and how many surveys were not sent."""
        return (await asyncio.to_thread(self.surveys.by_advisor), await asyncio.to_thread(self.surveys.not_sent))

    async def waiting(self) -> List[HandoffView]:
        return await asyncio.to_thread(self.queue.waiting)

    async def mine(self, agent: str) -> List[HandoffView]:
        return await asyncio.to_thread(self.queue.taken_by, agent)

    async def get(self, handoff_id: int) -> Optional[HandoffView]:
        return await asyncio.to_thread(self.queue.get, handoff_id)

    async def take(self, handoff_id: int, agent: str) -> bool:
        """Takes the conversation for `agent` and makes sure the bot is paused in it."""
        if not await asyncio.to_thread(self.queue.take, handoff_id, agent):
            return False
        await self.rasa.pause((await self._handoff(handoff_id)).conversation_id)
        return True

    async def transcript(self, handoff_id: int, agent: str) -> List[Dict[str, Any]]:
        return await self.rasa.transcript((await self._held(handoff_id, agent)).conversation_id)

    async def reply(self, handoff_id: int, agent: str, text: str,
                    agent_name: Optional[str] = None) -> AgentMessageResult:
        """Sends `text` as `agent` (username); the web chat shows it as an advisor's, named `agent_name`."""
        handoff = await self._held(handoff_id, agent)
        result = await self.rasa.send_as_agent(handoff.conversation_id, handoff.channel, text, agent, agent_name)
        await asyncio.to_thread(self.queue.record_reply, handoff_id, agent, text,  # masked by the queue
                                None if result.delivered else result.reason)
        return result

    async def hand_back(self, handoff_id: int, agent: str, note: Optional[str] = None) -> bool:
        handoff = await self._held(handoff_id, agent)
        if not await asyncio.to_thread(self.queue.hand_back, handoff_id, agent):
            return False
        if note is None:
            await self.rasa.hand_back(handoff.conversation_id, handoff.channel)
        else:
            await self.rasa.hand_back(handoff.conversation_id, handoff.channel, note)
        await self._survey(handoff, agent)
        return True

    async def _survey(self, handoff: HandoffView, agent: Optional[str]) -> None:
        """The customer's one satisfaction survey for this handoff, if an advisor's message reached them: nobody is
        asked to rate help that never came (never fails the hand-back)."""
        if self.csat is None:
            return
        try:
            if not await asyncio.to_thread(self.queue.replied, handoff.id):
                logger.info("No CSAT survey for handoff %s: no message from staff reached the customer", handoff.id)
                return
            await self.csat.offer(handoff.id, handoff.conversation_id, handoff.channel, agent)
        except Exception:  # noqa: BLE001 - the database down must not undo a hand-back that happened
            logger.exception("CSAT survey of handoff %s failed", handoff.id)

    async def close_idle(
        self, idle: timedelta, now: Optional[datetime] = None, only: Optional[Collection[str]] = None
    ) -> List[int]:
        """Closes the open handoffs whose customer has written nothing for `idle`, and resumes the bot there.

        Why: nobody hands back a conversation the customer left, and Rasa's pause does not survive
        a session expiry (a new session resets it), so `idle` must stay below the domain's
        `session_expiration_time`: the handoff ends before the pause would silently end on its own.
        Idle is counted from the customer's last message (from the request when Rasa cannot say).
        The bot resumes without a note: the customer is gone, and a Messenger note could fall
        outside the messaging window; the satisfaction survey follows if the customer wrote within 24 h
        (bot/handoff/csat.py). A conversation Rasa cannot be reached for is left for the next sweep.
        `only`: limit the sweep to these conversation ids (a test on a shared branch).
        """
        now = now or datetime.now(timezone.utc)
        closed: List[int] = []
        for handoff in await asyncio.to_thread(self.queue.open_handoffs):
            if only is not None and handoff.conversation_id not in only:
                continue
            if handoff.reason == PUBLIC_COMMENT:
                continue  # no chat to fall idle: a public comment waits for staff (page_comments.py)
            try:
                last = last_customer_message_at(await self.rasa.events(handoff.conversation_id))
            except RasaControlError as exc:
                logger.warning("Idle check of handoff %s skipped: %s", handoff.id, exc)
                continue
            last = max(filter(None, (last, handoff.requested_at)))
            if now - last < idle:
                continue
            minutes = int(idle.total_seconds() // 60)
            if not await asyncio.to_thread(self.queue.close, handoff.id, f"no customer message for {minutes} min"):
                continue  # handed back meanwhile
            closed.append(handoff.id)
            try:
                await self.rasa.hand_back(handoff.conversation_id, handoff.channel, note=None)
            except RasaControlError as exc:  # the session expiry will end the pause anyway
                logger.warning("Handoff %s closed but Rasa could not resume it: %s", handoff.id, exc)
            await self._survey(handoff, handoff.taken_by)  # within 24 h of the customer's last message only
        return closed

    async def _handoff(self, handoff_id: int) -> HandoffView:
        handoff = await self.get(handoff_id)
        if handoff is None:
            raise NotYours(f"no handoff {handoff_id}")
        return handoff

    async def _held(self, handoff_id: int, agent: str) -> HandoffView:
        handoff = await self._handoff(handoff_id)
        if handoff.status != "taken" or handoff.taken_by != agent:
            raise NotYours(f"handoff {handoff_id} is not taken by this agent")
        return handoff

    async def close(self) -> None:
        await self.rasa.close()
