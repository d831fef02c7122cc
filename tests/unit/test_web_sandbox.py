"""The Messenger sandbox's HTTP endpoints, with a fake connector and a fake core bank on loopback."""
from __future__ import annotations

import json
from typing import Any, AsyncIterator, Dict, List, Tuple

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.channels.messenger.webhook import SIGNATURE_HEADER, messaging_events, signature_is_valid
from bot.settings import GRAPH_API_VERSION, Settings
from bot.devtools import sandbox as sandbox_area
from bot.web.app import build_app

SECRET = "unit-app-secret"
PAGE_TOKEN = "unit-page-token"


class FakeConnector:
    """Answers like the Messenger connector: 403 unless the signature is right; keeps what it accepted."""

    def __init__(self, status: int = 200) -> None:
        self.status = status
        self.received: List[Tuple[bytes, str]] = []

    def app(self) -> web.Application:
        application = web.Application()
        application.router.add_post("/webhooks/messenger/webhook", self._receive)
        application.router.add_get("/dev/sms-outbox", self._outbox)
        return application

    async def _receive(self, request: web.Request) -> web.Response:
        raw = await request.read()
        header = request.headers.get(SIGNATURE_HEADER, "")
        if not signature_is_valid(raw, header, SECRET):
            return web.json_response({"error": {"code": "forbidden", "message": "bad signature"}}, status=403)
        if self.status != 200:
            return web.json_response({"error": {"code": "oops", "message": "not now"}}, status=self.status)
        self.received.append((raw, header))
        return web.json_response({"status": "ok"})

    async def _outbox(self, _: web.Request) -> web.Response:
        return web.json_response({"messages": [
            {"to": "+33612345678", "text": "Your code is 482913. It expires in 5 minutes.", "sent_at": "2026-01-01T10:00:00Z"},
            {"to": "+33698765432", "text": "Welcome", "sent_at": "2026-01-01T09:00:00Z"},
        ]})

    def events(self) -> List[Any]:
        return [event for raw, _ in self.received for event in messaging_events(json.loads(raw))]


async def started(app: web.Application) -> TestClient:
    client = TestClient(TestServer(app))
    await client.start_server()
    return client


@pytest.fixture
async def connector() -> AsyncIterator[Tuple[FakeConnector, str]]:
    fake = FakeConnector()
    client = await started(fake.app())
    yield fake, str(client.make_url("")).rstrip("/")
    await client.close()


def settings_for(url: str, **overrides: Any) -> Settings:
    values: Dict[str, Any] = dict(
        fb_app_secret=SECRET, fb_page_access_token=PAGE_TOKEN, rasa_url=url, core_banking_url=url,
        core_banking_dev_mode=True,  # as make sandbox runs it
    )
    return Settings(**{**values, **overrides})


def with_sandbox(settings: Settings) -> web.Application:
    """The branch web service with the sandbox mounted, as `python -m bot sandbox` serves it."""
    return build_app(settings, extra_areas=[sandbox_area.mount])


@pytest.fixture
async def sandbox(connector: Tuple[FakeConnector, str]) -> AsyncIterator[TestClient]:
    client = await started(with_sandbox(settings_for(connector[1])))
    yield client
    await client.close()


async def test_typed_text_goes_to_the_connector_signed_as_meta_signs_it(sandbox, connector):
    fake, _ = connector
    response = await sandbox.post("/sandbox/api/messages", json={"psid": "sandbox-1", "text": "what's my balance?"})
    assert response.status == 202
    mid = (await response.json())["mid"]
    [event] = fake.events()
    assert (event.kind.value, event.sender_id, event.text, event.message_id) == ("text", "sandbox-1", "what's my balance?", mid)


async def test_a_quick_reply_carries_its_payload_and_title(sandbox, connector):
    fake, _ = connector
    body = {"psid": "sandbox-1", "payload": "/check_balance", "title": "My balance"}
    assert (await sandbox.post("/sandbox/api/messages", json=body)).status == 202
    [event] = fake.events()
    assert (event.kind.value, event.payload, event.text) == ("quick_reply", "/check_balance", "My balance")


async def test_a_button_is_a_postback_with_its_exact_payload(sandbox, connector):
    fake, _ = connector
    payload = '/inform{"loan_type":"car"}'
    body = {"psid": "sandbox-1", "payload": payload, "title": "Get a quote", "postback": True}
    assert (await sandbox.post("/sandbox/api/messages", json=body)).status == 202
    [event] = fake.events()
    assert (event.kind.value, event.payload, event.text) == ("postback", payload, "Get a quote")


