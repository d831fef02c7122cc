"""Several writers at once (two Rasa instances and the web service) keep one unbroken chain.

Each writer appends rows one transaction at a time; the head lock (PostgreSQL:
SELECT ... FOR UPDATE; SQLite: BEGIN IMMEDIATE) must give every row the next
seq and the right previous hash, or verify fails.
"""
from __future__ import annotations

import subprocess
import sys
import threading
from collections import defaultdict

from sqlalchemy import text

from bot.archive.store import ArchiveStore
from bot.archive.verify import verify
from tests.support.processes import PROJECT_ROOT
from tests.unit.test_archive_support import entries, archive_url  # noqa: F401 (fixture)

ROWS_PER_WRITER = 40

_WRITER = """
import sys
from bot.archive.store import ArchiveStore
from tests.unit.test_archive_support import entries
store = ArchiveStore(sys.argv[1])
for entry in entries(int(sys.argv[3]), conversation=sys.argv[2]):
    store.append([entry])
"""


def assert_every_row_once_in_order(store: ArchiveStore, writers: list[str]) -> None:
    result = verify(store)
    assert result.intact, result.reason
    assert result.rows == ROWS_PER_WRITER * len(writers)
    with store.reader.connect() as connection:
        rows = connection.execute(text("SELECT conversation_id, text FROM archive_entries ORDER BY seq")).all()
    seen = defaultdict(list)
    for conversation, said in rows:
        seen[conversation].append(said)
    for writer in writers:  # each writer's rows, in the order it appended them
        assert seen[writer] == [f"message {i}" for i in range(ROWS_PER_WRITER)]


def test_threads_appending_at_once_keep_the_chain(archive_url: str) -> None:  # noqa: F811
    store = ArchiveStore(archive_url)
    writers = [f"thread-{n}" for n in range(4)]
    start = threading.Barrier(len(writers))
    failures: list[BaseException] = []

    def write(conversation: str) -> None:
        try:
            start.wait()
            for entry in entries(ROWS_PER_WRITER, conversation=conversation):
                store.append([entry])
        except BaseException as exc:  # noqa: BLE001 - reported below
            failures.append(exc)

    threads = [threading.Thread(target=write, args=(w,)) for w in writers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    assert_every_row_once_in_order(store, writers)
    store.dispose()


def test_two_processes_appending_at_once_keep_the_chain(archive_url: str) -> None:  # noqa: F811
    ArchiveStore(archive_url).dispose()  # the schema exists before both start, as after a deploy
    writers = ["process-a", "process-b"]
    processes = [
        subprocess.Popen([sys.executable, "-c", _WRITER, archive_url, name, str(ROWS_PER_WRITER)], cwd=PROJECT_ROOT)
        for name in writers
    ]
    assert [process.wait(timeout=120) for process in processes] == [0, 0]

    store = ArchiveStore(archive_url)
    assert_every_row_once_in_order(store, writers)
    store.dispose()


def test_processes_creating_the_schema_at_once_both_succeed(archive_url: str) -> None:  # noqa: F811
    writers = ["first", "second"]
    processes = [
        subprocess.Popen([sys.executable, "-c", _WRITER, archive_url, name, str(ROWS_PER_WRITER)], cwd=PROJECT_ROOT)
        for name in writers
    ]
    assert [process.wait(timeout=120) for process in processes] == [0, 0]

    store = ArchiveStore(archive_url)
    assert_every_row_once_in_order(store, writers)
    store.dispose()
