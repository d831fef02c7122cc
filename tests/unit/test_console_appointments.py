"""The console's "Appointments" page over HTTP: the real web app, behind the staff login, reading the advisors'
diary from a real core bank (served in this process, its own clock and SQLite file) with the service token;
times in Paris time, values escaped, and a bank that cannot be reached is said, never a stack trace."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import AsyncIterator, Iterator

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.core_bank.appointments import BANK_ZONE
from bot.settings import Settings
from bot.web.app import build_app
from bot.web.console.appointment_pages import wanted_days
from tests.core_bank.core_bank_fixtures import SERVICE_TOKEN, CoreBankTestClient, running_core_bank
from tests.unit.staff_support import PASSWORD, FakeClock, database_url, new_store
from tests.unit.test_console_queue import log_in


@pytest.fixture
def bank(tmp_path: Path) -> Iterator[CoreBankTestClient]:
    with running_core_bank(tmp_path) as running:
        yield running


async def console_on(tmp_path: Path, core_banking_url: str, token: str = SERVICE_TOKEN) -> AsyncIterator[TestClient]:
    store = new_store(tmp_path, FakeClock())
    store.add_account("alice", "Alice Martin", PASSWORD)
    settings = Settings(branch_database_url=database_url(tmp_path), core_banking_url=core_banking_url,
                        core_banking_service_token=token)
    client = TestClient(TestServer(build_app(settings, staff_store=store)))
    await client.start_server()
    try:
        yield client
    finally:
        await client.close()
        store.close()


@pytest.fixture
async def console(tmp_path: Path, bank: CoreBankTestClient) -> AsyncIterator[TestClient]:
    async for client in console_on(tmp_path, bank.base_url):
        yield client


def book(bank: CoreBankTestClient, note: str) -> dict:
    token = bank.sign_in()
    slot = bank.get("/v1/appointment-slots", token=token, params={"channel": "branch", "limit": "1"}).json()["slots"][0]
    booked = bank.post_idempotent("/v1/appointments", token, "console-1",
                                  json={"slot_id": slot["slot_id"], "channel": "branch", "topic": "mortgage", "note": note})
    assert booked.status_code == 201, booked.text
    return booked.json()


async def test_the_page_needs_a_login_and_lists_the_diary_in_paris_time(console: TestClient, bank: CoreBankTestClient):
    response = await console.get("/console/appointments", allow_redirects=False)
    assert response.status in (302, 303) and "/console/login" in response.headers["Location"]
    await log_in(console, "alice")
    assert "No appointment booked for these days." in await (await console.get("/console/appointments")).text()

    booked = book(bank, "<b>first home</b>")
    html = await (await console.get("/console/appointments?days=20")).text()
    local = datetime.fromisoformat(booked["starts_at"]).astimezone(BANK_ZONE)
    assert booked["reference"] in html and "Alex Martin (100001)" in html and "Mortgage" in html
    assert f"{local:%H:%M}" in html and "Europe/Paris" in html and booked["advisor"]["name"] in html
    assert "&lt;b&gt;first home&lt;/b&gt;" in html and "<b>first home" not in html
    assert 'href="/console/appointments"' in await (await console.get("/console/")).text()


async def test_a_bank_that_refuses_the_token_is_said_politely(tmp_path: Path, bank: CoreBankTestClient):
    async for client in console_on(tmp_path, bank.base_url, token="not-the-token"):
        await log_in(client, "alice")
        response = await client.get("/console/appointments")
        assert response.status == 200 and "could not be reached" in await response.text()


def test_days_are_kept_within_the_banks_window():
    assert [wanted_days(raw) for raw in ("", "x", "0", "3", "99")] == [5, 5, 1, 3, 20]
