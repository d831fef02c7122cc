"""What the tests of card freezes, disputes and appointments share: the demo customers, the seeded advisors'
slots, and finding a seeded transaction by what it is (never by its position in the seeded history)."""
from __future__ import annotations

import threading
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any, Callable, Optional

import requests

from bot.core_bank.appointments import slot_id, slot_start
from bot.core_bank.seed import DEMO_ACCOUNT_IDS, DEMO_ADVISOR_IDS, DEMO_CUSTOMER_NUMBER, DEMO_PHONE
from tests.core_bank.core_bank_fixtures import SERVICE_HEADERS, CoreBankTestClient

CUSTOMERS = {  # customer number -> phone
    DEMO_CUSTOMER_NUMBER: DEMO_PHONE,
    "100002": "+33698765432",
    "100003": "+33611223344",
    "100004": "+393471234567",
}
CAMILLE = "100002"
CURRENT = DEMO_ACCOUNT_IDS["current"]
CLAIRE = DEMO_ADVISOR_IDS["claire-lefevre"]  # branch, phone, video; Tuesday to Friday; Paris
JULIEN = DEMO_ADVISOR_IDS["julien-moreau"]  # branch, phone; Monday to Thursday; Lyon
NADIA = DEMO_ADVISOR_IDS["nadia-benali"]  # phone, video; Monday to Friday; no branch
THRESHOLD = Decimal("150.00")  # dispute_advisor_threshold in bank_facts.yml
STAFF = SERVICE_HEADERS


def sign_in(bank: CoreBankTestClient, customer_number: str = DEMO_CUSTOMER_NUMBER) -> str:
    return bank.sign_in(customer_number, CUSTOMERS[customer_number])


def paris_slot(advisor_id: str, day: date, hour: int, minute: int = 0) -> str:
    """The slot id of `advisor_id` at hour:minute, Paris time, on `day`."""
    return slot_id(advisor_id, slot_start(day, time(hour, minute)))


def parse(value: str) -> datetime:
    return datetime.fromisoformat(value)


def transactions(bank: CoreBankTestClient, token: str) -> list[dict[str, Any]]:
    """Alex's current account, newest first (the seeded history holds fewer than 300)."""
    found: list[dict[str, Any]] = []
    before: Optional[str] = None
    while True:
        params = {"limit": 100, **({"before": before} if before else {})}
        page = bank.get(f"/v1/accounts/{CURRENT}/transactions", token=token, params=params).json()
        found += page["transactions"]
        before = page["next_before"]
        if before is None:
            return found


def a_transaction(bank: CoreBankTestClient, token: str, where: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    matching = [t for t in transactions(bank, token) if where(t)]
    assert matching, "no seeded transaction of that sort"
    return matching[0]


def small_card_payment(t: dict[str, Any]) -> bool:
    return t["kind"] == "card_payment" and -THRESHOLD <= Decimal(t["amount"]) < 0


def large_payment(t: dict[str, Any]) -> bool:
    return Decimal(t["amount"]) < -THRESHOLD and t["kind"] != "savings_transfer_out"


def money_in(t: dict[str, Any]) -> bool:
    return Decimal(t["amount"]) > 0


def to_savings(t: dict[str, Any]) -> bool:
    return t["kind"] == "savings_transfer_out"


def posted_at_once(
    bank: CoreBankTestClient, posts: list[tuple[str, dict[str, Any], dict[str, str]]]
) -> list[requests.Response]:
    """The POSTs (path, body, headers) sent together, one connection each; every answer checked against the contract."""
    start = threading.Barrier(len(posts))
    answers: list[Any] = [None] * len(posts)

    def send(index: int) -> None:
        path, body, headers = posts[index]
        start.wait()
        answers[index] = requests.post(bank.base_url + path, json=body, headers=headers, timeout=30)

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(posts))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for answer in answers:
        bank.contract.check(answer)
    return answers
