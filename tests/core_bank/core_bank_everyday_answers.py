"""Every documented answer of the card freeze, dispute and appointment operations, really answered: a scenario
for test_core_bank_openapi.py's coverage check (each response is checked against /openapi.json as it arrives)."""
from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Iterator

from bot.core_bank.seed import DEMO_CARD_IDS
from tests.core_bank.core_bank_everyday_support import (
    CAMILLE,
    CLAIRE,
    JULIEN,
    NADIA,
    STAFF,
    a_transaction,
    large_payment,
    money_in,
    paris_slot,
    parse,
    sign_in,
    small_card_payment,
)
from tests.core_bank.core_bank_fixtures import CoreBankTestClient, running_core_bank

TOO_LARGE = json.dumps({"padding": "x" * 70_000})
FRIDAY, MONDAY = date(2026, 6, 12), date(2026, 6, 15)
DEBIT, CREDIT = DEMO_CARD_IDS["debit"], DEMO_CARD_IDS["credit"]


def every_everyday_answer(tmp_path: Path) -> Iterator[CoreBankTestClient]:
    with running_core_bank(tmp_path / "everyday", OTP_CHALLENGES_PER_WINDOW="100") as bank:
        card_freezes(bank)
        disputes(bank)
        appointments(bank)
        yield bank
    with running_core_bank(tmp_path / "everyday-gone") as bank:
        without_a_database(bank)
        yield bank


def card_freezes(bank: CoreBankTestClient) -> None:
    token = sign_in(bank)
    pay = lambda card, **more: bank.post(  # noqa: E731
        f"/dev/cards/{card}/authorisations", json={"amount": "10.00", "currency": "EUR", "merchant": "Fnac", **more}
    )
    for action in ("freeze", "unfreeze"):
        bank.post(f"/v1/cards/{DEBIT}/{action}")
        bank.post(f"/v1/cards/card_nope/{action}", token=token)
    pay(DEBIT)
    pay(DEBIT, currency="USD")
    pay(DEBIT, amount="99999.00")
    pay("card_nope")
    bank.post(f"/dev/cards/{DEBIT}/authorisations", json={"amount": "10.00"})
    bank.post(f"/dev/cards/{DEBIT}/authorisations", data=TOO_LARGE, headers={"Content-Type": "application/json"})
    bank.post(f"/v1/cards/{DEBIT}/freeze", token=token)
    pay(DEBIT)  # frozen
    bank.post(f"/v1/cards/{DEBIT}/unfreeze", token=token)
    bank.post(f"/v1/cards/{CREDIT}/block", token=token, json={"reason": "lost"})
    pay(CREDIT)  # blocked
    bank.post(f"/v1/cards/{CREDIT}/freeze", token=token)
    bank.post(f"/v1/cards/{CREDIT}/unfreeze", token=token)


