"""Login limits under attack: concurrent bursts on one username, many usernames from one client.

Logins run in threads, as the web service runs them (one worker thread per request); a gate in the hasher
makes a burst overlap for sure. The clock is the test's: no test waits for a window to pass.
test_staff_login_throttle_on_postgresql.py runs the same tests on PostgreSQL.
"""
from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path
from typing import Iterator, List, Optional, Tuple

import pytest
from sqlalchemy import text

from bot.branch_db import engine_for
from bot.staff.accounts import LoginOutcome, LoginResult
from bot.staff.login_throttle import client_key
from bot.staff.store import StaffStore
from tests.unit.staff_support import LIMITS, PASSWORD, FakeClock, GatedHashing, database_url

WRONG = "wrong-password-123"
ATTACKER = "203.0.113.7"
COLLEAGUE = "198.51.100.9"


@pytest.fixture
def branch_url(tmp_path: Path) -> str:
    return database_url(tmp_path)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def hashing() -> GatedHashing:
    return GatedHashing()


@pytest.fixture
def stores(branch_url: str, clock: FakeClock, hashing: GatedHashing) -> Iterator[List[StaffStore]]:
    """Two stores on one database: two web service instances."""
    opened = [StaffStore(branch_url, LIMITS, hashing=hashing, clock=clock) for _ in range(2)]
    opened[0].add_account("alice", "Alice Martin", PASSWORD)
    yield opened
    hashing.open()  # a failed test leaves no login waiting at the gate
    for store in opened:
        store.close()


@pytest.fixture
def store(stores: List[StaffStore]) -> StaffStore:
    return stores[0]


Attempt = Tuple[StaffStore, str, str, Optional[str]]  # store, username, password, client


def burst(hashing: GatedHashing, attempts: List[Attempt]) -> Tuple[List[Optional[LoginResult]], List[threading.Thread]]:
    """Starts the attempts at once; returns when each is at the gate (judging its password) or done."""
    results: List[Optional[LoginResult]] = [None] * len(attempts)

    def attempt(i: int) -> None:
        staff, username, password, client = attempts[i]
        try:
            results[i] = staff.log_in(username, password, client=client)[0]
        finally:
            hashing.count_return()

    settled_before = hashing.verified + hashing.returned
    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(len(attempts))]
    for thread in threads:
        thread.start()
    hashing.wait_settled(settled_before + len(attempts))
    return results, threads


def finish(hashing: GatedHashing, *threads: threading.Thread) -> None:
    hashing.open()
    for thread in threads:
        thread.join(timeout=30)
        assert not thread.is_alive()


def outcomes(results: List[Optional[LoginResult]]) -> List[LoginOutcome]:
    assert all(result is not None for result in results)
    return sorted((result.outcome for result in results if result is not None), key=lambda outcome: outcome.value)


def test_a_burst_of_wrong_passwords_judges_five_and_the_right_password_after_it_is_refused(
    stores: List[StaffStore], hashing: GatedHashing, clock: FakeClock
) -> None:
    """12 wrong passwords at once (over two instances), then the right one while they are being judged."""
    hashing.close()
    wrong, wrong_threads = burst(hashing, [(stores[i % 2], "alice", WRONG, f"192.0.2.{i}") for i in range(12)])
    right, right_threads = burst(hashing, [(stores[0], "alice", PASSWORD, "192.0.2.99")])
    assert hashing.verified == 5  # only the passwords counted before the lock are being judged
    finish(hashing, *wrong_threads, *right_threads)

    assert outcomes(wrong) == [LoginOutcome.INVALID] * 5 + [LoginOutcome.LOCKED] * 7
    assert right[0] is not None and right[0].outcome is LoginOutcome.LOCKED
    assert stores[1].log_in("alice", PASSWORD, client="192.0.2.100")[0].outcome is LoginOutcome.LOCKED
    assert hashing.verified == 5
    clock.advance(minutes=15, seconds=1)
    assert stores[1].log_in("alice", PASSWORD, client="192.0.2.100")[0].outcome is LoginOutcome.OK


def test_a_burst_with_the_right_password_among_it_judges_at_most_five(
    store: StaffStore, hashing: GatedHashing
) -> None:
    hashing.close()
    attempts: List[Attempt] = [(store, "alice", WRONG, f"192.0.2.{i}") for i in range(12)]
    attempts.append((store, "alice", PASSWORD, "192.0.2.99"))
    results, threads = burst(hashing, attempts)
    assert hashing.verified <= 5
    finish(hashing, *threads)
    assert hashing.verified <= 5
    assert sum(result is not None and result.outcome is LoginOutcome.OK for result in results) <= 1


def test_attempts_on_a_locked_username_run_no_argon2(store: StaffStore, hashing: GatedHashing) -> None:
    for i in range(5):
        assert store.log_in("alice", WRONG, client=f"192.0.2.{i}")[0].outcome is LoginOutcome.INVALID
    assert hashing.verified == 5
    for i in range(8):
        password = PASSWORD if i % 2 else WRONG
        assert store.log_in("alice", password, client=f"192.0.2.{10 + i}")[0].outcome is LoginOutcome.LOCKED
    assert hashing.verified == 5


