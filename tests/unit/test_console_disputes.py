"""The console's "Disputed payments" page: behind the staff login, the open cases read from the core bank's staff
endpoint with the service token (a stand-in core bank here, that refuses any other token), the transaction and the
customer's words masked, every value escaped, and a polite row when the core bank cannot be read."""
from __future__ import annotations

from pathlib import Path
from typing import Any, AsyncIterator, Dict, List

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.settings import Settings
from bot.web.app import build_app
from tests.unit.staff_support import PASSWORD, FakeClock, database_url, new_store
from tests.unit.test_console_queue import log_in
from tests.unit.test_handoff_rasa_control import TOKEN, FakeRasa, serving

SERVICE_TOKEN = "service-token-for-the-console-test"

CASE: Dict[str, Any] = {
    "reference": "DP-4K7Q2M9X", "status": "open", "reason": "other",
    "details": "<b>never arrived</b>, card 4111 1111 1111 1111",
    "transaction": {"transaction_id": "txn_08ef3faa3e57", "account_id": "acc-1",
                    "booked_at": "2026-12-04T15:13:00+00:00", "description": "Card payment — Fnac",
                    "kind": "card_payment", "counterparty": "Fnac", "amount": "-49.99", "currency": "EUR"},
    "advisor_required": True, "advisor_reason": "reason_other",
    "opened_at": "2026-12-05T07:00:00+00:00", "updated_at": "2026-12-05T07:00:00+00:00",
    "review_by": "2026-12-09", "resolve_by": "2027-01-16",
    "customer": {"customer_number": "100001", "first_name": "Alex", "last_name": "Martin"},
}


class FakeCoreBank:
    def __init__(self) -> None:
        self.cases: List[Dict[str, Any]] = []
        self.down = False
        self.tokens: List[str] = []

    def app(self) -> web.Application:
        async def staff_disputes(request: web.Request) -> web.Response:
            self.tokens.append(request.headers.get("X-Service-Token", ""))
            if self.down:
                return web.json_response({"error": {"code": "unavailable", "message": "down"}}, status=503)
            if request.headers.get("X-Service-Token") != SERVICE_TOKEN:
                return web.json_response({"error": {"code": "service_token_required", "message": "no"}}, status=403)
            return web.json_response({"disputes": self.cases})

        app = web.Application()
        app.router.add_get("/v1/staff/disputes", staff_disputes)
        return app


@pytest.fixture
async def console(tmp_path: Path) -> AsyncIterator[Any]:
    store = new_store(tmp_path, FakeClock())
    store.add_account("alice", "Alice Martin", PASSWORD)
    bank = FakeCoreBank()
    async with serving(FakeRasa().app()) as rasa_url, serving(bank.app()) as bank_url:
        settings = Settings(branch_database_url=database_url(tmp_path), rasa_url=rasa_url, rasa_api_token=TOKEN,
                            core_banking_url=bank_url, core_banking_service_token=SERVICE_TOKEN)
        client = TestClient(TestServer(build_app(settings, staff_store=store)))
        await client.start_server()
        try:
            yield client, bank
        finally:
            await client.close()
            store.close()


async def test_the_open_disputes_are_listed_behind_the_login_masked_and_escaped(console):
    client, bank = console
    response = await client.get("/console/disputes", allow_redirects=False)
    assert response.status in (302, 303) and "/console/login" in response.headers["Location"]
    assert bank.tokens == []  # nothing asked of the bank before the login

    await log_in(client, "alice")
    assert "No open disputes." in await (await client.get("/console/disputes")).text()
    assert bank.tokens == [SERVICE_TOKEN]

    bank.cases.append(CASE)
    html = await (await client.get("/console/disputes")).text()
    for shown in ("DP-4K7Q2M9X", "Alex Martin (100001)", "Card payment — Fnac · 2026-12-04 · …3e57", "49.99 EUR",
                  "Open", "Advisor: other reason", "review by 2026-12-09, settle by 2027-01-16"):
        assert shown in html
    assert "&lt;b&gt;never arrived&lt;/b&gt;" in html and "<b>never" not in html
    assert "4111 1111" not in html and "txn_08ef3faa3e57" not in html
    assert SERVICE_TOKEN not in html
    assert 'href="/console/disputes"' in await (await client.get("/console/")).text()


async def test_a_core_bank_that_cannot_be_read_gets_a_polite_row(console):
    client, bank = console
    await log_in(client, "alice")
    bank.down = True
    response = await client.get("/console/disputes")
    assert response.status == 502 and "could not be reached" in await response.text()
