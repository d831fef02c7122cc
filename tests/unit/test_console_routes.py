"""What later console pages (the queue, take / reply / hand back) get from the console sub-app."""
from __future__ import annotations

import re
from pathlib import Path
from typing import AsyncIterator

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.settings import Settings
from bot.web.console import (
    SafeHtml,
    check_csrf,
    console_app,
    csrf_token,
    current_agent,
    login_required,
    page,
    render,
)
from tests.unit.staff_support import PASSWORD, FakeClock, database_url, new_store

CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')


async def queue(request: web.Request) -> web.Response:
    agent = current_agent(request)
    body = SafeHtml(f'<form method="post"><input type="hidden" name="csrf_token" value="{csrf_token(request)}"></form>')
    return page(request, f"Queue of {agent.display_name}", body)


async def take(request: web.Request) -> web.Response:
    form = await request.post()
    return web.json_response({"taken_by": current_agent(request).username, "csrf_ok": check_csrf(request, form)})


@login_required
async def decorated(request: web.Request) -> web.Response:
    return web.json_response({"agent": current_agent(request).username})


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[TestClient]:
    store = new_store(tmp_path, FakeClock())
    store.add_account("alice", "Alice Martin", PASSWORD)
    console = console_app(Settings(branch_database_url=database_url(tmp_path)), store)
    console.router.add_get("/queue", queue)
    console.router.add_post("/queue/take", take)
    console.router.add_get("/api/decorated", decorated)
    app = web.Application()
    app.add_subapp("/console", console)
    test_client = TestClient(TestServer(app))
    await test_client.start_server()
    yield test_client
    await test_client.close()
    store.close()


async def _log_in(client: TestClient) -> None:
    form_page = await (await client.get("/console/login")).text()
    token = CSRF_INPUT.search(form_page).group(1)
    response = await client.post(
        "/console/login", data={"csrf_token": token, "username": "alice", "password": PASSWORD}, allow_redirects=False
    )
    assert response.status == 303


async def test_a_new_console_route_needs_a_login_without_being_told(client: TestClient) -> None:
    response = await client.get("/console/queue", allow_redirects=False)
    assert response.status == 303 and response.headers["Location"] == "/console/login?next=/console/queue"
    assert (await client.get("/console/api/decorated", allow_redirects=False)).status == 401
    assert (await client.post("/console/queue/take", allow_redirects=False)).status == 403


async def test_a_new_console_route_knows_the_agent_and_its_forms_pass_the_csrf_check(client: TestClient) -> None:
    await _log_in(client)
    queue_page = await client.get("/console/queue")
    html = await queue_page.text()
    assert "Queue of Alice Martin" in html and queue_page.headers["Cache-Control"] == "no-store"
    token = CSRF_INPUT.search(html).group(1)
    taken = await client.post("/console/queue/take", data={"csrf_token": token})
    assert await taken.json() == {"taken_by": "alice", "csrf_ok": True}
    by_header = await client.post("/console/queue/take", headers={"X-CSRF-Token": token})
    assert by_header.status == 200
    assert (await client.get("/console/api/decorated")).status == 200


def test_render_escapes_values_but_not_safe_html() -> None:
    html = render("login_error.html", message='<img src=x onerror="alert(1)">')
    assert "<img" not in html and "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in html
    assert render("login_error.html", message=SafeHtml("<em>ok</em>")).count("<em>ok</em>") == 1
