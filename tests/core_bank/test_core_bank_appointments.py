"""Appointments with an advisor over HTTP: the free slots (relative to the bank's clock, in Paris time), booking,
never the same slot twice even at once, rescheduling in one step, cancelling; the staff's diary.

The clock starts on Thursday 2026-06-11 at 09:30 UTC, 11:30 in Paris: the first free slots are at 14:00 Paris
(12:00 UTC), an hour's notice having ruled out 11:30 itself.
"""
from __future__ import annotations

import re
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Iterator

import pytest
from sqlalchemy import create_engine, text

from tests.core_bank.core_bank_api_support import assert_error, assert_unauthorized, parse_time
from tests.core_bank.core_bank_everyday_support import (
    CAMILLE,
    CLAIRE,
    CUSTOMERS,
    JULIEN,
    NADIA,
    STAFF,
    paris_slot,
    posted_at_once,
    sign_in,
)
from tests.core_bank.core_bank_fixtures import CoreBankTestClient, TestClock, running_core_bank

THURSDAY, FRIDAY, MONDAY = date(2026, 6, 11), date(2026, 6, 12), date(2026, 6, 15)
APPOINTMENT_FIELDS = {"reference", "status", "topic", "channel", "note", "starts_at", "ends_at", "timezone", "advisor",
                      "booked_at", "cancelled_at"}


@pytest.fixture
def bank(tmp_path: Path) -> Iterator[CoreBankTestClient]:
    with running_core_bank(tmp_path, OTP_CHALLENGES_PER_WINDOW="100") as running:
        yield running


def slots(bank: CoreBankTestClient, token: str, **params) -> list[dict]:
    response = bank.get("/v1/appointment-slots", token=token, params=params)
    assert response.status_code == 200, response.text
    assert response.json()["timezone"] == "Europe/Paris"
    return response.json()["slots"]


def book(bank: CoreBankTestClient, token: str, key: str, slot_id: str, channel: str = "phone", topic: str = "mortgage", **more):
    return bank.post_idempotent("/v1/appointments", token, key, json={"slot_id": slot_id, "channel": channel, "topic": topic, **more})


def reschedule(bank: CoreBankTestClient, token: str, key: str, reference: str, slot_id: str, **more):
    return bank.post_idempotent(f"/v1/appointments/{reference}/reschedule", token, key, json={"slot_id": slot_id, **more})


def diary(bank: CoreBankTestClient, **params) -> list[dict]:
    return bank.get("/v1/staff/appointments", headers=STAFF, params=params).json()["appointments"]


# --- free slots ---------------------------------------------------------------------------


def test_the_free_slots_follow_the_clock_and_the_advisors_days(bank: CoreBankTestClient):
    token = sign_in(bank)

    today = slots(bank, token, days=1, limit=100)

    expected = [paris_slot(advisor, THURSDAY, hour) for hour in (14, 15, 16, 17) for advisor in (CLAIRE, JULIEN, NADIA)]
    assert [s["slot_id"] for s in today] == expected
    first = today[0]
    assert first["starts_at"] == "2026-06-11T12:00:00+00:00" and first["ends_at"] == "2026-06-11T12:45:00+00:00"
    assert first["advisor"] == {
        "advisor_id": CLAIRE, "name": "Claire Lefèvre", "channels": ["branch", "phone", "video"],
        "branch": {"name": "Paris Oberkampf", "address": "98 rue Oberkampf, 75011 Paris"},
    }
    assert today[2]["advisor"]["branch"] is None  # Nadia: phone and video only

    two_days = slots(bank, token, days=2, limit=100)
    friday = [s for s in two_days if parse_time(s["starts_at"]).date() == FRIDAY]
    assert {s["advisor"]["advisor_id"] for s in friday} == {CLAIRE, NADIA}  # Julien works Monday to Thursday
    assert len(friday) == 2 * 7 and friday[0]["starts_at"] == "2026-06-12T07:30:00+00:00"  # 09:30 in Paris
    assert len(slots(bank, token, days=2)) == 20  # the default limit
    assert [s["slot_id"] for s in slots(bank, token, limit=3)] == expected[:3]

    video = slots(bank, token, days=2, limit=100, channel="video")
    assert {s["advisor"]["advisor_id"] for s in video} == {CLAIRE, NADIA} and len(video) == 8 + 14
    julien = slots(bank, token, days=5, limit=100, advisor_id=JULIEN)
    assert len(julien) == 4 + 7 * 3  # Thursday afternoon; Monday, Tuesday, Wednesday (Friday off)
    assert slots(bank, token, advisor_id="adv_nobody") == []


