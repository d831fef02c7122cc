"""A customer who writes while waiting for a person: the bot paused, nobody on the staff has taken the conversation.

Rasa runs nothing while the bot is paused, so such a message used to get no answer at all, and the customer who
changed their mind could not get the bot back until the request was closed (HANDOFF_IDLE_CLOSE_MINUTES). Now, while
the request waits in the staff queue (bot/handoff/queue.py):

- "cancel" (the `cancel` intent, at CANCEL_CONFIDENCE or more): the request is withdrawn (closed in the queue,
  audited as `closed` by `system`), the bot resumes and says so, and the customer can ask anything again;
- anything else is kept for the advisor, who reads it in the transcript when they take the conversation; the
  customer is told so, with the way back, at most once every ACKNOWLEDGE_EVERY (not after each message).

Once an advisor has taken it, nothing automatic is sent: the advisor answers. On Messenger with Conversation Routing
handing threads to the Page Inbox (FB_HANDOVER_ENABLED) nothing is sent either: people answer there. The messages are
domain responses in the conversation's language, bot events in the tracker like any answer (stored, archived).
Called by the Rasa server's prediction loop for every message logged while paused (answer_preamble.py).
"""
from __future__ import annotations

import asyncio
import logging
import time
from typing import Callable, List, Optional

from rasa.core.channels.channel import OutputChannel
from rasa.core.processor import MessageProcessor
from rasa.shared.core.events import ActionExecuted, BotUttered, ConversationPaused, ConversationResumed, Event
from rasa.shared.core.trackers import DialogueStateTracker

from bot.handoff.models import WAITING
from bot.handoff.queue import HandoffQueue, default_queue
from bot.privacy.pseudonyms import pseudonym
from bot.rasa_server.answer_preamble import generate_responses
from bot.settings import get_settings

logger = logging.getLogger(__name__)

WITHDRAWN = "utter_handoff_withdrawn"
STILL_WAITING = "utter_handoff_waiting"
WITHDRAWN_DETAIL = "the customer withdrew the request"
CANCEL_CONFIDENCE = 0.6
ACKNOWLEDGE_EVERY = 10 * 60  # seconds


def acknowledged_recently(tracker: DialogueStateTracker, now: float) -> bool:
    """The customer was told their message waits for the advisor, since the pause and under ACKNOWLEDGE_EVERY ago."""
    for event in reversed(tracker.events):
        if isinstance(event, ConversationPaused):
            return False
        if isinstance(event, BotUttered) and (event.metadata or {}).get("utter_action") == STILL_WAITING:
            return now - event.timestamp < ACKNOWLEDGE_EVERY
    return False


def cancels(tracker: DialogueStateTracker) -> bool:
    intent = tracker.latest_message.intent if tracker.latest_message else {}
    return intent.get("name") == "cancel" and float(intent.get("confidence") or 0.0) >= CANCEL_CONFIDENCE


def answered_elsewhere(tracker: DialogueStateTracker) -> bool:
    """Messenger under Conversation Routing: the thread is with the Page Inbox, where people answer."""
    return tracker.get_latest_input_channel() == "messenger" and get_settings().fb_handover_enabled


async def answer_while_waiting(processor: MessageProcessor, output_channel: OutputChannel,
                               tracker: DialogueStateTracker,
                               queue: Callable[[], HandoffQueue] = default_queue) -> None:
    """What a message logged while the bot is paused gets, if anything (see the module's docstring)."""
    if not tracker.is_paused() or answered_elsewhere(tracker):
        return
    try:
        if cancels(tracker):
            withdrawn = await asyncio.to_thread(queue().withdraw, tracker.sender_id, WITHDRAWN_DETAIL)
            if withdrawn is None:
                return  # taken meanwhile, or not in the queue: the advisor, or staff, decide
            events: List[Event] = [ConversationResumed()]
            tracker.update_with_events(events, processor.domain)
            said = await generate_responses([WITHDRAWN], tracker, processor.nlg, output_channel, processor.domain)
            events = said + [ActionExecuted("action_listen")]
        else:  # kept as the request's last message (the queue shows it), and the customer told, now and then
            text = tracker.latest_message.text if tracker.latest_message else ""
            status: Optional[str] = await asyncio.to_thread(queue().note_customer_message, tracker.sender_id,
                                                            text or "")
            if status != WAITING or acknowledged_recently(tracker, time.time()):
                return
            events = await generate_responses([STILL_WAITING], tracker, processor.nlg, output_channel,
                                              processor.domain)
    except Exception as exc:  # noqa: BLE001 - the message is logged for the advisor whatever happens here
        logger.error("No answer while waiting for staff in %s: %s", pseudonym(tracker.sender_id), type(exc).__name__)
        return
    tracker.update_with_events(events, processor.domain)
    await processor.execute_side_effects(events, tracker, output_channel)
