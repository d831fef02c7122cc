"""PostgreSQL and Redis for tests of the production profile: found, or skipped (a failure under CI=true).

Each test gets its own fresh databases (random names, dropped after) and its own
Redis key prefix (its keys deleted after), so tests and developers share one
server without touching each other's data.
"""
from __future__ import annotations

import os
import uuid
from contextlib import contextmanager
from typing import Iterator, List

import pytest

POSTGRES_HOST = os.environ.get("TEST_POSTGRES_HOST", "127.0.0.1")
POSTGRES_PORT = int(os.environ.get("TEST_POSTGRES_PORT", "5432"))
POSTGRES_USER = os.environ.get("TEST_POSTGRES_USER", "postgres")
POSTGRES_PASSWORD = os.environ.get("TEST_POSTGRES_PASSWORD", "")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def _missing(what: str, why: Exception) -> None:
    message = f"{what} not reachable ({why}); the production-profile tests need it"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message + " (CI=true: .ci/run must start it)")
    pytest.skip(message)


def require_redis() -> str:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except Exception as exc:  # noqa: BLE001 - any failure means "not there"
        _missing(f"Redis at {REDIS_URL}", exc)
    return REDIS_URL


def _admin_connection():
    import psycopg2

    connection = psycopg2.connect(
        host=POSTGRES_HOST, port=POSTGRES_PORT, user=POSTGRES_USER, password=POSTGRES_PASSWORD,
        dbname="postgres", connect_timeout=3,
    )
    connection.autocommit = True
    return connection


def require_postgres() -> None:
    try:
        _admin_connection().close()
    except Exception as exc:  # noqa: BLE001
        _missing(f"PostgreSQL at {POSTGRES_HOST}:{POSTGRES_PORT}", exc)


def database_url(name: str) -> str:
    password = f":{POSTGRES_PASSWORD}" if POSTGRES_PASSWORD else ""
    return f"postgresql://{POSTGRES_USER}{password}@{POSTGRES_HOST}:{POSTGRES_PORT}/{name}"


@contextmanager
def fresh_databases(*purposes: str) -> Iterator[List[str]]:
    """New empty PostgreSQL databases (one per purpose), dropped when the block ends; yields their names."""
    require_postgres()
    tag = uuid.uuid4().hex[:10]
    names = [f"test_{purpose}_{tag}" for purpose in purposes]
    connection = _admin_connection()
    try:
        with connection.cursor() as cursor:
            for name in names:
                cursor.execute(f'CREATE DATABASE "{name}"')
        yield names
    finally:
        with connection.cursor() as cursor:
            for name in names:
                cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.close()


def new_key_prefix() -> str:
    return f"test{uuid.uuid4().hex[:12]}:"


def delete_keys(redis_url: str, prefix: str) -> None:
    import redis

    client = redis.Redis.from_url(redis_url)
    for key in client.scan_iter(match=f"{prefix}*", count=1000):
        client.delete(key)
    client.close()


@contextmanager
def core_bank_on_postgresql(monkeypatch, source_module) -> Iterator[str]:
    """Runs a core bank test module's tests on a fresh PostgreSQL database instead of its SQLite file.

    The module's `create_database_engine` is redirected for the test (every engine it opens: the same database).
    """
    from bot.core_bank.models import create_database_engine

    with fresh_databases("core_bank") as (name,):
        url = database_url(name)
        engines = []

        def on_postgresql(_sqlite_url: str):
            engine = create_database_engine(url)
            engines.append(engine)
            return engine

        monkeypatch.setattr(source_module, "create_database_engine", on_postgresql)
        try:
            yield url
        finally:
            for engine in engines:
                engine.dispose()
