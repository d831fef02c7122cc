"""/openapi.json against what the core bank really answers, so that the document cannot drift from the code.

Every response of every core bank test is already checked against the document by the test client
(core_bank_contract.ContractCheck). Here: the document is the one generated from the contract and
is valid; every documented status of every operation, and every documented error code, is really
answered (and checked); and the check itself fails on a response that drifts.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterator, Optional

import pytest
import requests

from bot.core_bank.contract.document import openapi_document
from bot.core_bank.seed import DEMO_ACCOUNT_IDS, DEMO_CARD_IDS, DEMO_PAYEE_IDS, DEMO_PHONE
from tests.core_bank.core_bank_contract import ContractCheck
from tests.core_bank.core_bank_everyday_answers import every_everyday_answer
from tests.core_bank.core_bank_fixtures import SERVICE_HEADERS, CoreBankTestClient, running_core_bank

CURRENT, SAVINGS = DEMO_ACCOUNT_IDS["current"], DEMO_ACCOUNT_IDS["savings"]
TOM = DEMO_PAYEE_IDS["tom"]
TOO_LARGE = json.dumps({"padding": "x" * 70_000})
NO_DATABASE_BEHIND = {"health", "openapi", "listSmsOutbox"}  # nothing there can fail as a 500 on purpose
SPENDING_READS = (f"/v1/accounts/{CURRENT}/transactions/search", f"/v1/accounts/{CURRENT}/recurring-payments",
                  f"/v1/accounts/{CURRENT}/spending")


def to_tom(amount: str, **changes: Any) -> dict[str, Any]:
    return {"from_account_id": CURRENT, "amount": amount, "currency": "EUR", "payee_id": TOM, **changes}


def checked(amount: str) -> dict[str, Any]:
    """An amount to check before any payee."""
    return {"from_account_id": CURRENT, "amount": amount, "currency": "EUR"}


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


# --- the document ---------------------------------------------------------------------------


def test_the_served_document_is_the_contracts_and_every_reference_resolves(tmp_path: Path):
    with running_core_bank(tmp_path) as bank:
        served = bank.get("/openapi.json").json()

    assert served == json.loads(json.dumps(openapi_document(dev_mode=True)))
    check = ContractCheck(served)  # the schemas are valid JSON Schema
    assert check.unresolved_references() == []
    for item in served["paths"].values():
        for operation in item.values():
            for status, response in operation["responses"].items():
                if int(status) >= 400:
                    assert response["x-error-codes"], (operation["operationId"], status)
    assert served["components"]["securitySchemes"] == {"bearerAuth": {"type": "http", "scheme": "bearer"}}
    assert "Errors are always" in served["info"]["description"]


# --- every documented answer, really answered -------------------------------------------------


def prepare(bank: CoreBankTestClient, token: str, transfer: dict[str, Any]) -> tuple[str, str]:
    prepared = bank.post("/v1/transfers/prepare", token=token, json=transfer)
    assert prepared.status_code == 201, prepared.text
    return prepared.json()["challenge_id"], bank.last_code()


def execute(bank: CoreBankTestClient, token: Optional[str], key: str, transfer: dict, challenge_id: str, code: str):
    return bank.post_idempotent("/v1/transfers", token, key, json={**transfer, "challenge_id": challenge_id, "code": code})


def every_success_and_common_refusal(bank: CoreBankTestClient) -> None:
    """Each operation's success, malformed bodies and queries, no token, bad keys, oversized bodies."""
    bank.get("/health")
    bank.get("/openapi.json")
    bank.get("/dev/sms-outbox", params={"to": "12"})
    bank.get("/v1/nothing-here")
    bank.get("/v1/otp/challenges")
    bank.get("/v1/loan-products")
    bank.get("/v1/bank/facts")
    bank.post("/v1/loan-quotes", json={"product": "personal", "amount": "10000.00", "term_months": 36})
    bank.post("/v1/loan-quotes", json={"product": "personal", "amount": "500.00", "term_months": 36})
    for path in ("/v1/otp/challenges", "/v1/otp/challenges/x/verify", "/v1/loan-quotes"):
        bank.post(path, json=[])
        bank.post(path, data=TOO_LARGE, headers={"Content-Type": "application/json"})
    bank.start_challenge(phone="12")
    bank.start_challenge(customer_number="999999")
    bank.start_challenge(channel="messenger", channel_user_id="psid-unknown")  # no service token
    bank.start_challenge(headers=SERVICE_HEADERS, channel="messenger", channel_user_id="psid-unknown")

    challenge_id = bank.start_challenge().json()["challenge_id"]
    code = bank.last_code()
    bank.verify(challenge_id, "12345")
    bank.verify(challenge_id, wrong(code))
    bank.verify("no-such-challenge", code)
    link = {"channel": "messenger", "channel_user_id": "psid-1"}
    bank.verify(challenge_id, code, link=link)  # no service token
    token = bank.verify(challenge_id, code, headers=SERVICE_HEADERS, link=link).json()["access_token"]
    bank.verify(challenge_id, code)  # used
    bank.start_challenge(headers=SERVICE_HEADERS, **link)

    reads = ["/v1/me", "/v1/accounts", f"/v1/accounts/{CURRENT}/transactions", f"/v1/accounts/{CURRENT}/details",
             "/v1/cards", "/v1/card-orders", "/v1/loan-applications", "/v1/payees"]
    for path in reads:
        bank.get(path, token=token)
        bank.get(path)
    bank.get(f"/v1/accounts/{CURRENT}/transactions", token=token, params={"limit": "ten"})
    bank.get("/v1/accounts/acc_nope/transactions", token=token)
    bank.get("/v1/accounts/acc_nope/details", token=token)
    for path in SPENDING_READS:  # search, recurring payments, spending: each answer
        bank.get(path, token=token)
        bank.get(path)
        bank.get(path, token=token, params={"time_zone": "Mars/Olympus"})
        bank.get(path.replace(CURRENT, "acc_nope"), token=token)

    writes = [("/v1/cards/x/block", False), ("/v1/card-orders", True), ("/v1/loan-applications", True),
              ("/v1/transfers/check", False), ("/v1/transfers/prepare", False), ("/v1/transfers", True)]
    for path, idempotent in writes:
        headers = {"Content-Type": "application/json", **({"Idempotency-Key": "k-common"} if idempotent else {})}
        bank.post(path, token=token, json={}, headers=headers)
        bank.post(path, json={}, headers=headers)
        bank.post(path, token=token, data=TOO_LARGE, headers=headers)
        if idempotent:
            bank.post(path, token=token, json={})

    bank.post(f"/v1/cards/{DEMO_CARD_IDS['debit']}/block", token=token, json={"reason": "lost"})
    bank.post("/v1/cards/card_nope/block", token=token, json={"reason": "lost"})
    orders = "/v1/card-orders"
    replacement = {"kind": "debit", "account_id": CURRENT, "replaces_card_id": DEMO_CARD_IDS["debit"]}
    bank.post_idempotent(orders, token, "order-1", json=replacement)
    bank.post_idempotent(orders, token, "order-1", json=replacement)  # replayed
    bank.post_idempotent(orders, token, "order-1", json={"kind": "credit", "account_id": CURRENT})
    bank.post_idempotent(orders, token, "order-2", json=replacement)
    bank.post_idempotent(orders, token, "order-3", json={"kind": "debit", "account_id": CURRENT})
    bank.post_idempotent(orders, token, "order-4", json={"kind": "credit", "account_id": CURRENT})
    bank.post_idempotent(orders, token, "order-5", json={"kind": "debit", "account_id": SAVINGS})
    bank.post_idempotent(orders, token, "order-6", json={"kind": "debit", "account_id": "acc_nope"})
    bank.post_idempotent(orders, token, "order-7", json={**replacement, "replaces_card_id": "card_nope"})
    loan = {"product": "personal", "amount": "10000.00", "term_months": 36}
    bank.post_idempotent("/v1/loan-applications", token, "loan-1", json=loan)
    bank.post_idempotent("/v1/loan-applications", token, "loan-2", json={**loan, "term_months": 120})

    bank.request("DELETE", "/v1/session")
    bank.request("DELETE", "/v1/session", token=token)


