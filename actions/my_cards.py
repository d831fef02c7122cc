"""The customer's cards and their state ("what cards do I have?", "is my card blocked?", "mes cartes"): behind the code.

Each card in a line: its kind and brand, the masked number, the account it pays from, its state (active, frozen for
now, blocked for good) and, unless blocked, until when it is valid; a kind of card named ("is my credit card still
frozen?") shows those cards, or says there is none of that kind; a card ordered and not yet due says when it is
expected. Then what can be done with them, as quick replies: freeze or block (an active card), unfreeze (a frozen
one), order a card. The core bank's lists are the truth; nothing is kept.
"""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.bank_day import today
from actions.banking import BankError, Card, core_bank
from actions.identity import VERIFIED
from actions.text.locale import Presentation
from actions.verified import bank_trouble, verified_session
from bot.core_bank.contract.cards import CardOrder

REQUEST = "my_cards"
# What can be done next, by the state of the cards held: (the service's payload, its title's key, the states it fits).
NEXT_STEPS = (
    ("/freeze_card", "my_cards.freeze", {"active"}),
    ("/unfreeze_card", "my_cards.unfreeze", {"frozen"}),
    ("/block_card", "my_cards.block", {"active", "frozen"}),
    ("/order_card", "my_cards.order", None),  # always
)


def card_line(card: Card, accounts: Dict[str, str], shown_as: Presentation) -> str:
    """ "• Visa debit card •••• 1590, on your current account: active, valid until 09/2028" ("• Carte de débit Visa…")."""
    year, _, month = card.expiry.partition("-")
    line = shown_as.text(
        "my_cards.line", brand=card.brand, kind=shown_as.text_or(f"card.kind.{card.kind}", card.kind),
        masked=card.masked, account=accounts.get(card.account_id, ""),
        status=shown_as.text_or(f"my_cards.status.{card.status}", card.status),
        validity="" if card.status == "blocked" else shown_as.text("my_cards.valid_until", expiry=f"{month}/{year}"),
    )
    return line[:2] + line[2:3].upper() + line[3:]  # the bullet, then a capital


def order_line(order: CardOrder, shown_as: Presentation) -> str:
    """ "• A new debit card, on its way: expected by Fri 11 Dec (order CO-4F7K2Q9Z)"."""
    return shown_as.text("my_cards.coming", kind=shown_as.text_or(f"card.kind.{order.kind}", order.kind),
                         day=shown_as.day(order.estimated_delivery), reference=order.reference)


def next_steps(cards: List[Card], shown_as: Presentation) -> List[Dict[str, str]]:
    held = {card.status for card in cards}
    return [{"title": shown_as.text(title), "payload": payload}
            for payload, title, states in NEXT_STEPS if states is None or held & states]


class ActionShowCards(Action):
    def name(self) -> Text:
        return "action_show_cards"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        session, events = verified_session(tracker, dispatcher, request=REQUEST)
        if session is None:
            return events
        done = [SlotSet("identity", VERIFIED), SlotSet("pending_request", None)]
        try:
            cards = await core_bank().cards(session.access_token)
            accounts = await core_bank().accounts(session.access_token)
            orders = await core_bank().card_orders(session.access_token)
        except BankError as error:
            return done + bank_trouble(tracker, dispatcher, error, REQUEST)
        shown_as = Presentation.from_tracker(tracker)
        coming = [order for order in orders if order.estimated_delivery >= today()]
        if not cards and not coming:
            dispatcher.utter_message(response="utter_no_cards", quick_replies=next_steps([], shown_as))
            return done
        names = {a.account_id: shown_as.text_or(f"account.your.{a.type}", a.type) for a in accounts}
        kind = next(tracker.get_latest_entity_values("card_type"), None)
        if kind in ("debit", "credit"):  # "is my credit card still frozen?": that card, or none of that kind said
            of_kind = [card for card in cards if card.kind == kind]
            if not of_kind:
                dispatcher.utter_message(response="utter_no_card_of_kind",
                                         kind=shown_as.text_or(f"card.kind.{kind}", kind))
            cards = of_kind or cards
        lines = [card_line(card, names, shown_as) for card in cards] + [order_line(order, shown_as) for order in coming]
        dispatcher.utter_message(response="utter_your_cards", cards="\n".join(lines),
                                 quick_replies=next_steps(cards, shown_as))
        return done
