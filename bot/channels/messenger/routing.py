"""Messenger's handover protocol: who answers a conversation, the bot or the Page Inbox (people).

    POST {graph}/me/pass_thread_control     {"recipient": {"id": PSID}, "target_app_id": ..., "metadata": ...}
    POST {graph}/me/take_thread_control     {"recipient": {"id": PSID}, "metadata": ...}
    POST {graph}/me/request_thread_control  {"recipient": {"id": PSID}, "metadata": ...}

When the bot hands a customer to an advisor it passes the thread to the Page
Inbox (`FB_PAGE_INBOX_APP_ID`, Meta's Page Inbox app by default); when the
advisor is done, the bot takes it back. Off unless `FB_HANDOVER_ENABLED`: then
every call is refused locally (`result.refused`) and nothing reaches Meta.
Calls are retried like Send API calls (`graph_api.py`).
"""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Dict, Optional

from bot.channels.messenger.graph_api import GraphApi, GraphResult
from bot.privacy.pseudonyms import pseudonym

if TYPE_CHECKING:
    from bot.settings import Settings

logger = logging.getLogger(__name__)

META_PAGE_INBOX_APP_ID = "263902037430900"
MAX_METADATA = 1000
HANDOVER_DISABLED = "the handover protocol is disabled (FB_HANDOVER_ENABLED)"


class Handover:
    """Thread control for the page's conversations."""

    def __init__(self, graph: GraphApi, *, enabled: bool, page_inbox_app_id: str = META_PAGE_INBOX_APP_ID) -> None:
        self.graph = graph
        self.enabled = enabled
        self.page_inbox_app_id = page_inbox_app_id

    @classmethod
    def from_settings(cls, settings: "Settings", graph: Optional[GraphApi] = None) -> "Handover":
        """From FB_HANDOVER_ENABLED and FB_PAGE_INBOX_APP_ID; `graph` may be the Send API's (`send_api.graph`)."""
        return cls(
            graph or GraphApi.from_settings(settings),
            enabled=settings.fb_handover_enabled,
            page_inbox_app_id=settings.fb_page_inbox_app_id,
        )

    async def pass_thread_control(
        self, psid: str, target_app_id: Optional[str] = None, metadata: str = ""
    ) -> GraphResult:
        """Gives the conversation to `target_app_id` (default: the Page Inbox)."""
        target = str(target_app_id or self.page_inbox_app_id)
        return await self._call("pass_thread_control", psid, metadata, {"target_app_id": target})

    async def take_thread_control(self, psid: str, metadata: str = "") -> GraphResult:
        """Takes the conversation back for the bot (the bot's app must be the page's primary receiver)."""
        return await self._call("take_thread_control", psid, metadata, {})

    async def request_thread_control(self, psid: str, metadata: str = "") -> GraphResult:
        """Asks the app that owns the conversation to pass it to the bot."""
        return await self._call("request_thread_control", psid, metadata, {})

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
            logger.info("Handover: %s for %s done", edge, pseudonym(psid))
        return result

    async def close(self) -> None:
        await self.graph.close()
