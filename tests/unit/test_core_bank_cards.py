"""Blocking cards and ordering new ones, on the domain layer (temp SQLite file, injected clock)."""
from __future__ import annotations

import threading
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Iterator

import pytest
from sqlalchemy import func, select

from bot.core_bank.cards import CardOrderRequest, add_business_days
from bot.core_bank.errors import (
    AccountNotEligible,
    AccountNotFound,
    CardAlreadyActive,
    CardNotFound,
    CreditCardLimit,
    IdempotencyKeyReused,
    InvalidRequest,
    ReplacementNotAllowed,
)
from bot.core_bank.models import CardOrder, create_database_engine, create_session_factory
from bot.core_bank.otp import OtpPolicy
from bot.core_bank.seed import DEMO_ACCOUNT_IDS, DEMO_ADDRESS_MASKED, DEMO_CARD_IDS, stable_id
from bot.core_bank.server import prepare_database
from bot.core_bank.services import CoreBankServices, build_services
from bot.core_bank.sms import SmsOutbox
from bot.core_bank.transfers import TransferLimits
from tests.unit.core_bank_otp_support import FakeClock

ALEX_ID, CAMILLE_ID = 1, 2
CURRENT = DEMO_ACCOUNT_IDS["current"]
SAVINGS = DEMO_ACCOUNT_IDS["savings"]
CAMILLE_CURRENT = stable_id("acc", "100002", "current")
CAMILLE_DEBIT = stable_id("card", "100002", "1590")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()  # Thursday 2026-06-11, 09:00 UTC


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


def order(services: CoreBankServices, kind: str, account_id: str = CURRENT, replaces: str | None = None,
          key: str = "key-1", customer_id: int = ALEX_ID) -> dict:
    recorded = services.cards.order(customer_id, key, CardOrderRequest(kind, account_id, replaces))
    assert recorded.status == 201
    return recorded.body


# --- blocking -------------------------------------------------------------------------


def test_blocking_a_card_takes_effect_at_once(services: CoreBankServices, clock: FakeClock):
    blocked = services.cards.block(ALEX_ID, DEMO_CARD_IDS["debit"], "lost").to_json()

    assert blocked["status"] == "blocked"
    assert blocked["blocked_at"] == clock().isoformat(timespec="seconds")
    assert blocked["block_reason"] == "lost"
    assert {k: blocked[k] for k in ("card_id", "kind", "last4")} == {"card_id": DEMO_CARD_IDS["debit"], "kind": "debit", "last4": "4821"}
    listed = {c.card_id: c.status for c in services.records.cards(ALEX_ID)}
    assert listed == {DEMO_CARD_IDS["debit"]: "blocked", DEMO_CARD_IDS["credit"]: "active"}


def test_blocking_a_blocked_card_changes_nothing(services: CoreBankServices, clock: FakeClock):
    first = services.cards.block(ALEX_ID, DEMO_CARD_IDS["credit"], "stolen")
    clock.advance(3600)

    again = services.cards.block(ALEX_ID, DEMO_CARD_IDS["credit"], "damaged")

    assert again == first


def test_only_the_customers_own_cards_can_be_blocked(services: CoreBankServices):
    for card_id in (CAMILLE_DEBIT, "card_nope"):
        with pytest.raises(CardNotFound):
            services.cards.block(ALEX_ID, card_id, "lost")
    assert {c.status for c in services.records.cards(CAMILLE_ID)} == {"active"}
    with pytest.raises(InvalidRequest):
        services.cards.block(ALEX_ID, DEMO_CARD_IDS["debit"], "bored")


# --- ordering -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ordered", "due"),
    [
        (date(2026, 6, 11), date(2026, 6, 18)),  # Thursday -> Thursday
        (date(2026, 6, 12), date(2026, 6, 19)),  # Friday -> Friday
        (date(2026, 6, 13), date(2026, 6, 19)),  # Saturday -> Friday
        (date(2026, 6, 14), date(2026, 6, 19)),  # Sunday -> Friday
        (date(2026, 6, 15), date(2026, 6, 22)),  # Monday -> Monday
    ],
)
def test_delivery_is_five_business_days_later(ordered: date, due: date):
    assert add_business_days(ordered, 5) == due


def test_the_estimate_counts_the_working_days_the_bank_publishes():
    """The order's estimate and the knowledge base's answer ("within {card_delivery_days} working days") agree."""
    from bot.core_bank.cards import delivery_business_days
    from bot.core_bank.facts import file_facts

    assert delivery_business_days() == int(file_facts()["card_delivery_days"].value) == 7


def test_a_replacement_for_a_blocked_card(services: CoreBankServices, clock: FakeClock):
    services.cards.block(ALEX_ID, DEMO_CARD_IDS["debit"], "damaged")

    placed = order(services, "debit", replaces=DEMO_CARD_IDS["debit"])

    assert placed == {
        "reference": placed["reference"],
        "kind": "debit",
        "account_id": CURRENT,
        "replaces_card_id": DEMO_CARD_IDS["debit"],
        "status": "ordered",
        "delivery_address_masked": DEMO_ADDRESS_MASKED,
        "estimated_delivery": "2026-06-22",  # 7 working days (bank_facts.yml, card_delivery_days)
        "ordered_at": clock().isoformat(timespec="seconds"),
    }
    assert placed["reference"].startswith("CO-") and len(placed["reference"]) == 11
    assert placed["reference"][3:].isalnum() and placed["reference"][3:].upper() == placed["reference"][3:]


