"""What the transfer tests share: the core bank's domain layer on a temp SQLite file, an injected clock,
an in-memory SMS outbox (test_core_bank_transfers.py, test_core_bank_transfer_codes.py; on PostgreSQL too)."""
from __future__ import annotations

import re
import threading
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Iterator, Optional

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import sessionmaker

from bot.core_bank.errors import (
    AccountNotFound,
    ChallengeNotFound,
    CurrencyNotSupported,
    DailyLimitExceeded,
    IdempotencyKeyReused,
    InsufficientFunds,
    InvalidRequest,
    LimitExceeded,
    OtpBindingMismatch,
    OtpExpired,
    OtpInvalid,
    OtpLocked,
    OtpUsed,
    PayeeNotFound,
    SameAccount,
)
from bot.core_bank.models import (
    Account,
    Customer,
    OtpChallenge,
    OtpLimit,
    Transaction,
    Transfer,
    create_database_engine,
    create_session_factory,
    from_minor_units,
)
from bot.core_bank.otp import ByCustomerNumber, OtpPolicy, transaction_hash
from bot.core_bank.otp_limits import limit_key
from bot.core_bank.seed import DEMO_ACCOUNT_IDS, DEMO_CUSTOMER_NUMBER, DEMO_PAYEE_IDS, DEMO_PHONE, stable_id
from bot.core_bank.server import prepare_database
from bot.core_bank.services import CoreBankServices, build_services
from bot.core_bank.sms import SmsOutbox
from bot.core_bank.transfers import TransferLimits, TransferOrder
from tests.unit.core_bank_otp_support import FakeClock, at_once, judged_codes, wrong

SECRET = "unit-test-secret"
POLICY = OtpPolicy(
    ttl_seconds=300,
    max_failures=5,
    lock_seconds=1800,
    challenges_per_window=20,  # many transfers per test; the window rule itself is tested in test_otp
    challenge_window_seconds=900,
    access_token_ttl_seconds=900,
)
LIMITS = TransferLimits(per_transfer=Decimal("250.00"), daily=Decimal("500.00"))
CURRENT = DEMO_ACCOUNT_IDS["current"]
SAVINGS = DEMO_ACCOUNT_IDS["savings"]
TOM_CURRENT = stable_id("acc", "100003", "current")
TOM_PHONE = "+33611223344"
CAMILLE_PHONE = "+33698765432"


class Bank:
    """The transfer domain wired to a fresh database."""

    def __init__(self, sessions: sessionmaker, clock: FakeClock, limits: TransferLimits = LIMITS) -> None:
        self.sessions = sessions
        self.clock = clock
        self.outbox = SmsOutbox(clock=clock)
        self.services = self.wired(limits)
        with sessions() as session:
            self.alex = session.execute(select(Customer.id).where(Customer.customer_number == DEMO_CUSTOMER_NUMBER)).scalar_one()
            self.camille = session.execute(select(Customer.id).where(Customer.customer_number == "100002")).scalar_one()
            self.tom = session.execute(select(Customer.id).where(Customer.customer_number == "100003")).scalar_one()

    def wired(self, limits: TransferLimits) -> CoreBankServices:
        return build_services(self.sessions, secret=SECRET, policy=POLICY, limits=limits, sms=self.outbox, clock=self.clock)

    @property
    def transfers(self):
        return self.services.transfers

    def last_sms(self, phone: str = DEMO_PHONE) -> str:
        messages = self.outbox.messages(phone)
        assert messages, f"no SMS to {phone}"
        return messages[0].text

    def last_code(self, phone: str = DEMO_PHONE) -> str:
        return re.search(r"\b([0-9]{6})\b", self.last_sms(phone)).group(1)

    def prepare(self, order: TransferOrder, customer_id: Optional[int] = None, phone: str = DEMO_PHONE) -> tuple[str, str]:
        """(challenge_id, code)"""
        prepared = self.transfers.prepare(customer_id or self.alex, order)
        return prepared.challenge.challenge_id, self.last_code(phone)

    def send(self, order: TransferOrder, key: str, customer_id: Optional[int] = None, phone: str = DEMO_PHONE) -> dict:
        """Prepare then execute with the right code; the receipt."""
        challenge_id, code = self.prepare(order, customer_id, phone)
        recorded = self.transfers.execute(customer_id or self.alex, key, order, challenge_id, code)
        assert recorded.status == 201
        return recorded.body

    def balance(self, account_id: str) -> Decimal:
        with self.sessions() as session:
            return from_minor_units(session.get(Account, account_id).balance_minor)

    def transfer_count(self) -> int:
        with self.sessions() as session:
            return session.execute(select(func.count(Transfer.row_id))).scalar_one()

    def failures(self, customer_id: int) -> int:
        """The customer's consecutive wrong codes (from every requester)."""
        with self.sessions() as session:
            row = session.get(OtpLimit, limit_key(SECRET, f"subject:customer:{customer_id}"))
            return row.failure_count if row is not None else 0

    def set_balance(self, account_id: str, amount: Decimal) -> None:
        with self.sessions() as session:
            session.execute(update(Account).where(Account.id == account_id).values(balance_minor=int(amount * 100)))
            session.commit()


def to_tom(amount: str, from_account: str = CURRENT) -> TransferOrder:
    return TransferOrder(from_account_id=from_account, amount=Decimal(amount), currency="EUR", payee_id=DEMO_PAYEE_IDS["tom"])


def to_landlord(amount: str) -> TransferOrder:
    return TransferOrder(from_account_id=CURRENT, amount=Decimal(amount), currency="EUR", payee_id=DEMO_PAYEE_IDS["landlord"])


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def engine_url(tmp_path: Path, clock: FakeClock) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'db' / 'core_bank.db'}"
    engine = create_database_engine(url)
    prepare_database(engine, now=clock())
    engine.dispose()
    yield url


@pytest.fixture
def bank(engine_url: str, clock: FakeClock) -> Iterator[Bank]:
    engine = create_database_engine(engine_url)
    yield Bank(create_session_factory(engine), clock)
    engine.dispose()
