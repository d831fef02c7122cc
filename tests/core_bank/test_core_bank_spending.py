"""What a customer's money went on, over HTTP: transactions with categories and merchants, search with totals,
recurring payments, spending by category beside the period before; and what each refuses.

The bank is seeded at the test clock's start (2026-06-11 09:30 UTC, a Thursday): "yesterday" is 2026-06-10. The
expected figures are worked out here from the whole transactions list (GET .../transactions), so that the
endpoints are checked against the bank's own data, not against numbers copied from it.
"""
from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Callable
from zoneinfo import ZoneInfo

import pytest
import requests

from bot.core_bank.contract.categories import TRANSACTION_CATEGORIES
from bot.core_bank.contract.document import openapi_document
from bot.core_bank.seed import CAMILLE_CUSTOMER_NUMBER, DEMO_ACCOUNT_IDS
from tests.core_bank.core_bank_api_support import (  # noqa: F401 - the fixtures
    CAMILLE_PHONE,
    assert_error,
    assert_unauthorized,
    bank,
    parse_time,
    reading_bank,
)
from tests.core_bank.core_bank_contract import ContractCheck
from tests.core_bank.core_bank_fixtures import CoreBankTestClient

CURRENT = DEMO_ACCOUNT_IDS["current"]
SEARCH = f"/v1/accounts/{CURRENT}/transactions/search"
LIST = f"/v1/accounts/{CURRENT}/transactions"
RECURRING = f"/v1/accounts/{CURRENT}/recurring-payments"
SPENDING = f"/v1/accounts/{CURRENT}/spending"
PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture(scope="module")
def token(reading_bank: CoreBankTestClient) -> str:
    return reading_bank.sign_in()


@pytest.fixture(scope="module")
def everything(reading_bank: CoreBankTestClient, token: str) -> list[dict[str, Any]]:
    """Every transaction of Alex's current account, newest first, from the transactions list."""
    return all_pages(reading_bank, f"/v1/accounts/{CURRENT}/transactions", token, {})


