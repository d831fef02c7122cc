"""Loan products, quotes (annuity arithmetic) and applications, on the domain layer."""
from __future__ import annotations

import math
from datetime import timedelta
from decimal import Decimal, localcontext
from pathlib import Path
from typing import Iterator

import pytest
from sqlalchemy import func, select

from bot.core_bank.errors import IdempotencyKeyReused, InvalidRequest, OutOfRange
from bot.core_bank.loans import LoanRequest, annuity, monthly_rate
from bot.core_bank.models import LoanApplication, create_database_engine, create_session_factory
from bot.core_bank.otp import OtpPolicy
from bot.core_bank.seed import DEMO_LOAN_APPLICATION_REFERENCE, LOAN_PRODUCTS
from bot.core_bank.server import prepare_database
from bot.core_bank.services import CoreBankServices, build_services
from bot.core_bank.sms import SmsOutbox
from bot.core_bank.transfers import TransferLimits
from tests.unit.core_bank_otp_support import FakeClock

ALEX_ID = 1  # the first seeded customer


def float_annuity(principal: float, apr: float, months: int) -> float:
    """The same formula by another route: binary floats, a loop for (1 + r)^n, rounded half up at the end."""
    rate = math.exp(math.log1p(apr) / 12) - 1
    growth = 1.0
    for _ in range(months):
        growth *= 1 + rate
    payment = principal * rate * growth / (growth - 1)
    return math.floor(payment * 100 + 0.5) / 100


# --- the arithmetic -------------------------------------------------------------------


def test_the_textbook_example_10000_at_6_90_over_36_months():
    figures = annuity(Decimal("10000.00"), Decimal("6.90"), 36)

    assert figures.monthly_payment == Decimal("307.36")
    assert figures.total_repaid == Decimal("11064.96")
    assert figures.total_interest == Decimal("1064.96")


@pytest.mark.parametrize(
    ("principal", "apr", "months"),
    [
        ("1000.00", "6.90", 12),
        ("50000.00", "6.90", 84),
        ("3000.00", "4.90", 12),
        ("15000.00", "4.90", 60),
        ("75000.00", "4.90", 84),
        ("50000.00", "3.60", 60),
        ("250000.00", "3.60", 240),
        ("1000000.00", "3.60", 300),
        ("12345.67", "6.90", 37),
    ],
)
def test_payments_agree_with_an_independent_float_computation(principal: str, apr: str, months: int):
    figures = annuity(Decimal(principal), Decimal(apr), months)

    expected = float_annuity(float(principal), float(apr) / 100, months)
    assert abs(float(figures.monthly_payment) - expected) <= 0.01
    assert figures.monthly_payment.as_tuple().exponent == -2
    assert figures.total_repaid == figures.monthly_payment * months
    assert figures.total_interest == figures.total_repaid - Decimal(principal)


def test_the_monthly_rate_compounds_back_to_the_annual_rate():
    rate = monthly_rate(Decimal("6.90"))

    with localcontext() as context:
        context.prec = 80
        assert abs((1 + rate) ** 12 - Decimal("1.069")) < Decimal("1e-45")
    assert rate < Decimal("0.069") / 12  # an effective rate, not a nominal one divided by 12


def test_payments_are_rounded_half_up_to_the_cent():
    assert annuity(Decimal("1200.00"), Decimal("0"), 12).monthly_payment == Decimal("100.00")
    assert annuity(Decimal("100.05"), Decimal("0"), 10).monthly_payment == Decimal("10.01")  # 10.005 -> 10.01


# --- the service ----------------------------------------------------------------------


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def services(tmp_path: Path, clock: FakeClock) -> Iterator[CoreBankServices]:
    engine = create_database_engine(f"sqlite:///{tmp_path / 'db' / 'core_bank.db'}")
    prepare_database(engine, now=clock())
    yield build_services(
        create_session_factory(engine),
        secret="unit-test-secret",
        policy=OtpPolicy(),
        limits=TransferLimits(Decimal("250.00"), Decimal("500.00")),
        sms=SmsOutbox(clock=clock),
        clock=clock,
    )
    engine.dispose()


def test_the_products_are_the_seeded_offer(services: CoreBankServices):
    products = [p.to_json() for p in services.loans.products()]

    assert [p["product"] for p in products] == ["personal", "car", "home"]
    assert products[0] == {
        "product": "personal",
        "name": "Personal loan",
        "apr": "6.90",
        "min_amount": "1000.00",
        "max_amount": "50000.00",
        "min_term_months": 12,
        "max_term_months": 84,
        "currency": "EUR",
    }
    assert [Decimal(p["apr"]) for p in products] == [loan.apr_percent for loan in LOAN_PRODUCTS]


