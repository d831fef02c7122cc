"""Cards: block a lost or stolen card at once, order a new or replacement card.

Cards are only ever shown masked (•••• 1234). The core bank decides what may be
blocked or ordered; the card order carries an idempotency key per draft, so a
confirmation delivered twice orders one card.
"""
from __future__ import annotations

import uuid
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.answers import answers_only
from actions.accounts import account_name
from actions.banking import BankError, Card, core_bank
from actions.identity import VERIFIED
from actions.text.cards import card_kind, says_stolen
from actions.text.locale import Presentation
from actions.verified import bank_trouble, current_session, verified_session

# The core bank's reasons, in the customer's words (its own messages are written for developers).
ORDER_REFUSALS = {
    "credit_card_limit": "utter_card_order_credit_limit",
    "card_already_active": "utter_card_order_debit_exists",
    "replacement_not_allowed": "utter_card_order_already_replaced",
}

def card_title(card: Card, shown_as: Presentation) -> str:
    """A quick reply's title: "Debit •••• 1234", "Débit •••• 1234"."""
    return shown_as.text_or(f"card.choice.{card.kind}", card.masked, masked=card.masked)


def card_named(card: Card, shown_as: Presentation) -> str:
    """The card in a sentence: "debit card •••• 1234", "carte de débit •••• 1234"."""
    return shown_as.text("card.named", kind=shown_as.text_or(f"card.kind.{card.kind}", card.kind), masked=card.masked)


def match_card(text: str, cards: List[Card]) -> Optional[Card]:
    """The card the customer means: its id (a button), its last 4 digits, or its kind."""
    text = (text or "").strip().lower()
    for card in cards:  # a button's payload carries the card id
        if card.card_id.lower() in text or card.last4 in text:
            return card
    kind = card_kind(text)
    by_kind = [c for c in cards if c.kind == kind]
    return by_kind[0] if len(by_kind) == 1 else None


# --- block ---------------------------------------------------------------------------------------


class ActionStartBlockCard(Action):
    def name(self) -> Text:
        return "action_start_block_card"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        events: List[EventType] = []
        if tracker.latest_action_name == "action_listen":  # a fresh request (not a return from verification)
            reason = "stolen" if says_stolen(tracker.latest_message.get("text")) else "lost"
            events = [SlotSet("card_to_block", None), SlotSet("card_block_reason", reason)]
        session, gate = verified_session(tracker, dispatcher, request="block_card")
        if session is None:
            return events + gate
        return events + [SlotSet("identity", VERIFIED), SlotSet("pending_request", None)]


class ValidateBlockCardForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_block_card_form"

    @answers_only
    async def validate_card_to_block(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        session = current_session(tracker)
        if session is None:
            return {"card_to_block": None, "requested_slot": None}
        cards = [c for c in await core_bank().cards(session.access_token) if c.status == "active"]
        card = match_card(str(value or ""), cards)
        if card is None:
            dispatcher.utter_message(response="utter_which_card_unclear")
            return {"card_to_block": None}
        return {"card_to_block": card.card_id}


class ActionAskCardToBlock(Action):
    """Lists the customer's active cards, masked, as quick replies (the one tapped is blocked at once)."""

    def name(self) -> Text:
        return "action_ask_card_to_block"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        session, events = verified_session(tracker, dispatcher, request="block_card")
        if session is None:
            return events
        cards = [c for c in await core_bank().cards(session.access_token) if c.status == "active"]
        wanted = tracker.get_slot("card_type")
        if wanted:
            cards = [c for c in cards if c.kind == wanted] or cards
        if not cards:
            dispatcher.utter_message(response="utter_no_active_cards")
            return [SlotSet("requested_slot", None)]
        shown_as = Presentation.from_tracker(tracker)
        dispatcher.utter_message(
            response="utter_ask_card_to_block",
            quick_replies=[
                {"title": card_title(c, shown_as), "payload": f'/inform{{"card_id":"{c.card_id}"}}'} for c in cards
            ],
        )
        return []


class ActionBlockCard(Action):
    def name(self) -> Text:
        return "action_block_card"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        card_id = tracker.get_slot("card_to_block")
        reset = [SlotSet("card_to_block", None), SlotSet("card_type", None)]
        if not card_id:
            return reset
        session, events = verified_session(tracker, dispatcher, request="block_card")
        if session is None:
            return reset + events
        try:
            card = await core_bank().block_card(
                session.access_token, card_id, tracker.get_slot("card_block_reason") or "lost"
            )
        except BankError as error:
            return reset + bank_trouble(tracker, dispatcher, error, "block_card")
        shown_as = Presentation.from_tracker(tracker)
        dispatcher.utter_message(
            response="utter_card_blocked", card=card_named(card, shown_as),
            buttons=[
                {"title": shown_as.text("card.order_replacement"), "payload": f'/order_card{{"card_type":"{card.kind}"}}'},
                {"title": shown_as.text("card.no_thanks"), "payload": "/deny"},
            ],
        )
        return reset + [SlotSet("card_replaces", card.card_id)]


# --- order ---------------------------------------------------------------------------------------


class ActionStartCardOrder(Action):
    def name(self) -> Text:
        return "action_start_card_order"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        events: List[EventType] = []
        if tracker.latest_action_name == "action_listen":  # a fresh request: a new draft, a new idempotency key
            events = [SlotSet("card_order_confirmed", None), SlotSet("card_order_key", uuid.uuid4().hex)]
        session, gate = verified_session(tracker, dispatcher, request="order_card")
        if session is None:
            return events + gate
        return events + [SlotSet("identity", VERIFIED), SlotSet("pending_request", None)]


class ValidateCardOrderForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_card_order_form"

    async def required_slots(
        self, domain_slots: List[Text], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Text]:
        if tracker.get_slot("card_order_confirmed") is False:
            return []
        return domain_slots

    @answers_only
    async def validate_card_type(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        if value in ("debit", "credit"):
            return {"card_type": value}
        dispatcher.utter_message(response="utter_card_type_unclear")
        return {"card_type": None}

    @answers_only
    async def validate_card_order_confirmed(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        if value is False:
            dispatcher.utter_message(response="utter_card_order_cancelled")
        return {"card_order_confirmed": value}


class ActionAskCardOrderConfirmed(Action):
    """Restates the order (card, account, delivery address masked) and asks for a yes."""

    def name(self) -> Text:
        return "action_ask_card_order_confirmed"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        session, events = verified_session(tracker, dispatcher, request="order_card")
        if session is None:
            return events + [SlotSet("requested_slot", None)]
        try:
            profile = await core_bank().profile(session.access_token)
            account = _current_account(await core_bank().accounts(session.access_token))
        except BankError as error:
            return bank_trouble(tracker, dispatcher, error, "order_card") + [SlotSet("requested_slot", None)]
        shown_as = Presentation.from_tracker(tracker)
        kind = tracker.get_slot("card_type")
        dispatcher.utter_message(
            response="utter_ask_card_order_confirmed",
            card_type=shown_as.text_or(f"card.kind.{kind}", str(kind)),
            account=(
                f"{account_name(shown_as, account)} ({account.iban_masked})" if account
                else shown_as.text("account.your_current_account")
            ),
            address=profile.get("address_masked", ""),
            replacement=shown_as.text("card.as_replacement") if tracker.get_slot("card_replaces") else "",
        )
        return []


class ActionOrderCard(Action):
    def name(self) -> Text:
        return "action_order_card"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        reset = [SlotSet("card_order_confirmed", None), SlotSet("card_type", None), SlotSet("card_replaces", None)]
        if tracker.get_slot("card_order_confirmed") is not True:
            return reset
        session, events = verified_session(tracker, dispatcher, request="order_card")
        if session is None:
            return reset + events
        try:
            account = _current_account(await core_bank().accounts(session.access_token))
            if account is None:
                dispatcher.utter_message(response="utter_no_accounts")
                return reset
            customer = await core_bank().me(session.access_token)
            kind = tracker.get_slot("card_type")
            blocked = {c.card_id for c in await core_bank().cards(session.access_token)
                       if c.status == "blocked" and c.kind == kind}
            replaces = tracker.get_slot("card_replaces")
            order = await core_bank().order_card(
                session.access_token, kind=kind, account_id=account.account_id,
                replaces_card_id=replaces if replaces in blocked else "",
                idempotency_key=tracker.get_slot("card_order_key") or uuid.uuid4().hex,
            )
        except BankError as error:
            if error.status in (409, 422):
                dispatcher.utter_message(response=ORDER_REFUSALS.get(error.code, "utter_card_order_refused"))
                return reset
            return reset + bank_trouble(tracker, dispatcher, error, "order_card")
        delivery = Presentation.from_tracker(tracker, customer.locale).day_from_iso(order["estimated_delivery"])
        dispatcher.utter_message(response="utter_card_ordered", reference=order["reference"], delivery=delivery)
        return reset


def _current_account(accounts: list) -> Optional[Any]:
    return next((a for a in accounts if a.type == "current"), None)
