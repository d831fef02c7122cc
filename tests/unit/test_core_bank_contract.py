"""The core bank's contract models on their own: what they accept and refuse, how money and times
travel, and what they (and the action server's client) may import."""
from __future__ import annotations

import ast
import subprocess
import sys
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import ValidationError

from actions.banking import UNAVAILABLE, BankError, CoreBank, _refusal, asked
from bot.core_bank.contract import customers, loans, otp, transfers
from bot.core_bank.contract.categories import TRANSACTION_CATEGORIES
from bot.core_bank.contract.errors import Error, ErrorDetail
from bot.core_bank.contract.wire import explain, format_time

CONTRACT = Path(__file__).resolve().parents[2] / "bot" / "core_bank" / "contract"
PROJECT_ROOT = CONTRACT.parents[2]


def refusal(model, raw: dict) -> str:
    with pytest.raises(ValidationError) as caught:
        model.parse_obj(raw)
    return explain(caught.value)


# --- boundaries -------------------------------------------------------------------------


def test_the_contract_imports_only_pydantic_the_standard_library_and_itself():
    for module in sorted(CONTRACT.glob("*.py")):
        for node in ast.walk(ast.parse(module.read_text())):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                allowed = top in sys.stdlib_module_names or top in ("__future__", "pydantic")
                assert allowed or name.startswith("bot.core_bank.contract"), f"{module.name} imports {name}"


def test_the_action_servers_client_loads_no_part_of_the_bank_but_its_contract():
    probe = (
        "import sys, actions.banking; "
        "print(sorted(m for m in sys.modules if m.startswith('bot.core_bank') or m.split('.')[0] in ('sanic', 'sqlalchemy')))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", probe], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True
    ).stdout
    modules = ast.literal_eval(loaded.strip())
    assert "bot.core_bank.contract.wire" in modules
    assert [m for m in modules if not m.startswith("bot.core_bank.contract") and m != "bot.core_bank"] == []


# --- requests: refusals name the field ------------------------------------------------------


@pytest.mark.parametrize(
    "raw, sentence",
    [
        ({}, "Give exactly one of customer_number, phone, or channel with channel_user_id."),
        ({"customer_number": "100001", "phone": "+33612345678"}, "(got customer_number, phone)."),
        ({"customer_number": 100001}, "customer_number must be a non-empty string."),
        ({"customer_number": None}, "customer_number must be a non-empty string."),
        ({"customer_number": "12a"}, "customer_number must be digits only."),
        ({"customer_number": "100001", "pin": "0000"}, "Unknown field(s) in the body: pin."),
        ({"channel": "messenger"}, "channel_user_id must be a non-empty string."),
        ({"channel": "Messenger!", "channel_user_id": "psid"}, "channel must be a short lowercase name"),
        ({"channel": "messenger", "channel_user_id": "p" * 257}, "channel_user_id is longer than 256 characters."),
    ],
)
def test_a_challenge_request_names_the_customer_in_exactly_one_way(raw: dict, sentence: str):
    assert sentence in refusal(otp.ChallengeRequest, raw)


def test_a_challenge_request_keeps_what_it_accepts_stripped():
    assert otp.ChallengeRequest.parse_obj({"phone": " 06 12 34 56 78 "}).wire() == {"phone": "06 12 34 56 78"}


@pytest.mark.parametrize(
    "raw, sentence",
    [
        ({}, "code is required."),
        ({"code": 123456}, "code must be a string of exactly 6 digits."),
        ({"code": "12345"}, "code must be a string of exactly 6 digits."),
        ({"code": "123456", "link": "psid"}, "link must be an object with channel and channel_user_id."),
        ({"code": "123456", "link": {"channel": "messenger"}}, "link.channel_user_id is required."),
        ({"code": "123456", "link": {"channel": "messenger", "channel_user_id": "p", "x": 1}}, "in the link: x."),
    ],
)
def test_a_verify_request_needs_six_digits(raw: dict, sentence: str):
    assert sentence in refusal(otp.VerifyRequest, raw)


@pytest.mark.parametrize(
    "changes, sentence",
    [
        ({"amount": 10000}, 'amount must be a string such as "20.00" (at most 2 decimals).'),
        ({"amount": "10000.001"}, "at most 2 decimals"),
        ({"amount": "-5.00"}, "at most 2 decimals"),
        ({"amount": "0.00"}, "amount must be more than 0."),
        ({"term_months": "36"}, "term_months must be a whole number of months."),
        ({"term_months": 36.5}, "term_months must be a whole number of months."),
        ({"term_months": True}, "term_months must be a whole number of months."),
        ({"product": "yacht"}, "product must be one of personal, car, home."),
        ({"rate": "1.00"}, "Unknown field(s) in the body: rate."),
    ],
)
def test_a_loan_request_is_refused_naming_the_field(changes: dict, sentence: str):
    raw = {"product": "personal", "amount": "10000.00", "term_months": 36, **changes}
    assert sentence in refusal(loans.LoanRequest, raw)