def test_on_a_weekend_the_next_working_day_comes_first(tmp_path: Path):
    saturday = TestClock(datetime(2026, 6, 13, 10, 0, tzinfo=timezone.utc))
    with running_core_bank(tmp_path, clock=saturday) as bank:
        first = slots(bank, sign_in(bank), days=1, limit=100)
    assert [s["slot_id"] for s in first[:2]] == [paris_slot(JULIEN, MONDAY, 9, 30), paris_slot(NADIA, MONDAY, 9, 30)]
    assert len(first) == 2 * 7  # Claire works Tuesday to Friday


def test_slot_queries_are_checked(bank: CoreBankTestClient):
    token = sign_in(bank)
    for params in ({"days": 0}, {"days": 21}, {"days": "two"}, {"limit": 0}, {"limit": 101}, {"channel": "pigeon"}):
        assert_error(bank.get("/v1/appointment-slots", token=token, params=params), 400, "invalid_request")
    assert_unauthorized(bank.get("/v1/appointment-slots"))


# --- booking ------------------------------------------------------------------------------


def test_booking_a_slot_confirms_it_with_a_reference(bank: CoreBankTestClient):
    token = sign_in(bank)
    slot = paris_slot(CLAIRE, FRIDAY, 10, 30)

    booked = book(bank, token, "a-1", slot, channel="branch", topic="mortgage", note="A first home in Paris")

    assert booked.status_code == 201, booked.text
    appointment = booked.json()
    assert set(appointment) == APPOINTMENT_FIELDS
    assert re.fullmatch(r"AP-[A-Z0-9]{8}", appointment["reference"])
    assert (appointment["status"], appointment["topic"], appointment["channel"]) == ("confirmed", "mortgage", "branch")
    assert appointment["note"] == "A first home in Paris" and appointment["cancelled_at"] is None
    assert (appointment["starts_at"], appointment["ends_at"]) == ("2026-06-12T08:30:00+00:00", "2026-06-12T09:15:00+00:00")
    assert appointment["advisor"]["name"] == "Claire Lefèvre" and appointment["timezone"] == "Europe/Paris"
    assert parse_time(appointment["booked_at"]) == bank.clock()
    assert slot not in {s["slot_id"] for s in slots(bank, token, days=2, limit=100)}

    repeat = book(bank, token, "a-1", slot, channel="branch", topic="mortgage", note="A first home in Paris")
    assert (repeat.status_code, repeat.json(), repeat.headers["Idempotent-Replayed"]) == (201, appointment, "true")
    assert_error(book(bank, token, "a-1", slot, channel="phone"), 422, "idempotency_key_reused")
    assert_error(bank.post("/v1/appointments", token=token, json={"slot_id": slot, "channel": "phone", "topic": "loan"}),
                 400, "invalid_request")  # no Idempotency-Key
    assert bank.get("/v1/appointments", token=token).json() == {"appointments": [appointment]}
    assert bank.get(f"/v1/appointments/{appointment['reference']}", token=token).json() == appointment


def test_a_slot_is_never_booked_twice(bank: CoreBankTestClient):
    slot = paris_slot(NADIA, THURSDAY, 15)
    alex = sign_in(bank)
    assert book(bank, alex, "a-1", slot).status_code == 201

    camille = sign_in(bank, CAMILLE)
    taken = assert_error(book(bank, camille, "c-1", slot, channel="video", topic="savings"), 409, "slot_taken")
    assert "taken" in taken["message"]
    assert bank.get("/v1/appointments", token=camille).json() == {"appointments": []}


