"""Appointments with an advisor in the chat, at the action level: what the request says is kept (topic, channel,
day), the free slots are offered in Paris time in the conversation's language, a yes books once with the draft's
key, a slot taken meanwhile (409) is said politely and fresh slots follow, and the customer's upcoming appointment
is found, cancelled or moved. Times are built from now: nothing here depends on today's date."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any, Dict, List, Optional

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

import actions.appointments as appointments
import actions.verified as verified
from actions.banking import UNAVAILABLE, BankError
from actions.customer_sessions import CustomerSession
from actions.text.appointments import BANK_ZONE, channel_of, fits, short_time, topic_of, when_of
from actions.text.locale import Presentation
from bot.core_bank.contract.appointments import Appointment, Slot

SESSION = CustomerSession("token-1", "100001", "Alex", datetime.now(timezone.utc) + timedelta(minutes=15))
CLAIRE = {"advisor_id": "adv_claire", "name": "Claire Lefèvre", "channels": ["branch", "phone", "video"],
          "branch": {"name": "Paris Oberkampf", "address": "98 rue Oberkampf, 75011 Paris"}}
NADIA = {"advisor_id": "adv_nadia", "name": "Nadia Benali", "channels": ["phone", "video"], "branch": None}


def at(days: int, hour: int, minute: int = 30) -> datetime:
    """`days` from today, at hour:minute Paris time, in UTC."""
    day = datetime.now(BANK_ZONE).date() + timedelta(days=days)
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=BANK_ZONE).astimezone(timezone.utc)


def slot(starts_at: datetime, advisor: Dict[str, Any] = NADIA) -> Slot:
    return Slot.parse_obj({"slot_id": f"{advisor['advisor_id']}@{starts_at:%Y%m%dT%H%M}Z", "starts_at": starts_at,
                           "ends_at": starts_at + timedelta(minutes=45), "advisor": advisor})


def appointment(reference: str, starts_at: datetime, channel: str = "video", status: str = "confirmed",
                advisor: Dict[str, Any] = NADIA) -> Appointment:
    return Appointment.parse_obj({
        "reference": reference, "status": status, "topic": "mortgage", "channel": channel, "note": None,
        "starts_at": starts_at, "ends_at": starts_at + timedelta(minutes=45), "timezone": "Europe/Paris",
        "advisor": advisor, "booked_at": datetime.now(timezone.utc), "cancelled_at": None})


class FakeBank:
    """The core bank as the actions see it: free slots, the customer's appointments, and the calls made."""

    def __init__(self, slots: List[Slot], held: List[Appointment], refuse: Optional[BankError] = None) -> None:
        self.slots = slots
        self.held = held
        self.refuse = refuse
        self.calls: List[tuple] = []

    async def appointment_slots(self, token: str, *, channel=None, advisor_id=None, days=5, limit=20) -> List[Slot]:
        self.calls.append(("slots", channel) if advisor_id is None else ("slots", channel, advisor_id))
        return [s for s in self.slots if (channel is None or channel in s.advisor.channels)
                and advisor_id in (None, s.advisor.advisor_id)][:limit]

    async def appointments(self, token: str) -> List[Appointment]:
        return list(self.held)

    async def book_appointment(self, token: str, *, slot_id, channel, topic, idempotency_key, note=None):
        self.calls.append(("book", slot_id, channel, topic, idempotency_key))
        if self.refuse is not None:
            raise self.refuse
        [chosen] = [s for s in self.slots if s.slot_id == slot_id]
        return appointment("AP-7Q2K9XWB", chosen.starts_at, channel, advisor=chosen.advisor.dict())

    async def cancel_appointment(self, token: str, reference: str) -> Appointment:
        self.calls.append(("cancel", reference))
        if self.refuse is not None:
            raise self.refuse
        [found] = [a for a in self.held if a.reference == reference]
        return found.copy(update={"status": "cancelled"})

    async def reschedule_appointment(self, token: str, reference: str, *, slot_id, idempotency_key, channel=None):
        self.calls.append(("move", reference, slot_id, idempotency_key))
        if self.refuse is not None:
            raise self.refuse
        [found] = [a for a in self.held if a.reference == reference]
        [chosen] = [s for s in self.slots if s.slot_id == slot_id]
        return found.copy(update={"starts_at": chosen.starts_at})


FREE = [slot(at(1, 9)), slot(at(1, 9), CLAIRE), slot(at(1, 10)), slot(at(1, 11)), slot(at(2, 14, 0), CLAIRE),
        slot(at(3, 15, 0)), slot(at(8, 16, 0))]


