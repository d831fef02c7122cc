"""The conversation itself: help, cancelling a request, not understanding twice, handing over to a human."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Dict, Iterable, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, ConversationPaused, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.advisor_hours import back_at
from actions.banking import BankError
from actions.text.appointments import long_time
from actions.text.locale import Presentation
from bot.clock import utc_now
from bot.dialogue_signals import HANDOVER_KEY

# What a cancel keeps: whether the customer proved who they are, and the conversation's language and locale (a
# French customer who cancels goes on in French); and the other requests of the customer's message, still to offer
# (a "no" to one request leaves the next one due; a cancel drops them in the Rasa server:
# bot/rasa_server/further_requests.py). Every other slot of the domain belongs to a request (a service adds its slots
# to domain.yml only; a cancel clears them).
KEPT_ACROSS_REQUESTS = frozenset({"identity", "language", "locale", "further_requests"})


def request_slots(domain: Dict[Text, Any]) -> List[str]:
    """Every slot a request in progress may have filled: the domain's slots but those kept, and `requested_slot`."""
    slots = [name for name in (domain.get("slots") or {}) if name not in KEPT_ACROSS_REQUESTS]
    return slots + ([] if "requested_slot" in slots else ["requested_slot"])


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
        return [ActiveLoop(None)] + [SlotSet(name, None) for name in request_slots(domain)]


class ActionHelp(Action):
    """What the branch does, with the services as quick replies (`utter_help`).

    Asked in the middle of a request ("loan rates", then "help" while the loan types are shown), it leaves
    the request as a cancel does, nothing half-filled kept, and says so (nothing was sent to the bank): the menu is
    the last thing the customer sees and their next choice starts afresh, instead of the form asking its question
    again after the help.
    """

    def name(self) -> Text:
        return "action_help"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        if tracker.active_loop_name is None:
            dispatcher.utter_message(response="utter_help")
            return []
        dispatcher.utter_message(response="utter_help_left_request")  # said, never silently dropped
        dispatcher.utter_message(response="utter_help")
        return [ActiveLoop(None)] + [SlotSet(name, None) for name in request_slots(domain)]


MISSES = {"nlu_fallback", "out_of_scope"}


def user_intents(events: Iterable[Dict[str, Any]]) -> List[Optional[str]]:
    return [(e.get("parse_data") or {}).get("intent", {}).get("name") for e in events if e.get("event") == "user"]


def handoff_reason(events: Iterable[Dict[str, Any]]) -> str:
    """"not_understood" when the two customer messages before the request were both misses, else "customer_asked"."""
    before = user_intents(events)[:-1]
    if len(before) >= 2 and set(before[-2:]) <= MISSES:
        return "not_understood"
    return "customer_asked"


class ActionFallback(Action):
    """Not understood, or not something the branch does: the second miss in a row offers a human."""

    def name(self) -> Text:
        return "action_fallback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        intents = user_intents(tracker.events)
        if len(intents) >= 2 and set(intents[-2:]) <= MISSES:
            dispatcher.utter_message(response="utter_offer_human")
        elif intents and intents[-1] == "out_of_scope":
            dispatcher.utter_message(response="utter_out_of_scope")
        else:
            dispatcher.utter_message(response="utter_default")
        return []


async def advisors_back() -> Optional[datetime]:
    """When the advisors are next at work, if they are not now (actions/advisor_hours.py); None when they are, or
    when the bank's hours cannot be read (the acknowledgement alone then, as before)."""
    from actions.knowledge import FACTS  # the facts the knowledge base's answers read, cached

    try:
        facts = await FACTS.get()
    except BankError:
        return None
    return back_at(utc_now(), facts)


class ActionHandoff(Action):
    """Acknowledges, asks for a person and pauses the bot until staff hand the conversation back.

    The request goes out as `{"handover": {"reason": ...}}` (bot/dialogue_signals.py): the Rasa
    server records it in the staff queue when it stores the turn (bot/rasa_server/handoff_requests.py),
    and Messenger passes the thread to the Page Inbox when Conversation Routing is on. Reason
    "not_understood" when the two messages before the request were misses (the fallback offered a
    human and the customer accepted), else "customer_asked".
    """

    def name(self) -> Text:
        return "action_handoff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        dispatcher.utter_message(response="utter_handoff")
        back = await advisors_back()
        if back is not None:  # on a Sunday, or at night: when they will answer
            dispatcher.utter_message(response="utter_handoff_after_hours",
                                     back=long_time(Presentation.from_tracker(tracker), back))
        dispatcher.utter_message(json_message={HANDOVER_KEY: {"reason": handoff_reason(tracker.events)}})
        return [ActiveLoop(None), SlotSet("requested_slot", None), ConversationPaused()]
