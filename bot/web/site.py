"""The demo bank's website, with the web chat widget.

    GET  /                     the homepage (bot/web/static/site/), the widget in its corner
    GET  /fr                   the same in French (`<html lang="fr">`: the widget speaks French, and the bot starts
                               a new conversation in French)
    GET  /static/site/...      its script and style
    GET  /static/vendor/socket.io.min.js   socket.io-client, from node_modules (npm ci; pinned in package.json)
    POST /api/chat-session     a signed web chat session: {"token", "session_id", "expires_at", "expires_in",
                               "socket_url", "socket_path"}, and the session's binding cookie (HttpOnly,
                               SameSite=Strict, Secure on https); only from the site's pages (an `Origin` of
                               WEB_CHAT_ORIGINS or this host, else 403). With {"token": previous} it renews that
                               session if the token is still valid, comes with its cookie and from its origin;
                               otherwise (expired, copied, forged) it starts a new one.
                               WEB_CHAT_SESSIONS_PER_MINUTE calls per client IP, then 429 with Retry-After

The widget talks to the Rasa server's socket.io channel (bot/channels/web_chat/channel.py) with that token;
the browser sends the cookie with the socket's handshake, and a token without it is refused
(bot/channels/web_chat/tokens.py). Cookies go by host, not port: when WEB_CHAT_SOCKET_URL is on another host
of the same domain (chat.example-bank.com beside www.example-bank.com), the cookie names that common domain.
"""
from __future__ import annotations

import logging
import math
from pathlib import Path
from typing import Dict, List, Optional
from urllib.parse import urlsplit

from aiohttp import web

from bot.settings import PROJECT_ROOT, Settings
from bot.web.rate_limit import SlidingWindowLimit
from bot.channels.web_chat.tokens import COOKIE_NAME, InvalidWebChatToken, issue, normalized_origin, verify

logger = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent / "static" / "site"
SOCKET_IO_CLIENT = PROJECT_ROOT / "node_modules" / "socket.io-client" / "dist" / "socket.io.min.js"
SOCKET_PATH = "/socket.io"
SETTINGS = web.AppKey("site_settings", Settings)
SESSION_LIMIT = web.AppKey("chat_session_limit", SlidingWindowLimit)


def socket_url(settings: Settings) -> str:
    return settings.web_chat_socket_url or settings.rasa_url


def content_security_policy(settings: Settings) -> str:
    """The page's own files only; sockets to the Rasa server; images on https (carousels) and from the Rasa server
    (the web chat's chart images, bot/channels/web_chat/chart_images.py)."""
    parts = urlsplit(socket_url(settings))
    ws_scheme = "wss" if parts.scheme == "https" else "ws"
    connect = f"'self' {parts.scheme}://{parts.netloc} {ws_scheme}://{parts.netloc}"
    return (
        f"default-src 'none'; script-src 'self'; style-src 'self'; connect-src {connect}; "
        f"img-src 'self' https: data: {parts.scheme}://{parts.netloc}; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )


def mount(app: web.Application, settings: Settings) -> None:
    app[SETTINGS] = settings
    app[SESSION_LIMIT] = SlidingWindowLimit(settings.web_chat_sessions_per_minute, 60)
    app.router.add_get("/", homepage)
    app.router.add_get("/fr", homepage_fr)
    app.router.add_static("/static/site/", STATIC_DIR, append_version=False)
    app.router.add_get("/static/vendor/socket.io.min.js", socket_io_client)
    app.router.add_post("/api/chat-session", chat_session)


async def homepage(request: web.Request) -> web.FileResponse:
    return _page(request, "index.html")


async def homepage_fr(request: web.Request) -> web.FileResponse:
    return _page(request, "index.fr.html")


def _page(request: web.Request, name: str) -> web.FileResponse:
    return web.FileResponse(STATIC_DIR / name, headers={
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
    origin = _site_origin(request, settings)
    if origin is None:
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
    session_id, binding = None, None
    if previous:
        # Renewed only while valid, by the browser it was issued to: otherwise a new conversation, not an error.
        try:
            claims = verify(previous, settings.web_chat_jwt_secret)
        except InvalidWebChatToken as exc:
            logger.info("Web chat session not renewed (%s); a new one starts", exc)
        else:
            cookie = request.cookies.get(COOKIE_NAME)
            if claims.held_by(origin, cookie):
                session_id, binding = claims.session_id, cookie
            else:
                logger.warning("Web chat session not renewed: the token came without its cookie or from another "
                               "origin; a new one starts")
    ttl = settings.web_chat_token_ttl_seconds
    session = issue(settings.web_chat_jwt_secret, ttl, origin=origin, binding=binding, session_id=session_id)
    response = web.json_response({
        "token": session.token, "session_id": session.session_id, "expires_at": session.expires_at,
        "expires_in": ttl, "socket_url": socket_url(settings), "socket_path": SOCKET_PATH,
    }, headers={"Cache-Control": "no-store"})
    response.set_cookie(COOKIE_NAME, session.binding, max_age=ttl, path="/", httponly=True, samesite="Strict",
                        secure=request.secure or origin.startswith("https://"),
                        domain=cookie_domain(origin, socket_url(settings)))
    return response


def cookie_domain(origin: str, socket: str) -> Optional[str]:
    """The `Domain` the binding cookie needs to reach the socket from a page of `origin`: None (this host only)
    when the socket is on the page's host; else the domain both hosts share ("www.example-bank.com" and
    "chat.example-bank.com": "example-bank.com")."""
    site_host, socket_host = urlsplit(origin).hostname or "", urlsplit(socket).hostname or ""
    if not socket_host or socket_host == site_host or _is_ip_or_local(site_host) or _is_ip_or_local(socket_host):
        return None
    shared: List[str] = []
    for site_label, socket_label in zip(reversed(site_host.split(".")), reversed(socket_host.split("."))):
        if site_label != socket_label:
            break
        shared.insert(0, site_label)
    if len(shared) < 2:
        logger.warning("The web chat socket (%s) shares no domain with the site (%s): browsers will not send it "
                       "the session cookie", socket_host, site_host)
        return None
    return ".".join(shared)


def _is_ip_or_local(host: str) -> bool:
    return host == "localhost" or "." not in host or host.replace(".", "").isdigit() or ":" in host


def _site_origin(request: web.Request, settings: Settings) -> Optional[str]:
    """The `Origin` of the page asking, when it is the bank's site (WEB_CHAT_ORIGINS, or this very host)."""
    origin = request.headers.get("Origin")
    if not origin or origin == "null":  # every browser sends it with a POST; other clients must say it too
        return None
    origin = normalized_origin(origin)
    allowed = {normalized_origin(allowed) for allowed in settings.web_chat_origins}
    if origin in allowed or origin.partition("://")[2] == request.host.lower():
        return origin
    return None


def _error(status: int, code: str, message: str, headers: Optional[Dict[str, str]] = None) -> web.Response:
    return web.json_response({"error": {"code": code, "message": message}}, status=status,
                             headers={"Cache-Control": "no-store", **(headers or {})})
