"""Cards, loans, payees and the transactions date filter over HTTP, against the core bank served in this process."""
from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Iterator

import pytest

from bot.core_bank.seed import (
    DEMO_ACCOUNT_IDS,
    DEMO_ADDRESS_MASKED,
    DEMO_CARD_IDS,
    DEMO_LOAN_APPLICATION_REFERENCE,
    DEMO_PAYEE_IDS,
    stable_id,
)
from tests.core_bank.core_bank_fixtures import CoreBankTestClient, running_core_bank
from tests.core_bank.core_bank_api_support import assert_error, assert_unauthorized, parse_time

CAMILLE_NUMBER, CAMILLE_PHONE = "100002", "+33698765432"
CAMILLE_DEBIT = stable_id("card", "100002", "1590")
CURRENT = DEMO_ACCOUNT_IDS["current"]
TRANSACTIONS = f"/v1/accounts/{CURRENT}/transactions"

# Every new endpoint that needs a customer, with a body it would accept from a signed-in customer.
NEW_CUSTOMER_ENDPOINTS = [
    ("POST", f"/v1/cards/{DEMO_CARD_IDS['debit']}/block", {"reason": "lost"}),
    ("POST", "/v1/card-orders", {"kind": "debit", "account_id": CURRENT}),
    ("GET", "/v1/card-orders", None),
    ("POST", "/v1/loan-applications", {"product": "personal", "amount": "5000.00", "term_months": 24}),
    ("GET", "/v1/loan-applications", None),
    ("GET", "/v1/payees", None),
    ("POST", "/v1/transfers/check", {"from_account_id": CURRENT, "amount": "20.00", "currency": "EUR"}),
    ("POST", "/v1/transfers/prepare", {"from_account_id": CURRENT, "amount": "20.00", "currency": "EUR", "payee_id": DEMO_PAYEE_IDS["tom"]}),
    ("POST", "/v1/transfers", {"from_account_id": CURRENT, "amount": "20.00", "currency": "EUR", "payee_id": DEMO_PAYEE_IDS["tom"], "challenge_id": "x", "code": "123456"}),
]


@pytest.fixture(scope="module")
def reading_bank(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CoreBankTestClient]:
    """One core bank for tests that change nothing another test reads (sign-ins only)."""
    with running_core_bank(tmp_path_factory.mktemp("reading_bank"), OTP_CHALLENGES_PER_WINDOW="1000") as running:
        yield running


@pytest.fixture
def bank(tmp_path: Path) -> Iterator[CoreBankTestClient]:
    with running_core_bank(tmp_path) as running:
        yield running


# --- access -----------------------------------------------------------------------------


def test_every_new_customer_endpoint_needs_a_valid_token(reading_bank: CoreBankTestClient):
    outbox_before = len(reading_bank.get("/dev/sms-outbox").json()["messages"])
    for method, path, body in NEW_CUSTOMER_ENDPOINTS:
        headers = {"Idempotency-Key": "k-401"}
        assert_unauthorized(reading_bank.request(method, path, json=body, headers=headers))
        assert_unauthorized(reading_bank.request(method, path, json=body, token="not-a-real-token", headers=headers))
    assert len(reading_bank.get("/dev/sms-outbox").json()["messages"]) == outbox_before


# --- loans (public) -------------------------------------------------------------------


def test_loan_products_need_no_token(reading_bank: CoreBankTestClient):
    response = reading_bank.get("/v1/loan-products")

    assert response.status_code == 200, response.text
    products = response.json()["products"]
    assert [(p["product"], p["apr"]) for p in products] == [("personal", "6.90"), ("car", "4.90"), ("home", "3.60")]
    for product in products:
        assert set(product) == {"product", "name", "apr", "min_amount", "max_amount", "min_term_months", "max_term_months", "currency"}
        assert Decimal(product["min_amount"]) < Decimal(product["max_amount"])
        assert product["currency"] == "EUR"


def test_a_loan_quote_needs_no_token(reading_bank: CoreBankTestClient):
    response = reading_bank.post("/v1/loan-quotes", json={"product": "personal", "amount": "10000.00", "term_months": 36})

    assert response.status_code == 200, response.text
    assert response.json() == {
        "product": "personal",
        "amount": "10000.00",
        "currency": "EUR",
        "term_months": 36,
        "apr": "6.90",
        "monthly_payment": "307.36",
        "total_repaid": "11064.96",
        "total_interest": "1064.96",
    }


