"""A transfer's amount is checked by the core bank as soon as it is known: a refusal is said at once, before
the payee and the yes; and a saved payee the request names is taken even when the NLU tagged none."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal
from types import SimpleNamespace
from typing import Any, Dict, List, Optional

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

import actions.transfers as transfers
from actions.banking import UNAVAILABLE, BankError
from actions.customer_sessions import CustomerSession

TOM = {"payee_id": "payee-tom", "name": "Tom Bernard", "iban_masked": "FR76 •••• 0189", "customer": True}
LANDLORD = {"payee_id": "payee-landlord", "name": "SCI Montmartre (landlord)", "iban_masked": "FR76 •••• 0190",
            "customer": False}
SESSION = CustomerSession("token-1", "100001", "Alex", datetime.now(timezone.utc) + timedelta(minutes=15))
REFUSALS = {
    "limit_exceeded": BankError(422, "limit_exceeded", "A transfer is 250.00 EUR at most.", {"limit": "250.00"}),
    "daily_limit_exceeded": BankError(
        422, "daily_limit_exceeded", "Transfers are 500.00 EUR a day at most; 100.00 EUR left today.",
        {"limit": "500.00", "remaining": "100.00"},
    ),
    "insufficient_funds": BankError(422, "insufficient_funds", "The balance of this account is not enough.", {}),
}


class FakeBank:
    """The core bank as the actions see it: payees, a current account, and the amount check's answer."""

    def __init__(self) -> None:
        self.payees_listed = 0
        self.checked: List[tuple] = []
        self.refusal: Optional[BankError] = None

    async def payees(self, token: str) -> List[Dict[str, Any]]:
        self.payees_listed += 1
        return [TOM, LANDLORD]

    async def accounts(self, token: str) -> List[Any]:
        return [SimpleNamespace(account_id="acc-savings", type="savings"),
                SimpleNamespace(account_id="acc-current", type="current")]

    async def check_transfer(self, token: str, from_account_id: str, amount: Decimal, currency: str,
                             to_account_id: Optional[str] = None) -> Dict[str, Any]:
        self.checked.append((token, from_account_id, amount, currency, *([to_account_id] if to_account_id else [])))
        if self.refusal is not None:
            raise self.refusal
        return {"from_account_id": from_account_id, "amount": str(amount), "currency": currency,
                "remaining_today": "500.00"}


def wire(monkeypatch, bank: Any, session: CustomerSession = SESSION) -> Any:
    """The transfer actions talking to `bank`, for a customer verified with `session`."""
    monkeypatch.setattr(transfers, "core_bank", lambda: bank)
    monkeypatch.setattr(transfers, "current_session", lambda tracker: session)
    monkeypatch.setattr(transfers, "verified_session", lambda tracker, dispatcher, request: (session, []))
    return bank


@pytest.fixture
def bank(monkeypatch) -> FakeBank:
    return wire(monkeypatch, FakeBank())


def form_tracker(text: str, language: str = "en") -> Tracker:
    latest = {"text": text, "intent": {"name": "transfer_money"}, "entities": []}
    return Tracker("psid-1", {"requested_slot": None, "language": language}, latest,
                   [{"event": "user", "text": text, "parse_data": latest, "input_channel": "messenger"}],
                   False, None, {"name": "transfer_form"}, "action_start_transfer")


async def validate_amount(value: str, language: str = "en") -> tuple[Dict[str, Any], CollectingDispatcher]:
    dispatcher = CollectingDispatcher()
    result = await transfers.ValidateTransferForm().validate_transfer_amount(
        value, dispatcher, form_tracker(f"send {value} to Tom", language), {})
    return result, dispatcher


@pytest.mark.parametrize("code", sorted(REFUSALS))
async def test_an_amount_the_core_bank_refuses_is_said_at_once_and_asked_again(bank, code):
    bank.refusal = REFUSALS[code]
    result, dispatcher = await validate_amount("400 EUR")

    assert result["transfer_amount"] is None
    assert bank.checked == [("token-1", "acc-current", Decimal("400.00"), "EUR")]  # the current account, as prepare
    [said] = dispatcher.messages
    assert said["response"] == f"utter_transfer_{code}"
    if code == "limit_exceeded":
        assert said["reason"] == "A transfer is €250.00 at most."
    if code == "daily_limit_exceeded":
        assert said["reason"] == "Transfers are €500.00 a day at most; €100.00 left today."


