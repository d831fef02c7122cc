"""The Redis client the channels share state through in the production profile (REDIS_URL)."""
from __future__ import annotations

import redis.asyncio as aioredis


def redis_client(url: str) -> "aioredis.Redis":
    """A client for `url` (connections made lazily, in whichever event loop uses it)."""
    # Timeouts: a Redis that hangs must give Meta a 503 (it retries), not keep its webhook waiting.
    return aioredis.from_url(
        url, decode_responses=True, health_check_interval=30, socket_timeout=10, socket_connect_timeout=5,
    )
