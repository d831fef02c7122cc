"""Verified customers' access tokens, kept server side in the action server.

A token never goes into a slot, the tracker or a message: the dialogue only
knows whether the conversation is verified. Entries end when the core bank's
token expires.

A session belongs to a conversation in one channel: its key is a pseudonym of
the input channel of the conversation's latest message (Rasa's
`input_channel`: "messenger", "socketio") together with the sender id. Rasa keeps
one tracker per sender id, whatever the channel, so a Messenger event whose
sender id is a web chat session id reaches that session's tracker: it does not
reach its verification, which was proved in the web chat (and vice versa).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable, Dict, Optional, Protocol

from bot.privacy.pseudonyms import pseudonym


class Conversation(Protocol):
    """What identifies a conversation: rasa_sdk's Tracker."""

    sender_id: str

    def get_latest_input_channel(self) -> Optional[str]: ...


def session_key(conversation: Conversation) -> str:
    """A pseudonym of (input channel, sender id): a verification holds in the channel that proved it only."""
    if isinstance(conversation, str) or not hasattr(conversation, "get_latest_input_channel"):
        raise TypeError("a customer session belongs to a conversation (a Tracker), not to a bare sender id")
    channel = conversation.get_latest_input_channel() or ""
    return pseudonym(f"{len(channel)}:{channel}:{conversation.sender_id}")


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

    def get(self, conversation: Conversation) -> Optional[CustomerSession]:
        key = session_key(conversation)
        session = self._sessions.get(key)
        if session is not None and session.expires_at <= self._clock():
            del self._sessions[key]
            return None
        return session

    def start(self, conversation: Conversation, session: CustomerSession) -> None:
        self._sessions[session_key(conversation)] = session

    def end(self, conversation: Conversation) -> None:
        self._sessions.pop(session_key(conversation), None)


customer_sessions = CustomerSessions()
