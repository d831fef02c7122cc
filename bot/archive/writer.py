"""One background thread per process that appends to the archive, in order, and retries.

Rasa publishes events synchronously on its event loop; a database write there
would stall every conversation. `put` only queues the row; the writer thread
appends queued rows in batches (one transaction each, in the order they were
put). When the archive database fails, the writer logs an ERROR and retries
the same batch with growing pauses (up to a minute), keeping later rows queued
in memory behind it — nothing is reordered or skipped, and conversations go on.
Rows still queued when the process ends (after `close` waited `close_timeout`
seconds) are lost and counted in a CRITICAL log line.
"""
from __future__ import annotations

import logging
import queue
import threading
import time
from typing import Callable, List, Optional, Sequence

from bot.archive.chain import NewEntry

logger = logging.getLogger(__name__)

BATCH = 200
RETRY_FIRST_SECONDS = 0.5
RETRY_MAX_SECONDS = 60.0
MAX_QUEUED = 200_000  # about 100 MB of rows: beyond that the archive has been down far too long

Append = Callable[[Sequence[NewEntry]], object]


class ArchiveWriter:
    def __init__(self, append: Append, *, name: str = "archive-writer", max_queued: int = MAX_QUEUED,
                 retry_first: float = RETRY_FIRST_SECONDS, retry_max: float = RETRY_MAX_SECONDS) -> None:
        self._append = append
        self._queue: "queue.Queue[Optional[NewEntry]]" = queue.Queue()
        self._max_queued = max_queued
        self._retry_first, self._retry_max = retry_first, retry_max
        self._pending = 0  # queued or being written
        self._idle = threading.Condition()
        self._closing = threading.Event()
        self.dropped = 0
        self.failing = False
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def put(self, entry: NewEntry) -> None:
        """Queues one row (never blocks, never raises)."""
        with self._idle:
            if self._pending >= self._max_queued:
                self.dropped += 1
                logger.critical("ARCHIVE: %d rows queued, the archive database has been failing too long; "
                                "row dropped (%d dropped so far)", self._pending, self.dropped)
                return
            self._pending += 1
        self._queue.put(entry)

    def flush(self, timeout: float = 10.0) -> bool:
        """Waits until everything put so far is written; False when `timeout` passed first."""
        deadline = time.monotonic() + timeout
        with self._idle:
            while self._pending:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._idle.wait(left)
        return True

    def close(self, timeout: float = 10.0) -> None:
        """Writes what is queued (waiting up to `timeout`), then stops the thread."""
        written = self.flush(timeout)
        self._closing.set()
        self._queue.put(None)
        self._thread.join(timeout=1.0)
        if not written:
            logger.critical("ARCHIVE: %d rows could not be written before shutdown and are lost", self._pending)

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch: List[NewEntry] = [first]
            while len(batch) < BATCH:
                try:
                    entry = self._queue.get_nowait()
                except queue.Empty:
                    break
                if entry is None:
                    self._queue.put(None)  # stop after this batch
                    break
                batch.append(entry)
            if not self._write(batch):
                return
            with self._idle:
                self._pending -= len(batch)
                self._idle.notify_all()

    def _write(self, batch: List[NewEntry]) -> bool:
        pause = self._retry_first
        while True:
            try:
                self._append(batch)
            except Exception:  # noqa: BLE001 - any failure of the archive database: log loudly and retry
                if not self.failing:
                    logger.exception("ARCHIVE DATABASE FAILING: %d rows waiting; retrying (conversations go on, "
                                     "rows stay queued in memory)", self._pending)
                else:
                    logger.error("ARCHIVE DATABASE STILL FAILING: %d rows waiting; next try in %.1fs",
                                 self._pending, pause)
                self.failing = True
                if self._closing.wait(pause):
                    return False
                pause = min(pause * 2, self._retry_max)
                continue
            if self.failing:
                logger.warning("ARCHIVE: the archive database is back; queued rows are being written")
                self.failing = False
            return True
