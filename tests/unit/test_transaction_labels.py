"""A transaction's label in the customer's language, written from the kind and counterparty the core bank gives
it (actions/transactions.py, catalogue keys transactions.label.*), and the bank's description when the kind has
no label (other, or a kind the bot does not know)."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

import actions.transactions as transactions
from actions.text.locale import Presentation
from actions.transactions import transaction_label
from bot.core_bank.accounts import CustomerRecords
from bot.core_bank.contract import customers
from bot.core_bank.models import create_database_engine, create_session_factory
from bot.core_bank.seed import DEMO_ACCOUNT_IDS
from bot.core_bank.server import prepare_database

ENGLISH, FRENCH = Presentation.of("en"), Presentation.of("fr")


def plain(text: str) -> str:
    return text.replace("\u00a0", " ").replace("\u202f", " ")


def wire(description: str, kind: str, counterparty: Optional[str], amount: str = "-77.88") -> customers.Transaction:
    return customers.Transaction.parse_obj({
        "transaction_id": f"t-{kind}", "booked_at": "2026-11-29T10:00:00+00:00", "description": description,
        "amount": amount, "currency": "EUR", "kind": kind, "counterparty": counterparty,
        "category": "other", "merchant": None,
    })


@pytest.mark.parametrize(
    "description, kind, counterparty, french",
    [
        ("Card payment — Fnac", "card_payment", "Fnac", "Paiement par carte — Fnac"),
        ("Transfer to savings account", "savings_transfer_out", None, "Virement vers le livret d'épargne"),
        ("Transfer from current account", "savings_transfer_in", None, "Virement depuis le compte courant"),
        ("Salary — Northwind Consulting", "salary", "Northwind Consulting", "Salaire — Northwind Consulting"),
        ("Transfer to Tom Bernard", "transfer_out", "Tom Bernard", "Virement à Tom Bernard"),
        ("Transfer from Alex Martin", "transfer_in", "Alex Martin", "Virement reçu — Alex Martin"),
        ("Transfer received", "transfer_in", None, "Virement reçu"),
        ("Direct debit — Netflix", "direct_debit", "Netflix", "Prélèvement — Netflix"),
        ("Rent — Foncia Paris", "rent", "Foncia Paris", "Loyer — Foncia Paris"),
        ("Cash withdrawal — ATM Paris 11e", "cash_withdrawal", "Paris 11e", "Retrait d'espèces — DAB Paris 11e"),
    ],
)
def test_each_kind_reads_in_french_and_in_english_as_the_banks_statement(
    description: str, kind: str, counterparty: Optional[str], french: str
):
    assert transaction_label(FRENCH, kind, counterparty, description) == french
    assert transaction_label(ENGLISH, kind, counterparty, description) == description


@pytest.mark.parametrize(
    "kind, counterparty",
    [("other", None), ("other", "Somebody"), ("lottery_win", "FDJ"), ("lottery_win", None), (None, None), ("", "X"),
     ("savings_transfer_out", "Somebody")],  # a counterparty where its label has none: the description
)
def test_a_kind_without_a_label_shows_the_banks_description(kind: Optional[str], counterparty: Optional[str]):
    for shown_as in (FRENCH, ENGLISH):
        assert transaction_label(shown_as, kind, counterparty, "Cheque 0012345") == "Cheque 0012345"


def test_every_seeded_transaction_reads_in_english_as_its_description(tmp_path: Path):
    """English stays the words the bank writes; French has a label for every kind the seed gives."""
    engine = create_database_engine(f"sqlite:///{tmp_path / 'core_bank.db'}")
    prepare_database(engine, now=datetime(2026, 11, 30, 9, tzinfo=timezone.utc))
    records = CustomerRecords(create_session_factory(engine))
    seen: List[customers.Transaction] = []
    for customer_id in (1, 2, 3, 4):
        for account in records.accounts(customer_id):
            page = records.transactions(customer_id, account.account_id, limit=100)
            seen.extend(customers.Transaction.from_orm(t) for t in page.transactions)
    engine.dispose()

    assert len(seen) > 50
    for t in seen:
        assert transaction_label(ENGLISH, t.kind, t.counterparty, t.description) == t.description, t
        french = transaction_label(FRENCH, t.kind, t.counterparty, t.description)
        assert french != t.description or t.kind == "other", t


# -- the list an action shows ---------------------------------------------------------------------------

class FakeBank:
    def __init__(self, found: List[customers.Transaction]) -> None:
        self.found = found

    async def me(self, token: str) -> Any:
        return customers.Me(customer_number="100001", first_name="Alex", last_name="Martin", phone_masked="+33 ••",
                            locale="fr_FR", address_masked="•• rue •••••••, 75011 Paris")

    async def transactions(self, token: str, account_id: str, **query: Any) -> Tuple[List[customers.Transaction], None]:
        return self.found, None


async def show(monkeypatch: pytest.MonkeyPatch, language: Optional[str]) -> Dict[str, Any]:
    monkeypatch.setattr(transactions, "core_bank", lambda: FakeBank([
        wire("Card payment — Fnac", "card_payment", "Fnac"),
        wire("Transfer to savings account", "savings_transfer_out", None, "-300.00"),
        wire("Cheque 0012345", "other", None, "-25.00"),
    ]))
    dispatcher = CollectingDispatcher()
    conversation = Tracker("psid-1", {"language": language}, {}, [], False, None, {}, "action_listen")
    cursor = {"account_id": DEMO_ACCOUNT_IDS["current"], "account_name": "Current account", "account_type": "current",
              "before": "", "since": "", "until": ""}
    await transactions.show_page(dispatcher, conversation, "token", cursor, first=True)
    [message] = dispatcher.messages
    return message


async def test_a_french_customers_list_reads_in_french(monkeypatch: pytest.MonkeyPatch):
    message = await show(monkeypatch, "fr")
    assert plain(message["transactions"]).split("\n") == [
        "• 29 nov. 2026 · Paiement par carte — Fnac · −77,88 €",
        "• 29 nov. 2026 · Virement vers le livret d'épargne · −300,00 €",
        "• 29 nov. 2026 · Cheque 0012345 · −25,00 €",
    ]


async def test_an_english_customers_list_keeps_the_banks_words(monkeypatch: pytest.MonkeyPatch):
    message = await show(monkeypatch, "en")
    assert plain(message["transactions"]).split("\n") == [
        "• 29 Nov 2026 · Card payment — Fnac · −77,88 €",
        "• 29 Nov 2026 · Transfer to savings account · −300,00 €",
        "• 29 Nov 2026 · Cheque 0012345 · −25,00 €",
    ]


async def test_the_list_counts_and_shows_the_banks_days(monkeypatch: pytest.MonkeyPatch):
    """A payment at 23:30 UTC on 30 November is one of 1 December in Paris, the bank's day: shown so, and the
    bank is asked for the period's days in its zone (the same days as "last week" was read in)."""
    late = customers.Transaction.parse_obj({**wire("Card payment — Fnac", "card_payment", "Fnac").dict(),
                                            "booked_at": "2026-11-30T23:30:00+00:00"})
    asked: List[Dict[str, Any]] = []

    class Bank(FakeBank):
        async def transactions(self, token: str, account_id: str, **query: Any):
            asked.append(query)
            return [late], None

    monkeypatch.setattr(transactions, "core_bank", lambda: Bank([]))
    dispatcher = CollectingDispatcher()
    conversation = Tracker("psid-1", {"language": "en"}, {}, [], False, None, {}, "action_listen")
    cursor = {"account_id": DEMO_ACCOUNT_IDS["current"], "account_name": "Current account", "account_type": "current",
              "before": "", "since": "2026-11-30", "until": "2026-12-06"}
    await transactions.show_page(dispatcher, conversation, "token", cursor, first=True)
    [message] = dispatcher.messages
    assert plain(message["transactions"]).startswith("• 1 Dec 2026 · Card payment — Fnac")
    assert asked[0]["time_zone"] == "Europe/Paris" and asked[0]["since"] == "2026-11-30"
