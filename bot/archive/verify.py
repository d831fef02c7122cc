"""Walks the chain and names the first row that breaks it.

Reads one consistent snapshot (head and rows), so appends going on meanwhile
neither disturb nor hide anything. A row is broken when:
- its seq is not the next one (a row before it was removed),
- its previous hash is not the hash of the row before (a row was inserted,
  replaced or moved),
- its own hash does not match its content (it was altered),
and the chain must end exactly at the head (rows removed from the end, or
appended without the head, show there). After a purge the chain starts at the
anchor, which must match the purge's own row in the chain.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Optional

from sqlalchemy import select

from bot.archive.chain import row_hash
from bot.archive.models import GENESIS_HASH, ArchiveAnchor
from bot.archive.store import ArchiveStore, read_head, read_rows

PURGE_KIND = "purge"


@dataclass(frozen=True)
class Verification:
    rows: int
    first_seq: Optional[int] = None
    last_seq: Optional[int] = None
    first_at: Optional[datetime] = None
    last_at: Optional[datetime] = None
    head_hash: str = GENESIS_HASH
    anchored_at: Optional[int] = None  # rows up to this seq were purged
    broken_seq: Optional[int] = None
    reason: str = ""

    @property
    def intact(self) -> bool:
        return self.broken_seq is None and not self.reason

    def summary(self) -> str:
        if not self.intact:
            return f"archive chain BROKEN at row #{self.broken_seq}: {self.reason}"
        if self.rows == 0:
            text = "0 rows, chain intact (empty archive)"
        else:
            text = (f"{self.rows} rows, chain intact, first #{self.first_seq} at {self.first_at.isoformat()}, "
                    f"last #{self.last_seq} at {self.last_at.isoformat()}, head hash {self.head_hash}")
        if self.anchored_at is not None:
            text += f" (rows up to #{self.anchored_at} purged by retention)"
        return text


def anchor_reference(through_seq: int, through_hash: str) -> str:
    return f"{through_seq}:{through_hash}"


def verify(store: ArchiveStore) -> Verification:
    with store.snapshot() as connection:
        head_seq, head_hash = read_head(connection)
        anchor = connection.execute(select(ArchiveAnchor.__table__)).mappings().first()
        expected, prev = (1, GENESIS_HASH) if anchor is None else (anchor["through_seq"] + 1, anchor["through_hash"])
        anchored_at = None if anchor is None else anchor["through_seq"]
        count, first, last = 0, None, None
        purge_confirmed = anchor is None
        for row in read_rows(connection):
            if row["seq"] > head_seq:
                return _broken(row["seq"], f"row #{row['seq']} is beyond the chain head (#{head_seq}): "
                                           "it was inserted outside the archive", anchored_at)
            if row["seq"] != expected:
                if row["seq"] < expected:
                    return _broken(row["seq"], f"row #{row['seq']} lies before the purge anchor "
                                               f"(#{anchored_at}): inserted", anchored_at)
                missing = (f"row #{expected} is missing" if row["seq"] == expected + 1
                           else f"rows #{expected}–#{row['seq'] - 1} are missing")
                return _broken(expected, f"{missing} (removed): after #{expected - 1} comes #{row['seq']}",
                               anchored_at)
            if row["prev_hash"] != prev:
                return _broken(row["seq"], f"row #{row['seq']} does not link to row #{row['seq'] - 1} (its previous "
                                           "hash differs): a row was inserted or replaced before it, or rows "
                                           "were reordered", anchored_at)
            if row_hash(row) != row["row_hash"]:
                return _broken(row["seq"], f"row #{row['seq']} was altered: its content does not match its hash",
                               anchored_at)
            if anchor is not None and row["kind"] == PURGE_KIND and row["reference"] == anchor_reference(
                    anchor["through_seq"], anchor["through_hash"]):
                purge_confirmed = True
            prev, expected = row["row_hash"], row["seq"] + 1
            count += 1
            first = first or row
            last = row
        if expected - 1 < head_seq:
            return _broken(expected, f"rows #{expected}–#{head_seq} are missing (removed from the end of the chain)",
                           anchored_at)
        if prev != head_hash:
            return _broken(head_seq, f"row #{head_seq} does not match the chain head's hash", anchored_at)
        if not purge_confirmed:
            return _broken(anchored_at + 1, f"the purge anchor (rows up to #{anchored_at}) has no matching purge "
                                            "record in the chain: the start of the archive was cut or forged",
                           anchored_at)
    return Verification(
        rows=count, first_seq=first and first["seq"], last_seq=last and last["seq"],
        first_at=first and first["at"], last_at=last and last["at"], head_hash=head_hash, anchored_at=anchored_at,
    )


def _broken(seq: int, reason: str, anchored_at: Optional[int]) -> Verification:
    return Verification(rows=0, broken_seq=seq, reason=reason, anchored_at=anchored_at)
