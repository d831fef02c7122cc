"""A Messenger customer's locale, from the page's User Profile API: `GET /{PSID}?fields=locale`.

The channel asks for it when a customer it has not seen yet writes, and passes it to Rasa as the
message's metadata `locale` (bot/channels/language_hints.py: "fr_FR"); action_session_start takes the
conversation's language from it when the conversation has none yet (actions/session.py).

Meta lets a page read `locale` only once the app has the "Business Asset User Profile Access" feature
(App Review); without it the call is refused. So:

* a lookup never holds the message longer than `timeout_seconds` (FB_USER_LOCALE_TIMEOUT_MS): past that,
  the message goes on without a locale (and the answer, if it comes, is still cached);
* each PSID's answer, a locale or none, is cached (`max_entries` customers, `ttl_seconds`), so a customer
  costs one call per process and day;
* a permanent refusal (a permission or field error) switches lookups off for `pause_seconds`: one log
  line, not one per customer; a temporary failure is retried by the Graph client within the timeout.

On with FB_USER_LOCALE (default: on, except in the production profile, where the page must have the feature).
"""
from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from typing import Callable, Optional, Protocol, Tuple

from bot.channels.language_hints import locale as normalised_locale
from bot.channels.messenger.graph_api import GraphResult
from bot.privacy.pseudonyms import pseudonym

logger = logging.getLogger(__name__)

FIELDS = "locale"


class GraphGet(Protocol):
    async def get(self, path: str, params: Optional[dict] = None, *,
                  recipient_id: Optional[str] = None) -> GraphResult: ...


class UserLocales:
    """Cached, time-boxed locale lookups for a page's customers."""

    def __init__(
        self,
        graph: GraphGet,
        timeout_seconds: float = 0.8,
        ttl_seconds: float = 24 * 3600,
        max_entries: int = 50_000,
        pause_seconds: float = 3600,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.graph = graph
        self.timeout_seconds = timeout_seconds
        self.ttl_seconds = ttl_seconds
        self.max_entries = max_entries
        self.pause_seconds = pause_seconds
        self._clock = clock
        self._cache: "OrderedDict[str, Tuple[float, Optional[str]]]" = OrderedDict()  # psid -> (expiry, locale)
        self._pending: "dict[str, asyncio.Future[Optional[str]]]" = {}
        self._paused_until = 0.0

    async def locale(self, psid: str) -> Optional[str]:
        """The customer's locale ("fr_FR"), or None: unknown, refused, or not answered in time."""
        now = self._clock()
        cached = self._cache.get(psid)
        if cached is not None and cached[0] > now:
            self._cache.move_to_end(psid)
            return cached[1]
        if now < self._paused_until:
            return None
        lookup = self._pending.get(psid)
        if lookup is None:
            lookup = asyncio.ensure_future(self._look_up(psid))
            self._pending[psid] = lookup
            lookup.add_done_callback(lambda _: self._pending.pop(psid, None))
        try:
            return await asyncio.wait_for(asyncio.shield(lookup), self.timeout_seconds)
        except asyncio.TimeoutError:
            logger.info("Messenger profile locale of %s not answered within %.1f s; going on without it",
                        pseudonym(psid), self.timeout_seconds)
            return None

    async def _look_up(self, psid: str) -> Optional[str]:
        try:
            result = await self.graph.get(psid, {"fields": FIELDS}, recipient_id=psid)
        except Exception:  # noqa: BLE001 - a locale is a nicety: never fail the message for it
            logger.exception("Messenger profile locale of %s: lookup failed", pseudonym(psid))
            return None
        if not result.ok:
            if result.permanent:
                self._paused_until = self._clock() + self.pause_seconds
                logger.info("Messenger profile locales are not readable (%s); not asked again for %.0f s",
                            result.description, self.pause_seconds)
            return None
        value = normalised_locale(result.body.get("locale"))
        self._remember(psid, value)
        return value

    def _remember(self, psid: str, value: Optional[str]) -> None:
        self._cache[psid] = (self._clock() + self.ttl_seconds, value)
        self._cache.move_to_end(psid)
        while len(self._cache) > self.max_entries:
            self._cache.popitem(last=False)
