"""The hash chain: appended rows verify, and any altered, removed, inserted or reordered row is named."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from bot.archive.chain import NewEntry, row_hash
from bot.archive.store import ArchiveStore
from bot.archive.verify import verify
from tests.unit.test_archive_support import T0, archive_url, entries, sqlite_store  # noqa: F401 (fixtures)


def tamper(store: ArchiveStore, *statements: str, **params) -> None:
    """What someone with write access to the database could do: switch the guard off, change rows."""
    with store.engine.begin() as connection:
        if connection.dialect.name == "sqlite":
            connection.execute(text("DROP TRIGGER IF EXISTS archive_entries_no_update"))
        else:
            connection.execute(text("ALTER TABLE archive_entries DISABLE TRIGGER archive_entries_append_only"))
        for statement in statements:
            connection.execute(text(statement), params)


@pytest.fixture
def store(archive_url: str):  # noqa: F811
    store = ArchiveStore(archive_url)
    store.append(entries(6))
    yield store
    store.dispose()


def test_an_untouched_chain_verifies_with_a_summary(store: ArchiveStore) -> None:
    store.append(entries(2, conversation="psid-2", start=T0 + timedelta(hours=1)))

    result = verify(store)

    assert result.intact, result.reason
    assert result.rows == 8
    assert (result.first_seq, result.last_seq) == (1, 8)
    assert result.summary().startswith("8 rows, chain intact, first #1 at 2026-01-05T09:00:00+00:00")


def test_an_altered_text_is_named(store: ArchiveStore) -> None:
    tamper(store, "UPDATE archive_entries SET text = 'I never said that' WHERE seq = 4")

    result = verify(store)

    assert not result.intact
    assert result.broken_seq == 4
    assert "altered" in result.reason


def test_an_altered_time_is_named(store: ArchiveStore) -> None:
    tamper(store, "UPDATE archive_entries SET at = :at WHERE seq = 2", at=(T0 + timedelta(days=3)).replace(tzinfo=None))

    assert verify(store).broken_seq == 2


def test_a_removed_middle_row_is_named(store: ArchiveStore) -> None:
    tamper(store, "DELETE FROM archive_entries WHERE seq = 3")

    result = verify(store)

    assert result.broken_seq == 3
    assert "row #3 is missing (removed)" in result.reason


def test_rows_removed_from_the_end_are_named(store: ArchiveStore) -> None:
    tamper(store, "DELETE FROM archive_entries WHERE seq >= 5")

    result = verify(store)

    assert result.broken_seq == 5
    assert "removed from the end" in result.reason


def test_a_forged_row_with_a_valid_hash_after_the_head_is_named(store: ArchiveStore) -> None:
    with store.reader.connect() as connection:
        last_hash = connection.execute(text("SELECT row_hash FROM archive_entries WHERE seq = 6")).scalar_one()
    forged = {"seq": 7, "at": T0 + timedelta(hours=2), "channel": "messenger", "conversation_id": "psid-1",
              "direction": "outbound", "kind": "message", "text": "Your loan is approved", "agent": None,
              "reference": None, "prev_hash": last_hash}
    forged["row_hash"] = row_hash(forged)
    tamper(store, "INSERT INTO archive_entries (seq, at, channel, conversation_id, direction, kind, text, agent, "
                  "reference, prev_hash, row_hash) VALUES (:seq, :at, :channel, :conversation_id, :direction, :kind, "
                  ":text, :agent, :reference, :prev_hash, :row_hash)",
           **{**forged, "at": forged["at"].replace(tzinfo=None)})

    result = verify(store)

    assert result.broken_seq == 7
    assert "beyond the chain head" in result.reason


def test_a_row_inserted_in_the_middle_is_named(sqlite_store: ArchiveStore) -> None:  # noqa: F811
    sqlite_store.append(entries(5))
    with sqlite_store.reader.connect() as connection:
        hash_2 = connection.execute(text("SELECT row_hash FROM archive_entries WHERE seq = 2")).scalar_one()
    forged = {"seq": 3, "at": T0 + timedelta(seconds=90), "channel": "messenger", "conversation_id": "psid-1",
              "direction": "inbound", "kind": "message", "text": "forged", "agent": None, "reference": None,
              "prev_hash": hash_2}
    forged["row_hash"] = row_hash(forged)
    tamper(sqlite_store,
           "UPDATE archive_entries SET seq = seq + 1000 WHERE seq >= 3",
           "UPDATE archive_entries SET seq = seq - 999 WHERE seq >= 1000",
           "UPDATE archive_head SET seq = 6",
           "INSERT INTO archive_entries (seq, at, channel, conversation_id, direction, kind, text, agent, reference, "
           "prev_hash, row_hash) VALUES (3, :at, 'messenger', 'psid-1', 'inbound', 'message', 'forged', NULL, NULL, "
           ":prev_hash, :row_hash)",
           at=forged["at"].replace(tzinfo=None), prev_hash=hash_2, row_hash=forged["row_hash"])

    result = verify(sqlite_store)

    assert result.broken_seq == 4  # the forged #3 links and hashes well; the row after it no longer does
    assert "does not link to row #3" in result.reason


def test_reordered_rows_are_named(sqlite_store: ArchiveStore) -> None:  # noqa: F811
    sqlite_store.append(entries(5))
    tamper(sqlite_store,
           "UPDATE archive_entries SET seq = 100 WHERE seq = 2",
           "UPDATE archive_entries SET seq = 2 WHERE seq = 3",
           "UPDATE archive_entries SET seq = 3 WHERE seq = 100")

    assert verify(sqlite_store).broken_seq == 2


def test_the_database_refuses_updates_and_deletes_from_the_application(store: ArchiveStore) -> None:
    with pytest.raises(DBAPIError, match="never updated"):
        with store.engine.begin() as connection:
            connection.execute(text("UPDATE archive_entries SET text = 'x' WHERE seq = 1"))
    if store.engine.dialect.name == "postgresql":  # SQLite has no way to tell the retention command apart
        with pytest.raises(DBAPIError, match="never deleted"):
            with store.engine.begin() as connection:
                connection.execute(text("DELETE FROM archive_entries WHERE seq = 1"))
    assert verify(store).intact


def test_no_card_number_is_ever_stored(sqlite_store: ArchiveStore) -> None:  # noqa: F811
    sqlite_store.append([NewEntry(at=T0, channel="socketio", conversation_id="web-1", direction="inbound",
                                  kind="message", text="my card is 4970 1012 3456 7890, blocked?")])

    with sqlite_store.reader.connect() as connection:
        stored = connection.execute(text("SELECT text FROM archive_entries")).scalar_one()
    assert stored == "my card is •••• 7890, blocked?"
    assert verify(sqlite_store).intact