async def test_the_reason_is_in_the_customers_language(bank):
    bank.refusal = REFUSALS["limit_exceeded"]
    result, dispatcher = await validate_amount("400 EUR", language="fr")
    assert result["transfer_amount"] is None
    assert dispatcher.messages[0]["reason"] == "Un virement est limité à 250,00\u00a0€."


@pytest.mark.parametrize("language, reason", [
    ("en", "A transfer is €250.00 at most, and you have €30.00 left to send today."),
    ("fr", "Un virement est limité à 250,00\u00a0€, et il vous reste 30,00\u00a0€ à envoyer aujourd'hui."),
])
async def test_over_the_per_transfer_limit_with_less_left_today_both_are_said(bank, language, reason):
    bank.refusal = BankError(422, "limit_exceeded", "A transfer is 250.00 EUR at most; 30.00 EUR left today.",
                             {"limit": "250.00", "remaining": "30.00"})
    result, dispatcher = await validate_amount("400 EUR", language=language)
    assert result["transfer_amount"] is None
    assert dispatcher.messages[0]["reason"] == reason


async def test_an_amount_the_core_bank_allows_is_taken(bank):
    result, dispatcher = await validate_amount("40 EUR")
    assert result == {"transfer_amount": "40.00 EUR"} and dispatcher.messages == []
    assert bank.checked == [("token-1", "acc-current", Decimal("40.00"), "EUR")]


async def test_the_bank_out_of_reach_does_not_stop_the_amount(bank):
    bank.refusal = BankError(0, UNAVAILABLE, "core bank unreachable: ConnectionError")
    result, dispatcher = await validate_amount("40 EUR")
    assert result == {"transfer_amount": "40.00 EUR"} and dispatcher.messages == []  # prepare checks again


async def test_without_a_session_the_amount_is_taken_unchecked(bank, monkeypatch):
    monkeypatch.setattr(transfers, "current_session", lambda tracker: None)
    result, dispatcher = await validate_amount("400 EUR")
    assert result == {"transfer_amount": "400.00 EUR"} and bank.checked == []


async def test_an_amount_in_another_currency_is_not_sent_to_the_bank(bank):
    result, dispatcher = await validate_amount("40 USD")
    assert result == {"transfer_amount": None} and bank.checked == []
    assert dispatcher.messages[0]["response"] == "utter_transfer_euros_only"


# --- the payee the request names ---------------------------------------------------------


def request(text: str, payee_entity: Optional[str] = None, latest_action: str = "action_listen",
            slots: Optional[Dict[str, Any]] = None) -> Tracker:
    entities = [{"entity": "payee", "value": payee_entity}] if payee_entity else []
    latest = {"text": text, "intent": {"name": "transfer_money"}, "entities": entities}
    return Tracker("psid-1", dict(slots or {}), latest, [{"event": "user", "text": text, "parse_data": latest}],
                   False, None, {}, latest_action)


def payee_set(events: List[Dict[str, Any]]) -> Optional[str]:
    values = [e["value"] for e in events if e.get("event") == "slot" and e.get("name") == "transfer_payee"]
    return values[-1] if values else None


@pytest.mark.parametrize("text", ["send 400€ to tom", "virement de 30 euros à tom", "pay my landlord 20 €"])
async def test_a_saved_payee_the_nlu_missed_is_taken_from_the_request(bank, text):
    events = await transfers.ActionStartTransfer().run(CollectingDispatcher(), request(text), {})
    expected = "SCI Montmartre (landlord)" if "landlord" in text else "Tom Bernard"
    assert payee_set(events) == expected


def amount_set(events: List[Dict[str, Any]]) -> Optional[str]:
    values = [e["value"] for e in events if e.get("event") == "slot" and e.get("name") == "transfer_amount"]
    return values[-1] if values else None


async def test_once_verified_the_request_before_the_code_names_the_payee(bank):
    # Back from verification: the request lies before the OTP; amount and payee are read from it.
    events = await transfers.ActionStartTransfer().run(
        CollectingDispatcher(), request("send 400€ to tom", latest_action="identity_form",
                                        slots={"transfer_amount": "400.00 EUR"}), {})
    assert payee_set(events) == "Tom Bernard" and amount_set(events) == "400.00 EUR"


async def test_what_the_request_already_named_is_kept(bank):
    events = await transfers.ActionStartTransfer().run(CollectingDispatcher(), request("send 20€ to Tom", "Tom"), {})
    assert payee_set(events) == "Tom" and bank.payees_listed == 0  # the form matches it against the payees
    events = await transfers.ActionStartTransfer().run(
        CollectingDispatcher(), request("send 20€ to +33 6 11 22 33 44", latest_action="identity_form"), {})
    assert payee_set(events) == "+33 6 11 22 33 44" and bank.payees_listed == 0