@pytest.fixture
def bank(monkeypatch):
    def install(slots: List[Slot] = FREE, held: Optional[List[Appointment]] = None,
                refuse: Optional[BankError] = None) -> FakeBank:
        fake = FakeBank(list(slots), list(held or []), refuse)
        monkeypatch.setattr(appointments, "core_bank", lambda: fake)
        return fake

    monkeypatch.setattr(appointments, "current_session", lambda tracker: SESSION)
    monkeypatch.setattr(verified, "current_session", lambda tracker: SESSION)
    return install


def tracker(slots: Dict[str, Any], text: str = "", latest_action: str = "action_listen",
            loop: Optional[str] = None, language: str = "en") -> Tracker:
    latest = {"text": text, "intent": {"name": "inform"}, "entities": []}
    return Tracker("psid-1", {"language": language, **slots}, latest,
                   [{"event": "user", "text": text, "parse_data": latest, "input_channel": "messenger"}],
                   False, None, {"name": loop} if loop else {}, latest_action)


def set_to(events: List[Any], name: str) -> Any:
    return [e["value"] for e in events if e.get("event") == "slot" and e.get("name") == name][-1]


def said(dispatcher: CollectingDispatcher) -> List[str]:
    return [m.get("response") for m in dispatcher.messages]


# --- what the request says ---------------------------------------------------------------------------


def test_the_request_names_topic_channel_and_day_in_either_language():
    assert topic_of("I'd like to meet an advisor about a mortgage") == "mortgage"
    assert topic_of("un rendez-vous pour mon crédit immobilier") == "mortgage"
    assert topic_of("je voudrais parler de mon épargne") == "savings"
    assert topic_of("je voudrais un rendez-vous avec mon conseiller") is None
    assert channel_of("can I book a call with my adviser next week") == "phone"
    assert channel_of("un rendez-vous en visio") == "video" and channel_of("à l'agence") == "branch"
    assert when_of("déplacer mon rendez-vous à jeudi") == "4"
    assert when_of("can I book a call with my adviser next week") == "next_week"


async def test_a_fresh_request_keeps_what_it_says_and_asks_for_the_code_first(monkeypatch, bank):
    bank()
    monkeypatch.setattr(verified, "current_session", lambda tracker: None)
    dispatcher = CollectingDispatcher()
    events = await appointments.ActionStartAppointment().run(
        dispatcher, tracker({}, "can I book a video call about my mortgage next week"), {})
    assert (set_to(events, "appointment_topic"), set_to(events, "appointment_channel")) == ("mortgage", "video")
    assert set_to(events, "appointment_when") == "next_week" and set_to(events, "appointment_key")
    assert (set_to(events, "identity"), set_to(events, "pending_request")) == ("required", "book_appointment")
    assert said(dispatcher) == ["utter_verify_first"]


# --- booking ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "fr"])
async def test_free_slots_are_offered_in_paris_time_one_per_time_two_a_day(bank, language):
    fake = bank()
    dispatcher = CollectingDispatcher()
    events = await appointments.ActionAskAppointmentSlot().run(
        dispatcher, tracker({"appointment_channel": "video"}, loop="appointment_form", language=language), {})
    assert events == [] and said(dispatcher) == ["utter_ask_appointment_slot"]
    replies = dispatcher.messages[0]["quick_replies"]
    shown_as = Presentation.of(language)
    video = [s for s in FREE if "video" in s.advisor.channels]
    expected = [video[0], video[2], video[4], video[5], video[6]]  # 09:30 once, at most two a day
    assert [r["title"] for r in replies] == [short_time(shown_as, s.starts_at) for s in expected]
    assert all(len(r["title"]) <= 20 for r in replies)
    assert replies[0]["payload"] == f'/inform{{"appointment_slot":"{expected[0].slot_id}"}}'
    assert fake.calls[0] == ("slots", "video")


async def test_the_day_asked_for_is_offered_first_and_a_full_day_is_said(bank):
    bank()
    asked_day = FREE[-1].starts_at.astimezone(BANK_ZONE).isoweekday()
    dispatcher = CollectingDispatcher()
    await appointments.ActionAskAppointmentSlot().run(
        dispatcher, tracker({"appointment_channel": "phone", "appointment_when": str(asked_day)},
                            loop="appointment_form"), {})
    titles = [r["title"] for r in dispatcher.messages[-1]["quick_replies"]]
    assert short_time(Presentation.of("en"), FREE[-1].starts_at) in titles

    bank(slots=[s for s in FREE if s.starts_at.astimezone(BANK_ZONE).isoweekday() != asked_day])
    dispatcher = CollectingDispatcher()
    await appointments.ActionAskAppointmentSlot().run(
        dispatcher, tracker({"appointment_channel": "phone", "appointment_when": str(asked_day)},
                            loop="appointment_form"), {})
    assert said(dispatcher) == ["utter_appointment_day_full", "utter_ask_appointment_slot"]


