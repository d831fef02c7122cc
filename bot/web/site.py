"""The demo bank's website, with the web chat widget.

    GET  /                     the homepage (bot/web/static/site/), the widget in its corner
    GET  /static/site/...      its script and style
    GET  /static/vendor/socket.io.min.js   socket.io-client, from node_modules (npm ci; pinned in package.json)
    POST /api/chat-session     a signed web chat session: {"token", "session_id", "expires_at", "socket_url",
                               "socket_path"}; with {"token": previous} it renews that session (the token may
                               have expired up to one lifetime ago), otherwise it starts a new one;
                               WEB_CHAT_SESSIONS_PER_MINUTE calls per client IP, then 429 with Retry-After

The widget talks to the Rasa server's socket.io channel (bot/channels/web_chat/channel.py) with that token.
"""
from __future__ import annotations

import logging
import math
from pathlib import Path
from typing import Dict, Optional
from urllib.parse import urlsplit

from aiohttp import web

from bot.settings import PROJECT_ROOT, Settings
from bot.web.rate_limit import SlidingWindowLimit
from bot.channels.web_chat.tokens import InvalidWebChatToken, issue, verify

logger = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent / "static" / "site"
SOCKET_IO_CLIENT = PROJECT_ROOT / "node_modules" / "socket.io-client" / "dist" / "socket.io.min.js"
SOCKET_PATH = "/socket.io"
SETTINGS = web.AppKey("site_settings", Settings)
SESSION_LIMIT = web.AppKey("chat_session_limit", SlidingWindowLimit)


def socket_url(settings: Settings) -> str:
    return settings.web_chat_socket_url or settings.rasa_url


def content_security_policy(settings: Settings) -> str:
    """The page's own files only; sockets to the Rasa server; images on https (carousels)."""
    parts = urlsplit(socket_url(settings))
    ws_scheme = "wss" if parts.scheme == "https" else "ws"
    connect = f"'self' {parts.scheme}://{parts.netloc} {ws_scheme}://{parts.netloc}"
    return (
        f"default-src 'none'; script-src 'self'; style-src 'self'; connect-src {connect}; "
        "img-src 'self' https: data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )


def mount(app: web.Application, settings: Settings) -> None:
    app[SETTINGS] = settings
    app[SESSION_LIMIT] = SlidingWindowLimit(settings.web_chat_sessions_per_minute, 60)
    app.router.add_get("/", homepage)
    app.router.add_static("/static/site/", STATIC_DIR, append_version=False)
    app.router.add_get("/static/vendor/socket.io.min.js", socket_io_client)
    app.router.add_post("/api/chat-session", chat_session)


async def homepage(request: web.Request) -> web.FileResponse:
    return web.FileResponse(STATIC_DIR / "index.html", headers={
        "Content-Security-Policy": content_security_policy(request.app[SETTINGS]), "Cache-Control": "no-store",
    })


async def socket_io_client(_: web.Request) -> web.StreamResponse:
    if not SOCKET_IO_CLIENT.exists():
        return _error(404, "not_installed", "socket.io-client is not installed: run `npm ci` (make setup does)")
    return web.FileResponse(SOCKET_IO_CLIENT, headers={"Content-Type": "application/javascript"})


async def chat_session(request: web.Request) -> web.Response:
    """Issues (or renews) a signed web chat session for the site's own pages."""
    settings = request.app[SETTINGS]
    # The peer's address: behind a reverse proxy that is the proxy (one shared allowance), see README.
    retry_after = request.app[SESSION_LIMIT].hit(request.remote or "unknown")
    if retry_after is not None:
        logger.info("Too many chat sessions from one client; refused for %.0f s", retry_after)
        return _error(429, "too_many_requests", "too many chat sessions opened; try again in a minute",
                      headers={"Retry-After": str(max(math.ceil(retry_after), 1))})
    if not _from_the_site(request, settings):
        return _error(403, "forbidden", "only the bank's site may open a chat session")
    previous: Optional[str] = None
    if request.can_read_body:
        if request.content_type != "application/json":
            return _error(415, "unsupported_media_type", "send application/json")
        try:
            data = await request.json()
        except ValueError:
            return _error(400, "invalid_request", "the body is not JSON")
        if not isinstance(data, dict):
            return _error(400, "invalid_request", "the body must be a JSON object")
        previous = data.get("token")
    session_id = None
    if previous:
        try:
            session_id = verify(previous, settings.web_chat_jwt_secret, leeway_seconds=settings.web_chat_token_ttl_seconds)
        except InvalidWebChatToken:
            session_id = None  # a new conversation, not an error: the old one is over
    session = issue(settings.web_chat_jwt_secret, settings.web_chat_token_ttl_seconds, session_id)
    return web.json_response({
        "token": session.token, "session_id": session.session_id, "expires_at": session.expires_at,
        "socket_url": socket_url(settings), "socket_path": SOCKET_PATH,
    }, headers={"Cache-Control": "no-store"})


def _from_the_site(request: web.Request, settings: Settings) -> bool:
    origin = request.headers.get("Origin")
    if origin is None:  # not a browser, or a same-origin request of an older one
        return True
    origin = origin.rstrip("/")
    return origin in settings.web_chat_origins or origin.partition("://")[2] == request.host


def _error(status: int, code: str, message: str, headers: Optional[Dict[str, str]] = None) -> web.Response:
    return web.json_response({"error": {"code": code, "message": message}}, status=status,
                             headers={"Cache-Control": "no-store", **(headers or {})})
