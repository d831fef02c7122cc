"""The branch's web service: one aiohttp application, one area per path prefix.

    /           the demo bank site with the web chat widget, /api/chat-session: see bot/web/site.py
    /console    the support-staff console (staff log in): see bot/web/console/
    /health

Request bodies (bot/web/body_limits.py): a Content-Length of at most MAX_REQUEST_BYTES, never inflated
(compressed ones get 415; aiohttp's own inflating is off), never multipart; JSON nested too deep to parse is a 400.

`python -m bot web --port 8080` serves it on 127.0.0.1. Nothing here imports the dev tools:
`python -m bot sandbox` (bot/devtools/sandbox.py) serves this same app with the Messenger
sandbox mounted at /sandbox, for development only.
"""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Awaitable, Callable, Optional, Sequence

from aiohttp import web

from bot.settings import Settings, get_settings
from bot.web import console, site
from bot.web.body_limits import HANDLER_ARGS, bounded_bodies

if TYPE_CHECKING:
    from bot.staff.store import StaffStore

logger = logging.getLogger(__name__)

MAX_REQUEST_BYTES = 1024 * 1024
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
Area = Callable[[web.Application, Settings], None]  # mounts routes of its own on the app


@web.middleware
async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    response = await handler(request)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    response.headers.setdefault("X-Frame-Options", "DENY")
    return response


async def health(_: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


def build_app(
    settings: Settings, staff_store: Optional["StaffStore"] = None, extra_areas: Sequence[Area] = (),
) -> web.Application:
    app = web.Application(client_max_size=MAX_REQUEST_BYTES, middlewares=[security_headers, bounded_bodies],
                          handler_args=HANDLER_ARGS)
    app.router.add_get("/health", health)
    site.mount(app, settings)
    for mount in extra_areas:
        mount(app, settings)
    console.mount(app, settings, staff_store)
    return app


def serve(host: str, port: int, extra_areas: Sequence[Area] = (), settings: Optional[Settings] = None) -> None:
    settings = settings or get_settings()
    print(f"Bank site with the web chat: http://{host}:{port}/", flush=True)
    print(f"Staff console: http://{host}:{port}{console.PREFIX}/ (accounts: python -m bot staff add)", flush=True)
    # access_log off: URLs under a dev tool's Graph API stand-in carry the page access token.
    web.run_app(build_app(settings, extra_areas=extra_areas), host=host, port=port, print=None, access_log=None)
