"""Appointments with an advisor: book a meeting later (in a branch, by phone or by video), cancel it, move it.

Not a live chat: "talk to a person now" is the handoff (actions/conversation.py). Behind the one-time code, like
every service with customer data. The core bank decides everything (free slots, the advisor's channels, a slot
booked twice: bot/core_bank/appointments.py); these actions ask, show and relay:

- book (`appointment_form`): the topic (read from the request when it names one, else asked with quick
  replies), the channel (likewise), then the next free slots as quick replies, in the conversation's language
  and locale, Paris time and said so; a yes books it (one idempotency key per draft) and the answer carries the
  AP- reference. A slot taken meanwhile (409 slot_taken) is said politely and fresh slots are offered;
- cancel (`appointment_cancel_form`) and reschedule (`appointment_reschedule_form`): the customer's upcoming
  appointment (picked with quick replies when there are several), then a yes; a move keeps the reference and
  the channel, and shows the free slots of that channel, on the weekday asked for when the request named one
  ("déplacer mon rendez-vous à jeudi").

The acting call is made when the customer says yes (the `appointment_confirmed` validator): a refused slot goes
back to the slot question inside the same form. The form's end (`action_end_appointment`) clears its slots.
"""
from __future__ import annotations

import re
import uuid
from datetime import datetime, timezone
from typing import Any, Dict, List, Optional, Text, Tuple

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.answers import answers_only
from actions.banking import UNAVAILABLE, BankError, core_bank
from actions.identity import VERIFIED
from actions.text.appointments import BANK_ZONE, channel_of, fits, long_time, short_time, topic_of, when_of
from actions.text.locale import Presentation
from actions.text.numbers import fold
from actions.verified import bank_trouble, current_session, session_expired, verified_session
from bot.clock import utc_now
from bot.core_bank.contract.appointments import APPOINTMENT_CHANNELS, APPOINTMENT_TOPICS, MAX_SLOT_LIMIT

BOOK, CANCEL, RESCHEDULE = "book_appointment", "cancel_appointment", "reschedule_appointment"
FORMS = {"appointment_form": BOOK, "appointment_cancel_form": CANCEL, "appointment_reschedule_form": RESCHEDULE}
CONFIRMED = "confirmed"
# The slots offered at once: at most PER_DAY a day, SHOWN in all (Messenger shows 13 quick replies at most).
SHOWN, PER_DAY = 8, 2
SLOT_DAYS = 10  # working days looked at: two weeks, so that "next week" or "jeudi" finds its day
# (at most MAX_SLOT_DAYS; one advisor has 7 slots a day: 70 in SLOT_DAYS, within MAX_SLOT_LIMIT)
SLOT_REFUSALS = {"slot_taken", "slot_unavailable", "slot_in_past"}
CHANGE_REFUSALS = {"appointment_not_found", "appointment_cancelled", "appointment_past"}
# Every slot of the flows: cleared when a request starts afresh and when a form ends.
SLOTS = ("appointment_topic", "appointment_channel", "appointment_slot", "appointment_advisor", "appointment_confirmed",
         "appointment_reference", "appointment_when")
_TIME = re.compile(r"\b([01]?\d|2[0-3])\s*(?:[:h.]\s*([0-5]\d))?\s*(?:h\b)?")


def reset() -> List[EventType]:
    return [SlotSet(slot, None) for slot in SLOTS]


def request_of(tracker: Tracker) -> str:
    """The service of the form running now (booking when none runs)."""
    return FORMS.get(tracker.active_loop_name or "", BOOK)


def upcoming(appointments: list) -> list:
    """The confirmed appointments still ahead, soonest first."""
    now = utc_now()
    return [a for a in appointments if a.status == CONFIRMED and a.starts_at > now]


def advisor_named(shown_as: Presentation, advisor: Any, channel: Optional[str]) -> str:
    """ "Claire Lefèvre", and for a meeting in the branch, which branch and where."""
    if channel == "branch" and advisor.branch is not None:
        return shown_as.text("appointment.advisor_at_branch", advisor=advisor.name, branch=advisor.branch.name,
                             address=advisor.branch.address)
    return shown_as.text("appointment.advisor", advisor=advisor.name)


