"""Databases of the release before migrations (create_all, create_schema) are taken into the history, rows kept.

Each one is built from the frozen SQL of tests/fixtures/previous_release/,
with rows that release wrote (and, for the archive, purged): after the upgrade
every row is still there, the chain still verifies, the guard still refuses
UPDATE, the schema is the models', and the application works on it.
"""
from __future__ import annotations

import argparse
import sqlite3
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.exc import DBAPIError

from bot.archive import cli as archive_cli
from bot.archive.chain import NewEntry
from bot.archive.store import ArchiveStore
from bot.archive.verify import verify
from bot.branch_db import session_factory
from bot.db_migrations import ARCHIVE, BRANCH, DATABASES, current_revision, head_revision, migration_engine, upgrade
from bot.handoff.queue import HandoffQueue
from bot.settings import Settings
from bot.staff.accounts import LoginOutcome
from bot.staff.store import StaffStore
from tests.unit.db_migrations_support import previous_release, schema_diffs, table_rows, urls  # noqa: F401
from tests.unit.staff_support import LIMITS, PASSWORD, fast_hashing

ARCHIVE_TABLES = ("archive_entries", "archive_head", "archive_anchor")
BRANCH_TABLES = ("staff_accounts", "staff_sessions", "staff_login_throttle", "handoffs", "handoff_agent_actions")
NOW = datetime(2027, 1, 4, 10, 0, tzinfo=timezone.utc)


def revision_of(name: str, url: str) -> str:
    engine = migration_engine(url)
    try:
        with engine.begin() as connection:
            return current_revision(connection, DATABASES[name])
    finally:
        engine.dispose()


def test_an_archive_of_the_previous_release_keeps_its_chain_and_its_guard(urls) -> None:  # noqa: F811
    url = urls["archive"]
    previous_release("archive", url)
    before = table_rows(url, ARCHIVE_TABLES)
    assert len(before["archive_entries"]) == 4 and before["archive_head"][0][1] == 6

    outcome = upgrade("archive", url)

    assert (outcome.before, outcome.after, outcome.adopted) == (None, head_revision(ARCHIVE), True)
    assert table_rows(url, ARCHIVE_TABLES) == before
    assert schema_diffs("archive", url) == []
    store = ArchiveStore(url, create=False)
    try:
        result = verify(store)
        assert result.intact, result.reason
        assert (result.rows, result.first_seq, result.last_seq, result.anchored_at) == (4, 3, 6, 2)
        with pytest.raises(DBAPIError, match="append-only archive"):
            with store.engine.begin() as connection:
                connection.execute(text("UPDATE archive_entries SET text = 'I never said that' WHERE seq = 3"))
        if store.engine.dialect.name == "postgresql":
            with pytest.raises(DBAPIError, match="append-only archive"):
                with store.engine.begin() as connection:
                    connection.execute(text("DELETE FROM archive_entries WHERE seq = 3"))
        assert store.append([NewEntry(at=NOW, channel="messenger", conversation_id="psid-previous-1",
                                      direction="inbound", kind="message", text="after the upgrade")]) == [7]
        assert verify(store).intact and verify(store).rows == 5
    finally:
        store.dispose()


def test_a_branch_database_of_the_previous_release_keeps_its_rows_and_works(urls) -> None:  # noqa: F811
    url = urls["branch"]
    previous_release("branch", url)
    before = table_rows(url, BRANCH_TABLES)

    outcome = upgrade("branch", url)

    assert (outcome.before, outcome.after, outcome.adopted) == (None, head_revision(BRANCH), True)
    assert table_rows(url, BRANCH_TABLES) == before
    assert schema_diffs("branch", url) == []
    store = StaffStore(url, LIMITS, hashing=fast_hashing(), clock=lambda: NOW)
    queue = HandoffQueue(session_factory(url), clock=lambda: NOW)
    try:
        assert store.log_in("alice", PASSWORD)[0].outcome is LoginOutcome.OK
        assert [(a.username, a.disabled) for a in store.list_accounts()] == [("alice", False), ("bob", True)]
        [waiting] = queue.waiting()
        assert (waiting.id, waiting.conversation_id, waiting.requested_at) == (
            2, "psid-previous-1", datetime(2019, 3, 4, 8, 35, 15, 123456, tzinfo=timezone.utc))
        assert [a.action for a in queue.actions(1)] == ["take", "reply", "hand_back"]
        assert queue.request_handoff("psid-new", "messenger", "customer_asked", "hello") == 3
    finally:
        store.close()
        queue._sessions.kw["bind"].dispose()


def test_a_branch_database_with_only_the_staff_tables_gets_the_handoff_tables(urls) -> None:  # noqa: F811
    """`python -m bot staff add` before any handoff: the previous release had made only the staff tables."""
    url = urls["branch"]
    previous_release("branch", url, packages=["staff"])
    before = table_rows(url, ("staff_accounts", "staff_sessions", "staff_login_throttle"))

    outcome = upgrade("branch", url)

    assert outcome.adopted and outcome.after == head_revision(BRANCH)
    assert table_rows(url, ("staff_accounts", "staff_sessions", "staff_login_throttle")) == before
    assert schema_diffs("branch", url) == []


def test_a_second_upgrade_of_a_taken_in_database_does_nothing(urls) -> None:  # noqa: F811
    for name, url in urls.items():
        previous_release(name, url)
        upgrade(name, url)

        again = upgrade(name, url)

        head = head_revision(DATABASES[name])
        assert (again.before, again.after, again.adopted) == (head, head, False)
        assert again.summary() == f"{name}: at {head}, nothing to do"


def test_the_archive_commands_upgrade_an_archive_of_the_previous_release_and_create_none(tmp_path: Path,
                                                                                         capsys) -> None:
    url = f"sqlite:///{tmp_path / 'archive.db'}"
    previous_release("archive", url)
    args = argparse.Namespace(database_url=url, archive_command="verify")

    assert archive_cli.run(args, Settings()) == 0

    assert capsys.readouterr().out.startswith("4 rows, chain intact")
    assert revision_of("archive", url) == head_revision(ARCHIVE)
    sqlite3.connect(tmp_path / "empty.db").close()  # a file, but no archive in it
    empty = f"sqlite:///{tmp_path / 'empty.db'}"
    assert archive_cli.run(argparse.Namespace(database_url=empty, archive_command="verify"),
                           Settings()) == archive_cli.EXIT_USAGE
    engine = create_engine(empty)
    assert inspect(engine).get_table_names() == []
    engine.dispose()

