"""The console's banner about the Facebook page, read server side from the Rasa server's Messenger health;
and the page a conversation closed by the Page Inbox answers."""
from __future__ import annotations

import html as html_text
from pathlib import Path
from typing import Any, AsyncIterator, Dict

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.handoff.thread_control import PAGE_INBOX_DETAIL
from bot.settings import Settings
from bot.web.app import build_app
from bot.web.console.page_status import MessengerPageStatus
from tests.unit.staff_support import FakeClock, database_url, new_store
from tests.unit.test_console_queue import PSID, log_in, post, queue_with_clock
from tests.unit.test_handoff_rasa_control import TOKEN, FakeRasa, serving

ALL_WELL = {"status": "ok", "page_restricted": False, "page_restricted_since": None, "sending_paused_until": None,
            "handover_disabled": False, "handover_disabled_since": None}
RESTRICTED = {**ALL_WELL, "page_restricted": True, "page_restricted_since": "2026-12-04T09:15:00+00:00",
              "sending_paused_until": "2026-12-04T09:20:00+00:00"}


class RasaWithChannel(FakeRasa):
    """Rasa's API and the Messenger channel's health route, as the Rasa server serves them."""

    def __init__(self) -> None:
        super().__init__()
        self.health: Dict[str, Any] = dict(ALL_WELL)
        self.health_reads = 0

    def app(self) -> web.Application:
        app = super().app()
        app.router.add_get("/webhooks/messenger/", self._health)
        return app

    async def _health(self, _: web.Request) -> web.Response:
        self.health_reads += 1
        return web.json_response(self.health)


@pytest.fixture
async def console(tmp_path: Path) -> AsyncIterator[Any]:
    store = new_store(tmp_path, FakeClock())
    store.add_account("alice", "Alice Martin", "kettle-Orbit-57-lantern")
    rasa = RasaWithChannel()
    async with serving(rasa.app()) as rasa_url:
        settings = Settings(branch_database_url=database_url(tmp_path), rasa_url=rasa_url, rasa_api_token=TOKEN)
        client = TestClient(TestServer(build_app(settings, staff_store=store)))
        await client.start_server()
        try:
            await log_in(client, "alice")
            yield client, rasa, tmp_path
        finally:
            await client.close()
            store.close()


async def test_a_restricted_page_is_a_banner_on_the_queue_and_in_its_refresh(console):
    client, rasa, _ = console
    rasa.health = RESTRICTED
    html = html_text.unescape(await (await client.get("/console/")).text())
    assert rasa.health_reads == 1
    assert 'role="alert"' in html and "restricts the bank's Facebook page from sending messages" in html
    assert "2026-12-04 09:15:00 UTC" in html
    data = await (await client.get("/console/api/queue")).json()
    assert len(data["page_status"]) == 1 and "not delivered" in data["page_status"][0]


async def test_all_well_means_no_banner(console):
    client, _, _ = console
    html = await (await client.get("/console/")).text()
    assert 'role="alert"' not in html and (await (await client.get("/console/api/queue")).json())["page_status"] == []


async def test_routing_that_refuses_thread_control_is_a_banner_too(console):
    client, rasa, _ = console
    rasa.health = {**ALL_WELL, "handover_disabled": True, "handover_disabled_since": "2026-12-04T10:00:00+00:00"}
    html = await (await client.get("/console/")).text()
    assert "Conversation Routing" in html and "FB_HANDOVER_ENABLED=false" in html


async def test_the_health_is_read_at_most_once_per_period_and_never_fails_the_page():
    rasa = RasaWithChannel()
    now = [0.0]
    async with serving(rasa.app()) as url, aiohttp.ClientSession() as session:
        status = MessengerPageStatus(session, url, clock=lambda: now[0], cache_seconds=15)
        assert await status.banners() == []
        rasa.health = RESTRICTED
        assert await status.banners() == [] and rasa.health_reads == 1  # cached
        now[0] = 16
        assert len(await status.banners()) == 1 and rasa.health_reads == 2
        gone = MessengerPageStatus(session, "http://127.0.0.1:9", clock=lambda: now[0])
        assert await gone.banners() == []


async def test_a_conversation_the_page_inbox_finished_answers_410_with_that_reason(console):
    client, _, tmp_path = console
    queue = queue_with_clock(tmp_path, 0)
    handoff = queue.request_handoff(PSID, "messenger", "customer_asked", "a person please")
    assert (await post(client, f"/console/handoffs/{handoff}/take")).status == 303
    assert queue.close_open(PSID, PAGE_INBOX_DETAIL) == handoff
    page = await client.get(f"/console/handoffs/{handoff}")
    assert page.status == 410
    assert "finished this conversation in Meta's Page Inbox" in html_text.unescape(await page.text())
