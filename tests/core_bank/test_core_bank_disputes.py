"""Disputed payments over HTTP: a case with a reference on the customer's own payment, idempotent, one per
transaction; when an advisor must take it; the delays; the staff's queue and the case's status."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Iterator

import pytest

from bot.core_bank.bank_time import bank_day
from bot.core_bank.disputes import DisputeRules, months_before
from tests.core_bank.core_bank_api_support import assert_error, assert_unauthorized, parse_time
from tests.core_bank.core_bank_everyday_support import (
    CAMILLE,
    STAFF,
    THRESHOLD,
    a_transaction,
    large_payment,
    money_in,
    posted_at_once,
    sign_in,
    small_card_payment,
    to_savings,
    transactions,
)
from tests.core_bank.core_bank_fixtures import START, CoreBankTestClient, TestClock, running_core_bank

DISPUTE_FIELDS = {"reference", "status", "reason", "details", "transaction", "advisor_required", "advisor_reason",
                  "opened_at", "updated_at", "review_by", "resolve_by"}
# Opened on Thursday 2026-06-11 (the test clock's start): 2 and 30 working days later (bank_facts.yml).
REVIEW_BY, RESOLVE_BY = "2026-06-15", "2026-07-23"


@pytest.fixture
def bank(tmp_path: Path) -> Iterator[CoreBankTestClient]:
    with running_core_bank(tmp_path, OTP_CHALLENGES_PER_WINDOW="100") as running:
        yield running


def small_card_payments(bank: CoreBankTestClient, token: str) -> list[dict]:
    return [t for t in transactions(bank, token) if small_card_payment(t)]


def dispute(bank: CoreBankTestClient, token: str, key: str, transaction_id: str, reason: str = "charged_twice", **more):
    return bank.post_idempotent("/v1/disputes", token, key, json={"transaction_id": transaction_id, "reason": reason, **more})


def test_a_dispute_has_a_reference_its_transaction_and_its_delays(bank: CoreBankTestClient):
    token = sign_in(bank)
    payment = a_transaction(bank, token, small_card_payment)

    opened = dispute(bank, token, "d-1", payment["transaction_id"], "charged_twice", details="Twice on my statement")

    assert opened.status_code == 201, opened.text
    case = opened.json()
    assert set(case) == DISPUTE_FIELDS
    assert re.fullmatch(r"DP-[A-Z0-9]{8}", case["reference"])
    assert (case["status"], case["reason"], case["details"]) == ("open", "charged_twice", "Twice on my statement")
    assert case["transaction"] == {**{k: payment[k] for k in ("transaction_id", "booked_at", "description", "kind",
                                                              "counterparty", "amount", "currency")},
                                   "account_id": case["transaction"]["account_id"]}
    assert (case["advisor_required"], case["advisor_reason"]) == (False, None)  # charged twice, a small amount
    assert parse_time(case["opened_at"]) == parse_time(case["updated_at"]) == bank.clock()
    assert (case["review_by"], case["resolve_by"]) == (REVIEW_BY, RESOLVE_BY)

    assert bank.get("/v1/disputes", token=token).json() == {"disputes": [case]}
    assert bank.get(f"/v1/disputes/{case['reference']}", token=token).json() == case


def test_opening_is_idempotent_and_a_payment_has_one_case(bank: CoreBankTestClient):
    token = sign_in(bank)
    payment = a_transaction(bank, token, small_card_payment)["transaction_id"]
    assert_error(bank.post("/v1/disputes", token=token, json={"transaction_id": payment, "reason": "wrong_amount"}),
                 400, "invalid_request")  # no Idempotency-Key
    case = dispute(bank, token, "d-1", payment, "wrong_amount").json()

    repeat = dispute(bank, token, "d-1", payment, "wrong_amount")
    assert (repeat.status_code, repeat.json(), repeat.headers["Idempotent-Replayed"]) == (201, case, "true")
    assert_error(dispute(bank, token, "d-1", payment, "not_received"), 422, "idempotency_key_reused")
    second = assert_error(dispute(bank, token, "d-2", payment, "not_received"), 409, "dispute_exists")
    assert second["reference"] == case["reference"] and case["reference"] in second["message"]
    assert len(bank.get("/v1/disputes", token=token).json()["disputes"]) == 1


def test_two_cases_on_one_payment_at_once_make_one_case(bank: CoreBankTestClient):
    token = sign_in(bank)
    payment = a_transaction(bank, token, small_card_payment)["transaction_id"]
    body = {"transaction_id": payment, "reason": "charged_twice"}
    headers = lambda key: {"Authorization": f"Bearer {token}", "Idempotency-Key": key}  # noqa: E731

    answers = posted_at_once(bank, [("/v1/disputes", body, headers(f"race-{n}")) for n in range(4)])

    assert sorted(a.status_code for a in answers) == [201, 409, 409, 409]
    reference = next(a.json()["reference"] for a in answers if a.status_code == 201)
    assert {a.json()["error"]["reference"] for a in answers if a.status_code == 409} == {reference}
    assert [d["reference"] for d in bank.get("/v1/disputes", token=token).json()["disputes"]] == [reference]


def test_when_an_advisor_must_take_the_case(bank: CoreBankTestClient):
    token = sign_in(bank)
    small = small_card_payments(bank, token)[:3]
    large = a_transaction(bank, token, large_payment)
    assert Decimal(large["amount"]) < -THRESHOLD

    unknown = dispute(bank, token, "d-1", small[0]["transaction_id"], "not_recognised").json()
    costly = dispute(bank, token, "d-2", large["transaction_id"], "wrong_amount").json()
    other = dispute(bank, token, "d-3", small[1]["transaction_id"], "other", details="The shop closed before delivery").json()
    routine = dispute(bank, token, "d-4", small[2]["transaction_id"], "not_received",
                      details="Never came, I paid with 4111 1111 1111 1111").json()
    assert routine["details"] == "Never came, I paid with •••• 1111"  # a card number is never kept in clear

    assert (unknown["advisor_required"], unknown["advisor_reason"]) == (True, "possible_fraud")
    assert (costly["advisor_required"], costly["advisor_reason"]) == (True, "amount_above_threshold")
    assert (other["advisor_required"], other["advisor_reason"]) == (True, "reason_other")
    assert (routine["advisor_required"], routine["advisor_reason"]) == (False, None)
    listed = [d["reference"] for d in bank.get("/v1/disputes", token=token).json()["disputes"]]
    assert sorted(listed) == sorted(d["reference"] for d in (unknown, costly, other, routine))


def test_what_cannot_be_disputed(bank: CoreBankTestClient):
    token = sign_in(bank)
    salary = a_transaction(bank, token, money_in)["transaction_id"]
    savings = a_transaction(bank, token, to_savings)["transaction_id"]
    payment = a_transaction(bank, token, small_card_payment)["transaction_id"]

    assert "left the account" in assert_error(dispute(bank, token, "d-1", salary), 422, "not_disputable")["message"]
    assert "savings" in assert_error(dispute(bank, token, "d-2", savings), 422, "not_disputable")["message"]
    assert_error(dispute(bank, token, "d-3", "txn_nope"), 404, "transaction_not_found")
    camille = sign_in(bank, CAMILLE)
    assert_error(dispute(bank, camille, "d-4", payment), 404, "transaction_not_found")  # Alex's payment
    for key, body in (
        ("d-5", {"transaction_id": payment, "reason": "bored"}),
        ("d-6", {"transaction_id": payment, "reason": "other"}),  # other: say why
        ("d-7", {"transaction_id": payment, "reason": "other", "details": "   "}),
        ("d-8", {"transaction_id": payment, "reason": "charged_twice", "details": "x" * 501}),
        ("d-9", {"transaction_id": payment, "reason": "charged_twice", "amount": "10.00"}),
        ("d-10", {"reason": "charged_twice"}),
    ):
        assert_error(bank.post_idempotent("/v1/disputes", token, key, json=body), 400, "invalid_request")
    assert bank.get("/v1/disputes", token=token).json() == {"disputes": []}


def test_a_payment_is_disputed_within_thirteen_months(bank: CoreBankTestClient):
    token = sign_in(bank)
    payment = a_transaction(bank, token, lambda t: small_card_payment(t) and bank_day(parse_time(t["booked_at"])).day <= 28)
    booked_on = bank_day(parse_time(payment["booked_at"]))
    year, month = divmod(booked_on.year * 12 + booked_on.month - 1 + 13, 12)
    last_day = datetime(year, month + 1, booked_on.day, 12, 0, tzinfo=timezone.utc)  # 13 months on, noon in Paris

    bank.clock.move_to(last_day)
    assert dispute(bank, sign_in(bank), "d-1", payment["transaction_id"]).status_code == 201
    bank.clock.move_to(last_day + timedelta(days=1))
    # (the time limit is checked before whether the payment already has a case)
    refused = assert_error(dispute(bank, sign_in(bank), "d-2", payment["transaction_id"]), 422, "dispute_too_late")

    assert "13 months" in refused["message"]


def test_each_customer_sees_only_their_own_cases_and_only_signed_in(bank: CoreBankTestClient):
    token = sign_in(bank)
    case = dispute(bank, token, "d-1", a_transaction(bank, token, small_card_payment)["transaction_id"]).json()
    camille = sign_in(bank, CAMILLE)

    assert bank.get("/v1/disputes", token=camille).json() == {"disputes": []}
    assert_error(bank.get(f"/v1/disputes/{case['reference']}", token=camille), 404, "dispute_not_found")
    assert_error(bank.get("/v1/disputes/DP-NOTHING1", token=token), 404, "dispute_not_found")
    assert_unauthorized(bank.get("/v1/disputes"))
    assert_unauthorized(bank.get(f"/v1/disputes/{case['reference']}"))
    assert_unauthorized(bank.post("/v1/disputes", json={"transaction_id": "t", "reason": "other"},
                                  headers={"Idempotency-Key": "k"}))
    assert_unauthorized(bank.post("/v1/disputes", token="not-a-token", json={"transaction_id": "t", "reason": "other"},
                                  headers={"Idempotency-Key": "k"}))


# --- the staff's side ---------------------------------------------------------------------------


def test_the_staff_queue_and_a_cases_status(bank: CoreBankTestClient):
    token = sign_in(bank)
    payments = small_card_payments(bank, token)
    first = dispute(bank, token, "d-1", payments[0]["transaction_id"], "not_recognised").json()
    bank.clock.advance(minutes=5)
    second = dispute(bank, token, "d-2", payments[1]["transaction_id"]).json()

    assert_error(bank.get("/v1/staff/disputes"), 403, "service_token_required")
    assert_error(bank.get("/v1/staff/disputes", headers={"X-Service-Token": "wrong"}), 403, "service_token_required")
    assert_error(bank.get("/v1/staff/disputes", token=token), 403, "service_token_required")  # a customer is no staff
    queue = bank.get("/v1/staff/disputes", headers=STAFF).json()["disputes"]
    assert [d["reference"] for d in queue] == [first["reference"], second["reference"]]  # oldest first
    assert queue[0]["customer"] == {"customer_number": "100001", "first_name": "Alex", "last_name": "Martin"}
    assert {k: v for k, v in queue[0].items() if k != "customer"} == first

    status = f"/v1/staff/disputes/{first['reference']}/status"
    assert_error(bank.post(status, json={"status": "under_review"}), 403, "service_token_required")
    bank.clock.advance(hours=2)
    reviewed = bank.post(status, headers=STAFF, json={"status": "under_review"})
    assert reviewed.status_code == 200, reviewed.text
    assert reviewed.json()["status"] == "under_review" and parse_time(reviewed.json()["updated_at"]) == bank.clock()
    again = bank.post(status, headers=STAFF, json={"status": "under_review"})
    assert again.json() == reviewed.json()
    assert bank.post(status, headers=STAFF, json={"status": "resolved"}).json()["status"] == "resolved"
    assert_error(bank.post(status, headers=STAFF, json={"status": "under_review"}), 422, "dispute_status_not_allowed")
    assert_error(bank.post(status, headers=STAFF, json={"status": "rejected"}), 422, "dispute_status_not_allowed")
    assert_error(bank.post(status, headers=STAFF, json={"status": "open"}), 400, "invalid_request")
    assert_error(bank.post("/v1/staff/disputes/DP-NOTHING1/status", headers=STAFF, json={"status": "resolved"}),
                 404, "dispute_not_found")

    assert [d["reference"] for d in bank.get("/v1/staff/disputes", headers=STAFF).json()["disputes"]] == [second["reference"]]
    resolved = bank.get("/v1/staff/disputes", headers=STAFF, params={"status": "resolved"}).json()["disputes"]
    assert [d["reference"] for d in resolved] == [first["reference"]]
    assert_error(bank.get("/v1/staff/disputes", headers=STAFF, params={"status": "lost"}), 400, "invalid_request")
    token = sign_in(bank)
    assert bank.get(f"/v1/disputes/{first['reference']}", token=token).json()["status"] == "resolved"
    rejected = bank.post(f"/v1/staff/disputes/{second['reference']}/status", headers=STAFF, json={"status": "rejected"})
    assert rejected.json()["status"] == "rejected"  # settled straight from open


def test_the_delays_count_working_days_from_the_day_in_paris(tmp_path: Path):
    # Thursday 2026-06-11 22:30 UTC is already Friday in Paris: reviewed by Tuesday (the weekend skipped), not Monday.
    clock = TestClock(datetime(2026, 6, 11, 22, 30, tzinfo=timezone.utc))
    assert clock() > START
    with running_core_bank(tmp_path, clock=clock) as bank:
        token = sign_in(bank)
        case = dispute(bank, token, "d-1", a_transaction(bank, token, small_card_payment)["transaction_id"]).json()
    assert (date.fromisoformat(case["review_by"]), date.fromisoformat(case["resolve_by"])) == (date(2026, 6, 16), date(2026, 7, 24))


# --- the rule itself ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reason", "amount", "advisor_reason"),
    [
        ("charged_twice", "-150.00", None),  # at the threshold: not above it
        ("charged_twice", "-150.01", "amount_above_threshold"),
        ("wrong_amount", "-0.01", None),
        ("not_received", "-900.00", "amount_above_threshold"),
        ("not_recognised", "-1.00", "possible_fraud"),
        ("not_recognised", "-900.00", "possible_fraud"),  # fraud first
        ("other", "-20.00", "reason_other"),
        ("other", "-200.00", "amount_above_threshold"),
    ],
)
def test_the_advisor_rule_reads_the_threshold_from_the_bank_facts(reason: str, amount: str, advisor_reason):
    rules = DisputeRules.from_facts()
    assert rules.advisor_threshold == THRESHOLD and (rules.review_days, rules.resolution_days) == (2, 30)
    assert rules.advisor_reason(reason, Decimal(amount)) == advisor_reason


@pytest.mark.parametrize(
    ("day", "months", "earlier"),
    [(date(2026, 6, 11), 13, date(2025, 5, 11)), (date(2026, 3, 31), 1, date(2026, 2, 28)),
     (date(2024, 3, 30), 1, date(2024, 2, 29)), (date(2026, 1, 15), 13, date(2024, 12, 15))],
)
def test_months_before(day: date, months: int, earlier: date):
    assert months_before(day, months) == earlier
