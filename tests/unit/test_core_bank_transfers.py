"""Transfers with a code bound to the transaction (PSD2 dynamic linking), on the domain layer:
temp SQLite file, injected clock, in-memory SMS outbox."""
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
    Transaction,
    Transfer,
    create_database_engine,
    create_session_factory,
    from_minor_units,
)
from bot.core_bank.otp import ByCustomerNumber, OtpPolicy, transaction_hash
from bot.core_bank.seed import DEMO_ACCOUNT_IDS, DEMO_CUSTOMER_NUMBER, DEMO_PAYEE_IDS, DEMO_PHONE, stable_id
from bot.core_bank.server import prepare_database
from bot.core_bank.services import CoreBankServices, build_services
from bot.core_bank.sms import SmsOutbox
from bot.core_bank.transfers import TransferLimits, TransferOrder
from tests.unit.test_otp import FakeClock, wrong

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
        with self.sessions() as session:
            return session.get(Customer, customer_id).otp_failure_count

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


# --- payees ---------------------------------------------------------------------------


def test_alex_has_two_payees_one_of_them_a_customer(bank: Bank):
    payees = bank.transfers.payees(bank.alex)

    assert [(p.payee_id, p.name, p.customer) for p in payees] == [
        (DEMO_PAYEE_IDS["tom"], "Tom Bernard", True),
        (DEMO_PAYEE_IDS["landlord"], "SCI Montmartre (landlord)", False),
    ]
    assert all(re.fullmatch(r"FR[0-9]{2} •••• •••• [0-9]{4}", p.iban_masked) for p in payees)
    assert bank.transfers.payees(bank.camille) == []


# --- prepare --------------------------------------------------------------------------


def test_prepare_sends_a_code_naming_the_amount_and_the_payee(bank: Bank, clock: FakeClock):
    prepared = bank.transfers.prepare(bank.alex, to_tom("20.00"))

    assert re.fullmatch(
        r"Code [0-9]{6} to send €20\.00 to Tom Bernard\. It expires in 5 minutes\. Never share it — .*", bank.last_sms()
    )
    assert prepared.to_json()["transfer"] == {
        "from_account_id": CURRENT,
        "payee_name": "Tom Bernard",
        "amount": "20.00",
        "currency": "EUR",
    }
    assert prepared.challenge.sent_to == "+33 •••••••78"
    assert prepared.challenge.expires_at == clock() + timedelta(seconds=POLICY.ttl_seconds)
    assert bank.balance(CURRENT) == Decimal("2450.31")  # nothing booked yet


def test_the_challenge_keeps_only_a_keyed_hash_of_the_transaction(bank: Bank):
    order = to_tom("20.00")
    challenge_id, _ = bank.prepare(order)

    with bank.sessions() as session:
        stored = session.get(OtpChallenge, challenge_id).transaction_hash
    assert stored == transaction_hash(SECRET, order.canonical())
    assert stored != transaction_hash("another-secret", order.canonical())
    assert "20.00" not in stored and CURRENT not in stored


def test_prepare_refuses_what_execution_would_refuse(bank: Bank):
    tom_payee = DEMO_PAYEE_IDS["tom"]
    cases = [
        (replace(to_tom("20.00"), from_account_id=stable_id("acc", "100002", "current")), AccountNotFound),
        (replace(to_tom("20.00"), from_account_id="acc_nope"), AccountNotFound),
        (TransferOrder(CURRENT, Decimal("20.00"), "EUR", payee_id="payee_nope"), PayeeNotFound),
        (TransferOrder(CURRENT, Decimal("20.00"), "EUR", payee_phone="+33699999999"), PayeeNotFound),
        (TransferOrder(CURRENT, Decimal("20.00"), "EUR", payee_phone=DEMO_PHONE), SameAccount),
        (TransferOrder(CURRENT, Decimal("20.00"), "USD", payee_id=tom_payee), CurrencyNotSupported),
        (to_tom("250.01"), LimitExceeded),
    ]
    for order, refusal in cases:
        with pytest.raises(refusal):
            bank.transfers.prepare(bank.alex, order)
    with pytest.raises(PayeeNotFound):  # Alex's payee is nobody else's
        bank.transfers.prepare(bank.camille, TransferOrder(stable_id("acc", "100002", "current"), Decimal("1.00"), "EUR", payee_id=tom_payee))
    assert bank.outbox.messages() == []


