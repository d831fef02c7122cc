"""The appointment rules on the domain layer: working days and Paris time (summer and winter), slot ids, and a
slot held by the database's unique index alone, bookings and reschedulings racing, on SQLite and PostgreSQL."""
from __future__ import annotations

import threading
from datetime import date, datetime, time, timezone
from decimal import Decimal
from pathlib import Path
from typing import Callable, Iterator

import pytest
from sqlalchemy import func, select

from bot.core_bank import appointments as appointments_module
from bot.core_bank.appointments import Booking, Move, parse_slot_id, slot_id, slot_start, working_days
from bot.core_bank.errors import CoreBankError, InvalidRequest
from bot.core_bank.models import Appointment, create_database_engine, create_session_factory
from bot.core_bank.otp import OtpPolicy
from bot.core_bank.seed import DEMO_ADVISOR_IDS
from bot.core_bank.server import prepare_database
from bot.core_bank.services import CoreBankServices, build_services
from bot.core_bank.sms import SmsOutbox
from bot.core_bank.transfers import TransferLimits
from tests.core_bank.core_bank_fixtures import START, TestClock
from tests.support.production_services import database_url, fresh_databases

NADIA = DEMO_ADVISOR_IDS["nadia-benali"]
CUSTOMER_IDS = (1, 2, 3, 4)


def test_working_days_skip_weekends_and_count_today():
    assert working_days(date(2026, 6, 11), 3) == [date(2026, 6, 11), date(2026, 6, 12), date(2026, 6, 15)]
    assert working_days(date(2026, 6, 13), 1) == [date(2026, 6, 15)]  # Saturday


@pytest.mark.parametrize(
    ("day", "utc"),
    [
        (date(2026, 6, 12), datetime(2026, 6, 12, 7, 30, tzinfo=timezone.utc)),  # summer: UTC+2
        (date(2026, 10, 23), datetime(2026, 10, 23, 7, 30, tzinfo=timezone.utc)),  # the Friday before the change
        (date(2026, 10, 26), datetime(2026, 10, 26, 8, 30, tzinfo=timezone.utc)),  # winter: UTC+1
        (date(2026, 12, 4), datetime(2026, 12, 4, 8, 30, tzinfo=timezone.utc)),
    ],
)
def test_a_slot_is_at_its_paris_time_all_year(day: date, utc: datetime):
    starts_at = slot_start(day, time(9, 30))
    assert starts_at == utc and starts_at.utcoffset().total_seconds() == 0
    assert parse_slot_id(slot_id(NADIA, starts_at)) == (NADIA, utc)


@pytest.mark.parametrize("raw", ["", "adv_x", "adv_x@2026-06-12T07:30Z", "adv_x@20260612T0730", "adv x@20260612T0730Z",
                                 "adv_x@20261312T0730Z", "adv_x@20260612T2561Z"])
def test_what_is_no_slot_id(raw: str):
    with pytest.raises(InvalidRequest):
        parse_slot_id(raw)


# --- the database's guard, on both databases -------------------------------------------------------


def services_on(url: str, clock: TestClock) -> tuple[CoreBankServices, Callable[[], None]]:
    engine = create_database_engine(url)
    prepare_database(engine, now=START)
    services = build_services(
        create_session_factory(engine), secret="test-secret", policy=OtpPolicy(),
        limits=TransferLimits(Decimal("250.00"), Decimal("500.00")), sms=SmsOutbox(clock=clock), clock=clock,
    )
    return services, engine.dispose


@pytest.fixture(params=["sqlite", "postgresql"])
def services(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[CoreBankServices]:
    clock = TestClock()
    if request.param == "sqlite":
        built, dispose = services_on(f"sqlite:///{tmp_path / 'core_bank.db'}", clock)
        yield built
        dispose()
        return
    with fresh_databases("core_bank") as (name,):
        built, dispose = services_on(database_url(name), clock)
        yield built
        dispose()


def at_once(calls: list[Callable[[], object]]) -> list[str]:
    """The calls in threads released together; each one's outcome: "ok" or its error's code."""
    start = threading.Barrier(len(calls))
    outcomes = [""] * len(calls)

    def run(index: int) -> None:
        start.wait()
        try:
            calls[index]()
            outcomes[index] = "ok"
        except CoreBankError as error:
            outcomes[index] = error.code

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def confirmed_on(services: CoreBankServices, starts_at: datetime) -> int:
    with services.appointments._sessions() as session:
        return session.execute(
            select(func.count(Appointment.row_id)).where(
                Appointment.advisor_id == NADIA, Appointment.starts_at == starts_at, Appointment.status == "confirmed"
            )
        ).scalar_one()


def test_the_index_alone_keeps_a_slot_to_one_booking(services: CoreBankServices, monkeypatch: pytest.MonkeyPatch):
    """The check that the slot is free is taken away: the database's unique index still lets one booking in."""
    monkeypatch.setattr(appointments_module.Appointments, "_check_free", staticmethod(lambda *args: None))
    starts_at = slot_start(date(2026, 6, 12), time(10, 30))
    slot = slot_id(NADIA, starts_at)

    outcomes = at_once([
        lambda customer_id=customer_id: services.appointments.book(customer_id, "key", Booking(slot, "phone", "loan"))
        for customer_id in CUSTOMER_IDS
    ])

    assert sorted(outcomes) == ["ok", "slot_taken", "slot_taken", "slot_taken"]
    assert confirmed_on(services, starts_at) == 1


def test_two_appointments_moved_to_one_slot_at_once(services: CoreBankServices, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(appointments_module.Appointments, "_check_free", staticmethod(lambda *args: None))
    first = services.appointments.book(1, "a", Booking(slot_id(NADIA, slot_start(date(2026, 6, 15), time(9, 30))), "phone", "loan"))
    second = services.appointments.book(2, "b", Booking(slot_id(NADIA, slot_start(date(2026, 6, 15), time(10, 30))), "phone", "loan"))
    target = slot_start(date(2026, 6, 16), time(14, 0))

    outcomes = at_once([
        lambda: services.appointments.reschedule(1, "r", first.body["reference"], Move(slot_id(NADIA, target))),
        lambda: services.appointments.reschedule(2, "r", second.body["reference"], Move(slot_id(NADIA, target))),
    ])

    assert sorted(outcomes) == ["ok", "slot_taken"]
    assert confirmed_on(services, target) == 1
    loser = (1, first) if outcomes[0] == "slot_taken" else (2, second)
    kept = services.appointments.get(loser[0], loser[1].body["reference"])
    assert kept.starts_at == datetime.fromisoformat(loser[1].body["starts_at"])  # unchanged: nothing half done


def test_one_customer_booking_two_advisors_at_one_time_at_once_gets_one(services: CoreBankServices):
    """The customer's row is locked before the check: two bookings of theirs at once see each other."""
    starts_at = slot_start(date(2026, 6, 12), time(14, 0))
    claire = DEMO_ADVISOR_IDS["claire-lefevre"]

    outcomes = at_once([
        lambda advisor=advisor, n=n: services.appointments.book(1, f"k-{n}", Booking(slot_id(advisor, starts_at),
                                                                                      "phone", "loan"))
        for n, advisor in enumerate((NADIA, claire))
    ])

    assert sorted(outcomes) == ["appointment_overlap", "ok"]
    assert [a.starts_at for a in services.appointments.of_customer(1) if a.status == "confirmed"] == [starts_at]