def test_no_second_debit_card_on_an_account(services: CoreBankServices):
    with pytest.raises(CardAlreadyActive):
        order(services, "debit")

    services.cards.block(ALEX_ID, DEMO_CARD_IDS["debit"], "lost")
    order(services, "debit", replaces=DEMO_CARD_IDS["debit"])
    with pytest.raises(CardAlreadyActive):  # one is on order now
        order(services, "debit", key="key-2")


def test_at_most_one_credit_card(services: CoreBankServices):
    with pytest.raises(CreditCardLimit):
        order(services, "credit")

    order(services, "credit", account_id=CAMILLE_CURRENT, customer_id=CAMILLE_ID)  # Camille has none
    with pytest.raises(CreditCardLimit):
        order(services, "credit", account_id=CAMILLE_CURRENT, customer_id=CAMILLE_ID, key="key-2")


def test_a_blocked_credit_card_is_replaced_once(services: CoreBankServices):
    services.cards.block(ALEX_ID, DEMO_CARD_IDS["credit"], "stolen")

    order(services, "credit", replaces=DEMO_CARD_IDS["credit"])

    with pytest.raises(ReplacementNotAllowed) as again:
        order(services, "credit", replaces=DEMO_CARD_IDS["credit"], key="key-2")
    assert "already being replaced" in again.value.message
    with pytest.raises(CreditCardLimit):
        order(services, "credit", key="key-3")


def test_what_cannot_be_replaced(services: CoreBankServices):
    with pytest.raises(ReplacementNotAllowed):  # still active
        order(services, "debit", replaces=DEMO_CARD_IDS["debit"])
    services.cards.block(ALEX_ID, DEMO_CARD_IDS["credit"], "lost")
    with pytest.raises(ReplacementNotAllowed):  # another kind
        order(services, "debit", replaces=DEMO_CARD_IDS["credit"])
    with pytest.raises(CardNotFound):  # somebody else's
        order(services, "debit", replaces=CAMILLE_DEBIT)


def test_cards_are_ordered_on_the_customers_current_account(services: CoreBankServices):
    with pytest.raises(AccountNotEligible):
        order(services, "debit", account_id=SAVINGS)
    for account_id in (CAMILLE_CURRENT, "acc_nope"):
        with pytest.raises(AccountNotFound):
            order(services, "debit", account_id=account_id)
    with pytest.raises(InvalidRequest):
        order(services, "prepaid")


def test_orders_are_listed_newest_first(services: CoreBankServices, clock: FakeClock):
    services.cards.block(ALEX_ID, DEMO_CARD_IDS["debit"], "lost")
    services.cards.block(ALEX_ID, DEMO_CARD_IDS["credit"], "lost")
    first = order(services, "debit", replaces=DEMO_CARD_IDS["debit"], key="key-1")
    second = order(services, "credit", replaces=DEMO_CARD_IDS["credit"], key="key-2")  # same instant

    assert [o.reference for o in services.cards.orders(ALEX_ID)] == [second["reference"], first["reference"]]
    assert services.cards.orders(CAMILLE_ID) == []


def test_an_order_is_idempotent(services: CoreBankServices):
    services.cards.block(ALEX_ID, DEMO_CARD_IDS["debit"], "lost")
    first = services.cards.order(ALEX_ID, "key-1", CardOrderRequest("debit", CURRENT, DEMO_CARD_IDS["debit"]))

    again = services.cards.order(ALEX_ID, "key-1", CardOrderRequest("debit", CURRENT, DEMO_CARD_IDS["debit"]))

    assert again.body == first.body and again.replayed
    with pytest.raises(IdempotencyKeyReused):
        services.cards.order(ALEX_ID, "key-1", CardOrderRequest("debit", CURRENT, None))
    assert len(services.cards.orders(ALEX_ID)) == 1


def test_two_different_orders_racing_cannot_both_pass_the_one_card_rule(services: CoreBankServices):
    start = threading.Barrier(4)
    outcomes: list[str] = []

    def place(key: str) -> None:
        start.wait()
        try:
            services.cards.order(CAMILLE_ID, key, CardOrderRequest("credit", CAMILLE_CURRENT))
            outcomes.append("ordered")
        except CreditCardLimit:
            outcomes.append("refused")

    threads = [threading.Thread(target=place, args=(f"key-{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["ordered", "refused", "refused", "refused"]
    with services.cards._sessions() as session:
        assert session.execute(select(func.count(CardOrder.row_id))).scalar_one() == 1


def test_the_order_date_is_the_utc_date(services: CoreBankServices, clock: FakeClock):
    clock.now = datetime(2026, 6, 12, 23, 30, tzinfo=timezone.utc)  # Friday night UTC
    placed = order(services, "credit", account_id=CAMILLE_CURRENT, customer_id=CAMILLE_ID)
    assert placed["estimated_delivery"] == "2026-06-23"  # Friday + 7 working days
