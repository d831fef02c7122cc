"""What Meta says about the page that only a person can fix: the operators' signal, one per process.

- **Page restricted.** The Send API answered Graph error 10, subcode 1893063: Meta restricts the page
  from sending messages (a policy enforcement; the page's admins see why in the Meta Business Suite).
  Retrying cannot help, so nothing more is sent for `backoff` (5 minutes): every message and sender
  action is refused here meanwhile (`sending_paused_until`). After that the next message tries again:
  still restricted, another back-off; accepted, the restriction is over. Logged at error level once
  per back-off period, never once per message.
- **Handover disabled.** A thread-control call was answered "Handover Protocol APIs disabled": the
  page's Conversation Routing does not let this app pass or take conversations. Logged at error level
  (at most once per `backoff`) with the setting to change; the conversation stays with the bot's app,
  paused, and staff answer it through the console.

`as_json()` is part of the channel's health answer (`GET /webhooks/messenger/`), which the staff
console reads server side for its banner (bot/web/console/page_status.py). Each process keeps its
own; with several Rasa instances each learns it on its first refused call.
"""
from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta
from typing import Any, Dict, Optional

from bot.clock import Clock, utc_now

logger = logging.getLogger(__name__)

PAGE_RESTRICTED = (10, 1893063)  # Graph (code, subcode): the page may not send messages
HANDOVER_DISABLED_TEXT = "handover protocol apis disabled"  # in Meta's error message, any case
DEFAULT_BACKOFF = timedelta(minutes=5)
HANDOVER_SETTING = "FB_HANDOVER_ENABLED"


def is_page_restricted(code: Optional[int], subcode: Optional[int]) -> bool:
    return (code, subcode) == PAGE_RESTRICTED


def is_handover_disabled(error_message: Optional[str]) -> bool:
    """Meta's answer to a thread-control call on a page whose Conversation Routing does not allow it."""
    return HANDOVER_DISABLED_TEXT in (error_message or "").lower()


class PageHealth:
    """The page's condition as this process last learnt it. Safe to share between event loops and threads."""

    def __init__(self, clock: Clock = utc_now, backoff: timedelta = DEFAULT_BACKOFF) -> None:
        self._clock = clock
        self.backoff = backoff
        self._lock = threading.Lock()
        self.restricted_since: Optional[datetime] = None
        self._paused_until: Optional[datetime] = None
        self._restriction_logged: Optional[datetime] = None
        self.handover_disabled_since: Optional[datetime] = None
        self._handover_logged: Optional[datetime] = None

    # -- sending restricted ----------------------------------------------------------------------------

    def sending_paused_until(self) -> Optional[datetime]:
        """Until when nothing is sent (a back-off after Meta said the page is restricted), or None."""
        with self._lock:
            until = self._paused_until
        return until if until is not None and self._clock() < until else None

    def page_restricted(self) -> None:
        """Meta answered 10/1893063: back off, and tell the operators (once per back-off period)."""
        now = self._clock()
        with self._lock:
            self.restricted_since = self.restricted_since or now
            self._paused_until = now + self.backoff
            since, until = self.restricted_since, self._paused_until
            tell = self._restriction_logged is None or now - self._restriction_logged >= self.backoff
            if tell:
                self._restriction_logged = now
        if tell:
            logger.error(
                "Meta restricts this Facebook page from sending messages (Graph error 10, subcode 1893063) since %s: "
                "no Messenger message is sent until %s, then one tries again. A page admin must resolve the "
                "restriction in the Meta Business Suite (Page quality / Business support home).",
                since.isoformat(timespec="seconds"), until.isoformat(timespec="seconds"),
            )

    def message_accepted(self) -> None:
        """Meta took a message: the page is not (or no longer) restricted."""
        if self.restricted_since is None:  # the usual case, without taking the lock
            return
        with self._lock:
            since, self.restricted_since = self.restricted_since, None
            self._paused_until = self._restriction_logged = None
        if since is not None:
            logger.warning("The Facebook page may send messages again (restricted since %s)",
                           since.isoformat(timespec="seconds"))

    # -- thread control refused by Conversation Routing ----------------------------------------------------

    def handover_disabled(self) -> None:
        now = self._clock()
        with self._lock:
            self.handover_disabled_since = self.handover_disabled_since or now
            tell = self._handover_logged is None or now - self._handover_logged >= self.backoff
            if tell:
                self._handover_logged = now
        if tell:
            logger.error(
                "Meta refuses thread control for this page: \"Handover Protocol APIs disabled\". The page's "
                "Conversation Routing (Meta Business Suite) does not let this app pass or take conversations. "
                "Conversations asking for a person stay with the bot, paused, and staff answer them in the console. "
                "Fix: allow this app in the page's Conversation Routing, or set %s=false (docs/messenger.md).",
                HANDOVER_SETTING,
            )

    def handover_worked(self) -> None:
        if self.handover_disabled_since is None:
            return
        with self._lock:
            self.handover_disabled_since = self._handover_logged = None
        logger.info("Meta accepts thread control for this page again")

    # -- the signal ---------------------------------------------------------------------------------------

    def as_json(self) -> Dict[str, Any]:
        with self._lock:
            restricted, paused = self.restricted_since, self._paused_until
            handover = self.handover_disabled_since
        now = self._clock()
        return {
            "page_restricted": restricted is not None,
            "page_restricted_since": _iso(restricted),
            "sending_paused_until": _iso(paused) if paused is not None and now < paused else None,
            "handover_disabled": handover is not None,
            "handover_disabled_since": _iso(handover),
        }


def _iso(at: Optional[datetime]) -> Optional[str]:
    return at.isoformat(timespec="seconds") if at is not None else None
