"""Sending text messages: the gateway protocol and the in-memory outbox standing in for a provider.

The outbox is the mock of an external SMS provider: it is the only place a
one-time code exists in clear. It never logs message text.
"""
from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass
from datetime import datetime
from typing import Optional, Protocol
from bot.clock import Clock, utc_now


OUTBOX_CAPACITY = 1000



@dataclass(frozen=True)
class SmsMessage:
    to: str  # E.164
    text: str
    sent_at: datetime


class SmsGateway(Protocol):
    """Something that delivers a text message to a phone number (E.164)."""

    def send(self, to: str, text: str) -> None:
        ...


class SmsOutbox:
    """An `SmsGateway` that keeps the last `capacity` messages in memory (dev and tests)."""

    def __init__(self, clock: Clock = utc_now, capacity: int = OUTBOX_CAPACITY) -> None:
        self._clock = clock
        self._messages: deque[SmsMessage] = deque(maxlen=capacity)
        self._lock = threading.Lock()

    def send(self, to: str, text: str) -> None:
        message = SmsMessage(to=to, text=text, sent_at=self._clock())
        with self._lock:
            self._messages.append(message)

    def messages(self, to: Optional[str] = None) -> list[SmsMessage]:
        """Messages sent (to `to` only, if given), newest first."""
        with self._lock:
            kept = list(self._messages)
        return [m for m in reversed(kept) if to is None or m.to == to]
