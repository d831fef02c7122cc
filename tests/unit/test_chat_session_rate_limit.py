"""The rate limit on POST /api/chat-session: per client IP, a sliding minute, 429 + Retry-After."""
from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.settings import Settings, SettingsError
from bot.web.app import build_app
from bot.web.rate_limit import SlidingWindowLimit
from bot.web.site import SESSION_LIMIT

SECRET = "unit-web-chat-secret-0123456789abcdef"
SITE = "http://127.0.0.1:8080"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_window_slides_rather_than_resetting_on_the_minute():
    clock = FakeClock()
    limit = SlidingWindowLimit(3, 60, clock=clock)
    assert [limit.hit("a") for _ in range(3)] == [None, None, None]
    assert limit.hit("a") == pytest.approx(60)
    clock.now += 30
    assert limit.hit("a") == pytest.approx(30)  # the three hits are still within the last minute
    clock.now += 30
    assert limit.hit("a") is None  # the oldest ones left the window
    assert limit.hit("b") is None  # clients are counted apart


def test_refused_calls_do_not_extend_the_wait():
    clock = FakeClock()
    limit = SlidingWindowLimit(1, 60, clock=clock)
    assert limit.hit("a") is None
    for _ in range(50):
        clock.now += 1
        assert limit.hit("a") is not None
    clock.now += 10
    assert limit.hit("a") is None


def test_memory_is_bounded_by_forgetting_the_least_recent_clients():
    clock = FakeClock()
    limit = SlidingWindowLimit(2, 60, clock=clock, max_clients=100)
    for n in range(1000):
        limit.hit(f"10.0.{n // 256}.{n % 256}")
    assert len(limit) <= 100
    assert limit.hit("10.0.3.231") is None  # the most recent client is remembered...
    assert limit.hit("10.0.3.231") is not None  # ...and counted


def test_the_setting_must_be_a_positive_number():
    assert Settings.from_env({}).web_chat_sessions_per_minute == 20
    assert Settings.from_env({"WEB_CHAT_SESSIONS_PER_MINUTE": "5"}).web_chat_sessions_per_minute == 5
    for bad in ("0", "-1", "many"):
        with pytest.raises(SettingsError):
            Settings.from_env({"WEB_CHAT_SESSIONS_PER_MINUTE": bad})


@pytest.fixture
async def client() -> TestClient:
    settings = Settings(web_chat_jwt_secret=SECRET, web_chat_origins=(SITE,), rasa_url="http://127.0.0.1:5005",
                        web_chat_sessions_per_minute=3)
    test_client = TestClient(TestServer(build_app(settings)))
    await test_client.start_server()
    yield test_client
    await test_client.close()


async def test_a_client_opening_too_many_sessions_gets_429_with_retry_after(client: TestClient):
    for _ in range(3):
        response = await client.post("/api/chat-session", json={}, headers={"Origin": SITE})
        assert response.status == 200
    refused = await client.post("/api/chat-session", json={}, headers={"Origin": SITE})
    assert refused.status == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert refused.headers["Cache-Control"] == "no-store"
    assert (await refused.json())["error"]["code"] == "too_many_requests"
    # Renewing counts too: each call signs a token.
    renewal = await client.post("/api/chat-session", json={"token": "anything"}, headers={"Origin": SITE})
    assert renewal.status == 429


async def test_other_clients_keep_their_own_allowance(client: TestClient):
    limit = client.server.app[SESSION_LIMIT]
    for _ in range(3):
        assert limit.hit("198.51.100.7") is None  # another address used its minute up
    response = await client.post("/api/chat-session", json={}, headers={"Origin": SITE})
    assert response.status == 200  # the test client (127.0.0.1) is counted on its own
    assert limit.hit("198.51.100.7") is not None
