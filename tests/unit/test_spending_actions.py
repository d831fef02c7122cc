"""Spending insights at the action level: the period asked is read and sent to the core bank as a month or days,
the summary names the total, the top categories and the change in the customer's language and locale, the chart
goes as data (a custom payload), never drawn here; behind the OTP; the bank's refusals answered politely."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, Dict, List, Optional

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

import actions.spending as spending
import actions.verified as verified
from actions.banking import INVALID_REQUEST, UNAVAILABLE, Account, BankError, Customer
from actions.customer_sessions import CustomerSession
from bot.core_bank.contract.spending import SpendingByCategory
from bot.dialogue_signals import SPENDING_CHART_KEY

SESSION = CustomerSession("token-1", "100001", "Alex", datetime.now(timezone.utc) + timedelta(minutes=15))
TODAY = date(2026, 12, 5)  # the actions' today in these tests, whatever the machine's date


def found(total: str = "612.40", previous_total: str = "550.00", rows: Optional[List[Dict[str, Any]]] = None,
          period=("2026-11-01", "2026-11-30"), previous=("2026-10-01", "2026-10-31")) -> SpendingByCategory:
    rows = rows if rows is not None else [
        {"category": "housing", "total": "400.00", "previous_total": "400.00"},
        {"category": "restaurants", "total": "112.40", "previous_total": "70.00"},
        {"category": "groceries", "total": "80.00", "previous_total": "60.00"},
        {"category": "transport", "total": "20.00", "previous_total": "20.00"},
    ]
    categories = []
    for row in rows:
        change = Decimal(row["total"]) - Decimal(row["previous_total"])
        categories.append({**row, "count": 1, "previous_count": 1, "change": str(change), "change_percent": None})
    change = Decimal(total) - Decimal(previous_total)
    return SpendingByCategory.parse_obj({
        "period": {"since": period[0], "until": period[1]},
        "previous_period": {"since": previous[0], "until": previous[1]},
        "time_zone": "Europe/Paris", "currency": "EUR", "total": total, "previous_total": previous_total,
        "change": str(change), "change_percent": "11.35" if previous_total != "0.00" else None,
        "categories": categories,
    })


class FakeBank:
    def __init__(self, answer: Optional[SpendingByCategory] = None, refuse: Optional[BankError] = None) -> None:
        self.answer = answer or found()
        self.refuse = refuse
        self.asked: List[Dict[str, str]] = []

    async def accounts(self, token: str) -> List[Account]:
        return [Account(account_id="acc-current", type="current", name="Current account", iban_masked="FR76 •••• 0079",
                        balance="2450.31", currency="EUR")]

    async def me(self, token: str) -> Customer:
        return Customer("100001", "Alex", "en_IE")

    async def spending(self, token: str, account_id: str, **period: str) -> SpendingByCategory:
        self.asked.append(period)
        if self.refuse is not None:
            raise self.refuse
        return self.answer


@pytest.fixture
def bank(monkeypatch):
    def install(answer: Optional[SpendingByCategory] = None, refuse: Optional[BankError] = None) -> FakeBank:
        fake = FakeBank(answer, refuse)
        monkeypatch.setattr(spending, "core_bank", lambda: fake)
        return fake

    monkeypatch.setattr(spending, "today", lambda: TODAY)
    monkeypatch.setattr(verified, "current_session", lambda tracker: SESSION)
    return install


def tracker(text: str, slots: Optional[Dict[str, Any]] = None) -> Tracker:
    parse = {"text": text, "intent": {"name": "spending_insights"}, "entities": []}
    return Tracker("psid-1", {"language": "en", **(slots or {})}, parse,
                   [{"event": "user", "text": text, "parse_data": parse, "input_channel": "messenger"}],
                   False, None, {}, "action_listen")


async def run(text: str, slots: Optional[Dict[str, Any]] = None):
    dispatcher = CollectingDispatcher()
    events = await spending.ActionShowSpending().run(dispatcher, tracker(text, slots), {})
    return events, dispatcher.messages


def test_the_action_server_never_loads_matplotlib_nor_the_channels():
    from tests.unit.test_process_boundaries import modules_loaded_by

    loaded = modules_loaded_by("import actions.spending")
    assert "actions.spending" in loaded
    assert [m for m in loaded if m.startswith(("matplotlib", "bot.channels", "PIL"))] == []


@pytest.mark.parametrize("text, asked", [
    ("break down my spending by category", {}),
    ("where did my money go last month?", {"month": "2026-11"}),
    ("how much did I spend on restaurants in November compared to October", {"month": "2026-11"}),
    ("mes dépenses de la semaine dernière", {"since": "2026-11-23", "until": "2026-11-29"}),
    ("où part mon argent ce mois-ci ?", {"month": "2026-12"}),
    ("spending over the last 7 days", {"since": "2026-11-29", "until": "2026-12-05"}),
])
async def test_the_period_said_is_asked_of_the_bank_as_a_month_or_days(bank, text, asked):
    fake = bank()
    await run(text)
    assert fake.asked == [{**asked, "time_zone": "Europe/Paris"}]  # the bank's days, as the actions count them


async def test_the_summary_names_total_top_categories_change_and_the_category_asked(bank):
    bank()
    events, [text, chart] = await run("how much did I spend on restaurants in November compared to October")
    assert text["response"] == "utter_spending_summary"
    lines = text["summary"].split("\n")
    assert lines[0] == "Your spending, November 2026: €612.40"
    assert lines[1:4] == ["• Housing: €400.00", "• Restaurants & cafés: €112.40", "• Groceries: €80.00"]
    assert lines[4] == "That's €62.40 more than October 2026 (€550.00), 11%."
    assert lines[5] == "Restaurants & cafés: €112.40 (November 2026), against €70.00 (October 2026)."
    assert SlotSet("identity", "verified") in events and SlotSet("pending_request", None) in events

    drawn = chart["custom"][SPENDING_CHART_KEY]
    assert drawn["series"] == ["November 2026", "October 2026"]
    assert [c["name"] for c in drawn["categories"]] == ["Housing", "Restaurants & cafés", "Groceries", "Transport"]
    assert drawn["categories"][1] == {"name": "Restaurants & cafés", "total": "112.40", "previous_total": "70.00",
                                      "total_shown": "€112.40"}
    assert "Alex" not in str(drawn) and "FR76" not in str(drawn) and "100001" not in str(drawn)


async def test_in_french_with_the_french_locale(bank):
    bank(found(total="500.00", previous_total="550.00"))
    _, [text, chart] = await run("mes dépenses par catégorie", {"language": "fr", "locale": "fr_FR"})
    lines = text["summary"].split("\n")
    assert lines[0] == "Vos dépenses, novembre 2026 : 500,00\u00a0€"
    assert lines[2] == "• Restaurants et cafés : 112,40\u00a0€"
    assert lines[4].startswith("C'est 50,00\u00a0€ de moins que sur la période précédente, octobre 2026")
    assert chart["custom"][SPENDING_CHART_KEY]["title"] == "Dépenses par catégorie, novembre 2026"
    assert chart["custom"][SPENDING_CHART_KEY]["language"] == "fr"


async def test_a_period_compared_with_nothing_spent_before(bank):
    bank(found(total="20.00", previous_total="0.00", rows=[
        {"category": "transport", "total": "20.00", "previous_total": "0.00"}],
        period=("2026-11-29", "2026-12-05"), previous=("2026-11-22", "2026-11-28")))
    _, [text, _chart] = await run("spending over the last 7 days")
    assert text["summary"].split("\n")[-1] == "You spent nothing 22–28 Nov 2026, the period before."


async def test_nothing_spent_at_all_says_so_without_a_chart(bank):
    bank(found(total="0.00", previous_total="0.00", rows=[]))
    _, messages = await run("break down my spending by category")
    assert [m["response"] for m in messages] == ["utter_no_spending"]
    assert messages[0]["period"] == "November 2026"


async def test_a_period_the_bank_refuses_is_answered_politely(bank):
    bank(refuse=BankError(400, INVALID_REQUEST, "month has not begun yet"))
    _, [message] = await run("my spending by category")
    assert message["response"] == "utter_spending_bad_period"


async def test_the_bank_down(bank):
    bank(refuse=BankError(503, UNAVAILABLE, "down"))
    _, [message] = await run("my spending by category")
    assert message["response"] == "utter_bank_unavailable"


async def test_an_unverified_customer_is_asked_to_verify_first(bank, monkeypatch):
    fake = bank()
    monkeypatch.setattr(verified, "current_session", lambda tracker: None)
    events, [message] = await run("where did my money go last month?")
    assert message["response"] == "utter_verify_first"
    assert SlotSet("pending_request", "spending_insights") in events and fake.asked == []


@pytest.mark.parametrize("text, category", [
    ("how much on restaurants", "restaurants"), ("mes dépenses en courses", "groceries"),
    ("combien pour le loyer", "housing"), ("spending by category", None), ("où part mon argent", None),
])
def test_the_category_named(text, category):
    assert spending.category_asked(text) == category