def disputes(bank: CoreBankTestClient) -> None:
    token = sign_in(bank)
    small = a_transaction(bank, token, small_card_payment)["transaction_id"]
    large = a_transaction(bank, token, large_payment)["transaction_id"]
    salary = a_transaction(bank, token, money_in)["transaction_id"]
    open_ = lambda key, transaction_id, **more: bank.post_idempotent(  # noqa: E731
        "/v1/disputes", token, key, json={"transaction_id": transaction_id, "reason": "charged_twice", **more}
    )
    bank.post("/v1/disputes", json={}, headers={"Idempotency-Key": "k"})
    bank.post("/v1/disputes", token=token, json={"transaction_id": small, "reason": "charged_twice"})  # no key
    bank.post_idempotent("/v1/disputes", token, "d-0", json={"transaction_id": small, "reason": "stolen"})
    bank.post_idempotent("/v1/disputes", token, "d-0", data=TOO_LARGE, headers={"Content-Type": "application/json"})
    reference = open_("d-1", small).json()["reference"]
    open_("d-1", small)  # replayed
    open_("d-1", large)  # key reused
    open_("d-2", small)  # already disputed
    open_("d-3", salary)
    open_("d-4", "txn_nope")
    bank.get("/v1/disputes", token=token)
    bank.get("/v1/disputes")
    bank.get(f"/v1/disputes/{reference}", token=token)
    bank.get(f"/v1/disputes/{reference}")
    bank.get("/v1/disputes/DP-NOTHING1", token=token)

    bank.get("/v1/staff/disputes", headers=STAFF)
    bank.get("/v1/staff/disputes")
    bank.get("/v1/staff/disputes", headers=STAFF, params={"status": "lost"})
    status = f"/v1/staff/disputes/{reference}/status"
    bank.post(status, headers=STAFF, json={"status": "resolved"})
    bank.post(status, headers=STAFF, json={"status": "under_review"})
    bank.post(status, json={"status": "under_review"})
    bank.post(status, headers=STAFF, json={"status": "open"})
    bank.post(status, headers={**STAFF, "Content-Type": "application/json"}, data=TOO_LARGE)
    bank.post("/v1/staff/disputes/DP-NOTHING1/status", headers=STAFF, json={"status": "resolved"})

    bank.clock.advance(days=430)  # 14 months on: every seeded payment is too old
    open_ = lambda key, transaction_id: bank.post_idempotent(  # noqa: E731
        "/v1/disputes", sign_in(bank), key, json={"transaction_id": transaction_id, "reason": "charged_twice"}
    )
    open_("d-late", large)


def appointments(bank: CoreBankTestClient) -> None:
    # The clock has moved on (disputes): slots are relative to it.
    alex, camille = sign_in(bank), sign_in(bank, CAMILLE)
    today = parse(bank.get("/v1/appointment-slots", token=alex).json()["slots"][0]["starts_at"]).date()
    monday = today + timedelta(days=(7 - today.weekday()) % 7 or 7)
    past = bank.clock().date() - timedelta(days=1)
    while past.weekday() >= 5:
        past -= timedelta(days=1)
    book = lambda token, key, slot, **more: bank.post_idempotent(  # noqa: E731
        "/v1/appointments", token, key, json={"slot_id": slot, "channel": "phone", "topic": "loan", **more}
    )
    bank.get("/v1/appointment-slots")
    bank.get("/v1/appointment-slots", token=alex, params={"days": 0})
    bank.post("/v1/appointments", json={}, headers={"Idempotency-Key": "k"})
    book(alex, "a-0", "not a slot")
    bank.post_idempotent("/v1/appointments", alex, "a-0", data=TOO_LARGE, headers={"Content-Type": "application/json"})
    mine = book(alex, "a-1", paris_slot(NADIA, monday, 9, 30)).json()["reference"]
    book(alex, "a-1", paris_slot(NADIA, monday, 9, 30))  # replayed
    book(alex, "a-1", paris_slot(NADIA, monday, 10, 30))  # key reused
    book(camille, "c-1", paris_slot(NADIA, monday, 9, 30))  # taken
    book(camille, "c-2", paris_slot(NADIA, past, 9, 30))  # past
    book(camille, "c-3", paris_slot(CLAIRE, monday, 9, 30))  # Claire's day off
    theirs = book(camille, "c-4", paris_slot(JULIEN, monday, 9, 30)).json()["reference"]
    bank.get("/v1/appointments", token=alex)
    bank.get("/v1/appointments")
    bank.get(f"/v1/appointments/{mine}", token=alex)
    bank.get(f"/v1/appointments/{mine}")
    bank.get(f"/v1/appointments/{theirs}", token=alex)

    move = f"/v1/appointments/{mine}/reschedule"
    bank.post(move, json={}, headers={"Idempotency-Key": "k"})
    bank.post_idempotent(move, alex, "r-0", json={"slot_id": "not a slot"})
    bank.post_idempotent(move, alex, "r-0", data=TOO_LARGE, headers={"Content-Type": "application/json"})
    bank.post_idempotent(move, alex, "r-1", json={"slot_id": paris_slot(NADIA, monday, 11, 30)})
    bank.post_idempotent(move, alex, "r-1", json={"slot_id": paris_slot(NADIA, monday, 11, 30)})  # replayed
    bank.post_idempotent(move, alex, "r-1", json={"slot_id": paris_slot(NADIA, monday, 14)})  # key reused
    bank.post_idempotent(move, alex, "r-2", json={"slot_id": paris_slot(JULIEN, monday, 9, 30)})  # taken
    bank.post_idempotent(move, alex, "r-3", json={"slot_id": paris_slot(CLAIRE, monday, 9, 30)})  # day off
    bank.post_idempotent(move, alex, "r-4", json={"slot_id": paris_slot(NADIA, past, 9, 30)})
    book(alex, "a-2", paris_slot(JULIEN, monday, 11, 30))  # Alex has Nadia then: overlap
    second = book(alex, "a-3", paris_slot(JULIEN, monday, 14)).json()["reference"]
    bank.post_idempotent(f"/v1/appointments/{second}/reschedule", alex, "r-7",
                         json={"slot_id": paris_slot(JULIEN, monday, 11, 30)})  # overlap
    bank.post_idempotent(f"/v1/appointments/{theirs}/reschedule", alex, "r-5", json={"slot_id": paris_slot(NADIA, monday, 14)})

    bank.post(f"/v1/appointments/{theirs}/cancel", token=alex)
    bank.post(f"/v1/appointments/{mine}/cancel")
    bank.post(f"/v1/appointments/{theirs}/cancel", token=camille)
    bank.post_idempotent(f"/v1/appointments/{theirs}/reschedule", camille, "r-6", json={"slot_id": paris_slot(NADIA, monday, 14)})

    bank.get("/v1/staff/appointments", headers=STAFF)
    bank.get("/v1/staff/appointments")
    bank.get("/v1/staff/appointments", headers=STAFF, params={"days": 99})

    begun = bank.get(f"/v1/appointments/{mine}", token=alex).json()["starts_at"]
    bank.clock.move_to(parse(begun))
    alex = sign_in(bank)
    bank.post(f"/v1/appointments/{mine}/cancel", token=alex)
    bank.post_idempotent(move, alex, "r-7", json={"slot_id": paris_slot(NADIA, monday + timedelta(days=1), 14)})