def choose(slots: list, when: Optional[str]) -> Tuple[list, bool]:
    """The slots to offer (one per start time, at most PER_DAY a day, SHOWN in all), on the day asked for
    when there are some then; and whether the day asked for had none."""
    today = utc_now().astimezone(BANK_ZONE).date()
    wanted = [s for s in slots if fits(s.starts_at, when, today)]
    missed = bool(when) and not wanted
    chosen, starts, per_day = [], set(), {}
    for slot in wanted or slots:
        day = slot.starts_at.astimezone(BANK_ZONE).date()
        if slot.starts_at in starts or per_day.get(day, 0) >= PER_DAY:
            continue
        starts.add(slot.starts_at)
        per_day[day] = per_day.get(day, 0) + 1
        chosen.append(slot)
        if len(chosen) == SHOWN:
            break
    return chosen, missed


def typed_choice(text: str, offered: list, title: Any) -> list:
    """The offered items a typed answer names: by its quick reply's title, else by a time ("10:30", "14h"), on the
    weekday it names when it names one ("jeudi 10h30")."""
    folded = fold(text).strip()
    named = [item for item in offered if fold(title(item)).strip() == folded]
    if named:
        return named
    match = _TIME.search(folded)
    if match is None:
        return []
    wanted = (int(match.group(1)), int(match.group(2) or 0))
    local = [(item, item.starts_at.astimezone(BANK_ZONE)) for item in offered]
    at_time = [(item, moment) for item, moment in local if (moment.hour, moment.minute) == wanted]
    weekday = when_of(text)
    if len(at_time) > 1 and weekday and weekday.isdigit():
        at_time = [(item, moment) for item, moment in at_time if moment.isoweekday() == int(weekday)]
    return [item for item, _ in at_time]


async def slot_channel(tracker: Tracker, token: str) -> Optional[str]:
    """The channel of the slots to offer: the one chosen when booking, the appointment's own when moving it."""
    if request_of(tracker) != RESCHEDULE:
        return tracker.get_slot("appointment_channel")
    reference = tracker.get_slot("appointment_reference")
    found = next((a for a in await core_bank().appointments(token) if a.reference == reference), None)
    return found.channel if found else None


async def free_slots(token: str, channel: Optional[str], when: Optional[str]) -> list:
    """The free slots of the next SLOT_DAYS working days, soonest first. The bank gives MAX_SLOT_LIMIT at most a
    call: when a day is asked for and the first call was cut short, each advisor's are read apart (one advisor has
    fewer than that in SLOT_DAYS), so that a later day is not missed."""
    first = await core_bank().appointment_slots(token, channel=channel, days=SLOT_DAYS, limit=MAX_SLOT_LIMIT)
    if not when or len(first) < MAX_SLOT_LIMIT:
        return first
    every: list = []
    for advisor_id in dict.fromkeys(s.advisor.advisor_id for s in first):
        every += await core_bank().appointment_slots(token, channel=channel, advisor_id=advisor_id, days=SLOT_DAYS,
                                                     limit=MAX_SLOT_LIMIT)
    return sorted(every, key=lambda s: s.starts_at)


async def offered_slots(tracker: Tracker, token: str) -> Tuple[list, bool]:
    channel = await slot_channel(tracker, token)
    slots = await free_slots(token, channel, tracker.get_slot("appointment_when"))
    if request_of(tracker) == RESCHEDULE:  # not the appointment's own time again
        reference = tracker.get_slot("appointment_reference")
        own = {a.starts_at for a in await core_bank().appointments(token) if a.reference == reference}
        slots = [s for s in slots if s.starts_at not in own]
    return choose(slots, tracker.get_slot("appointment_when"))


