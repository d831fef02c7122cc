"""Appointments with an advisor, end to end through every process, in Messenger conversations in English and in
French: booked behind the code (topic read from the request or tapped, channel tapped, a free slot tapped, a yes),
moved, then cancelled; a slot someone else books meanwhile is said politely and fresh slots follow. Nothing here
expects a date: the slots are those the core bank offers today, read from the quick replies."""
import re
import uuid
from datetime import datetime, timezone
from typing import Dict, List, Tuple
from zoneinfo import ZoneInfo

import requests

from bot.devtools.messenger_chat import choices_of
from tests.integration.test_french_conversations import french_customer, in_french, verify_in_french
from tests.support.branch import Branch

TOM = ("100003", "+33611223344")
CAMILLE = ("100002", "+33698765432")
ALEX = ("100001", "+33612345678")
REFERENCE = re.compile(r"\bAP-[A-Z0-9]{8}\b")
PARIS = ZoneInfo("Europe/Paris")
ENGLISH_DAYS = re.compile(r"\b(Mon|Tue|Wed|Thu|Fri|Sat|Sun)\b")


def new_psid() -> str:
    return f"psid-{uuid.uuid4().hex[:12]}"


def joined(texts: List[str]) -> str:
    return "\n".join(texts)


def latest_choices(branch: Branch, psid: str) -> List[Tuple[str, str]]:
    """(title, payload) of the quick replies of the latest message that offered some."""
    for body in reversed(branch.sent_to(psid)):
        offered = choices_of(body)
        if offered:
            return [(title, payload) for title, payload, _ in offered]
    raise AssertionError(f"nothing was offered to {psid}")


def bank_headers(branch: Branch, customer: Tuple[str, str]) -> Dict[str, str]:
    number, phone = customer
    return {"Authorization": f"Bearer {branch.customer_token(phone, number)}"}


def appointments_of(branch: Branch, headers: Dict[str, str]) -> Dict[str, dict]:
    found = requests.get(f"{branch.core_bank_url}/v1/appointments", headers=headers, timeout=5)
    found.raise_for_status()
    return {a["reference"]: a for a in found.json()["appointments"]}


def cancel_upcoming(branch: Branch, customer: Tuple[str, str]) -> Dict[str, str]:
    """A clean start: the customer's confirmed appointments cancelled at the bank (a stack used before); the
    headers of the customer's own sign-in at the bank, to check what the bot did."""
    headers = bank_headers(branch, customer)
    for reference, appointment in appointments_of(branch, headers).items():
        if appointment["status"] == "confirmed":
            requests.post(f"{branch.core_bank_url}/v1/appointments/{reference}/cancel", headers=headers, timeout=5)
    return headers


