"""Appointments with an advisor: book a meeting later (in a branch, by phone or by video), cancel it, move it.

Not a live chat: "talk to a person now" is the handoff (actions/conversation.py). Behind the one-time code, like
every service with customer data. The core bank decides everything (free slots, the advisor's channels, a slot
booked twice: bot/core_bank/appointments.py); these actions ask, show and relay:

- book (`appointment_form`): the topic (read from the request when it names one, else asked with quick
  replies), the channel (likewise), then the next free slots as quick replies, in the conversation's language
  and locale, Paris time and said so; a yes books it (one idempotency key per draft) and the answer carries the
  AP- reference. A time typed instead of tapped ("mardi 8 à 10h30", "the one with Julien", "le deuxième") is
  the one it names among those on show; when it names several, only those are offered again, asking which
  (`appointment_slot_matches`); none, it is said and the times are offered again. Other hours or another day asked
  for ("anything in the afternoon?", "plutôt jeudi matin", "after 2pm") offer the free times that fit instead. A slot
  taken meanwhile (409 slot_taken) is said politely and fresh slots are offered; so is a time the customer already
  has another appointment at (409 appointment_overlap, the core bank's rule);
- cancel (`appointment_cancel_form`) and reschedule (`appointment_reschedule_form`): the customer's upcoming
  appointment (picked with quick replies when there are several), then a yes; a move keeps the reference and
  the channel, and shows the free slots of that channel, on the weekday asked for when the request named one
  ("déplacer mon rendez-vous à jeudi").

The acting call is made when the customer says yes (the `appointment_confirmed` validator): a refused slot goes
back to the slot question inside the same form. The form's end (`action_end_appointment`) clears its slots.
Which slots are offered and how they and the appointments are shown: actions/appointment_offers.py; what the
customer's words say: actions/text/appointments.py.
"""
from __future__ import annotations

import functools
import uuid
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text, Tuple

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActionExecutionRejected, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.answers import answers_only, ended_before_asking
from actions.request_switch import StepsAsideForOtherRequests, answering
from actions.appointment_offers import (SHOWN, advisor_named, appointment_lines, appointment_told, channel_named,
                                        choose, slot_start, time_replies)
from actions.banking import UNAVAILABLE, BankError, core_bank
from actions.identity import VERIFIED
from actions.text.appointments import (BANK_ZONE, HOURS, channel_of, long_time, names_the_past, slot_words,
                                       topic_of, typed_choice, when_of)
from actions.text.locale import Presentation
from actions.verified import bank_trouble, current_session, session_expired, verified_session
from bot.clock import utc_now
from bot.core_bank.contract.appointments import (APPOINTMENT_CHANNELS, APPOINTMENT_TOPICS, MAX_SLOT_LIMIT,
                                                 Appointment)

BOOK, CANCEL, RESCHEDULE = "book_appointment", "cancel_appointment", "reschedule_appointment"
FORMS = {"appointment_form": BOOK, "appointment_cancel_form": CANCEL, "appointment_reschedule_form": RESCHEDULE}
CONFIRMED = "confirmed"
SLOT_DAYS = 10  # working days looked at: two weeks, so that "next week" or "jeudi" finds its day
# (at most MAX_SLOT_DAYS; one advisor has 7 slots a day: 70 in SLOT_DAYS, within MAX_SLOT_LIMIT)
SLOT_REFUSALS = {"slot_taken", "slot_unavailable", "slot_in_past", "appointment_overlap"}
OVERLAP = "appointment_overlap"  # the customer has another appointment then (the core bank's rule)
CHANGE_REFUSALS = {"appointment_not_found", "appointment_cancelled", "appointment_past"}
# Every slot of the flows: cleared when a request starts afresh and when a form ends.
SLOTS = ("appointment_topic", "appointment_channel", "appointment_slot", "appointment_advisor", "appointment_confirmed",
         "appointment_reference", "appointment_when", "appointment_slot_matches")


def reset() -> List[EventType]:
    return [SlotSet(slot, None) for slot in SLOTS]


def request_of(tracker: Tracker) -> str:
    """The service of the form running now (booking when none runs)."""
    return FORMS.get(tracker.active_loop_name or "", BOOK)


