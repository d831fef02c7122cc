"""The process's archive writer(s): one store and one writer thread per database URL.

Used by the Rasa event broker and by the staff console's agent actions. At
exit the writer gets a few seconds to write what is still queued.
"""
from __future__ import annotations

import atexit
import threading
from typing import Dict, Optional, Sequence

from bot.archive.chain import NewEntry

from bot.archive.store import ArchiveStore
from bot.archive.writer import ArchiveWriter

_writers: Dict[str, ArchiveWriter] = {}
_lock = threading.Lock()


def writer_for(url: str) -> ArchiveWriter:
    with _lock:
        writer = _writers.get(url)
        if writer is None:
            writer = _writers[url] = ArchiveWriter(_LazyStore(url).append)
            atexit.register(writer.close, 5.0)
        return writer


class _LazyStore:
    """Connects (and creates the schema) on the first append, so a down archive never stops a process starting."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._store: Optional[ArchiveStore] = None

    def append(self, entries: Sequence[NewEntry]) -> object:
        if self._store is None:
            self._store = ArchiveStore(self.url)
        return self._store.append(entries)
