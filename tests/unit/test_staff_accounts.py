"""Staff accounts: argon2id hashes, the password policy, throttled logins, sessions, the `staff` CLI."""
from __future__ import annotations

import io
import sqlite3
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from bot.__main__ import main
from bot.settings import Settings, get_settings
from bot.staff import cli
from bot.staff.accounts import AccountError, LoginOutcome
from bot.staff.passwords import PasswordHashing, WeakPassword, check_password_policy
from bot.staff.store import StaffStore
from tests.unit.staff_support import LIMITS, PASSWORD, FakeClock, database_url, fast_hashing, new_store


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def store(tmp_path: Path, clock: FakeClock):
    staff = new_store(tmp_path, clock)
    staff.add_account("alice", "Alice Martin", PASSWORD)
    yield staff
    staff.close()


def _stored_hash(tmp_path: Path, username: str) -> str:
    with sqlite3.connect(tmp_path / "branch.db") as db:
        return db.execute("select password_hash from staff_accounts where username = ?", (username,)).fetchone()[0]


def test_the_password_is_stored_as_an_argon2id_hash_and_never_in_clear(tmp_path: Path, clock: FakeClock) -> None:
    staff = StaffStore(database_url(tmp_path), LIMITS, clock=clock)  # the production hasher
    staff.add_account("alice", "Alice Martin", PASSWORD)
    staff.log_in("alice", PASSWORD)
    staff.close()
    assert _stored_hash(tmp_path, "alice").startswith("$argon2id$")
    assert PASSWORD.encode() not in (tmp_path / "branch.db").read_bytes()


@pytest.mark.parametrize(
    "password", ["short-pass1", "password1234", "PASSWORD1234", "aaaaaaaaaaaaaaaa", "abababababababab", "my-alice-password"]
)
def test_weak_passwords_are_refused(password: str) -> None:
    with pytest.raises(WeakPassword):
        check_password_policy(password, "alice")


def test_a_long_uncommon_password_is_accepted() -> None:
    check_password_policy(PASSWORD, "alice")


def test_usernames_are_unique_whatever_their_case(store: StaffStore) -> None:
    with pytest.raises(AccountError):
        store.add_account("ALICE", "Another Alice", PASSWORD)


def test_a_bad_username_is_refused(store: StaffStore) -> None:
    with pytest.raises(AccountError):
        store.add_account("a b<script>", "X", PASSWORD)


def test_login_with_the_right_password_starts_a_session(store: StaffStore) -> None:
    result, session_id = store.log_in("Alice", PASSWORD)
    assert result.outcome is LoginOutcome.OK and result.agent is not None
    assert result.agent.username == "alice" and result.agent.display_name == "Alice Martin"
    assert len(session_id) >= 43  # 256 bits, base64url
    session = store.resume(session_id)
    assert session is not None and session.agent == result.agent


def test_wrong_password_and_unknown_user_get_the_same_answer(store: StaffStore) -> None:
    wrong, wrong_session = store.log_in("alice", PASSWORD + "x")
    unknown, unknown_session = store.log_in("nobody", PASSWORD)
    assert wrong.outcome is unknown.outcome is LoginOutcome.INVALID
    assert wrong_session == unknown_session == ""


def test_five_failures_in_15_minutes_lock_the_username_for_15_minutes(store: StaffStore, clock: FakeClock) -> None:
    for _ in range(5):
        clock.advance(minutes=2)
        assert store.log_in("alice", "wrong-password-123")[0].outcome is LoginOutcome.INVALID
    assert store.log_in("alice", PASSWORD)[0].outcome is LoginOutcome.LOCKED
    clock.advance(minutes=14)
    assert store.log_in("alice", PASSWORD)[0].outcome is LoginOutcome.LOCKED
    clock.advance(minutes=1, seconds=1)
    assert store.log_in("alice", PASSWORD)[0].outcome is LoginOutcome.OK


def test_failures_spread_over_more_than_15_minutes_do_not_lock(store: StaffStore, clock: FakeClock) -> None:
    for _ in range(8):
        clock.advance(minutes=4)
        store.log_in("alice", "wrong-password-123")
    assert store.log_in("alice", PASSWORD)[0].outcome is LoginOutcome.OK


def test_unknown_usernames_lock_too(store: StaffStore) -> None:
    for _ in range(5):
        store.log_in("mallory", "wrong-password-123")
    assert store.log_in("mallory", "wrong-password-123")[0].outcome is LoginOutcome.LOCKED