def test_a_customer_is_never_booked_twice_at_one_time_with_any_advisor(bank: CoreBankTestClient):
    alex = sign_in(bank)
    first = book(bank, alex, "a-1", paris_slot(CLAIRE, FRIDAY, 10, 30), channel="video").json()

    clash = assert_error(book(bank, alex, "a-2", paris_slot(NADIA, FRIDAY, 10, 30), channel="video"),
                         409, "appointment_overlap")
    assert clash["reference"] == first["reference"] and first["reference"] in clash["message"]
    assert [a["reference"] for a in bank.get("/v1/appointments", token=alex).json()["appointments"]] == [
        first["reference"]]
    free = slots(bank, alex, days=2, limit=100)
    assert not [s for s in free if s["starts_at"] == first["starts_at"]]  # no other advisor's 10:30 offered to Alex
    camille = sign_in(bank, CAMILLE)
    assert paris_slot(NADIA, FRIDAY, 10, 30) in {s["slot_id"] for s in slots(bank, camille, days=2, limit=100)}

    later = book(bank, alex, "a-3", paris_slot(NADIA, FRIDAY, 11, 30), channel="video").json()  # the next slot: fine
    own = assert_error(reschedule(bank, alex, "r-1", later["reference"], paris_slot(CLAIRE, FRIDAY, 10, 30)),
                       409, "appointment_overlap")  # Alex's own slot with Claire: Alex is told it is theirs
    assert own["reference"] == first["reference"]
    again = assert_error(book(bank, alex, "a-5", paris_slot(CLAIRE, FRIDAY, 10, 30), channel="video"),
                         409, "appointment_overlap")
    assert again["reference"] == first["reference"]
    onto = assert_error(reschedule(bank, alex, "r-2", later["reference"], paris_slot(NADIA, FRIDAY, 10, 30)),
                        409, "appointment_overlap")
    assert onto["reference"] == first["reference"]
    same_time = reschedule(bank, alex, "r-3", first["reference"], paris_slot(NADIA, FRIDAY, 10, 30))
    assert same_time.status_code == 200, same_time.text  # moving an appointment onto its own time is no clash

    bank.post(f"/v1/appointments/{first['reference']}/cancel", token=alex)
    again = book(bank, alex, "a-4", paris_slot(JULIEN, THURSDAY, 15))
    assert again.status_code == 201, again.text  # a cancelled appointment holds no time


def test_one_customer_booking_two_advisors_at_one_time_at_once_gets_one(bank: CoreBankTestClient):
    token = sign_in(bank)
    bodies = [{"slot_id": paris_slot(advisor, FRIDAY, 14), "channel": "phone", "topic": "loan"}
              for advisor in (CLAIRE, NADIA)]

    answers = posted_at_once(bank, [
        ("/v1/appointments", body, {"Authorization": f"Bearer {token}", "Idempotency-Key": f"k-{n}"})
        for n, body in enumerate(bodies)
    ])

    assert sorted(a.status_code for a in answers) == [201, 409]
    assert [a.json()["error"]["code"] for a in answers if a.status_code == 409] == ["appointment_overlap"]
    assert len(bank.get("/v1/appointments", token=token).json()["appointments"]) == 1


def test_four_customers_booking_one_slot_at_once_get_it_once(bank: CoreBankTestClient):
    slot = paris_slot(CLAIRE, FRIDAY, 9, 30)
    tokens = {number: sign_in(bank, number) for number in CUSTOMERS}
    body = {"slot_id": slot, "channel": "video", "topic": "account"}

    answers = posted_at_once(bank, [
        ("/v1/appointments", body, {"Authorization": f"Bearer {token}", "Idempotency-Key": "same-key"})
        for token in tokens.values()
    ])

    assert sorted(a.status_code for a in answers) == [201, 409, 409, 409]
    assert {a.json()["error"]["code"] for a in answers if a.status_code == 409} == {"slot_taken"}
    holders = [number for number, token in tokens.items() if bank.get("/v1/appointments", token=token).json()["appointments"]]
    assert len(holders) == 1
    assert [a["advisor"]["advisor_id"] for a in diary(bank) if a["starts_at"] == "2026-06-12T07:30:00+00:00"] == [CLAIRE]