def test_an_appointment_is_booked_moved_and_cancelled_and_a_slot_taken_meanwhile_is_offered_again(branch: Branch):
    tom = cancel_upcoming(branch, TOM)
    psid = new_psid()
    replies = branch.exchange(psid, "I'd like to meet an advisor about a mortgage")
    assert "make sure it's really you" in joined(replies), replies
    branch.exchange(psid, TOM[0])
    replies = branch.exchange(psid, branch.latest_code(TOM[1]))
    assert "you're verified" in joined(replies), replies
    assert "How would you like to meet your advisor?" in joined(replies), replies  # the topic was in the request

    replies = branch.tap(psid, "By video")
    assert "in Paris time (Europe/Paris)" in joined(replies), replies
    offered = latest_choices(branch, psid)
    assert offered and all(len(title) <= 20 for title, _ in offered), offered

    # Someone else books the first time shown before the customer taps it.
    first_title, first_payload = offered[0]
    taken_slot = re.search(r'"appointment_slot":"([^"]+)"', first_payload).group(1)
    alex = bank_headers(branch, ALEX)
    other = requests.post(f"{branch.core_bank_url}/v1/appointments", timeout=5,
                          headers={**alex, "Idempotency-Key": uuid.uuid4().hex},
                          json={"slot_id": taken_slot, "channel": "video", "topic": "savings"})
    assert other.status_code == 201, other.text
    try:
        replies = branch.tap(psid, first_title)
        assert "has just been taken by someone else" in joined(replies), replies
        fresh = latest_choices(branch, psid)
        assert taken_slot not in "".join(payload for _, payload in fresh)

        replies = branch.tap(psid, fresh[0][0])
        asked = joined(replies)
        assert "Shall I book a meeting by video call about a mortgage on" in asked and "(Paris time)" in asked, replies
        replies = branch.tap(psid, "Yes, book it")
        booked = joined(replies)
        assert "You're booked" in booked, replies
        reference = REFERENCE.search(booked).group(0)
        at_bank = appointments_of(branch, tom)[reference]
        assert (at_bank["status"], at_bank["channel"], at_bank["topic"]) == ("confirmed", "video", "mortgage")

        replies = branch.exchange(psid, "can I move my appointment to another day")
        assert "in Paris time (Europe/Paris)" in joined(replies), replies  # the one appointment ahead is taken
        branch.tap(psid, latest_choices(branch, psid)[0][0])
        replies = branch.tap(psid, "Yes, move it")
        assert f"Your appointment {reference} is now on" in joined(replies), replies
        moved = appointments_of(branch, tom)[reference]
        assert moved["status"] == "confirmed" and moved["starts_at"] != at_bank["starts_at"]

        replies = branch.exchange(psid, "cancel my appointment")
        assert "Shall I cancel your appointment on" in joined(replies), replies
        replies = branch.tap(psid, "Yes, cancel it")
        assert f"({reference}) is cancelled" in joined(replies), replies
        assert appointments_of(branch, tom)[reference]["status"] == "cancelled"
    finally:
        requests.post(f"{branch.core_bank_url}/v1/appointments/{other.json()['reference']}/cancel", headers=alex,
                      timeout=5)


def test_an_appointment_in_french_is_booked_moved_to_thursday_and_cancelled(branch: Branch):
    camille = cancel_upcoming(branch, CAMILLE)
    psid = french_customer(branch)
    replies = branch.exchange(psid, "je voudrais un rendez-vous avec mon conseiller")
    assert "m'assurer qu'il s'agit bien de vous" in in_french(replies)
    done = verify_in_french(branch, psid, *CAMILLE)
    assert "De quoi souhaitez-vous parler ?" in done, done  # no topic in the request: asked

    replies = branch.tap(psid, "Épargne")
    assert "Comment préférez-vous rencontrer votre conseiller ?" in in_french(replies)
    replies = branch.tap(psid, "En agence")
    assert "à l'heure de Paris (Europe/Paris)" in in_french(replies)
    titles = [title for title, _ in latest_choices(branch, psid)]
    assert titles and not ENGLISH_DAYS.search(" ".join(titles)), titles  # French day names

    replies = branch.tap(psid, titles[0])
    asked = in_french(replies)
    assert "Je réserve un rendez-vous en agence pour votre épargne, le" in asked and "(heure de Paris)" in asked
    replies = branch.tap(psid, "Oui, réserver")
    booked = in_french(replies)
    assert "C'est réservé" in booked, replies
    reference = REFERENCE.search(booked).group(0)
    assert appointments_of(branch, camille)[reference]["channel"] == "branch"

    replies = branch.exchange(psid, "déplacer mon rendez-vous à jeudi")
    in_french(replies)
    thursdays = [title for title, _ in latest_choices(branch, psid)]
    assert thursdays and all(title.startswith("jeu.") for title in thursdays), thursdays
    replies = branch.tap(psid, thursdays[0])
    assert "Je déplace votre rendez-vous du" in in_french(replies)
    replies = branch.tap(psid, "Oui, déplacer")
    assert f"Votre rendez-vous {reference} est désormais le jeudi" in in_french(replies), replies

    replies = branch.exchange(psid, "annuler mon rendez-vous")
    assert "J'annule votre rendez-vous du" in in_french(replies)
    replies = branch.tap(psid, "Oui, annuler")
    assert f"({reference}) est annulé" in in_french(replies), replies
    assert appointments_of(branch, camille)[reference]["status"] == "cancelled"


# --- typed choices and a time the customer is booked at already ----------------------------------------------

SLOT_ID = re.compile(r'"appointment_slot":"([^"]+)"')
ENGLISH_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
FRENCH_WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")


