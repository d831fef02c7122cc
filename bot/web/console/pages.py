"""The console's pages: log in, log out, the home page (the queue comes later), and /api/me."""
from __future__ import annotations

import asyncio
import logging
import math
from typing import Optional

from aiohttp import web

from bot.staff.accounts import LoginOutcome
from bot.web.console.auth import (
    PAGE_HEADERS,
    clear_session_cookie,
    client_address,
    current_agent,
    current_session,
    public,
    safe_next,
    set_session_cookie,
)
from bot.web.console.csrf import csrf_token
from bot.web.console.keys import (
    LOGIN_CSRF_COOKIE,
    LOGIN_PATH,
    REQUEST_SESSION_ID,
    SETTINGS,
    STORE,
)
from bot.web.console.templates import SafeHtml, render

logger = logging.getLogger(__name__)

LOGIN_FAILED = "Wrong username or password, or too many attempts. Try again in a few minutes."
TOO_MANY_LOGINS = "Too many login attempts from your address. Try again in {seconds} seconds."
MAX_FIELD_LENGTH = 1024


def page(request: web.Request, title: str, body: SafeHtml, status: int = 200) -> web.Response:
    """A console page: the layout around `body`, with the agent and a logout button when logged in."""
    session = current_session(request)
    header = SafeHtml("")
    if session is not None:
        header = render(
            "header_agent.html",
            display_name=session.agent.display_name,
            username=session.agent.username,
            csrf_token=session.csrf_token,
        )
    html = render("layout.html", title=title, header=header, body=body)
    return web.Response(text=html, content_type="text/html", charset="utf-8", status=status, headers=PAGE_HEADERS)


@public
async def login_form(request: web.Request) -> web.Response:
    next_path = safe_next(request.query.get("next"))
    if current_session(request) is not None:
        return web.Response(status=303, headers={**PAGE_HEADERS, "Location": next_path})
    return _login_page(request, next_path, username="", error=None)


@public
async def log_in(request: web.Request) -> web.Response:
    form = await request.post()  # the CSRF middleware has checked the token already
    username = _field(form.get("username"))
    password = _field(form.get("password"))
    next_path = safe_next(_field(form.get("next")))
    store = request.app[STORE]
    loop = asyncio.get_running_loop()
    result, session_id = await loop.run_in_executor(
        None, store.log_in, username, password, request[REQUEST_SESSION_ID], client_address(request)
    )
    if result.outcome is LoginOutcome.THROTTLED:
        seconds = max(1, math.ceil(result.retry_after.total_seconds())) if result.retry_after else 60
        logger.info("Console login refused (%s) for %d s", result.outcome.value, seconds)
        response = _login_page(
            request, next_path, username=username[:64], error=TOO_MANY_LOGINS.format(seconds=seconds), status=429
        )
        response.headers["Retry-After"] = str(seconds)
        return response
    if result.outcome is not LoginOutcome.OK or result.agent is None:
        logger.info("Console login refused (%s)", result.outcome.value)
        return _login_page(request, next_path, username=username[:64], error=LOGIN_FAILED)
    logger.info("Console login: agent %s", result.agent.id)
    response = web.Response(status=303, headers={**PAGE_HEADERS, "Location": next_path})
    set_session_cookie(request, response, session_id)
    response.del_cookie(LOGIN_CSRF_COOKIE, path=LOGIN_PATH)
    return response


async def log_out(request: web.Request) -> web.Response:
    await asyncio.to_thread(request.app[STORE].log_out, request[REQUEST_SESSION_ID])
    logger.info("Console logout: agent %s", current_agent(request).id)
    response = web.Response(status=303, headers={**PAGE_HEADERS, "Location": LOGIN_PATH})
    clear_session_cookie(response)
    return response


async def home(request: web.Request) -> web.Response:
    agent = current_agent(request)
    body = render("index.html", display_name=agent.display_name, username=agent.username)
    return page(request, "Conversations waiting", body)


async def api_me(request: web.Request) -> web.Response:
    return web.json_response({"agent": current_agent(request).as_json()}, headers=PAGE_HEADERS)


def _login_page(
    request: web.Request, next_path: str, username: str, error: Optional[str], status: int = 200
) -> web.Response:
    token = csrf_token(request)
    body = render(
        "login.html",
        csrf_token=token,
        next=next_path,
        username=username,
        error=render("login_error.html", message=error) if error else SafeHtml(""),
    )
    response = page(request, "Log in", body, status=status)
    settings = request.app[SETTINGS]
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        max_age=3600,
        path=LOGIN_PATH,
        httponly=True,
        secure=settings.staff_cookie_secure,
        samesite="Strict",
    )
    return response


def _field(value: object) -> str:
    return value[:MAX_FIELD_LENGTH] if isinstance(value, str) else ""
