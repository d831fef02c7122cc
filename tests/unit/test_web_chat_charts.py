"""The spending chart in the web chat: an image URL on the Rasa server that only the session it was drawn for can
open (its browser's binding cookie), for a few minutes, with nothing personal in it."""
from __future__ import annotations

import asyncio
from typing import Any, Iterator, List, Tuple
from urllib.parse import urlsplit

import pytest
import redis
import requests
from rasa.core.channels import channel as rasa_channels
from sanic import Sanic

from bot.channels.web_chat import WebChatInput
from bot.channels.web_chat.channel import WebChatOutput
from bot.channels.web_chat.chart_images import (
    IMAGE_TTL_SECONDS, ChartImages, MemoryImages, RedisImages, chart_images,
)
from bot.channels.web_chat.tokens import COOKIE_NAME, binding_digest, new_binding, new_session_id
from bot.dialogue_signals import SPENDING_CHART_KEY
from bot.settings import Settings
from tests.support.sanic_serving import serving
from tests.unit.test_spending_chart import CHART

SITE = "http://127.0.0.1:8080"


class RecordingSio:
    def __init__(self) -> None:
        self.emitted: List[Tuple[str, Any, Any]] = []

    async def emit(self, event: str, data: Any, room: Any = None, **kwargs: Any) -> None:
        self.emitted.append((event, data, room))


@pytest.fixture(scope="module")
def rasa() -> Iterator[Tuple[str, WebChatInput]]:
    test_mode, Sanic.test_mode = Sanic.test_mode, True
    try:
        app = Sanic("web_chat_charts")
        settings = Settings(web_chat_jwt_secret="unit-web-chat-secret-0123456789abcdef", web_chat_origins=(SITE,),
                            dialogue_thread=False)
        web_chat = WebChatInput(settings)
        rasa_channels.register([web_chat], app, route="/webhooks/")
        with serving(app) as url:
            web_chat.charts_base_url = url
            yield url, web_chat
    finally:
        Sanic.test_mode = test_mode


async def sent_chart(web_chat: WebChatInput, session_id: str) -> str:
    sio = RecordingSio()
    output = WebChatOutput(sio, "bot_uttered", charts=web_chat.charts, charts_base_url=web_chat.charts_base_url)
    await output.send_custom_json(session_id, {SPENDING_CHART_KEY: CHART})
    [(event, message, room)] = sio.emitted
    assert (event, room) == ("bot_uttered", session_id)
    assert message["attachment"]["type"] == "image" and message["attachment"]["payload"]["alt"] == CHART["alt"]
    return message["attachment"]["payload"]["src"]


async def test_the_chart_opens_for_its_session_only(rasa):
    url, web_chat = rasa
    mine, theirs = new_binding(), new_binding()
    session, other = new_session_id(), new_session_id()
    web_chat.charts.session_seen(session, binding_digest(mine))
    web_chat.charts.session_seen(other, binding_digest(theirs))
    src = await sent_chart(web_chat, session)

    assert src.startswith(url + "/webhooks/socketio/charts/")
    image_id = urlsplit(src).path.rsplit("/", 1)[1]
    assert session not in src and other not in src and len(image_id) >= 32  # random, nothing of the customer

    own = requests.get(src, cookies={COOKIE_NAME: mine}, timeout=10)
    assert own.status_code == 200 and own.headers["Content-Type"] == "image/png"
    assert own.content[:8] == b"\x89PNG\r\n\x1a\n" and "no-store" in own.headers["Cache-Control"]
    for cookies in ({COOKIE_NAME: theirs}, {}, {COOKIE_NAME: "forged"}):
        refused = requests.get(src, cookies=cookies, timeout=10)
        assert refused.status_code == 404 and refused.content[:4] != b"\x89PNG"
    assert requests.get(f"{url}/webhooks/socketio/charts/unknown", cookies={COOKIE_NAME: mine},
                        timeout=10).status_code == 404


async def test_no_chart_for_a_session_without_a_socket_here(rasa):
    _, web_chat = rasa
    sio = RecordingSio()
    output = WebChatOutput(sio, "bot_uttered", charts=web_chat.charts, charts_base_url="http://x")
    await output.send_custom_json(new_session_id(), {SPENDING_CHART_KEY: CHART})
    await output.send_custom_json(new_session_id(), {SPENDING_CHART_KEY: {"title": "broken"}})
    assert sio.emitted == []


async def test_chart_images_expire_and_are_bounded():
    now = [1000.0]
    images = ChartImages(MemoryImages(max_images=2, clock=lambda: now[0]), ttl_seconds=600)
    cookie = new_binding()
    images.session_seen("s1", binding_digest(cookie))
    first = await images.add("s1", b"one")
    assert await images.get(first, cookie) == b"one"
    now[0] += 601
    assert await images.get(first, cookie) is None  # expired
    a, b, c = [await images.add("s1", data) for data in (b"a", b"b", b"c")]
    assert await images.get(a, cookie) is None and await images.get(c, cookie) == b"c"  # the oldest went first
    assert await images.add("never-seen", b"x") is None


def test_without_redis_url_the_images_are_in_memory():
    assert isinstance(chart_images(Settings()).store, MemoryImages)


async def test_with_redis_a_chart_drawn_on_one_server_opens_from_another(redis_url, prefix):
    """Two Rasa servers: the socket (and the chart) on one, the browser's image request sent to the other."""
    settings = Settings(redis_url=redis_url, redis_key_prefix=prefix)
    drawn_on, asked_of = chart_images(settings), chart_images(settings)
    assert isinstance(drawn_on.store, RedisImages)
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256))  # binary, every byte value
    mine, theirs = new_binding(), new_binding()
    drawn_on.session_seen("s1", binding_digest(mine))
    image_id = await drawn_on.add("s1", png)

    assert await asked_of.get(image_id, mine) == png
    assert await asked_of.get(image_id, theirs) is None and await asked_of.get(image_id, None) is None
    assert await asked_of.get("unknown", mine) is None
    assert await asked_of.add("s1", png) is None  # no socket of that session on this server
    key = f"{prefix}webchat:chart:{image_id}"
    with redis.Redis.from_url(redis_url) as client:
        assert 0 < client.ttl(key) <= IMAGE_TTL_SECONDS  # Redis forgets it with the image
    drawn_on.store._redis.close(), asked_of.store._redis.close()


async def test_an_unreachable_store_costs_the_chart_not_the_conversation(rasa):
    """Redis down: no chart is sent (the text before it said everything), and an image request gets a 503."""
    url, web_chat = rasa

    class Down:
        def put(self, *args):
            raise ConnectionError("redis down")

        find = put

    saved = web_chat.charts.store
    web_chat.charts.store = Down()
    try:
        session = new_session_id()
        web_chat.charts.session_seen(session, binding_digest(new_binding()))
        sio = RecordingSio()
        output = WebChatOutput(sio, "bot_uttered", charts=web_chat.charts, charts_base_url=url)
        await output.send_custom_json(session, {SPENDING_CHART_KEY: CHART})
        assert sio.emitted == []
        refused = await asyncio.to_thread(requests.get, f"{url}/webhooks/socketio/charts/some-id",
                                          cookies={COOKIE_NAME: new_binding()}, timeout=10)
        assert refused.status_code == 503 and "try again" in refused.json()["error"]
    finally:
        web_chat.charts.store = saved
