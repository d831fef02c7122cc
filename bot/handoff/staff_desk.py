"""What the staff console calls: the queue and Rasa, kept in step.

    desk = StaffDesk.from_settings(get_settings())
    await desk.waiting()                            # oldest first, with waiting_seconds and overdue
    await desk.mine(agent)                          # what this agent holds now
    await desk.take(handoff_id, agent)              # False: someone else has it
    await desk.transcript(handoff_id, agent)        # [{who, text, at}], masked
    await desk.reply(handoff_id, agent, text)       # AgentMessageResult (delivered / reason)
    await desk.hand_back(handoff_id, agent)         # False: the agent does not have it

Every call is server side; the agent is the signed-in member of staff (never a
name from the browser). Database work runs in a worker thread, off the event loop.
"""
from __future__ import annotations

import asyncio
from typing import Any, Dict, List, Optional

from bot.handoff.queue import HandoffQueue, HandoffView
from bot.handoff.rasa_control import AgentMessageResult, RasaControl
from bot.settings import Settings


class NotYours(PermissionError):
    """The handoff is not taken by this agent (or does not exist)."""


class StaffDesk:
    def __init__(self, queue: HandoffQueue, rasa: RasaControl) -> None:
        self.queue = queue
        self.rasa = rasa

    @classmethod
    def from_settings(cls, settings: Settings) -> "StaffDesk":
        return cls(HandoffQueue.from_settings(settings), RasaControl.from_settings(settings))

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

    async def reply(self, handoff_id: int, agent: str, text: str) -> AgentMessageResult:
        handoff = await self._held(handoff_id, agent)
        result = await self.rasa.send_as_agent(handoff.conversation_id, handoff.channel, text, agent)
        detail = text if result.delivered else f"not delivered ({result.reason}): {text}"  # masked by the queue
        await asyncio.to_thread(self.queue.record_reply, handoff_id, agent, detail)
        return result

    async def hand_back(self, handoff_id: int, agent: str, note: Optional[str] = None) -> bool:
        handoff = await self._held(handoff_id, agent)
        if not await asyncio.to_thread(self.queue.hand_back, handoff_id, agent):
            return False
        if note is None:
            await self.rasa.hand_back(handoff.conversation_id, handoff.channel)
        else:
            await self.rasa.hand_back(handoff.conversation_id, handoff.channel, note)
        return True

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
