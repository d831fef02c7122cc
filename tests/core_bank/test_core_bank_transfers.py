"""Transfers over HTTP against the core bank served in this process: prepare, the code bound to the
transaction read from /dev/sms-outbox, execute, idempotency, refusals, limits from the environment."""
from __future__ import annotations

import re
import threading
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterator

import pytest
import requests

from bot.core_bank.seed import DEMO_ACCOUNT_IDS, DEMO_PAYEE_IDS, DEMO_PHONE
from tests.core_bank.core_bank_fixtures import CoreBankTestClient, running_core_bank
from tests.core_bank.core_bank_api_support import assert_error, parse_time

TOM_NUMBER, TOM_PHONE = "100003", "+33611223344"
CURRENT = DEMO_ACCOUNT_IDS["current"]


def to_tom(amount: str, **changes: Any) -> dict[str, Any]:
    return {"from_account_id": CURRENT, "amount": amount, "currency": "EUR", "payee_id": DEMO_PAYEE_IDS["tom"], **changes}


def balances(bank: CoreBankTestClient, token: str) -> dict[str, Decimal]:
    return {a["type"]: Decimal(a["balance"]) for a in bank.get("/v1/accounts", token=token).json()["accounts"]}


def prepare(bank: CoreBankTestClient, token: str, transfer: dict[str, Any]) -> tuple[str, str]:
    """(challenge_id, code read from the SMS)"""
    prepared = bank.post("/v1/transfers/prepare", token=token, json=transfer)
    assert prepared.status_code == 201, prepared.text
    return prepared.json()["challenge_id"], bank.last_code()


def execute(bank: CoreBankTestClient, token: str, key: str, transfer: dict[str, Any], challenge_id: str, code: str) -> requests.Response:
    return bank.post_idempotent("/v1/transfers", token, key, json={**transfer, "challenge_id": challenge_id, "code": code})


@pytest.fixture
def bank(tmp_path: Path) -> Iterator[CoreBankTestClient]:
    with running_core_bank(tmp_path) as running:
        yield running


def test_a_transfer_end_to_end(bank: CoreBankTestClient):
    token = bank.sign_in()
    assert balances(bank, token)["current"] == Decimal("2450.31")

    prepared = bank.post("/v1/transfers/prepare", token=token, json=to_tom("20.00"))
    assert prepared.status_code == 201, prepared.text
    body = prepared.json()
    assert body["sent_to"] == "+33 •••••••78"
    assert body["transfer"] == {"from_account_id": CURRENT, "payee_name": "Tom Bernard", "amount": "20.00", "currency": "EUR"}
    parse_time(body["expires_at"])
    sms = bank.last_sms()
    assert re.match(r"Code [0-9]{6} to send €20\.00 to Tom Bernard\. It expires in 5 minutes\.", sms), sms
    code = bank.last_code()

    executed = execute(bank, token, "transfer-key-1", to_tom("20.00"), body["challenge_id"], code)
    assert executed.status_code == 201, executed.text
    receipt = executed.json()
    assert re.fullmatch(r"TR-[A-Z0-9]{8}", receipt["reference"])
    assert {k: v for k, v in receipt.items() if k not in ("reference", "executed_at")} == {
        "status": "executed",
        "amount": "20.00",
        "currency": "EUR",
        "payee_name": "Tom Bernard",
        "from_account_id": CURRENT,
        "balance_after": "2430.31",
    }
    parse_time(receipt["executed_at"])
    assert balances(bank, token)["current"] == Decimal("2430.31")
    latest = bank.get(f"/v1/accounts/{CURRENT}/transactions", token=token, params={"limit": 1}).json()["transactions"][0]
    assert (latest["description"], latest["amount"]) == ("Transfer to Tom Bernard", "-20.00")
    assert (latest["kind"], latest["counterparty"]) == ("transfer_out", "Tom Bernard")

    tom = bank.sign_in(TOM_NUMBER, TOM_PHONE)
    assert balances(bank, tom)["current"] == Decimal("632.08")
    tom_account = bank.get("/v1/accounts", token=tom).json()["accounts"][0]["account_id"]
    received = bank.get(f"/v1/accounts/{tom_account}/transactions", token=tom, params={"limit": 1}).json()["transactions"][0]
    assert (received["description"], received["amount"]) == ("Transfer from Alex Martin", "20.00")
    assert (received["kind"], received["counterparty"]) == ("transfer_in", "Alex Martin")

    # The same request again: the same answer, nothing booked again.
    repeat = execute(bank, token, "transfer-key-1", to_tom("20.00"), body["challenge_id"], code)
    assert (repeat.status_code, repeat.json(), repeat.headers["Idempotent-Replayed"]) == (201, receipt, "true")
    assert balances(bank, token)["current"] == Decimal("2430.31")
    assert balances(bank, tom)["current"] == Decimal("632.08")
    assert_error(execute(bank, token, "transfer-key-1", to_tom("25.00"), body["challenge_id"], code), 422, "idempotency_key_reused")
    assert_error(execute(bank, token, "transfer-key-2", to_tom("20.00"), body["challenge_id"], code), 409, "otp_used")

    log = bank.log_text()
    assert receipt["reference"] in log  # the log is really being written
    for secret in (code, token, DEMO_PHONE, "612345678", "Tom Bernard"):
        assert secret not in log