def offered_times(branch: Branch, psid: str) -> List[Tuple[str, datetime]]:
    """(slot id, Paris time) of the times offered last, in their order: read from the quick replies' payloads."""
    found = []
    for _, payload in latest_choices(branch, psid):
        slot_id = SLOT_ID.search(payload).group(1)
        utc = datetime.strptime(slot_id.rsplit("@", 1)[1], "%Y%m%dT%H%MZ").replace(tzinfo=timezone.utc)
        found.append((slot_id, utc.astimezone(PARIS)))
    assert found, f"no times offered to {psid}"
    return found


def test_times_typed_in_english_a_day_with_two_then_the_second_and_a_time_already_booked_is_refused(branch: Branch):
    tom = cancel_upcoming(branch, TOM)
    psid = new_psid()
    branch.exchange(psid, "I'd like to book an appointment with an advisor about my savings")
    branch.exchange(psid, TOM[0])
    replies = branch.exchange(psid, branch.latest_code(TOM[1]))
    assert "How would you like to meet your advisor?" in joined(replies), replies
    branch.tap(psid, "By phone")
    offered = offered_times(branch, psid)
    by_day: Dict[object, list] = {}
    for slot_id, at in offered:
        by_day.setdefault(at.date(), []).append((slot_id, at))
    first_day = next(pair for pair in by_day.values() if len(pair) == 2)  # two a day are offered (today: maybe one)

    try:
        replies = branch.exchange(psid, ENGLISH_WEEKDAYS[first_day[0][1].weekday()])  # "Tuesday": two match
        assert "More than one of the times offered matches that" in joined(replies), replies
        assert [slot_id for slot_id, _ in offered_times(branch, psid)] == [slot_id for slot_id, _ in first_day]
        replies = branch.exchange(psid, "the second one")
        asked = joined(replies)
        second_id, second_at = first_day[1]
        assert "Shall I book a meeting by phone about savings on" in asked, replies
        assert f"{ENGLISH_WEEKDAYS[second_at.weekday()]} {second_at.day} " in asked and f"{second_at:%H:%M}" in asked

        # Meanwhile Tom books that very time elsewhere (another conversation, the bank's app).
        elsewhere = requests.post(f"{branch.core_bank_url}/v1/appointments", timeout=5,
                                  headers={**tom, "Idempotency-Key": uuid.uuid4().hex},
                                  json={"slot_id": second_id, "channel": "phone", "topic": "savings"})
        assert elsewhere.status_code == 201, elsewhere.text
        replies = branch.tap(psid, "Yes, book it")
        refused = joined(replies)
        assert "You already have an appointment on" in refused and elsewhere.json()["reference"] in refused, replies
        assert "so I can't put a second one at the same time" in refused, replies
        fresh = offered_times(branch, psid)
        assert second_at not in [at for _, at in fresh]  # the bank offers Tom no time he is booked at

        chosen_id, chosen_at = fresh[-1]
        typed = f"{ENGLISH_WEEKDAYS[chosen_at.weekday()]} {chosen_at.day} at {chosen_at:%H:%M}"  # "Tuesday 8 at 10:30"
        replies = branch.exchange(psid, typed)
        assert "Shall I book a meeting by phone about savings on" in joined(replies), (typed, replies)
        replies = branch.tap(psid, "Yes, book it")
        assert "You're booked" in joined(replies), replies
        held = [a for a in appointments_of(branch, tom).values() if a["status"] == "confirmed"]
        assert sorted(datetime.fromisoformat(a["starts_at"]) for a in held) == sorted([second_at, chosen_at])
    finally:
        cancel_upcoming(branch, TOM)


