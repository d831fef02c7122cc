"""The conversation itself: cancelling a request, not understanding twice, handing over to a human."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, ConversationPaused, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.channels.handover import HANDOVER_KEY

# Everything a request in progress may have filled.
REQUEST_SLOTS = (
    "pending_request", "customer_identifier", "otp_code", "otp_challenge", "card_to_block", "card_type",
    "card_order_confirmed", "card_order_key", "loan_type", "loan_amount", "loan_term", "transfer_amount",
    "transfer_payee", "transfer_confirmed", "transfer_code", "transfer_draft", "requested_slot",
)


class ActionCancel(Action):
    """Leaves any form cleanly: nothing half-filled is kept, nothing is sent to the bank."""

    def name(self) -> Text:
        return "action_cancel"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        in_progress = tracker.active_loop_name is not None
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
    """Acknowledges and pauses the bot for this conversation until staff hand it back."""

    def name(self) -> Text:
        return "action_handoff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        dispatcher.utter_message(response="utter_handoff")
        # Channels with a handover of their own (Messenger's handover protocol) act on this.
        dispatcher.utter_message(json_message={HANDOVER_KEY: {"reason": "customer_asked"}})
        return [ActiveLoop(None), SlotSet("requested_slot", None), ConversationPaused()]
