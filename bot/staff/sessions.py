"""Console sessions, server side: a random 256-bit id in the cookie, its SHA-256 in the table.

A session ends after `idle` without a request, after `max_age` in all, at logout, or when the
account is disabled. Each session has its own CSRF token.
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Optional

from sqlalchemy.orm import Session

from bot.staff.accounts import Agent
from bot.staff.models import StaffAccount, StaffSession

SESSION_ID_BYTES = 32
CSRF_TOKEN_BYTES = 32


@dataclass(frozen=True)
class ActiveSession:
    agent: Agent
    csrf_token: str
    created_at: datetime


@dataclass(frozen=True)
class SessionLimits:
    idle: timedelta
    max_age: timedelta


def _id_hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("utf-8")).hexdigest()


def start_session(db: Session, agent: Agent, now: datetime) -> str:
    """A new session for `agent`; returns the id for the cookie (only its hash is stored)."""
    session_id = secrets.token_urlsafe(SESSION_ID_BYTES)
    db.add(
        StaffSession(
            id_hash=_id_hash(session_id),
            account_id=agent.id,
            csrf_token=secrets.token_urlsafe(CSRF_TOKEN_BYTES),
            created_at=now,
            last_seen_at=now,
        )
    )
    return session_id


def resume_session(db: Session, session_id: str, now: datetime, limits: SessionLimits) -> Optional[ActiveSession]:
    """The live session with this id (its idle clock restarted), or None; an expired one is deleted."""
    if not session_id or len(session_id) > 128:
        return None
    row = db.get(StaffSession, _id_hash(session_id))
    if row is None:
        return None
    account = db.get(StaffAccount, row.account_id)
    expired = now - row.last_seen_at > limits.idle or now - row.created_at > limits.max_age
    if expired or account is None or account.disabled:
        db.delete(row)
        return None
    row.last_seen_at = now
    return ActiveSession(agent=Agent.of(account), csrf_token=row.csrf_token, created_at=row.created_at)


def end_session(db: Session, session_id: str) -> None:
    if session_id:
        db.query(StaffSession).filter(StaffSession.id_hash == _id_hash(session_id)).delete(synchronize_session=False)


def purge_expired(db: Session, now: datetime, limits: SessionLimits) -> int:
    """Deletes sessions past either limit; returns how many."""
    return (
        db.query(StaffSession)
        .filter((StaffSession.last_seen_at < now - limits.idle) | (StaffSession.created_at < now - limits.max_age))
        .delete(synchronize_session=False)
    )
