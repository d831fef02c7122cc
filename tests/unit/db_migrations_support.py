"""Shared pieces of the migration tests: databases on SQLite and PostgreSQL, the previous release's, schema checks.

`previous_release` builds a database the way the release before migrations
did, from the frozen SQL in tests/fixtures/previous_release/ (never from the
models under test). PostgreSQL databases are fresh and dropped after each test
(tests/support/production_services.py).
"""
from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Dict, Iterator, List, Sequence

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from bot.db_migrations import DATABASES
from tests.support.production_services import database_url, fresh_databases

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "previous_release"

# What each package of the previous release created on its own (bot/staff, bot/handoff, bot/archive).
PACKAGES = {"branch": ("staff", "handoff"), "archive": ("archive",)}
SERIAL_IDS = ("staff_accounts", "handoffs", "handoff_agent_actions")


@pytest.fixture(params=["sqlite", "postgresql"])
def urls(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Dict[str, str]]:
    """Empty branch and archive databases, on SQLite and on PostgreSQL: {"branch": url, "archive": url}."""
    if request.param == "sqlite":
        yield {name: f"sqlite:///{tmp_path / f'{name}.db'}" for name in DATABASES}
        return
    with fresh_databases(*DATABASES) as names:
        yield {name: database_url(database) for name, database in zip(DATABASES, names)}


def run_sql_file(url: str, path: Path) -> None:
    """Runs a file of SQL statements as it is, with the database's own client library (no SQLAlchemy)."""
    sql = path.read_text(encoding="utf-8")
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        connection = sqlite3.connect(parsed.database)
        try:
            connection.executescript(sql)
        finally:
            connection.close()
        return
    import psycopg2

    connection = psycopg2.connect(host=parsed.host, port=parsed.port, user=parsed.username,
                                  password=parsed.password or "", dbname=parsed.database)
    try:
        with connection, connection.cursor() as cursor:
            cursor.execute(sql)
    finally:
        connection.close()


def previous_release(name: str, url: str, packages: Sequence[str] = (), rows: bool = True) -> None:
    """The database `name` as the release before migrations left it: its packages' tables (all by default), rows."""
    dialect = make_url(url).get_backend_name()
    for package in packages or PACKAGES[name]:
        run_sql_file(url, FIXTURES / f"{package}.{dialect}.sql")
        if rows:
            run_sql_file(url, FIXTURES / f"{package}_rows.sql")
    if dialect == "postgresql" and rows:  # the rows kept their ids; the sequences moved past them, as inserts do
        engine = create_engine(url, future=True)
        with engine.begin() as connection:
            for table in set(SERIAL_IDS) & set(inspect(connection).get_table_names()):
                connection.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                        f"(SELECT max(id) FROM {table}))"))
        engine.dispose()


def table_rows(url: str, tables: Sequence[str]) -> Dict[str, List[tuple]]:
    """Every row of `tables`, in primary key order, as plain tuples."""
    engine = create_engine(url, future=True)
    try:
        with engine.connect() as connection:
            result = {}
            for table in tables:
                key = inspect(connection).get_pk_constraint(table)["constrained_columns"]
                result[table] = [tuple(row) for row in connection.execute(
                    text(f"SELECT * FROM {table} ORDER BY {', '.join(key)}"))]
            return result
    finally:
        engine.dispose()


def schema_diffs(name: str, url: str, metadata=None) -> list:
    """What Alembic's autogenerate finds between the database and the models (or `metadata`): [] when they agree."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    database = DATABASES[name]
    engine = create_engine(url, future=True)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "version_table": database.version_table})
            return compare_metadata(context, metadata if metadata is not None else database.metadata())
    finally:
        engine.dispose()


def schema_objects(url: str) -> List[tuple]:
    """The tables, columns, indexes and triggers of a database, to tell whether anything changed."""
    engine = create_engine(url, future=True)
    try:
        with engine.connect() as connection:
            inspector = inspect(connection)
            objects: List[tuple] = []
            for table in sorted(inspector.get_table_names()):
                objects.append(("table", table, tuple((c["name"], str(c["type"]), c["nullable"])
                                                      for c in inspector.get_columns(table))))
                objects += [("index", table, index["name"], tuple(index["column_names"]), bool(index["unique"]))
                            for index in sorted(inspector.get_indexes(table), key=lambda i: i["name"])]
            objects += [("trigger", name) for name in triggers(connection)]
            return objects
    finally:
        engine.dispose()


def triggers(connection) -> List[str]:
    if connection.dialect.name == "sqlite":
        query = "SELECT name FROM sqlite_master WHERE type = 'trigger' ORDER BY name"
    else:
        query = "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal ORDER BY tgname"
    return list(connection.execute(text(query)).scalars())
