"""Login throttling: 5 failed logins for one username within 15 minutes lock it for 15 minutes.

Unknown usernames are counted the same way, so a lock says nothing about whether an account exists.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from bot.staff.models import StaffLoginThrottle

MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=15)
LOCK_DURATION = timedelta(minutes=15)


def is_locked(db: Session, username: str, now: datetime) -> bool:
    row = db.get(StaffLoginThrottle, username)
    return row is not None and row.locked_until is not None and now < row.locked_until


def record_failure(db: Session, username: str, now: datetime) -> None:
    """Counts a failed login; the MAX_FAILURES-th within FAILURE_WINDOW locks the username."""
    row = db.get(StaffLoginThrottle, username)
    if row is None:
        row = StaffLoginThrottle(username=username, failures=0)
        db.add(row)
    if row.window_started_at is None or now - row.window_started_at > FAILURE_WINDOW:
        row.window_started_at = now
        row.failures = 0
    row.failures += 1
    if row.failures >= MAX_FAILURES:
        row.locked_until = now + LOCK_DURATION
        row.failures = 0
        row.window_started_at = None


def clear(db: Session, username: str) -> None:
    """A successful login forgets the failures."""
    row = db.get(StaffLoginThrottle, username)
    if row is not None:
        db.delete(row)