def test_loan_quote_errors(reading_bank: CoreBankTestClient):
    quotes = "/v1/loan-quotes"
    low = assert_error(reading_bank.post(quotes, json={"product": "personal", "amount": "500.00", "term_months": 36}), 422, "out_of_range")
    assert "1000.00 to 50000.00 EUR" in low["message"] and (low["min"], low["max"]) == ("1000.00", "50000.00")
    long = assert_error(reading_bank.post(quotes, json={"product": "car", "amount": "5000.00", "term_months": 120}), 422, "out_of_range")
    assert "12 to 84 months" in long["message"] and (long["min"], long["max"]) == (12, 84)
    for body in (
        {"product": "personal", "amount": 10000, "term_months": 36},
        {"product": "personal", "amount": "10000.001", "term_months": 36},
        {"product": "personal", "amount": "-5.00", "term_months": 36},
        {"product": "personal", "amount": "10000.00", "term_months": "36"},
        {"product": "personal", "amount": "10000.00", "term_months": 36.5},
        {"product": "yacht", "amount": "10000.00", "term_months": 36},
        {"product": "personal", "amount": "10000.00"},
        {"product": "personal", "amount": "10000.00", "term_months": 36, "rate": "1.00"},
    ):
        assert_error(reading_bank.post(quotes, json=body), 400, "invalid_request")


def test_loan_applications_are_idempotent_and_listed_newest_first(bank: CoreBankTestClient):
    token = bank.sign_in()
    body = {"product": "personal", "amount": "10000.00", "term_months": 36}
    earlier = bank.get("/v1/loan-applications", token=token).json()["applications"]
    assert [(a["reference"], a["status"]) for a in earlier] == [(DEMO_LOAN_APPLICATION_REFERENCE, "under_review")]

    assert_error(bank.post("/v1/loan-applications", token=token, json=body), 400, "invalid_request")  # no key
    assert_error(bank.post_idempotent("/v1/loan-applications", token, "k" * 101, json=body), 400, "invalid_request")
    created = bank.post_idempotent("/v1/loan-applications", token, "loan-key-1", json=body)
    assert created.status_code == 201, created.text
    application = created.json()
    assert re.fullmatch(r"LA-[A-Z0-9]{8}", application["reference"])
    assert application["status"] == "received" and application["monthly_payment"] == "307.36"
    parse_time(application["submitted_at"])
    assert "Idempotent-Replayed" not in created.headers

    repeat = bank.post_idempotent("/v1/loan-applications", token, "loan-key-1", json=body)
    assert (repeat.status_code, repeat.json()) == (201, application)
    assert repeat.headers["Idempotent-Replayed"] == "true"
    assert_error(
        bank.post_idempotent("/v1/loan-applications", token, "loan-key-1", json={**body, "amount": "12000.00"}),
        422, "idempotency_key_reused",
    )
    assert_error(
        bank.post_idempotent("/v1/loan-applications", token, "loan-key-2", json={**body, "amount": "60000.00"}),
        422, "out_of_range",
    )

    listed = bank.get("/v1/loan-applications", token=token).json()["applications"]
    assert [a["reference"] for a in listed] == [application["reference"], DEMO_LOAN_APPLICATION_REFERENCE]
    assert listed[0] == application
    camille = bank.sign_in(CAMILLE_NUMBER, CAMILLE_PHONE)
    assert bank.get("/v1/loan-applications", token=camille).json() == {"applications": []}


# --- cards ------------------------------------------------------------------------------