def test_an_order_names_exactly_one_payee():
    with pytest.raises(InvalidRequest):
        TransferOrder(CURRENT, Decimal("1.00"), "EUR")
    with pytest.raises(InvalidRequest):
        TransferOrder(CURRENT, Decimal("1.00"), "EUR", payee_id=DEMO_PAYEE_IDS["tom"], payee_phone=TOM_PHONE)


# --- execute: money moved exactly -----------------------------------------------------


def test_a_transfer_to_a_customer_moves_the_money_exactly_on_both_sides(bank: Bank, clock: FakeClock):
    receipt = bank.send(to_tom("20.05"), key="k1")

    assert bank.balance(CURRENT) == Decimal("2430.26")
    assert bank.balance(TOM_CURRENT) == Decimal("632.13")
    assert re.fullmatch(r"TR-[A-Z0-9]{8}", receipt["reference"])
    assert receipt == {
        "reference": receipt["reference"],
        "status": "executed",
        "amount": "20.05",
        "currency": "EUR",
        "payee_name": "Tom Bernard",
        "from_account_id": CURRENT,
        "executed_at": clock().isoformat(timespec="seconds"),
        "balance_after": "2430.26",
    }
    alex_page = bank.services.records.transactions(bank.alex, CURRENT, limit=1)
    tom_page = bank.services.records.transactions(bank.tom, TOM_CURRENT, limit=1)
    assert (alex_page.transactions[0].description, alex_page.transactions[0].amount) == ("Transfer to Tom Bernard", Decimal("-20.05"))
    assert (tom_page.transactions[0].description, tom_page.transactions[0].amount) == ("Transfer from Alex Martin", Decimal("20.05"))
    assert alex_page.transactions[0].booked_at == clock()


def test_a_transfer_to_an_external_iban_debits_only_the_sender(bank: Bank):
    with bank.sessions() as session:
        total_before = session.execute(select(func.sum(Account.balance_minor))).scalar_one()

    bank.send(to_landlord("199.99"), key="k1")

    assert bank.balance(CURRENT) == Decimal("2250.32")
    with bank.sessions() as session:
        assert session.execute(select(func.sum(Account.balance_minor))).scalar_one() == total_before - 19999
        latest = session.execute(select(Transaction).order_by(Transaction.row_id.desc()).limit(1)).scalar_one()
    assert (latest.account_id, latest.description, latest.amount_minor) == (CURRENT, "Transfer to SCI Montmartre (landlord)", -19999)


def test_a_transfer_by_phone_number_reaches_that_customer(bank: Bank):
    order = TransferOrder(CURRENT, Decimal("12.50"), "EUR", payee_phone=TOM_PHONE)

    receipt = bank.send(order, key="k1")

    assert receipt["payee_name"] == "Tom Bernard"
    assert "to send €12.50 to Tom Bernard" in bank.last_sms()
    assert bank.balance(TOM_CURRENT) == Decimal("624.58")


def test_a_transfer_from_savings(bank: Bank):
    bank.send(to_tom("100.00", from_account=SAVINGS), key="k1")

    assert bank.balance(SAVINGS) == Decimal("11900.00")
    assert bank.balance(CURRENT) == Decimal("2450.31")


# --- limits and funds -----------------------------------------------------------------


def test_the_per_transfer_limit(bank: Bank):
    with pytest.raises(LimitExceeded) as refused:
        bank.transfers.prepare(bank.alex, to_tom("250.01"))
    assert refused.value.details == {"limit": "250.00"}

    bank.send(to_tom("250.00"), key="k1")
    assert bank.balance(CURRENT) == Decimal("2200.31")


