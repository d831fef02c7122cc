"""A local stand-in for Meta's Graph API (Send API), for development and tests.

It answers like Meta does: it checks the page access token and the shape of
each request, refuses what Meta would refuse with a Graph-style error, and
records what it accepted so a developer (`python -m bot messenger chat`) or a
test can read the replies a customer would have seen:

    POST /{version}/me/messages?access_token=...   the Send API
    GET  /_standin/messages?recipient=PSID&after=N what was sent, in order
    GET  /health
"""
from __future__ import annotations

import asyncio
import itertools
import re
import time
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

from aiohttp import web

MESSAGING_TYPES = {"RESPONSE", "UPDATE", "MESSAGE_TAG"}
SENDER_ACTIONS = {"typing_on", "typing_off", "mark_seen"}
MAX_TEXT = 2000
MAX_QUICK_REPLIES = 13
MAX_QUICK_REPLY_TITLE = 20
_VERSION = re.compile(r"^v\d+\.\d+$")


@dataclass
class SentRequest:
    seq: int
    recipient_id: str
    body: Dict[str, Any]
    received_at: float

    def as_json(self) -> Dict[str, Any]:
        return {"seq": self.seq, "recipient_id": self.recipient_id, "body": self.body, "received_at": self.received_at}


@dataclass
class GraphStandin:
    """The stand-in's state: the page token it accepts and what it was sent."""

    page_access_token: str
    sent: List[SentRequest] = field(default_factory=list)
    _seq: "itertools.count[int]" = field(default_factory=lambda: itertools.count(1))

    def messages_for(self, recipient_id: str, after: int = 0) -> List[SentRequest]:
        return [s for s in self.sent if s.recipient_id == recipient_id and s.seq > after]

    def texts_for(self, recipient_id: str) -> List[str]:
        """The visible text of each message sent to `recipient_id` (sender actions left out)."""
        return [visible_text(s.body) for s in self.messages_for(recipient_id) if "message" in s.body]

    async def wait_for_messages(self, recipient_id: str, count: int, timeout: float = 30) -> List[SentRequest]:
        """Waits until at least `count` messages (not sender actions) went to `recipient_id`."""
        deadline = time.monotonic() + timeout
        while True:
            messages = [s for s in self.messages_for(recipient_id) if "message" in s.body]
            if len(messages) >= count or time.monotonic() > deadline:
                return messages
            await asyncio.sleep(0.05)

    def record(self, recipient_id: str, body: Dict[str, Any]) -> SentRequest:
        sent = SentRequest(next(self._seq), recipient_id, body, time.time())
        self.sent.append(sent)
        return sent

    def app(self) -> web.Application:
        application = web.Application(client_max_size=1024 * 1024)
        application.router.add_post("/{version}/me/messages", self._send_api)
        application.router.add_get("/_standin/messages", self._read_messages)
        application.router.add_get("/health", self._health)
        return application

    async def _health(self, _: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def _read_messages(self, request: web.Request) -> web.Response:
        recipient = request.query.get("recipient", "")
        try:
            after = int(request.query.get("after", "0"))
        except ValueError:
            return web.json_response({"error": {"message": "after must be a whole number"}}, status=400)
        messages = [s.as_json() for s in self.messages_for(recipient, after)]
        return web.json_response({"messages": messages})

    async def _send_api(self, request: web.Request) -> web.Response:
        if not _VERSION.match(request.match_info["version"]):
            return _graph_error(400, 2500, "Unknown path components: /" + request.match_info["version"])
        token = request.query.get("access_token") or _bearer(request)
        if token != self.page_access_token:
            return _graph_error(400, 190, "Invalid OAuth access token - Cannot parse access token", "OAuthException")
        try:
            body = await request.json()
        except ValueError:
            return _graph_error(400, 100, "Invalid JSON body")
        problem = request_problem(body)
        if problem:
            return _graph_error(400, 100, f"(#100) {problem}")
        recipient_id = str(body["recipient"]["id"])
        sent = self.record(recipient_id, body)
        if "sender_action" in body:
            return web.json_response({"recipient_id": recipient_id})
        return web.json_response({"recipient_id": recipient_id, "message_id": f"m_standin_{sent.seq}"})


def request_problem(body: Any) -> Optional[str]:
    """What Meta would object to in a Send API request body, or None."""
    if not isinstance(body, dict):
        return "The request body must be an object"
    recipient = body.get("recipient")
    if not isinstance(recipient, dict) or not recipient.get("id"):
        return "param recipient[id] must be non-empty"
    has_message, has_action = "message" in body, "sender_action" in body
    if has_message == has_action:
        return "Exactly one of message and sender_action must be given"
    if has_action:
        return None if body["sender_action"] in SENDER_ACTIONS else "param sender_action is not valid"
    if body.get("messaging_type") not in MESSAGING_TYPES:
        return "param messaging_type must be one of RESPONSE, UPDATE, MESSAGE_TAG"
    message = body["message"]
    if not isinstance(message, dict) or ("text" in message) == ("attachment" in message):
        return "param message must have exactly one of text and attachment"
    text = message.get("text")
    if text is not None and (not isinstance(text, str) or not text or len(text) > MAX_TEXT):
        return f"param message[text] must be a non-empty UTF-8 string of at most {MAX_TEXT} characters"
    quick_replies = message.get("quick_replies")
    if quick_replies is not None:
        if not isinstance(quick_replies, list) or not 0 < len(quick_replies) <= MAX_QUICK_REPLIES:
            return f"param message[quick_replies] must have 1 to {MAX_QUICK_REPLIES} elements"
        for reply in quick_replies:
            if reply.get("content_type") == "text" and not 0 < len(reply.get("title", "")) <= MAX_QUICK_REPLY_TITLE:
                return f"quick reply titles must have 1 to {MAX_QUICK_REPLY_TITLE} characters"
    return None


def visible_text(body: Dict[str, Any]) -> str:
    """The text a customer sees in a Send API message body (template text included)."""
    message = body.get("message") or {}
    if "text" in message:
        return message["text"]
    payload = (message.get("attachment") or {}).get("payload") or {}
    if payload.get("template_type") == "button":
        return payload.get("text", "")
    if payload.get("template_type") == "generic":
        return "\n".join(f"{e.get('title', '')} {e.get('subtitle', '')}".strip() for e in payload.get("elements", []))
    return ""


def _bearer(request: web.Request) -> str:
    header = request.headers.get("Authorization", "")
    return header[len("Bearer "):] if header.startswith("Bearer ") else ""


def _graph_error(status: int, code: int, message: str, error_type: str = "OAuthException") -> web.Response:
    return web.json_response(
        {"error": {"message": message, "type": error_type, "code": code, "fbtrace_id": "standin"}}, status=status
    )


def serve(host: str, port: int) -> None:
    from bot.settings import get_settings

    standin = GraphStandin(page_access_token=get_settings().fb_page_access_token)
    web.run_app(standin.app(), host=host, port=port, print=None, access_log=None)  # URLs carry the page token
