"""Login throttling, counted in the branch database so that every web service instance shares the counts.

Two limits, each kept as a row of staff_login_throttle:
    per username   5 attempts within 15 minutes lock the username for 15 minutes; a successful login
                   forgets the username's attempts. Unknown usernames are counted the same way, so a
                   lock says nothing about whether an account exists.
    per client     10 attempts from one client address within a minute, whatever the usernames, refuse
                   that client for a minute (429 with Retry-After); successful logins count too.

An attempt is counted *before* its password is judged, by one conditional UPDATE that refuses it when the
limit is reached (PostgreSQL locks the row, SQLite the database, until the transaction ends): concurrent
attempts cannot all pass a check made before any of them was counted, a burst judges at most the allowed
number of passwords, and a refused attempt never reaches argon2.

A client row's key is `client:` and the address (an IPv6 client by its /64, as one host usually has a
whole /64); usernames cannot contain `:`, so the two kinds of keys never meet. Rows that hold nothing
back any more are deleted at each successful login (`purge_stale`).
"""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Optional

from sqlalchemy import case, delete, literal, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.staff.models import StaffLoginThrottle
from bot.utc_datetime import UtcDateTime

CLIENT_KEY_PREFIX = "client:"
UNKNOWN_CLIENT = "unknown"


@dataclass(frozen=True)
class Rule:
    """At most `max_attempts` within `window`; the attempt that reaches it starts a lock of `lock`."""

    max_attempts: int
    window: timedelta
    lock: timedelta


PER_USERNAME = Rule(max_attempts=5, window=timedelta(minutes=15), lock=timedelta(minutes=15))
PER_CLIENT = Rule(max_attempts=10, window=timedelta(minutes=1), lock=timedelta(minutes=1))


@dataclass(frozen=True)
class LoginLimits:
    per_username: Rule = PER_USERNAME
    per_client: Rule = PER_CLIENT


@dataclass(frozen=True)
class Admission:
    """Whether an attempt was counted and may be judged; when not, how long until one may."""

    admitted: bool
    retry_after: timedelta = field(default=timedelta(0))


def client_key(remote: Optional[str]) -> str:
    """The throttle's key for a client address as the web service sees it (`request.remote`)."""
    try:
        address = ipaddress.ip_address((remote or "").split("%", 1)[0])
    except ValueError:
        return CLIENT_KEY_PREFIX + UNKNOWN_CLIENT
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return CLIENT_KEY_PREFIX + str(address.ipv4_mapped)
        return CLIENT_KEY_PREFIX + str(ipaddress.IPv6Network((address, 64), strict=False))
    return CLIENT_KEY_PREFIX + str(address)


def admit(db: Session, key: str, rule: Rule, now: datetime) -> Admission:
    """Counts one attempt under `key` unless `rule` refuses it: check and count are one UPDATE."""
    table = StaffLoginThrottle.__table__
    c = table.c
    at = literal(now, UtcDateTime())
    # A new window: none yet, the last one is over, or a lock has run out.
    fresh = or_(
        c.window_started_at.is_(None),
        c.window_started_at < literal(now - rule.window, UtcDateTime()),
        c.locked_until <= at,
    )
    count = case((fresh, 1), else_=c.failures + 1)
    count_or_refuse = (
        update(table)
        .where(c.username == key)
        .where(or_(c.locked_until.is_(None), c.locked_until <= at))
        .where(or_(fresh, c.failures < rule.max_attempts))
        .values(
            failures=count,
            window_started_at=case((fresh, at), else_=c.window_started_at),
            locked_until=case((count >= rule.max_attempts, literal(now + rule.lock, UtcDateTime())), else_=None),
        )
    )
    for _ in range(2):  # twice: purge_stale may delete the row between the INSERT and the UPDATE
        _ensure_row(db, key)
        if db.execute(count_or_refuse).rowcount == 1:
            return Admission(True)
        row = db.execute(select(c.locked_until).where(c.username == key)).first()
        if row is not None:
            locked_until = row[0]
            wait = locked_until - now if locked_until is not None and locked_until > now else rule.lock
            return Admission(False, retry_after=wait)
    return Admission(False, retry_after=rule.lock)


def clear(db: Session, key: str) -> None:
    """A successful login forgets the username's attempts (the row is reset; purge_stale deletes it later)."""
    c = StaffLoginThrottle.__table__.c
    db.execute(
        update(StaffLoginThrottle.__table__)
        .where(c.username == key)
        .values(failures=0, window_started_at=None, locked_until=None)
    )


def purge_stale(db: Session, now: datetime, limits: LoginLimits) -> int:
    """Deletes the rows that hold nothing back any more (no lock running, no window open); returns how many."""
    c = StaffLoginThrottle.__table__.c
    oldest_window = now - max(limits.per_username.window, limits.per_client.window)
    return db.execute(
        delete(StaffLoginThrottle.__table__)
        .where(or_(c.locked_until.is_(None), c.locked_until <= literal(now, UtcDateTime())))
        .where(or_(c.window_started_at.is_(None), c.window_started_at < literal(oldest_window, UtcDateTime())))
    ).rowcount


def _ensure_row(db: Session, key: str) -> None:
    """Creates the key's row unless it exists (INSERT ... ON CONFLICT DO NOTHING: safe under concurrency)."""
    table = StaffLoginThrottle.__table__
    insert = _INSERTS[db.get_bind().dialect.name]
    db.execute(insert(table).values(username=key, failures=0).on_conflict_do_nothing(index_elements=[table.c.username]))


_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}
