"""Engines for the archive database (its schema, guard triggers included: migrations/archive/).

Appends must be serialized across processes (two Rasa instances and the web
service append to one chain). On PostgreSQL the appender locks the head row
(SELECT ... FOR UPDATE); on SQLite every transaction of a writing engine starts
with BEGIN IMMEDIATE, which takes the database's write lock up front (a
deferred BEGIN would let two writers read the same head and one fail later).
"""
from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url

SQLITE_BUSY_SECONDS = 30


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def archive_engine(url: str, *, writer: bool = True) -> Engine:
    """An engine for the archive; on SQLite a writer's transactions begin IMMEDIATE."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, future=True, pool_pre_ping=True)
    database = parsed.database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, future=True,
                           connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_SECONDS})

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _: Any) -> None:
        dbapi_connection.isolation_level = None  # pysqlite would otherwise BEGIN on its own, deferred
        if database and database != ":memory:":
            # WAL: a verify or export reads one consistent snapshot without blocking appends.
            _use_wal(dbapi_connection)

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writer else "BEGIN")

    return engine


def _use_wal(dbapi_connection: Any) -> None:
    """Switches the database to WAL, once for good; waits while another connection holds a lock.

    The switch needs the database to itself, and SQLite answers "database is locked" at once
    instead of waiting its busy timeout: the first writers of a new archive may meet here.
    """
    deadline = time.monotonic() + SQLITE_BUSY_SECONDS
    while True:
        try:
            dbapi_connection.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)