def test_the_daily_limit_counts_every_transfer_of_the_utc_day(bank: Bank, clock: FakeClock):
    bank.send(to_tom("200.00"), key="k1")
    bank.send(to_landlord("200.00"), key="k2")

    with pytest.raises(DailyLimitExceeded) as refused:
        bank.transfers.prepare(bank.alex, to_tom("100.01"))
    assert refused.value.details == {"limit": "500.00", "remaining": "100.00"}
    bank.send(to_tom("100.00"), key="k3")
    with pytest.raises(DailyLimitExceeded):
        bank.transfers.prepare(bank.alex, to_tom("0.01"))

    clock.now = clock.now.replace(hour=0, minute=0, second=0) + timedelta(days=1)  # midnight UTC: a new day
    bank.send(to_tom("250.00"), key="k4")
    assert bank.balance(CURRENT) == Decimal("1700.31")


def test_the_daily_limit_is_per_customer(bank: Bank):
    bank.send(to_tom("250.00"), key="k1")
    bank.send(to_tom("250.00"), key="k2")

    order = TransferOrder(stable_id("acc", "100002", "current"), Decimal("250.00"), "EUR", payee_phone=TOM_PHONE)
    bank.send(order, key="k1", customer_id=bank.camille, phone=CAMILLE_PHONE)


def test_the_limits_are_configurable(bank: Bank, clock: FakeClock):
    bank.services = bank.wired(TransferLimits(per_transfer=Decimal("1000.00"), daily=Decimal("1500.00")))

    bank.send(to_tom("1000.00"), key="k1")
    with pytest.raises(LimitExceeded):
        bank.transfers.prepare(bank.alex, to_tom("1000.01"))
    with pytest.raises(DailyLimitExceeded) as refused:
        bank.transfers.prepare(bank.alex, to_tom("600.00"))
    assert refused.value.details == {"limit": "1500.00", "remaining": "500.00"}

    bank.services = bank.wired(TransferLimits(per_transfer=Decimal("10.00"), daily=Decimal("1500.00")))
    with pytest.raises(LimitExceeded) as lower:
        bank.transfers.prepare(bank.alex, to_tom("10.01"))
    assert lower.value.details == {"limit": "10.00"}


def test_insufficient_funds(bank: Bank):
    bank.set_balance(CURRENT, Decimal("19.99"))

    with pytest.raises(InsufficientFunds):
        bank.transfers.prepare(bank.alex, to_tom("20.00"))
    bank.send(to_tom("19.99"), key="k1")
    assert bank.balance(CURRENT) == Decimal("0.00")


def test_rules_are_checked_again_at_execution_and_a_refusal_there_keeps_the_code(bank: Bank):
    order = to_tom("200.00")
    challenge_id, code = bank.prepare(order)
    bank.set_balance(CURRENT, Decimal("150.00"))  # a card payment was booked meanwhile

    with pytest.raises(InsufficientFunds):
        bank.transfers.execute(bank.alex, "k1", order, challenge_id, code)
    assert bank.transfer_count() == 0 and bank.balance(CURRENT) == Decimal("150.00")

    bank.set_balance(CURRENT, Decimal("300.00"))
    assert bank.transfers.execute(bank.alex, "k1", order, challenge_id, code).body["balance_after"] == "100.00"


def test_the_daily_limit_is_checked_again_at_execution(bank: Bank):
    bank.send(to_tom("200.00"), key="k1")
    order = to_tom("200.00")
    challenge_id, code = bank.prepare(order)
    bank.services = bank.wired(TransferLimits(per_transfer=Decimal("250.00"), daily=Decimal("300.00")))

    with pytest.raises(DailyLimitExceeded):
        bank.transfers.execute(bank.alex, "k2", order, challenge_id, code)
    assert bank.transfer_count() == 1


# --- the code is bound to the transaction ---------------------------------------------