def without_a_database(bank: CoreBankTestClient) -> None:
    """The database gone: every operation that needs it answers 500 internal_error."""
    token = sign_in(bank)
    bank.database_path.unlink()
    key = {"Idempotency-Key": "k-500"}
    slot = paris_slot(NADIA, MONDAY, 9, 30)
    for action in ("freeze", "unfreeze"):
        bank.post(f"/v1/cards/{DEBIT}/{action}", token=token)
    bank.post(f"/dev/cards/{DEBIT}/authorisations", json={"amount": "10.00", "currency": "EUR", "merchant": "Fnac"})
    bank.post("/v1/disputes", token=token, headers=key, json={"transaction_id": "t", "reason": "charged_twice"})
    for path in ("/v1/disputes", "/v1/disputes/DP-NOTHING1", "/v1/appointment-slots", "/v1/appointments",
                 "/v1/appointments/AP-NOTHING1"):
        bank.get(path, token=token)
    bank.post("/v1/appointments", token=token, headers=key, json={"slot_id": slot, "channel": "phone", "topic": "loan"})
    bank.post("/v1/appointments/AP-NOTHING1/reschedule", token=token, headers=key, json={"slot_id": slot})
    bank.post("/v1/appointments/AP-NOTHING1/cancel", token=token)
    bank.get("/v1/staff/disputes", headers=STAFF)
    bank.post("/v1/staff/disputes/DP-NOTHING1/status", headers=STAFF, json={"status": "resolved"})
    bank.get("/v1/staff/appointments", headers=STAFF)
