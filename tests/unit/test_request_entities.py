"""The account and the period a request names are read from that request, never from an earlier message: "put 1000 €
on my savings" then "what's my balance?" shows every account; an appointment "next week" then "show my
transactions" lists them with no period. Found trying the branch: the balance showed the savings account only."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any, Dict, List, Optional

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

import actions.accounts as accounts
import actions.transactions as transactions
import actions.verified as verified
from actions.banking import Account, Customer
from actions.customer_sessions import CustomerSession

TODAY = date(2026, 12, 5)
SESSION = CustomerSession("token-1", "100003", "Tom", datetime.now(timezone.utc) + timedelta(minutes=15))


def account(kind: str, balance: str) -> Account:
    return Account.parse_obj({
        "account_id": f"acc-{kind}", "type": kind, "name": kind.title(), "iban_masked": f"FR76 •••• {kind[:4]}",
        "balance": balance, "currency": "EUR",
    })


class FakeBank:
    def __init__(self) -> None:
        self.pages: List[Dict[str, Any]] = []

    async def accounts(self, token: str) -> List[Account]:
        return [account("current", "612.08"), account("savings", "1840.00")]

    async def me(self, token: str) -> Customer:
        return Customer("100003", "Tom", "en_IE")

    async def transactions(self, token: str, account_id: str, **query: Any):
        self.pages.append({"account_id": account_id, **query})
        return [], None


@pytest.fixture
def bank(monkeypatch) -> FakeBank:
    fake = FakeBank()
    monkeypatch.setattr(accounts, "core_bank", lambda: fake)
    monkeypatch.setattr(transactions, "core_bank", lambda: fake)
    monkeypatch.setattr(verified, "current_session", lambda tracker: SESSION)
    monkeypatch.setattr(transactions, "today", lambda: TODAY)  # periods count from a fixed day, not the calendar
    return fake


def said(text: str, intent: str, entities: Optional[List[Dict[str, Any]]] = None) -> Dict[str, Any]:
    return {"event": "user", "text": text, "input_channel": "messenger",
            "parse_data": {"text": text, "intent": {"name": intent}, "entities": entities or []}}


def conversation(*turns: Dict[str, Any], left_over: Optional[Dict[str, Any]] = None) -> Tracker:
    """`left_over`: slots an earlier message filled (as the old account_type/period slots did), never to be read."""
    return Tracker("psid-1", {"language": "en", **(left_over or {})}, turns[-1]["parse_data"], list(turns), False,
                   None, {}, "action_listen")


async def run(action, tracker: Tracker) -> List[Dict[str, Any]]:
    dispatcher = CollectingDispatcher()
    await action.run(dispatcher, tracker, {})
    return dispatcher.messages


SAVINGS = {"entity": "account_type", "value": "savings"}


async def test_a_balance_asked_after_a_move_to_the_savings_shows_every_account(bank):
    [message] = await run(accounts.ActionShowBalance(), conversation(
        said("I'd like to put 1000 € on my savings", "transfer_money", [SAVINGS]),
        said("what's my balance?", "check_balance"),
        left_over={"account_type": "savings"},
    ))
    assert "Current" in message["balances"] and "Savings" in message["balances"]


async def test_a_balance_asked_for_the_savings_shows_the_savings_only(bank):
    [message] = await run(accounts.ActionShowBalance(), conversation(
        said("how much is on my savings?", "check_balance", [SAVINGS]),
    ))
    assert "Savings" in message["balances"] and "Current" not in message["balances"]


async def test_a_balance_asked_before_the_code_keeps_the_account_it_named(bank):
    [message] = await run(accounts.ActionShowBalance(), conversation(
        said("savings balance please", "check_balance", [SAVINGS]),
        said("100003", "inform"),
        said("123456", "inform"),
    ))
    assert "Savings" in message["balances"] and "Current" not in message["balances"]


async def test_transactions_after_an_appointment_next_week_have_no_period_nor_the_savings(bank):
    await run(transactions.ActionShowTransactions(), conversation(
        said("book me an appointment about my savings next week", "book_appointment",
             [SAVINGS, {"entity": "period", "value": "next week"}]),
        said("show my transactions", "recent_transactions"),
        left_over={"account_type": "savings", "period": "next week"},
    ))
    [asked] = bank.pages
    assert asked["account_id"] == "acc-current"
    assert not asked.get("since") and not asked.get("until")


async def test_transactions_keep_the_period_their_request_names(bank):
    await run(transactions.ActionShowTransactions(), conversation(
        said("savings transactions in November 2025", "recent_transactions",
             [SAVINGS, {"entity": "period", "value": "in November 2025"}]),
    ))
    [asked] = bank.pages
    assert (asked["account_id"], asked["since"], asked["until"]) == ("acc-savings", "2025-11-01", "2025-11-30")
