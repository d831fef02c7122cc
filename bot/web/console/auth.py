"""Who is logged in to the console, and the rules every console request goes through.

Middlewares of the console sub-app, outermost first:
    console_headers     no-store, CSP default-src 'self', X-Frame-Options DENY, Referrer-Policy same-origin
    console_session     reads the session cookie (idle and absolute timeouts, server side)
    console_csrf        every POST (PUT, PATCH, DELETE): same-site Origin and the right CSRF token, else 403
    console_login       every route needs a login unless marked `@public`: pages redirect (303) to
                        /console/login?next=..., /console/api/ answers 401 JSON

Handlers use `current_agent(request)`; `login_required` guards a handler mounted elsewhere.
"""
from __future__ import annotations

import asyncio
import functools
from typing import Any, Awaitable, Callable, Optional

from aiohttp import web
from yarl import URL

from bot.staff.accounts import Agent
from bot.staff.sessions import ActiveSession
from bot.web.console.csrf import check_csrf, origin_is_foreign
from bot.web.console.keys import (
    API_PREFIX,
    HOME_PATH,
    LOGIN_PATH,
    PREFIX,
    REQUEST_SESSION,
    REQUEST_SESSION_ID,
    SESSION_COOKIE,
    SETTINGS,
    STATIC_PREFIX,
    STORE,
)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

CONTENT_SECURITY_POLICY = "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    # same-origin, not no-referrer: under no-referrer browsers send `Origin: null` with a form POST,
    # and the Origin check (console_csrf) would refuse every login, take and reply. Other sites still get nothing.
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
}
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
PUBLIC_MARK = "_console_public"


class NotLoggedIn(RuntimeError):
    """current_agent() was called on a request without a logged-in agent."""


def public(handler: Handler) -> Handler:
    """Marks a console handler that needs no login (the login page only)."""
    setattr(handler, PUBLIC_MARK, True)
    return handler


def current_session(request: web.Request) -> Optional[ActiveSession]:
    return request.get(REQUEST_SESSION)


def current_agent(request: web.Request) -> Agent:
    """The logged-in agent; raises NotLoggedIn outside a login-protected handler."""
    session = current_session(request)
    if session is None:
        raise NotLoggedIn("no agent is logged in on this request")
    return session.agent


def login_required(handler: Handler) -> Handler:
    """Lets the handler run only for a logged-in agent (the console's routes get this by default).

    The session is read by the console sub-app's middleware: on a handler outside the sub-app the
    request never has one, so the decorator refuses everything there (it fails closed).
    """

    @functools.wraps(handler)
    async def guarded(request: web.Request) -> web.StreamResponse:
        refused = _refuse_anonymous(request)
        return refused if refused is not None else await handler(request)

    return guarded


def client_address(request: web.Request) -> Optional[str]:
    """The client's address for the login limits: `request.remote`, the TCP peer as aiohttp sees it.

    Forwarded headers are not read here. Behind a reverse proxy the peer is the proxy, and every client
    would share one allowance: the operator must make aiohttp take the address from the header the proxy
    sets, and only from that proxy (docs/security.md, "Staff console: login limits").
    """
    return request.remote


def error_response(status: int, code: str, message: str) -> web.Response:
    return web.json_response({"error": {"code": code, "message": message}}, status=status, headers=PAGE_HEADERS)


def safe_next(raw: Optional[str]) -> str:
    """`raw` when it is a path of the console on this site; otherwise the console's home. No open redirects."""
    if not raw or len(raw) > 2000 or "\\" in raw or any(ord(ch) < 0x21 or ord(ch) == 0x7F for ch in raw):
        return HOME_PATH
    if not raw.startswith(PREFIX) or raw.startswith("//"):
        return HOME_PATH
    try:
        url = URL(raw)
    except ValueError:
        return HOME_PATH
    if url.is_absolute() or url.scheme or url.host or "//" in url.path or ".." in url.path.split("/"):
        return HOME_PATH
    if url.path != PREFIX and not url.path.startswith(PREFIX + "/"):
        return HOME_PATH
    if url.path == LOGIN_PATH:
        return HOME_PATH
    return raw


def login_redirect(request: web.Request) -> web.Response:
    next_path = request.path_qs if request.method in SAFE_METHODS else HOME_PATH
    location = URL(LOGIN_PATH).with_query({"next": safe_next(next_path)})
    return web.Response(status=303, headers={**PAGE_HEADERS, "Location": str(location)})


def _refuse_anonymous(request: web.Request) -> Optional[web.Response]:
    if current_session(request) is not None:
        return None
    if request.path.startswith(API_PREFIX):
        return error_response(401, "unauthorized", "log in to the staff console first")
    return login_redirect(request)


def _is_public(request: web.Request) -> bool:
    if request.path.startswith(STATIC_PREFIX):
        return True
    handler: Any = request.match_info.handler
    return bool(getattr(handler, PUBLIC_MARK, False))


@web.middleware
async def console_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        exc.headers.update(PAGE_HEADERS)
        raise
    response.headers.update(PAGE_HEADERS)
    return response


@web.middleware
async def console_session(request: web.Request, handler: Handler) -> web.StreamResponse:
    session_id = request.cookies.get(SESSION_COOKIE, "")
    request[REQUEST_SESSION_ID] = session_id
    # The session table is a database: read it in a worker thread, never on the event loop.
    request[REQUEST_SESSION] = await asyncio.to_thread(request.app[STORE].resume, session_id) if session_id else None
    response = await handler(request)
    if session_id and request[REQUEST_SESSION] is None and SESSION_COOKIE not in response.cookies:
        clear_session_cookie(response)  # expired or unknown: the browser forgets it
    return response


@web.middleware
async def console_csrf(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.method in SAFE_METHODS:
        return await handler(request)
    if origin_is_foreign(request):
        return _forbidden(request, "cross-site requests are refused")
    form = await request.post() if request.content_type in _FORM_TYPES else None
    if not check_csrf(request, form):
        return _forbidden(request, "the form has expired or is not ours; reload the page and try again")
    return await handler(request)


@web.middleware
async def console_login(request: web.Request, handler: Handler) -> web.StreamResponse:
    if not _is_public(request):
        refused = _refuse_anonymous(request)
        if refused is not None:
            return refused
    return await handler(request)


def set_session_cookie(request: web.Request, response: web.StreamResponse, session_id: str) -> None:
    settings = request.app[SETTINGS]
    response.set_cookie(
        SESSION_COOKIE,
        session_id,
        max_age=settings.staff_session_max_seconds,
        path=PREFIX,
        httponly=True,
        secure=settings.staff_cookie_secure,
        samesite="Strict",
    )


def clear_session_cookie(response: web.StreamResponse) -> None:
    response.del_cookie(SESSION_COOKIE, path=PREFIX)


_FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})


def _forbidden(request: web.Request, message: str) -> web.Response:
    if request.path.startswith(API_PREFIX):
        return error_response(403, "forbidden", message)
    return web.Response(status=403, text=f"403 Forbidden: {message}", headers=PAGE_HEADERS)
