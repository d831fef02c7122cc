"""Freezing a card for now and unfreezing it, over HTTP; the card network stand-in's authorisations show that a
frozen card cannot pay and an unfrozen one can again."""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from bot.core_bank.seed import DEMO_ACCOUNT_IDS, DEMO_CARD_IDS, stable_id
from tests.core_bank.core_bank_api_support import assert_error, assert_unauthorized, parse_time
from tests.core_bank.core_bank_everyday_support import CAMILLE, sign_in
from tests.core_bank.core_bank_fixtures import CoreBankTestClient, running_core_bank

DEBIT, CREDIT = DEMO_CARD_IDS["debit"], DEMO_CARD_IDS["credit"]
CAMILLE_DEBIT = stable_id("card", CAMILLE, "1590")
CARD_FIELDS = {"card_id", "kind", "brand", "last4", "status", "account_id", "expiry"}


@pytest.fixture
def bank(tmp_path: Path) -> Iterator[CoreBankTestClient]:
    with running_core_bank(tmp_path) as running:
        yield running


def pay(bank: CoreBankTestClient, card_id: str, amount: str = "23.90", currency: str = "EUR", merchant: str = "Fnac"):
    return bank.post(f"/dev/cards/{card_id}/authorisations", json={"amount": amount, "currency": currency, "merchant": merchant})


def statuses(bank: CoreBankTestClient, token: str) -> dict[str, str]:
    return {c["card_id"]: c["status"] for c in bank.get("/v1/cards", token=token).json()["cards"]}


def test_a_frozen_card_cannot_pay_and_unfreezing_restores_it(bank: CoreBankTestClient):
    token = sign_in(bank)
    approved = pay(bank, DEBIT)
    assert approved.status_code == 200, approved.text
    assert approved.json() == {
        "card_id": DEBIT, "last4": "4821", "status": "approved", "amount": "23.90", "currency": "EUR",
        "merchant": "Fnac", "authorised_at": bank.clock().isoformat(),
    }

    frozen = bank.post(f"/v1/cards/{DEBIT}/freeze", token=token)
    assert frozen.status_code == 200, frozen.text
    card = frozen.json()
    assert set(card) == CARD_FIELDS | {"frozen_at"}
    assert (card["card_id"], card["status"], card["last4"]) == (DEBIT, "frozen", "4821")
    assert parse_time(card["frozen_at"]) == bank.clock()
    assert statuses(bank, token) == {DEBIT: "frozen", CREDIT: "active"}
    declined = assert_error(pay(bank, DEBIT), 422, "card_frozen")
    assert "frozen" in declined["message"]
    assert pay(bank, CREDIT).status_code == 200  # the other card pays as before

    bank.clock.advance(hours=30)
    assert_error(pay(bank, DEBIT), 422, "card_frozen")  # a freeze lasts until the customer ends it
    token = sign_in(bank)
    unfrozen = bank.post(f"/v1/cards/{DEBIT}/unfreeze", token=token)
    assert unfrozen.status_code == 200, unfrozen.text
    assert set(unfrozen.json()) == CARD_FIELDS and unfrozen.json()["status"] == "active"
    assert statuses(bank, token) == {DEBIT: "active", CREDIT: "active"}
    again = pay(bank, DEBIT)
    assert again.status_code == 200, again.text
    assert parse_time(again.json()["authorised_at"]) == bank.clock()


def test_freezing_twice_or_unfreezing_an_active_card_changes_nothing(bank: CoreBankTestClient):
    token = sign_in(bank)
    first = bank.post(f"/v1/cards/{DEBIT}/freeze", token=token).json()
    bank.clock.advance(minutes=10)

    again = bank.post(f"/v1/cards/{DEBIT}/freeze", token=token)

    assert (again.status_code, again.json()) == (200, first)  # the first freeze's time stays
    active = bank.post(f"/v1/cards/{CREDIT}/unfreeze", token=token)
    assert active.status_code == 200 and active.json()["status"] == "active"
    assert statuses(bank, token) == {DEBIT: "frozen", CREDIT: "active"}


