"""Appointments with an advisor: free slots, booking, rescheduling, cancelling; the staff's diary.

Rules (one place each):
- the bank's working days are Monday to Friday (public holidays are not kept here); an advisor works on
  the weekdays of their own (`Advisor.weekdays`), seeing customers in the ways of their own
  (`Advisor.channels`: branch, phone, video);
- an advisor's slots start at SLOT_TIMES, Paris time, and last APPOINTMENT_MINUTES (the branches are open
  09:30-18:00); a slot is `<advisor_id>@<UTC start, YYYYMMDDTHHMMZ>`;
- the free slots are listed for the next `days` working days (today included), soonest first; a slot
  can be booked from NOTICE ahead (SlotInPast before) to MAX_SLOT_DAYS working days ahead;
- a slot holds one confirmed appointment: the database's partial unique index on (advisor, start) of the
  confirmed ones refuses a second, even one booked at the same moment (SlotTaken);
- a customer is in one appointment at a time: a booking or a move onto a time the customer's other confirmed
  appointment overlaps is refused (AppointmentOverlap, naming it), whichever advisor has the slot; the customer's
  row is locked first, so two bookings of theirs at once see each other. The free slots listed to a customer
  leave out the times they are already booked at;
- rescheduling changes the appointment's own row (same reference): the new slot is taken and the old one
  freed in one database transaction, or nothing changes; only a confirmed appointment still ahead can be
  rescheduled or cancelled (AppointmentCancelled, AppointmentPast); cancelling frees the slot and a
  cancelled appointment is given back unchanged.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Optional

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.core_bank.bank_time import BANK_ZONE, bank_day
from bot.core_bank.contract import appointments as contract
from bot.core_bank.contract.staff import CaseCustomer
from bot.core_bank.errors import (
    AppointmentCancelled,
    AppointmentNotFound,
    AppointmentOverlap,
    AppointmentPast,
    InvalidRequest,
    SlotInPast,
    SlotTaken,
    SlotUnavailable,
)
from bot.core_bank.idempotency import IdempotentService, RecordedResponse
from bot.core_bank.models import Advisor, Appointment, Customer, lock_customer
from bot.core_bank.references import APPOINTMENT_PREFIX

SLOT_TIMES = (time(9, 30), time(10, 30), time(11, 30), time(14, 0), time(15, 0), time(16, 0), time(17, 0))
APPOINTMENT_MINUTES = 45
NOTICE = timedelta(hours=1)
WORKING_WEEKDAYS = (1, 2, 3, 4, 5)  # ISO: Monday to Friday
MAX_SLOT_DAYS = contract.MAX_SLOT_DAYS
CHANNELS = contract.APPOINTMENT_CHANNELS
TOPICS = contract.APPOINTMENT_TOPICS
CONFIRMED = "confirmed"
CANCELLED = "cancelled"
SLOT_ID = re.compile(r"^(?P<advisor>[A-Za-z0-9_-]{1,40})@(?P<start>[0-9]{8}T[0-9]{4})Z$")


# --- days and slots ---------------------------------------------------------------------


def working_days(first: date, count: int) -> list[date]:
    """The first `count` working days from `first` (included when it is one)."""
    days: list[date] = []
    day = first
    while len(days) < count:
        if day.isoweekday() in WORKING_WEEKDAYS:
            days.append(day)
        day += timedelta(days=1)
    return days


def slot_start(day: date, at: time) -> datetime:
    """`at` on `day` in Paris, as an aware UTC time."""
    return datetime.combine(day, at, tzinfo=BANK_ZONE).astimezone(timezone.utc)


def slot_id(advisor_id: str, starts_at: datetime) -> str:
    return f"{advisor_id}@{starts_at.astimezone(timezone.utc):%Y%m%dT%H%M}Z"


def parse_slot_id(raw: str) -> tuple[str, datetime]:
    """(advisor id, UTC start) of a slot id; InvalidRequest when it is not one."""
    match = SLOT_ID.fullmatch(raw)
    if match is None:
        raise InvalidRequest(f"slot_id is not a slot of this bank (such as {contract.SLOT_ID_EXAMPLE}).")
    try:
        starts_at = datetime.strptime(match["start"], "%Y%m%dT%H%M").replace(tzinfo=timezone.utc)
    except ValueError:
        raise InvalidRequest("slot_id names a time that does not exist.") from None
    return match["advisor"], starts_at


def advisor_contract(advisor: Advisor) -> contract.Advisor:
    branch = None
    if advisor.branch_name and advisor.branch_address:
        branch = contract.Branch(name=advisor.branch_name, address=advisor.branch_address)
    return contract.Advisor(
        advisor_id=advisor.id,
        name=f"{advisor.first_name} {advisor.last_name}",
        channels=channels_of(advisor),
        branch=branch,
    )


def channels_of(advisor: Advisor) -> list[str]:
    offered = set(advisor.channels.split(","))
    return [channel for channel in CHANNELS if channel in offered]


def works_on(advisor: Advisor, day: date) -> bool:
    return day.isoweekday() in WORKING_WEEKDAYS and str(day.isoweekday()) in advisor.weekdays


@dataclass(frozen=True)
class Booking:
    slot_id: str
    channel: str
    topic: str
    note: Optional[str] = None

    def normalized(self) -> dict[str, Any]:
        return {"slot_id": self.slot_id, "channel": self.channel, "topic": self.topic, "note": self.note}


@dataclass(frozen=True)
class Move:
    slot_id: str
    channel: Optional[str] = None  # None: the appointment's own

    def normalized(self, reference: str) -> dict[str, Any]:
        return {"reference": reference, "slot_id": self.slot_id, "channel": self.channel}


def overlaps(busy: list[tuple[datetime, datetime]], starts_at: datetime) -> bool:
    """Whether an appointment starting `starts_at` would overlap one of the `busy` (start, end) times."""
    ends_at = starts_at + timedelta(minutes=APPOINTMENT_MINUTES)
    return any(start < ends_at and starts_at < end for start, end in busy)


# --- the service ------------------------------------------------------------------------


class Appointments(IdempotentService):
    """Advisors' free slots, customers' appointments, and the staff's diary of them."""

    def free_slots(
        self,
        days: int = contract.DEFAULT_SLOT_DAYS,
        limit: int = contract.DEFAULT_SLOT_LIMIT,
        channel: Optional[str] = None,
        advisor_id: Optional[str] = None,
        customer_id: Optional[int] = None,
    ) -> list[contract.Slot]:
        """The free slots of the next `days` working days (today included), soonest first, at most `limit`; for
        `customer_id`, none that overlaps one of the customer's confirmed appointments."""
        if not 1 <= days <= MAX_SLOT_DAYS:
            raise InvalidRequest(f"days must be between 1 and {MAX_SLOT_DAYS}.")
        now = self._clock()
        window = working_days(bank_day(now), days)
        with self._sessions() as session:
            query = select(Advisor).order_by(Advisor.position, Advisor.id)
            if advisor_id is not None:
                query = query.where(Advisor.id == advisor_id)
            advisors = [a for a in session.execute(query).scalars() if channel is None or channel in channels_of(a)]
            first, last = slot_start(window[0], SLOT_TIMES[0]), slot_start(window[-1], SLOT_TIMES[-1])
            taken = {
                (advisor_id, starts_at)
                for advisor_id, starts_at in session.execute(
                    select(Appointment.advisor_id, Appointment.starts_at).where(
                        Appointment.status == CONFIRMED, Appointment.starts_at >= first, Appointment.starts_at <= last
                    )
                )
            }
            busy = [] if customer_id is None else self._customer_busy(session, customer_id, first, last)
            slots: list[contract.Slot] = []
            for day in window:
                for at in SLOT_TIMES:
                    starts_at = slot_start(day, at)
                    if starts_at < now + NOTICE or overlaps(busy, starts_at):
                        continue
                    for advisor in advisors:
                        if works_on(advisor, day) and (advisor.id, starts_at) not in taken:
                            slots.append(self._slot(advisor, starts_at))
                            if len(slots) == limit:
                                return slots
            return slots

    def book(self, customer_id: int, idempotency_key: str, booking: Booking) -> RecordedResponse:
        """Books a free slot (once per Idempotency-Key): 201 with the confirmed appointment."""
        self._check_choices(booking.channel, booking.topic)

        def confirm(session: Session) -> tuple[int, dict[str, Any]]:
            lock_customer(session, customer_id)  # two bookings of the customer's at once: the second sees the first
            advisor, starts_at = self._bookable(session, booking.slot_id, booking.channel)
            self._check_customer_free(session, customer_id, starts_at)  # first: their own slot is theirs, not taken
            self._check_free(session, advisor.id, starts_at)
            row = Appointment(
                reference=self._new_reference(APPOINTMENT_PREFIX),
                customer_id=customer_id,
                advisor_id=advisor.id,
                starts_at=starts_at,
                ends_at=starts_at + timedelta(minutes=APPOINTMENT_MINUTES),
                channel=booking.channel,
                topic=booking.topic,
                note=booking.note,
                status=CONFIRMED,
                booked_at=self._clock(),
            )
            session.add(row)
            self._hold_slot(session)
            return 201, self._contract(row, advisor).wire()

        return self._idempotency.run(customer_id, idempotency_key, "book_appointment", booking.normalized(), confirm)

    def reschedule(self, customer_id: int, idempotency_key: str, reference: str, move: Move) -> RecordedResponse:
        """Moves the appointment to a free slot in one step (once per Idempotency-Key): 200 with it."""
        if move.channel is not None:
            self._check_choices(move.channel, None)

        def move_it(session: Session) -> tuple[int, dict[str, Any]]:
            lock_customer(session, customer_id)
            row = self._own_appointment(session, customer_id, reference)
            self._check_changeable(row, "rescheduled")
            channel = move.channel or row.channel
            advisor, starts_at = self._bookable(session, move.slot_id, channel)
            if (advisor.id, starts_at, channel) != (row.advisor_id, row.starts_at, row.channel):
                if (advisor.id, starts_at) != (row.advisor_id, row.starts_at):
                    self._check_customer_free(session, customer_id, starts_at, moving=row.row_id)
                    self._check_free(session, advisor.id, starts_at)
                row.advisor_id = advisor.id
                row.starts_at = starts_at
                row.ends_at = starts_at + timedelta(minutes=APPOINTMENT_MINUTES)
                row.channel = channel
                self._hold_slot(session)
            return 200, self._contract(row, advisor).wire()

        return self._idempotency.run(
            customer_id, idempotency_key, "reschedule_appointment", move.normalized(reference), move_it
        )

    def cancel(self, customer_id: int, reference: str) -> contract.Appointment:
        """Cancels the appointment now, freeing its slot; a cancelled one is given back unchanged."""
        with self._sessions() as session:
            row = self._own_appointment(session, customer_id, reference)
            if row.status == CONFIRMED:
                self._check_changeable(row, "cancelled")
                session.execute(
                    update(Appointment)
                    .where(Appointment.row_id == row.row_id, Appointment.status == CONFIRMED)
                    .values(status=CANCELLED, cancelled_at=self._clock())
                )
                session.commit()
                row = self._own_appointment(session, customer_id, reference, fresh=True)
            return self._contract(row, session.get(Advisor, row.advisor_id))

    def of_customer(self, customer_id: int) -> list[contract.Appointment]:
        """The customer's appointments, soonest first, cancelled ones included."""
        with self._sessions() as session:
            rows = session.execute(
                select(Appointment, Advisor)
                .join(Advisor, Advisor.id == Appointment.advisor_id)
                .where(Appointment.customer_id == customer_id)
                .order_by(Appointment.starts_at, Appointment.row_id)
            ).all()
            return [self._contract(row, advisor) for row, advisor in rows]

    def get(self, customer_id: int, reference: str) -> contract.Appointment:
        with self._sessions() as session:
            row = self._own_appointment(session, customer_id, reference)
            return self._contract(row, session.get(Advisor, row.advisor_id))

    def diary(self, days: int = contract.DEFAULT_SLOT_DAYS, advisor_id: Optional[str] = None) -> list[contract.StaffAppointment]:
        """For the staff: the confirmed appointments still ahead in the next `days` working days, soonest first."""
        now = self._clock()
        last_day = working_days(bank_day(now), days)[-1]
        until = datetime.combine(last_day + timedelta(days=1), time(0), tzinfo=BANK_ZONE)
        with self._sessions() as session:
            query = (
                select(Appointment, Advisor, Customer)
                .join(Advisor, Advisor.id == Appointment.advisor_id)
                .join(Customer, Customer.id == Appointment.customer_id)
                .where(Appointment.status == CONFIRMED, Appointment.ends_at > now, Appointment.starts_at < until)
                .order_by(Appointment.starts_at, Advisor.position, Appointment.row_id)
            )
            if advisor_id is not None:
                query = query.where(Appointment.advisor_id == advisor_id)
            return [
                contract.StaffAppointment(
                    **self._fields(row, advisor),
                    customer=CaseCustomer(
                        customer_number=customer.customer_number,
                        first_name=customer.first_name,
                        last_name=customer.last_name,
                    ),
                )
                for row, advisor, customer in session.execute(query).all()
            ]

    # -- rules --

    @staticmethod
    def _check_choices(channel: str, topic: Optional[str]) -> None:
        if channel not in CHANNELS:
            raise InvalidRequest(f"channel must be one of {', '.join(CHANNELS)}.")
        if topic is not None and topic not in TOPICS:
            raise InvalidRequest(f"topic must be one of {', '.join(TOPICS)}.")

    def _bookable(self, session: Session, raw_slot_id: str, channel: str) -> tuple[Advisor, datetime]:
        """The advisor and start of a slot that can be booked now by `channel` (its being free aside)."""
        advisor_id, starts_at = parse_slot_id(raw_slot_id)
        advisor = session.get(Advisor, advisor_id)
        if advisor is None:
            raise SlotUnavailable("No advisor of the bank has this slot.")
        name = f"{advisor.first_name} {advisor.last_name}"
        local = starts_at.astimezone(BANK_ZONE)
        if not works_on(advisor, local.date()) or local.time().replace(tzinfo=None) not in SLOT_TIMES:
            raise SlotUnavailable(f"{name} has no appointment at that time: choose one of the free slots.")
        now = self._clock()
        if starts_at < now + NOTICE:
            raise SlotInPast("That time has passed, or is less than an hour away: choose a later slot.")
        if local.date() > working_days(bank_day(now), MAX_SLOT_DAYS)[-1]:
            raise SlotUnavailable(f"Appointments are booked at most {MAX_SLOT_DAYS} working days ahead.")
        if channel not in channels_of(advisor):
            raise SlotUnavailable(f"{name} sees customers by {' or '.join(channels_of(advisor))}, not by {channel}.")
        return advisor, starts_at

    @staticmethod
    def _check_free(session: Session, advisor_id: str, starts_at: datetime) -> None:
        taken = session.execute(
            select(Appointment.row_id).where(
                Appointment.advisor_id == advisor_id, Appointment.starts_at == starts_at, Appointment.status == CONFIRMED
            )
        ).first()
        if taken is not None:
            raise SlotTaken("This slot has just been taken: choose another one.")

    @staticmethod
    def _check_customer_free(session: Session, customer_id: int, starts_at: datetime,
                             moving: Optional[int] = None) -> None:
        """The customer has no other confirmed appointment overlapping the one starting `starts_at` (`moving`: the
        row being moved, which does not count)."""
        ends_at = starts_at + timedelta(minutes=APPOINTMENT_MINUTES)
        query = select(Appointment.reference).where(
            Appointment.customer_id == customer_id, Appointment.status == CONFIRMED,
            Appointment.starts_at < ends_at, Appointment.ends_at > starts_at,
        )
        if moving is not None:
            query = query.where(Appointment.row_id != moving)
        clash = session.execute(query.order_by(Appointment.starts_at)).first()
        if clash is not None:
            raise AppointmentOverlap(clash.reference)

    @staticmethod
    def _customer_busy(session: Session, customer_id: int, first: datetime,
                       last: datetime) -> list[tuple[datetime, datetime]]:
        """(start, end) of the customer's confirmed appointments that a slot from `first` to `last` may overlap."""
        return [(start, end) for start, end in session.execute(
            select(Appointment.starts_at, Appointment.ends_at).where(
                Appointment.customer_id == customer_id, Appointment.status == CONFIRMED,
                Appointment.ends_at > first, Appointment.starts_at < last + timedelta(minutes=APPOINTMENT_MINUTES),
            )
        )]

    @staticmethod
    def _hold_slot(session: Session) -> None:
        """Writes the booking now: the unique index refuses it if the slot was taken since it was checked."""
        try:
            session.flush()
        except IntegrityError:
            raise SlotTaken("This slot has just been taken: choose another one.") from None

    def _check_changeable(self, row: Appointment, what: str) -> None:
        if row.status == CANCELLED:
            raise AppointmentCancelled(f"This appointment is cancelled: it cannot be {what}. Book a new one.")
        if row.starts_at <= self._clock():
            raise AppointmentPast(f"This appointment has already begun or taken place: it cannot be {what}.")

    @staticmethod
    def _own_appointment(session: Session, customer_id: int, reference: str, fresh: bool = False) -> Appointment:
        query = select(Appointment).where(Appointment.reference == reference, Appointment.customer_id == customer_id)
        if fresh:
            query = query.execution_options(populate_existing=True)
        row = session.execute(query).scalar_one_or_none()
        if row is None:
            raise AppointmentNotFound("No such appointment for this customer.")
        return row

    # -- shapes --

    @staticmethod
    def _slot(advisor: Advisor, starts_at: datetime) -> contract.Slot:
        return contract.Slot(
            slot_id=slot_id(advisor.id, starts_at),
            starts_at=starts_at,
            ends_at=starts_at + timedelta(minutes=APPOINTMENT_MINUTES),
            advisor=advisor_contract(advisor),
        )

    def _contract(self, row: Appointment, advisor: Advisor) -> contract.Appointment:
        return contract.Appointment(**self._fields(row, advisor))

    @staticmethod
    def _fields(row: Appointment, advisor: Advisor) -> dict[str, Any]:
        return dict(
            reference=row.reference,
            status=row.status,
            topic=row.topic,
            channel=row.channel,
            note=row.note,
            starts_at=row.starts_at,
            ends_at=row.ends_at,
            timezone=contract.BANK_TIMEZONE,
            advisor=advisor_contract(advisor),
            booked_at=row.booked_at,
            cancelled_at=row.cancelled_at,
        )