async def test_a_request_restated_while_verifying_is_the_one_prepared(bank):
    """Two transfer requests, the second typed while the code was being asked: once verified, amount and payee both
    come from the latest one, never the amount of one and the payee of the other."""
    first = {"text": "I need to put 200 € into savings", "intent": {"name": "transfer_money"}, "entities": []}
    second = {"text": "send 40€ to tom", "intent": {"name": "transfer_money"}, "entities": []}
    code = {"text": "123456", "intent": {"name": "inform"}, "entities": []}
    events = [{"event": "user", "text": m["text"], "parse_data": m} for m in (first, second, code)]
    tracker = Tracker("psid-1", {"transfer_amount": "200.00 EUR"}, code, events, False, None, {}, "identity_form")
    events = await transfers.ActionStartTransfer().run(CollectingDispatcher(), tracker, {})
    assert amount_set(events) == "40.00 EUR" and payee_set(events) == "Tom Bernard"


async def test_a_request_naming_nobody_saved_leaves_the_payee_to_ask(bank):
    events = await transfers.ActionStartTransfer().run(CollectingDispatcher(), request("send 40€ to my sister"), {})
    assert payee_set(events) is None and bank.payees_listed == 1


async def test_before_verification_no_payee_is_looked_up(bank, monkeypatch):
    monkeypatch.setattr(transfers, "verified_session", lambda tracker, dispatcher, request: (None, []))
    events = await transfers.ActionStartTransfer().run(CollectingDispatcher(), request("send 400€ to tom"), {})
    assert payee_set(events) is None and bank.payees_listed == 0


async def test_a_no_when_the_code_is_asked_cancels_the_transfer_and_sends_nothing(bank: FakeBank):
    """Asked for the transfer's code, the customer says no: the transfer ends (nothing is executed), instead of
    being told again that a code has six digits."""
    dispatcher = CollectingDispatcher()
    said_no = Tracker("psid-1", {"requested_slot": "transfer_code"}, {"text": "no", "intent": {"name": "deny"}},
                      [], False, None, {"name": "transfer_form"}, "action_listen")
    slots = await transfers.ValidateTransferForm().validate_transfer_code("no", dispatcher, said_no, {})
    assert [m["response"] for m in dispatcher.messages] == ["utter_transfer_cancelled"]
    assert slots["transfer_code"] is None and '"cancelled"' in slots["transfer_draft"]

    dispatcher = CollectingDispatcher()  # anything else that is not a code is still explained
    typo = Tracker("psid-1", {"requested_slot": "transfer_code"}, {"text": "12345", "intent": {"name": "inform"}},
                   [], False, None, {"name": "transfer_form"}, "action_listen")
    slots = await transfers.ValidateTransferForm().validate_transfer_code("12345", dispatcher, typo, {})
    assert [m["response"] for m in dispatcher.messages] == ["utter_code_format"] and slots == {"transfer_code": None}

    dispatcher = CollectingDispatcher()  # another request, no digit at all: what is awaited and how to stop
    other = Tracker("psid-1", {"requested_slot": "transfer_code"},
                    {"text": "what did I spend at uber?", "intent": {"name": "search_transactions"}},
                    [], False, None, {"name": "transfer_form"}, "action_listen")
    slots = await transfers.ValidateTransferForm().validate_transfer_code("what did I spend at uber?", dispatcher,
                                                                         other, {})
    assert [m["response"] for m in dispatcher.messages] == ["utter_transfer_code_expected"]
    assert slots == {"transfer_code": None}


@pytest.mark.parametrize("error", [
    BankError(429, "too_many_challenges", "Too many codes.", {"retry_at": "2026-06-11T10:08:00+00:00"}),
    BankError(423, "otp_locked", "Locked.", {"locked_until": "2026-06-11T10:30:00+00:00"}),
])
def test_no_code_to_approve_a_transfer_says_how_long_and_that_nothing_was_sent(error):
    dispatcher = CollectingDispatcher()
    slots = transfers.ValidateTransferForm._refused(dispatcher, form_tracker("yes"), error)
    assert [m["response"] for m in dispatcher.messages][1:] == ["utter_transfer_not_sent"]
    assert "wait" in dispatcher.messages[0]
    assert slots == {"transfer_draft": '{"outcome": "refused"}'}
