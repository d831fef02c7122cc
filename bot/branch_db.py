"""The branch's own database (BRANCH_DATABASE_URL): staff accounts and sessions, the handoff queue, the audit log.

Every table of it is declared on `Base`. Its schema is the history in
migrations/branch/ (Alembic), never `create_all`: a process brings the database
to the newest revision before using it (bot/db_migrations.py), and a change to
a model comes with a new revision (docs/operations.md).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import declarative_base, sessionmaker

from bot.utc_datetime import UtcDateTime  # noqa: F401  (re-exported for the branch's models)

Base: Any = declarative_base()


def engine_for(url: str) -> Engine:
    """An engine for `url`; a SQLite file's folder is created, and SQLite enforces foreign keys."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, future=True, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_foreign_keys)
        return engine
    return create_engine(url, future=True, pool_pre_ping=True)


def session_factory(url: str) -> sessionmaker:
    """A 2.0-style session maker bound to a new engine for `url`."""
    return sessionmaker(bind=engine_for(url), future=True, expire_on_commit=False)


def _sqlite_foreign_keys(dbapi_connection: Any, _: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
