"""Upgrading is idempotent, and processes upgrading one database at once take turns.

On PostgreSQL the test holds each database's advisory lock itself, starts two
`python -m bot db upgrade all` processes, sees both queue on the lock, then
lets them go: exactly one upgrades each database, the other finds it done,
and the schema is whole (one head row, one guard trigger). Without the lock
the processes would not queue and the test fails.
"""
from __future__ import annotations

import io
import os
import subprocess
import sys
import time
from argparse import Namespace
from typing import Callable, Dict, List

import psycopg2
from sqlalchemy import create_engine, text

from bot.db_migrations import ARCHIVE, BRANCH, DATABASES, head_revision, run_cli, upgrade
from bot.settings import PROJECT_ROOT, Settings
from tests.support.production_services import database_url, fresh_databases
from tests.unit.db_migrations_support import schema_diffs, schema_objects, triggers, urls  # noqa: F401 (fixture)

WAIT_SECONDS = 60

BRANCH_HEAD, ARCHIVE_HEAD = head_revision(DATABASES["branch"]), head_revision(DATABASES["archive"])
# Two processes upgrading both databases at once: each database upgraded by one, found up to date by the other.
EACH_ONCE = sorted([f"archive: at {ARCHIVE_HEAD}, nothing to do", f"archive: upgraded from an empty database to {ARCHIVE_HEAD}",
                    f"branch: at {BRANCH_HEAD}, nothing to do", f"branch: upgraded from an empty database to {BRANCH_HEAD}"])


def test_upgrading_again_changes_nothing(urls) -> None:  # noqa: F811
    for name, url in urls.items():
        upgrade(name, url)
        objects = schema_objects(url)

        again = upgrade(name, url)

        assert (again.before, again.after) == (head_revision(DATABASES[name]),) * 2
        assert schema_objects(url) == objects
    assert archive_heads(urls["archive"]) == 1


def test_the_command_upgrades_each_database_and_says_so(urls) -> None:  # noqa: F811
    settings = Settings(branch_database_url=urls["branch"], archive_database_url=urls["archive"])
    out = io.StringIO()

    assert run_cli(Namespace(database="all"), settings, out) == 0
    assert run_cli(Namespace(database="archive"), settings, out) == 0

    lines = out.getvalue().splitlines()
    assert [line.split(" (")[0] for line in lines] == [
        f"branch: upgraded from an empty database to {BRANCH_HEAD}",
        f"archive: upgraded from an empty database to {ARCHIVE_HEAD}", f"archive: at {ARCHIVE_HEAD}, nothing to do"]


def test_the_command_fails_when_a_database_cannot_be_reached(capsys) -> None:
    settings = Settings(branch_database_url="postgresql://branch:secret@127.0.0.1:1/branch")

    assert run_cli(Namespace(database="branch"), settings, io.StringIO()) == 1

    error = capsys.readouterr().err
    assert error.startswith("db upgrade: the branch database at postgresql://branch:***@127.0.0.1:1/branch "
                            "was not upgraded (OperationalError")
    assert "secret" not in error


def test_two_processes_upgrading_postgresql_at_once_take_turns() -> None:
    with fresh_databases("branch", "archive") as (branch_name, archive_name):
        urls = {"branch": database_url(branch_name), "archive": database_url(archive_name)}
        holders = {name: _connect(urls[name]) for name in urls}
        watcher = _connect(database_url("postgres"), autocommit=True)
        processes: List[subprocess.Popen] = []
        try:
            for name, database in (("branch", BRANCH), ("archive", ARCHIVE)):
                with holders[name].cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_xact_lock(%s)", (database.lock_key,))
            processes = [_upgrade_all(urls) for _ in range(2)]

            for name, database, dbname in (("branch", BRANCH, branch_name), ("archive", ARCHIVE, archive_name)):
                _wait_until(lambda: _waiting_for(watcher, dbname, database.lock_key) == 2, processes,
                            f"both processes waiting for the {name} database's lock")
                holders[name].commit()  # let them go: one upgrades, then the other finds it done

            results = [process.communicate(timeout=WAIT_SECONDS) for process in processes]
        finally:
            for connection in [*holders.values(), watcher]:
                connection.close()
            for process in processes:
                if process.poll() is None:
                    process.kill()
                    process.communicate()

        assert [process.returncode for process in processes] == [0, 0], results
        said = sorted(line.split(" (")[0] for out, _ in results for line in out.splitlines())
        assert said == EACH_ONCE
        for name, url in urls.items():
            assert schema_diffs(name, url) == []
        assert archive_heads(urls["archive"]) == 1
        engine = create_engine(urls["archive"], future=True)
        with engine.connect() as connection:
            assert triggers(connection) == ["archive_entries_append_only"]
        engine.dispose()


