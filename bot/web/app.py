"""The branch's web service: one aiohttp application, one area per path prefix.

    /           the demo bank site with the web chat widget, /api/chat-session: see bot/web/site.py
    /sandbox    the Messenger sandbox (dev only, MESSENGER_SANDBOX_ENABLED): see bot/web/sandbox.py
    /console    the support-staff console (staff log in): see bot/web/console/
    /health

`python -m bot web --port 8080` serves it on 127.0.0.1.
"""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Awaitable, Callable, Optional

from aiohttp import web

from bot.settings import Settings, get_settings
from bot.web import console, sandbox, site

if TYPE_CHECKING:
    from bot.staff.store import StaffStore

logger = logging.getLogger(__name__)

MAX_REQUEST_BYTES = 1024 * 1024
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    response = await handler(request)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    response.headers.setdefault("X-Frame-Options", "DENY")
    return response


async def health(_: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


def build_app(settings: Settings, staff_store: Optional["StaffStore"] = None) -> web.Application:
    app = web.Application(client_max_size=MAX_REQUEST_BYTES, middlewares=[security_headers])
    app.router.add_get("/health", health)
    site.mount(app, settings)
    if settings.messenger_sandbox_enabled:
        sandbox.mount(app, settings)
    console.mount(app, settings, staff_store)
    return app


def serve(host: str, port: int) -> None:
    settings = get_settings()
    print(f"Bank site with the web chat: http://{host}:{port}/", flush=True)
    print(f"Staff console: http://{host}:{port}{console.PREFIX}/ (accounts: python -m bot staff add)", flush=True)
    if settings.messenger_sandbox_enabled:
        if "FB_APP_SECRET" not in settings.demo_secrets_in_use:
            logger.warning(
                "The Messenger sandbox signs webhooks with the real app secret: "
                "set MESSENGER_SANDBOX_ENABLED=false outside development"
            )
        print(f"Messenger sandbox: http://{host}:{port}{sandbox.PREFIX}", flush=True)
    # access_log off: the Graph API stand-in's URLs carry the page access token.
    web.run_app(build_app(settings), host=host, port=port, print=None, access_log=None)