def form_ends() -> List[EventType]:
    """Nothing (more) to ask: the form ends before its question."""
    return [SlotSet("appointment_confirmed", False), SlotSet("requested_slot", None)]


def draft_key(tracker: Tracker) -> str:
    """The idempotency key of the draft: the same for every try of one booking or move."""
    return tracker.get_slot("appointment_key") or uuid.uuid4().hex


def upcoming(appointments: list) -> list:
    """The confirmed appointments still ahead, soonest first."""
    now = utc_now()
    return [a for a in appointments if a.status == CONFIRMED and a.starts_at > now]


# --- what the core bank says ------------------------------------------------------------------------


async def the_appointment(tracker: Tracker, token: str) -> Optional[Appointment]:
    """The appointment being cancelled or moved (`appointment_reference`), if the customer has it."""
    reference = tracker.get_slot("appointment_reference")
    return next((a for a in await core_bank().appointments(token) if a.reference == reference), None)


async def slot_channel(tracker: Tracker, token: str) -> Optional[str]:
    """The channel of the slots to offer: the one chosen when booking, the appointment's own when moving it."""
    if request_of(tracker) != RESCHEDULE:
        return tracker.get_slot("appointment_channel")
    found = await the_appointment(tracker, token)
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
    """The slots offered (`choose`), of the channel asked for, and whether the day asked for had none."""
    slots = await free_slots(token, await slot_channel(tracker, token), tracker.get_slot("appointment_when"))
    if request_of(tracker) == RESCHEDULE:  # not the appointment's own time again
        found = await the_appointment(tracker, token)
        slots = [s for s in slots if found is None or s.starts_at != found.starts_at]
    return choose(slots, tracker.get_slot("appointment_when"))


async def on_show(tracker: Tracker, token: str) -> list:
    """The slots the customer is choosing among: those a typed answer matched several of
    (`appointment_slot_matches`, in their order) while still free, else the slots offered."""
    matches = tracker.get_slot("appointment_slot_matches") or []
    if matches:
        free = {s.slot_id: s for s in await free_slots(token, await slot_channel(tracker, token),
                                                        tracker.get_slot("appointment_when"))}
        narrowed = [free[slot_id] for slot_id in matches if slot_id in free]
        if narrowed:
            return narrowed
    slots, _ = await offered_slots(tracker, token)
    return slots


def bank_today() -> Any:
    """The bank's day now (Paris), for "tomorrow"."""
    return utc_now().astimezone(BANK_ZONE).date()


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


Answer = Callable[..., Awaitable[Dict[Text, Any]]]


def with_the_bank(slot: str) -> Callable[[Answer], Answer]:
    """Wraps a validator that asks the core bank: it runs with the session's token (without a session the form
    stops asking), and the bank's trouble is said and ends the form."""

    def wrap(method: Answer) -> Answer:
        @functools.wraps(method)
        async def validate(self: Any, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                           domain: DomainDict) -> Dict[Text, Any]:
            session = current_session(tracker)
            if session is None:
                return {slot: None, "requested_slot": None}
            try:
                return await method(self, value, dispatcher, tracker, session.access_token)
            except BankError as error:
                return {slot: None, **session_ended(tracker, dispatcher, error)}

        return validate

    return wrap


# --- starting -------------------------------------------------------------------------------------


class _Start:
    """(A mixin of the three starting actions, not an action itself.) A fresh request (not a return from
    verification) clears the draft (a new idempotency key) and keeps what it says; then verification, or the
    form."""

    request = BOOK

    def said(self, text: Optional[str]) -> List[EventType]:
        """What a fresh request says that the form keeps: the day asked for."""
        return [SlotSet("appointment_when", when_of(text))]

    async def started(self, dispatcher: CollectingDispatcher, tracker: Tracker, token: str) -> List[EventType]:
        """What the form needs before it asks anything (the customer verified)."""
        return []

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        events: List[EventType] = []
        if tracker.latest_action_name == "action_listen":
            events = reset() + self.said(tracker.latest_message.get("text")) + [
                SlotSet("appointment_key", uuid.uuid4().hex)]
        session, gate = verified_session(tracker, dispatcher, request=self.request)
        if session is None:
            return events + gate
        verified = [SlotSet("identity", VERIFIED), SlotSet("pending_request", None)]
        return events + verified + await self.started(dispatcher, tracker, session.access_token)