async def test_a_tapped_or_typed_slot_is_taken_with_its_advisor_and_branch(bank):
    bank()
    form = appointments.ValidateAppointmentForm()
    dispatcher = CollectingDispatcher()
    branch = FREE[4]
    chosen = await form.validate_appointment_slot(
        branch.slot_id, dispatcher, tracker({"appointment_channel": "branch"}, loop="appointment_form"), {})
    assert chosen == {"appointment_slot": branch.slot_id, "appointment_slot_matches": None,
                      "appointment_advisor": "Claire Lefèvre, Paris Oberkampf (98 rue Oberkampf, 75011 Paris)"}
    typed = await form.validate_appointment_slot(
        "15h", dispatcher, tracker({"appointment_channel": "video"}, loop="appointment_form"), {})
    assert typed["appointment_slot"] == FREE[5].slot_id
    today = datetime.now(BANK_ZONE).date()
    first, second = [d for d in range(1, 10) if (today + timedelta(days=d)).isoweekday() <= 5][:2]  # working days
    weekday = ("monday", "tuesday", "wednesday", "thursday", "friday")[(today + timedelta(days=first)).weekday()]
    both_days = [slot(at(first, 10)), slot(at(second, 10))]
    bank(slots=both_days)
    on_day = await form.validate_appointment_slot(
        f"{weekday} at 10:30", dispatcher, tracker({"appointment_channel": "video"}, loop="appointment_form"), {})
    assert on_day["appointment_slot"] == both_days[0].slot_id
    bank()
    unclear = await form.validate_appointment_slot(
        "whenever", dispatcher, tracker({"appointment_channel": "video"}, loop="appointment_form"), {})
    assert unclear == {"appointment_slot": None, "appointment_slot_matches": None}
    assert said(dispatcher) == ["utter_appointment_slot_unclear"]


async def test_a_typed_time_that_names_several_offers_those_alone_and_the_next_answer_picks_among_them(bank):
    bank()
    form = appointments.ValidateAppointmentForm()
    video = {"appointment_channel": "video"}
    offered = [FREE[0], FREE[2], FREE[4], FREE[5], FREE[6]]  # as offered (one per time, two a day)
    dispatcher = CollectingDispatcher()
    with_nadia = await form.validate_appointment_slot(
        "the one with Nadia", dispatcher, tracker(video, loop="appointment_form"), {})
    assert with_nadia == {"appointment_slot": None,
                           "appointment_slot_matches": [s.slot_id for s in offered if s.advisor.name == "Nadia Benali"]}
    assert said(dispatcher) == []  # the question says it

    narrowed = {**video, **with_nadia}
    dispatcher = CollectingDispatcher()
    events = await appointments.ActionAskAppointmentSlot().run(
        dispatcher, tracker(narrowed, loop="appointment_form", language="fr"), {})
    assert said(dispatcher) == ["utter_appointment_slot_which"]
    shown_as = Presentation.of("fr")
    assert [r["title"] for r in dispatcher.messages[0]["quick_replies"]] == [
        short_time(shown_as, s.starts_at) for s in offered if s.advisor.name == "Nadia Benali"]
    assert set_to(events, "appointment_slot_matches") == with_nadia["appointment_slot_matches"]

    second = await form.validate_appointment_slot(
        "le deuxième", CollectingDispatcher(), tracker(narrowed, loop="appointment_form", language="fr"), {})
    assert second["appointment_slot"] == FREE[2].slot_id and second["appointment_slot_matches"] is None  # Nadia's 2nd

    dispatcher = CollectingDispatcher()
    none = await form.validate_appointment_slot(
        "celui avec Claire", dispatcher, tracker(narrowed, loop="appointment_form"), {})
    assert none == {"appointment_slot": None, "appointment_slot_matches": None}  # none of those: all offered again
    assert said(dispatcher) == ["utter_appointment_slot_unclear"]


