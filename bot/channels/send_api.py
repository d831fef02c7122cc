"""Messenger's Send API, called asynchronously so the event loop never waits on Meta.

Every message goes out only when Meta's messaging window allows it
(`messaging_window.py`): `RESPONSE` within 24 hours of the customer's last
message, `MESSAGE_TAG` + `HUMAN_AGENT` for staff up to 7 days after it; anything
else is refused here, logged, and reported as not sent. Temporary failures are
retried (`graph_api.py`).
"""
from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import Any, Callable, Dict, Optional

from bot.channels.graph_api import GraphApi, GraphResult, RetryPolicy
from bot.channels.messaging_window import MessagingWindows, MessagingWindowStore, messaging_fields
from bot.pseudonyms import pseudonym

logger = logging.getLogger(__name__)

SendResult = GraphResult  # what `deliver` and `deliver_action` return
SENDER_ACTIONS = frozenset({"typing_on", "typing_off", "mark_seen"})
OUTSIDE_WINDOW = "outside the messaging window"

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


class SendApi:
    """Posts to `{graph_api_url}/me/messages` with the page access token.

    `windows` says when each customer last wrote (default: a new in-memory
    store, reachable as `send_api.windows`); the channel records every inbound
    message there. `graph` may be shared with other clients (e.g. `Handover`).
    """

    def __init__(
        self,
        graph_api_url: str,
        page_access_token: str,
        timeout_seconds: float = 10,
        *,
        retry: Optional[RetryPolicy] = None,
        windows: Optional[MessagingWindowStore] = None,
        clock: Clock = utc_now,
        graph: Optional[GraphApi] = None,
    ) -> None:
        self.graph = graph or GraphApi(graph_api_url, page_access_token, timeout_seconds, retry)
        self.windows: MessagingWindowStore = windows if windows is not None else MessagingWindows()
        self._clock = clock

    async def send_message(self, recipient_id: str, message: Dict[str, Any], *, from_staff: bool = False) -> bool:
        """Sends one message; True when Meta accepted it. See `deliver` for the details."""
        return (await self.deliver(recipient_id, message, from_staff=from_staff)).ok

    async def deliver(self, recipient_id: str, message: Dict[str, Any], *, from_staff: bool = False) -> SendResult:
        """Sends one message from the bot, or from a member of staff when `from_staff`.

        Refused locally (`result.refused`, nothing sent) outside the messaging
        window; retried on temporary failures; `result.permanent` when trying
        again cannot help.
        """
        fields = messaging_fields(await self.windows.last_customer_message(recipient_id), self._clock(), from_staff)
        if fields is None:
            logger.warning(
                "Send API: not sending a %s message to %s: %s",
                "staff" if from_staff else "bot", pseudonym(recipient_id), _window_reason(from_staff),
            )
            return GraphResult.refused_locally(OUTSIDE_WINDOW)
        body = {"recipient": {"id": recipient_id}, **fields, "message": message}
        return await self.graph.post("me/messages", body, recipient_id=recipient_id)

    async def send_action(self, recipient_id: str, action: str) -> bool:
        """Sends a sender action: `typing_on`, `typing_off` or `mark_seen`; True when Meta accepted it."""
        return (await self.deliver_action(recipient_id, action)).ok

    async def deliver_action(self, recipient_id: str, action: str) -> SendResult:
        """A sender action, only within 24 hours of the customer's last message (or when that time is unknown)."""
        if action not in SENDER_ACTIONS:
            raise ValueError(f"unknown sender action {action!r}")
        last = await self.windows.last_customer_message(recipient_id)
        if messaging_fields(last, self._clock(), from_staff=False) is None:
            logger.info("Send API: no %s for %s: %s", action, pseudonym(recipient_id), OUTSIDE_WINDOW)
            return GraphResult.refused_locally(OUTSIDE_WINDOW)
        body = {"recipient": {"id": recipient_id}, "sender_action": action}
        return await self.graph.post("me/messages", body, recipient_id=recipient_id)

    async def close(self) -> None:
        await self.graph.close()


def _window_reason(from_staff: bool) -> str:
    if from_staff:
        return "staff may write within 7 days of the customer's last known message only"
    return "more than 24 hours since the customer's last message"