def test_identical_transfers_sent_at_once_book_once(bank: CoreBankTestClient):
    token = bank.sign_in()
    transfer = {"from_account_id": CURRENT, "amount": "42.00", "currency": "EUR", "payee_phone": "06 11 22 33 44"}
    challenge_id, code = prepare(bank, token, transfer)
    assert "to send €42.00 to Tom Bernard" in bank.last_sms()
    start = threading.Barrier(4)
    answers: list[requests.Response] = []

    def send() -> None:
        start.wait()
        answers.append(execute(bank, token, "racing-key", transfer, challenge_id, code))

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert [a.status_code for a in answers] == [201] * 4, [a.text for a in answers]
    assert len({a.json()["reference"] for a in answers}) == 1
    assert balances(bank, token)["current"] == Decimal("2408.31")


def test_no_transfer_without_a_code_bound_to_it(bank: CoreBankTestClient):
    token = bank.sign_in()
    transfer = to_tom("20.00")

    # A token alone, or a sign-in code, moves nothing.
    assert_error(bank.post_idempotent("/v1/transfers", token, "k0", json=transfer), 400, "invalid_request")
    sign_in = bank.start_challenge().json()["challenge_id"]
    mismatch = assert_error(execute(bank, token, "k1", transfer, sign_in, bank.last_code()), 422, "otp_binding_mismatch")
    assert mismatch["attempts_left"] == 4

    # A code for 20.00 does not send 200.00, and is burnt by the attempt.
    challenge_id, code = prepare(bank, token, transfer)
    changed = assert_error(execute(bank, token, "k2", to_tom("200.00"), challenge_id, code), 422, "otp_binding_mismatch")
    assert changed["attempts_left"] == 3
    assert_error(execute(bank, token, "k3", transfer, challenge_id, code), 409, "otp_used")

    # A wrong code counts; the right one then works.
    challenge_id, code = prepare(bank, token, transfer)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    assert assert_error(execute(bank, token, "k4", transfer, challenge_id, wrong), 401, "otp_invalid")["attempts_left"] == 2
    assert_error(execute(bank, token, "k4", transfer, challenge_id, "12345"), 400, "invalid_request")
    assert_error(bank.post("/v1/transfers", token=token, json={**transfer, "challenge_id": challenge_id, "code": code}), 400, "invalid_request")
    assert execute(bank, token, "k4", transfer, challenge_id, code).status_code == 201
    assert balances(bank, token)["current"] == Decimal("2430.31")

    # Another customer's challenge is unknown to this one.
    challenge_id, code = prepare(bank, token, transfer)
    tom = bank.sign_in(TOM_NUMBER, TOM_PHONE)
    to_alex = {"from_account_id": bank.get("/v1/accounts", token=tom).json()["accounts"][0]["account_id"],
               "amount": "20.00", "currency": "EUR", "payee_phone": DEMO_PHONE}
    assert_error(execute(bank, tom, "k5", to_alex, challenge_id, code), 404, "challenge_not_found")


def test_prepare_refusals(bank: CoreBankTestClient):
    token = bank.sign_in()
    prepare_path = "/v1/transfers/prepare"
    refusals = [
        (to_tom("250.01"), 422, "limit_exceeded"),
        (to_tom("20.00", payee_id="payee_nope"), 404, "payee_not_found"),
        (to_tom("20.00", from_account_id="acc_nope"), 404, "account_not_found"),
        (to_tom("20.00", currency="USD"), 422, "currency_not_supported"),
        (to_tom("20.00", payee_id=None, payee_phone="+33 6 12 34 56 78"), 422, "same_account"),  # null is absent
        ({"from_account_id": CURRENT, "amount": "20.00", "currency": "EUR", "payee_phone": "+33 6 99 99 99 99"}, 404, "payee_not_found"),
        ({"from_account_id": CURRENT, "amount": "20.00", "currency": "EUR"}, 400, "invalid_request"),
        (to_tom("20.00", payee_phone=TOM_PHONE), 400, "invalid_request"),
        (to_tom("20.00", payee_id=None, payee_phone="12"), 400, "invalid_request"),
        (to_tom("20.001"), 400, "invalid_request"),
        (to_tom("0.00"), 400, "invalid_request"),
        (to_tom(20), 400, "invalid_request"),
        (to_tom("20.00", currency="eur"), 400, "invalid_request"),
        (to_tom("20.00", memo="rent"), 400, "invalid_request"),
    ]
    for body, status, code in refusals:
        error = assert_error(bank.post(prepare_path, token=token, json=body), status, code)
        if code == "limit_exceeded":
            assert error["limit"] == "250.00"
    assert bank.get("/dev/sms-outbox", params={"to": DEMO_PHONE}).json()["messages"][0]["text"].startswith("Your bank chat code")


