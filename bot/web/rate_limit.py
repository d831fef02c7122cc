"""A sliding-window rate limit per client, in memory: at most `limit` hits in any `window` seconds.

Why: `POST /api/chat-session` is public and each call mints a signed session (and a Rasa sender id);
without a limit one client could open sessions in a loop. One web service process holds the counts;
several instances behind a load balancer each count their own share (a limit per instance).

Memory stays bounded: a client's timestamps older than the window are dropped on each hit, idle
clients are forgotten, and past `max_clients` the least recently seen clients are evicted first.
"""
from __future__ import annotations

import time
from collections import OrderedDict, deque
from typing import Callable, Deque, Optional

Clock = Callable[[], float]
MAX_CLIENTS = 10_000


class SlidingWindowLimit:
    def __init__(self, limit: int, window_seconds: float = 60.0, *, clock: Clock = time.monotonic,
                 max_clients: int = MAX_CLIENTS) -> None:
        if limit <= 0 or window_seconds <= 0:
            raise ValueError("limit and window_seconds must be positive")
        self.limit = limit
        self.window = float(window_seconds)
        self._clock = clock
        self._max_clients = max_clients
        self._hits: "OrderedDict[str, Deque[float]]" = OrderedDict()

    def hit(self, client: str) -> Optional[float]:
        """Counts one request from `client`: None when allowed, else the seconds until one more is."""
        now = self._clock()
        hits = self._hits.get(client)
        if hits is None:
            hits = self._hits[client] = deque()
        self._hits.move_to_end(client)
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        if len(hits) >= self.limit:
            return max(hits[0] + self.window - now, 0.0)  # refused calls are not counted: waiting works
        hits.append(now)
        self._forget_idle(now)
        return None

    def _forget_idle(self, now: float) -> None:
        if len(self._hits) <= self._max_clients:
            return
        for client in list(self._hits):  # least recently seen first
            hits = self._hits[client]
            if len(self._hits) <= self._max_clients and hits and hits[-1] > now - self.window:
                break
            del self._hits[client]

    def __len__(self) -> int:
        """How many clients are remembered."""
        return len(self._hits)
