"""What every action that shows or changes customer data does first: find a verified session."""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.banking import UNAVAILABLE, BankError
from actions.customer_sessions import CustomerSession, customer_sessions
from actions.identity import FORM, REFUSED, REQUIRED
from actions.text.locale import Presentation
from bot.dialogue_signals import FURTHER_REQUESTS, REQUEST_CLAUSE_KEY


def current_session(tracker: Tracker) -> Optional[CustomerSession]:
    """The conversation's session, if verified in the channel of its latest message, without asking for anything."""
    return customer_sessions.get(tracker)


def verified_session(
    tracker: Tracker, dispatcher: CollectingDispatcher, request: str
) -> Tuple[Optional[CustomerSession], List[EventType]]:
    """The conversation's session, or None and the events that start (or end) verification.

    `request` names the service (a value of the `pending_request` slot), so the
    dialogue comes back to it once the customer is verified.
    """
    session = current_session(tracker)
    if session is not None:
        return session, []
    if tracker.latest_action_name == FORM:
        # The identity form just ended without a verified customer: it told them why.
        return None, [SlotSet("identity", REFUSED), SlotSet("pending_request", None)]
    dispatcher.utter_message(response="utter_verify_first")
    return None, [SlotSet("identity", REQUIRED), SlotSet("pending_request", request)]


def session_expired(tracker: Tracker) -> None:
    """The core bank refused the token (expired or revoked): forget it."""
    customer_sessions.end(tracker)


def bank_trouble(
    tracker: Tracker, dispatcher: CollectingDispatcher, error: BankError, request: str
) -> List[EventType]:
    """Answers a core-bank error the customer cannot fix; an expired session starts verification again."""
    if error.status == 401:
        session_expired(tracker)
        return verified_session(tracker, dispatcher, request)[1]
    dispatcher.utter_message(
        response="utter_bank_unavailable" if error.code == UNAVAILABLE else "utter_something_went_wrong"
    )
    return []


# Details of a refusal that are amounts of money (written in the customer's locale).
MONEY_DETAILS = {"limit", "remaining"}


def refusal_reason(shown_as: Presentation, error: BankError) -> str:
    """Why the core bank said no, in the customer's language: the catalogue's text for the error code
    (`bank_error.<code>`, or `bank_error.<code>.<field>` when the refusal names a field), filled with the
    error's details; the bank's own message (English, written for developers) when the catalogue has none."""
    details = dict(error.details or {})
    values = {}
    for name, value in details.items():
        if name in MONEY_DETAILS or (error.code == "out_of_range" and details.get("field") == "amount"
                                     and name in ("min", "max")):
            try:
                value = shown_as.money(str(value))
            except (ArithmeticError, ValueError):
                pass
        values[name] = value
    key = f"bank_error.{error.code}" + (f".{details['field']}" if details.get("field") else "")
    try:
        if "remaining" in details:  # a refusal that also says what today's limit leaves ("... ; 30 € left today")
            return shown_as.text_or(f"{key}.remaining", shown_as.text_or(key, error.message, **values), **values)
        return shown_as.text_or(key, error.message, **values)
    except (KeyError, IndexError):  # a detail the text needs is missing: the bank's words
        return error.message


def request_message(tracker: Tracker, intent: str) -> Tuple[str, List[Dict[str, Any]]]:
    """The text and entities of the latest message asking `intent`: a service's request may lie a few turns
    back, before the OTP, when its action runs again once the customer is verified."""
    for event in reversed(tracker.events):
        if event.get("event") != "user":
            continue
        parsed = event.get("parse_data") or {}
        if (parsed.get("intent") or {}).get("name") == intent:
            text = str(event.get("text") or "")
            if text.startswith("/"):  # a button: the offer of a further request carries the words of its clause
                offered = offered_clause(tracker, text)
                if offered is not None:
                    return offered
            return own_clause(text, list(parsed.get("entities") or []), parsed.get(REQUEST_CLAUSE_KEY))
    return "", []


def offered_clause(tracker: Tracker, payload: str) -> Optional[Tuple[str, List[Dict[str, Any]]]]:
    """For "You also asked: ... Shall I go on?" tapped: the words and entities of that request's clause in the message
    that asked it (its `further_requests`: bot/rasa_server/further_requests.py); None when none offered it."""
    for event in reversed(tracker.events):
        parsed = (event.get("parse_data") or {}) if event.get("event") == "user" else {}
        for request in parsed.get(FURTHER_REQUESTS) or []:
            if request.get("payload") == payload and "start" in request:
                return own_clause(str(event.get("text") or ""), list(parsed.get("entities") or []), request)
    return None


def own_clause(text: str, entities: List[Dict[str, Any]], clause: Any) -> Tuple[str, List[Dict[str, Any]]]:
    """A message of several requests: the words and entities of the clause of the request it was understood as
    (bot/dialogue_signals.py REQUEST_CLAUSE_KEY), the entities' offsets in that clause; the whole message otherwise."""
    try:
        start, end = int(clause["start"]), int(clause["end"])
    except (TypeError, KeyError, ValueError):
        return text, entities
    if not 0 <= start < end <= len(text):
        return text, entities
    inside = [{**e, "start": e["start"] - start, "end": e["end"] - start} for e in entities
              if isinstance(e.get("start"), int) and isinstance(e.get("end"), int) and start <= e["start"]
              and e["end"] <= end]
    return text[start:end], inside


def entity_value(entities: List[Dict[str, Any]], name: str) -> Optional[str]:
    """The first value of the entity `name` among a message's `entities`, stripped; None when absent or empty."""
    for entity in entities:
        if entity.get("entity") == name and entity.get("value") not in (None, ""):
            return str(entity["value"]).strip()
    return None


def request_entity(tracker: Tracker, intent: str, name: str) -> Optional[str]:
    """An entity of the request itself (`request_message`): "my savings balance" -> savings. Never one of an earlier
    message: "put 1000 in my savings", then "what's my balance?" asks for every account."""
    return entity_value(request_message(tracker, intent)[1], name)
