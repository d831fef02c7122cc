"""Moves between the customer's own accounts in the transfer form: read from the words, both accounts from the core
bank's list, the amount checked as a move (no transfer limit), confirmed and approved as a move."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from types import SimpleNamespace
from typing import Any, Dict, List, Optional

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

import actions.transfers as transfers
from actions.customer_sessions import CustomerSession
from actions.own_accounts import destination_type
from tests.unit.test_transfer_amount_check import REFUSALS, wire

TOM = {"payee_id": "payee-tom", "name": "Tom Bernard", "iban_masked": "FR76 •••• 0189", "customer": True}
SESSION = CustomerSession("token-1", "100003", "Tom", datetime.now(timezone.utc) + timedelta(minutes=15))


@pytest.mark.parametrize("text, destination", [
    ("put 200 into savings", "savings"),
    ("can you move 50 quid to my savings account pls", "savings"),
    ("stash 80 in the rainy day pot", "savings"),
    ("mets 50 sur mon livret A", "savings"),
    ("virement de 100 € vers mon épargne", "savings"),
    ("take 300 out of my savings", "current"),
    ("move 100 from savings to my current account", "current"),
    ("retire 200 de mon livret", "current"),
    ("transfère 80€ depuis l'épargne vers le compte courant", "current"),
    # Where the money goes, when said, decides: the last place named.
    ("i need to dip into my savings, move 400 to current", "current"),
    ("empty my savings pot into my current account", "current"),
    ("use my savings to top up my current by 220", "current"),
    ("j'ai trop sur le courant, mets 600 euros sur l'épargne", "savings"),
    ("je dois payer les impots, vire 1 800 euros du livret A sur le courant", "current"),
    # Else a verb that takes money out of the savings.
    ("pull 2k outta savings for the holiday", "current"),
    ("reprends 200 € sur mon livret A pour le loyer", "current"),
    ("vide mon livret", "current"),
    ("place 1,5k sur mon compte d'épargne", "savings"),
    ("mets 200 € sur mon LDDS", "savings"),
    # The savings paying someone: a transfer to them.
    ("pay the electrician from my savings", None),
    ("transfer 250 from my savings to Karine", None),
    ("virement de 2k à mon frère depuis le livret A", None),
    ("send 20€ to Tom", None),
    ("send 50€ to Tom from my current account", None),
    ("envoie 20 balles à ma soeur", None),
])
def test_where_the_words_send_the_money(text: str, destination: Optional[str]):
    assert destination_type(text) == destination


class FakeBank:
    """The core bank as the actions see it: a saved payee, a current and a savings account, checks, preparations."""

    def __init__(self, accounts=("current", "savings")) -> None:
        self._accounts = [SimpleNamespace(account_id=f"acc-{kind}", type=kind) for kind in accounts]
        self.checked: List[tuple] = []
        self.prepared: List[Dict[str, Any]] = []

    async def payees(self, token: str) -> List[Dict[str, Any]]:
        return [TOM]

    async def accounts(self, token: str) -> List[Any]:
        return list(self._accounts)

    async def check_transfer(self, token: str, from_account_id: str, amount: Decimal, currency: str,
                             to_account_id: Optional[str] = None) -> Dict[str, Any]:
        self.checked.append((from_account_id, amount, to_account_id))
        return {"from_account_id": from_account_id, "amount": str(amount), "currency": currency,
                "remaining_today": "500.00"}

    async def prepare_transfer(self, token: str, transfer: Dict[str, Any], language: Any = None) -> Dict[str, Any]:
        self.prepared.append(dict(transfer))
        return {"challenge_id": "ch-1", "sent_to": "+33 6 •• •• •• 44", "transfer": {"payee_name": "Savings account"}}

    async def execute_transfer(self, token: str, transfer: Dict[str, Any], challenge_id: str, code: str,
                               idempotency_key: str) -> Dict[str, Any]:
        return {"amount": transfer["amount"], "reference": "TR-ABCD1234", "balance_after": "412.08",
                "payee_name": "Savings account"}


@pytest.fixture
def bank(monkeypatch) -> FakeBank:
    return wire(monkeypatch, FakeBank(), SESSION)


def tracker(text: str, slots: Optional[Dict[str, Any]] = None, latest_action: str = "action_listen") -> Tracker:
    latest = {"text": text, "intent": {"name": "transfer_money"}, "entities": []}
    return Tracker("psid-1", dict(slots or {}), latest, [{"event": "user", "text": text, "parse_data": latest}],
                   False, None, {"name": "transfer_form"}, latest_action)


def slots_set(events: List[Dict[str, Any]]) -> Dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


async def test_a_request_to_put_money_into_savings_is_a_move(bank: FakeBank):
    events = await transfers.ActionStartTransfer().run(CollectingDispatcher(), tracker("put 200 € into my savings"), {})
    slots = slots_set(events)
    assert (slots["transfer_amount"], slots["transfer_to_account"]) == ("200.00 EUR", "savings")
    assert slots["transfer_payee"] == "your savings account"


async def test_money_taken_out_of_the_savings_goes_to_the_current_account_and_the_form_keeps_it(bank: FakeBank):
    events = await transfers.ActionStartTransfer().run(CollectingDispatcher(), tracker("take 300€ out of my savings"), {})
    slots = slots_set(events)
    assert (slots["transfer_to_account"], slots["transfer_payee"]) == ("current", "your current account")
    # The form then judges the slots the action set: the move's own words are no payee to look up, and are kept.
    result = await transfers.ValidateTransferForm().validate_transfer_payee(
        slots["transfer_payee"], CollectingDispatcher(), tracker("take 300€ out of my savings", slots), {})
    assert result == {"transfer_payee": "your current account"}


async def test_a_payee_named_with_the_savings_is_a_transfer_to_that_payee(bank: FakeBank):
    events = await transfers.ActionStartTransfer().run(CollectingDispatcher(), tracker("send 50€ to tom from my savings"), {})
    slots = slots_set(events)
    assert slots["transfer_payee"] == "Tom Bernard" and not slots.get("transfer_to_account")


async def test_no_move_without_a_savings_account_and_no_payment_instead(bank: FakeBank):
    bank._accounts = bank._accounts[:1]
    dispatcher = CollectingDispatcher()
    events = await transfers.ActionStartTransfer().run(dispatcher, tracker("put 200 € into my savings"), {})
    slots = slots_set(events)
    assert [m["response"] for m in dispatcher.messages] == ["utter_transfer_no_savings_account"]
    assert slots["transfer_amount"] is None and not slots.get("transfer_to_account")  # no limit told, nothing asked
    assert json.loads(slots["transfer_draft"]) == {"outcome": "refused"}  # the form ends at once


async def test_the_amount_of_a_move_is_checked_as_a_move(bank: FakeBank):
    move_back = tracker("take 900 out of my savings", {"transfer_to_account": "current"})
    result = await transfers.ValidateTransferForm().validate_transfer_amount(
        "900 EUR", CollectingDispatcher(), move_back, {})
    assert result == {"transfer_amount": "900.00 EUR"}
    assert bank.checked == [("acc-savings", Decimal("900.00"), "acc-current")]  # from the savings, to the current


async def test_my_savings_typed_when_asked_who_to(bank: FakeBank):
    asked = tracker("to my savings", {"requested_slot": "transfer_payee", "language": "fr"})
    result = await transfers.ValidateTransferForm().validate_transfer_payee(
        "to my savings", CollectingDispatcher(), asked, {})
    assert result == {"transfer_to_account": "savings", "transfer_payee": "votre compte épargne"}


async def test_a_move_is_confirmed_prepared_and_done_as_a_move(bank: FakeBank):
    slots = {"transfer_amount": "200.00 EUR", "transfer_payee": "your savings account",
             "transfer_to_account": "savings", "requested_slot": "transfer_confirmed"}
    dispatcher = CollectingDispatcher()
    await transfers.ActionAskTransferConfirmed().run(dispatcher, tracker("", slots), {})
    [asked] = dispatcher.messages
    assert asked["response"] == "utter_ask_transfer_move_confirmed"
    assert (asked["source"], asked["destination"]) == ("your current account", "your savings account")

    result = await transfers.ValidateTransferForm().validate_transfer_confirmed(True, dispatcher, tracker("yes", slots), {})
    assert bank.prepared == [{"from_account_id": "acc-current", "amount": "200.00", "currency": "EUR",
                              "to_account_id": "acc-savings"}]  # no payee: the bank's account ids, from its list
    assert dispatcher.messages[-1]["response"] == "utter_transfer_move_code_sent"
    assert dispatcher.messages[-1]["payee"] == "your savings account"

    done = CollectingDispatcher()
    slots.update(result, requested_slot="transfer_code")
    await transfers.ValidateTransferForm().validate_transfer_code("123456", done, tracker("123456", slots), {})
    [said] = done.messages
    assert said["response"] == "utter_transfer_moved" and said["source"] == "your current account"
    assert json.loads(slots["transfer_draft"])["transfer"]["to_account_id"] == "acc-savings"


class LimitedBank(FakeBank):
    """A transfer to someone is 250 EUR at most; a move between the customer's own accounts has no limit."""

    async def check_transfer(self, token: str, from_account_id: str, amount: Decimal, currency: str,
                             to_account_id: Optional[str] = None) -> Dict[str, Any]:
        await super().check_transfer(token, from_account_id, amount, currency, to_account_id)
        if to_account_id is None and amount > 250:
            raise REFUSALS["limit_exceeded"]
        return {"from_account_id": from_account_id, "amount": str(amount), "currency": currency,
                "remaining_today": "500.00"}