async def test_a_tap_on_a_slot_gone_since_is_said_taken(bank):
    bank()
    dispatcher = CollectingDispatcher()
    gone = await appointments.ValidateAppointmentForm().validate_appointment_slot(
        "adv_nadia@20990101T0830Z", dispatcher, tracker({"appointment_channel": "video"}, loop="appointment_form"), {})
    assert gone == {"appointment_slot": None, "appointment_slot_matches": None}
    assert said(dispatcher) == ["utter_appointment_slot_taken"]


async def test_a_day_asked_for_beyond_the_first_hundred_slots_is_read_advisor_by_advisor(bank, monkeypatch):
    monkeypatch.setattr(appointments, "MAX_SLOT_LIMIT", 5)  # the cap, small: 7 video slots, the first call cut short
    fake = bank()
    late = FREE[-1].starts_at.astimezone(BANK_ZONE).isoweekday()
    found = await appointments.free_slots("token-1", "video", str(late))
    assert FREE[-1] in found and [s.starts_at for s in found] == sorted(s.starts_at for s in found)
    assert ("slots", "video", "adv_nadia") in fake.calls and ("slots", "video", "adv_claire") in fake.calls
    assert await appointments.free_slots("token-1", "video", None) == FREE[:5]


async def test_topic_and_channel_answers_are_read_from_taps_or_words(bank):
    form = appointments.ValidateAppointmentForm()
    dispatcher = CollectingDispatcher()
    assert await form.validate_appointment_topic("savings", dispatcher, tracker({}), {}) == {
        "appointment_topic": "savings"}
    assert await form.validate_appointment_topic("un crédit immobilier", dispatcher, tracker({}), {}) == {
        "appointment_topic": "mortgage"}
    assert await form.validate_appointment_channel("par téléphone", dispatcher, tracker({}), {}) == {
        "appointment_channel": "phone"}
    assert await form.validate_appointment_channel("pigeon", dispatcher, tracker({}), {}) == {
        "appointment_channel": None}
    assert said(dispatcher) == ["utter_appointment_channel_unclear"]


@pytest.mark.parametrize("language, paris", [("en", "(Paris time)"), ("fr", "(heure de Paris)")])
async def test_a_yes_books_once_with_the_drafts_key_and_gives_the_reference(bank, language, paris):
    fake = bank()
    chosen = FREE[4]
    slots = {"appointment_topic": "mortgage", "appointment_channel": "branch", "appointment_slot": chosen.slot_id,
             "appointment_key": "draft-1"}
    dispatcher = CollectingDispatcher()
    done = await appointments.ValidateAppointmentForm().validate_appointment_confirmed(
        True, dispatcher, tracker(slots, loop="appointment_form", language=language), {})
    assert done == {"appointment_confirmed": True}
    assert fake.calls == [("book", chosen.slot_id, "branch", "mortgage", "draft-1")]
    [message] = dispatcher.messages
    assert message["response"] == "utter_appointment_booked" and message["reference"] == "AP-7Q2K9XWB"
    assert message["moment"].endswith(paris) and "Paris Oberkampf" in message["advisor"]


async def test_a_slot_taken_meanwhile_is_said_politely_and_fresh_slots_are_asked_for_with_a_new_key(bank):
    bank(refuse=BankError(409, "slot_taken", "This slot has just been taken: choose another one."))
    slots = {"appointment_topic": "loan", "appointment_channel": "video", "appointment_slot": FREE[0].slot_id,
             "appointment_key": "draft-1"}
    dispatcher = CollectingDispatcher()
    again = await appointments.ValidateAppointmentForm().validate_appointment_confirmed(
        True, dispatcher, tracker(slots, loop="appointment_form"), {})
    assert again["appointment_slot"] is None and again["appointment_confirmed"] is None
    assert again["appointment_key"] not in (None, "draft-1")
    assert said(dispatcher) == ["utter_appointment_slot_taken"]


@pytest.mark.parametrize("form, slots", [
    (appointments.ValidateAppointmentForm, {"appointment_topic": "loan", "appointment_channel": "video"}),
    (appointments.ValidateAppointmentRescheduleForm, {"appointment_reference": "AP-BBBB0002"}),
])
async def test_a_time_the_customer_is_booked_at_already_is_said_with_that_appointment_and_other_times_follow(
        bank, form, slots):
    own = appointment("AP-AAAA0001", FREE[0].starts_at, advisor=CLAIRE)
    bank(held=[own, appointment("AP-BBBB0002", at(3, 15, 0))],
         refuse=BankError(409, "appointment_overlap", "You already have an appointment at that time: AP-AAAA0001.",
                          {"reference": "AP-AAAA0001"}))
    dispatcher = CollectingDispatcher()
    again = await form().validate_appointment_confirmed(
        True, dispatcher, tracker({**slots, "appointment_slot": FREE[0].slot_id, "appointment_key": "draft-1"},
                                  loop="appointment_form", language="fr"), {})
    assert again["appointment_slot"] is None and again["appointment_confirmed"] is None
    assert again["appointment_key"] not in (None, "draft-1")  # the next try is a new request
    [message] = dispatcher.messages
    assert message["response"] == "utter_appointment_overlap" and message["reference"] == "AP-AAAA0001"
    assert message["moment"] == appointments.long_time(Presentation.of("fr"), FREE[0].starts_at)