def test_an_amount_a_client_sends_becomes_a_decimal_with_cents():
    request = loans.LoanRequest.parse_obj({"product": "car", "amount": "5000.5", "term_months": 24})

    assert request.amount == Decimal("5000.50") and isinstance(request.amount, Decimal)
    assert request.wire() == {"product": "car", "amount": "5000.50", "term_months": 24}
    assert loans.LoanRequest(product="car", amount=Decimal("20"), term_months=12).wire()["amount"] == "20.00"


def test_a_transfer_names_exactly_one_payee_and_null_is_absent():
    base = {"from_account_id": "acc_1", "amount": "20.00", "currency": "EUR"}

    assert refusal(transfers.TransferRequest, base) == "Give exactly one of payee_id, payee_phone or to_account_id."
    assert refusal(transfers.TransferRequest, {**base, "payee_id": "p", "payee_phone": "+33611223344"}).startswith("Give")
    assert refusal(transfers.TransferRequest, {**base, "payee_id": "p", "currency": "eur"}).startswith("currency must be")
    accepted = transfers.TransferRequest.parse_obj({**base, "payee_id": None, "payee_phone": "06 11 22 33 44"})
    assert accepted.wire() == {**base, "payee_phone": "06 11 22 33 44"}


@pytest.mark.parametrize(
    "raw, sentence",
    [
        ({"limit": "ten"}, "limit must be a whole number."),
        ({"limit": "0"}, "limit must be between 1 and 100"),
        ({"limit": "101"}, "limit must be between 1 and 100"),
        ({"since": "2026-6-1"}, "since must be a date as YYYY-MM-DD."),
        ({"until": "2026-13-01"}, "until must be a date as YYYY-MM-DD."),
        ({"since": "2026-06-02", "until": "2026-06-01"}, "since must not be after until"),
    ],
)
def test_a_transactions_query_is_checked(raw: dict, sentence: str):
    assert refusal(customers.TransactionQuery, raw) == sentence


def test_a_transactions_query_reads_the_query_string():
    query = customers.TransactionQuery.parse_obj({"limit": "25", "since": "2026-06-01"})

    assert (query.limit, query.since, query.until, query.before) == (25, date(2026, 6, 1), None, None)
    assert customers.TransactionQuery.parse_obj({}).limit == 10


# --- responses: money and times ------------------------------------------------------------


def test_money_travels_as_strings_with_cents_and_comes_back_as_decimal():
    account = customers.Account(
        account_id="acc_1", type="current", name="Current account", iban_masked="FR76 •••• •••• 0123",
        currency="EUR", balance=Decimal("2450.3"),
    )

    assert account.wire()["balance"] == "2450.30"
    assert customers.Account.parse_obj(account.wire()).balance == Decimal("2450.30")
    for wrong in (2450.3, "2450.3", "2,450.30", None):
        with pytest.raises(ValidationError):
            customers.Account.parse_obj({**account.wire(), "balance": wrong})


def test_times_travel_in_utc_to_the_second_and_must_have_an_offset():
    paris = timezone(timedelta(hours=2))
    challenge = otp.Challenge(challenge_id="c", expires_at=datetime(2026, 6, 11, 11, 30, 5, 900, tzinfo=paris), sent_to="x")

    assert challenge.wire()["expires_at"] == "2026-06-11T09:30:05+00:00"
    assert otp.Challenge.parse_obj(challenge.wire()).expires_at == datetime(2026, 6, 11, 9, 30, 5, tzinfo=timezone.utc)
    for naive in ("2026-06-11T09:30:05", datetime(2026, 6, 11, 9, 30)):
        with pytest.raises(ValidationError):
            otp.Challenge(challenge_id="c", expires_at=naive, sent_to="x")
    with pytest.raises(ValueError):
        format_time(datetime(2026, 6, 11, 9, 30))


def test_a_response_names_every_field_and_nothing_more():
    page = {"transactions": [], "next_before": None}

    assert customers.TransactionPage.parse_obj(page).next_before is None
    with pytest.raises(ValidationError):
        customers.TransactionPage.parse_obj({"transactions": []})  # next_before is always there
    with pytest.raises(ValidationError):
        customers.TransactionPage.parse_obj({**page, "total": 0})


TRANSACTION = {"transaction_id": "t", "booked_at": "2026-06-11T09:30:00+00:00", "description": "Card payment — Fnac",
               "amount": "-77.88", "currency": "EUR", "kind": "card_payment", "counterparty": "Fnac",
               "category": "shopping", "merchant": "Fnac"}


