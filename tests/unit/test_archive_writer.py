"""An archive outage: conversations go on, rows wait in order, and are written once the database is back."""
from __future__ import annotations

import logging
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.archive.service import _LazyStore
from bot.archive.store import ArchiveStore
from bot.archive.verify import verify
from bot.archive.writer import ArchiveWriter
from tests.unit.test_archive_support import (
    create_pg_database, drop_pg_database, entries, new_pg_database_name, pg_url,
)


def _texts(url: str) -> list[str]:
    store = ArchiveStore(url)
    with store.reader.connect() as connection:
        said = list(connection.execute(text("SELECT text FROM archive_entries ORDER BY seq")).scalars())
    assert verify(store).intact
    store.dispose()
    return said


def _outage(url: str, restore, caplog: pytest.LogCaptureFixture) -> None:
    writer = ArchiveWriter(_LazyStore(url).append, retry_first=0.05, retry_max=0.2)
    with caplog.at_level(logging.ERROR, logger="bot.archive.writer"):
        for entry in entries(25):
            writer.put(entry)  # returns at once, database down or not

        assert writer.flush(timeout=1.0) is False
        assert writer.failing
        assert "ARCHIVE DATABASE FAILING" in caplog.text

    restore()
    assert writer.flush(timeout=60.0)
    writer.close()

    assert not writer.failing
    assert _texts(url) == [f"message {i}" for i in range(25)]


def test_sqlite_archive_outage_rows_are_kept_and_written_in_order(tmp_path: Path,
                                                                 caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "archive.db"
    path.mkdir()  # the database file cannot be opened: a directory is in its way

    _outage(f"sqlite:///{path}", path.rmdir, caplog)


def test_postgresql_archive_outage_rows_are_kept_and_written_in_order(caplog: pytest.LogCaptureFixture) -> None:
    name = new_pg_database_name()  # not created yet: the archive is "down"
    drop_pg_database(name)  # skips (or fails under CI) without a PostgreSQL server
    try:
        _outage(pg_url(name), lambda: create_pg_database(name), caplog)
    finally:
        drop_pg_database(name)