@pytest.mark.parametrize(
    "changed",
    [
        pytest.param(lambda order: replace(order, amount=Decimal("200.00")), id="amount"),
        pytest.param(lambda order: replace(order, payee_id=DEMO_PAYEE_IDS["landlord"]), id="payee"),
        pytest.param(lambda order: replace(order, payee_id=None, payee_phone=TOM_PHONE), id="same-person-by-phone"),
        pytest.param(lambda order: replace(order, from_account_id=SAVINGS), id="account"),
        pytest.param(lambda order: replace(order, currency="USD"), id="currency"),
    ],
)
def test_a_changed_transaction_burns_the_code_and_counts_as_a_failure(bank: Bank, changed):
    order = to_tom("20.00")
    challenge_id, code = bank.prepare(order)

    with pytest.raises(OtpBindingMismatch) as mismatch:
        bank.transfers.execute(bank.alex, "k1", changed(order), challenge_id, code)

    assert mismatch.value.details == {"attempts_left": POLICY.max_failures - 1}
    assert bank.failures(bank.alex) == 1
    with pytest.raises(OtpUsed):  # burnt: not even the prepared transaction goes through now
        bank.transfers.execute(bank.alex, "k2", order, challenge_id, code)
    assert bank.transfer_count() == 0
    assert bank.balance(CURRENT) == Decimal("2450.31") and bank.balance(SAVINGS) == Decimal("12000.00")


def test_binding_mismatches_reach_the_lock(bank: Bank, clock: FakeClock):
    order = to_tom("20.00")
    for attempts_left in range(POLICY.max_failures - 1, 0, -1):
        challenge_id, code = bank.prepare(order)
        with pytest.raises(OtpBindingMismatch) as mismatch:
            bank.transfers.execute(bank.alex, "k", replace(order, amount=Decimal("250.00")), challenge_id, code)
        assert mismatch.value.details["attempts_left"] == attempts_left

    challenge_id, code = bank.prepare(order)
    with pytest.raises(OtpLocked) as locked:
        bank.transfers.execute(bank.alex, "k", replace(order, amount=Decimal("250.00")), challenge_id, code)

    assert locked.value.locked_until == clock() + timedelta(seconds=POLICY.lock_seconds)
    with pytest.raises(OtpLocked):
        bank.transfers.prepare(bank.alex, order)
    with pytest.raises(OtpLocked):
        bank.services.otp.start_challenge(ByCustomerNumber(DEMO_CUSTOMER_NUMBER))
    assert bank.transfer_count() == 0


def test_a_wrong_code_counts_but_does_not_burn_the_challenge(bank: Bank):
    order = to_tom("20.00")
    challenge_id, code = bank.prepare(order)

    with pytest.raises(OtpInvalid) as invalid:
        bank.transfers.execute(bank.alex, "k1", order, challenge_id, wrong(code))
    assert invalid.value.details == {"attempts_left": 4}
    with pytest.raises(InvalidRequest):
        bank.transfers.execute(bank.alex, "k1", order, challenge_id, "12345")

    assert bank.transfers.execute(bank.alex, "k1", order, challenge_id, code).status == 201
    assert bank.failures(bank.alex) == 0  # a success clears the failures


def test_a_code_books_one_transfer_only(bank: Bank):
    order = to_tom("20.00")
    challenge_id, code = bank.prepare(order)
    bank.transfers.execute(bank.alex, "k1", order, challenge_id, code)

    with pytest.raises(OtpUsed):
        bank.transfers.execute(bank.alex, "k2", order, challenge_id, code)
    assert bank.transfer_count() == 1
    assert bank.balance(CURRENT) == Decimal("2430.31")


def test_a_code_expires(bank: Bank, clock: FakeClock):
    order = to_tom("20.00")
    challenge_id, code = bank.prepare(order)
    clock.advance(POLICY.ttl_seconds)

    with pytest.raises(OtpExpired):
        bank.transfers.execute(bank.alex, "k1", order, challenge_id, code)


