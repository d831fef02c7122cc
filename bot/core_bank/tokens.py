"""Bearer tokens: what a verified one-time code gives (otp.py), checked on every customer-data request.

A token is 32 random bytes (URL-safe), given in clear once; only its SHA-256 is stored. It lasts
`access_token_ttl_seconds` and ends early when revoked (signing out). Tokens are never logged.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Optional

from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock, utc_now
from bot.core_bank.errors import Unauthorized
from bot.core_bank.models import AccessToken


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class AccessTokens:
    """Bearer tokens: issued for a verified code, checked on every customer-data request."""

    def __init__(self, sessions: sessionmaker, ttl_seconds: int, clock: Clock = utc_now) -> None:
        self._sessions = sessions
        self._ttl = timedelta(seconds=ttl_seconds)
        self._clock = clock

    def issue(self, session: Session, customer_id: int, now: datetime) -> tuple[str, datetime]:
        """Adds a new token for the customer to `session` (the caller commits)."""
        token = secrets.token_urlsafe(32)
        expires_at = now + self._ttl
        session.add(AccessToken(token_hash=token_hash(token), customer_id=customer_id, issued_at=now, expires_at=expires_at))
        return token, expires_at

    def authenticate(self, token: Optional[str]) -> int:
        """The customer id a valid, unexpired, unrevoked token belongs to; Unauthorized otherwise."""
        if not token:
            raise Unauthorized("Sign in first: this needs a bearer token.")
        now = self._clock()
        with self._sessions() as session:
            row = session.get(AccessToken, token_hash(token))
            if row is None or row.revoked_at is not None:
                raise Unauthorized("This token is not valid.", invalid_token=True)
            if now >= row.expires_at:
                raise Unauthorized("This token has expired: sign in again.", invalid_token=True)
            return row.customer_id

    def revoke(self, token: Optional[str]) -> None:
        """Ends the session of a valid token (Unauthorized if it is not valid)."""
        self.authenticate(token)
        assert token is not None
        with self._sessions() as session:
            session.execute(
                update(AccessToken)
                .where(AccessToken.token_hash == token_hash(token), AccessToken.revoked_at.is_(None))
                .values(revoked_at=self._clock())
            )
            session.commit()