def test_limits_come_from_the_environment(tmp_path: Path):
    with running_core_bank(tmp_path, TRANSFER_LIMIT_PER_TRANSFER="30.00", TRANSFER_LIMIT_DAILY="40.00") as bank:
        token = bank.sign_in()

        over = assert_error(bank.post("/v1/transfers/prepare", token=token, json=to_tom("30.01")), 422, "limit_exceeded")
        assert over["limit"] == "30.00" and "30.00 EUR" in over["message"]
        challenge_id, code = prepare(bank, token, to_tom("30.00"))
        assert execute(bank, token, "k1", to_tom("30.00"), challenge_id, code).status_code == 201

        daily = assert_error(bank.post("/v1/transfers/prepare", token=token, json=to_tom("20.00")), 422, "daily_limit_exceeded")
        assert (daily["limit"], daily["remaining"]) == ("40.00", "10.00")
        assert bank.post("/v1/transfers/prepare", token=token, json=to_tom("10.00")).status_code == 201


def test_insufficient_funds_with_a_high_limit(tmp_path: Path):
    with running_core_bank(tmp_path, TRANSFER_LIMIT_PER_TRANSFER="5000.00", TRANSFER_LIMIT_DAILY="10000.00") as bank:
        token = bank.sign_in()

        assert_error(bank.post("/v1/transfers/prepare", token=token, json=to_tom("2450.32")), 422, "insufficient_funds")
        challenge_id, code = prepare(bank, token, to_tom("2450.31"))
        receipt = execute(bank, token, "k1", to_tom("2450.31"), challenge_id, code).json()
        assert receipt["balance_after"] == "0.00"


def test_an_amount_is_checked_before_any_payee_with_the_refusals_of_prepare(tmp_path: Path):
    with running_core_bank(tmp_path, TRANSFER_LIMIT_PER_TRANSFER="30.00", TRANSFER_LIMIT_DAILY="40.00") as bank:
        token = bank.sign_in()
        check_path = "/v1/transfers/check"
        amount = {"from_account_id": CURRENT, "currency": "EUR"}
        sms_before = bank.get("/dev/sms-outbox", params={"to": DEMO_PHONE}).json()["messages"]

        passed = bank.post(check_path, token=token, json={**amount, "amount": "30.00"})
        assert passed.status_code == 200, passed.text
        assert passed.json() == {**amount, "amount": "30.00", "remaining_today": "40.00"}
        over = assert_error(bank.post(check_path, token=token, json={**amount, "amount": "30.01"}), 422, "limit_exceeded")
        prepared_over = bank.post("/v1/transfers/prepare", token=token, json=to_tom("30.01")).json()["error"]
        assert over == prepared_over  # the same refusal, word for word

        challenge_id, code = prepare(bank, token, to_tom("30.00"))
        assert execute(bank, token, "k1", to_tom("30.00"), challenge_id, code).status_code == 201
        daily = assert_error(bank.post(check_path, token=token, json={**amount, "amount": "20.00"}), 422, "daily_limit_exceeded")
        assert (daily["limit"], daily["remaining"]) == ("40.00", "10.00")
        assert bank.post(check_path, token=token, json={**amount, "amount": "10.00"}).json()["remaining_today"] == "10.00"

        refusals = [
            ({**amount, "amount": "20.00", "currency": "USD"}, 422, "currency_not_supported"),
            ({**amount, "amount": "20.00", "from_account_id": "acc_nope"}, 404, "account_not_found"),
            ({**amount, "amount": "0.00"}, 400, "invalid_request"),
            ({**amount, "amount": "20.00", "payee_id": DEMO_PAYEE_IDS["tom"]}, 400, "invalid_request"),  # no payee here
            ({"from_account_id": CURRENT, "amount": "20.00"}, 400, "invalid_request"),
        ]
        for body, status, code in refusals:
            assert_error(bank.post(check_path, token=token, json=body), status, code)
        assert bank.post(check_path, json={**amount, "amount": "10.00"}).status_code == 401

        sent = bank.get("/dev/sms-outbox", params={"to": DEMO_PHONE}).json()["messages"]
        assert len(sent) == len(sms_before) + 1  # the one code of the transfer made; checking sent none
        assert balances(bank, token)["current"] == Decimal("2420.31")


def test_checking_funds_with_a_high_limit(tmp_path: Path):
    with running_core_bank(tmp_path, TRANSFER_LIMIT_PER_TRANSFER="5000.00", TRANSFER_LIMIT_DAILY="10000.00") as bank:
        token = bank.sign_in()
        amount = {"from_account_id": CURRENT, "currency": "EUR"}
        assert_error(bank.post("/v1/transfers/check", token=token, json={**amount, "amount": "2450.32"}), 422,
                     "insufficient_funds")
        assert bank.post("/v1/transfers/check", token=token, json={**amount, "amount": "2450.31"}).status_code == 200