def test_a_new_code_replaces_the_prepared_one(bank: Bank):
    first = to_tom("20.00")
    first_id, first_code = bank.prepare(first)
    bank.prepare(to_tom("30.00"))

    with pytest.raises(OtpExpired):
        bank.transfers.execute(bank.alex, "k1", first, first_id, first_code)


def test_a_sign_in_code_does_not_move_money_and_a_transfer_code_does_not_sign_in(bank: Bank):
    order = to_tom("20.00")
    sign_in = bank.services.otp.start_challenge(ByCustomerNumber(DEMO_CUSTOMER_NUMBER))
    with pytest.raises(OtpBindingMismatch):
        bank.transfers.execute(bank.alex, "k1", order, sign_in.challenge_id, bank.last_code())

    challenge_id, code = bank.prepare(order)
    with pytest.raises(ChallengeNotFound):
        bank.services.otp.verify(challenge_id, code)
    assert bank.transfers.execute(bank.alex, "k2", order, challenge_id, code).status == 201


def test_another_customers_challenge_is_unknown_and_counts_against_nobody(bank: Bank):
    order = to_tom("20.00")
    challenge_id, code = bank.prepare(order)
    camille_order = TransferOrder(stable_id("acc", "100002", "current"), Decimal("20.00"), "EUR", payee_phone=TOM_PHONE)

    with pytest.raises(ChallengeNotFound):
        bank.transfers.execute(bank.camille, "k1", camille_order, challenge_id, code)
    with pytest.raises(ChallengeNotFound):
        bank.transfers.execute(bank.camille, "k1", order, challenge_id, code)

    assert bank.failures(bank.alex) == 0 and bank.failures(bank.camille) == 0
    assert bank.transfers.execute(bank.alex, "k1", order, challenge_id, code).status == 201


# --- idempotency ----------------------------------------------------------------------


def test_a_repeat_with_the_same_key_books_nothing_more(bank: Bank):
    order = to_tom("20.00")
    challenge_id, code = bank.prepare(order)
    first = bank.transfers.execute(bank.alex, "key-1", order, challenge_id, code)

    again = bank.transfers.execute(bank.alex, "key-1", order, challenge_id, code)

    assert (again.status, again.body, again.replayed) == (first.status, first.body, True)
    assert bank.transfer_count() == 1
    assert bank.balance(CURRENT) == Decimal("2430.31") and bank.balance(TOM_CURRENT) == Decimal("632.08")
    with pytest.raises(IdempotencyKeyReused):
        bank.transfers.execute(bank.alex, "key-1", replace(order, amount=Decimal("21.00")), challenge_id, code)


def test_identical_transfers_racing_book_once_and_answer_alike(bank: Bank):
    order = to_tom("20.00")
    challenge_id, code = bank.prepare(order)
    start = threading.Barrier(4)
    answers: list = []

    def execute() -> None:
        start.wait()
        answers.append(bank.transfers.execute(bank.alex, "same-key", order, challenge_id, code))

    threads = [threading.Thread(target=execute) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(answers) == 4
    assert len({answer.body["reference"] for answer in answers}) == 1
    assert sorted(answer.replayed for answer in answers) == [False, True, True, True]
    assert bank.transfer_count() == 1
    assert bank.balance(CURRENT) == Decimal("2430.31") and bank.balance(TOM_CURRENT) == Decimal("632.08")


def test_transfers_racing_with_different_keys_use_the_code_once(bank: Bank):
    order = to_tom("20.00")
    challenge_id, code = bank.prepare(order)
    start = threading.Barrier(4)
    outcomes: list[str] = []

    def execute(key: str) -> None:
        start.wait()
        try:
            bank.transfers.execute(bank.alex, key, order, challenge_id, code)
            outcomes.append("booked")
        except OtpUsed:
            outcomes.append("used")

    threads = [threading.Thread(target=execute, args=(f"key-{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["booked", "used", "used", "used"]
    assert bank.balance(CURRENT) == Decimal("2430.31")
