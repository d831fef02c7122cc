"""Appending to the chain, one transaction per batch, serialized on the chain head.

This module only inserts rows (and moves the head). Nothing in the application
updates or deletes archive rows; `retention.py` is the only place that deletes.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator, List, Sequence

from sqlalchemy import select, update
from sqlalchemy.engine import Connection, Engine

from bot.archive.chain import NewEntry, row_hash
from bot.archive.database import archive_engine
from bot.archive.models import DIRECTIONS, HEAD_ID, ArchiveEntry, ArchiveHead
from bot.db_migrations import ensure_upgraded
from bot.privacy.redaction import mask_card_numbers

MAX_TEXT = 4000
_entries = ArchiveEntry.__table__
_head = ArchiveHead.__table__


def locked_head(connection: Connection) -> tuple[int, str]:
    """The head (last seq, its hash), locked until the transaction ends."""
    query = select(_head.c.seq, _head.c.row_hash).where(_head.c.id == HEAD_ID)
    if connection.dialect.name != "sqlite":  # SQLite: BEGIN IMMEDIATE already holds the write lock
        query = query.with_for_update()
    seq, head_hash = connection.execute(query).one()
    return int(seq), head_hash


def append_locked(connection: Connection, entries: Sequence[NewEntry]) -> List[int]:
    """Appends within the caller's transaction (which must hold the head, see `locked_head`)."""
    seq, prev = locked_head(connection)
    appended = []
    for entry in entries:
        if entry.direction not in DIRECTIONS:
            raise ValueError(f"direction must be one of {DIRECTIONS}, not {entry.direction!r}")
        seq += 1
        fields = {
            "seq": seq, "at": entry.at, "channel": (entry.channel or "unknown")[:32],
            "conversation_id": entry.conversation_id[:255], "direction": entry.direction, "kind": entry.kind[:32],
            # The last line of defense: whatever a caller passes, no card number is ever stored.
            "text": mask_card_numbers(entry.text or "")[:MAX_TEXT],
            "agent": entry.agent[:100] if entry.agent else None,
            "reference": entry.reference[:100] if entry.reference else None,
            "prev_hash": prev,
        }
        fields["row_hash"] = row_hash(fields)
        connection.execute(_entries.insert().values(**fields))
        prev = fields["row_hash"]
        appended.append(seq)
    connection.execute(update(_head).where(_head.c.id == HEAD_ID).values(seq=seq, row_hash=prev))
    return appended


class ArchiveStore:
    """The archive database: append batches, read rows in chain order."""

    def __init__(self, url: str, *, create: bool = True) -> None:
        """`create`: first bring the database to the schema this code expects (migrations/archive/), or make it."""
        self.url = url
        if create:
            ensure_upgraded("archive", url)
        self.engine: Engine = archive_engine(url)
        self.reader: Engine = archive_engine(url, writer=False)

    def append(self, entries: Sequence[NewEntry]) -> List[int]:
        """Appends `entries` in order, in one transaction; returns their seqs."""
        if not entries:
            return []
        with self.engine.begin() as connection:
            return append_locked(connection, entries)

    def dispose(self) -> None:
        self.engine.dispose()
        self.reader.dispose()

    @contextmanager
    def snapshot(self) -> Iterator[Connection]:
        """A read transaction that sees one consistent state (head and rows) while others append."""
        with self.reader.connect() as connection:
            if connection.dialect.name == "postgresql":
                connection = connection.execution_options(isolation_level="REPEATABLE READ")
            with connection.begin():
                yield connection


def read_rows(connection: Connection, after_seq: int = -1, batch: int = 1000) -> Iterator[dict]:
    """Every row after `after_seq`, in chain order, in batches (an archive can be large)."""
    last = after_seq
    while True:
        chunk = connection.execute(
            select(_entries).where(_entries.c.seq > last).order_by(_entries.c.seq).limit(batch)
        ).mappings().all()
        if not chunk:
            return
        for row in chunk:
            yield dict(row)
        last = chunk[-1]["seq"]


def read_head(connection: Connection) -> tuple[int, str]:
    seq, head_hash = connection.execute(select(_head.c.seq, _head.c.row_hash).where(_head.c.id == HEAD_ID)).one()
    return int(seq), head_hash


