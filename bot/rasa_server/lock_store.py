"""Rasa's Redis lock store (one conversation on one instance at a time), connected from the settings.

endpoints.production.yml:

    lock_store:
      type: bot.rasa_server.lock_store.SettingsRedisLockStore

Rules:
- The Redis is REDIS_URL, the one the Messenger state and the durable inbox use; the locks'
  keys are REDIS_KEY_PREFIX + "lock:" + the conversation id, next to the channel's keys.
- A lock whose holder died is free again after TICKET_LOCK_LIFETIME seconds.
- The endpoints entry gives the type and nothing else: a `url`, `port`, `db` or any other key
  there is refused, so these values are only in the settings (bot/settings.py).
- No REDIS_URL: the store refuses to start (a lock store in memory is `endpoints.yml`'s, one instance).
"""
from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from typing import Optional, Text

import redis
from rasa.core.lock import TicketLock
from rasa.core.lock_store import DEFAULT_REDIS_LOCK_STORE_KEY_PREFIX, DEFAULT_SOCKET_TIMEOUT_IN_SECONDS, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

from bot.settings import Settings, get_settings


class LockStoreConfigurationError(ValueError):
    """The lock store cannot start with this configuration."""


class SettingsRedisLockStore(RedisLockStore):
    """RedisLockStore on REDIS_URL, with REDIS_KEY_PREFIX and TICKET_LOCK_LIFETIME from the settings."""

    def __init__(self, endpoint_config: Optional[EndpointConfig] = None, settings: Optional[Settings] = None) -> None:
        if endpoint_config is not None and (endpoint_config.url or endpoint_config.kwargs):
            given = ", ".join((["url"] if endpoint_config.url else []) + sorted(endpoint_config.kwargs))
            raise LockStoreConfigurationError(
                f"lock_store: {given} given in the endpoints file; the lock store's Redis is REDIS_URL "
                "and its key prefix REDIS_KEY_PREFIX (bot/settings.py): remove them from the file"
            )
        settings = settings or get_settings()
        if not settings.redis_url:
            raise LockStoreConfigurationError("REDIS_URL is not set: the Redis lock store needs it")
        # RedisLockStore's own constructor takes host, port and db apart; the URL is kept whole here.
        self.red = redis.StrictRedis.from_url(settings.redis_url, socket_timeout=DEFAULT_SOCKET_TIMEOUT_IN_SECONDS)
        self.key_prefix = settings.redis_key_prefix + DEFAULT_REDIS_LOCK_STORE_KEY_PREFIX
        self.lock_lifetime = settings.ticket_lock_lifetime_seconds

    def issue_ticket(self, conversation_id: Text, lock_lifetime: Optional[float] = None) -> int:
        return super().issue_ticket(conversation_id, self.lock_lifetime if lock_lifetime is None else lock_lifetime)

    def lock(
        self, conversation_id: Text, lock_lifetime: Optional[float] = None, wait_time_in_seconds: float = 1,
    ) -> AbstractAsyncContextManager[TicketLock]:
        lifetime = self.lock_lifetime if lock_lifetime is None else lock_lifetime
        return super().lock(conversation_id, lifetime, wait_time_in_seconds)
