"""Idempotency keys on the domain layer: repeats, reuse with another request, refusals, races."""
from __future__ import annotations

import threading
from pathlib import Path
from typing import Any, Iterator

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.core_bank.errors import IdempotencyKeyReused, InsufficientFunds, InvalidRequest
from bot.core_bank.idempotency import MAX_KEY_LENGTH, IdempotentRequests, checked_key
from bot.core_bank.models import IdempotencyRecord, Transaction, create_database_engine, create_session_factory
from bot.core_bank.seed import DEMO_ACCOUNT_IDS
from bot.core_bank.server import prepare_database
from tests.unit.core_bank_otp_support import FakeClock

SECRET = "unit-test-secret"
ALEX_ID, CAMILLE_ID = 1, 2


class CountedWork:
    """A piece of work that books one marker transaction each time it really runs."""

    def __init__(self) -> None:
        self.runs = 0
        self._lock = threading.Lock()

    def __call__(self, session: Session) -> tuple[int, dict[str, Any]]:
        with self._lock:
            self.runs += 1
            number = self.runs
        session.add(
            Transaction(
                id=f"txn_marker_{number}",
                account_id=DEMO_ACCOUNT_IDS["current"],
                booked_at=FakeClock()(),
                description="marker",
                amount_minor=0,
                currency="EUR",
            )
        )
        return 201, {"run": number, "text": "crème brûlée"}


@pytest.fixture
def sessions(tmp_path: Path) -> Iterator[sessionmaker]:
    engine = create_database_engine(f"sqlite:///{tmp_path / 'db' / 'core_bank.db'}")
    prepare_database(engine, now=FakeClock()())
    yield create_session_factory(engine)
    engine.dispose()


@pytest.fixture
def requests_(sessions: sessionmaker) -> IdempotentRequests:
    return IdempotentRequests(sessions, SECRET, clock=FakeClock())


def markers(sessions: sessionmaker) -> int:
    with sessions() as session:
        return session.execute(select(func.count()).where(Transaction.description == "marker")).scalar_one()


def test_a_repeat_returns_the_first_response_without_doing_the_work_again(requests_, sessions):
    work = CountedWork()
    first = requests_.run(ALEX_ID, "key-1", "op", {"a": 1, "b": "x"}, work)

    again = requests_.run(ALEX_ID, "key-1", "op", {"b": "x", "a": 1}, work)  # same body, keys in another order

    assert (first.status, first.body, first.replayed) == (201, {"run": 1, "text": "crème brûlée"}, False)
    assert (again.status, again.body, again.replayed) == (201, first.body, True)
    assert work.runs == 1 and markers(sessions) == 1


def test_the_same_key_with_another_request_is_refused(requests_, sessions):
    work = CountedWork()
    requests_.run(ALEX_ID, "key-1", "op", {"a": 1}, work)

    with pytest.raises(IdempotencyKeyReused) as refused:
        requests_.run(ALEX_ID, "key-1", "op", {"a": 2}, work)
    assert refused.value.status == 422
    with pytest.raises(IdempotencyKeyReused):
        requests_.run(ALEX_ID, "key-1", "another-op", {"a": 1}, work)
    assert work.runs == 1 and markers(sessions) == 1


def test_keys_belong_to_one_customer(requests_):
    work = CountedWork()
    requests_.run(ALEX_ID, "key-1", "op", {"a": 1}, work)

    other = requests_.run(CAMILLE_ID, "key-1", "op", {"a": 1}, work)

    assert not other.replayed and work.runs == 2


def test_a_refused_request_records_nothing(requests_, sessions):
    def refused(session: Session) -> tuple[int, dict[str, Any]]:
        CountedWork()(session)
        raise InsufficientFunds("no")

    with pytest.raises(InsufficientFunds):
        requests_.run(ALEX_ID, "key-1", "op", {"a": 1}, refused)

    assert markers(sessions) == 0  # the work's rows were rolled back
    assert requests_.run(ALEX_ID, "key-1", "op", {"a": 2}, CountedWork()).status == 201


def test_only_a_keyed_hash_of_the_request_is_stored(requests_, sessions):
    requests_.run(ALEX_ID, "key-1", "op", {"code": "918273"}, CountedWork())

    with sessions() as session:
        record = session.execute(select(IdempotencyRecord)).scalar_one()
    assert "918273" not in record.request_hash
    assert record.request_hash == requests_.request_hash("op", {"code": "918273"})
    assert record.request_hash != IdempotentRequests(sessions, "another-secret").request_hash("op", {"code": "918273"})


def test_key_length():
    assert checked_key("k") == "k"
    assert checked_key("k" * MAX_KEY_LENGTH) == "k" * MAX_KEY_LENGTH
    for bad in (None, "", "k" * (MAX_KEY_LENGTH + 1)):
        with pytest.raises(InvalidRequest):
            checked_key(bad)


def test_identical_requests_racing_do_the_work_once(requests_, sessions):
    work = CountedWork()
    start = threading.Barrier(6)
    answers = []

    def run() -> None:
        start.wait()
        answers.append(requests_.run(ALEX_ID, "racing-key", "op", {"a": 1}, work))

    threads = [threading.Thread(target=run) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(answers) == 6
    assert len({answer.body["run"] for answer in answers}) == 1
    assert sum(not answer.replayed for answer in answers) == 1
    assert markers(sessions) == 1  # the losers' work was rolled back
    with sessions() as session:
        assert session.execute(select(func.count(IdempotencyRecord.row_id))).scalar_one() == 1
