"""Thread control under Meta's Conversation Routing: who answers a conversation, the bot or people.

Conversation Routing (which replaced the handover protocol) keeps the handover protocol's endpoints,
each working when the page's routing lets this app use it:

    POST {graph}/me/pass_thread_control     {"recipient": {"id": PSID}, "target_app_id": ..., "metadata": ...}
    POST {graph}/me/take_thread_control     {"recipient": {"id": PSID}, "metadata": ...}
    POST {graph}/me/request_thread_control  {"recipient": {"id": PSID}, "metadata": ...}
    POST {graph}/me/release_thread_control  {"recipient": {"id": PSID}}

When the bot hands a customer to an advisor it passes the thread to the Page Inbox
(`FB_PAGE_INBOX_APP_ID`, Meta's Page Inbox app by default); when staff hand the conversation back
in the console, the bot takes it back. When the Page Inbox passes the thread back (or releases it),
Meta tells the bot's webhook (`messaging_handovers`) and the handoff ends
(bot/handoff/thread_control.py). Off unless `FB_HANDOVER_ENABLED`: then every call is refused
locally (`result.refused`) and nothing reaches Meta. Calls are retried like Send API calls
(`graph_api.py`).

A page whose Conversation Routing does not let this app use these endpoints answers "Handover
Protocol APIs disabled": logged at error level with the setting to fix, and shown in the channel's
health (`page_health.py`); the conversation stays with the bot's app, paused, and staff answer it in
the console.
"""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Dict, Optional

from bot.channels.messenger.graph_api import GraphApi, GraphResult
from bot.channels.messenger.page_health import PageHealth, is_handover_disabled
from bot.privacy.pseudonyms import pseudonym

if TYPE_CHECKING:
    from bot.settings import Settings

logger = logging.getLogger(__name__)

META_PAGE_INBOX_APP_ID = "263902037430900"
MAX_METADATA = 1000
HANDOVER_DISABLED = "the handover protocol is disabled (FB_HANDOVER_ENABLED)"
# Webhook fields (`messaging_handovers`) saying the thread came back to this app.
BACK_TO_THIS_APP = ("pass_thread_control", "release_thread_control")


class Handover:
    """Thread control for the page's conversations."""

    def __init__(
        self,
        graph: GraphApi,
        *,
        enabled: bool,
        page_inbox_app_id: str = META_PAGE_INBOX_APP_ID,
        health: Optional[PageHealth] = None,
    ) -> None:
        self.graph = graph
        self.enabled = enabled
        self.page_inbox_app_id = page_inbox_app_id
        self.health = health if health is not None else PageHealth()

    @classmethod
    def from_settings(
        cls, settings: "Settings", graph: Optional[GraphApi] = None, health: Optional[PageHealth] = None,
    ) -> "Handover":
        """From FB_HANDOVER_ENABLED and FB_PAGE_INBOX_APP_ID; `graph` may be the Send API's (`send_api.graph`)."""
        return cls(
            graph or GraphApi.from_settings(settings),
            enabled=settings.fb_handover_enabled,
            page_inbox_app_id=settings.fb_page_inbox_app_id,
            health=health,
        )

    def returns_to_this_app(self, kind: str, app_id: Optional[str]) -> bool:
        """Whether a `messaging_handovers` notification gives the thread back to this app.

        Meta sends `pass_thread_control` to the app the thread is passed to (`app_id`, the new owner);
        one naming the Page Inbox is not about this app. A release returns the thread to the page's
        routing, whose app for new conversations is this one.
        """
        if kind not in BACK_TO_THIS_APP:
            return False
        return app_id is None or str(app_id) != str(self.page_inbox_app_id)

    async def pass_thread_control(
        self, psid: str, target_app_id: Optional[str] = None, metadata: str = ""
    ) -> GraphResult:
        """Gives the conversation to `target_app_id` (default: the Page Inbox)."""
        target = str(target_app_id or self.page_inbox_app_id)
        return await self._call("pass_thread_control", psid, metadata, {"target_app_id": target})

    async def take_thread_control(self, psid: str, metadata: str = "") -> GraphResult:
        """Takes the conversation back for the bot (the page's routing must allow this app to)."""
        return await self._call("take_thread_control", psid, metadata, {})

    async def request_thread_control(self, psid: str, metadata: str = "") -> GraphResult:
        """Asks the app that owns the conversation to pass it to the bot."""
        return await self._call("request_thread_control", psid, metadata, {})

    async def release_thread_control(self, psid: str) -> GraphResult:
        """Lets go of a conversation this app owns: the page's routing decides who has it next."""
        return await self._call("release_thread_control", psid, "", {})

    async def _call(self, edge: str, psid: str, metadata: str, extra: Dict[str, Any]) -> GraphResult:
        if len(metadata) > MAX_METADATA:
            raise ValueError(f"metadata must have at most {MAX_METADATA} characters")
        if not self.enabled:
            logger.info("Handover: %s for %s skipped: %s", edge, pseudonym(psid), HANDOVER_DISABLED)
            return GraphResult.refused_locally(HANDOVER_DISABLED)
        body: Dict[str, Any] = {"recipient": {"id": psid}, **extra}
        if metadata:
            body["metadata"] = metadata
        result = await self.graph.post(f"me/{edge}", body, recipient_id=psid)
        if result.ok:
            self.health.handover_worked()
            logger.info("Handover: %s for %s done", edge, pseudonym(psid))
        elif is_handover_disabled(result.error_message):
            self.health.handover_disabled()  # the error log for operators, at most once per period
        return result

    async def close(self) -> None:
        await self.graph.close()


def refused_by_routing(result: GraphResult) -> bool:
    """Meta answered that the page's Conversation Routing does not let this app control threads."""
    return not result.ok and is_handover_disabled(result.error_message)