def every_transfer_answer(tmp_path: Path) -> Iterator[CoreBankTestClient]:
    """Transfers: success, each rule's refusal, and each refusal of the code."""
    with running_core_bank(tmp_path / "transfers", OTP_CHALLENGES_PER_WINDOW="100", TRANSFER_LIMIT_DAILY="400.00") as bank:
        token = bank.sign_in()
        for refused in (to_tom("250.01"), to_tom("20.00", currency="USD"), to_tom("20.00", payee_id="payee_nope"),
                        to_tom("20.00", from_account_id="acc_nope"), to_tom("20.00", payee_id=None, payee_phone=DEMO_PHONE),
                        to_tom("20.00", payee_id=None, payee_phone="12")):
            bank.post("/v1/transfers/prepare", token=token, json=refused)
            check = {k: v for k, v in refused.items() if k in ("from_account_id", "amount", "currency")}
            bank.post("/v1/transfers/check", token=token, json=check)
        bank.post("/v1/transfers/check", token=token, json=checked("20.00"))
        challenge_id, code = prepare(bank, token, to_tom("250.00"))
        execute(bank, token, "t-1", to_tom("250.00"), challenge_id, "12345")
        execute(bank, token, "t-1", to_tom("250.00"), challenge_id, wrong(code))
        execute(bank, token, "t-1", to_tom("250.00"), "no-such-challenge", code)
        execute(bank, token, "t-1", to_tom("250.00"), challenge_id, code)
        execute(bank, token, "t-1", to_tom("250.00"), challenge_id, code)  # replayed
        execute(bank, token, "t-2", to_tom("250.00"), challenge_id, code)  # used
        challenge_id, code = prepare(bank, token, to_tom("100.00"))
        execute(bank, token, "t-3", to_tom("110.00"), challenge_id, code)  # another transaction: burnt
        challenge_id, code = prepare(bank, token, to_tom("20.00"))
        bank.clock.advance(seconds=301)
        execute(bank, token, "t-4", to_tom("20.00"), challenge_id, code)  # expired
        bank.post("/v1/transfers/prepare", token=token, json=to_tom("200.00"))  # 150.00 left today
        bank.post("/v1/transfers/check", token=token, json=checked("200.00"))
        yield bank
    with running_core_bank(tmp_path / "funds", TRANSFER_LIMIT_PER_TRANSFER="5000.00", TRANSFER_LIMIT_DAILY="10000.00") as rich:
        rich_token = rich.sign_in()
        rich.post("/v1/transfers/prepare", token=rich_token, json=to_tom("2450.32"))
        rich.post("/v1/transfers/check", token=rich_token, json=checked("2450.32"))
        yield rich


