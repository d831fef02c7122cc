"""Chart images for the web chat: short-lived, each visible to the one web chat session it was drawn for.

The spending chart (actions/spending.py → bot/channels/spending_chart.py) reaches the browser as an image URL
on the Rasa server, `/webhooks/socketio/charts/<image id>`, and nowhere else (no public store):

* the image id is random (192 bits) and says nothing about the customer (no session id, no name, no date);
* the image is served only to the browser holding the session's binding cookie (the HttpOnly cookie the web
  service sets beside the session's token, bot/channels/web_chat/tokens.py), compared by its digest with the one
  of the socket the chart went to: another session's browser, or a copied URL without the cookie, gets 404;
* it expires after `IMAGE_TTL_SECONDS` (10 minutes), and at most `MAX_IMAGES` are kept (the oldest go first);
* the response is `Cache-Control: private, no-store`, so no cache keeps it.

Where the images are kept: in this process's memory, or, in the production profile (REDIS_URL), in Redis
(`RedisImages`, a hash per image, `{prefix}webchat:chart:<image id>`, expiring with the image): the image request
is a plain HTTP GET, which a load balancer may send to another Rasa server than the one holding the socket. The
session bindings stay in memory: a chart is drawn by the server that holds the session's socket.
"""
from __future__ import annotations

import asyncio
import hmac
import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Dict, Optional, Protocol

from bot.channels.web_chat.tokens import binding_digest

if TYPE_CHECKING:
    import redis

    from bot.settings import Settings

IMAGE_TTL_SECONDS = 600
MAX_IMAGES = 500
ROUTE = "/charts/<image_id:str>"  # under the channel's prefix: /webhooks/socketio/charts/<image_id>
PATH_PREFIX = "/webhooks/socketio/charts/"


@dataclass(frozen=True)
class _Image:
    png: bytes
    binding_digest: str


class ImageStore(Protocol):
    """Where the images are kept, each for `ttl_seconds`. Its calls block (Redis: a network round trip)."""

    def put(self, image_id: str, image: _Image, ttl_seconds: float) -> None: ...

    def find(self, image_id: str) -> Optional[_Image]: ...


class MemoryImages:
    """This process's memory: at most `max_images` (the oldest go first), each until it expires."""

    blocks = False  # called on the event loop: no network

    def __init__(self, max_images: int = MAX_IMAGES, clock: Callable[[], float] = time.monotonic) -> None:
        self.max_images = max_images
        self._clock = clock
        self._images: "OrderedDict[str, tuple[_Image, float]]" = OrderedDict()  # id -> (image, expiry)
        self._lock = threading.Lock()  # written from the dialogue thread, read from the server's loop

    def put(self, image_id: str, image: _Image, ttl_seconds: float) -> None:
        with self._lock:
            self._forget_expired()
            self._images[image_id] = (image, self._clock() + ttl_seconds)
            while len(self._images) > self.max_images:
                self._images.popitem(last=False)

    def find(self, image_id: str) -> Optional[_Image]:
        with self._lock:
            self._forget_expired()
            found = self._images.get(image_id)
        return found[0] if found else None

    def _forget_expired(self) -> None:
        now = self._clock()
        for image_id in [i for i, (_, expires_at) in self._images.items() if expires_at <= now]:
            del self._images[image_id]


class RedisImages:
    """Redis, shared by every Rasa server: a hash per image ({png, digest}) that Redis deletes when it expires."""

    def __init__(self, client: "redis.Redis", prefix: str) -> None:
        self._redis = client  # a synchronous client: called from worker threads (`ChartImages`), never a loop
        self._prefix = prefix

    def _key(self, image_id: str) -> str:
        return f"{self._prefix}webchat:chart:{image_id}"

    def put(self, image_id: str, image: _Image, ttl_seconds: float) -> None:
        key = self._key(image_id)
        with self._redis.pipeline(transaction=True) as pipe:
            pipe.hset(key, mapping={"png": image.png, "digest": image.binding_digest})
            pipe.expire(key, max(1, int(ttl_seconds)))
            pipe.execute()

    def find(self, image_id: str) -> Optional[_Image]:
        png, digest = self._redis.hmget(self._key(image_id), ["png", "digest"])
        if png is None or digest is None:
            return None
        return _Image(bytes(png), digest.decode("ascii", "replace"))


class ChartImages:
    """The session bindings seen on this server's sockets, and the charts drawn for them (kept in `store`)."""

    def __init__(self, store: Optional[ImageStore] = None, ttl_seconds: float = IMAGE_TTL_SECONDS) -> None:
        self.store: ImageStore = store if store is not None else MemoryImages()
        self.ttl_seconds = ttl_seconds
        self._bindings: Dict[str, str] = {}  # session id -> its binding cookie's digest (from the token)
        self._lock = threading.Lock()

    def session_seen(self, session_id: str, digest: str) -> None:
        """A socket of `session_id` was admitted with a token whose cookie digest is `digest`."""
        with self._lock:
            self._bindings[session_id] = digest

    async def add(self, session_id: str, png: bytes) -> Optional[str]:
        """Keeps `png` for the session's browser; its image id, or None for a session no socket here admitted."""
        with self._lock:
            digest = self._bindings.get(session_id)
        if digest is None:
            return None
        image_id = secrets.token_urlsafe(24)
        await self._call(self.store.put, image_id, _Image(png, digest), self.ttl_seconds)
        return image_id

    async def get(self, image_id: str, binding_cookie: Optional[str]) -> Optional[bytes]:
        """The image, for the browser whose cookie is the session's; None otherwise (unknown, expired, another's)."""
        if not binding_cookie:
            return None
        image = await self._call(self.store.find, image_id)
        if image is None or not hmac.compare_digest(binding_digest(binding_cookie), image.binding_digest):
            return None
        return image.png

    async def _call(self, method: Callable, *args):
        if not getattr(self.store, "blocks", True):
            return method(*args)
        return await asyncio.to_thread(method, *args)  # Redis: never block the event loop on the network


def chart_images(settings: "Settings") -> ChartImages:
    """Redis when REDIS_URL is set (keys `{prefix}webchat:chart:...`), else this process's memory."""
    if not settings.redis_url:
        return ChartImages()
    from bot.channels.redis_client import binary_redis_client

    # Binary values (the PNG): not the channels' shared client, which decodes every value as text.
    return ChartImages(RedisImages(binary_redis_client(settings.redis_url), settings.redis_key_prefix))