def amount_asked(text: str, language: str = "en", **slots: Any) -> Tracker:
    """The amount asked again after the limit was told for Tom: what the customer typed then."""
    return tracker(text, {"requested_slot": "transfer_amount", "transfer_payee": "Tom Bernard",
                          "language": language, **slots})


@pytest.mark.parametrize("typed, language, payee", [
    ("put 400 in my savings", "en", "your savings account"),
    ("ok then put 400€ into my savings account", "en", "your savings account"),
    ("mets 400 sur mon livret", "fr", "votre compte épargne"),
    ("bon alors vire 400e sur mon compte épargne", "fr", "votre compte épargne"),
])
async def test_after_a_limit_an_answer_that_puts_the_money_in_savings_is_that_move(monkeypatch, typed, language,
                                                                                     payee):
    bank = wire(monkeypatch, LimitedBank(), SESSION)
    dispatcher = CollectingDispatcher()
    result = await transfers.ValidateTransferForm().validate_transfer_amount(
        typed, dispatcher, amount_asked(typed, language), {})
    assert result == {"transfer_amount": "400.00 EUR", "transfer_to_account": "savings", "transfer_payee": payee}
    assert dispatcher.messages == []  # no limit told again: a move has none
    assert bank.checked == [("acc-current", Decimal("400.00"), "acc-savings")]


