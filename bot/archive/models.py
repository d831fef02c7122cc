"""The archive's tables, in their own database (ARCHIVE_DATABASE_URL).

`archive_entries` is append-only: the application inserts and never updates;
only the retention command deletes (the oldest rows, leaving an anchor).
`archive_head` is the chain's head (one row): appenders lock it, so appends
from several processes get consecutive sequence numbers and the right previous
hash. `archive_anchor` (at most one row) holds where the kept chain starts
after a purge. The schema is the history in migrations/archive/: a change here
comes with a new revision there (docs/operations.md).
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, Column, Integer, String, Text
from sqlalchemy.orm import declarative_base

from bot.utc_datetime import UtcDateTime

Base: Any = declarative_base()

# Directions of a row.
INBOUND, OUTBOUND, AGENT, SYSTEM = "inbound", "outbound", "agent", "system"
DIRECTIONS = (INBOUND, OUTBOUND, AGENT, SYSTEM)

GENESIS_HASH = "0" * 64  # the "previous hash" of the very first row
HEAD_ID = 1


class ArchiveEntry(Base):
    __tablename__ = "archive_entries"

    seq = Column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False)
    at = Column(UtcDateTime, nullable=False, index=True)
    channel = Column(String(32), nullable=False)
    conversation_id = Column(String(255), nullable=False, index=True)
    direction = Column(String(16), nullable=False)
    kind = Column(String(32), nullable=False)
    text = Column(Text, nullable=False, default="")
    agent = Column(String(100), nullable=True)
    # What the row refers to elsewhere: the core bank's OTP challenge of a verification, a handoff id.
    reference = Column(String(100), nullable=True)
    prev_hash = Column(String(64), nullable=False)
    row_hash = Column(String(64), nullable=False)


class ArchiveHead(Base):
    __tablename__ = "archive_head"

    id = Column(Integer, primary_key=True, autoincrement=False)
    seq = Column(BigInteger, nullable=False)  # the last appended row's seq (0: none yet)
    row_hash = Column(String(64), nullable=False)


class ArchiveAnchor(Base):
    __tablename__ = "archive_anchor"

    id = Column(Integer, primary_key=True, autoincrement=False)
    through_seq = Column(BigInteger, nullable=False)  # rows up to this one were purged
    through_hash = Column(String(64), nullable=False)  # the row_hash of the last purged row
    purged_at = Column(UtcDateTime, nullable=False)