async def test_a_no_books_nothing_and_the_bank_down_is_said(bank):
    fake = bank()
    dispatcher = CollectingDispatcher()
    assert await appointments.ValidateAppointmentForm().validate_appointment_confirmed(
        False, dispatcher, tracker({}, loop="appointment_form"), {}) == {"appointment_confirmed": False}
    assert fake.calls == [] and said(dispatcher) == ["utter_appointment_not_booked"]

    bank(refuse=BankError(503, UNAVAILABLE, "core bank error"))
    dispatcher = CollectingDispatcher()
    down = await appointments.ValidateAppointmentForm().validate_appointment_confirmed(
        True, dispatcher, tracker({"appointment_slot": FREE[0].slot_id, "appointment_channel": "video"},
                                  loop="appointment_form"), {})
    assert down["appointment_confirmed"] is False and said(dispatcher) == ["utter_bank_unavailable"]


async def test_the_question_restates_topic_channel_time_and_advisor(bank):
    bank()
    dispatcher = CollectingDispatcher()
    slots = {"appointment_topic": "mortgage", "appointment_channel": "video", "appointment_slot": FREE[0].slot_id,
             "appointment_advisor": "Nadia Benali"}
    await appointments.ActionAskAppointmentConfirmed().run(
        dispatcher, tracker(slots, loop="appointment_form", language="fr"), {})
    [message] = dispatcher.messages
    assert message["response"] == "utter_ask_appointment_confirmed"
    assert (message["topic"], message["channel"], message["advisor"]) == ("un crédit immobilier", "en visio",
                                                                            "Nadia Benali")
    assert message["moment"].endswith("(heure de Paris)")


# --- cancelling and moving -------------------------------------------------------------------------


async def test_cancel_with_no_appointment_ahead_offers_a_booking_and_ends_the_form(bank):
    bank(held=[appointment("AP-OLD00001", at(-3, 10)), appointment("AP-GONE0001", at(2, 10), status="cancelled")])
    dispatcher = CollectingDispatcher()
    events = await appointments.ActionStartAppointmentCancel().run(dispatcher, tracker({}, "cancel my appointment"), {})
    assert set_to(events, "appointment_confirmed") is False and set_to(events, "identity") == "verified"
    assert said(dispatcher) == ["utter_no_upcoming_appointment"]
    assert dispatcher.messages[0]["quick_replies"][0]["payload"] == "/book_appointment"
    assert await appointments.ValidateAppointmentCancelForm().required_slots(
        ["appointment_reference", "appointment_confirmed"], dispatcher,
        tracker({"appointment_confirmed": False}, loop="appointment_cancel_form"), {}) == []


async def test_one_appointment_ahead_is_taken_several_are_asked_about(bank):
    one = appointment("AP-AAAA0001", at(2, 10))
    bank(held=[one])
    events = await appointments.ActionStartAppointmentReschedule().run(
        CollectingDispatcher(), tracker({}, "déplacer mon rendez-vous à jeudi"), {})
    assert set_to(events, "appointment_reference") == "AP-AAAA0001" and set_to(events, "appointment_when") == "4"

    two = appointment("AP-BBBB0002", at(3, 15, 0), channel="branch", advisor=CLAIRE)
    bank(held=[one, two])
    dispatcher = CollectingDispatcher()
    await appointments.ActionAskAppointmentReference().run(
        dispatcher, tracker({}, loop="appointment_cancel_form", language="fr"), {})
    [message] = dispatcher.messages
    assert "AP-BBBB0002" in message["appointments"] and "en agence" in message["appointments"]
    assert [r["payload"] for r in message["quick_replies"]] == [
        '/inform{"appointment_reference":"AP-AAAA0001"}', '/inform{"appointment_reference":"AP-BBBB0002"}']
    picked = await appointments.ValidateAppointmentCancelForm().validate_appointment_reference(
        "ap-bbbb0002", dispatcher, tracker({}, loop="appointment_cancel_form"), {})
    assert picked == {"appointment_reference": "AP-BBBB0002"}