def test_a_slot_that_has_passed_or_is_not_the_advisors_is_refused(bank: CoreBankTestClient):
    token = sign_in(bank)
    cases = [
        (paris_slot(CLAIRE, THURSDAY, 11, 30), "phone", 422, "slot_in_past"),  # now
        (paris_slot(CLAIRE, THURSDAY, 9, 30), "phone", 422, "slot_in_past"),
        (paris_slot(CLAIRE, THURSDAY, 14), "phone", 201, None),  # 2 hours 30 from now
        (paris_slot(JULIEN, FRIDAY, 10, 30), "phone", 422, "slot_unavailable"),  # Julien's day off
        (paris_slot(NADIA, FRIDAY, 10, 45), "phone", 422, "slot_unavailable"),  # not a start time
        (paris_slot(NADIA, date(2026, 6, 13), 10, 30), "phone", 422, "slot_unavailable"),  # Saturday
        (paris_slot(NADIA, date(2026, 7, 9), 10, 30), "phone", 422, "slot_unavailable"),  # the 21st working day
        (paris_slot(NADIA, date(2026, 7, 8), 10, 30), "phone", 201, None),  # the 20th
        (paris_slot(NADIA, FRIDAY, 10, 30), "branch", 422, "slot_unavailable"),  # Nadia has no branch
        (paris_slot("adv_nobody", FRIDAY, 10, 30), "phone", 422, "slot_unavailable"),
        ("tomorrow at ten", "phone", 400, "invalid_request"),
        (f"{CLAIRE}@20260631T0830Z", "phone", 400, "invalid_request"),  # no 31 June
    ]
    for n, (slot, channel, status, code) in enumerate(cases):
        answer = book(bank, token, f"k-{n}", slot, channel=channel)
        if code is None:
            assert answer.status_code == status, (slot, answer.text)
        else:
            assert_error(answer, status, code)
    for body in ({"slot_id": paris_slot(NADIA, FRIDAY, 11, 30), "channel": "phone", "topic": "holiday"},
                 {"slot_id": paris_slot(NADIA, FRIDAY, 11, 30), "channel": "pigeon", "topic": "loan"},
                 {"slot_id": paris_slot(NADIA, FRIDAY, 11, 30), "channel": "phone", "topic": "loan", "note": "x" * 301},
                 {"slot_id": paris_slot(NADIA, FRIDAY, 11, 30), "topic": "loan"}):
        assert_error(bank.post_idempotent("/v1/appointments", token, "k-bad", json=body), 400, "invalid_request")


# --- rescheduling and cancelling -------------------------------------------------------------


def test_rescheduling_takes_the_new_slot_and_frees_the_old_one_at_once(bank: CoreBankTestClient):
    token = sign_in(bank)
    old, new = paris_slot(CLAIRE, FRIDAY, 10, 30), paris_slot(NADIA, MONDAY, 16)
    appointment = book(bank, token, "a-1", old, channel="video").json()

    moved = reschedule(bank, token, "r-1", appointment["reference"], new)

    assert moved.status_code == 200, moved.text
    after = moved.json()
    assert after["reference"] == appointment["reference"] and after["status"] == "confirmed"
    assert (after["starts_at"], after["advisor"]["advisor_id"], after["channel"]) == ("2026-06-15T14:00:00+00:00", NADIA, "video")
    free = {s["slot_id"] for s in slots(bank, token, days=3, limit=100)}
    assert old in free and new not in free
    repeat = reschedule(bank, token, "r-1", appointment["reference"], new)
    assert (repeat.status_code, repeat.json(), repeat.headers["Idempotent-Replayed"]) == (200, after, "true")
    same = reschedule(bank, token, "r-2", appointment["reference"], new)
    assert (same.status_code, same.json()) == (200, after)  # already there
    by_phone = reschedule(bank, token, "r-3", appointment["reference"], new, channel="phone").json()
    assert (by_phone["channel"], by_phone["starts_at"]) == ("phone", after["starts_at"])
    assert [a["reference"] for a in bank.get("/v1/appointments", token=token).json()["appointments"]] == [appointment["reference"]]