def test_a_transaction_has_a_kind_of_the_contracts_and_a_counterparty_or_null():
    parsed = customers.Transaction.parse_obj(TRANSACTION)
    assert (parsed.kind, parsed.counterparty, parsed.description) == ("card_payment", "Fnac", "Card payment — Fnac")
    assert customers.Transaction.parse_obj({**TRANSACTION, "kind": "other", "counterparty": None}).counterparty is None
    assert parsed.wire() == TRANSACTION
    assert "other" in customers.TRANSACTION_KINDS and "transfer_out" in customers.TRANSACTION_KINDS
    for wrong in ({"kind": "lottery_win"}, {"kind": None}):
        with pytest.raises(ValidationError):
            customers.Transaction.parse_obj({**TRANSACTION, **wrong})
    for missing in ("kind", "counterparty"):  # always there, counterparty null when none
        with pytest.raises(ValidationError):
            customers.Transaction.parse_obj({k: v for k, v in TRANSACTION.items() if k != missing})


def test_a_transaction_has_a_category_of_the_contracts_and_a_merchant_or_null():
    parsed = customers.Transaction.parse_obj(TRANSACTION)
    assert (parsed.category, parsed.merchant) == ("shopping", "Fnac")
    salary = customers.Transaction.parse_obj({**TRANSACTION, "kind": "salary", "category": "income", "merchant": None})
    assert (salary.category, salary.merchant) == ("income", None)
    assert {"groceries", "restaurants", "transport", "bills", "shopping", "leisure", "cash", "other"} <= set(
        TRANSACTION_CATEGORIES
    )
    for wrong in ({"category": "crypto"}, {"category": None}, {"merchant": 12}):
        with pytest.raises(ValidationError):
            customers.Transaction.parse_obj({**TRANSACTION, **wrong})
    for missing in ("category", "merchant"):  # always there, merchant null when none
        with pytest.raises(ValidationError):
            customers.Transaction.parse_obj({k: v for k, v in TRANSACTION.items() if k != missing})


def test_the_document_lists_the_kinds_of_transactions():
    from bot.core_bank.contract.document import openapi_document

    schema = openapi_document(dev_mode=True)["components"]["schemas"]["Transaction"]
    assert {"kind", "counterparty", "description"} <= set(schema["required"])
    kind = schema["properties"]["kind"]
    assert set(kind.get("enum") or []) == set(customers.TRANSACTION_KINDS), kind
    assert schema["properties"]["counterparty"].get("nullable") is True
    assert set(schema["properties"]["category"].get("enum") or []) == set(TRANSACTION_CATEGORIES)
    assert schema["properties"]["merchant"].get("nullable") is True


def test_an_error_carries_only_the_details_it_has():
    locked = Error(error=ErrorDetail(code="otp_locked", message="Locked.", locked_until=datetime(2026, 6, 11, 10, tzinfo=timezone.utc)))
    out_of_range = Error(error=ErrorDetail(code="out_of_range", message="m", field="term_months", min=12, max=84))

    assert locked.wire() == {"error": {"code": "otp_locked", "message": "Locked.", "locked_until": "2026-06-11T10:00:00+00:00"}}
    assert out_of_range.details == {"field": "term_months", "min": 12, "max": 84}
    with pytest.raises(ValidationError):
        ErrorDetail(code="x", message="m", favourite_colour="blue")


# --- the client ---------------------------------------------------------------------------


def test_the_client_refuses_to_send_what_the_bank_would_refuse():
    with pytest.raises(BankError) as caught:
        asked(loans.LoanRequest, product="personal", amount=Decimal("10.001"), term_months=12)

    assert (caught.value.status, caught.value.code) == (400, "invalid_request")
    assert "at most 2 decimals" in caught.value.message


def test_the_client_reads_the_banks_errors_and_keeps_what_it_can_of_others():
    parsed = _refusal(422, {"error": {"code": "limit_exceeded", "message": "Too much.", "limit": "250.00"}})
    odd = _refusal(404, {"error": {"code": "gone", "message": "Gone.", "when": "now"}})
    html = _refusal(502, "<html>")

    assert (parsed.status, parsed.code, parsed.message, parsed.details) == (422, "limit_exceeded", "Too much.", {"limit": "250.00"})
    assert (odd.code, odd.message, odd.details) == ("gone", "Gone.", {"when": "now"})
    assert (html.code, html.message) == ("error", "")


async def test_a_success_outside_the_contract_counts_as_the_bank_unavailable(monkeypatch: pytest.MonkeyPatch):
    client = CoreBank("http://core-bank.invalid", timeout_seconds=1)
    monkeypatch.setattr(client, "_request", lambda *args: (200, {"accounts": [{"balance": 2450.31}]}))

    with pytest.raises(BankError) as caught:
        await client.accounts("token")

    assert (caught.value.status, caught.value.code) == (200, UNAVAILABLE)
    assert "outside its contract" in caught.value.message
