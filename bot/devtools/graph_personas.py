"""The Graph API stand-in's Personas API, as Meta documents it (April 2026):

    POST   /{version}/me/personas      {"name": "Amélie D.", "profile_picture_url": "https://..."}  ->  {"id": ...}
           (or /{version}/{PAGE_ID}/personas)
    GET    /{version}/me/personas      {"data": [{"id", "name", "profile_picture_url"}, ...]}
    DELETE /{version}/{PERSONA_ID}     {"success": true}

A name is required, 50 characters at most; the picture's address is required (Meta downloads it: here it must
only be an http(s) address). A Send API message with a `persona_id` the page does not have is refused with
error 100, as a deleted persona is. `/_standin/messages` names the persona of each message that has one
(`persona`: {"id", "name"}), for the sandbox to show above it as Messenger does.
"""
from __future__ import annotations

import re
from typing import Any, Dict, Optional

from aiohttp import web

from bot.devtools.graph_records import SentRequest, graph_error, json_or_none

NAME_MAX_LENGTH = 50
_HTTP_URL = re.compile(r"https?://[^\s/]+/\S*")


class GraphPersonas:
    """Mixed into GraphStandin, whose fields hold `personas` (id -> {"id", "name", "profile_picture_url"}) and
    `sent_personas`."""

    personas: Dict[str, Dict[str, str]]
    sent_personas: Dict[int, Dict[str, str]]  # a message's seq -> the persona it was sent under
    page_id: str

    def persona_problem(self, body: Dict[str, Any]) -> Optional[str]:
        """Why a Send API body's `persona_id` is refused, or None (no persona, or one of the page's)."""
        persona_id = body.get("persona_id")
        if persona_id is None or (isinstance(persona_id, str) and persona_id in self.personas):
            return None
        return f"Param persona_id must be a persona of this page (stand-in): {persona_id!r}"

    def sent_under_persona(self, sent: SentRequest) -> None:
        """Notes the persona a message was sent under, as it was then (Messenger keeps the name on the message)."""
        found = self.personas.get(str(sent.body.get("persona_id") or ""))
        if found is not None:
            self.sent_personas[sent.seq] = {"id": found["id"], "name": found["name"]}

    def persona_of(self, sent: SentRequest) -> Dict[str, Any]:
        """{"persona": {"id", "name"}} for a message sent under a persona, else {}."""
        found = self.sent_personas.get(sent.seq)
        return {"persona": dict(found)} if found else {}

    async def _create_persona(self, request: web.Request) -> web.Response:
        refused = await self._page_refusal(request)  # type: ignore[attr-defined]
        if refused is None and request.match_info["page"] not in ("me", self.page_id):
            refused = graph_error(400, 100, "(#100) Personas are created on the page itself (me or its id)")
        if refused is None:
            body = await json_or_none(request)
            problem = _persona_problem(body)
            if problem is not None:
                refused = graph_error(400, 100, f"(#100) {problem}")
        if refused is not None:
            return self._answered(request, "personas", None, refused)  # type: ignore[attr-defined]
        persona_id = f"standin_persona_{len(self.personas) + 1}"
        self.personas[persona_id] = {"id": persona_id, "name": body["name"],
                                     "profile_picture_url": body["profile_picture_url"]}
        return self._answered(request, "personas", None,  # type: ignore[attr-defined]
                              web.json_response({"id": persona_id}))

    async def _list_personas(self, request: web.Request) -> web.Response:
        refused = await self._page_refusal(request)  # type: ignore[attr-defined]
        if refused is not None:
            return self._answered(request, "personas", None, refused)  # type: ignore[attr-defined]
        return self._answered(request, "personas", None,  # type: ignore[attr-defined]
                              web.json_response({"data": list(self.personas.values())}))

    async def _delete_persona(self, request: web.Request) -> web.Response:
        refused = await self._page_refusal(request)  # type: ignore[attr-defined]
        persona_id = request.match_info["node"]
        if refused is None and persona_id not in self.personas:
            refused = graph_error(400, 100, f"(#100) Unsupported delete request: no persona {persona_id!r}")
        if refused is not None:
            return self._answered(request, "personas", None, refused)  # type: ignore[attr-defined]
        del self.personas[persona_id]
        return self._answered(request, "personas", None,  # type: ignore[attr-defined]
                              web.json_response({"success": True}))


def _persona_problem(body: Any) -> Optional[str]:
    if not isinstance(body, dict):
        return "a JSON object with name and profile_picture_url is required"
    name, picture = body.get("name"), body.get("profile_picture_url")
    if not isinstance(name, str) or not name.strip():
        return "The parameter name is required"
    if len(name) > NAME_MAX_LENGTH:
        return f"Param name must be at most {NAME_MAX_LENGTH} characters long"
    if not isinstance(picture, str) or not _HTTP_URL.fullmatch(picture):
        return "The parameter profile_picture_url is required and must be a URL"
    return None