def locks_and_windows(tmp_path: Path) -> Iterator[CoreBankTestClient]:
    """Too many codes in the window; then too many wrong codes: the lock, everywhere a code is involved. (Sign-in
    codes are counted for this client's address, transaction codes for the customer signed in.)"""
    with running_core_bank(tmp_path / "window", OTP_CHALLENGES_PER_WINDOW="3") as bank:
        token = bank.sign_in()
        for _ in range(3):
            prepare(bank, token, to_tom("20.00"))
        bank.post("/v1/transfers/prepare", token=token, json=to_tom("20.00"))
        for _ in range(3):
            bank.start_challenge()
        yield bank
    with running_core_bank(tmp_path / "lock", OTP_MAX_FAILURES="2", OTP_CHALLENGES_PER_WINDOW="100") as bank:
        token = bank.sign_in()
        challenge_id, code = prepare(bank, token, to_tom("20.00"))
        execute(bank, token, "l-1", to_tom("20.00"), challenge_id, wrong(code))
        execute(bank, token, "l-2", to_tom("20.00"), challenge_id, wrong(code))  # locks
        execute(bank, token, "l-3", to_tom("20.00"), challenge_id, code)
        bank.post("/v1/transfers/prepare", token=token, json=to_tom("20.00"))
        challenge_id = bank.start_challenge().json()["challenge_id"]
        for _ in range(2):
            bank.verify(challenge_id, "000000")
        bank.start_challenge()
        yield bank
    with running_core_bank(tmp_path / "verify-lock", OTP_MAX_FAILURES="1") as bank:
        challenge_id = bank.start_challenge().json()["challenge_id"]
        bank.verify(challenge_id, wrong(bank.last_code()))  # the wrong code that locks
        bank.clock.advance(minutes=31)
        expired = bank.start_challenge().json()["challenge_id"]
        bank.clock.advance(minutes=6)
        bank.verify(expired, bank.last_code())
        yield bank


