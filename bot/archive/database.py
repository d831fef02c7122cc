"""Engines for the archive database, and its schema (tables and the guard triggers).

Appends must be serialized across processes (two Rasa instances and the web
service append to one chain). On PostgreSQL the appender locks the head row
(SELECT ... FOR UPDATE); on SQLite every transaction of a writing engine starts
with BEGIN IMMEDIATE, which takes the database's write lock up front (a
deferred BEGIN would let two writers read the same head and one fail later).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import IntegrityError

from bot.archive.models import GENESIS_HASH, HEAD_ID, TABLES, ArchiveHead, Base

SQLITE_BUSY_SECONDS = 30

# Rows are never updated; on PostgreSQL they are deleted only inside the retention command's
# transaction, which sets `branch.archive_purge` (SET LOCAL). SQLite has no session settings:
# there only UPDATE is refused by the database.
_PG_GUARD = """
CREATE OR REPLACE FUNCTION archive_entries_guard() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'DELETE' AND current_setting('branch.archive_purge', true) = 'on' THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'archive rows are never % (append-only archive)', lower(TG_OP) || 'd';
END;
$$ LANGUAGE plpgsql
"""
_PG_TRIGGER = """
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = 'archive_entries_append_only') THEN
    CREATE TRIGGER archive_entries_append_only BEFORE UPDATE OR DELETE ON archive_entries
      FOR EACH ROW EXECUTE FUNCTION archive_entries_guard();
  END IF;
END $$
"""
_SQLITE_TRIGGER = """
CREATE TRIGGER IF NOT EXISTS archive_entries_no_update BEFORE UPDATE ON archive_entries
BEGIN SELECT RAISE(ABORT, 'archive rows are never updated (append-only archive)'); END
"""


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
            dbapi_connection.execute("PRAGMA journal_mode=WAL")

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writer else "BEGIN")

    return engine


def create_schema(engine: Engine) -> None:
    """Creates the tables, the guard trigger and the (empty) chain head; safe to run from several processes."""
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # Two processes starting at once must not both CREATE TABLE.
            connection.execute(text("SELECT pg_advisory_xact_lock(7310431)"))
        Base.metadata.create_all(connection, tables=TABLES)
        if connection.dialect.name == "postgresql":
            connection.execute(text(_PG_GUARD))
            connection.execute(text(_PG_TRIGGER))
        elif connection.dialect.name == "sqlite":
            connection.execute(text(_SQLITE_TRIGGER))
    try:
        with engine.begin() as connection:
            if connection.execute(text("SELECT 1 FROM archive_head WHERE id = :id"), {"id": HEAD_ID}).first() is None:
                connection.execute(ArchiveHead.__table__.insert().values(id=HEAD_ID, seq=0, row_hash=GENESIS_HASH))
    except IntegrityError:
        pass  # another process created it first