async def test_after_a_limit_a_new_amount_alone_keeps_the_payee(monkeypatch):
    bank = wire(monkeypatch, LimitedBank(), SESSION)
    dispatcher = CollectingDispatcher()
    result = await transfers.ValidateTransferForm().validate_transfer_amount(
        "ok make it 200", dispatcher, amount_asked("ok make it 200"), {})
    assert result == {"transfer_amount": "200.00 EUR"} and dispatcher.messages == []
    assert bank.checked == [("acc-current", Decimal("200.00"), None)]


async def test_during_a_move_an_answer_naming_a_payee_is_a_transfer_to_them_again(monkeypatch):
    bank = wire(monkeypatch, LimitedBank(), SESSION)
    moving = amount_asked("send 100 to tom instead", transfer_to_account="savings",
                          transfer_payee="your savings account")
    result = await transfers.ValidateTransferForm().validate_transfer_amount(
        "send 100 to tom instead", CollectingDispatcher(), moving, {})
    assert result == {"transfer_amount": "100.00 EUR", "transfer_to_account": None, "transfer_payee": "Tom Bernard"}
    assert bank.checked == [("acc-current", Decimal("100.00"), None)]  # checked as a transfer: its limit applies


async def test_an_amount_over_the_limit_for_the_same_payee_is_still_refused(monkeypatch):
    wire(monkeypatch, LimitedBank(), SESSION)
    dispatcher = CollectingDispatcher()
    result = await transfers.ValidateTransferForm().validate_transfer_amount(
        "400 to tom", dispatcher, amount_asked("400 to tom"), {})
    assert result["transfer_amount"] is None and result.get("transfer_payee", "Tom Bernard") == "Tom Bernard"
    assert [m["response"] for m in dispatcher.messages] == ["utter_transfer_limit_exceeded"]
