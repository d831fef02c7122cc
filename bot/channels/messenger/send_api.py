"""Messenger's Send API, called asynchronously so the event loop never waits on Meta.

Every message goes out only when Meta's messaging window allows it
(`messaging_window.py`): `RESPONSE` within 24 hours of the customer's last
message, `MESSAGE_TAG` + `HUMAN_AGENT` for staff up to 7 days after it; anything
else is refused here, logged, and reported as not sent. Temporary failures are
retried (`graph_api.py`). When Meta says the page is restricted from sending
messages (error 10, subcode 1893063), nothing is sent for a few minutes
(`page_health.py`): every message and sender action is refused here meanwhile,
without a request, so a restricted page never gets a storm of calls.

Sender actions (`mark_seen`, `typing_on`) are sent without making the caller
wait for Meta's answer: the channel sends two before each reply is worked out,
and waiting for both round trips put them on every reply's critical path
(bench/README.md). The next message or action to the same customer waits for
them, so Meta still gets everything in the order it was asked for.
"""
from __future__ import annotations

import asyncio
import json
import logging
from datetime import datetime
from typing import Any, Dict, Optional, Set

from bot.channels.messenger.graph_api import GraphApi, GraphResult, RetryPolicy, Upload
from bot.channels.messenger.messaging_window import MessagingWindows, MessagingWindowStore, messaging_fields
from bot.channels.messenger.page_health import PageHealth, is_page_restricted
from bot.clock import Clock, utc_now
from bot.privacy.pseudonyms import pseudonym

logger = logging.getLogger(__name__)

SendResult = GraphResult  # what `deliver` and `deliver_action` return
SENDER_ACTIONS = frozenset({"typing_on", "typing_off", "mark_seen"})
OUTSIDE_WINDOW = "outside the messaging window"
PAGE_RESTRICTED = "Meta restricts the page from sending messages; sending is paused for a few minutes"