def test_rescheduling_to_a_taken_slot_changes_nothing(bank: CoreBankTestClient):
    alex, camille = sign_in(bank), sign_in(bank, CAMILLE)
    mine = book(bank, alex, "a-1", paris_slot(JULIEN, MONDAY, 10, 30)).json()
    theirs = paris_slot(JULIEN, MONDAY, 11, 30)
    assert book(bank, camille, "c-1", theirs).status_code == 201

    assert_error(reschedule(bank, alex, "r-1", mine["reference"], theirs), 409, "slot_taken")
    assert_error(reschedule(bank, alex, "r-2", mine["reference"], paris_slot(JULIEN, MONDAY, 11, 30), channel="video"),
                 422, "slot_unavailable")  # Julien does not do video
    assert_error(reschedule(bank, alex, "r-3", mine["reference"], paris_slot(JULIEN, THURSDAY, 9, 30)), 422, "slot_in_past")
    assert bank.get(f"/v1/appointments/{mine['reference']}", token=alex).json() == mine
    assert_error(reschedule(bank, camille, "r-4", mine["reference"], paris_slot(JULIEN, MONDAY, 14)), 404, "appointment_not_found")


def test_cancelling_frees_the_slot(bank: CoreBankTestClient):
    token = sign_in(bank)
    slot = paris_slot(NADIA, FRIDAY, 16)
    appointment = book(bank, token, "a-1", slot).json()
    bank.clock.advance(minutes=3)

    cancelled = bank.post(f"/v1/appointments/{appointment['reference']}/cancel", token=token)

    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json() == {**appointment, "status": "cancelled", "cancelled_at": bank.clock().isoformat()}
    assert slot in {s["slot_id"] for s in slots(bank, token, days=2, limit=100)}
    again = bank.post(f"/v1/appointments/{appointment['reference']}/cancel", token=token)
    assert (again.status_code, again.json()) == (200, cancelled.json())
    assert_error(reschedule(bank, token, "r-1", appointment["reference"], paris_slot(NADIA, FRIDAY, 17)), 422, "appointment_cancelled")
    camille = sign_in(bank, CAMILLE)
    rebooked = book(bank, camille, "c-1", slot)  # the freed slot can be booked again
    assert rebooked.status_code == 201, rebooked.text
    assert [a["status"] for a in bank.get("/v1/appointments", token=token).json()["appointments"]] == ["cancelled"]


def test_an_appointment_that_has_begun_can_be_neither_moved_nor_cancelled(bank: CoreBankTestClient):
    token = sign_in(bank)
    appointment = book(bank, token, "a-1", paris_slot(CLAIRE, THURSDAY, 15)).json()
    bank.clock.move_to(parse_time(appointment["starts_at"]))
    token = sign_in(bank)

    assert_error(bank.post(f"/v1/appointments/{appointment['reference']}/cancel", token=token), 422, "appointment_past")
    assert_error(reschedule(bank, token, "r-1", appointment["reference"], paris_slot(CLAIRE, FRIDAY, 15)), 422, "appointment_past")
    assert bank.get(f"/v1/appointments/{appointment['reference']}", token=token).json()["status"] == "confirmed"


