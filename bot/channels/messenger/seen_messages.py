"""Remembers message ids already handled, so that Meta's retries are processed once."""
from __future__ import annotations

import time
from collections import OrderedDict
from typing import Callable


class SeenMessageIds:
    """In-memory, bounded, with expiry: one Rasa instance (embedded profile).

    Several instances share `state.RedisSeenMessageIds` instead (production profile).
    """

    def __init__(
        self, ttl_seconds: float = 24 * 3600, max_entries: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._ttl = ttl_seconds
        self._max = max_entries
        self._clock = clock
        self._seen: "OrderedDict[str, float]" = OrderedDict()

    def first_time(self, message_id: str) -> bool:
        """True the first time `message_id` is offered (within the ttl), False after."""
        now = self._clock()
        self._forget_expired(now)
        if message_id in self._seen:
            return False
        self._seen[message_id] = now + self._ttl
        if len(self._seen) > self._max:
            self._seen.popitem(last=False)
        return True

    def _forget_expired(self, now: float) -> None:
        while self._seen:
            oldest_id, expires = next(iter(self._seen.items()))
            if expires > now:
                return
            del self._seen[oldest_id]