async def test_a_yes_cancels_the_appointment_and_a_past_one_is_explained(bank):
    fake = bank(held=[appointment("AP-AAAA0001", at(2, 10))])
    dispatcher = CollectingDispatcher()
    done = await appointments.ValidateAppointmentCancelForm().validate_appointment_confirmed(
        True, dispatcher, tracker({"appointment_reference": "AP-AAAA0001"}, loop="appointment_cancel_form"), {})
    assert done == {"appointment_confirmed": True} and fake.calls == [("cancel", "AP-AAAA0001")]
    assert said(dispatcher) == ["utter_appointment_cancelled"]

    bank(held=[appointment("AP-AAAA0001", at(2, 10))], refuse=BankError(422, "appointment_past", "begun"))
    dispatcher = CollectingDispatcher()
    refused = await appointments.ValidateAppointmentCancelForm().validate_appointment_confirmed(
        True, dispatcher, tracker({"appointment_reference": "AP-AAAA0001"}, loop="appointment_cancel_form"), {})
    assert refused == {"appointment_confirmed": False} and said(dispatcher) == ["utter_appointment_cannot_change"]


async def test_a_move_offers_the_appointments_own_channel_without_its_own_time_and_keeps_the_reference(bank):
    own = appointment("AP-AAAA0001", FREE[2].starts_at, channel="branch", advisor=CLAIRE)
    fake = bank(held=[own])
    dispatcher = CollectingDispatcher()
    await appointments.ActionAskAppointmentSlot().run(
        dispatcher, tracker({"appointment_reference": "AP-AAAA0001"}, loop="appointment_reschedule_form"), {})
    assert ("slots", "branch") in fake.calls
    payloads = [r["payload"] for r in dispatcher.messages[-1]["quick_replies"]]
    assert all("adv_claire" in p for p in payloads) and FREE[2].slot_id not in "".join(payloads)

    slots = {"appointment_reference": "AP-AAAA0001", "appointment_slot": FREE[4].slot_id, "appointment_key": "mv-1"}
    dispatcher = CollectingDispatcher()
    done = await appointments.ValidateAppointmentRescheduleForm().validate_appointment_confirmed(
        True, dispatcher, tracker(slots, loop="appointment_reschedule_form"), {})
    assert done == {"appointment_confirmed": True}
    assert fake.calls[-1] == ("move", "AP-AAAA0001", FREE[4].slot_id, "mv-1")
    assert dispatcher.messages[-1]["response"] == "utter_appointment_moved"
    assert dispatcher.messages[-1]["reference"] == "AP-AAAA0001"


async def test_a_move_to_a_slot_taken_meanwhile_asks_again(bank):
    bank(held=[appointment("AP-AAAA0001", at(2, 10))], refuse=BankError(409, "slot_taken", "taken"))
    dispatcher = CollectingDispatcher()
    again = await appointments.ValidateAppointmentRescheduleForm().validate_appointment_confirmed(
        True, dispatcher, tracker({"appointment_reference": "AP-AAAA0001", "appointment_slot": FREE[0].slot_id},
                                  loop="appointment_reschedule_form"), {})
    assert again["appointment_slot"] is None and said(dispatcher) == ["utter_appointment_slot_taken"]


async def test_the_end_clears_every_slot_of_the_flows():
    events = await appointments.ActionEndAppointment().run(CollectingDispatcher(), tracker({}), {})
    assert {e["name"] for e in events} == set(appointments.SLOTS) | {"appointment_key"}
    assert all(e["value"] is None for e in events)


# --- hours asked for at the time question ------------------------------------------------------------


def at_the_time_question(text: str, intent: str, slots: Optional[Dict[str, Any]] = None) -> Tracker:
    """`text` (read as `intent`) typed when the booking form asks which time."""
    latest = {"text": text, "intent": {"name": intent, "confidence": 0.8}, "entities": []}
    events = [{"event": "action", "name": "action_ask_appointment_slot"}, {"event": "action", "name": "action_listen"},
              {"event": "user", "text": text, "parse_data": latest, "input_channel": "messenger"},
              {"event": "action", "name": "appointment_form"},
              {"event": "slot", "name": "appointment_slot", "value": text}]  # the candidate, last (as Rasa adds it)
    return Tracker("psid-1", {"language": "en", "requested_slot": "appointment_slot", "appointment_channel": "video",
                              "appointment_slot": text, **(slots or {})},
                   latest, events, False, None, {"name": "appointment_form"}, "appointment_form")