def test_a_blocked_card_is_blocked_for_good(bank: CoreBankTestClient):
    token = sign_in(bank)
    assert bank.post(f"/v1/cards/{CREDIT}/block", token=token, json={"reason": "stolen"}).status_code == 200

    refused = assert_error(bank.post(f"/v1/cards/{CREDIT}/freeze", token=token), 422, "card_blocked")
    assert "blocked for good" in refused["message"]
    assert_error(bank.post(f"/v1/cards/{CREDIT}/unfreeze", token=token), 422, "card_blocked")
    assert_error(pay(bank, CREDIT), 422, "card_blocked")
    assert statuses(bank, token)[CREDIT] == "blocked"


def test_a_frozen_card_can_still_be_blocked_and_then_not_unfrozen(bank: CoreBankTestClient):
    token = sign_in(bank)
    bank.post(f"/v1/cards/{DEBIT}/freeze", token=token)

    blocked = bank.post(f"/v1/cards/{DEBIT}/block", token=token, json={"reason": "lost"})

    assert blocked.status_code == 200 and blocked.json()["status"] == "blocked"
    assert_error(bank.post(f"/v1/cards/{DEBIT}/unfreeze", token=token), 422, "card_blocked")
    assert_error(pay(bank, DEBIT), 422, "card_blocked")
    assert statuses(bank, token)[DEBIT] == "blocked"


def test_a_frozen_card_keeps_its_place(bank: CoreBankTestClient):
    """A frozen card is still the account's debit card: no second one can be ordered beside it."""
    token = sign_in(bank)
    bank.post(f"/v1/cards/{DEBIT}/freeze", token=token)

    ordered = bank.post_idempotent("/v1/card-orders", token, "order-1", json={"kind": "debit", "account_id": DEMO_ACCOUNT_IDS["current"]})

    assert_error(ordered, 422, "card_already_active")


def test_only_the_customers_own_cards_and_only_signed_in(bank: CoreBankTestClient):
    token = sign_in(bank)
    for action in ("freeze", "unfreeze"):
        assert_error(bank.post(f"/v1/cards/{CAMILLE_DEBIT}/{action}", token=token), 404, "card_not_found")
        assert_error(bank.post(f"/v1/cards/card_nope/{action}", token=token), 404, "card_not_found")
        assert_unauthorized(bank.post(f"/v1/cards/{DEBIT}/{action}"))
        assert_unauthorized(bank.post(f"/v1/cards/{DEBIT}/{action}", token="not-a-token"))
    camille = sign_in(bank, CAMILLE)
    assert statuses(bank, camille) == {CAMILLE_DEBIT: "active"}
    assert statuses(bank, token) == {DEBIT: "active", CREDIT: "active"}


def test_the_card_network_is_declined_for_other_reasons_too(bank: CoreBankTestClient):
    assert_error(pay(bank, DEBIT, currency="USD"), 422, "currency_not_supported")
    assert_error(pay(bank, DEBIT, amount="2450.32"), 422, "insufficient_funds")  # Alex holds 2,450.31
    assert pay(bank, DEBIT, amount="2450.31").status_code == 200
    assert_error(pay(bank, "card_nope"), 404, "card_not_found")
    for body in ({"amount": 12, "currency": "EUR", "merchant": "Fnac"},
                 {"amount": "0.00", "currency": "EUR", "merchant": "Fnac"},
                 {"amount": "12.00", "currency": "EUR", "merchant": ""},
                 {"amount": "12.00", "currency": "EUR", "merchant": "x" * 101},
                 {"amount": "12.00", "currency": "EUR"}):
        assert_error(bank.post(f"/dev/cards/{DEBIT}/authorisations", json=body), 400, "invalid_request")


def test_the_card_network_stand_in_is_there_in_development_only(tmp_path: Path):
    with running_core_bank(tmp_path, CORE_BANKING_DEV_MODE="false") as bank:
        assert_error(pay(bank, DEBIT), 404, "not_found")
        assert "/dev/cards/{card_id}/authorisations" not in bank.get("/openapi.json").json()["paths"]
