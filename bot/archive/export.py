"""`archive export --customer N`: a customer's conversations as JSON Lines, for a compliance officer.

Which conversations are the customer's? Conversation ids are channel ids
(a Messenger page-scoped id, a web chat session), not customer numbers. When a
conversation sends a one-time code and when it is verified, the archive gets a
`code_sent` / `verified` row referencing the core bank's challenge; the core
bank knows which customer each challenge was for, and marks it used once the
right code was given. So the export asks the core bank's database
(CORE_BANKING_DATABASE_URL) for the customer's used challenges, takes every
conversation whose archive rows reference one of them, and writes all rows of
those conversations in the period — including what was said before the
customer proved who they were, and the staff's actions — one JSON object per
line, oldest first, with the chain hashes so each line can be checked.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import IO, Iterable, List, Optional, Set

from sqlalchemy import create_engine, select, text

from bot.archive.events import CODE_SENT_KIND, VERIFIED_KIND
from bot.archive.models import ArchiveEntry
from bot.archive.store import ArchiveStore

_entries = ArchiveEntry.__table__
_CHUNK = 500


class ExportError(ValueError):
    """The export cannot be made as asked (unknown customer, unreachable core bank, bad period)."""


@dataclass(frozen=True)
class Exported:
    customer: str
    conversations: int
    rows: int


def parse_moment(value: str, end_of_day: bool = False) -> datetime:
    """"2026-01-01" (a whole day: its start, or with `end_of_day` the next day's start) or an ISO time (UTC if naive)."""
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            moment = datetime.combine(day, time.min, tzinfo=timezone.utc)
            return moment + timedelta(days=1) if end_of_day else moment
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ExportError(f"{value!r} is not a date (2026-01-31) or a time (2026-01-31T12:00:00Z)") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def customer_challenges(core_bank_url: str, customer_number: str) -> List[str]:
    """The ids of the customer's used one-time-code challenges, from the core bank's database."""
    engine = create_engine(core_bank_url, future=True)
    try:
        with engine.connect() as connection:
            customer = connection.execute(text("SELECT id FROM customers WHERE customer_number = :number"),
                                          {"number": customer_number}).first()
            if customer is None:
                raise ExportError(f"the core bank has no customer {customer_number}")
            return list(connection.execute(
                text("SELECT id FROM otp_challenges WHERE customer_id = :id AND used_at IS NOT NULL"),
                {"id": customer[0]},
            ).scalars())
    except ExportError:
        raise
    except Exception as exc:  # noqa: BLE001 - any database error: a clear message, not a traceback
        raise ExportError(f"the core bank's database cannot be read ({type(exc).__name__})") from exc
    finally:
        engine.dispose()


def conversations_verified_with(store: ArchiveStore, challenges: Iterable[str]) -> Set[str]:
    found: Set[str] = set()
    challenges = list(challenges)
    with store.reader.connect() as connection:
        for start in range(0, len(challenges), _CHUNK):
            found.update(connection.execute(
                select(_entries.c.conversation_id).distinct()
                .where(_entries.c.kind.in_((CODE_SENT_KIND, VERIFIED_KIND)),
                       _entries.c.reference.in_(challenges[start:start + _CHUNK]))
            ).scalars())
    return found


def export(store: ArchiveStore, core_bank_url: str, customer_number: str, out: IO[str],
           since: Optional[datetime] = None, until: Optional[datetime] = None) -> Exported:
    if since and until and until <= since:
        raise ExportError("--until must be after --since")
    conversations = sorted(conversations_verified_with(store, customer_challenges(core_bank_url, customer_number)))
    lines = []  # one customer's rows: few enough to sort in memory, oldest (lowest seq) first
    with store.snapshot() as connection:
        for start in range(0, len(conversations), _CHUNK):
            query = select(_entries).where(_entries.c.conversation_id.in_(conversations[start:start + _CHUNK]))
            if since:
                query = query.where(_entries.c.at >= since)
            if until:
                query = query.where(_entries.c.at < until)
            lines.extend(_line(row, customer_number) for row in connection.execute(query).mappings())
    for line in sorted(lines, key=lambda line: line["seq"]):
        out.write(json.dumps(line, ensure_ascii=False) + "\n")
    return Exported(customer_number, len(conversations), len(lines))


def _line(row, customer_number: str) -> dict:
    return {
        "customer": customer_number, "seq": row["seq"], "time": row["at"].isoformat(),
        "channel": row["channel"], "conversation_id": row["conversation_id"], "direction": row["direction"],
        "kind": row["kind"], "text": row["text"], "agent": row["agent"], "reference": row["reference"],
        "prev_hash": row["prev_hash"], "row_hash": row["row_hash"],
    }
