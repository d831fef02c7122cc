"""The console's "Unanswered" page: what customers asked that the branch could not answer (masked), newest
first, for the content team's review of the knowledge base (bot/knowledge/unanswered.py). Staff login needed,
as for every console page (the console's login middleware)."""
from __future__ import annotations

import asyncio
from typing import AsyncIterator

from aiohttp import web

from bot.knowledge.unanswered import UnansweredLog
from bot.web.console.auth import current_agent
from bot.web.console.keys import SETTINGS
from bot.web.console.pages import page
from bot.web.console.templates import SafeHtml, render

LOG = web.AppKey("unanswered_log", UnansweredLog)
SHOWN = 200
REASONS = {"out_of_scope": "Out of scope", "nlu_fallback": "Not understood"}
CHANNELS = {"messenger": "Messenger", "socketio": "Web chat"}


async def own_log(console: web.Application) -> AsyncIterator[None]:
    if LOG not in console:
        from bot.branch_db import session_factory

        console[LOG] = UnansweredLog(session_factory(console[SETTINGS].branch_database_url))
    yield


async def unanswered_page(request: web.Request) -> web.Response:
    current_agent(request)
    items = await asyncio.to_thread(request.app[LOG].latest, SHOWN)
    rows = "".join(
        render("unanswered_row.html", asked_at=item.asked_at.strftime("%Y-%m-%d %H:%M UTC"),
               language=item.language.upper(), channel=CHANNELS.get(item.channel, item.channel),
               reason=REASONS.get(item.reason, item.reason), text=item.text)
        for item in items
    ) or render("unanswered_empty.html")
    return page(request, "Unanswered questions", render("unanswered.html", rows=SafeHtml(rows), shown=SHOWN))


def add_routes(console: web.Application) -> None:
    console.cleanup_ctx.append(own_log)
    console.router.add_get("/unanswered", unanswered_page)



