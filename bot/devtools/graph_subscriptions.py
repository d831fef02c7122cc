"""The Graph API stand-in's `/{version}/me/subscribed_apps`: which webhook fields the page's app receives.

Mixed into `GraphStandin` (graph_standin.py). As Meta does: `subscribed_fields` (a comma-separated
string or a list) must name fields Meta knows, else Graph error 100; GET lists the app with its fields.
"""
from __future__ import annotations

from typing import Any, List, Optional

from aiohttp import web

from bot.devtools.graph_records import graph_error

# The page webhook fields Meta documents for Messenger apps (and `feed` for page posts).
KNOWN_FIELDS = frozenset({
    "messages", "messaging_postbacks", "messaging_optins", "message_deliveries", "message_reads",
    "message_reactions", "message_echoes", "messaging_handovers", "standby", "messaging_referrals",
    "messaging_feedback", "messaging_policy_enforcement", "messaging_customer_information",
    "message_edits", "feed",
})


def subscription_fields(body: Any) -> "tuple[Optional[List[str]], Optional[str]]":
    """The fields a subscription asks for, or the problem Meta would report."""
    raw = body.get("subscribed_fields") if isinstance(body, dict) else None
    fields = raw.split(",") if isinstance(raw, str) else raw
    if not isinstance(fields, list) or not fields or not all(isinstance(f, str) and f.strip() for f in fields):
        return None, "(#100) The parameter subscribed_fields is required"
    fields = [f.strip() for f in fields]
    unknown = sorted(set(fields) - KNOWN_FIELDS)
    if unknown:
        return None, f"(#100) Param subscribed_fields[{unknown[0]}] must be one of {{{', '.join(sorted(KNOWN_FIELDS))}}}"
    return fields, None


class SubscribedApps:
    app_id: str
    subscribed_fields: List[str]

    async def _subscribe(self, request: web.Request) -> web.Response:
        refused = self._check_request(request)  # type: ignore[attr-defined]
        if refused is not None:
            return refused
        try:
            body = await request.json()
        except ValueError:
            body = None
        fields, problem = subscription_fields(body)
        if problem is not None or fields is None:
            return graph_error(400, 100, problem or "invalid request")
        self.subscribed_fields = fields
        return web.json_response({"success": True})

    async def _read_subscriptions(self, request: web.Request) -> web.Response:
        refused = self._check_request(request)  # type: ignore[attr-defined]
        if refused is not None:
            return refused
        apps = [{"id": self.app_id, "subscribed_fields": self.subscribed_fields}] if self.subscribed_fields else []
        return web.json_response({"data": apps})