def failures_without_a_database(tmp_path: Path) -> Iterator[CoreBankTestClient]:
    """The database gone: every operation that needs it answers 500 internal_error, and nothing more."""
    with running_core_bank(tmp_path / "gone") as bank:
        token = bank.sign_in()
        bank.database_path.unlink()
        with_key = {"Idempotency-Key": "k-500"}
        bank.start_challenge()
        bank.verify("x", "123456")
        bank.get("/v1/loan-products")
        bank.get("/v1/bank/facts")
        bank.post("/v1/loan-quotes", json={"product": "personal", "amount": "10000.00", "term_months": 36})
        for path in ("/v1/me", "/v1/accounts", f"/v1/accounts/{CURRENT}/transactions", f"/v1/accounts/{CURRENT}/details",
                     "/v1/cards", "/v1/card-orders", "/v1/loan-applications", "/v1/payees"):
            bank.get(path, token=token)
        for path in SPENDING_READS:
            bank.get(path, token=token)
        bank.post(f"/v1/cards/{DEMO_CARD_IDS['debit']}/block", token=token, json={"reason": "lost"})
        bank.post("/v1/card-orders", token=token, headers=with_key, json={"kind": "debit", "account_id": CURRENT})
        bank.post("/v1/loan-applications", token=token, headers=with_key,
                  json={"product": "personal", "amount": "10000.00", "term_months": 36})
        bank.post("/v1/transfers/check", token=token, json=checked("20.00"))
        bank.post("/v1/transfers/prepare", token=token, json=to_tom("20.00"))
        bank.post("/v1/transfers", token=token, headers=with_key, json={**to_tom("20.00"), "challenge_id": "x", "code": "123456"})
        bank.request("DELETE", "/v1/session", token=token)
        yield bank


def test_every_documented_status_and_error_code_is_really_answered_as_documented(tmp_path: Path):
    seen: set[tuple[str, int, Optional[str]]] = set()
    with running_core_bank(tmp_path / "common", OTP_CHALLENGES_PER_WINDOW="100") as bank:
        every_success_and_common_refusal(bank)
        seen |= bank.contract.seen
        document = bank.contract.document
    for scenario in (every_transfer_answer, locks_and_windows, failures_without_a_database, every_everyday_answer):
        for scenario_bank in scenario(tmp_path):
            seen |= scenario_bank.contract.seen

    answered = {(operation, status) for operation, status, _ in seen}
    documented = {
        (operation["operationId"], int(status))
        for item in document["paths"].values()
        for operation in item.values()
        for status in operation["responses"]
        if not (status == "500" and operation["operationId"] in NO_DATABASE_BEHIND)
    }
    assert documented - answered == set(), "documented, never answered"
    codes = {code for item in document["paths"].values() for operation in item.values()
             for response in operation["responses"].values() for code in response.get("x-error-codes", [])}
    assert codes - {code for _, _, code in seen} == set(), "documented error codes never answered"
    assert ("GET /v1/nothing-here", 404, "not_found") in seen and ("GET /v1/otp/challenges", 405, "method_not_allowed") in seen


# --- the check fails on drift ----------------------------------------------------------------


def fake(check: ContractCheck, method: str, path: str, status: int, body: Any, request_body: Any = None,
         headers: Optional[dict[str, str]] = None) -> None:
    """Checks a response the bank never sent."""
    response = requests.Response()
    response.request = requests.Request(
        method, f"http://bank{path}", json=request_body, headers={"Content-Type": "application/json"}
    ).prepare()
    response.status_code = status
    response.headers.update({"Content-Type": "application/json", **(headers or {})})
    response._content = b"" if body is None else json.dumps(body).encode()
    check.check(response)


@pytest.fixture(scope="module")
def check() -> ContractCheck:
    return ContractCheck(json.loads(json.dumps(openapi_document(dev_mode=True))))