def session_ended(tracker: Tracker, dispatcher: CollectingDispatcher, error: BankError) -> Dict[Text, Any]:
    """A core-bank error inside a form, other than a refused slot: said, and the form ends."""
    if error.status == 401:
        session_expired(tracker)
        dispatcher.utter_message(response="utter_appointment_session_ended")
    else:
        dispatcher.utter_message(
            response="utter_bank_unavailable" if error.code == UNAVAILABLE else "utter_something_went_wrong"
        )
    return {"appointment_confirmed": False, "requested_slot": None}


# --- starting -------------------------------------------------------------------------------------


class ActionStartAppointment(Action):
    """Book: a fresh request clears the draft (a new idempotency key) and keeps what it says (a mortgage, a video
    call, next week); then verification, or the form."""

    def name(self) -> Text:
        return "action_start_appointment"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        events: List[EventType] = []
        if tracker.latest_action_name == "action_listen":  # a fresh request (not a return from verification)
            text = tracker.latest_message.get("text")
            events = reset() + [
                SlotSet("appointment_topic", topic_of(text)),
                SlotSet("appointment_channel", channel_of(text)),
                SlotSet("appointment_when", when_of(text)),
                SlotSet("appointment_key", uuid.uuid4().hex),
            ]
        session, gate = verified_session(tracker, dispatcher, request=BOOK)
        if session is None:
            return events + gate
        return events + [SlotSet("identity", VERIFIED), SlotSet("pending_request", None)]


class _StartChange:
    """(A mixin, not an action itself.) Cancel or move: the customer's upcoming appointment is found first; none ends the form before it asks
    anything (with a booking offered), one is taken, several are asked about."""

    request = CANCEL

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        events: List[EventType] = []
        if tracker.latest_action_name == "action_listen":
            events = reset() + [SlotSet("appointment_when", when_of(tracker.latest_message.get("text"))),
                                SlotSet("appointment_key", uuid.uuid4().hex)]
        session, gate = verified_session(tracker, dispatcher, request=self.request)
        if session is None:
            return events + gate
        verified = [SlotSet("identity", VERIFIED), SlotSet("pending_request", None)]
        try:
            ahead = upcoming(await core_bank().appointments(session.access_token))
        except BankError as error:
            return events + verified + bank_trouble(tracker, dispatcher, error, self.request) + [
                SlotSet("appointment_confirmed", False)]
        if not ahead:
            shown_as = Presentation.from_tracker(tracker)
            dispatcher.utter_message(
                response="utter_no_upcoming_appointment",
                quick_replies=[{"title": shown_as.text("appointment.book_one"), "payload": "/book_appointment"},
                               {"title": shown_as.text("appointment.no_thanks"), "payload": "/deny"}],
            )
            return events + verified + [SlotSet("appointment_confirmed", False)]  # the form ends at once
        if len(ahead) == 1:
            events.append(SlotSet("appointment_reference", ahead[0].reference))
        return events + verified


class ActionStartAppointmentCancel(_StartChange, Action):
    request = CANCEL

    def name(self) -> Text:
        return "action_start_appointment_cancel"


class ActionStartAppointmentReschedule(_StartChange, Action):
    request = RESCHEDULE

    def name(self) -> Text:
        return "action_start_appointment_reschedule"


# --- asking ---------------------------------------------------------------------------------------


class ActionAskAppointmentSlot(Action):
    """The next free slots as quick replies (Paris time, said so); a tap carries the slot's id."""

    def name(self) -> Text:
        return "action_ask_appointment_slot"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        session, events = verified_session(tracker, dispatcher, request=request_of(tracker))
        if session is None:
            return events + [SlotSet("requested_slot", None)]
        try:
            slots, missed = await offered_slots(tracker, session.access_token)
        except BankError as error:
            return bank_trouble(tracker, dispatcher, error, request_of(tracker)) + [
                SlotSet("appointment_confirmed", False), SlotSet("requested_slot", None)]
        if not slots:
            dispatcher.utter_message(response="utter_appointment_no_slots")
            return [SlotSet("appointment_confirmed", False), SlotSet("requested_slot", None)]
        if missed:
            dispatcher.utter_message(response="utter_appointment_day_full")
        shown_as = Presentation.from_tracker(tracker)
        dispatcher.utter_message(
            response="utter_ask_appointment_slot",
            quick_replies=[
                {"title": short_time(shown_as, s.starts_at), "payload": f'/inform{{"appointment_slot":"{s.slot_id}"}}'}
                for s in slots
            ],
        )
        return []


