"""The Facebook page's condition, for the banner on the console's queue page: read server side from the Rasa server.

The Messenger channel's health answer, `GET {RASA_URL}/webhooks/messenger/`, says what Meta told the
Rasa server about the page (bot/channels/messenger/page_health.py): restricted from sending messages
(Graph error 10/1893063), thread control refused by the page's Conversation Routing. The console asks
at most every `CACHE_SECONDS` (the queue page polls every 5 s), with a short timeout; when the Rasa
server cannot be reached, or answers anything else, there is no banner and the queue works as ever.

With several Rasa instances behind RASA_URL, the one that answers tells what it has learnt: each learns
a restriction from its first refused message, so the banner may take a few minutes to be steady.
"""
from __future__ import annotations

import asyncio
import logging
import time
from typing import Any, AsyncIterator, Callable, Dict, List, Optional

import aiohttp
from aiohttp import web

from bot.web.console.keys import SETTINGS

logger = logging.getLogger(__name__)

HEALTH_PATH = "/webhooks/messenger/"
CACHE_SECONDS = 15.0
TIMEOUT_SECONDS = 2.0

RESTRICTED_MESSAGE = (
    "Meta restricts the bank's Facebook page from sending messages (since {since}): replies to Messenger "
    "customers, the bot's and yours, are not delivered. A page admin must resolve it in the Meta Business Suite. "
    "The web chat is not affected."
)
HANDOVER_MESSAGE = (
    "Meta's Conversation Routing refuses the bot thread control on the Facebook page (since {since}): Messenger "
    "customers who ask for a person stay with the bot, paused, and wait here. Answer them in this console; "
    "an engineer should fix the page's routing or set FB_HANDOVER_ENABLED=false."
)


class MessengerPageStatus:
    """What the console shows about the page; one per console app (`watch`)."""

    def __init__(self, session: aiohttp.ClientSession, rasa_url: str,
                 clock: Callable[[], float] = time.monotonic, cache_seconds: float = CACHE_SECONDS) -> None:
        self._session = session
        self._url = rasa_url.rstrip("/") + HEALTH_PATH
        self._clock = clock
        self._cache_seconds = cache_seconds
        self._read_at: Optional[float] = None
        self._health: Dict[str, Any] = {}

    async def banners(self) -> List[str]:
        """The messages to show staff now (none when all is well or the Rasa server cannot say)."""
        health = await self._current()
        shown = []
        if health.get("page_restricted") is True:
            shown.append(RESTRICTED_MESSAGE.format(since=_when(health.get("page_restricted_since"))))
        if health.get("handover_disabled") is True:
            shown.append(HANDOVER_MESSAGE.format(since=_when(health.get("handover_disabled_since"))))
        return shown

    async def _current(self) -> Dict[str, Any]:
        now = self._clock()
        if self._read_at is not None and now - self._read_at < self._cache_seconds:
            return self._health
        self._read_at = now
        try:
            async with self._session.get(self._url, timeout=aiohttp.ClientTimeout(total=TIMEOUT_SECONDS)) as resp:
                body = await resp.json(content_type=None) if resp.status == 200 else None
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as exc:
            logger.info("The Messenger channel's health could not be read: %s", type(exc).__name__)
            body = None
        self._health = body if isinstance(body, dict) else {}
        return self._health


async def watch(console: web.Application) -> AsyncIterator[None]:
    """The console app's `MessengerPageStatus` (cleanup context), on RASA_URL."""
    async with aiohttp.ClientSession() as session:
        console[PAGE_STATUS] = MessengerPageStatus(session, console[SETTINGS].rasa_url)
        yield


def _when(iso: Any) -> str:
    text = str(iso or "")
    return text.replace("T", " ").replace("+00:00", " UTC") if text else "an unknown time"


PAGE_STATUS = web.AppKey("messenger_page_status", MessengerPageStatus)
