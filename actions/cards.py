"""Cards: block a lost or stolen card at once, freeze a card for now and unfreeze it, order a new or
replacement card.

Cards are only ever shown masked (•••• 1234). The core bank decides what may be
blocked, frozen, unfrozen or ordered; the card order carries an idempotency key per draft, so a
confirmation delivered twice orders one card. A customer unsure where the card is ("I can't find my
card") is offered the freeze first: reversible, unlike a block.
"""
from __future__ import annotations

import uuid
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.answers import answers_only, ended_before_asking
from actions.request_switch import StepsAsideForOtherRequests
from actions.accounts import account_name
from actions.banking import BankError, Card, core_bank
from actions.identity import VERIFIED
from actions.text.cards import card_kind, says_stolen, says_unsure
from actions.text.locale import Presentation
from actions.verified import bank_trouble, current_session, verified_session

ACTIVE, FROZEN, BLOCKED = "active", "frozen", "blocked"

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


def yes_to_the_only_card(tracker: Tracker, offered: List[Card]) -> Optional[Card]:
    """The card a "yes" / "oui" picks when the question offered one card only ("Which card should I freeze?" with
    one button): that card. With several, a yes names none."""
    intent = (tracker.latest_message.get("intent") or {}).get("name")
    return offered[0] if len(offered) == 1 and intent == "affirm" else None


# --- block ---------------------------------------------------------------------------------------


def card_type_asked(tracker: Tracker) -> SlotSet:
    """A fresh card request's kind of card: the one this message names, or none. The slot fills from any message
    ("how much is a credit card?"); left over, it would offer only that kind to block or order it unasked."""
    named = next(tracker.get_latest_entity_values("card_type"), None)
    return SlotSet("card_type", named if named in ("debit", "credit") else None)


class ActionStartBlockCard(Action):
    def name(self) -> Text:
        return "action_start_block_card"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        events: List[EventType] = []
        if tracker.latest_action_name == "action_listen":  # a fresh request (not a return from verification)
            text = tracker.latest_message.get("text")
            reason = "stolen" if says_stolen(text) else UNSURE if says_unsure(text) else "lost"
            events = [SlotSet("card_to_block", None), SlotSet("card_block_choice", None),
                      SlotSet("card_block_reason", reason), card_type_asked(tracker)]
        session, gate = verified_session(tracker, dispatcher, request="block_card")
        if session is None:
            return events + gate
        return events + [SlotSet("identity", VERIFIED), SlotSet("pending_request", None)]


# The block's reason when the customer only cannot find the card: freeze for now or block for good is asked first.
UNSURE = "unsure"


def block_candidates(cards: List[Card], choice: Optional[str]) -> List[Card]:
    """The cards the block form offers: active and frozen ones (a frozen card can still be blocked); only the
    active ones when the customer chose to freeze instead."""
    wanted = (ACTIVE,) if choice == "freeze" else (ACTIVE, FROZEN)
    return [c for c in cards if c.status in wanted]