def test_appointments_are_the_customers_own_and_need_a_sign_in(bank: CoreBankTestClient):
    alex = sign_in(bank)
    later = book(bank, alex, "a-1", paris_slot(NADIA, MONDAY, 9, 30)).json()
    sooner = book(bank, alex, "a-2", paris_slot(CLAIRE, FRIDAY, 9, 30), topic="savings").json()
    assert [a["reference"] for a in bank.get("/v1/appointments", token=alex).json()["appointments"]] == [
        sooner["reference"], later["reference"]]  # soonest first

    camille = sign_in(bank, CAMILLE)
    assert bank.get("/v1/appointments", token=camille).json() == {"appointments": []}
    for path in (f"/v1/appointments/{later['reference']}", "/v1/appointments/AP-NOTHING1"):
        assert_error(bank.get(path, token=camille), 404, "appointment_not_found")
    assert_error(bank.post(f"/v1/appointments/{later['reference']}/cancel", token=camille), 404, "appointment_not_found")
    assert bank.get(f"/v1/appointments/{later['reference']}", token=alex).json()["status"] == "confirmed"

    key = {"Idempotency-Key": "k"}
    body = {"slot_id": paris_slot(NADIA, MONDAY, 10, 30), "channel": "phone", "topic": "loan"}
    for method, path, sent, headers in (
        ("GET", "/v1/appointments", None, None),
        ("GET", f"/v1/appointments/{later['reference']}", None, None),
        ("POST", "/v1/appointments", body, key),
        ("POST", f"/v1/appointments/{later['reference']}/reschedule", {"slot_id": body["slot_id"]}, key),
        ("POST", f"/v1/appointments/{later['reference']}/cancel", None, None),
    ):
        assert_unauthorized(bank.request(method, path, json=sent, headers=headers))
        assert_unauthorized(bank.request(method, path, token="not-a-token", json=sent, headers=headers))


# --- the staff's diary ----------------------------------------------------------------------


def test_the_staff_see_the_confirmed_appointments_ahead(bank: CoreBankTestClient):
    alex, camille = sign_in(bank), sign_in(bank, CAMILLE)
    first = book(bank, alex, "a-1", paris_slot(CLAIRE, THURSDAY, 14), channel="branch").json()
    second = book(bank, camille, "c-1", paris_slot(NADIA, FRIDAY, 9, 30), topic="loan").json()
    dropped = book(bank, camille, "c-2", paris_slot(JULIEN, THURSDAY, 16)).json()
    far = book(bank, alex, "a-2", paris_slot(NADIA, date(2026, 6, 22), 9, 30)).json()  # the 8th working day
    bank.post(f"/v1/appointments/{dropped['reference']}/cancel", token=camille)

    assert_error(bank.get("/v1/staff/appointments"), 403, "service_token_required")
    assert_error(bank.get("/v1/staff/appointments", token=alex), 403, "service_token_required")
    seen = diary(bank)
    assert [a["reference"] for a in seen] == [first["reference"], second["reference"]]
    assert seen[0]["customer"] == {"customer_number": "100001", "first_name": "Alex", "last_name": "Martin"}
    assert {k: v for k, v in seen[1].items() if k != "customer"} == second
    assert [a["reference"] for a in diary(bank, days=10)] == [first["reference"], second["reference"], far["reference"]]
    assert [a["reference"] for a in diary(bank, days=10, advisor_id=NADIA)] == [second["reference"], far["reference"]]
    assert_error(bank.get("/v1/staff/appointments", headers=STAFF, params={"days": 0}), 400, "invalid_request")

    bank.clock.move_to(parse_time(first["ends_at"]))  # the first is over
    assert [a["reference"] for a in diary(bank)] == [second["reference"]]


# --- the database's own guard ------------------------------------------------------------------


def test_the_database_itself_refuses_a_second_confirmed_appointment_on_a_slot(bank: CoreBankTestClient):
    """Whatever the code checks first, the table keeps one confirmed appointment per advisor and start."""
    token = sign_in(bank)
    booked = book(bank, token, "a-1", paris_slot(CLAIRE, FRIDAY, 14)).json()
    engine = create_engine(f"sqlite:///{bank.database_path}")
    copy = text(
        "INSERT INTO appointments (reference, customer_id, advisor_id, starts_at, ends_at, channel, topic, note, status, "
        "booked_at, cancelled_at) SELECT :reference, customer_id, advisor_id, starts_at, ends_at, channel, topic, note, "
        ":status, booked_at, NULL FROM appointments WHERE reference = :original"
    )
    try:
        with engine.begin() as connection:
            connection.execute(copy, {"reference": "AP-CANCELED", "status": "cancelled", "original": booked["reference"]})
        with pytest.raises(Exception, match="UNIQUE constraint failed"):
            with engine.begin() as connection:
                connection.execute(copy, {"reference": "AP-TWICE001", "status": "confirmed", "original": booked["reference"]})
    finally:
        engine.dispose()
    assert [a["reference"] for a in diary(bank)] == [booked["reference"]]