def test_the_check_passes_what_the_document_says(check: ContractCheck):
    fake(check, "GET", "/v1/payees", 200, {"payees": [{"payee_id": "p", "name": "Tom", "iban_masked": "FR76 •", "customer": True}]})
    fake(check, "GET", "/v1/me", 401, {"error": {"code": "unauthorized", "message": "m"}}, headers={"WWW-Authenticate": "Bearer"})
    fake(check, "DELETE", "/v1/session", 204, None)
    transaction = {"transaction_id": "t", "booked_at": "2026-06-11T09:30:00+00:00", "description": "Card payment — Fnac",
                   "amount": "-77.88", "currency": "EUR", "kind": "card_payment", "counterparty": "Fnac",
                   "category": "shopping", "merchant": "Fnac"}
    fake(check, "GET", "/v1/accounts/a/transactions", 200, {"transactions": [transaction], "next_before": None})
    fake(check, "GET", "/v1/accounts/a/transactions", 200,
         {"transactions": [{**transaction, "kind": "other", "counterparty": None, "category": "other", "merchant": None}],
          "next_before": None})


@pytest.mark.parametrize(
    "method, path, status, body, request_body, headers",
    [
        ("GET", "/v1/accounts", 200, {"accounts": [{"account_id": "a", "type": "current", "name": "n", "iban_masked": "i",
                                                      "currency": "EUR", "balance": 2450.31}]}, None, None),
        ("GET", "/v1/accounts/a/transactions", 200, {"transactions": []}, None, None),
        ("GET", "/v1/accounts/a/transactions", 200, {"transactions": [{"transaction_id": "t", "booked_at": "2026-06-11T09:30:00",
                                                                        "description": "d", "amount": "1.00", "currency": "EUR"}],
                                                      "next_before": None}, None, None),
        ("GET", "/v1/accounts/a/transactions", 200, {"transactions": [{"transaction_id": "t", "booked_at": "2026-06-11T09:30:00+00:00",
                                                                        "description": "d", "amount": "1.00", "currency": "EUR",
                                                                        "kind": "lottery_win", "counterparty": None}],
                                                      "next_before": None}, None, None),
        ("GET", "/v1/accounts/a/transactions", 200, {"transactions": [{"transaction_id": "t", "booked_at": "2026-06-11T09:30:00+00:00",
                                                                        "description": "d", "amount": "1.00", "currency": "EUR"}],
                                                      "next_before": None}, None, None),
        ("GET", "/v1/payees", 200, {"payees": [], "total": 0}, None, None),
        ("GET", "/v1/payees", 418, {"error": {"code": "teapot", "message": "m"}}, None, None),
        ("GET", "/v1/accounts/a/transactions", 404, {"error": {"code": "card_not_found", "message": "m"}}, None, None),
        ("GET", "/v1/me", 401, {"error": {"code": "unauthorized", "message": "m"}}, None, None),
        ("GET", "/v1/me", 401, {"error": {"code": "unauthorized"}}, None, {"WWW-Authenticate": "Bearer"}),
        ("POST", "/v1/loan-quotes", 200, {"product": "personal", "amount": "1.00", "currency": "EUR", "term_months": 1,
                                          "apr": "1.00", "monthly_payment": "1.00", "total_repaid": "1.00",
                                          "total_interest": "0.00"}, {"product": "personal", "amount": "1", "term_months": 1,
                                                                      "rate": "0.5"}, None),
        ("DELETE", "/v1/session", 204, {"revoked": True}, None, None),
        ("GET", "/v1/appointment-slots", 200, {"timezone": "Europe/Paris", "slots": [{
            "slot_id": "s", "starts_at": "2026-06-12T07:30:00+00:00", "ends_at": "2026-06-12T08:15:00+00:00",
            "advisor": {"advisor_id": "a", "name": "n", "channels": ["phone"], "branch": "Paris"}}]}, None, None),
        ("GET", "/v1/nothing", 200, {}, None, None),
    ],
)
def test_the_check_fails_on_drift(check: ContractCheck, method: str, path: str, status: int, body: Any,
                                  request_body: Any, headers: Optional[dict[str, str]]):
    with pytest.raises(AssertionError):
        fake(check, method, path, status, body, request_body, headers)