class ActionStartAppointment(_Start, Action):
    """Book: what the request says is kept (a mortgage, a video call, next week)."""

    def name(self) -> Text:
        return "action_start_appointment"

    def said(self, text: Optional[str]) -> List[EventType]:
        return [SlotSet("appointment_topic", topic_of(text)), SlotSet("appointment_channel", channel_of(text)),
                *super().said(text)]


class _StartChange(_Start):
    """(A mixin, not an action itself.) Cancel or move: the customer's upcoming appointment is found first; none
    ends the form before it asks anything (with a booking offered), one is taken, several are asked about."""

    request = CANCEL

    async def started(self, dispatcher: CollectingDispatcher, tracker: Tracker, token: str) -> List[EventType]:
        try:
            ahead = upcoming(await core_bank().appointments(token))
        except BankError as error:
            return bank_trouble(tracker, dispatcher, error, self.request) + [SlotSet("appointment_confirmed", False)]
        if not ahead:
            shown_as = Presentation.from_tracker(tracker)
            dispatcher.utter_message(
                response="utter_no_upcoming_appointment",
                quick_replies=[{"title": shown_as.text("appointment.book_one"), "payload": "/book_appointment"},
                               {"title": shown_as.text("appointment.no_thanks"), "payload": "/deny"}],
            )
            return [SlotSet("appointment_confirmed", False)]  # the form ends at once
        if len(ahead) == 1:
            return [SlotSet("appointment_reference", ahead[0].reference)]
        return []


class ActionStartAppointmentCancel(_StartChange, Action):
    request = CANCEL

    def name(self) -> Text:
        return "action_start_appointment_cancel"


class ActionStartAppointmentReschedule(_StartChange, Action):
    request = RESCHEDULE

    def name(self) -> Text:
        return "action_start_appointment_reschedule"


# --- asking ---------------------------------------------------------------------------------------


class _Question:
    """(A mixin of the three questions, not an action itself.) Asked of a verified customer only; the bank's
    trouble is said and ends the form."""

    async def ask(self, dispatcher: CollectingDispatcher, tracker: Tracker, token: str,
                  shown_as: Presentation) -> List[EventType]:
        raise NotImplementedError

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        request = request_of(tracker)
        session, events = verified_session(tracker, dispatcher, request=request)
        if session is None:
            return events + [SlotSet("requested_slot", None)]
        try:
            return await self.ask(dispatcher, tracker, session.access_token, Presentation.from_tracker(tracker))
        except BankError as error:
            return bank_trouble(tracker, dispatcher, error, request) + form_ends()


def nothing_to_ask(dispatcher: CollectingDispatcher, response: str) -> List[EventType]:
    """Said why there is nothing to choose, and the form ends."""
    dispatcher.utter_message(response=response)
    return form_ends()


class ActionAskAppointmentSlot(_Question, Action):
    """The next free slots as quick replies (Paris time, said so); a tap carries the slot's id. After a typed
    answer that matched several of them (`appointment_slot_matches`), only those, asking which."""

    def name(self) -> Text:
        return "action_ask_appointment_slot"

    async def ask(self, dispatcher: CollectingDispatcher, tracker: Tracker, token: str,
                  shown_as: Presentation) -> List[EventType]:
        if tracker.get_slot("appointment_slot_matches"):
            matching = await on_show(tracker, token)
            dispatcher.utter_message(
                response="utter_appointment_slot_which",
                quick_replies=time_replies(shown_as, matching, "appointment_slot", lambda s: s.slot_id))
            return [SlotSet("appointment_slot_matches", [s.slot_id for s in matching])]
        slots, missed = await offered_slots(tracker, token)
        if not slots:
            return nothing_to_ask(dispatcher, "utter_appointment_no_slots")
        if missed:
            dispatcher.utter_message(response="utter_appointment_day_full")
        narrowed = tracker.get_slot("appointment_when") and not missed  # the times that fit what was asked
        dispatcher.utter_message(response="utter_ask_appointment_slot_fitting" if narrowed else "utter_ask_appointment_slot",
                                 quick_replies=time_replies(shown_as, slots, "appointment_slot", lambda s: s.slot_id))
        return []