@pytest.mark.parametrize("text, when", [
    ("do u have anything in the afternoon?", "hours=12:00-24:00"),
    ("plutôt le matin", "hours=00:00-12:00"),
])
async def test_hours_asked_for_offer_the_free_times_that_fit(bank, text, when):
    bank()
    form = appointments.ValidateAppointmentForm()
    dispatcher = CollectingDispatcher()
    answer = await form.validate_appointment_slot(text, dispatcher, at_the_time_question(text, "inform"), {})
    assert answer == {"appointment_slot": None, "appointment_slot_matches": None, "appointment_when": when}
    assert said(dispatcher) == []  # no "none of the times matches": the question comes again with those that fit

    await appointments.ActionAskAppointmentSlot().run(
        dispatcher, tracker({"appointment_channel": "video", **answer}, loop="appointment_form"), {})
    titles = [r["title"] for r in dispatcher.messages[-1]["quick_replies"]]
    fitting = [s for s in FREE if fits(s.starts_at, when, datetime.now(BANK_ZONE).date())]
    starts = list(dict.fromkeys(s.starts_at for s in fitting))  # one per time
    assert titles[:2] == [short_time(Presentation.of("en"), at) for at in starts[:2]] and len(titles) <= len(starts)
    assert all(short_time(Presentation.of("en"), s.starts_at) not in titles for s in FREE if s not in fitting)


def test_the_day_asked_for_before_stays_when_hours_are_asked_for():
    assert appointments.with_day_kept("next_week", "hours=12:00-24:00") == "next_week hours=12:00-24:00"
    assert appointments.with_day_kept("4 hours=00:00-12:00", "hours=12:00-24:00") == "4 hours=12:00-24:00"
    assert appointments.with_day_kept("next_week", "2") == "2"


@pytest.mark.parametrize("text, intent, aside", [
    ("what are your opening hours?", "faq", True),
    ("what's my balance?", "check_balance", True),
    ("any slots after 2pm?", "faq", False),  # hours asked for: an answer, whatever NLU read
    ("any time on friday?", "faq", False),  # a day asked for, too
    ("do u have anything in the afternoon?", "check_balance", False),
    ("thursday", "greet", False),  # not a question for the rules: the validation judges it
])
async def test_a_general_question_at_the_time_question_goes_to_the_rules_unless_it_asks_for_hours(bank, text, intent,
                                                                                                    aside):
    bank()
    events = await appointments.ValidateAppointmentForm().run(
        CollectingDispatcher(), at_the_time_question(text, intent), {})
    rejected = [e for e in events if e.get("event") == "action_execution_rejected"]
    assert bool(rejected) is aside, events


def after_no(requested: Optional[str]) -> Tracker:
    """`appointment_confirmed` False since the customer's last message, the form asking `requested`."""
    latest = {"text": "No", "intent": {"name": "deny", "confidence": 1.0}, "entities": []}
    events = [{"event": "action", "name": "action_listen"},
              {"event": "user", "text": "/deny", "parse_data": latest, "input_channel": "messenger"},
              {"event": "slot", "name": "appointment_confirmed", "value": False}]
    return Tracker("psid-1", {"language": "en", "requested_slot": requested, "appointment_confirmed": False}, latest,
                   events, False, None, {"name": "appointment_form"}, "action_listen")


async def test_a_no_to_the_booking_is_answered_and_a_form_with_nothing_to_do_ends_silently(bank):
    bank()
    dispatcher = CollectingDispatcher()
    await appointments.ValidateAppointmentForm().run(dispatcher, after_no("appointment_confirmed"), {
        "forms": {"appointment_form": {"required_slots": ["appointment_slot", "appointment_confirmed"]}}})
    assert said(dispatcher) == ["utter_appointment_not_booked"]  # it was skipped: the no got no answer

    dispatcher = CollectingDispatcher()  # set False by the start (nothing to change): nothing asked, nothing said
    await appointments.ValidateAppointmentForm().run(dispatcher, after_no(None), {
        "forms": {"appointment_form": {"required_slots": ["appointment_slot", "appointment_confirmed"]}}})
    assert said(dispatcher) == []


async def test_another_way_to_meet_typed_at_the_time_question_offers_that_channel_s_times(bank):
    bank()
    text = "by video rather"
    dispatcher = CollectingDispatcher()
    answer = await appointments.ValidateAppointmentForm().validate_appointment_slot(
        text, dispatcher, at_the_time_question(text, "inform", {"appointment_channel": "phone"}), {})
    assert answer == {"appointment_slot": None, "appointment_slot_matches": None, "appointment_channel": "video"}
    [said_so] = dispatcher.messages
    assert (said_so["response"], said_so["channel"]) == ("utter_appointment_channel_changed", "by video call")