def test_times_typed_in_french_none_matches_then_mardi_8_a_10h30(branch: Branch):
    camille = cancel_upcoming(branch, CAMILLE)
    psid = french_customer(branch)
    branch.exchange(psid, "je voudrais un rendez-vous pour parler de mon épargne")
    done = verify_in_french(branch, psid, *CAMILLE)
    assert "Comment préférez-vous rencontrer votre conseiller ?" in done, done
    branch.tap(psid, "Par téléphone")
    offered = offered_times(branch, psid)

    try:
        replies = branch.exchange(psid, "dimanche à 19h")
        assert "Aucun des créneaux proposés ne correspond à ce que vous avez écrit" in in_french(replies), replies
        assert offered_times(branch, psid) == offered  # every time offered again

        chosen_id, chosen_at = offered[1]
        typed = f"{FRENCH_WEEKDAYS[chosen_at.weekday()]} {chosen_at.day} a {chosen_at.hour}h{chosen_at:%M}"
        replies = branch.exchange(psid, typed)  # "mardi 8 a 10h30": no accent on the à
        asked = in_french(replies)
        assert "Je réserve un rendez-vous par téléphone pour votre épargne, le" in asked, (typed, replies)
        assert f"{FRENCH_WEEKDAYS[chosen_at.weekday()]} {chosen_at.day} " in asked and f"{chosen_at:%H:%M}" in asked
        replies = branch.tap(psid, "Oui, réserver")
        assert "C'est réservé" in in_french(replies), replies
        [held] = [a for a in appointments_of(branch, camille).values() if a["status"] == "confirmed"]
        assert datetime.fromisoformat(held["starts_at"]) == chosen_at
    finally:
        cancel_upcoming(branch, CAMILLE)


def test_hours_asked_for_at_the_time_question_offer_the_times_that_fit_in_english_and_french(branch: Branch):
    psid = new_psid()
    branch.exchange(psid, "I'd like to book an appointment with an advisor about my savings")
    branch.exchange(psid, ALEX[0])
    branch.exchange(psid, branch.latest_code(ALEX[1]))
    # Typed, read as a request for a person by the NLU: asked how to meet, it answers (it handed the customer over).
    replies = branch.exchange(psid, "by phone please")
    assert "passing you to an advisor" not in joined(replies) and offered_times(branch, psid), replies
    # Read as a balance question by the NLU: asked for a time, it asks for the afternoon's.
    replies = branch.exchange(psid, "do u have anything in the afternoon?")
    assert "Here are your balances" not in joined(replies) and "None of the times offered" not in joined(replies)
    afternoon = offered_times(branch, psid)
    assert all(at.hour >= 12 for _, at in afternoon), afternoon
    replies = branch.exchange(psid, "the first one")
    first_at = afternoon[0][1]
    assert "Shall I book a meeting by phone about savings on" in joined(replies) and f"{first_at:%H:%M}" in joined(
        replies), replies
    declined = branch.tap(psid, "No")
    assert "I haven't booked anything" in joined(declined), declined  # the no is answered (it was not, before)

    psid = french_customer(branch)
    branch.exchange(psid, "je voudrais un rendez-vous pour parler de mon épargne")
    verify_in_french(branch, psid, *ALEX)
    branch.tap(psid, "Par téléphone")
    replies = branch.exchange(psid, "vous avez quelque chose le matin plutôt ?")
    assert "Aucun des créneaux proposés" not in in_french(replies), replies
    morning = offered_times(branch, psid)
    assert all(at.hour < 12 for _, at in morning), morning
    # A general question at the same question is still answered, and the times asked for again.
    replies = branch.exchange(psid, "quels sont vos horaires d'ouverture ?")
    assert offered_times(branch, psid) == morning, replies
    # A day asked for (read as a search of Friday's transactions: the booking was left) is the day's times.
    replies = branch.exchange(psid, "vous avez quelque chose vendredi ?")
    assert "je laisse de côté" not in in_french(replies), replies
    assert all(at.weekday() == 4 for _, at in offered_times(branch, psid)), offered_times(branch, psid)
    replies = branch.exchange(psid, "plutôt en visio")  # another way to meet: said, and its times
    assert "le rendez-vous se fera en visio" in in_french(replies), replies
    # A past day is no time to come: the transactions of that day, not a Monday's slot.
    replies = branch.exchange(psid, "au fait, mes opérations de lundi dernier ?")
    assert "Je réserve un rendez-vous" not in in_french(replies), replies


def test_a_person_asked_for_at_the_way_to_meet_question_is_still_a_handoff(branch: Branch):
    psid = new_psid()
    branch.exchange(psid, "I'd like to book an appointment with an advisor about my savings")
    branch.exchange(psid, TOM[0])
    replies = branch.exchange(psid, branch.latest_code(TOM[1]))
    assert "How would you like to meet your advisor?" in joined(replies), replies
    replies = branch.exchange(psid, "actually I'd rather talk to a person now")
    assert "passing you to an advisor" in joined(replies), replies