class ActionAskAppointmentReference(_Question, Action):
    """The customer's upcoming appointments, one line each, and a quick reply each (its time)."""

    def name(self) -> Text:
        return "action_ask_appointment_reference"

    async def ask(self, dispatcher: CollectingDispatcher, tracker: Tracker, token: str,
                  shown_as: Presentation) -> List[EventType]:
        ahead = upcoming(await core_bank().appointments(token))
        if not ahead:
            return nothing_to_ask(dispatcher, "utter_no_upcoming_appointment")
        dispatcher.utter_message(
            response="utter_ask_appointment_reference", appointments=appointment_lines(shown_as, ahead),
            quick_replies=time_replies(shown_as, ahead[:SHOWN], "appointment_reference", lambda a: a.reference),
        )
        return []


class ActionAskAppointmentConfirmed(_Question, Action):
    """Restates what will be done (book, move or cancel: when, how, with whom) and asks for a yes."""

    def name(self) -> Text:
        return "action_ask_appointment_confirmed"

    async def ask(self, dispatcher: CollectingDispatcher, tracker: Tracker, token: str,
                  shown_as: Presentation) -> List[EventType]:
        request = request_of(tracker)
        slot = tracker.get_slot("appointment_slot")
        new_time = long_time(shown_as, slot_start(slot)) if slot else ""
        if request == BOOK:
            dispatcher.utter_message(
                response="utter_ask_appointment_confirmed",
                topic=shown_as.text(f"appointment.topic.{tracker.get_slot('appointment_topic') or 'other'}"),
                channel=channel_named(shown_as, tracker.get_slot("appointment_channel")),
                moment=new_time, advisor=tracker.get_slot("appointment_advisor") or "",
            )
            return []
        found = await the_appointment(tracker, token)
        if found is None:
            return nothing_to_ask(dispatcher, "utter_appointment_cannot_change")
        old_time = long_time(shown_as, found.starts_at)
        if request == RESCHEDULE:
            dispatcher.utter_message(response="utter_ask_appointment_move_confirmed", old=old_time, moment=new_time,
                                     advisor=tracker.get_slot("appointment_advisor") or found.advisor.name)
        else:
            dispatcher.utter_message(response="utter_ask_appointment_cancel_confirmed", moment=old_time,
                                     channel=channel_named(shown_as, found.channel),
                                     advisor=found.advisor.name, reference=found.reference)
        return []


# --- validating, and acting on the yes ----------------------------------------------------------


def with_day_kept(before: Optional[str], asked: str) -> str:
    """`asked` (`when_of`), with the day asked for before when it names none ("next week", then "in the afternoon")."""
    days = [part for part in (before or "").split() if not part.startswith(HOURS)]
    if any(not part.startswith(HOURS) for part in asked.split()):
        return asked
    return " ".join(days + asked.split())


# Read as a general question or a balance question, a message at the time question answers it when it asks for a day
# or hours, or names a time ("any slots after 2pm?", "any time on friday?"); otherwise the rules answer it, then the
# question comes again.
ASIDE_UNLESS_TIMES = frozenset({"faq", "check_balance"})


def speaks_of_times(tracker: Tracker) -> bool:
    """The time question is asked and the latest message names a day (not a past one), hours or a time."""
    if tracker.get_slot("requested_slot") != "appointment_slot":
        return False
    text = tracker.latest_message.get("text") or ""
    if names_the_past(text):  # "lundi dernier": the transactions of that day, not a time to come
        return False
    return when_of(text) is not None or slot_words(text).time is not None


# The same for the topic and the way to meet, where a person asked for is also left to the rules: "by phone please" was
# read as a request for a person (0.69) and handed the customer over, "savings" as a balance question (0.42).
ASIDE_UNLESS_NAMED = frozenset({"faq", "check_balance", "human_handoff"})


def left_to_the_rules(tracker: Tracker, form: str) -> bool:
    """Whether the message at the time, topic or way-to-meet question is a general or balance question (or, for the
    last two, a request for a person) that does not answer it in its words."""
    asked = tracker.get_slot("requested_slot")
    if asked not in ("appointment_slot", "appointment_topic", "appointment_channel") or not answering(tracker, form):
        return False
    intent = (tracker.latest_message.get("intent") or {}).get("name")
    text = tracker.latest_message.get("text") or ""
    if asked == "appointment_slot":
        return intent in ASIDE_UNLESS_TIMES and not speaks_of_times(tracker)
    named = topic_of(text) if asked == "appointment_topic" else channel_of(text)
    return intent in ASIDE_UNLESS_NAMED and named is None