def test_a_session_ends_after_30_idle_minutes(store: StaffStore, clock: FakeClock) -> None:
    _, session_id = store.log_in("alice", PASSWORD)
    clock.advance(minutes=29)
    assert store.resume(session_id) is not None
    clock.advance(minutes=29)  # 29 idle minutes again: still alive
    assert store.resume(session_id) is not None
    clock.advance(minutes=30, seconds=1)
    assert store.resume(session_id) is None
    clock.advance(minutes=-30)
    assert store.resume(session_id) is None  # deleted, not just refused


def test_a_session_ends_after_8_hours_however_active(store: StaffStore, clock: FakeClock) -> None:
    _, session_id = store.log_in("alice", PASSWORD)
    for _ in range(8 * 3):
        clock.advance(minutes=20)
        assert store.resume(session_id) is not None
    clock.advance(minutes=1)
    assert store.resume(session_id) is None


def test_logout_ends_the_session_server_side(store: StaffStore) -> None:
    _, session_id = store.log_in("alice", PASSWORD)
    store.log_out(session_id)
    assert store.resume(session_id) is None


def test_login_rotates_the_session_id(store: StaffStore) -> None:
    _, first = store.log_in("alice", PASSWORD)
    _, second = store.log_in("alice", PASSWORD, previous_session_id=first)
    assert second != first
    assert store.resume(first) is None and store.resume(second) is not None


def test_disabling_an_account_ends_its_sessions_and_refuses_logins(store: StaffStore) -> None:
    _, session_id = store.log_in("alice", PASSWORD)
    store.disable_account("alice")
    assert store.resume(session_id) is None
    assert store.log_in("alice", PASSWORD)[0].outcome is LoginOutcome.INVALID


def test_a_hash_with_old_parameters_is_replaced_at_login(tmp_path: Path, clock: FakeClock) -> None:
    old = new_store(tmp_path, clock, PasswordHashing(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)))
    old.add_account("alice", "Alice Martin", PASSWORD)
    old.close()
    before = _stored_hash(tmp_path, "alice")
    current = new_store(tmp_path, clock, PasswordHashing(PasswordHasher(time_cost=2, memory_cost=2048, parallelism=1)))
    assert current.log_in("alice", PASSWORD)[0].outcome is LoginOutcome.OK
    current.close()
    after = _stored_hash(tmp_path, "alice")
    assert after != before and "m=2048,t=2" in after


# The CLI: python -m bot staff add|list|disable


@pytest.fixture
def branch_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("BRANCH_DATABASE_URL", database_url(tmp_path))
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def test_cli_adds_lists_and_disables_an_account(branch_env: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert main(["staff", "add", "Bob", "--name", "Bob Durand", "--password-stdin"]) == 0
    assert main(["staff", "list"]) == 0
    out = capsys.readouterr().out
    assert "created staff account bob (Bob Durand)" in out
    assert "bob\tBob Durand\tactive" in out
    assert PASSWORD not in out
    assert _stored_hash(branch_env, "bob").startswith("$argon2id$")
    assert main(["staff", "disable", "bob"]) == 0
    assert main(["staff", "list"]) == 0
    assert "bob\tBob Durand\tdisabled" in capsys.readouterr().out


def test_cli_asks_twice_and_refuses_two_different_passwords(tmp_path: Path, capsys) -> None:
    settings = Settings(branch_database_url=database_url(tmp_path))
    args = cli_args(["add", "carol", "--name", "Carol"])
    answers = iter([PASSWORD, PASSWORD + "!"])
    assert cli.run(args, settings, prompt=lambda _: next(answers)) == 1
    assert "differ" in capsys.readouterr().err
    answers = iter([PASSWORD, PASSWORD])
    assert cli.run(args, settings, prompt=lambda _: next(answers)) == 0


def test_cli_refuses_a_weak_password_without_printing_it(tmp_path: Path, capsys) -> None:
    settings = Settings(branch_database_url=database_url(tmp_path))
    args = cli_args(["add", "dave", "--name", "Dave", "--password-stdin"])
    assert cli.run(args, settings, stdin=io.StringIO("password1234\n")) == 1
    err = capsys.readouterr().err
    assert "too common" in err and "password1234" not in err


def test_cli_disable_of_an_unknown_account_fails(tmp_path: Path) -> None:
    settings = Settings(branch_database_url=database_url(tmp_path))
    assert cli.run(cli_args(["disable", "nobody"]), settings) == 1


def cli_args(argv: list[str]):
    import argparse

    parser = argparse.ArgumentParser()
    cli.add_arguments(parser)
    return parser.parse_args(argv)


def test_fast_hashing_is_argon2id_too() -> None:
    assert fast_hashing().hash(PASSWORD).startswith("$argon2id$")