class ValidateBlockCardForm(StepsAsideForOtherRequests, FormValidationAction):
    def name(self) -> Text:
        return "validate_block_card_form"

    async def required_slots(
        self, domain_slots: List[Text], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Text]:
        if tracker.get_slot("card_block_reason") == UNSURE:
            return domain_slots
        return [slot for slot in domain_slots if slot != "card_block_choice"]

    @answers_only
    async def validate_card_block_choice(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        if value == "freeze":
            return {"card_block_choice": "freeze"}
        if value == "block":
            return {"card_block_choice": "block", "card_block_reason": "lost"}
        return {"card_block_choice": None}

    @answers_only
    async def validate_card_to_block(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        session = current_session(tracker)
        if session is None:
            return {"card_to_block": None, "requested_slot": None}
        cards = block_candidates(await core_bank().cards(session.access_token), tracker.get_slot("card_block_choice"))
        card = match_card(str(value or ""), cards) or yes_to_the_only_card(
            tracker, _of_kind(cards, tracker.get_slot("card_type")))  # the cards action_ask_card_to_block offered
        if card is None:
            dispatcher.utter_message(response="utter_which_card_unclear")
            return {"card_to_block": None}
        return {"card_to_block": card.card_id}


class ActionAskCardToBlock(Action):
    """Lists the customer's active and frozen cards, masked, as quick replies (the one tapped is blocked at once);
    only the active ones, to freeze, when the customer unsure where the card is chose to freeze it."""

    def name(self) -> Text:
        return "action_ask_card_to_block"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        session, events = verified_session(tracker, dispatcher, request="block_card")
        if session is None:
            return events
        freezing = tracker.get_slot("card_block_choice") == "freeze"
        held = await core_bank().cards(session.access_token)
        cards = _of_kind(block_candidates(held, tracker.get_slot("card_block_choice")), tracker.get_slot("card_type"))
        if not cards:
            if freezing:
                dispatcher.utter_message(response="utter_no_cards_to_freeze")
                return [SlotSet("requested_slot", None)]
            return nothing_to_block(dispatcher, tracker, held) + [SlotSet("requested_slot", None)]
        offer_cards(dispatcher, tracker, "utter_ask_card_to_freeze" if freezing else "utter_ask_card_to_block", cards)
        return []


def nothing_to_block(dispatcher: CollectingDispatcher, tracker: Tracker, held: List[Card]) -> List[EventType]:
    """No active or frozen card: a card already blocked is said so, with its replacement and an advisor offered
    (the order then replaces it); no card at all, a new card and an advisor."""
    shown_as = Presentation.from_tracker(tracker)
    advisor = {"title": shown_as.text("card.talk_to_advisor"), "payload": "/human_handoff"}
    blocked = _of_kind([c for c in held if c.status == BLOCKED], tracker.get_slot("card_type"))
    if not blocked:
        dispatcher.utter_message(response="utter_no_active_cards", buttons=[
            {"title": shown_as.text("card.order_new"), "payload": "/order_card"}, advisor])
        return []
    card = blocked[0]
    dispatcher.utter_message(response="utter_card_already_blocked", card=card_named(card, shown_as), buttons=[
        {"title": shown_as.text("card.order_replacement"), "payload": f'/order_card{{"card_type":"{card.kind}"}}'},
        advisor,
    ])
    return [SlotSet("card_replaces", card.card_id)]


def offer_cards(dispatcher: CollectingDispatcher, tracker: Tracker, response: str, cards: List[Card]) -> None:
    """Asks `response` with one quick reply per card, masked ("Debit •••• 1234"); a tap carries the card id."""
    shown_as = Presentation.from_tracker(tracker)
    dispatcher.utter_message(
        response=response,
        quick_replies=[
            {"title": card_title(c, shown_as), "payload": f'/inform{{"card_id":"{c.card_id}"}}'} for c in cards
        ],
    )


class ActionBlockCard(Action):
    def name(self) -> Text:
        return "action_block_card"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        card_id = tracker.get_slot("card_to_block")
        reset = [SlotSet("card_to_block", None), SlotSet("card_type", None), SlotSet("card_block_choice", None)]
        if not card_id:
            return reset
        session, events = verified_session(tracker, dispatcher, request="block_card")
        if session is None:
            return reset + events
        if tracker.get_slot("card_block_choice") == "freeze":  # unsure where the card is, the customer chose to freeze
            return reset + await freeze_card(tracker, dispatcher, session.access_token, card_id, "block_card")
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


# --- freeze and unfreeze ---------------------------------------------------------------------------


def blocked_for_good(dispatcher: CollectingDispatcher, tracker: Tracker, card: Card) -> List[EventType]:
    """A blocked card can be neither frozen nor unfrozen: say so, and offer a new card (replacing it)."""
    shown_as = Presentation.from_tracker(tracker)
    dispatcher.utter_message(
        response="utter_card_blocked_for_good", card=card_named(card, shown_as),
        buttons=[
            {"title": shown_as.text("card.order_new"), "payload": f'/order_card{{"card_type":"{card.kind}"}}'},
            {"title": shown_as.text("card.no_thanks"), "payload": "/deny"},
        ],
    )
    return [SlotSet("card_replaces", card.card_id)]


async def freeze_card(
    tracker: Tracker, dispatcher: CollectingDispatcher, token: str, card_id: str, request: str
) -> List[EventType]:
    """Freezes the customer's card `card_id` and says so; an already frozen or a blocked card is explained."""
    return await _switch(tracker, dispatcher, token, card_id, request, freeze=True)


async def unfreeze_card(
    tracker: Tracker, dispatcher: CollectingDispatcher, token: str, card_id: str, request: str
) -> List[EventType]:
    """Unfreezes the customer's card `card_id` and says so; an active or a blocked card is explained."""
    return await _switch(tracker, dispatcher, token, card_id, request, freeze=False)


async def _switch(
    tracker: Tracker, dispatcher: CollectingDispatcher, token: str, card_id: str, request: str, freeze: bool
) -> List[EventType]:
    shown_as = Presentation.from_tracker(tracker)
    card: Optional[Card] = None
    try:
        card = next((c for c in await core_bank().cards(token) if c.card_id == card_id), None)
        if card is None:
            dispatcher.utter_message(response="utter_something_went_wrong")
            return []
        if card.status == BLOCKED:
            return blocked_for_good(dispatcher, tracker, card)
        if card.status == (FROZEN if freeze else ACTIVE):  # nothing to change: say how the card stands
            response = "utter_card_already_frozen" if freeze else "utter_card_not_frozen"
            dispatcher.utter_message(response=response, card=card_named(card, shown_as))
            return []
        if freeze:
            card = await core_bank().freeze_card(token, card_id)
        else:
            card = await core_bank().unfreeze_card(token, card_id)
    except BankError as error:
        if error.code == "card_blocked":  # blocked between the list and the switch
            return blocked_for_good(dispatcher, tracker, card) if card else []
        return bank_trouble(tracker, dispatcher, error, request)
    dispatcher.utter_message(
        response="utter_card_frozen" if freeze else "utter_card_unfrozen", card=card_named(card, shown_as)
    )
    return []


def _of_kind(cards: List[Card], wanted: Optional[str]) -> List[Card]:
    """The cards of the kind the customer named, or all of them when they named none (or none of that kind)."""
    return ([c for c in cards if c.kind == wanted] or cards) if wanted else cards


async def the_one_card(tracker: Tracker, token: str, fresh: List[EventType], status: str) -> Optional[Card]:
    """The card a freeze or an unfreeze means when there is no choice to make: the customer's only card in `status`
    (of the kind they named, when they named one: "freeze my debit card"). Both can be undone, so the card is not
    asked for ("Which card should I freeze?" with one button); None when several fit, or none."""
    named = next((e["value"] for e in fresh if e.get("event") == "slot" and e.get("name") == "card_type"),
                 tracker.get_slot("card_type"))
    try:
        cards = [c for c in _of_kind(await core_bank().cards(token), named) if c.status == status]
    except BankError:
        return None  # the form asks, and says what goes wrong
    return cards[0] if len(cards) == 1 else None


class ActionStartFreezeCard(Action):
    def name(self) -> Text:
        return "action_start_freeze_card"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        events: List[EventType] = []
        if tracker.latest_action_name == "action_listen":  # a fresh request (not a return from verification)
            events = [SlotSet("card_to_freeze", None), card_type_asked(tracker)]
        session, gate = verified_session(tracker, dispatcher, request="freeze_card")
        if session is None:
            return events + gate
        only = await the_one_card(tracker, session.access_token, events, ACTIVE)
        chosen = [SlotSet("card_to_freeze", only.card_id)] if only else []
        return events + chosen + [SlotSet("identity", VERIFIED), SlotSet("pending_request", None)]


class ValidateFreezeCardForm(StepsAsideForOtherRequests, FormValidationAction):
    def name(self) -> Text:
        return "validate_freeze_card_form"

    @answers_only
    async def validate_card_to_freeze(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        session = current_session(tracker)
        if session is None:
            return {"card_to_freeze": None, "requested_slot": None}
        cards = [c for c in await core_bank().cards(session.access_token) if c.status != BLOCKED]
        card = match_card(str(value or ""), cards) or yes_to_the_only_card(
            tracker, [c for c in _of_kind(cards, tracker.get_slot("card_type")) if c.status == ACTIVE])
        if card is None:
            dispatcher.utter_message(response="utter_which_card_unclear")
            return {"card_to_freeze": None}
        return {"card_to_freeze": card.card_id}


class ActionAskCardToFreeze(Action):
    """Lists the customer's active cards, masked, as quick replies (the one tapped is frozen at once); when none is
    active, says that the card is already frozen, or blocked for good."""

    def name(self) -> Text:
        return "action_ask_card_to_freeze"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        session, events = verified_session(tracker, dispatcher, request="freeze_card")
        if session is None:
            return events
        try:
            cards = _of_kind(await core_bank().cards(session.access_token), tracker.get_slot("card_type"))
        except BankError as error:
            return bank_trouble(tracker, dispatcher, error, "freeze_card") + [SlotSet("requested_slot", None)]
        active = [c for c in cards if c.status == ACTIVE]
        if active:
            offer_cards(dispatcher, tracker, "utter_ask_card_to_freeze", active)
            return []
        frozen = [c for c in cards if c.status == FROZEN]
        blocked = [c for c in cards if c.status == BLOCKED]
        if frozen:
            shown_as = Presentation.from_tracker(tracker)
            dispatcher.utter_message(response="utter_card_already_frozen", card=card_named(frozen[0], shown_as))
        elif blocked:
            return blocked_for_good(dispatcher, tracker, blocked[0]) + [SlotSet("requested_slot", None)]
        else:
            dispatcher.utter_message(response="utter_no_cards_to_freeze")
        return [SlotSet("requested_slot", None)]


class ActionFreezeCard(Action):
    def name(self) -> Text:
        return "action_freeze_card"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        card_id = tracker.get_slot("card_to_freeze")
        reset = [SlotSet("card_to_freeze", None), SlotSet("card_type", None)]
        if not card_id:
            return reset
        session, events = verified_session(tracker, dispatcher, request="freeze_card")
        if session is None:
            return reset + events
        return reset + await freeze_card(tracker, dispatcher, session.access_token, card_id, "freeze_card")


class ActionStartUnfreezeCard(Action):
    def name(self) -> Text:
        return "action_start_unfreeze_card"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        events: List[EventType] = []
        if tracker.latest_action_name == "action_listen":  # a fresh request (not a return from verification)
            events = [SlotSet("card_to_unfreeze", None), card_type_asked(tracker)]
        session, gate = verified_session(tracker, dispatcher, request="unfreeze_card")
        if session is None:
            return events + gate
        only = await the_one_card(tracker, session.access_token, events, FROZEN)
        chosen = [SlotSet("card_to_unfreeze", only.card_id)] if only else []
        return events + chosen + [SlotSet("identity", VERIFIED), SlotSet("pending_request", None)]


class ValidateUnfreezeCardForm(StepsAsideForOtherRequests, FormValidationAction):
    def name(self) -> Text:
        return "validate_unfreeze_card_form"

    @answers_only
    async def validate_card_to_unfreeze(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        session = current_session(tracker)
        if session is None:
            return {"card_to_unfreeze": None, "requested_slot": None}
        # Any of the customer's cards: one typed that is active or blocked is explained by action_unfreeze_card.
        held = await core_bank().cards(session.access_token)
        card = match_card(str(value or ""), held) or yes_to_the_only_card(
            tracker, [c for c in _of_kind(held, tracker.get_slot("card_type")) if c.status == FROZEN])
        if card is None:
            dispatcher.utter_message(response="utter_which_card_unclear")
            return {"card_to_unfreeze": None}
        return {"card_to_unfreeze": card.card_id}


class ActionAskCardToUnfreeze(Action):
    """Lists the customer's frozen cards, masked, as quick replies (the one tapped can pay again at once); when none
    is frozen, says so, or that the card asked for is blocked for good (and offers a new one)."""

    def name(self) -> Text:
        return "action_ask_card_to_unfreeze"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        session, events = verified_session(tracker, dispatcher, request="unfreeze_card")
        if session is None:
            return events
        try:
            cards = _of_kind(await core_bank().cards(session.access_token), tracker.get_slot("card_type"))
        except BankError as error:
            return bank_trouble(tracker, dispatcher, error, "unfreeze_card") + [SlotSet("requested_slot", None)]
        frozen = [c for c in cards if c.status == FROZEN]
        if frozen:
            offer_cards(dispatcher, tracker, "utter_ask_card_to_unfreeze", frozen)
            return []
        blocked = [c for c in cards if c.status == BLOCKED]
        if blocked and not any(c.status == ACTIVE for c in cards):
            return blocked_for_good(dispatcher, tracker, blocked[0]) + [SlotSet("requested_slot", None)]
        dispatcher.utter_message(response="utter_no_frozen_cards")
        return [SlotSet("requested_slot", None)]


class ActionUnfreezeCard(Action):
    def name(self) -> Text:
        return "action_unfreeze_card"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        card_id = tracker.get_slot("card_to_unfreeze")
        reset = [SlotSet("card_to_unfreeze", None), SlotSet("card_type", None)]
        if not card_id:
            return reset
        session, events = verified_session(tracker, dispatcher, request="unfreeze_card")
        if session is None:
            return reset + events
        return reset + await unfreeze_card(tracker, dispatcher, session.access_token, card_id, "unfreeze_card")


# --- order ---------------------------------------------------------------------------------------


class ActionStartCardOrder(Action):
    def name(self) -> Text:
        return "action_start_card_order"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        events: List[EventType] = []
        if tracker.latest_action_name == "action_listen":  # a fresh request: a new draft, a new idempotency key
            events = [SlotSet("card_order_confirmed", None), SlotSet("card_order_key", uuid.uuid4().hex),
                      card_type_asked(tracker)]
        session, gate = verified_session(tracker, dispatcher, request="order_card")
        if session is None:
            return events + gate
        return events + [SlotSet("identity", VERIFIED), SlotSet("pending_request", None)]


class ValidateCardOrderForm(StepsAsideForOtherRequests, FormValidationAction):
    def name(self) -> Text:
        return "validate_card_order_form"

    async def required_slots(
        self, domain_slots: List[Text], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Text]:
        if ended_before_asking(tracker, "card_order_confirmed"):
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
