"""What a customer reads: the masked address, transactions between two dates, their kinds; and an outdated database."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Iterator

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import sessionmaker

from bot.core_bank.accounts import CustomerRecords, mask_address
from bot.core_bank.errors import InvalidRequest
from bot.core_bank.models import Customer, Payee, create_database_engine, create_session_factory
from bot.core_bank.contract.customers import TRANSACTION_KINDS, Transaction as WireTransaction
from bot.core_bank.models import Transaction
from bot.core_bank.seed import DEMO_ACCOUNT_IDS, DEMO_ADDRESS_MASKED
from bot.core_bank.server import prepare_database
from tests.unit.core_bank_otp_support import FakeClock

ALEX_ID = 1
CURRENT = DEMO_ACCOUNT_IDS["current"]


@pytest.fixture
def sessions(tmp_path: Path) -> Iterator[sessionmaker]:
    engine = create_database_engine(f"sqlite:///{tmp_path / 'db' / 'core_bank.db'}")
    prepare_database(engine, now=FakeClock()())
    yield create_session_factory(engine)
    engine.dispose()


def test_the_address_is_masked_but_for_the_kind_of_street_the_postcode_and_the_city(sessions: sessionmaker):
    records = CustomerRecords(sessions)

    assert records.profile(ALEX_ID).address_masked == DEMO_ADDRESS_MASKED == "•• rue •••••••, 75011 Paris"
    with sessions() as session:
        customers = session.execute(select(Customer)).scalars().all()
        masked = {c.customer_number: mask_address(c) for c in customers}
        for customer in customers:
            street, _, place = masked[customer.customer_number].partition(", ")
            assert street == f"•• {customer.address_street_type} •••••••"
            assert customer.address_number not in street and customer.address_street_name not in street
            assert place == f"{customer.address_postcode} {customer.address_city}"
    assert masked["100004"] == "•• via •••••••, 20121 Milano"
    assert len(masked) == 4


def _all(records: CustomerRecords, **window) -> list:
    found, before = [], None
    while True:
        page = records.transactions(ALEX_ID, CURRENT, limit=7, before=before, **window)
        found.extend(page.transactions)
        before = page.next_before
        if before is None:
            return found


def test_transactions_between_two_dates_are_inclusive_utc_days_and_page(sessions: sessionmaker):
    records = CustomerRecords(sessions)
    everything = _all(records)
    days = sorted({t.booked_at.date() for t in everything})
    since, until = days[10], days[30]

    window = _all(records, since=since, until=until)

    expected = [t for t in everything if since <= t.booked_at.date() <= until]
    assert window == expected and len(window) > 7  # more than one page
    assert window[0].booked_at.date() == until and window[-1].booked_at.date() == since
    assert all(t.booked_at.tzinfo == timezone.utc for t in window)


def test_since_or_until_alone(sessions: sessionmaker):
    records = CustomerRecords(sessions)
    everything = _all(records)
    newest = everything[0].booked_at.date()

    assert _all(records, since=newest) == [t for t in everything if t.booked_at.date() == newest]
    assert _all(records, until=newest - timedelta(days=1)) == [t for t in everything if t.booked_at.date() < newest]
    assert records.transactions(ALEX_ID, CURRENT, since=newest + timedelta(days=1)).transactions == []


def test_since_after_until_is_refused(sessions: sessionmaker):
    with pytest.raises(InvalidRequest):
        CustomerRecords(sessions).transactions(ALEX_ID, CURRENT, since=date(2026, 6, 2), until=date(2026, 6, 1))


def test_every_seeded_transaction_has_a_kind_and_the_counterparty_its_description_names(sessions: sessionmaker):
    records = CustomerRecords(sessions)
    alex = _all(records)
    savings = records.transactions(ALEX_ID, DEMO_ACCOUNT_IDS["savings"], limit=100).transactions
    kinds = {t.kind for t in alex + savings}

    assert kinds <= set(TRANSACTION_KINDS) and "other" not in kinds
    assert {"card_payment", "direct_debit", "rent", "salary", "savings_transfer_out", "savings_transfer_in"} <= kinds
    for t in alex + savings:
        if t.counterparty is not None:
            assert t.counterparty in t.description, t
        assert WireTransaction.from_orm(t).wire()["kind"] == t.kind
    fnac = next(t for t in alex if t.description == "Card payment — Fnac")
    assert (fnac.kind, fnac.counterparty) == ("card_payment", "Fnac")
    salary = next(t for t in alex if t.kind == "salary")
    assert (salary.description, salary.counterparty) == ("Salary — Northwind Consulting", "Northwind Consulting")
    to_savings = next(t for t in alex if t.kind == "savings_transfer_out")
    assert (to_savings.description, to_savings.counterparty) == ("Transfer to savings account", None)
    assert {t.kind for t in savings} == {"savings_transfer_in"}


def test_a_row_without_a_kind_or_with_one_the_contract_does_not_know_is_other(sessions: sessionmaker):
    with sessions() as session:
        session.execute(text(
            "INSERT INTO transactions (id, account_id, booked_at, description, amount_minor, currency) "
            f"VALUES ('txn_old', '{CURRENT}', '2030-01-01 10:00:00.000000', 'Cheque 0012345', -2500, 'EUR')"
        ))
        session.add(Transaction(id="txn_new", account_id=CURRENT, booked_at=datetime(2030, 1, 2, tzinfo=timezone.utc),
                                description="Crypto", amount_minor=-100, currency="EUR", kind="lottery_win"))
        session.commit()

    newest = CustomerRecords(sessions).transactions(ALEX_ID, CURRENT, limit=2).transactions
    assert [(t.description, t.kind, t.counterparty) for t in newest] == [("Crypto", "other", None), ("Cheque 0012345", "other", None)]


def test_an_outdated_database_is_recreated_with_the_demo_data(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = create_database_engine(url)
    with engine.begin() as connection:  # what an earlier version left: customers without addresses, no payees
        connection.execute(text(
            "CREATE TABLE customers (id INTEGER PRIMARY KEY, customer_number VARCHAR(20), first_name VARCHAR(100), "
            "last_name VARCHAR(100), phone VARCHAR(20), locale VARCHAR(20), created_at DATETIME, "
            "otp_failure_count INTEGER, otp_locked_until DATETIME)"
        ))
        connection.execute(text(
            "INSERT INTO customers VALUES (1, '100001', 'Alex', 'Martin', '+33612345678', 'en_IE', '2026-01-01', 0, NULL)"
        ))

    assert prepare_database(engine, now=datetime(2026, 6, 11, tzinfo=timezone.utc)) is True

    sessions = create_session_factory(engine)
    assert CustomerRecords(sessions).profile(ALEX_ID).address_masked == DEMO_ADDRESS_MASKED
    with sessions() as session:
        assert len(session.execute(select(Payee)).scalars().all()) == 2
    assert prepare_database(engine) is False  # up to date now: kept as it is
    engine.dispose()