def test_a_client_may_try_10_usernames_a_minute_then_waits(
    stores: List[StaffStore], hashing: GatedHashing, clock: FakeClock
) -> None:
    usernames = ["alice"] + [f"user{i}" for i in range(39)]
    answers = [stores[i % 2].log_in(name, WRONG, client=ATTACKER)[0] for i, name in enumerate(usernames)]

    assert [answer.outcome for answer in answers[:10]] == [LoginOutcome.INVALID] * 10
    assert {answer.outcome for answer in answers[10:]} == {LoginOutcome.THROTTLED}
    assert answers[10].retry_after == timedelta(minutes=1)
    assert hashing.verified == 10  # no argon2 for a refused attempt
    refused = stores[0].log_in("alice", PASSWORD, client=ATTACKER)[0]
    assert refused.outcome is LoginOutcome.THROTTLED
    # Other clients are not held back, and alice's own username is not locked by one failure.
    assert stores[1].log_in("alice", PASSWORD, client=COLLEAGUE)[0].outcome is LoginOutcome.OK

    clock.advance(seconds=45)
    later = stores[1].log_in("user1", WRONG, client=ATTACKER)[0]
    assert later.outcome is LoginOutcome.THROTTLED and later.retry_after == timedelta(seconds=15)
    clock.advance(seconds=15)
    assert stores[0].log_in("alice", PASSWORD, client=ATTACKER)[0].outcome is LoginOutcome.OK


def test_a_concurrent_burst_from_one_client_judges_at_most_10(store: StaffStore, hashing: GatedHashing) -> None:
    hashing.close()
    results, threads = burst(hashing, [(store, f"user{i}", WRONG, ATTACKER) for i in range(25)])
    assert hashing.verified == 10
    finish(hashing, *threads)
    assert outcomes(results) == [LoginOutcome.INVALID] * 10 + [LoginOutcome.THROTTLED] * 15


def test_a_successful_login_does_not_reset_the_client_count(store: StaffStore) -> None:
    for i in range(9):
        store.log_in(f"user{i}", WRONG, client=ATTACKER)
    assert store.log_in("alice", PASSWORD, client=ATTACKER)[0].outcome is LoginOutcome.OK
    assert store.log_in("user9", WRONG, client=ATTACKER)[0].outcome is LoginOutcome.THROTTLED


def test_known_and_unknown_usernames_get_the_same_answers_at_the_same_cost(
    store: StaffStore, hashing: GatedHashing
) -> None:
    def try_seven(username: str, client: str) -> Tuple[List[LoginOutcome], int]:
        before = hashing.verified
        answers = [store.log_in(username, WRONG, client=client)[0].outcome for _ in range(7)]
        return answers, hashing.verified - before

    known = try_seven("alice", "192.0.2.1")
    unknown = try_seven("nobody", "192.0.2.2")
    assert known == unknown == ([LoginOutcome.INVALID] * 5 + [LoginOutcome.LOCKED] * 2, 5)
    before = hashing.verified
    assert store.log_in("not a username!", WRONG, client="192.0.2.3")[0].outcome is LoginOutcome.INVALID
    assert hashing.verified == before + 1  # a dummy verify: the same cost


@pytest.mark.parametrize(
    "remote, key",
    [
        ("203.0.113.7", "client:203.0.113.7"),
        ("::ffff:203.0.113.7", "client:203.0.113.7"),
        ("2001:db8:1:2:aaaa::1", "client:2001:db8:1:2::/64"),
        ("2001:db8:1:2:bbbb:cccc:dddd:2", "client:2001:db8:1:2::/64"),
        ("fe80::1%eth0", "client:fe80::/64"),
        (None, "client:unknown"),
        ("", "client:unknown"),
        ("not-an-address", "client:unknown"),
    ],
)
def test_client_keys(remote: Optional[str], key: str) -> None:
    assert client_key(remote) == key


def test_an_ipv6_client_is_counted_by_its_64(store: StaffStore) -> None:
    for i in range(10):
        store.log_in(f"user{i}", WRONG, client=f"2001:db8:1:2::{i + 1:x}")
    assert store.log_in("alice", PASSWORD, client="2001:db8:1:2::ffff")[0].outcome is LoginOutcome.THROTTLED
    assert store.log_in("alice", PASSWORD, client="2001:db8:1:3::1")[0].outcome is LoginOutcome.OK


def throttle_keys(branch_url: str) -> List[str]:
    engine = engine_for(branch_url)
    try:
        with engine.connect() as connection:
            return sorted(connection.execute(text("SELECT username FROM staff_login_throttle")).scalars())
    finally:
        engine.dispose()


def test_a_successful_login_deletes_the_rows_that_hold_nothing_back(
    store: StaffStore, clock: FakeClock, branch_url: str
) -> None:
    for i in range(5):
        store.log_in("mallory", WRONG, client=f"192.0.2.{i}")  # locked for 15 minutes
    clock.advance(minutes=10)
    store.log_in("bob", WRONG, client="192.0.2.50")
    clock.advance(minutes=5, seconds=30)
    assert store.log_in("alice", PASSWORD, client="192.0.2.60")[0].outcome is LoginOutcome.OK
    # mallory's lock has run out, the first clients' windows are over, alice's row was reset: bob's window is open
    assert throttle_keys(branch_url) == ["bob", "client:192.0.2.50", "client:192.0.2.60"]
    clock.advance(minutes=15, seconds=1)
    assert store.log_in("alice", PASSWORD, client="192.0.2.60")[0].outcome is LoginOutcome.OK
    assert throttle_keys(branch_url) == ["client:192.0.2.60"]
    assert store.log_in("mallory", WRONG, client="192.0.2.61")[0].outcome is LoginOutcome.INVALID
