"""Chart images for the web chat: short-lived, each visible to the one web chat session it was drawn for.

The spending chart (actions/spending.py → bot/channels/spending_chart.py) reaches the browser as an image URL
on the Rasa server, `/webhooks/socketio/charts/<image id>`, and nowhere else (no public store):

* the image id is random (192 bits) and says nothing about the customer (no session id, no name, no date);
* the image is served only to the browser holding the session's binding cookie (the HttpOnly cookie the web
  service sets beside the session's token, bot/channels/web_chat/tokens.py), compared by its digest with the one
  of the socket the chart went to: another session's browser, or a copied URL without the cookie, gets 404;
* it expires after `IMAGE_TTL_SECONDS` (10 minutes), and at most `MAX_IMAGES` are kept (the oldest go first);
* the response is `Cache-Control: private, no-store`, so no cache keeps it.

The images live in the memory of the Rasa server that drew them. With several Rasa servers behind a load
balancer, the image request must reach the same server as the socket (the same sticky routing the socket
needs); a shared store (Redis) would lift that, and is not written yet.
"""
from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Callable, Dict, Optional

from bot.channels.web_chat.tokens import binding_digest

IMAGE_TTL_SECONDS = 600
MAX_IMAGES = 500
ROUTE = "/charts/<image_id:str>"  # under the channel's prefix: /webhooks/socketio/charts/<image_id>
PATH_PREFIX = "/webhooks/socketio/charts/"


@dataclass(frozen=True)
class _Image:
    png: bytes
    binding_digest: str
    expires_at: float


class ChartImages:
    """The session bindings seen on this server's sockets, and the charts drawn for them."""

    def __init__(self, ttl_seconds: float = IMAGE_TTL_SECONDS, max_images: int = MAX_IMAGES,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl_seconds = ttl_seconds
        self.max_images = max_images
        self._clock = clock
        self._images: "OrderedDict[str, _Image]" = OrderedDict()
        self._bindings: Dict[str, str] = {}  # session id -> its binding cookie's digest (from the token)
        self._lock = threading.Lock()  # written from the dialogue thread, read from the server's loop

    def session_seen(self, session_id: str, digest: str) -> None:
        """A socket of `session_id` was admitted with a token whose cookie digest is `digest`."""
        with self._lock:
            self._bindings[session_id] = digest

    def add(self, session_id: str, png: bytes) -> Optional[str]:
        """Keeps `png` for the session's browser; its image id, or None for a session no socket here admitted."""
        with self._lock:
            digest = self._bindings.get(session_id)
            if digest is None:
                return None
            self._forget_expired()
            image_id = secrets.token_urlsafe(24)
            self._images[image_id] = _Image(png, digest, self._clock() + self.ttl_seconds)
            while len(self._images) > self.max_images:
                self._images.popitem(last=False)
            return image_id

    def get(self, image_id: str, binding_cookie: Optional[str]) -> Optional[bytes]:
        """The image, for the browser whose cookie is the session's; None otherwise (unknown, expired, another's)."""
        with self._lock:
            self._forget_expired()
            image = self._images.get(image_id)
        if image is None or not binding_cookie:
            return None
        if not hmac.compare_digest(binding_digest(binding_cookie), image.binding_digest):
            return None
        return image.png

    def _forget_expired(self) -> None:
        now = self._clock()
        for image_id in [i for i, image in self._images.items() if image.expires_at <= now]:
            del self._images[image_id]
