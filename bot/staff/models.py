"""The staff tables, in the branch's own database (bot/branch_db.py; its schema: migrations/branch/)."""
from __future__ import annotations

from sqlalchemy import Boolean, Column, ForeignKey, Integer, String

from bot.branch_db import Base, UtcDateTime

USERNAME_MAX_LENGTH = 64


class StaffAccount(Base):
    """A support agent who may log in to the console."""

    __tablename__ = "staff_accounts"

    id = Column(Integer, primary_key=True)
    username = Column(String(USERNAME_MAX_LENGTH), nullable=False, unique=True)
    display_name = Column(String(120), nullable=False)
    password_hash = Column(String(255), nullable=False)  # argon2id, PHC string
    created_at = Column(UtcDateTime, nullable=False)
    disabled = Column(Boolean, nullable=False, default=False)


class StaffSession(Base):
    """A logged-in console session; the cookie carries the id, the table only its SHA-256."""

    __tablename__ = "staff_sessions"

    id_hash = Column(String(64), primary_key=True)
    account_id = Column(Integer, ForeignKey("staff_accounts.id", ondelete="CASCADE"), nullable=False, index=True)
    csrf_token = Column(String(64), nullable=False)
    created_at = Column(UtcDateTime, nullable=False)
    last_seen_at = Column(UtcDateTime, nullable=False)


class StaffLoginThrottle(Base):
    """Login attempts under one key in the current window, and a lock (bot/staff/login_throttle.py).

    The key is a username (known or not) or `client:` and a client's address.
    """

    __tablename__ = "staff_login_throttle"

    username = Column(String(USERNAME_MAX_LENGTH), primary_key=True)  # the key
    failures = Column(Integer, nullable=False, default=0)
    window_started_at = Column(UtcDateTime, nullable=True)
    locked_until = Column(UtcDateTime, nullable=True)