def test_a_quote(services: CoreBankServices):
    quote = services.loans.quote(LoanRequest("personal", Decimal("10000.00"), 36)).to_json()

    assert quote == {
        "product": "personal",
        "amount": "10000.00",
        "currency": "EUR",
        "term_months": 36,
        "apr": "6.90",
        "monthly_payment": "307.36",
        "total_repaid": "11064.96",
        "total_interest": "1064.96",
    }


@pytest.mark.parametrize(
    ("product", "amount", "months", "field", "said"),
    [
        ("personal", "999.99", 36, "amount", "1000.00 to 50000.00 EUR"),
        ("personal", "50000.01", 36, "amount", "1000.00 to 50000.00 EUR"),
        ("car", "2999.99", 36, "amount", "3000.00 to 75000.00 EUR"),
        ("home", "49999.00", 120, "amount", "50000.00 to 1000000.00 EUR"),
        ("personal", "5000.00", 11, "term_months", "12 to 84 months"),
        ("personal", "5000.00", 85, "term_months", "12 to 84 months"),
        ("home", "200000.00", 301, "term_months", "60 to 300 months"),
    ],
)
def test_out_of_range_says_the_allowed_range(services: CoreBankServices, product, amount, months, field, said):
    with pytest.raises(OutOfRange) as refused:
        services.loans.quote(LoanRequest(product, Decimal(amount), months))

    assert said in refused.value.message
    assert refused.value.details["field"] == field


def test_the_range_bounds_are_included(services: CoreBankServices):
    assert services.loans.quote(LoanRequest("personal", Decimal("1000.00"), 12))
    assert services.loans.quote(LoanRequest("home", Decimal("1000000.00"), 300))


def test_an_unknown_product_is_a_bad_request(services: CoreBankServices):
    with pytest.raises(InvalidRequest) as refused:
        services.loans.quote(LoanRequest("yacht", Decimal("10000.00"), 36))
    assert "personal, car, home" in refused.value.message


def test_apply_records_the_quote_and_lists_newest_first(services: CoreBankServices, clock: FakeClock):
    recorded = services.loans.apply(ALEX_ID, "key-1", LoanRequest("personal", Decimal("10000.00"), 36))

    assert recorded.status == 201
    application = recorded.body
    assert application["reference"].startswith("LA-") and len(application["reference"]) == 11
    assert application["status"] == "received"
    assert application["submitted_at"] == clock().isoformat(timespec="seconds")
    assert application["monthly_payment"] == "307.36"

    listed = [a.to_json() for a in services.loans.applications(ALEX_ID)]
    assert [a["reference"] for a in listed] == [application["reference"], DEMO_LOAN_APPLICATION_REFERENCE]
    assert listed[0] == application
    assert listed[1]["status"] == "under_review" and listed[1]["product"] == "car"
    assert services.loans.applications(2) == []


def test_the_seeded_application_is_dated_before_the_seed(services: CoreBankServices, clock: FakeClock):
    seeded = services.loans.applications(ALEX_ID)[0]

    assert seeded.submitted_at < clock() - timedelta(days=1)
    assert seeded.quote.monthly_payment == annuity(seeded.quote.amount, seeded.quote.apr_percent, seeded.quote.term_months).monthly_payment


def test_apply_is_idempotent(services: CoreBankServices):
    request = LoanRequest("car", Decimal("8000.00"), 48)
    first = services.loans.apply(ALEX_ID, "key-1", request)

    again = services.loans.apply(ALEX_ID, "key-1", LoanRequest("car", Decimal("8000"), 48))  # same amount, written otherwise

    assert again.body == first.body and again.replayed
    with pytest.raises(IdempotencyKeyReused):
        services.loans.apply(ALEX_ID, "key-1", LoanRequest("car", Decimal("9000.00"), 48))
    assert services.loans.apply(ALEX_ID, "key-2", request).body["reference"] != first.body["reference"]
    with services.loans._sessions() as session:
        assert session.execute(select(func.count(LoanApplication.row_id))).scalar_one() == 3  # seeded + 2


def test_an_application_out_of_range_is_refused_and_not_recorded(services: CoreBankServices):
    with pytest.raises(OutOfRange):
        services.loans.apply(ALEX_ID, "key-1", LoanRequest("personal", Decimal("60000.00"), 36))

    # Nothing recorded for the key: the corrected request goes through with it.
    assert services.loans.apply(ALEX_ID, "key-1", LoanRequest("personal", Decimal("50000.00"), 36)).status == 201
