"""Money questions in the chat, at the action level: what a search asks is read from the request's entities and
words (merchant, category, direction, amounts, period: EN and FR), the core bank is asked once with those filters,
and the answer (totals, first page, "show more", nothing found, recurring payments listed or one answered by name)
is a response of the domain in the conversation's language, money and dates written the customer's way. The day
periods count from is fixed here: nothing depends on today's date."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, Dict, List, Optional

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

import actions.transaction_search as search
import actions.transactions as transactions
import actions.verified as verified
from actions.banking import UNAVAILABLE, Account, BankError, Customer, RecurringPayments, SearchPage
from actions.customer_sessions import CustomerSession
from actions.text.search_words import (
    IN,
    OUT,
    AmountBounds,
    amount_bounds,
    category_of,
    direction_in,
    kind_in,
    merchant_in,
)

SESSION = CustomerSession("token-1", "100001", "Alex", datetime.now(timezone.utc) + timedelta(minutes=15))
TODAY = date(2026, 12, 5)
NBSP, NNBSP = "\u00a0", "\u202f"


def account() -> Account:
    return Account.parse_obj({
        "account_id": "acc-current", "type": "current", "name": "Current account", "iban_masked": "FR76 •••• 0001",
        "balance": "2450.31", "currency": "EUR",
    })


def of_kind(n: int, kind: str, counterparty: Optional[str], amount: str, day: int, month: int = 10) -> Dict[str, Any]:
    """A transaction of another kind than a card payment (a transfer, a direct debit, a cash withdrawal)."""
    return {**transaction(n, counterparty or "", amount, day, month), "kind": kind, "counterparty": counterparty,
            "description": kind, "category": "other", "merchant": None}


def transaction(n: int, merchant: str, amount: str, day: int = 10, month: int = 11) -> Dict[str, Any]:
    return {
        "transaction_id": f"tx-{n}", "booked_at": f"2026-{month:02d}-{day:02d}T18:00:00+00:00",
        "description": f"Card payment — {merchant}", "kind": "card_payment", "counterparty": merchant,
        "category": "transport", "merchant": merchant, "amount": amount, "currency": "EUR",
    }


def page(rows: List[Dict[str, Any]], count: int, money_out: str, money_in: str = "0.00",
         merchants: Optional[List[str]] = None, next_before: Optional[str] = None) -> SearchPage:
    net = Decimal(money_in) - Decimal(money_out)
    return SearchPage.parse_obj({
        "transactions": rows, "next_before": next_before, "merchants": merchants or [],
        "totals": {"count": count, "money_out": money_out, "money_in": money_in, "net": f"{net:.2f}",
                   "currency": "EUR"},
        "time_zone": "Europe/Paris",
    })


def recurring(merchant: str, amount: str, last: str, next_: str, active: bool = True,
              frequency: str = "monthly") -> Dict[str, Any]:
    return {
        "merchant": merchant, "category": "leisure", "kind": "direct_debit", "frequency": frequency,
        "typical_amount": amount, "last_amount": amount, "currency": "EUR", "occurrences": 3,
        "first_date": "2026-08-15", "last_date": last, "next_date": next_, "active": active,
        "last_transaction_id": f"tx-{merchant}",
    }


NETFLIX = recurring("Netflix", "13.49", "2026-11-15", "2026-12-15")
SPOTIFY = recurring("Spotify", "10.99", "2026-11-08", "2026-12-08")
GYM = recurring("Basic-Fit", "29.99", "2026-09-03", "2026-10-03", active=False)


class FakeBank:
    """The core bank as the actions see it: one current account, searches answered in turn, recurring payments."""

    def __init__(self, *pages: SearchPage, recurring_payments: Optional[List[Dict[str, Any]]] = None,
                 locale: str = "en_IE", refuse: Optional[BankError] = None) -> None:
        self.pages = list(pages)
        self.recurring = recurring_payments or []
        self.locale = locale
        self.refuse = refuse
        self.searches: List[Dict[str, Any]] = []

    async def accounts(self, token: str) -> List[Account]:
        if self.refuse is not None:
            raise self.refuse
        return [account()]

    async def me(self, token: str) -> Customer:
        return Customer("100001", "Alex", self.locale)

    async def search_transactions(self, token: str, account_id: str, **filters: Any) -> SearchPage:
        self.searches.append({"account_id": account_id, **filters})
        return self.pages.pop(0)

    async def recurring_payments(self, token: str, account_id: str, *, time_zone: str = "") -> RecurringPayments:
        return RecurringPayments.parse_obj({
            "recurring_payments": self.recurring, "as_of": TODAY.isoformat(), "time_zone": time_zone or "UTC",
        })


@pytest.fixture
def bank(monkeypatch):
    def install(*pages: SearchPage, **options: Any) -> FakeBank:
        fake = FakeBank(*pages, **options)
        monkeypatch.setattr(search, "core_bank", lambda: fake)
        monkeypatch.setattr(transactions, "core_bank", lambda: fake)
        return fake

    monkeypatch.setattr(verified, "current_session", lambda tracker: SESSION)
    monkeypatch.setattr(search, "today", lambda: TODAY)
    return install


def tracker(text: str, intent: str, slots: Optional[Dict[str, Any]] = None,
            entities: Optional[List[Dict[str, Any]]] = None, latest_action: str = "action_listen") -> Tracker:
    parsed = {"text": text, "intent": {"name": intent}, "entities": entities or []}
    return Tracker("psid-1", {"language": "en", **(slots or {})}, parsed,
                   [{"event": "user", "text": text, "parse_data": parsed, "input_channel": "messenger"}],
                   False, None, {}, latest_action)


async def ask(action, text: str, intent: str = search.SEARCH, **options: Any):
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tracker(text, intent, **options), {})
    return events, dispatcher.messages


def entity(name: str, value: str) -> Dict[str, Any]:
    return {"entity": name, "value": value}


# --- what the customer's words ask ------------------------------------------------------------------------------------


@pytest.mark.parametrize("text, merchant", [
    ("how much have I spent on Uber this month?", "uber"),
    ("combien j'ai dépensé chez Carrefour en novembre ?", "carrefour"),
    ("what did I pay to EDF in March", "edf"),
    ("how much did I spend a week on uber eats", "uber eats"),
    ("mes paiements de moins de 20 € chez Monoprix", "monoprix"),
    ("combien j'ai payé d'EDF cette année", "edf"),
    ("money I received in October", None),
    ("how much on restaurants last month", None),
    ("show my payments over 100 € last month", None),
])
def test_the_merchant_is_the_name_after_a_preposition(text, merchant):
    assert merchant_in(text) == merchant


@pytest.mark.parametrize("text, direction", [
    ("money I received in October", IN), ("l'argent reçu en octobre", IN), ("did I get paid this month", IN),
    ("qu'est-ce qui est rentré sur mon compte", IN),
    ("how much have I spent on Uber", OUT), ("combien j'ai dépensé chez Fnac", OUT),
    ("show my payments over 100 €", OUT), ("mes prélèvements de novembre", OUT),
    ("everything with Tom Bernard", None),
])
def test_the_direction_is_read_from_words_of_paying_or_receiving(text, direction):
    assert direction_in(text) == direction


@pytest.mark.parametrize("text, bounds", [
    ("show my payments over 100 € last month", AmountBounds(Decimal("100.00"), None)),
    ("paiements de plus de 100 euros", AmountBounds(Decimal("100.00"), None)),
    ("purchases under 20€", AmountBounds(None, Decimal("20.00"))),
    ("mes achats de moins de 15,50 €", AmountBounds(None, Decimal("15.50"))),
    ("payments between 20 and 50 euros", AmountBounds(Decimal("20.00"), Decimal("50.00"))),
    ("les paiements entre 50 € et 20 €", AmountBounds(Decimal("20.00"), Decimal("50.00"))),
    ("mes paiements entre 20e et 50 e", AmountBounds(Decimal("20.00"), Decimal("50.00"))),  # "e": euros
    ("mes paiements de plus de 30e", AmountBounds(Decimal("30.00"), None)),
    ("mes paiements du 3e au 10e jour du mois", AmountBounds()),  # ordinals
    ("the 49,99 € payment at Fnac", AmountBounds(Decimal("49.99"), Decimal("49.99"))),
    ("how much did I spend in the last 30 days", AmountBounds()),
    ("what did I spend between the 1st and the 10th", AmountBounds()),
    ("payments over 100 dollars", AmountBounds()),
])
def test_amount_bounds(text, bounds):
    assert amount_bounds(text) == bounds


@pytest.mark.parametrize("value, category", [
    ("restaurants", "restaurants"), ("restos", "restaurants"), ("courses", "groceries"), ("Loyer", "housing"),
    ("salaire", "income"), ("groceries", "groceries"), ("astrology", None), ("Pharmacie Lafayette", None),
    ("Uber Eats", None),
])
def test_a_category_entity_is_named_as_the_core_bank_names_it(value, category):
    assert category_of(value) == category


# --- the search -------------------------------------------------------------------------------------------------------


async def test_an_unverified_customer_is_verified_first_and_the_search_resumed_afterwards(bank, monkeypatch):
    monkeypatch.setattr(verified, "current_session", lambda tracker: None)
    fake = bank()
    events, [message] = await ask(search.ActionSearchTransactions(), "how much did I spend at Uber")
    assert message["response"] == "utter_verify_first" and fake.searches == []
    assert SlotSet("pending_request", "search_transactions") in events and SlotSet("identity", "required") in events


async def test_how_much_at_a_merchant_this_month_gives_the_totals_and_the_first_page(bank):
    rows = [transaction(n, "Uber" if n % 2 else "Uber Eats", "-12.82", day=5 - n % 4, month=12) for n in range(5)]
    fake = bank(page(rows, 7, "89.74", merchants=["Uber", "Uber Eats"], next_before="tx-4"))
    events, [summary, listed] = await ask(
        search.ActionSearchTransactions(), "how much have I spent on Uber this month?",
        entities=[entity("merchant", "Uber"), entity("period", "this month")],
    )
    [asked] = fake.searches
    assert asked["merchant"] == "Uber" and asked["direction"] == OUT and asked["category"] is None
    assert (asked["since"], asked["until"], asked["time_zone"]) == (date(2026, 12, 1), TODAY, "Europe/Paris")
    assert summary["response"] == "utter_search_summary"
    assert summary["summary"] == "You spent €89.74 at Uber and Uber Eats in December 2026: 7 payments."
    assert listed["response"] == "utter_search_list_more"
    assert listed["transactions"].splitlines()[0] == "• 5 Dec 2026 · Card payment — Uber Eats · −€12.82"
    assert SlotSet("identity", "verified") in events and SlotSet("pending_request", None) in events
    [cursor] = [e["value"] for e in events if e.get("name") == "transactions_cursor"]
    assert '"before": "tx-4"' in cursor and '"merchant": "Uber"' in cursor


async def test_a_french_search_answers_in_french_with_french_numbers(bank):
    rows = [transaction(1, "Carrefour City", "-64.10")]
    fake = bank(page(rows, 1, "64.10", merchants=["Carrefour City"]), locale="fr_FR")
    events, [summary, listed] = await ask(
        search.ActionSearchTransactions(), "combien j'ai dépensé chez Carrefour en novembre ?", slots={"language": "fr"},
    )
    assert fake.searches[0]["merchant"] == "carrefour"
    assert (fake.searches[0]["since"], fake.searches[0]["until"]) == (date(2026, 11, 1), date(2026, 11, 30))
    assert summary["summary"] == f"Vous avez dépensé 64,10{NBSP}€ chez Carrefour City en novembre 2026 : 1 paiement."
    assert listed["response"] == "utter_search_list"
    assert listed["transactions"] == f"• 10 nov. 2026 · Paiement par carte — Carrefour City · −64,10{NBSP}€"
    assert SlotSet("transactions_cursor", None) in events


async def test_payments_over_an_amount_last_month(bank):
    fake = bank(page([transaction(1, "SNCF Connect", "-119.00")], 3, "1438.40"))
    _, [summary, _] = await ask(search.ActionSearchTransactions(), "show my payments over 100 € last month")
    asked = fake.searches[0]
    assert (asked["min_amount"], asked["max_amount"], asked["direction"]) == (Decimal("100.00"), None, OUT)
    assert summary["summary"] == "You spent €1,438.40 in November 2026: 3 payments of €100.00 or more."


async def test_money_received_in_a_month(bank):
    salary = {**transaction(1, "Northwind Consulting", "3180.00", day=25, month=10), "kind": "salary",
              "merchant": None, "category": "income"}
    fake = bank(page([salary], 2, "0.00", money_in="3212.50"))
    _, [summary, _] = await ask(search.ActionSearchTransactions(), "money I received in October")
    assert fake.searches[0]["direction"] == IN
    assert summary["summary"] == "You received €3,212.50 in October 2026: 2 payments received."


async def test_a_category_from_an_entity_synonym(bank):
    fake = bank(page([transaction(1, "Le Petit Zinc", "-42.00")], 1, "42.00"), locale="fr_FR")
    _, [summary, _] = await ask(search.ActionSearchTransactions(), "combien en restos le mois dernier",
                                slots={"language": "fr"}, entities=[entity("category", "restaurants")])
    assert fake.searches[0]["category"] == "restaurants" and fake.searches[0]["merchant"] is None
    assert summary["summary"].startswith(f"Vous avez dépensé 42,00{NBSP}€ en restaurants en novembre 2026")


async def test_a_merchant_whose_name_holds_a_category_word_stays_a_merchant(bank):
    fake = bank(page([transaction(1, "Pharmacie Lafayette", "-12.40")], 1, "12.40", merchants=["Pharmacie Lafayette"]))
    _, [summary, _] = await ask(search.ActionSearchTransactions(), "what did I pay at Pharmacie Lafayette in November",
                                entities=[entity("merchant", "Pharmacie Lafayette")])
    assert (fake.searches[0]["merchant"], fake.searches[0]["category"]) == ("Pharmacie Lafayette", None)
    assert summary["summary"] == "You spent €12.40 at Pharmacie Lafayette in November 2026: 1 payment."


async def test_the_savings_account_is_not_the_savings_category(bank):
    fake = bank(page([], 0, "0.00"))
    await ask(search.ActionSearchTransactions(), "payments over 100 € from my savings account",
              entities=[entity("account_type", "savings")])
    assert fake.searches[0]["category"] is None


async def test_nothing_found_says_what_was_searched(bank):
    bank(page([], 0, "0.00"))
    events, [message] = await ask(search.ActionSearchTransactions(), "how much did I spend at Zara in November?")
    assert message["response"] == "utter_search_nothing"
    assert message["searched"] == "payments at Zara in November 2026"
    assert SlotSet("transactions_cursor", None) in events


async def test_nothing_found_in_french(bank):
    bank(page([], 0, "0.00"), locale="fr_FR")
    _, [message] = await ask(search.ActionSearchTransactions(), "mes paiements de plus de 500 € chez Fnac hier",
                             slots={"language": "fr"})
    assert message["searched"] == f"aucun paiement de 500,00{NBSP}€ ou plus chez Fnac le 4 déc. 2026"


async def test_show_more_goes_on_with_the_search(bank):
    first = [transaction(n, "Uber", "-10.00") for n in range(5)]
    fake = bank(page(first, 6, "60.00", merchants=["Uber"], next_before="tx-4"),
                page([transaction(9, "Uber", "-10.00", day=2)], 6, "60.00", merchants=["Uber"]))
    events, _ = await ask(search.ActionSearchTransactions(), "payments at uber in November")
    [cursor] = [e["value"] for e in events if e.get("name") == "transactions_cursor"]

    dispatcher = CollectingDispatcher()
    more = await transactions.ActionShowMoreTransactions().run(
        dispatcher, tracker("show more", "show_more", slots={"transactions_cursor": cursor}), {})
    second = fake.searches[1]
    assert second["before"] == "tx-4" and second["merchant"] == "uber"
    assert (second["since"], second["until"]) == (date(2026, 11, 1), date(2026, 11, 30))
    [message] = dispatcher.messages
    assert message["response"] == "utter_search_list" and "2 Nov 2026" in message["transactions"]
    assert SlotSet("transactions_cursor", None) in more


async def test_the_bank_down_is_said_politely(bank):
    bank(refuse=BankError(503, UNAVAILABLE, "down"))
    _, [message] = await ask(search.ActionSearchTransactions(), "how much at Uber")
    assert message["response"] == "utter_bank_unavailable"


# --- recurring payments -----------------------------------------------------------------------------------------------


async def test_the_recurring_payments_listed_active_first_with_their_next_day(bank):
    fake = bank(recurring_payments=[SPOTIFY, NETFLIX, GYM])
    events, [message] = await ask(search.ActionShowRecurringPayments(), "what subscriptions do I have?",
                                  intent=search.RECURRING)
    assert message["response"] == "utter_recurring_list" and message["account"] == "Current account"
    assert message["payments"].splitlines() == [
        "• Spotify · €10.99 every month · next on 8 Dec 2026",
        "• Netflix · €13.49 every month · next on 15 Dec 2026",
        "• Basic-Fit · €29.99 every month · stopped (last on 3 Sept 2026, 3 Oct 2026 missed)",
    ]
    assert fake.searches == [] and SlotSet("pending_request", None) in events


async def test_the_recurring_payments_in_french(bank):
    bank(recurring_payments=[NETFLIX], locale="fr_FR")
    _, [message] = await ask(search.ActionShowRecurringPayments(), "quels sont mes prélèvements ?",
                             intent=search.RECURRING, slots={"language": "fr"})
    assert message["account"] == "Compte courant"
    assert message["payments"] == f"• Netflix · 13,49{NBSP}€ chaque mois · prochain le 15 déc. 2026"


async def test_a_named_merchant_is_answered_directly(bank):
    fake = bank(page([], 3, "40.47", merchants=["Netflix"]), recurring_payments=[SPOTIFY, NETFLIX])
    _, [message] = await ask(search.ActionShowRecurringPayments(), "is Netflix still taking money every month?",
                             intent=search.RECURRING, entities=[entity("merchant", "Netflix")])
    assert fake.searches[0]["merchant"] == "Netflix"  # the bank says which names "Netflix" stands for
    assert message["response"] == "utter_recurring_active"
    assert (message["merchant"], message["amount"], message["frequency"]) == ("Netflix", "€13.49", "every month")
    assert (message["last_day"], message["next_day"]) == ("15 Nov 2026", "15 Dec 2026")


async def test_a_named_merchant_that_stopped(bank):
    bank(page([], 3, "89.97", merchants=["Basic-Fit"]), recurring_payments=[NETFLIX, GYM], locale="fr_FR")
    _, [message] = await ask(search.ActionShowRecurringPayments(), "est-ce que basic fit me prélève encore ?",
                             intent=search.RECURRING, slots={"language": "fr"}, entities=[entity("merchant", "basic fit")])
    assert message["response"] == "utter_recurring_stopped" and message["merchant"] == "Basic-Fit"
    assert message["next_day"] == "3 oct. 2026"


async def test_a_named_merchant_found_without_an_entity(bank):
    fake = bank(recurring_payments=[SPOTIFY, NETFLIX])
    _, [message] = await ask(search.ActionShowRecurringPayments(), "is netflix still taking money?",
                             intent=search.RECURRING)
    assert message["response"] == "utter_recurring_active" and message["merchant"] == "Netflix"
    assert fake.searches == []


async def test_a_named_merchant_that_is_not_recurring(bank):
    bank(page([], 1, "89.00", merchants=["Ticketmaster"]), recurring_payments=[NETFLIX])
    _, [message] = await ask(search.ActionShowRecurringPayments(), "do I pay ticketmaster every month?",
                             intent=search.RECURRING, entities=[entity("merchant", "ticketmaster")])
    assert message["response"] == "utter_recurring_not_found" and message["merchant"] == "Ticketmaster"


async def test_no_recurring_payments(bank):
    bank(recurring_payments=[])
    _, [message] = await ask(search.ActionShowRecurringPayments(), "what are my subscriptions", intent=search.RECURRING)
    assert message["response"] == "utter_recurring_none"


async def test_words_after_a_preposition_that_name_nobody_leave_the_whole_list(bank):
    fake = bank(page([], 0, "0.00"), recurring_payments=[SPOTIFY, NETFLIX])
    _, [message] = await ask(search.ActionShowRecurringPayments(), "what is due to come out soon",
                             intent=search.RECURRING)
    assert message["response"] == "utter_recurring_list" and len(message["payments"].splitlines()) == 2
    assert fake.searches == []  # "come out soon" is no name


async def test_a_category_named_lists_those_recurring_payments_only(bank):
    rent = {**recurring("Foncia", "1150.00", "2026-12-01", "2027-01-01"), "category": "housing"}
    bank(recurring_payments=[SPOTIFY, rent, NETFLIX])
    _, [message] = await ask(search.ActionShowRecurringPayments(), "when does my rent go out",
                             intent=search.RECURRING)
    assert message["payments"] == "• Foncia · €1,150.00 every month · next on 1 Jan 2027"


async def test_a_customer_who_could_not_be_verified_gets_no_search(bank, monkeypatch):
    monkeypatch.setattr(verified, "current_session", lambda tracker: None)
    fake = bank()
    for action, intent in ((search.ActionSearchTransactions(), search.SEARCH),
                           (search.ActionShowRecurringPayments(), search.RECURRING)):
        dispatcher = CollectingDispatcher()
        events = await action.run(dispatcher, tracker("how much at Uber", intent, latest_action="identity_form"), {})
        assert dispatcher.messages == [] and fake.searches == []
        assert events == [SlotSet("identity", "refused"), SlotSet("pending_request", None)]


async def test_the_request_is_read_from_before_the_otp(bank):
    """The request lies a few turns back: the customer number and the code came after it."""
    fake = bank(page([transaction(1, "Uber", "-10.00")], 1, "10.00", merchants=["Uber"]))
    request = {"text": "how much at Uber in November", "intent": {"name": search.SEARCH},
               "entities": [entity("merchant", "Uber")]}
    code = {"text": "123456", "intent": {"name": "inform"}, "entities": []}
    history = [{"event": "user", "text": m["text"], "parse_data": m} for m in (request, code)]
    dispatcher = CollectingDispatcher()
    await search.ActionSearchTransactions().run(
        dispatcher, Tracker("psid-1", {"language": "en"}, code, history, False, None, {}, "identity_form"), {})
    assert fake.searches[0]["merchant"] == "Uber"
    assert (fake.searches[0]["since"], fake.searches[0]["until"]) == (date(2026, 11, 1), date(2026, 11, 30))
    assert dispatcher.messages[0]["summary"] == "You spent €10.00 at Uber in November 2026: 1 payment."


# --- a kind of transaction: card payments, direct debits, transfers, cash withdrawals ---------------------------------


@pytest.mark.parametrize("text, kind", [
    ("only card payments in October", "card_payment"), ("show my card payments in October", "card_payment"),
    ("mes paiements par carte en octobre", "card_payment"), ("paiements CB chez Amazon", "card_payment"),
    ("what I paid by carte bleue", "card_payment"),
    ("my direct debits last month", "direct_debit"), ("mes prélèvements de novembre", "direct_debit"),
    ("transfers received in October", "transfer"), ("les virements reçus en octobre", "transfer"),
    ("cash withdrawals in October", "cash_withdrawal"), ("mes retraits d'espèces en octobre", "cash_withdrawal"),
    ("combien j'ai retiré au DAB ce mois", "cash_withdrawal"), ("ATM withdrawals", "cash_withdrawal"),
    ("how much have I spent on Uber this month?", None), ("mes paiements de plus de 100 €", None),
    ("card payments and transfers in October", None),  # two kinds: both wanted, so no kind filter
])
def test_the_kind_is_read_from_its_words_in_english_and_french(text, kind):
    assert kind_in(text) == kind


@pytest.mark.parametrize("text, merchant", [
    ("seulement les paiements par carte en octobre", None), ("mes paiements par carte en octobre", None),
    ("payé par CB chez Fnac", "fnac"), ("paid by card at Amazon in October", "amazon"),
    ("retraits au DAB en octobre", None),
])
def test_words_naming_a_kind_are_never_a_merchant(text, merchant):
    assert merchant_in(text) == merchant


def october_cards() -> SearchPage:
    rows = [transaction(1, "Fnac", "-42.10", day=28, month=10), transaction(2, "Uber", "-12.82", day=14, month=10)]
    return page(rows, 2, "54.92")


async def test_card_payments_asked_as_the_transactions_list_are_a_search_of_that_kind(bank):
    """The tester's "only card payments in October" came as recent_transactions: every October transaction was
    listed under "Latest transactions", without totals."""
    fake = bank(october_cards())
    events, [summary, listed] = await ask(transactions.ActionShowTransactions(), "only card payments in October",
                                          intent=transactions.REQUEST)
    [asked] = fake.searches
    assert (asked["kind"], asked["merchant"], asked["category"]) == ("card_payment", None, None)
    assert (asked["since"], asked["until"]) == (date(2026, 10, 1), date(2026, 10, 31))
    assert summary["summary"] == "You spent €54.92 in October 2026: 2 card payments."
    assert listed["response"] == "utter_search_list"
    assert listed["transactions"].splitlines()[0] == "• 28 Oct 2026 · Card payment — Fnac · −€42.10"
    assert SlotSet("identity", "verified") in events and SlotSet("pending_request", None) in events


async def test_mes_paiements_par_carte_asked_as_the_transactions_list_in_french(bank):
    fake = bank(october_cards(), locale="fr_FR")
    _, [summary, listed] = await ask(transactions.ActionShowTransactions(), "mes paiements par carte en octobre",
                                     intent=transactions.REQUEST, slots={"language": "fr"})
    assert (fake.searches[0]["kind"], fake.searches[0]["merchant"]) == ("card_payment", None)
    assert summary["summary"] == f"Vous avez dépensé 54,92{NBSP}€ en octobre 2026 : 2 paiements par carte."
    assert "Retrait" not in listed["transactions"]


async def test_par_carte_is_the_kind_not_a_merchant_even_tagged_as_one(bank):
    """"seulement les paiements par carte en octobre" answered "aucun paiement chez Carte en octobre 2026"."""
    fake = bank(october_cards(), locale="fr_FR")
    _, [summary, _] = await ask(search.ActionSearchTransactions(), "seulement les paiements par carte en octobre",
                                slots={"language": "fr"}, entities=[entity("merchant", "carte")])
    assert (fake.searches[0]["kind"], fake.searches[0]["merchant"]) == ("card_payment", None)
    assert summary["summary"] == f"Vous avez dépensé 54,92{NBSP}€ en octobre 2026 : 2 paiements par carte."


async def test_card_payments_at_a_merchant(bank):
    fake = bank(page([transaction(1, "Amazon", "-30.00", day=3, month=10)], 1, "30.00", merchants=["Amazon"]))
    _, [summary, _] = await ask(search.ActionSearchTransactions(), "card payments at Amazon in October")
    assert (fake.searches[0]["kind"], fake.searches[0]["merchant"]) == ("card_payment", "amazon")
    assert summary["summary"] == "You spent €30.00 at Amazon in October 2026: 1 card payment."


async def test_transfers_both_ways_are_counted_as_transfers(bank):
    rows = [of_kind(1, "transfer_in", "Camille Dubois", "2800.00", day=25),
            of_kind(2, "transfer_out", "Tom Bernard", "-500.00", day=12)]
    fake = bank(page(rows, 2, "500.00", money_in="2800.00"))
    _, [summary, listed] = await ask(transactions.ActionShowTransactions(), "show my transfers in October",
                                     intent=transactions.REQUEST)
    assert (fake.searches[0]["kind"], fake.searches[0]["direction"]) == ("transfer", None)
    assert summary["summary"] == "2 transfers in October 2026: €500.00 out and €2,800.00 in."
    assert listed["transactions"].splitlines()[1] == "• 12 Oct 2026 · Transfer to Tom Bernard · −€500.00"


async def test_retraits_tagged_as_the_cash_category_are_the_kind_and_nothing_found_says_so(bank):
    fake = bank(page([], 0, "0.00"), locale="fr_FR")
    events, [message] = await ask(transactions.ActionShowTransactions(), "mes retraits en octobre",
                                  intent=transactions.REQUEST, slots={"language": "fr"},
                                  entities=[entity("category", "cash")])
    assert (fake.searches[0]["kind"], fake.searches[0]["category"]) == ("cash_withdrawal", None)
    assert message["response"] == "utter_search_nothing"
    assert message["searched"] == "aucun retrait d'espèces en octobre 2026"
    assert SlotSet("transactions_cursor", None) in events


async def test_direct_debits_found_nothing_in_english(bank):
    bank(page([], 0, "0.00"))
    _, [message] = await ask(search.ActionSearchTransactions(), "my direct debits in October")
    assert message["searched"] == "direct debits in October 2026"


async def test_show_more_keeps_to_the_kind(bank):
    first = [transaction(n, "Uber", "-10.00", month=10) for n in range(5)]
    fake = bank(page(first, 6, "60.00", next_before="tx-4"),
                page([transaction(9, "Fnac", "-5.00", day=2, month=10)], 6, "60.00"))
    events, _ = await ask(transactions.ActionShowTransactions(), "card payments in October",
                          intent=transactions.REQUEST)
    [cursor] = [e["value"] for e in events if e.get("name") == "transactions_cursor"]
    dispatcher = CollectingDispatcher()
    await transactions.ActionShowMoreTransactions().run(
        dispatcher, tracker("show more", "show_more", slots={"transactions_cursor": cursor}), {})
    assert (fake.searches[1]["kind"], fake.searches[1]["before"]) == ("card_payment", "tx-4")
    assert dispatcher.messages[0]["response"] == "utter_search_list"


async def test_a_kind_asked_before_the_otp_is_resumed_as_that_search(bank, monkeypatch):
    monkeypatch.setattr(verified, "current_session", lambda tracker: None)
    fake = bank(october_cards())
    events, [message] = await ask(transactions.ActionShowTransactions(), "only card payments in October",
                                  intent=transactions.REQUEST)
    assert message["response"] == "utter_verify_first" and fake.searches == []
    assert SlotSet("pending_request", transactions.REQUEST) in events

    monkeypatch.setattr(verified, "current_session", lambda tracker: SESSION)
    request = {"text": "only card payments in October", "intent": {"name": transactions.REQUEST}, "entities": []}
    code = {"text": "123456", "intent": {"name": "inform"}, "entities": []}
    history = [{"event": "user", "text": m["text"], "parse_data": m} for m in (request, code)]
    dispatcher = CollectingDispatcher()
    await transactions.ActionShowTransactions().run(
        dispatcher, Tracker("psid-1", {"language": "en"}, code, history, False, None, {}, "identity_form"), {})
    assert fake.searches[0]["kind"] == "card_payment"
    assert dispatcher.messages[0]["summary"] == "You spent €54.92 in October 2026: 2 card payments."
