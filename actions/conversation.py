"""The conversation itself: cancelling a request, not understanding twice, handing over to a human."""
from __future__ import annotations

import asyncio
import logging
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, ConversationPaused, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.channels.handover import HANDOVER_KEY
from bot.handoff.conversation import handoff_reason, last_customer_text
from bot.handoff.queue import default_queue
from bot.pseudonyms import pseudonym

logger = logging.getLogger(__name__)

# Everything a request in progress may have filled.
REQUEST_SLOTS = (
    "pending_request", "customer_identifier", "otp_code", "otp_challenge", "card_to_block", "card_type",
    "card_order_confirmed", "card_order_key", "loan_type", "loan_amount", "loan_term", "transfer_amount",
    "transfer_payee", "transfer_confirmed", "transfer_code", "transfer_draft", "requested_slot",
)


class ActionCancel(Action):
    """Leaves any form cleanly ("cancel", or a goodbye mid-request): nothing half-filled is kept,
    nothing is sent to the bank."""

    def name(self) -> Text:
        return "action_cancel"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        in_progress = tracker.active_loop_name is not None
        if (tracker.latest_message.get("intent") or {}).get("name") == "goodbye":
            dispatcher.utter_message(response="utter_goodbye")  # leaving: the request is dropped with them
        else:
            dispatcher.utter_message(response="utter_cancelled" if in_progress else "utter_nothing_to_cancel")
        return [ActiveLoop(None)] + [SlotSet(name, None) for name in REQUEST_SLOTS]


MISSES = {"nlu_fallback", "out_of_scope"}


class ActionFallback(Action):
    """Not understood, or not something the branch does: the second miss in a row offers a human."""

    def name(self) -> Text:
        return "action_fallback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        intents = [e.get("parse_data", {}).get("intent", {}).get("name") for e in tracker.events if e.get("event") == "user"]
        if len(intents) >= 2 and set(intents[-2:]) <= MISSES:
            dispatcher.utter_message(response="utter_offer_human")
        elif intents and intents[-1] == "out_of_scope":
            dispatcher.utter_message(response="utter_out_of_scope")
        else:
            dispatcher.utter_message(response="utter_default")
        return []


class ActionHandoff(Action):
    """Acknowledges, queues the conversation for staff (bot/handoff) and pauses the bot until staff hand it back.

    Reason "not_understood" when the two messages before the request were misses
    (the fallback offered a human and the customer accepted), else "customer_asked".
    """

    def name(self) -> Text:
        return "action_handoff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        reason = handoff_reason(tracker.events)
        await _queue_for_staff(tracker, reason)
        dispatcher.utter_message(response="utter_handoff")
        # Channels with a handover of their own (Messenger's handover protocol) act on this.
        dispatcher.utter_message(json_message={HANDOVER_KEY: {"reason": reason}})
        return [ActiveLoop(None), SlotSet("requested_slot", None), ConversationPaused()]


async def _queue_for_staff(tracker: Tracker, reason: str) -> None:
    """Records the request in the handoff queue; a database failure is logged, the customer still waits paused."""
    channel = tracker.get_latest_input_channel() or "unknown"
    last_message = last_customer_text(tracker.events)
    try:
        await asyncio.to_thread(default_queue().request_handoff, tracker.sender_id, channel, reason, last_message)
    except Exception as exc:  # noqa: BLE001 - the customer gets the acknowledgement whatever the queue does
        # The error's text may quote the SQL parameters (the PSID): only its type is logged.
        logger.error("Handoff for %s not queued: %s", pseudonym(tracker.sender_id), type(exc).__name__)