class ActionAskAppointmentReference(Action):
    """The customer's upcoming appointments, one line each, and a quick reply each (its time)."""

    def name(self) -> Text:
        return "action_ask_appointment_reference"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        session, events = verified_session(tracker, dispatcher, request=request_of(tracker))
        if session is None:
            return events + [SlotSet("requested_slot", None)]
        try:
            ahead = upcoming(await core_bank().appointments(session.access_token))
        except BankError as error:
            return bank_trouble(tracker, dispatcher, error, request_of(tracker)) + [
                SlotSet("appointment_confirmed", False), SlotSet("requested_slot", None)]
        if not ahead:
            dispatcher.utter_message(response="utter_no_upcoming_appointment")
            return [SlotSet("appointment_confirmed", False), SlotSet("requested_slot", None)]
        shown_as = Presentation.from_tracker(tracker)
        lines = "\n".join(
            shown_as.text("appointment.line", moment=long_time(shown_as, a.starts_at),
                          channel=shown_as.text(f"appointment.channel.{a.channel}"),
                          advisor=a.advisor.name, reference=a.reference)
            for a in ahead
        )
        dispatcher.utter_message(
            response="utter_ask_appointment_reference", appointments=lines,
            quick_replies=[
                {"title": short_time(shown_as, a.starts_at),
                 "payload": f'/inform{{"appointment_reference":"{a.reference}"}}'}
                for a in ahead[:SHOWN]
            ],
        )
        return []


class ActionAskAppointmentConfirmed(Action):
    """Restates what will be done (book, move or cancel: when, how, with whom) and asks for a yes."""

    def name(self) -> Text:
        return "action_ask_appointment_confirmed"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        request = request_of(tracker)
        session, events = verified_session(tracker, dispatcher, request=request)
        if session is None:
            return events + [SlotSet("requested_slot", None)]
        shown_as = Presentation.from_tracker(tracker)
        slot = tracker.get_slot("appointment_slot")
        new_time = long_time(shown_as, slot_start(slot)) if slot else ""
        if request == BOOK:
            dispatcher.utter_message(
                response="utter_ask_appointment_confirmed",
                topic=shown_as.text(f"appointment.topic.{tracker.get_slot('appointment_topic') or 'other'}"),
                channel=shown_as.text(f"appointment.channel.{tracker.get_slot('appointment_channel')}"),
                moment=new_time, advisor=tracker.get_slot("appointment_advisor") or "",
            )
            return []
        try:
            reference = tracker.get_slot("appointment_reference")
            found = next((a for a in await core_bank().appointments(session.access_token) if a.reference == reference),
                         None)
        except BankError as error:
            return bank_trouble(tracker, dispatcher, error, request) + [
                SlotSet("appointment_confirmed", False), SlotSet("requested_slot", None)]
        if found is None:
            dispatcher.utter_message(response="utter_appointment_cannot_change")
            return [SlotSet("appointment_confirmed", False), SlotSet("requested_slot", None)]
        old_time = long_time(shown_as, found.starts_at)
        if request == RESCHEDULE:
            dispatcher.utter_message(response="utter_ask_appointment_move_confirmed", old=old_time, moment=new_time,
                                     advisor=tracker.get_slot("appointment_advisor") or found.advisor.name)
        else:
            dispatcher.utter_message(response="utter_ask_appointment_cancel_confirmed", moment=old_time,
                                     channel=shown_as.text(f"appointment.channel.{found.channel}"),
                                     advisor=found.advisor.name, reference=found.reference)
        return []