@pytest.mark.parametrize("body", [
    {"text": "hi"},
    {"psid": "", "text": "hi"},
    {"psid": "a/b", "text": "hi"},
    {"psid": "p", "text": ""},
    {"psid": "p", "text": 42},
    {"psid": "p", "payload": "", "title": "Hi"},
    {"psid": "p", "payload": "/greet", "title": ""},
    {"psid": "p", "payload": "/greet", "title": "x" * 81},
    {"psid": "p", "payload": "x" * 1001, "title": "Hi"},
    {"psid": "p", "text": "hi", "payload": "/greet", "title": "Hi"},
    {"psid": "p", "text": "hi", "postback": True},
    "just a string",
])
async def test_what_a_messenger_user_could_not_send_is_a_400(sandbox, connector, body):
    response = await sandbox.post("/sandbox/api/messages", json=body)
    assert response.status == 400
    assert (await response.json())["error"]["code"] == "invalid_request"
    assert connector[0].received == []


async def test_not_json_and_other_sites_are_refused(sandbox, connector):
    as_form = await sandbox.post("/sandbox/api/messages", data={"psid": "p", "text": "hi"})
    assert as_form.status == 415
    broken = await sandbox.post("/sandbox/api/messages", data=b"{", headers={"Content-Type": "application/json"})
    assert broken.status == 400
    other_site = await sandbox.post("/sandbox/api/messages", json={"psid": "p", "text": "hi"},
                                    headers={"Origin": "https://evil.example"})
    assert other_site.status == 403
    same_site = await sandbox.post("/sandbox/api/messages", json={"psid": "p", "text": "hi"},
                                   headers={"Origin": f"http://{sandbox.server.host}:{sandbox.server.port}"})
    assert same_site.status == 202
    assert len(connector[0].received) == 1


async def test_a_refusing_or_missing_connector_is_a_502_that_says_so(connector):
    fake, url = connector
    fake.status = 503
    refused = await started(with_sandbox(settings_for(url)))
    response = await refused.post("/sandbox/api/messages", json={"psid": "p", "text": "hi"})
    assert response.status == 502
    assert (await response.json())["error"] == {
        "code": "connector_refused", "message": "the Messenger webhook answered HTTP 503: not now"}
    await refused.close()

    wrong_secret = await started(with_sandbox(settings_for(url, fb_app_secret="not-the-secret")))
    response = await wrong_secret.post("/sandbox/api/messages", json={"psid": "p", "text": "hi"})
    assert response.status == 502 and "403" in (await response.json())["error"]["message"]
    await wrong_secret.close()

    nobody = await started(with_sandbox(settings_for("http://127.0.0.1:9")))
    response = await nobody.post("/sandbox/api/messages", json={"psid": "p", "text": "hi"})
    assert response.status == 502
    assert (await response.json())["error"]["code"] == "connector_unreachable"
    await nobody.close()


async def test_replies_sent_to_the_graph_stand_in_are_read_back(sandbox):
    body = {"recipient": {"id": "sandbox-1"}, "messaging_type": "RESPONSE", "message": {"text": "Hello!"}}
    refused = await sandbox.post(f"/sandbox/graph/{GRAPH_API_VERSION}/me/messages", params={"access_token": "wrong"}, json=body)
    assert refused.status == 400
    sent = await sandbox.post(f"/sandbox/graph/{GRAPH_API_VERSION}/me/messages", params={"access_token": PAGE_TOKEN}, json=body)
    assert sent.status == 200
    read = await sandbox.get("/sandbox/graph/_standin/messages", params={"recipient": "sandbox-1", "after": "0"})
    [message] = (await read.json())["messages"]
    assert message["body"]["message"] == {"text": "Hello!"}


async def test_the_sms_outbox_shows_the_newest_texts_and_their_codes(sandbox):
    response = await sandbox.get("/sandbox/api/sms-outbox")
    assert response.status == 200
    first, second = (await response.json())["messages"]
    assert (first["to"], first["code"]) == ("+33612345678", "482913")
    assert second["code"] is None


async def test_the_sms_outbox_is_not_shown_outside_development(connector):
    client = await started(with_sandbox(settings_for(connector[1], core_banking_dev_mode=False)))
    assert (await client.get("/sandbox/api/sms-outbox")).status == 404
    await client.close()


async def test_the_page_loads_only_its_own_scripts(sandbox):
    for path in ("/sandbox", "/sandbox/"):
        response = await sandbox.get(path)
        assert response.status == 200
        assert "script-src 'self'" in response.headers["Content-Security-Policy"]
        assert '<script src="/sandbox/static/sandbox.js"' in await response.text()
    script = await sandbox.get("/sandbox/static/sandbox.js")
    assert script.status == 200 and "innerHTML" not in await script.text()
    assert (await sandbox.get("/sandbox/static/../app.py")).status == 404


async def test_the_production_web_service_serves_no_sandbox(connector):
    client = await started(build_app(settings_for(connector[1])))
    assert (await client.get("/health")).status == 200
    assert (await client.get("/sandbox")).status == 404
    assert (await client.post("/sandbox/api/messages", json={"psid": "p", "text": "hi"})).status == 404
    await client.close()
