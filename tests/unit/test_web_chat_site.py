"""Web chat session tokens and the site's /api/chat-session endpoint."""
from __future__ import annotations

import time

import jwt
import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.settings import Settings
from bot.web.app import build_app
from bot.channels.web_chat.tokens import InvalidWebChatToken, issue, verify

SECRET = "unit-web-chat-secret-0123456789abcdef"
SITE = "http://127.0.0.1:8080"


def test_a_token_names_a_random_128_bit_session():
    first, second = issue(SECRET, 60), issue(SECRET, 60)
    assert len(first.session_id) == 32 and first.session_id != second.session_id
    assert verify(first.token, SECRET) == first.session_id


@pytest.mark.parametrize("token", [None, "", "not-a-jwt", 42])
def test_no_token_is_refused(token: object):
    with pytest.raises(InvalidWebChatToken):
        verify(token, SECRET)


def test_forged_expired_and_foreign_tokens_are_refused():
    with pytest.raises(InvalidWebChatToken):
        verify(issue("another-secret-0123456789abcdef-xyz", 60).token, SECRET)
    expired = issue(SECRET, 60, now=time.time() - 3600)
    with pytest.raises(InvalidWebChatToken):
        verify(expired.token, SECRET)
    assert verify(expired.token, SECRET, leeway_seconds=7200) == expired.session_id  # renewable, not usable
    unsigned = jwt.encode({"sub": "a" * 32, "exp": int(time.time()) + 60}, SECRET, algorithm="HS256")
    with pytest.raises(InvalidWebChatToken):
        verify(unsigned, SECRET)  # no audience / issuer: not one of ours
    with pytest.raises(InvalidWebChatToken):
        verify(jwt.encode({"sub": "a" * 32}, "", algorithm="none"), SECRET)


@pytest.fixture
async def client() -> TestClient:
    settings = Settings(web_chat_jwt_secret=SECRET, web_chat_origins=(SITE,), rasa_url="http://127.0.0.1:5005")
    test_client = TestClient(TestServer(build_app(settings)))
    await test_client.start_server()
    yield test_client
    await test_client.close()


async def test_the_homepage_embeds_the_widget_with_local_scripts_only(client: TestClient):
    response = await client.get("/")
    assert response.status == 200
    html = await response.text()
    assert 'src="/static/vendor/socket.io.min.js"' in html and "http" not in html.split("<body>")[0].replace(
        'name="viewport"', "")
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self';" in policy and "ws://127.0.0.1:5005" in policy
    vendor = await client.get("/static/vendor/socket.io.min.js")
    assert vendor.status == 200 and "Socket.IO v4.8.1" in await vendor.text()


async def test_a_chat_session_is_issued_and_renewed_for_the_site(client: TestClient):
    response = await client.post("/api/chat-session", json={}, headers={"Origin": SITE})
    assert response.status == 200
    issued = await response.json()
    assert verify(issued["token"], SECRET) == issued["session_id"]
    assert issued["socket_url"] == "http://127.0.0.1:5005" and issued["socket_path"] == "/socket.io"

    renewed = await (await client.post("/api/chat-session", json={"token": issued["token"]})).json()
    assert renewed["session_id"] == issued["session_id"]

    forged = issue("another-secret-0123456789abcdef-xyz", 60, session_id=issued["session_id"]).token
    fresh = await (await client.post("/api/chat-session", json={"token": forged})).json()
    assert fresh["session_id"] != issued["session_id"]


async def test_another_site_gets_no_chat_session(client: TestClient):
    response = await client.post("/api/chat-session", json={}, headers={"Origin": "https://evil.example"})
    assert response.status == 403
