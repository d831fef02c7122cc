"""The customer's cards and their state (actions/my_cards.py): behind the code, a line per card in the conversation's
language (kind, brand, masked number, account, state, valid until), then what can be done with them."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, List, Optional

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

import actions.my_cards as my_cards
import actions.verified as verified
from actions.banking import Account, Card
from actions.customer_sessions import CustomerSession
from bot.core_bank.contract.cards import CardOrder
from tests.unit.test_answer_preamble import NLG, session

SESSION = CustomerSession("token-1", "100001", "Alex", datetime.now(timezone.utc) + timedelta(minutes=15))
ACCOUNTS = [Account(account_id="acc-current", type="current", name="Current account",
                    iban_masked="FR76 •••• •••• 0079", currency="EUR", balance=Decimal("2450.31"))]
DEBIT = Card(card_id="card-4821", kind="debit", brand="Visa", last4="4821", status="active",
             account_id="acc-current", expiry="2028-09")
CREDIT = Card(card_id="card-7304", kind="credit", brand="Mastercard", last4="7304", status="frozen",
              account_id="acc-current", expiry="2027-01")


TODAY = date(2026, 12, 7)  # the bank's day in these tests (my_cards.today patched)


def order(estimated: date) -> CardOrder:
    return CardOrder(reference="CO-4F7K2Q9Z", kind="debit", account_id="acc-current", replaces_card_id="card-4821",
                     status="ordered", delivery_address_masked="•• rue ••••, 75011 Paris", estimated_delivery=estimated,
                     ordered_at=datetime(2026, 12, 4, 9, tzinfo=timezone.utc))


class FakeBank:
    def __init__(self, cards: List[Card], orders: Optional[List[CardOrder]] = None) -> None:
        self.held = cards
        self.orders = orders or []

    async def card_orders(self, token: str) -> List[CardOrder]:
        return list(self.orders)

    async def cards(self, token: str) -> List[Card]:
        assert token == "token-1"
        return list(self.held)

    async def accounts(self, token: str) -> List[Account]:
        return list(ACCOUNTS)


def tracker(language: str = "en", kind: str = "") -> Tracker:
    entities = [{"entity": "card_type", "value": kind}] if kind else []
    latest = {"text": "what cards do I have?", "intent": {"name": "my_cards"}, "entities": entities}
    return Tracker("psid-1", {"language": language}, latest, [], False, None, {}, "action_listen")


async def shown(monkeypatch, cards: List[Card], language: str = "en", verified_as: Any = SESSION, kind: str = "",
                orders: Optional[List[CardOrder]] = None):
    monkeypatch.setattr(my_cards, "core_bank", lambda: FakeBank(cards, orders))
    monkeypatch.setattr(my_cards, "today", lambda: TODAY)
    monkeypatch.setattr(verified, "current_session", lambda tracker: verified_as)
    dispatcher = CollectingDispatcher()
    events = await my_cards.ActionShowCards().run(dispatcher, tracker(language, kind), {})
    return events, dispatcher.messages


@pytest.mark.parametrize("language, lines, titles", [
    ("en", ["• Visa debit card •••• 4821, on your current account: active, valid until 09/2028",
            "• Mastercard credit card •••• 7304, on your current account: frozen for now (it cannot pay until you "
            "unfreeze it), valid until 01/2027"],
     ["Freeze a card", "Unfreeze a card", "Block a card", "Order a card"]),
    ("fr", ["• Carte de débit Visa •••• 4821, sur votre compte courant : active, valable jusqu'à fin 09/2028",
            "• Carte de crédit Mastercard •••• 7304, sur votre compte courant : gelée pour l'instant (elle ne peut "
            "pas payer tant que vous ne la réactivez pas), valable jusqu'à fin 01/2027"],
     ["Geler une carte", "Réactiver une carte", "Bloquer une carte", "Commander une carte"]),
])
async def test_each_card_with_its_state_then_what_can_be_done(monkeypatch, language, lines, titles):
    events, [message] = await shown(monkeypatch, [DEBIT, CREDIT], language)
    assert message["response"] == "utter_your_cards" and message["cards"].splitlines() == lines
    assert [r["title"] for r in message["quick_replies"]] == titles
    assert {e["name"]: e["value"] for e in events} == {"identity": "verified", "pending_request": None}
    generated = await NLG.generate("utter_your_cards", session(language=language), "socketio", cards=message["cards"])
    assert lines[0] in generated["text"]


async def test_only_what_fits_the_cards_held_is_offered(monkeypatch):
    blocked = DEBIT.copy(update={"status": "blocked"})
    _, [message] = await shown(monkeypatch, [blocked])
    assert message["cards"] == "• Visa debit card •••• 4821, on your current account: blocked for good"  # no validity
    assert [r["payload"] for r in message["quick_replies"]] == ["/order_card"]
    _, [message] = await shown(monkeypatch, [])
    assert message["response"] == "utter_no_cards" and [r["payload"] for r in message["quick_replies"]] == ["/order_card"]


async def test_an_unverified_customer_is_verified_first_and_nothing_is_shown(monkeypatch):
    events, [message] = await shown(monkeypatch, [DEBIT], verified_as=None)
    assert message["response"] == "utter_verify_first"
    assert {e["name"]: e["value"] for e in events} == {"identity": "required", "pending_request": "my_cards"}


async def test_a_kind_of_card_named_shows_those_or_says_there_is_none(monkeypatch):
    _, [message] = await shown(monkeypatch, [DEBIT, CREDIT], kind="credit")  # "is my credit card still frozen?"
    assert "7304" in message["cards"] and "4821" not in message["cards"]
    _, [none, message] = await shown(monkeypatch, [DEBIT], kind="credit")  # "do I have a credit card?"
    assert (none["response"], none["kind"]) == ("utter_no_card_of_kind", "credit card")
    assert "4821" in message["cards"]


@pytest.mark.parametrize("language, says", [
    ("en", "• A new debit card, on its way: expected by 11 Dec 2026 (order CO-4F7K2Q9Z)"),
    ("fr", "• Une nouvelle carte de débit, en route : attendue d'ici le 11 déc. 2026 (commande CO-4F7K2Q9Z)"),
])
async def test_a_card_on_its_way_is_listed_until_its_day(monkeypatch, language, says):
    blocked = DEBIT.copy(update={"status": "blocked"})
    _, [message] = await shown(monkeypatch, [blocked], language, orders=[order(date(2026, 12, 11))])
    assert message["cards"].splitlines()[-1] == says
    _, [message] = await shown(monkeypatch, [blocked], language, orders=[order(date(2026, 12, 4))])  # due: delivered
    assert "CO-4F7K2Q9Z" not in message["cards"]
    _, [message] = await shown(monkeypatch, [], language, orders=[order(date(2026, 12, 11))])  # the first card coming
    assert message["response"] == "utter_your_cards" and message["cards"] == says