async def test_times_that_fit_what_was_asked_say_so_and_asking_is_not_a_miss(bank):
    bank()
    dispatcher = CollectingDispatcher()
    await appointments.ActionAskAppointmentSlot().run(
        dispatcher, tracker({"appointment_channel": "video", "appointment_when": "hours=12:00-24:00"},
                            loop="appointment_form"), {})
    assert said(dispatcher) == ["utter_ask_appointment_slot_fitting"]
    events = await appointments.ValidateAppointmentForm().run(
        CollectingDispatcher(), at_the_time_question("anything in the afternoon?", "inform"), {
            "forms": {"appointment_form": {"required_slots": ["appointment_slot", "appointment_confirmed"]}}})
    assert not any(e.get("name") == "answer_misses" and e.get("value") for e in events), events


async def test_a_day_asked_for_at_the_time_question_is_an_answer_whatever_service_nlu_read(bank):
    bank()
    text = "vous avez quelque chose vendredi ?"  # was recent_transactions: the booking left for Friday's transactions
    events = await appointments.ValidateAppointmentForm().run(
        CollectingDispatcher(), at_the_time_question(text, "recent_transactions"), {
            "forms": {"appointment_form": {"required_slots": ["appointment_slot", "appointment_confirmed"]}}})
    assert not any(e.get("event") in ("active_loop", "action_execution_rejected") for e in events), events
    assert {"event": "slot", "timestamp": None, "name": "appointment_when", "value": "5"} in events


@pytest.mark.parametrize("text, intent", [
    ("au fait, mes opérations de lundi dernier ?", "recent_transactions"),
    ("wait, how much did I spend at Fnac last friday?", "search_transactions"),
])
async def test_a_past_day_at_the_time_question_is_another_request(bank, text, intent):
    bank()
    events = await appointments.ValidateAppointmentForm().run(
        CollectingDispatcher(), at_the_time_question(text, intent), {
            "forms": {"appointment_form": {"required_slots": ["appointment_slot", "appointment_confirmed"]}}})
    assert any(e.get("event") == "action_execution_rejected" for e in events), events  # the rules take it


async def test_a_past_day_chooses_no_time(bank):
    bank()
    dispatcher = CollectingDispatcher()
    answer = await appointments.ValidateAppointmentForm().validate_appointment_slot(
        "the one last monday", dispatcher, at_the_time_question("the one last monday", "inform"), {})
    assert answer["appointment_slot"] is None and "appointment_when" not in answer


def at_the_question(asked: str, text: str, intent: str) -> Tracker:
    """`text` (read as `intent`) typed when the booking form asks `asked`."""
    latest = {"text": text, "intent": {"name": intent, "confidence": 0.7}, "entities": []}
    events = [{"event": "action", "name": "action_listen"},
              {"event": "user", "text": text, "parse_data": latest, "input_channel": "messenger"},
              {"event": "action", "name": "appointment_form"},
              {"event": "slot", "name": asked, "value": text}]
    return Tracker("psid-1", {"language": "en", "requested_slot": asked, asked: text}, latest, events, False, None,
                   {"name": "appointment_form"}, "appointment_form")


@pytest.mark.parametrize("asked, text, intent, aside", [
    ("appointment_channel", "by phone please", "human_handoff", False),  # handed the customer over before
    ("appointment_channel", "en agence", "human_handoff", False),
    ("appointment_channel", "talk to a person", "human_handoff", True),
    ("appointment_channel", "what are your opening hours?", "faq", True),
    ("appointment_topic", "savings", "check_balance", False),  # the balance was shown before
    ("appointment_topic", "what's my balance?", "check_balance", True),
])
async def test_the_topic_and_the_way_to_meet_are_answered_by_their_words_whatever_nlu_read(bank, asked, text, intent,
                                                                                           aside):
    bank()
    events = await appointments.ValidateAppointmentForm().run(CollectingDispatcher(), at_the_question(asked, text, intent), {
        "forms": {"appointment_form": {"required_slots": ["appointment_topic", "appointment_channel",
                                                          "appointment_slot", "appointment_confirmed"]}}})
    rejected = any(e.get("event") == "action_execution_rejected" for e in events)
    assert rejected is aside, events
    if not aside:
        assert any(e.get("name") == asked and e.get("value") for e in events if e.get("event") == "slot"), events
