"""Shared helpers of the archive tests: a SQLite archive, and a throwaway PostgreSQL database of its own.

PostgreSQL tests skip when no server answers at 127.0.0.1:5432, except under
CI=true, where a missing server is a failure.
"""
from __future__ import annotations

import os
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Iterator, List

import pytest

from bot.archive.chain import NewEntry
from bot.archive.store import ArchiveStore

PG_ADMIN = dict(host="127.0.0.1", port=5432, user="postgres", dbname="postgres")
T0 = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)


def entries(count: int, conversation: str = "psid-1", start: datetime = T0, step: timedelta = timedelta(minutes=1),
            direction: str = "inbound") -> List[NewEntry]:
    return [NewEntry(at=start + i * step, channel="messenger", conversation_id=conversation, direction=direction,
                     kind="message", text=f"message {i}") for i in range(count)]


def _pg_connect(dbname: str = "postgres"):
    import psycopg2

    try:
        connection = psycopg2.connect(**{**PG_ADMIN, "dbname": dbname}, connect_timeout=3)
    except psycopg2.OperationalError as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is required under CI=true and is not reachable: {exc}")
        pytest.skip(f"no PostgreSQL at 127.0.0.1:5432: {exc}")
    connection.autocommit = True
    return connection


def new_pg_database_name() -> str:
    return f"branch_archive_test_{uuid.uuid4().hex[:12]}"


def create_pg_database(name: str = "") -> str:
    """A new empty database (by default `branch_archive_test_<random>`); returns its name."""
    name = name or new_pg_database_name()
    admin = _pg_connect()
    with admin.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()
    return name


def drop_pg_database(name: str) -> None:
    admin = _pg_connect()
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


def pg_url(name: str) -> str:
    return f"postgresql://postgres@127.0.0.1:5432/{name}"


@pytest.fixture(params=["sqlite", "postgresql"])
def archive_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty archive database, on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'archive.db'}"
        return
    name = create_pg_database()
    try:
        yield pg_url(name)
    finally:
        drop_pg_database(name)


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[ArchiveStore]:
    store = ArchiveStore(f"sqlite:///{tmp_path / 'archive.db'}")
    yield store
    store.dispose()