def test_two_processes_upgrading_sqlite_at_once_take_turns(tmp_path) -> None:
    """Both processes are ready (imports done) before either starts, so their upgrades overlap."""
    urls = {name: f"sqlite:///{tmp_path / f'{name}.db'}" for name in DATABASES}
    go = tmp_path / "go"
    processes = [subprocess.Popen([sys.executable, "-c", _UPGRADE_ON_GO, str(tmp_path / f"ready-{n}"), str(go),
                                   urls["branch"], urls["archive"]], cwd=PROJECT_ROOT,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for n in range(2)]
    try:
        _wait_until(lambda: all((tmp_path / f"ready-{n}").exists() for n in range(2)), processes,
                    "both processes ready")
        go.touch()
        results = [process.communicate(timeout=WAIT_SECONDS) for process in processes]
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.communicate()

    assert [process.returncode for process in processes] == [0, 0], results
    said = sorted(line for out, _ in results for line in out.splitlines())
    assert said == EACH_ONCE
    assert archive_heads(urls["archive"]) == 1


_UPGRADE_ON_GO = """
import sys, time
from pathlib import Path
from bot.db_migrations import upgrade
import alembic.command
ready, go, branch, archive = sys.argv[1:]
Path(ready).touch()
while not Path(go).exists():
    time.sleep(0.001)
for name, url in (("branch", branch), ("archive", archive)):
    print(upgrade(name, url).summary(), flush=True)
"""


# -- helpers ----------------------------------------------------------------------------------------

def archive_heads(url: str) -> int:
    engine = create_engine(url, future=True)
    try:
        with engine.connect() as connection:
            return connection.execute(text("SELECT count(*) FROM archive_head")).scalar_one()
    finally:
        engine.dispose()


def _connect(url: str, autocommit: bool = False):
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    connection = psycopg2.connect(host=parsed.host, port=parsed.port, user=parsed.username,
                                  password=parsed.password or "", dbname=parsed.database)
    connection.autocommit = autocommit
    return connection


def _upgrade_all(urls: Dict[str, str]) -> subprocess.Popen:
    env = {**os.environ, "BRANCH_DATABASE_URL": urls["branch"], "ARCHIVE_DATABASE_URL": urls["archive"]}
    return subprocess.Popen([sys.executable, "-m", "bot", "db", "upgrade", "all"], cwd=PROJECT_ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _waiting_for(watcher, dbname: str, key: int) -> int:
    """Sessions waiting (not granted) for advisory lock `key` in database `dbname`."""
    with watcher.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database "
            "WHERE l.locktype = 'advisory' AND NOT l.granted AND l.classid = 0 AND l.objid = %s AND d.datname = %s",
            (key, dbname))
        return cursor.fetchone()[0]


def _wait_until(condition: Callable[[], bool], processes: List[subprocess.Popen], what: str) -> None:
    """Polls `condition` until it holds; fails at once if a process ended meanwhile, or after WAIT_SECONDS."""
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        for process in processes:
            if process.poll() is not None:
                out, err = process.communicate()
                raise AssertionError(f"a process ended before {what}: exit {process.returncode}\n{out}\n{err}")
        if time.monotonic() > deadline:
            raise AssertionError(f"no {what} after {WAIT_SECONDS} s")
        time.sleep(0.05)
