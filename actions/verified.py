"""What every action that shows or changes customer data does first: find a verified session."""
from __future__ import annotations

from typing import List, Optional, Tuple

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.identity import FORM, REFUSED, REQUIRED
from bot.customer_sessions import CustomerSession, customer_sessions


def verified_session(
    tracker: Tracker, dispatcher: CollectingDispatcher, request: str
) -> Tuple[Optional[CustomerSession], List[EventType]]:
    """The conversation's session, or None and the events that start (or end) verification.

    `request` names the service (a value of the `pending_request` slot), so the
    dialogue comes back to it once the customer is verified.
    """
    session = customer_sessions.get(tracker.sender_id)
    if session is not None:
        return session, []
    if tracker.latest_action_name == FORM:
        # The identity form just ended without a verified customer: it told them why.
        return None, [SlotSet("identity", REFUSED), SlotSet("pending_request", None)]
    dispatcher.utter_message(response="utter_verify_first")
    return None, [SlotSet("identity", REQUIRED), SlotSet("pending_request", request)]


def session_expired(tracker: Tracker) -> None:
    """The core bank refused the token (expired or revoked): forget it."""
    customer_sessions.end(tracker.sender_id)
