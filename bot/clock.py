"""The one clock: aware UTC time, and the type of a clock a component takes so tests can move time."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Callable

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def utc_timestamp() -> float:
    """Seconds since the epoch, for stores that keep expiries as numbers (Redis scores)."""
    return utc_now().timestamp()
