"""The Rasa server's HTTP surface cut to what the branch uses, and its request bodies bounded.

Rasa 3.6 run with `--enable-api` gives the bearer of RASA_API_TOKEN its whole HTTP API: load
another model (PUT /model), train, parse, run any action or intent in any conversation
(`/conversations/<id>/execute`, `trigger_intent`, `predict`, `messages`), rewrite a tracker. The
branch makes two calls, both from the staff console (bot/handoff/rasa_control.py): read a
conversation (GET `/conversations/<id>/tracker`) and append events to it (POST
`/conversations/<id>/tracker/events`: pause, resume, a message from staff). A request middleware
answers 403 to every other route that is not a channel (`/webhooks/...`, the web chat's socket.io),
whether or not the request carries the token: a leaked token does what the console does, no more.
The events appended are the console's kinds only (`CONSOLE_EVENTS`: pause, resume, a bot message,
listen): never a slot (`identity` is set by actions alone), a user message or an action to run.
Routes are matched as Sanic resolved them (method and route pattern), not by the raw path.

Bodies: Rasa leaves Sanic's REQUEST_MAX_SIZE at 100 MB. Here it is REQUEST_MAX_BYTES: Sanic refuses a
longer body from its Content-Length before reading it, or as soon as a chunked one passes the limit
(413). Sanic never decompresses a request body, and neither does Rasa's API; a Content-Encoding other
than identity gets 415 all the same, so no handler is ever given compressed bytes.

`install(app)` is called by the Messenger channel before the server starts (every Rasa server of
the branch has that channel: credentials.yml).
"""
from __future__ import annotations

import logging
from typing import Optional

from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

logger = logging.getLogger(__name__)

REQUEST_MAX_BYTES = 1024 * 1024
# Rasa's routes the staff console calls (bot/handoff/rasa_control.py), as (method, Sanic route pattern).
CONSOLE_ROUTES = frozenset({
    ("GET", "conversations/<conversation_id:path>/tracker"),
    ("POST", "conversations/<conversation_id:path>/tracker/events"),
})
EVENTS_ROUTE = "conversations/<conversation_id:path>/tracker/events"
# What the console appends: pause and resume (with the "back" note and a listen), staff replies, the survey.
CONSOLE_EVENTS = frozenset({"pause", "resume", "bot"})
LISTEN = {"event": "action", "name": "action_listen"}
# The channels: Rasa mounts input channels under /webhooks/; the web chat's socket.io is at /socket.io
# (bot/channels/web_chat/channel.py SOCKET_PATH).
CHANNEL_PREFIX = "webhooks/"
SOCKET_IO_ROUTE = "socket.io"
IDENTITY = ("", "identity")
_INSTALLED = "branch_http_guard"


def install(app: Sanic) -> None:
    """Bounds the app's request bodies and refuses every route but the channels' and the console's (once per app)."""
    if getattr(app.ctx, _INSTALLED, False):
        return
    app.config.REQUEST_MAX_SIZE = min(app.config.REQUEST_MAX_SIZE, REQUEST_MAX_BYTES)
    app.register_middleware(refuse_what_the_branch_does_not_use, "request")
    setattr(app.ctx, _INSTALLED, True)


def allowed(method: str, route_path: str) -> bool:
    """Whether a request resolved to `route_path` (Sanic's pattern, no leading slash) may be served."""
    route_path = route_path.lstrip("/")
    if route_path.startswith(CHANNEL_PREFIX) or route_path == SOCKET_IO_ROUTE or route_path.startswith(
            SOCKET_IO_ROUTE + "/"):
        return True
    return (method.upper(), route_path) in CONSOLE_ROUTES


async def refuse_what_the_branch_does_not_use(request: Request) -> Optional[HTTPResponse]:
    route = getattr(request, "route", None)
    if route is None or not allowed(request.method, route.path):
        logger.warning("Rasa HTTP API: %s %s refused (not used by the branch)", request.method,
                       route.path if route is not None else "?")
        return _failure(403, "Forbidden", "this endpoint of the Rasa HTTP API is turned off")
    encoding = (request.headers.get("Content-Encoding") or "").strip().lower()
    if encoding not in IDENTITY:
        return _failure(415, "UnsupportedMediaType", "compressed request bodies are not accepted")
    declared = (request.headers.get("Content-Length") or "").strip()
    if declared.isdigit() and int(declared) > REQUEST_MAX_BYTES:  # before any handler (or this guard) reads it
        return _failure(413, "PayloadTooLarge", f"request bodies are limited to {REQUEST_MAX_BYTES} bytes")
    if route.path.lstrip("/") == EVENTS_ROUTE and request.method.upper() == "POST":
        problem = console_events_problem(_json_or_none(request))
        if problem is not None:
            logger.warning("Rasa HTTP API: events refused (%s)", problem)
            return _failure(403, "Forbidden", problem)
    return None


def console_events_problem(body: object) -> Optional[str]:
    """Why events appended through the API are not the console's, or None when they are."""
    events = body if isinstance(body, list) else [body]
    for event in events:
        if not isinstance(event, dict):
            return "events must be objects"
        kind = event.get("event")
        if kind == "action" and {k: v for k, v in event.items() if k != "timestamp"} == LISTEN:
            continue
        if kind not in CONSOLE_EVENTS:
            return f"the console appends pause, resume and bot messages only, not {str(kind)[:40]!r}"
    return None


def _json_or_none(request: Request) -> object:
    try:
        return request.json
    except Exception:  # noqa: BLE001 - an unreadable body holds no console events: refused
        return None


def _failure(status: int, reason: str, message: str) -> HTTPResponse:
    """An error in Rasa's own shape."""
    return response.json({"status": "failure", "reason": reason, "message": message, "code": status}, status=status)