class SendApi:
    """Posts to `{graph_api_url}/me/messages` with the page access token.

    `windows` says when each customer last wrote (default: a new in-memory
    store, reachable as `send_api.windows`); the channel records every inbound
    message there. `graph` may be shared with other clients (e.g. `Handover`).
    `health` is the page's condition (`page_health.py`; default: a new one, `send_api.health`).
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
        health: Optional[PageHealth] = None,
    ) -> None:
        self.graph = graph or GraphApi(graph_api_url, page_access_token, timeout_seconds, retry)
        self.windows: MessagingWindowStore = windows if windows is not None else MessagingWindows()
        self._clock = clock
        self.health = health if health is not None else PageHealth(clock)
        # Per customer, the latest sender action still on its way to Meta (sent in the background).
        self._pending: Dict[str, "asyncio.Task[SendResult]"] = {}
        self._all_pending: Set["asyncio.Task[SendResult]"] = set()

    async def send_message(self, recipient_id: str, message: Dict[str, Any], *, from_staff: bool = False) -> bool:
        """Sends one message; True when Meta accepted it. See `deliver` for the details."""
        return (await self.deliver(recipient_id, message, from_staff=from_staff)).ok

    async def deliver(self, recipient_id: str, message: Dict[str, Any], *, from_staff: bool = False,
                      persona_id: Optional[str] = None) -> SendResult:
        """Sends one message from the bot, or from a member of staff when `from_staff` (under their persona, the
        name and picture Messenger shows above it, when `persona_id`: bot/handoff/personas.py).

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
        if self._paused(recipient_id, "message"):
            return GraphResult.refused_locally(PAGE_RESTRICTED)
        body = {"recipient": {"id": recipient_id}, **fields, "message": message}
        if persona_id:
            body["persona_id"] = persona_id
        await self._after_pending(recipient_id)
        return self._noted(await self.graph.post("me/messages", body, recipient_id=recipient_id))

    async def send_image(self, recipient_id: str, png: bytes, filename: str = "chart.png") -> bool:
        """Sends an image from memory (a chart): uploaded with the message itself, as Meta documents the Send API
        with a local file (multipart form: `recipient`, `messaging_type`, `message` with an image attachment whose
        payload has no URL, and the file as `filedata`). No public URL is needed, and the image is not kept for
        reuse (`is_reusable` false). Same window and page rules as `deliver`; True when Meta accepted it."""
        fields = messaging_fields(await self.windows.last_customer_message(recipient_id), self._clock(), False)
        if fields is None:
            logger.warning("Send API: not sending an image to %s: %s", pseudonym(recipient_id), _window_reason(False))
            return False
        if self._paused(recipient_id, "image"):
            return False
        message = {"attachment": {"type": "image", "payload": {"is_reusable": False}}}
        form = {"recipient": json.dumps({"id": recipient_id}), "message": json.dumps(message)}
        form.update(fields)
        upload = Upload(fields=form, data=png, filename=filename, content_type="image/png")
        await self._after_pending(recipient_id)
        return self._noted(await self.graph.post_upload("me/messages", upload, recipient_id=recipient_id)).ok

    async def send_action(self, recipient_id: str, action: str) -> bool:
        """Sends a sender action: `typing_on`, `typing_off` or `mark_seen`, without waiting for Meta.

        False when it is refused here (outside the messaging window); True when it is
        on its way. Meta's answer is not waited for (a failure is logged by the Graph
        client); the next message or action to `recipient_id` goes after it.
        Use `deliver_action` to wait for Meta's answer.
        """
        if self._action_refused(recipient_id, action, await self.windows.last_customer_message(recipient_id)):
            return False
        if self._paused(recipient_id, action):
            return False
        previous = self._pending_here(recipient_id)
        task = asyncio.ensure_future(self._post_action(recipient_id, action, previous))
        self._pending[recipient_id] = task
        self._all_pending.add(task)
        task.add_done_callback(lambda done: self._forget(recipient_id, done))
        return True

    async def deliver_action(self, recipient_id: str, action: str) -> SendResult:
        """A sender action, only within 24 hours of the customer's last message (or when that time is unknown)."""
        if self._action_refused(recipient_id, action, await self.windows.last_customer_message(recipient_id)):
            return GraphResult.refused_locally(OUTSIDE_WINDOW)
        if self._paused(recipient_id, action):
            return GraphResult.refused_locally(PAGE_RESTRICTED)
        await self._after_pending(recipient_id)
        return await self._post_action(recipient_id, action, None)

    async def close(self) -> None:
        """Sends what is still on its way, then closes the HTTP session."""
        loop = asyncio.get_running_loop()
        here = [task for task in self._all_pending if task.get_loop() is loop]
        if here:
            await asyncio.gather(*here, return_exceptions=True)
        await self.graph.close()

    def _action_refused(self, recipient_id: str, action: str, last: Optional[datetime]) -> bool:
        if action not in SENDER_ACTIONS:
            raise ValueError(f"unknown sender action {action!r}")
        if messaging_fields(last, self._clock(), from_staff=False) is None:
            logger.info("Send API: no %s for %s: %s", action, pseudonym(recipient_id), OUTSIDE_WINDOW)
            return True
        return False

    async def _post_action(
        self, recipient_id: str, action: str, previous: "Optional[asyncio.Task[SendResult]]"
    ) -> SendResult:
        if previous is not None:
            await asyncio.wait([previous])  # its outcome is its own; only the order matters here
        body = {"recipient": {"id": recipient_id}, "sender_action": action}
        return self._noted(await self.graph.post("me/messages", body, recipient_id=recipient_id))

    def _paused(self, recipient_id: str, what: str) -> bool:
        """True while sending is paused because Meta restricts the page (the error was logged when it came)."""
        until = self.health.sending_paused_until()
        if until is None:
            return False
        logger.info("Send API: no %s for %s: the page is restricted, sending paused until %s",
                    what, pseudonym(recipient_id), until.isoformat(timespec="seconds"))
        return True

    def _noted(self, result: SendResult) -> SendResult:
        if is_page_restricted(result.code, result.subcode):
            self.health.page_restricted()
        elif result.ok:
            self.health.message_accepted()
        return result

    async def _after_pending(self, recipient_id: str) -> None:
        """Waits until the sender actions already on their way to `recipient_id` reached Meta (or failed)."""
        pending = self._pending_here(recipient_id)
        if pending is not None:
            await asyncio.wait([pending])  # not cancelled if the caller is

    def _pending_here(self, recipient_id: str) -> "Optional[asyncio.Task[SendResult]]":
        """The customer's action on its way, if it belongs to the running event loop (one left behind
        by a loop that was closed will never finish)."""
        pending = self._pending.get(recipient_id)
        if pending is not None and pending.get_loop() is not asyncio.get_running_loop():
            self._all_pending.discard(pending)
            del self._pending[recipient_id]
            return None
        return pending

    def _forget(self, recipient_id: str, task: "asyncio.Task[SendResult]") -> None:
        self._all_pending.discard(task)
        if self._pending.get(recipient_id) is task:
            del self._pending[recipient_id]
        if not task.cancelled() and task.exception() is not None:
            logger.error("Send API: sender action for %s failed: %s", pseudonym(recipient_id),
                         type(task.exception()).__name__)


def _window_reason(from_staff: bool) -> str:
    if from_staff:
        return "staff may write within 7 days of the customer's last known message only"
    return "more than 24 hours since the customer's last message"