def test_block_a_card_then_order_its_replacement(bank: CoreBankTestClient):
    token = bank.sign_in()
    block = f"/v1/cards/{DEMO_CARD_IDS['debit']}/block"

    blocked = bank.post(block, token=token, json={"reason": "lost"})
    assert blocked.status_code == 200, blocked.text
    card = blocked.json()
    assert (card["card_id"], card["status"], card["block_reason"], card["last4"]) == (DEMO_CARD_IDS["debit"], "blocked", "lost", "4821")
    assert set(card) == {"card_id", "kind", "brand", "last4", "status", "account_id", "expiry", "blocked_at", "block_reason"}
    parse_time(card["blocked_at"])
    again = bank.post(block, token=token, json={"reason": "stolen"})
    assert (again.status_code, again.json()) == (200, card)
    listed = {c["card_id"]: c["status"] for c in bank.get("/v1/cards", token=token).json()["cards"]}
    assert listed[DEMO_CARD_IDS["debit"]] == "blocked" and listed[DEMO_CARD_IDS["credit"]] == "active"

    assert_error(bank.post(f"/v1/cards/{CAMILLE_DEBIT}/block", token=token, json={"reason": "lost"}), 404, "card_not_found")
    assert_error(bank.post("/v1/cards/card_nope/block", token=token, json={"reason": "lost"}), 404, "card_not_found")
    assert_error(bank.post(block, token=token, json={"reason": "bored"}), 400, "invalid_request")
    assert_error(bank.post(block, token=token, json={}), 400, "invalid_request")

    orders = "/v1/card-orders"
    replacement = {"kind": "debit", "account_id": CURRENT, "replaces_card_id": DEMO_CARD_IDS["debit"]}
    assert_error(bank.post(orders, token=token, json=replacement), 400, "invalid_request")  # no Idempotency-Key
    placed = bank.post_idempotent(orders, token, "order-key-1", json=replacement)
    assert placed.status_code == 201, placed.text
    order = placed.json()
    assert re.fullmatch(r"CO-[A-Z0-9]{8}", order["reference"])
    assert (order["kind"], order["account_id"], order["status"]) == ("debit", CURRENT, "ordered")
    assert order["delivery_address_masked"] == DEMO_ADDRESS_MASKED
    ordered_on = parse_time(order["ordered_at"]).date()
    due = date.fromisoformat(order["estimated_delivery"])
    assert due.weekday() < 5 and timedelta(days=9) <= due - ordered_on <= timedelta(days=11)  # 7 working days

    repeat = bank.post_idempotent(orders, token, "order-key-1", json=replacement)
    assert (repeat.status_code, repeat.json(), repeat.headers["Idempotent-Replayed"]) == (201, order, "true")
    assert_error(bank.post_idempotent(orders, token, "order-key-1", json={"kind": "credit", "account_id": CURRENT}), 422, "idempotency_key_reused")
    assert_error(bank.post_idempotent(orders, token, "order-key-2", json=replacement), 422, "replacement_not_allowed")
    assert_error(bank.post_idempotent(orders, token, "order-key-3", json={"kind": "debit", "account_id": CURRENT}), 422, "card_already_active")
    assert_error(bank.post_idempotent(orders, token, "order-key-4", json={"kind": "credit", "account_id": CURRENT}), 422, "credit_card_limit")
    assert_error(
        bank.post_idempotent(orders, token, "order-key-5", json={"kind": "debit", "account_id": DEMO_ACCOUNT_IDS["savings"]}),
        422, "account_not_eligible",
    )
    assert_error(
        bank.post_idempotent(orders, token, "order-key-6", json={"kind": "debit", "account_id": stable_id("acc", "100002", "current")}),
        404, "account_not_found",
    )
    assert_error(bank.post_idempotent(orders, token, "order-key-7", json={"kind": "prepaid", "account_id": CURRENT}), 400, "invalid_request")

    assert bank.get(orders, token=token).json() == {"orders": [order]}


# --- payees, profile, transactions between dates --------------------------------------


def test_payees(reading_bank: CoreBankTestClient):
    payees = reading_bank.get("/v1/payees", token=reading_bank.sign_in()).json()["payees"]

    assert [(p["payee_id"], p["name"], p["customer"]) for p in payees] == [
        (DEMO_PAYEE_IDS["tom"], "Tom Bernard", True),
        (DEMO_PAYEE_IDS["landlord"], "SCI Montmartre (landlord)", False),
    ]
    for payee in payees:
        assert re.fullmatch(r"FR[0-9]{2} •••• •••• [0-9]{4}", payee["iban_masked"])


def test_transactions_between_two_dates(reading_bank: CoreBankTestClient):
    token = reading_bank.sign_in()
    everything = reading_bank.get(TRANSACTIONS, token=token, params={"limit": 100}).json()["transactions"]
    days = sorted({parse_time(t["booked_at"]).date() for t in everything})
    since, until = days[-40], days[-20]

    seen, before = [], None
    while True:
        params = {"since": since.isoformat(), "until": until.isoformat(), "limit": 5, **({"before": before} if before else {})}
        page = reading_bank.get(TRANSACTIONS, token=token, params=params).json()
        seen.extend(page["transactions"])
        before = page["next_before"]
        if before is None:
            break

    assert seen == [t for t in everything if since <= parse_time(t["booked_at"]).date() <= until]
    assert len(seen) > 5
    for params in ({"since": "2026-13-01"}, {"until": "yesterday"}, {"since": "2026-6-1"},
                   {"since": until.isoformat(), "until": since.isoformat()}):
        assert_error(reading_bank.get(TRANSACTIONS, token=token, params=params), 400, "invalid_request")
    same_day = reading_bank.get(TRANSACTIONS, token=token, params={"since": since.isoformat(), "until": since.isoformat()})
    assert {parse_time(t["booked_at"]).date() for t in same_day.json()["transactions"]} <= {since}