def all_pages(bank: CoreBankTestClient, path: str, token: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    found, before = [], None
    while True:
        response = bank.get(path, token=token, params={**params, "limit": 7, **({"before": before} if before else {})})
        assert response.status_code == 200, response.text
        page = response.json()
        found.extend(page["transactions"])
        before = page["next_before"]
        if before is None:
            return found


def money(value: str) -> Decimal:
    return Decimal(value)


def totals_of(transactions: list[dict[str, Any]]) -> dict[str, str]:
    out = sum((-money(t["amount"]) for t in transactions if money(t["amount"]) < 0), Decimal("0.00"))
    money_in = sum((money(t["amount"]) for t in transactions if money(t["amount"]) > 0), Decimal("0.00"))
    return {"count": len(transactions), "money_out": f"{out:.2f}", "money_in": f"{money_in:.2f}",
            "net": f"{money_in - out:.2f}", "currency": "EUR"}


def day_of(transaction: dict[str, Any], zone: Any = None) -> date:
    moment = parse_time(transaction["booked_at"])
    return (moment.astimezone(zone) if zone else moment).date()


# --- transactions carry a category and a merchant -------------------------------------------------


def test_every_transaction_has_a_category_and_payments_a_merchants_usual_name(everything: list[dict[str, Any]]):
    assert {t["category"] for t in everything} <= set(TRANSACTION_CATEGORIES)
    assert {"groceries", "restaurants", "transport", "housing", "bills", "shopping", "leisure", "income",
            "savings"} <= {t["category"] for t in everything}
    by_description = {t["description"]: t for t in everything}
    assert [by_description["Direct debit — Netflix"][k] for k in ("kind", "category", "merchant")] == [
        "direct_debit", "leisure", "Netflix"]
    assert [by_description["Card payment — Amazon EU"][k] for k in ("counterparty", "category", "merchant")] == [
        "Amazon EU", "shopping", "Amazon"]  # the merchant's usual name
    assert [by_description["Card payment — Uber Eats"][k] for k in ("category", "merchant")] == ["restaurants", "Uber Eats"]
    assert [by_description["Card payment — Uber"][k] for k in ("category", "merchant")] == ["transport", "Uber"]
    assert [by_description["Rent — Foncia Paris"][k] for k in ("category", "merchant")] == ["housing", "Foncia"]
    assert [by_description["Salary — Northwind Consulting"][k] for k in ("category", "merchant")] == ["income", None]
    assert [by_description["Transfer to savings account"][k] for k in ("category", "merchant")] == ["savings", None]


def test_the_demo_has_the_same_card_payment_at_fnac_twice_yesterday(everything: list[dict[str, Any]]):
    yesterday = date(2026, 6, 10)
    fnac = [t for t in everything if t["merchant"] == "Fnac" and day_of(t) == yesterday]

    assert len(fnac) == 2 and fnac[0]["amount"] == fnac[1]["amount"] == "-49.99"
    assert fnac[0]["transaction_id"] != fnac[1]["transaction_id"] and {t["kind"] for t in fnac} == {"card_payment"}


# --- search ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["uber", "UBER", "Über", " uber "])
def test_uber_finds_uber_and_uber_eats_with_totals_of_every_match(
    reading_bank: CoreBankTestClient, token: str, everything: list[dict[str, Any]], typed: str
):
    expected = [t for t in everything if t["merchant"] in ("Uber", "Uber Eats")]

    first = reading_bank.get(SEARCH, token=token, params={"merchant": typed, "limit": 4}).json()
    found = all_pages(reading_bank, SEARCH, token, {"merchant": typed})

    assert first["merchants"] == ["Uber", "Uber Eats"]
    assert found == expected and len(expected) >= 9
    assert first["transactions"] == expected[:4] and first["next_before"] == expected[3]["transaction_id"]
    assert first["totals"] == totals_of(expected)  # every match, not the page
    assert first["time_zone"] == "UTC"


@pytest.mark.parametrize(
    "typed, merchants",
    [("netflx", ["Netflix"]), ("Uber Eats", ["Uber Eats"]), ("ubereats", ["Uber Eats"]), ("spotfy", ["Spotify"]),
     ("fnác", ["Fnac"]), ("amazon", ["Amazon"]), ("Amazon EU", ["Amazon"]), ("tom", ["Tom Bernard"]),
     ("zzzz", []), ("a", [])],
)
def test_merchants_are_matched_loosely(reading_bank: CoreBankTestClient, token: str, everything: list[dict[str, Any]],
                                       typed: str, merchants: list[str]):
    page = reading_bank.get(SEARCH, token=token, params={"merchant": typed, "limit": 100}).json()

    assert page["merchants"] == merchants
    names = {t["merchant"] or t["counterparty"] for t in page["transactions"]}
    assert names == set(merchants)
    assert page["totals"]["count"] == len([t for t in everything if (t["merchant"] or t["counterparty"]) in merchants])


def test_you_spent_so_much_at_uber_in_may(reading_bank: CoreBankTestClient, token: str, everything: list[dict[str, Any]]):
    may = {"merchant": "uber", "since": "2026-05-01", "until": "2026-05-31", "direction": "out"}
    expected = [t for t in everything if t["merchant"] in ("Uber", "Uber Eats")
                and date(2026, 5, 1) <= day_of(t) <= date(2026, 5, 31)]

    totals = reading_bank.get(SEARCH, token=token, params=may).json()["totals"]

    assert totals == totals_of(expected) and totals["count"] >= 3
    assert money(totals["money_out"]) > 0 and totals["money_in"] == "0.00"


TRANSFERS = ("transfer_out", "transfer_in", "savings_transfer_out", "savings_transfer_in", "savings_withdrawal",
             "savings_withdrawal_in")
REFERENCE_FILTERS: list[tuple[dict[str, str], Callable[[dict[str, Any]], bool]]] = [
    ({"category": "housing"}, lambda t: t["category"] == "housing"),
    ({"category": "groceries", "direction": "out"}, lambda t: t["category"] == "groceries"),
    ({"direction": "in"}, lambda t: money(t["amount"]) > 0),
    ({"direction": "out", "min_amount": "100"}, lambda t: money(t["amount"]) <= Decimal("-100")),
    ({"max_amount": "20.00"}, lambda t: abs(money(t["amount"])) <= Decimal("20")),
    ({"min_amount": "13.49", "max_amount": "13.49"}, lambda t: abs(money(t["amount"])) == Decimal("13.49")),
    ({"min_amount": "50", "direction": "in"}, lambda t: money(t["amount"]) >= Decimal("50")),
    ({"since": "2026-05-10", "until": "2026-05-20"}, lambda t: date(2026, 5, 10) <= day_of(t) <= date(2026, 5, 20)),
    ({"since": "2026-06-01"}, lambda t: day_of(t) >= date(2026, 6, 1)),
    ({"until": "2026-03-31", "category": "leisure"},
     lambda t: day_of(t) <= date(2026, 3, 31) and t["category"] == "leisure"),
    ({"category": "leisure", "merchant": "netflix", "since": "2026-04-01"},
     lambda t: t["merchant"] == "Netflix" and day_of(t) >= date(2026, 4, 1)),
    ({"category": "transport", "merchant": "uber eats"}, lambda t: False),  # Uber Eats is restaurants
    # A kind is how the money moved, whatever the category: a transfer is sent or received, savings moves too.
    ({"kind": "card_payment", "since": "2026-05-01", "until": "2026-05-31"},
     lambda t: t["kind"] == "card_payment" and date(2026, 5, 1) <= day_of(t) <= date(2026, 5, 31)),
    ({"kind": "direct_debit"}, lambda t: t["kind"] == "direct_debit"),
    ({"kind": "transfer"}, lambda t: t["kind"] in TRANSFERS),
    ({"kind": "transfer", "direction": "in"}, lambda t: t["kind"] in TRANSFERS and money(t["amount"]) > 0),
    ({"kind": "cash_withdrawal", "min_amount": "50"},
     lambda t: t["kind"] == "cash_withdrawal" and abs(money(t["amount"])) >= Decimal("50")),
    ({"kind": "card_payment", "category": "restaurants"},
     lambda t: t["kind"] == "card_payment" and t["category"] == "restaurants"),
]


@pytest.mark.parametrize("params, keep", REFERENCE_FILTERS, ids=[json.dumps(p) for p, _ in REFERENCE_FILTERS])
def test_every_filter_holds_and_the_totals_add_up(reading_bank: CoreBankTestClient, token: str,
                                                  everything: list[dict[str, Any]], params: dict[str, str],
                                                  keep: Callable[[dict[str, Any]], bool]):
    expected = [t for t in everything if keep(t)]

    found = all_pages(reading_bank, SEARCH, token, params)
    totals = reading_bank.get(SEARCH, token=token, params=params).json()["totals"]

    assert found == expected
    assert totals == totals_of(expected)


def test_each_kind_finds_the_seeded_transactions_of_that_kind_only(reading_bank: CoreBankTestClient, token: str,
                                                                   everything: list[dict[str, Any]]):
    """Card payments, direct debits, transfers and cash withdrawals: none of them a salary or a rent."""
    found = {kind: all_pages(reading_bank, SEARCH, token, {"kind": kind})
             for kind in ("card_payment", "direct_debit", "transfer", "cash_withdrawal")}
    assert all(found.values()), {kind: len(ts) for kind, ts in found.items()}
    assert {t["kind"] for t in found["transfer"]} >= {"transfer_out", "transfer_in", "savings_transfer_out"}
    every_kind = [t["transaction_id"] for ts in found.values() for t in ts]
    assert len(every_kind) == len(set(every_kind))  # no transaction is of two kinds
    left = {t["kind"] for t in everything if t["transaction_id"] not in set(every_kind)}
    assert left == {"salary", "rent"}


def test_days_are_read_in_the_time_zone_asked_for(reading_bank: CoreBankTestClient, token: str,
                                                  everything: list[dict[str, Any]]):
    late = next(t for t in everything if t["merchant"] == "Uber" and parse_time(t["booked_at"]).hour == 23)
    utc_day, paris_day = day_of(late), day_of(late, PARIS)
    assert paris_day == utc_day + timedelta(days=1)  # 23:40 UTC is the next day in Paris

    def ids(day: date, **zone: str) -> set[str]:
        params = {"merchant": "uber", "since": day.isoformat(), "until": day.isoformat(), "limit": 100, **zone}
        return {t["transaction_id"] for t in reading_bank.get(SEARCH, token=token, params=params).json()["transactions"]}

    assert late["transaction_id"] in ids(utc_day)
    assert late["transaction_id"] not in ids(utc_day, time_zone="Europe/Paris")
    assert late["transaction_id"] in ids(paris_day, time_zone="Europe/Paris")
    answered = reading_bank.get(SEARCH, token=token, params={"time_zone": "Europe/Paris"}).json()
    assert answered["time_zone"] == "Europe/Paris"

    def listed(day: date, **zone: str) -> set[str]:  # the plain transactions list counts its days the same way
        params = {"since": day.isoformat(), "until": day.isoformat(), "limit": 100, **zone}
        return {t["transaction_id"] for t in reading_bank.get(LIST, token=token, params=params).json()["transactions"]}

    assert late["transaction_id"] in listed(utc_day)
    assert late["transaction_id"] not in listed(utc_day, time_zone="Europe/Paris")
    assert late["transaction_id"] in listed(paris_day, time_zone="Europe/Paris")


# --- recurring payments -----------------------------------------------------------------------------


def test_recurring_payments_find_the_subscriptions_and_bills_with_their_next_date(reading_bank: CoreBankTestClient,
                                                                                  token: str):
    answer = reading_bank.get(RECURRING, token=token).json()
    found = {r["merchant"]: r for r in answer["recurring_payments"]}

    assert answer["as_of"] == "2026-06-11" and answer["time_zone"] == "UTC"
    netflix = found["Netflix"]
    assert {k: netflix[k] for k in ("frequency", "typical_amount", "last_amount", "currency", "last_date",
                                    "next_date", "active", "category", "kind", "occurrences")} == {
        "frequency": "monthly", "typical_amount": "13.49", "last_amount": "13.49", "currency": "EUR",
        "last_date": "2026-05-15", "next_date": "2026-06-15", "active": True, "category": "leisure",
        "kind": "direct_debit", "occurrences": 3}
    assert (found["Spotify"]["next_date"], found["Spotify"]["kind"]) == ("2026-07-08", "card_payment")
    assert (found["Foncia"]["typical_amount"], found["Foncia"]["next_date"]) == ("1150.00", "2026-07-01")
    assert {"Netflix", "Spotify", "Basic-Fit", "Orange", "EDF", "Navigo", "Foncia"} <= set(found)
    # Paid once, at random, twice in a day, or moved to savings: not recurring.
    assert not {"Ticketmaster", "Fnac", "Uber", "Uber Eats", "Monoprix", "Northwind Consulting"} & set(found)
    assert all(r["category"] != "savings" for r in answer["recurring_payments"])
    next_dates = [r["next_date"] for r in answer["recurring_payments"]]
    assert next_dates == sorted(next_dates) and all(r["active"] for r in answer["recurring_payments"])


def test_camilles_subscriptions_are_hers(reading_bank: CoreBankTestClient):
    token = reading_bank.sign_in(CAMILLE_CUSTOMER_NUMBER, CAMILLE_PHONE)
    account = reading_bank.get("/v1/accounts", token=token).json()["accounts"][0]["account_id"]

    found = reading_bank.get(f"/v1/accounts/{account}/recurring-payments", token=token).json()["recurring_payments"]

    assert {r["merchant"] for r in found} == {"SFR", "Deezer", "EDF", "Netflix"}
    assert next(r for r in found if r["merchant"] == "Netflix")["next_date"] == "2026-06-20"


def test_payments_that_stopped_are_no_longer_active(bank: CoreBankTestClient):
    bank.clock.advance(days=60)  # nothing booked since the seed: every payment is now overdue
    token = bank.sign_in()

    answer = bank.get(RECURRING, token=token, params={"time_zone": "Europe/Paris"}).json()

    assert answer["as_of"] == "2026-08-10" and answer["time_zone"] == "Europe/Paris"
    netflix = next(r for r in answer["recurring_payments"] if r["merchant"] == "Netflix")
    assert (netflix["last_date"], netflix["next_date"], netflix["active"]) == ("2026-05-15", "2026-06-15", False)


# --- spending by category ------------------------------------------------------------------------------


def spent_by_category(everything: list[dict[str, Any]], since: date, until: date) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = {}
    for t in everything:
        if money(t["amount"]) < 0 and t["category"] != "savings" and since <= day_of(t) <= until:
            totals[t["category"]] = totals.get(t["category"], Decimal("0.00")) - money(t["amount"])
    return totals


def test_spending_of_a_month_by_category_beside_the_month_before(reading_bank: CoreBankTestClient, token: str,
                                                                 everything: list[dict[str, Any]]):
    answer = reading_bank.get(SPENDING, token=token, params={"month": "2026-05"}).json()

    assert answer["period"] == {"since": "2026-05-01", "until": "2026-05-31"}
    assert answer["previous_period"] == {"since": "2026-04-01", "until": "2026-04-30"}
    may = spent_by_category(everything, date(2026, 5, 1), date(2026, 5, 31))
    april = spent_by_category(everything, date(2026, 4, 1), date(2026, 4, 30))
    assert {c["category"]: money(c["total"]) for c in answer["categories"] if money(c["total"])} == may
    assert {c["category"]: money(c["previous_total"]) for c in answer["categories"] if money(c["previous_total"])} == april
    assert money(answer["total"]) == sum(may.values()) and money(answer["previous_total"]) == sum(april.values())
    assert money(answer["change"]) == money(answer["total"]) - money(answer["previous_total"])
    assert "savings" not in {c["category"] for c in answer["categories"]} and "income" not in may
    totals = [money(c["total"]) for c in answer["categories"]]
    assert totals == sorted(totals, reverse=True)
    for category in answer["categories"]:
        assert money(category["change"]) == money(category["total"]) - money(category["previous_total"])
        if money(category["previous_total"]):
            percent = (money(category["change"]) * 100 / money(category["previous_total"])).quantize(Decimal("0.01"))
            assert money(category["change_percent"]) == percent
        else:
            assert category["change_percent"] is None
    assert answer["currency"] == "EUR"


def test_this_month_so_far_is_compared_with_the_same_days_of_last_month(reading_bank: CoreBankTestClient, token: str,
                                                                        everything: list[dict[str, Any]]):
    answer = reading_bank.get(SPENDING, token=token).json()

    assert answer["period"] == {"since": "2026-06-01", "until": "2026-06-11"}
    assert answer["previous_period"] == {"since": "2026-05-01", "until": "2026-05-11"}
    assert money(answer["total"]) == sum(spent_by_category(everything, date(2026, 6, 1), date(2026, 6, 11)).values())
    assert reading_bank.get(SPENDING, token=token, params={"month": "2026-06"}).json() == answer


def test_spending_between_two_days_beside_as_many_days_before(reading_bank: CoreBankTestClient, token: str,
                                                              everything: list[dict[str, Any]]):
    answer = reading_bank.get(SPENDING, token=token, params={"since": "2026-05-04", "until": "2026-05-10"}).json()

    assert answer["previous_period"] == {"since": "2026-04-27", "until": "2026-05-03"}
    assert money(answer["previous_total"]) == sum(
        spent_by_category(everything, date(2026, 4, 27), date(2026, 5, 3)).values())
    up_to_today = reading_bank.get(SPENDING, token=token, params={"since": "2026-06-05", "until": "2026-12-31"}).json()
    assert up_to_today["period"] == {"since": "2026-06-05", "until": "2026-06-11"}  # never after today
    paris = reading_bank.get(SPENDING, token=token, params={"month": "2026-05", "time_zone": "Europe/Paris"}).json()
    assert paris["time_zone"] == "Europe/Paris"
    assert money(paris["total"]) == sum(
        (-money(t["amount"]) for t in everything if money(t["amount"]) < 0 and t["category"] != "savings"
         and date(2026, 5, 1) <= day_of(t, PARIS) <= date(2026, 5, 31)), Decimal("0.00"))


# --- refusals ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", [SEARCH, RECURRING, SPENDING])
def test_each_needs_the_customers_token_and_their_own_account(reading_bank: CoreBankTestClient, path: str):
    assert_unauthorized(reading_bank.get(path))
    assert_unauthorized(reading_bank.get(path, token="not-a-token"))
    camille = reading_bank.sign_in(CAMILLE_CUSTOMER_NUMBER, CAMILLE_PHONE)
    assert_error(reading_bank.get(path, token=camille), 404, "account_not_found")  # Alex's: like none
    assert_error(reading_bank.get(path.replace(CURRENT, "acc_nope"), token=camille), 404, "account_not_found")


@pytest.mark.parametrize(
    "path, params, explained",
    [
        (SEARCH, {"category": "crypto"}, "category must be one of"),
        (SEARCH, {"direction": "sideways"}, "direction must be one of in, out"),
        (SEARCH, {"kind": "cheque"}, "kind must be one of card_payment, direct_debit, transfer, cash_withdrawal"),
        (SEARCH, {"kind": "transfer_out"}, "kind must be one of"),
        (SEARCH, {"min_amount": "a hundred"}, "min_amount"),
        (SEARCH, {"max_amount": "-5"}, "max_amount"),
        (SEARCH, {"min_amount": "100", "max_amount": "20"}, "min_amount must not be more than max_amount"),
        (SEARCH, {"since": "2026-06-02", "until": "2026-06-01"}, "since must not be after until"),
        (SEARCH, {"since": "01/06/2026"}, "since must be a date as YYYY-MM-DD"),
        (SEARCH, {"until": "0001-01-01"}, "until must be between"),
        (SEARCH, {"time_zone": "Europe/Atlantis"}, "time_zone must be a time zone name"),
        (SEARCH, {"merchant": "x" * 101}, "merchant is longer than 100"),
        (SEARCH, {"limit": "0"}, "limit"),
        (SEARCH, {"before": "txn_nope"}, "before is not a transaction of this account"),
        (RECURRING, {"time_zone": "../../etc/passwd"}, "time_zone must be a time zone name"),
        (LIST, {"time_zone": "Mars/Olympus"}, "time_zone must be a time zone name"),
        (SPENDING, {"month": "2026-13"}, "month must be a month as YYYY-MM"),
        (SPENDING, {"month": "November"}, "month must be a month as YYYY-MM"),
        (SPENDING, {"month": "2026-07"}, "month has not begun"),
        (SPENDING, {"month": "2026-05", "since": "2026-05-01"}, "not both"),
        (SPENDING, {"until": "2026-05-01"}, "until needs since"),
        (SPENDING, {"since": "2026-06-12"}, "since is after today"),
        (SPENDING, {"since": "2026-05-02", "until": "2026-05-01"}, "since must not be after until"),
        (SPENDING, {"time_zone": "Paris"}, "time_zone must be a time zone name"),
    ],
)
def test_bad_parameters_are_a_400_naming_what_is_wrong(reading_bank: CoreBankTestClient, token: str, path: str,
                                                       params: dict[str, str], explained: str):
    error = assert_error(reading_bank.get(path, token=token, params=params), 400, "invalid_request")
    assert explained in error["message"], error


ODD_VALUES = ["", " ", "x" * 300, "nul\u0000", "☃", "20.00", "2026-06-11", "-1", "0", "1e9", "NaN", "2026-02-30",
              "9999-12-31", "0001-01-01", "Europe/Paris", "in", "999999999999999"]


def test_no_value_in_any_parameter_makes_the_bank_fail(reading_bank: CoreBankTestClient, token: str):
    names = {SEARCH: ("merchant", "category", "kind", "direction", "min_amount", "max_amount", "since", "until",
                      "time_zone", "limit", "before"),
             RECURRING: ("time_zone",), SPENDING: ("month", "since", "until", "time_zone")}
    answers = [reading_bank.get(path, token=token, params={name: value})
               for path, fields in names.items() for name in fields for value in ODD_VALUES]
    answers.append(reading_bank.get(SPENDING, token=token, params={"since": "1970-01-01"}))  # the earliest day
    answers.append(reading_bank.get(SEARCH, token=token, params={"since": "1970-01-01", "until": "2999-12-31",
                                                                 "time_zone": "Pacific/Kiritimati"}))

    assert [a.text for a in answers if a.status_code >= 500] == []
    assert {a.status_code for a in answers} <= {200, 400}


# --- the document ---------------------------------------------------------------------------------------


def test_the_document_describes_the_answers_and_refuses_drift():
    check = ContractCheck(json.loads(json.dumps(openapi_document(dev_mode=True))))
    totals = {"count": 1, "money_out": "13.49", "money_in": "0.00", "net": "-13.49", "currency": "EUR"}
    transaction = {"transaction_id": "t", "booked_at": "2026-05-15T09:00:00+00:00", "description": "Direct debit — Netflix",
                   "amount": "-13.49", "currency": "EUR", "kind": "direct_debit", "counterparty": "Netflix",
                   "category": "leisure", "merchant": "Netflix"}
    page = {"transactions": [transaction], "next_before": None, "totals": totals, "merchants": ["Netflix"],
            "time_zone": "UTC"}
    fake(check, SEARCH, 200, page)
    for drifted in ({**page, "totals": {**totals, "money_out": 13.49}}, {k: v for k, v in page.items() if k != "totals"},
                    {**page, "transactions": [{**transaction, "category": "crypto"}]}, {**page, "merchants": None}):
        with pytest.raises(AssertionError):
            fake(check, SEARCH, 200, drifted)
    recurring = {"merchant": "Netflix", "category": "leisure", "kind": "direct_debit", "frequency": "monthly",
                 "typical_amount": "13.49", "last_amount": "13.49", "currency": "EUR", "occurrences": 3,
                 "first_date": "2026-03-15", "last_date": "2026-05-15", "next_date": "2026-06-15", "active": True,
                 "last_transaction_id": "t"}
    fake(check, RECURRING, 200, {"recurring_payments": [recurring], "as_of": "2026-06-11", "time_zone": "UTC"})
    for drifted_payment in ({**recurring, "frequency": "daily"}, {**recurring, "next_date": "15/06/2026"}):
        with pytest.raises(AssertionError):
            fake(check, RECURRING, 200, {"recurring_payments": [drifted_payment], "as_of": "2026-06-11", "time_zone": "UTC"})
    category = {"category": "leisure", "total": "13.49", "count": 1, "previous_total": "0.00", "previous_count": 0,
                "change": "13.49", "change_percent": None}
    spending = {"period": {"since": "2026-05-01", "until": "2026-05-31"},
                "previous_period": {"since": "2026-04-01", "until": "2026-04-30"}, "time_zone": "UTC", "currency": "EUR",
                "total": "13.49", "previous_total": "0.00", "change": "13.49", "change_percent": None,
                "categories": [category]}
    fake(check, SPENDING, 200, spending)
    with pytest.raises(AssertionError):
        fake(check, SPENDING, 200, {**spending, "categories": [{**category, "change_percent": "12.5"}]})


def fake(check: ContractCheck, path: str, status: int, body: Any) -> None:
    response = requests.Response()
    response.request = requests.Request("GET", f"http://bank{path}").prepare()
    response.status_code = status
    response.headers.update({"Content-Type": "application/json"})
    response._content = json.dumps(body).encode()
    check.check(response)
