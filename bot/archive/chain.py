"""The hash chain: each row's SHA-256 covers its fields and the previous row's hash.

The serialization is canonical (sorted JSON keys, no spaces, UTC time with
microseconds), so any process and any later verifier computes the same hash.
Changing a field, removing a row, or inserting/reordering rows changes a hash
or breaks the link to the previous one.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Dict, Optional

HASHED_FIELDS = ("seq", "at", "channel", "conversation_id", "direction", "kind", "text", "agent", "reference",
                 "prev_hash")


def canonical_time(at: datetime) -> str:
    if at.tzinfo is None:
        raise ValueError("archive times are timezone-aware")
    return at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical(fields: Dict[str, Any]) -> bytes:
    data = {name: fields.get(name) for name in HASHED_FIELDS}
    data["at"] = canonical_time(data["at"])
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def row_hash(fields: Dict[str, Any]) -> str:
    return hashlib.sha256(canonical(fields)).hexdigest()


@dataclass(frozen=True)
class NewEntry:
    """A row to append; the store gives it its seq, previous hash and hash."""

    at: datetime
    channel: str
    conversation_id: str
    direction: str
    kind: str
    text: str = ""
    agent: Optional[str] = None
    reference: Optional[str] = None

    def __post_init__(self) -> None:
        if self.at.tzinfo is None:
            raise ValueError("archive times are timezone-aware")