def slot_start(slot_id: str) -> datetime:
    """The start of a slot, from its id (`<advisor>@<YYYYMMDDTHHMM>Z`, UTC)."""
    return datetime.strptime(slot_id.rsplit("@", 1)[1], "%Y%m%dT%H%MZ").replace(tzinfo=timezone.utc)


# --- validating, and acting on the yes ----------------------------------------------------------


class _AppointmentValidation:
    """(A mixin of the three FormValidationActions, not an action itself.) What the three forms share: a slot chosen among the free ones, and the form's end on a no or on nothing
    to do (`appointment_confirmed` False before anything was asked)."""

    async def required_slots(
        self, domain_slots: List[Text], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Text]:
        if tracker.get_slot("appointment_confirmed") is False:
            return []
        return domain_slots

    @answers_only
    async def validate_appointment_slot(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        session = current_session(tracker)
        if session is None:
            return {"appointment_slot": None, "requested_slot": None}
        try:
            if "@" in str(value):  # a tap: that advisor's free slots (any of them will do, not only those on show)
                channel = await slot_channel(tracker, session.access_token)
                slots = await core_bank().appointment_slots(
                    session.access_token, channel=channel, advisor_id=str(value).split("@", 1)[0], days=SLOT_DAYS,
                    limit=MAX_SLOT_LIMIT)
            else:  # typed: one of those on show
                slots, _ = await offered_slots(tracker, session.access_token)
        except BankError as error:
            return {"appointment_slot": None, **session_ended(tracker, dispatcher, error)}
        shown_as = Presentation.from_tracker(tracker)
        named = [s for s in slots if s.slot_id == value] or typed_choice(
            str(value), slots, lambda s: short_time(shown_as, s.starts_at))
        if len(named) != 1:
            taken = "@" in str(value)
            dispatcher.utter_message(response="utter_appointment_slot_taken" if taken else "utter_appointment_slot_unclear")
            return {"appointment_slot": None}
        chosen = named[0]
        channel = await slot_channel(tracker, session.access_token)
        return {"appointment_slot": chosen.slot_id, "appointment_advisor": advisor_named(shown_as, chosen.advisor, channel)}

    def slot_refused(self, dispatcher: CollectingDispatcher) -> Dict[Text, Any]:
        """The slot went meanwhile (409 slot_taken) or cannot be had: said, and fresh slots are asked for."""
        dispatcher.utter_message(response="utter_appointment_slot_taken")
        return {"appointment_slot": None, "appointment_advisor": None, "appointment_confirmed": None,
                "appointment_key": uuid.uuid4().hex}


class ValidateAppointmentForm(_AppointmentValidation, FormValidationAction):
    def name(self) -> Text:
        return "validate_appointment_form"

    @answers_only
    async def validate_appointment_topic(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        topic = value if value in APPOINTMENT_TOPICS else topic_of(str(value))
        if topic is None:
            dispatcher.utter_message(response="utter_appointment_topic_unclear")
        return {"appointment_topic": topic}

    @answers_only
    async def validate_appointment_channel(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        channel = value if value in APPOINTMENT_CHANNELS else channel_of(str(value))
        if channel is None:
            dispatcher.utter_message(response="utter_appointment_channel_unclear")
        return {"appointment_channel": channel}

    @answers_only
    async def validate_appointment_confirmed(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        if value is not True:
            dispatcher.utter_message(response="utter_appointment_not_booked")
            return {"appointment_confirmed": False}
        session = current_session(tracker)
        if session is None:
            return {"appointment_confirmed": None, "requested_slot": None}
        try:
            booked = await core_bank().book_appointment(
                session.access_token, slot_id=tracker.get_slot("appointment_slot"),
                channel=tracker.get_slot("appointment_channel"), topic=tracker.get_slot("appointment_topic") or "other",
                idempotency_key=tracker.get_slot("appointment_key") or uuid.uuid4().hex,
            )
        except BankError as error:
            if error.code in SLOT_REFUSALS:
                return self.slot_refused(dispatcher)
            return session_ended(tracker, dispatcher, error)
        shown_as = Presentation.from_tracker(tracker)
        dispatcher.utter_message(
            response="utter_appointment_booked", reference=booked.reference,
            moment=long_time(shown_as, booked.starts_at),
            channel=shown_as.text(f"appointment.channel.{booked.channel}"),
            advisor=advisor_named(shown_as, booked.advisor, booked.channel),
        )
        return {"appointment_confirmed": True}


class _ChangeValidation(_AppointmentValidation):
    @answers_only
    async def validate_appointment_reference(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        session = current_session(tracker)
        if session is None:
            return {"appointment_reference": None, "requested_slot": None}
        try:
            ahead = upcoming(await core_bank().appointments(session.access_token))
        except BankError as error:
            return {"appointment_reference": None, **session_ended(tracker, dispatcher, error)}
        shown_as = Presentation.from_tracker(tracker)
        text = str(value).strip()
        named = [a for a in ahead if a.reference == text.upper()] or [
            a for a in ahead if a.reference.lower() in text.lower()] or typed_choice(
            text, ahead, lambda a: short_time(shown_as, a.starts_at))
        if len(named) != 1:
            dispatcher.utter_message(response="utter_appointment_unclear")
            return {"appointment_reference": None}
        return {"appointment_reference": named[0].reference}


class ValidateAppointmentCancelForm(_ChangeValidation, FormValidationAction):
    def name(self) -> Text:
        return "validate_appointment_cancel_form"

    @answers_only
    async def validate_appointment_confirmed(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        if value is not True:
            dispatcher.utter_message(response="utter_appointment_kept")
            return {"appointment_confirmed": False}
        session = current_session(tracker)
        if session is None:
            return {"appointment_confirmed": None, "requested_slot": None}
        try:
            cancelled = await core_bank().cancel_appointment(session.access_token, tracker.get_slot("appointment_reference"))
        except BankError as error:
            if error.code in CHANGE_REFUSALS:
                dispatcher.utter_message(response="utter_appointment_cannot_change")
                return {"appointment_confirmed": False}
            return session_ended(tracker, dispatcher, error)
        shown_as = Presentation.from_tracker(tracker)
        dispatcher.utter_message(response="utter_appointment_cancelled", reference=cancelled.reference,
                                 moment=long_time(shown_as, cancelled.starts_at))
        return {"appointment_confirmed": True}


class ValidateAppointmentRescheduleForm(_ChangeValidation, FormValidationAction):
    def name(self) -> Text:
        return "validate_appointment_reschedule_form"

    @answers_only
    async def validate_appointment_confirmed(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        if value is not True:
            dispatcher.utter_message(response="utter_appointment_kept")
            return {"appointment_confirmed": False}
        session = current_session(tracker)
        if session is None:
            return {"appointment_confirmed": None, "requested_slot": None}
        try:
            moved = await core_bank().reschedule_appointment(
                session.access_token, tracker.get_slot("appointment_reference"),
                slot_id=tracker.get_slot("appointment_slot"),
                idempotency_key=tracker.get_slot("appointment_key") or uuid.uuid4().hex,
            )
        except BankError as error:
            if error.code in SLOT_REFUSALS:
                return self.slot_refused(dispatcher)
            if error.code in CHANGE_REFUSALS:
                dispatcher.utter_message(response="utter_appointment_cannot_change")
                return {"appointment_confirmed": False}
            return session_ended(tracker, dispatcher, error)
        shown_as = Presentation.from_tracker(tracker)
        dispatcher.utter_message(
            response="utter_appointment_moved", reference=moved.reference,
            moment=long_time(shown_as, moved.starts_at),
            channel=shown_as.text(f"appointment.channel.{moved.channel}"),
            advisor=advisor_named(shown_as, moved.advisor, moved.channel),
        )
        return {"appointment_confirmed": True}


# --- the end --------------------------------------------------------------------------------------


class ActionEndAppointment(Action):
    """Any of the three forms done (acted, declined, or nothing to do): its slots cleared."""

    def name(self) -> Text:
        return "action_end_appointment"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        return reset() + [SlotSet("appointment_key", None)]
