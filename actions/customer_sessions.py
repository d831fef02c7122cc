"""Verified customers' access tokens, kept server side in the action server.

A token never goes into a slot, the tracker or a message: the dialogue only
knows whether the conversation is verified. Keys are pseudonyms of the
conversation id; entries end when the core bank's token expires.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable, Dict, Optional

from bot.privacy.pseudonyms import pseudonym


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class CustomerSession:
    access_token: str
    customer_number: str
    first_name: str
    expires_at: datetime

    def __repr__(self) -> str:  # keeps the token out of logs and tracebacks
        return f"CustomerSession(customer_number={self.customer_number!r}, expires_at={self.expires_at.isoformat()})"


class CustomerSessions:
    """In memory: a restart of the action server means verifying again, never a leaked token."""

    def __init__(self, clock: Callable[[], datetime] = _utcnow) -> None:
        self._clock = clock
        self._sessions: Dict[str, CustomerSession] = {}

    def get(self, conversation_id: str) -> Optional[CustomerSession]:
        key = pseudonym(conversation_id)
        session = self._sessions.get(key)
        if session is not None and session.expires_at <= self._clock():
            del self._sessions[key]
            return None
        return session

    def start(self, conversation_id: str, session: CustomerSession) -> None:
        self._sessions[pseudonym(conversation_id)] = session

    def end(self, conversation_id: str) -> None:
        self._sessions.pop(pseudonym(conversation_id), None)


customer_sessions = CustomerSessions()