class _AppointmentValidation:
    """(A mixin of the three FormValidationActions, not an action itself.) What the three forms share: a slot
    chosen among the free ones; the form's end on a no or on nothing to do (`appointment_confirmed` False before
    anything was asked); on a yes, the bank's call (`act`), its refusals the customer can do something about
    (`refusals`: a slot gone, fresh slots asked for; an appointment that cannot change any more) and the answer."""

    declined = "utter_appointment_kept"  # said on a no
    done = ""  # said once done, of the appointment the bank gives back
    refusals: frozenset = frozenset()

    async def act(self, tracker: Tracker, token: str) -> Appointment:
        raise NotImplementedError

    def told(self, shown_as: Presentation, appointment: Appointment) -> Dict[str, str]:
        return appointment_told(shown_as, appointment)

    def answers_the_question(self, tracker: Tracker) -> bool:
        """Days, hours or a time at the time question answer it, whatever service NLU read ("vous avez quelque chose
        vendredi ?" was recent_transactions: the booking left for Friday's transactions)."""
        return speaks_of_times(tracker)

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        form = self.form_name()  # type: ignore[attr-defined]  # FormValidationAction's
        if left_to_the_rules(tracker, form):  # Rasa's rejection: the rules answer it, then the form asks again
            return [SlotSet(tracker.get_slot("requested_slot"), None), ActionExecutionRejected(form)]
        return await super().run(dispatcher, tracker, domain)  # type: ignore[misc]

    async def required_slots(
        self, domain_slots: List[Text], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Text]:
        if ended_before_asking(tracker, "appointment_confirmed"):
            return []
        return domain_slots

    @answers_only
    @with_the_bank("appointment_slot")
    async def validate_appointment_slot(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, token: str
    ) -> Dict[Text, Any]:
        tapped = "@" in str(value)
        channel = await slot_channel(tracker, token)
        shown_as = Presentation.from_tracker(tracker)
        if tapped:  # that advisor's free slots (any of them will do, not only those on show)
            slots = await core_bank().appointment_slots(
                token, channel=channel, advisor_id=str(value).split("@", 1)[0], days=SLOT_DAYS, limit=MAX_SLOT_LIMIT)
            named = [s for s in slots if s.slot_id == value]
        else:  # typed: one of those on show (actions/text/appointments.py reads the words)
            other_channel = channel_of(str(value)) if request_of(tracker) == BOOK else None
            if other_channel and other_channel != channel:  # "by video rather": said, and that channel's times
                dispatcher.utter_message(response="utter_appointment_channel_changed",
                                         channel=channel_named(shown_as, other_channel))
                return {"appointment_slot": None, "appointment_slot_matches": None, "appointment_channel": other_channel}
            past = names_the_past(str(value))  # "lundi dernier" names no time to come
            named = [] if past else typed_choice(shown_as, str(value), await on_show(tracker, token), bank_today())
            asked = None if past else when_of(str(value))
            if not named and asked:  # other times asked for ("anything in the afternoon?", "jeudi"): those offered
                return {"appointment_slot": None, "appointment_slot_matches": None,
                        "appointment_when": with_day_kept(tracker.get_slot("appointment_when"), asked)}
        if len(named) > 1:  # which of them? asked with those only (action_ask_appointment_slot)
            return {"appointment_slot": None, "appointment_slot_matches": [s.slot_id for s in named]}
        if not named:
            dispatcher.utter_message(response="utter_appointment_slot_taken" if tapped else "utter_appointment_slot_unclear")
            return {"appointment_slot": None, "appointment_slot_matches": None}
        return {"appointment_slot": named[0].slot_id, "appointment_slot_matches": None,
                "appointment_advisor": advisor_named(shown_as, named[0].advisor, channel)}

    @answers_only
    async def validate_appointment_confirmed(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        if value is not True:
            dispatcher.utter_message(response=self.declined)
            return {"appointment_confirmed": False}
        return await self.acted(value, dispatcher, tracker, domain)

    @with_the_bank("appointment_confirmed")
    async def acted(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, token: str) -> Dict[Text, Any]:
        try:
            done = await self.act(tracker, token)
        except BankError as error:
            if error.code not in self.refusals:
                raise
            if error.code == OVERLAP:  # the customer is booked then already: said, and other times offered
                shown_as = Presentation.from_tracker(tracker)
                dispatcher.utter_message(response="utter_appointment_overlap",
                                         moment=long_time(shown_as, slot_start(tracker.get_slot("appointment_slot"))),
                                         reference=error.details.get("reference") or "")
            elif error.code in SLOT_REFUSALS:  # the slot went meanwhile (409 slot_taken): fresh slots are asked for
                dispatcher.utter_message(response="utter_appointment_slot_taken")
            if error.code in SLOT_REFUSALS:
                return {"appointment_slot": None, "appointment_advisor": None, "appointment_confirmed": None,
                        "appointment_slot_matches": None, "appointment_key": uuid.uuid4().hex}
            dispatcher.utter_message(response="utter_appointment_cannot_change")
            return {"appointment_confirmed": False}
        dispatcher.utter_message(response=self.done, **self.told(Presentation.from_tracker(tracker), done))
        return {"appointment_confirmed": True}


class ValidateAppointmentForm(_AppointmentValidation, StepsAsideForOtherRequests, FormValidationAction):
    declined, done, refusals = "utter_appointment_not_booked", "utter_appointment_booked", frozenset(SLOT_REFUSALS)

    def name(self) -> Text:
        return "validate_appointment_form"

    async def act(self, tracker: Tracker, token: str) -> Appointment:
        return await core_bank().book_appointment(
            token, slot_id=tracker.get_slot("appointment_slot"), channel=tracker.get_slot("appointment_channel"),
            topic=tracker.get_slot("appointment_topic") or "other", idempotency_key=draft_key(tracker))

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


class _ChangeValidation(_AppointmentValidation):
    """(A mixin, not an action itself.) Cancel or move: which of the customer's upcoming appointments."""

    @answers_only
    @with_the_bank("appointment_reference")
    async def validate_appointment_reference(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, token: str
    ) -> Dict[Text, Any]:
        ahead = upcoming(await core_bank().appointments(token))
        text = str(value).strip()
        named = [a for a in ahead if a.reference == text.upper()] or [
            a for a in ahead if a.reference.lower() in text.lower()] or typed_choice(
            Presentation.from_tracker(tracker), text, ahead, bank_today())
        if len(named) != 1:
            dispatcher.utter_message(response="utter_appointment_unclear")
            return {"appointment_reference": None}
        return {"appointment_reference": named[0].reference}


class ValidateAppointmentCancelForm(_ChangeValidation, StepsAsideForOtherRequests, FormValidationAction):
    done, refusals = "utter_appointment_cancelled", frozenset(CHANGE_REFUSALS)

    def name(self) -> Text:
        return "validate_appointment_cancel_form"

    async def act(self, tracker: Tracker, token: str) -> Appointment:
        return await core_bank().cancel_appointment(token, tracker.get_slot("appointment_reference"))

    def told(self, shown_as: Presentation, appointment: Appointment) -> Dict[str, str]:
        return {"reference": appointment.reference, "moment": long_time(shown_as, appointment.starts_at)}


class ValidateAppointmentRescheduleForm(_ChangeValidation, StepsAsideForOtherRequests, FormValidationAction):
    done, refusals = "utter_appointment_moved", frozenset(SLOT_REFUSALS | CHANGE_REFUSALS)

    def name(self) -> Text:
        return "validate_appointment_reschedule_form"

    async def act(self, tracker: Tracker, token: str) -> Appointment:
        return await core_bank().reschedule_appointment(
            token, tracker.get_slot("appointment_reference"), slot_id=tracker.get_slot("appointment_slot"),
            idempotency_key=draft_key(tracker))


# --- the end --------------------------------------------------------------------------------------


class ActionEndAppointment(Action):
    """Any of the three forms done (acted, declined, or nothing to do): its slots cleared."""

    def name(self) -> Text:
        return "action_end_appointment"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        return reset() + [SlotSet("appointment_key", None)]
