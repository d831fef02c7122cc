"""Appointments with an advisor: free slots, booking one (idempotent), rescheduling, cancelling.

The bank's advisors see customers in a branch, by phone or by video, each on the working days and
channels of their own. A slot is an advisor's start time (`slot_id`); the free ones are listed for the
next `days` working days (Monday to Friday, today included, in Paris time), at least an hour ahead.
Times are UTC on the wire; the bank's appointments are in Europe/Paris time.

A slot is never booked twice, however many book it at once: the late one is refused (409
slot_taken). Rescheduling moves the appointment (same reference) to a new slot in one step: the new
slot is taken and the old one freed together, or nothing changes. Cancelling frees the slot;
cancelling a cancelled appointment gives it back unchanged.
"""
from __future__ import annotations

from typing import Literal, Optional

from pydantic import Field, StrictStr

from bot.core_bank.contract.staff import CaseCustomer
from bot.core_bank.contract.wire import Choice, Identifier, RequestModel, Text, Timestamp, WireModel, WireType, refuse

APPOINTMENT_CHANNELS = ("branch", "phone", "video")
APPOINTMENT_TOPICS = ("mortgage", "loan", "savings", "account", "other")
APPOINTMENT_STATUSES = ("confirmed", "cancelled")
BANK_TIMEZONE = "Europe/Paris"
DEFAULT_SLOT_DAYS = 5
MAX_SLOT_DAYS = 20
DEFAULT_SLOT_LIMIT = 20
MAX_SLOT_LIMIT = 100
NOTE_MAX_LENGTH = 300
APPOINTMENT_REFERENCE_PATTERN = "^AP-[A-Z0-9]{8}$"
SLOT_ID_EXAMPLE = "adv_5c1f0e9a2b7d@20260612T0730Z"

ChannelName = Literal["branch", "phone", "video"]
TopicName = Literal["mortgage", "loan", "savings", "account", "other"]


class AppointmentChannel(Choice):
    choices = APPOINTMENT_CHANNELS


class AppointmentTopic(Choice):
    choices = APPOINTMENT_TOPICS


class SlotId(Identifier):
    example = SLOT_ID_EXAMPLE


class AppointmentNote(Text):
    max_length = NOTE_MAX_LENGTH
    example = "About a first home, around 300,000 euros."


class QueryNumber(WireType, int):
    """A whole number in a query string (a string of digits), between `low` and `high`."""

    low = 1
    high = 1
    default = 1

    @classmethod
    def __modify_schema__(cls, field_schema: dict) -> None:
        field_schema.update(type="integer", minimum=cls.low, maximum=cls.high, default=cls.default)

    @classmethod
    def check(cls, value, field):  # type: ignore[no-untyped-def]
        if isinstance(value, bool):
            raise refuse(f"{field.name} must be a whole number.")
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise refuse(f"{field.name} must be a whole number.") from None
        if not cls.low <= number <= cls.high:
            raise refuse(f"{field.name} must be between {cls.low} and {cls.high}.")
        return number


class SlotDays(QueryNumber):
    high = MAX_SLOT_DAYS
    default = DEFAULT_SLOT_DAYS


class SlotLimit(QueryNumber):
    high = MAX_SLOT_LIMIT
    default = DEFAULT_SLOT_LIMIT


class SlotQuery(RequestModel):
    where = "query"

    channel: Optional[AppointmentChannel] = Field(None, description="only advisors who see customers this way")
    advisor_id: Optional[Identifier] = Field(None, description="only this advisor's slots")
    days: SlotDays = Field(DEFAULT_SLOT_DAYS, description="working days ahead, today included")  # type: ignore[assignment]
    limit: SlotLimit = Field(DEFAULT_SLOT_LIMIT, description="at most this many slots, soonest first")  # type: ignore[assignment]


class Branch(WireModel):
    name: StrictStr = Field(..., example="Paris Oberkampf")
    address: StrictStr = Field(..., example="98 rue Oberkampf, 75011 Paris")


class Advisor(WireModel):
    advisor_id: StrictStr
    name: StrictStr = Field(..., example="Claire Lefèvre")
    channels: list[ChannelName] = Field(..., description="how this advisor sees customers")
    branch: Optional[Branch] = Field(..., nullable=True, description="where branch appointments are; null: none")


class Slot(WireModel):
    slot_id: StrictStr = Field(..., example=SLOT_ID_EXAMPLE)
    starts_at: Timestamp
    ends_at: Timestamp
    advisor: Advisor


class SlotList(WireModel):
    timezone: Literal["Europe/Paris"] = Field(..., description="the time zone the bank's appointments are in")
    slots: list[Slot] = Field(..., description="free, soonest first")


class AppointmentRequest(RequestModel):
    slot_id: SlotId = Field(..., description="a free slot, as listed")
    channel: AppointmentChannel = Field(..., description="one of the advisor's channels")
    topic: AppointmentTopic
    note: Optional[AppointmentNote] = Field(None, nullable=True, description="what the customer wants to talk about")


class RescheduleRequest(RequestModel):
    slot_id: SlotId = Field(..., description="the new slot, free")
    channel: Optional[AppointmentChannel] = Field(
        None, nullable=True, description="a new channel; without it, the appointment's own (the new advisor must offer it)"
    )


class Appointment(WireModel):
    reference: StrictStr = Field(..., regex=APPOINTMENT_REFERENCE_PATTERN, example="AP-7Q2K9XWB")
    status: Literal["confirmed", "cancelled"]
    topic: TopicName
    channel: ChannelName
    note: Optional[StrictStr] = Field(..., nullable=True)
    starts_at: Timestamp
    ends_at: Timestamp
    timezone: Literal["Europe/Paris"]
    advisor: Advisor
    booked_at: Timestamp
    cancelled_at: Optional[Timestamp] = Field(..., nullable=True)


class AppointmentList(WireModel):
    appointments: list[Appointment] = Field(..., description="soonest first, cancelled ones included")


class StaffAppointment(Appointment):
    customer: CaseCustomer


class StaffAppointmentQuery(RequestModel):
    where = "query"

    advisor_id: Optional[Identifier] = Field(None, description="only this advisor's appointments")
    days: SlotDays = Field(DEFAULT_SLOT_DAYS, description="working days ahead, today included")  # type: ignore[assignment]


class StaffAppointmentList(WireModel):
    appointments: list[StaffAppointment] = Field(..., description="confirmed and still ahead, soonest first")
