"""The console sub-application, mounted at /console of the branch web service."""
from __future__ import annotations

from pathlib import Path
from typing import AsyncIterator, Optional

from aiohttp import web

from bot.settings import Settings
from bot.staff.store import StaffStore
from bot.handoff.staff_desk import StaffDesk
from bot.web.console import appointment_pages, dispute_pages, page_status, pages, queue_pages, unanswered_pages
from bot.web.console.auth import console_csrf, console_headers, console_login, console_session
from bot.web.console.keys import HOME_PATH, PREFIX, SETTINGS, STORE

STATIC_DIR = Path(__file__).resolve().parent.parent / "static" / "console"


def mount(app: web.Application, settings: Settings, store: Optional[StaffStore] = None) -> None:
    """Serves the console under /console of `app`; without `store`, one on BRANCH_DATABASE_URL opens at startup."""
    app.router.add_get(PREFIX, _to_home)
    app.add_subapp(PREFIX, console_app(settings, store))


def console_app(
    settings: Settings, store: Optional[StaffStore] = None, desk: Optional[StaffDesk] = None
) -> web.Application:
    """Without `store` / `desk`, the app opens its own at startup (and closes them at cleanup)."""
    console = web.Application(middlewares=[console_headers, console_session, console_csrf, console_login])
    console[SETTINGS] = settings
    if store is not None:
        console[STORE] = store
    else:
        console.cleanup_ctx.append(_own_store)
    if desk is not None:
        console[queue_pages.DESK] = desk
    else:
        console.cleanup_ctx.append(queue_pages.own_desk)
    console.cleanup_ctx.append(queue_pages.idle_closer)  # after the desk: it uses it
    console.cleanup_ctx.append(page_status.watch)  # the Facebook page's condition, for the queue's banner
    queue_pages.add_routes(console)  # the home page is the queue
    unanswered_pages.add_routes(console)  # what the branch could not answer, for the knowledge base's review
    appointment_pages.add_routes(console)  # the advisors' appointments, from the core bank's staff diary
    dispute_pages.add_routes(console)  # disputed payments still open, from the core bank's staff endpoint
    console.router.add_get("/login", pages.login_form)
    console.router.add_post("/login", pages.log_in)
    console.router.add_post("/logout", pages.log_out)
    console.router.add_get("/api/me", pages.api_me)
    console.router.add_static("/static/", STATIC_DIR, append_version=False)
    return console


async def _own_store(console: web.Application) -> AsyncIterator[None]:
    store = StaffStore.from_settings(console[SETTINGS])
    console[STORE] = store
    yield
    store.close()


async def _to_home(_: web.Request) -> web.Response:
    return web.Response(status=303, headers={"Location": HOME_PATH, "Cache-Control": "no-store"})
