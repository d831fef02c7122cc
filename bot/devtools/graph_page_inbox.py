"""The Graph API stand-in's page: a person in the Page Inbox moving a conversation, and the page's condition.

Mixed into `GraphStandin` (graph_standin.py), whose state it reads and changes: `thread_owners`,
`app_id`, `page_id`, `restricted`, `handover_apis`, `feedback_template`. Each move returns the webhook batch Meta would post
to the bot's app (field `messaging_handovers`), unsigned: a test or the sandbox signs and posts it.
"""
from __future__ import annotations

from typing import Any, Dict

from aiohttp import web

from bot.devtools.graph_records import json_or_none
from bot.devtools.graph_rules import PAGE_INBOX_APP_ID, handover_notification


class PageInboxMoves:
    thread_owners: Dict[str, str]
    app_id: str
    page_id: str
    restricted: bool
    handover_apis: bool
    feedback_template: bool

    def page_inbox_passes_back(self, recipient_id: str, metadata: str = "") -> Dict[str, Any]:
        """A person marks the conversation done in the Page Inbox: the thread goes back to the bot's app.

        Returns the webhook batch Meta posts to the bot's app (`pass_thread_control`).
        """
        self.thread_owners[recipient_id] = self.app_id
        return handover_notification("pass_thread_control", recipient_id, self.page_id, PAGE_INBOX_APP_ID,
                                     self.app_id, metadata)

    def page_inbox_releases(self, recipient_id: str) -> Dict[str, Any]:
        """The Page Inbox lets go of the thread: it goes back to the page's routing (idle here)."""
        self.thread_owners.pop(recipient_id, None)
        return handover_notification("release_thread_control", recipient_id, self.page_id, PAGE_INBOX_APP_ID, None)

    def page_inbox_takes(self, recipient_id: str, metadata: str = "") -> Dict[str, Any]:
        """A person takes the conversation in the Page Inbox; Meta tells the app it was taken from."""
        previous = self.thread_owners.get(recipient_id, self.app_id)
        self.thread_owners[recipient_id] = PAGE_INBOX_APP_ID
        return handover_notification("take_thread_control", recipient_id, self.page_id, previous,
                                     PAGE_INBOX_APP_ID, metadata)

    # --- the stand-in's endpoints for them -----------------------------------------------------------------

    async def _read_page(self, _: web.Request) -> web.Response:
        return web.json_response({"restricted": self.restricted, "handover_apis": self.handover_apis,
                                  "feedback_template": self.feedback_template})

    async def _set_page(self, request: web.Request) -> web.Response:
        body = await json_or_none(request)
        if not isinstance(body, dict) or not set(body) <= {"restricted", "handover_apis", "feedback_template"} or not all(
                isinstance(value, bool) for value in body.values()):
            return web.json_response({"error": {"message": "expected {\"restricted\": bool, \"handover_apis\": bool, "
                                                           "\"feedback_template\": bool}"}}, status=400)
        self.restricted = body.get("restricted", self.restricted)
        self.handover_apis = body.get("handover_apis", self.handover_apis)
        self.feedback_template = body.get("feedback_template", self.feedback_template)
        return await self._read_page(request)

    async def _page_inbox(self, request: web.Request) -> web.Response:
        body = await json_or_none(request)
        recipient = body.get("recipient") if isinstance(body, dict) else None
        action = body.get("action") if isinstance(body, dict) else None
        moves = {"pass_back": self.page_inbox_passes_back, "release": self.page_inbox_releases,
                 "take": self.page_inbox_takes}
        if not isinstance(recipient, str) or not recipient or action not in moves:
            return web.json_response({"error": {"message": "expected {\"recipient\": PSID, \"action\": "
                                                           "\"pass_back\" | \"release\" | \"take\"}"}}, status=400)
        webhook = moves[action](recipient)
        owner = self.thread_owners.get(recipient)
        return web.json_response({"webhook": webhook, "thread_owner": {"app_id": owner} if owner else None})
