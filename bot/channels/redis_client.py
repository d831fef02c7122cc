"""The Redis clients the channels share state through in the production profile (REDIS_URL)."""
from __future__ import annotations

import redis
import redis.asyncio as aioredis

# Timeouts: a Redis that hangs must give Meta a 503 (it retries), or cost a chart, not keep anyone waiting.
TIMEOUTS = {"socket_timeout": 10, "socket_connect_timeout": 5}


def redis_client(url: str) -> "aioredis.Redis":
    """A client for `url` (connections made lazily, in whichever event loop uses it); values read as text."""
    return aioredis.from_url(url, decode_responses=True, health_check_interval=30, **TIMEOUTS)


def binary_redis_client(url: str) -> "redis.Redis":
    """A synchronous client for `url` whose values stay bytes (images), for worker threads: never on an event loop."""
    return redis.Redis.from_url(url, health_check_interval=30, **TIMEOUTS)
