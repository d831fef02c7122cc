"""Retention: the ONLY code that deletes archive rows (`python -m bot archive purge`).

Rows older than ARCHIVE_RETENTION_DAYS (default 2192 days, six years) go, as
the oldest run of the chain (a row is kept while any older row must be kept).
In the same transaction the purge appends a `purge` row to the chain naming the
last purged row and its hash, and sets the anchor the verifier starts from; so
the kept chain still verifies, and cutting its start without a purge shows.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Callable, Optional

from sqlalchemy import delete, func, select, text

from bot.archive.chain import NewEntry
from bot.archive.models import SYSTEM, ArchiveAnchor, ArchiveEntry
from bot.archive.store import ArchiveStore, append_locked, locked_head
from bot.archive.verify import PURGE_KIND, anchor_reference

_entries = ArchiveEntry.__table__
_anchor = ArchiveAnchor.__table__


@dataclass(frozen=True)
class Purge:
    cutoff: datetime
    purged: int
    through_seq: Optional[int] = None

    def summary(self, dry_run: bool = False) -> str:
        if not self.purged:
            return f"nothing older than {self.cutoff.isoformat()} to purge"
        verb = "would purge" if dry_run else "purged"
        return f"{verb} {self.purged} rows (up to #{self.through_seq}) older than {self.cutoff.isoformat()}"


def purge(store: ArchiveStore, retention_days: int, *, dry_run: bool = False,
          clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc)) -> Purge:
    if retention_days <= 0:
        raise ValueError("retention must be at least one day")
    now = clock()
    cutoff = now - timedelta(days=retention_days)
    with store.engine.begin() as connection:
        head_seq, _ = locked_head(connection)  # no appends while the chain's start moves
        anchor = connection.execute(select(_anchor)).mappings().first()
        start = 1 if anchor is None else anchor["through_seq"] + 1
        first_kept = connection.scalar(select(func.min(_entries.c.seq)).where(_entries.c.at >= cutoff))
        through = head_seq if first_kept is None else first_kept - 1
        if through < start:
            return Purge(cutoff, 0)
        purged = connection.scalar(select(func.count()).select_from(_entries).where(_entries.c.seq <= through))
        if dry_run:  # nothing written: the transaction ends empty
            return Purge(cutoff, purged, through)
        through_hash = connection.scalar(select(_entries.c.row_hash).where(_entries.c.seq == through))
        append_locked(connection, [NewEntry(
            at=now, channel="archive", conversation_id="-", direction=SYSTEM, kind=PURGE_KIND,
            text=f"retention: rows #{start}–#{through} older than {cutoff.isoformat()} purged "
                 f"({retention_days} days kept); last purged hash {through_hash}",
            reference=anchor_reference(through, through_hash),
        )])
        connection.execute(delete(_anchor))
        connection.execute(_anchor.insert().values(id=1, through_seq=through, through_hash=through_hash,
                                                   purged_at=now))
        if connection.dialect.name == "postgresql":
            connection.execute(text("SET LOCAL branch.archive_purge = 'on'"))  # the guard trigger lets this through
        connection.execute(delete(_entries).where(_entries.c.seq <= through))
    return Purge(cutoff, purged, through)
