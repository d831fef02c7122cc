"""The Rasa server's HTTP guard, as the branch runs Rasa (its app with the API on, the Messenger channel installing the
guard): only the channels and the console's two calls are served, even with the token; bodies are bounded before
they are read; compressed ones are refused."""
from __future__ import annotations

import gzip
import re
from typing import Dict, Iterator, Tuple

import pytest
import requests
from rasa import server as rasa_server
from rasa.core.channels import channel as rasa_channels
from sanic import Sanic

from bot.channels.messenger.channel import MessengerInput
from bot.channels.offered_payloads import InMemoryOfferedPayloads
from bot.channels.web_chat import WebChatInput
from bot.rasa_server import http_guard
from bot.settings import Settings
from tests.support.raw_http import raw_request
from tests.support.sanic_serving import serving
from tests.unit.recording_send_api import RecordingSendApi

TOKEN = "unit-rasa-api-token"
SECRET = "unit-app-secret"


@pytest.fixture(scope="module")
def rasa() -> Iterator[Tuple[str, Sanic]]:
    """Rasa's server app as `rasa run --enable-api --auth-token` builds it, with the branch's Messenger channel."""
    test_mode, Sanic.test_mode = Sanic.test_mode, True
    try:
        app = rasa_server.create_app(auth_token=TOKEN)
        settings = Settings(fb_app_secret=SECRET, dialogue_thread=False)
        messenger = MessengerInput(settings, send_api=RecordingSendApi(), offered=InMemoryOfferedPayloads())
        rasa_channels.register([messenger, WebChatInput(settings)], app, route="/webhooks/")
        with serving(app) as url:
            yield url, app
    finally:
        Sanic.test_mode = test_mode


@pytest.fixture
def url(rasa) -> str:
    return rasa[0]


def concrete(route_path: str) -> str:
    return "/" + re.sub(r"<[^>]+>", "c-1", route_path)


def test_every_route_but_the_channels_and_the_consoles_is_forbidden_even_with_the_token(rasa):
    url, app = rasa
    answers: Dict[str, int] = {}
    forbidden = []
    for route in app.router.routes:
        for method in sorted(route.methods - {"OPTIONS"}):
            answer = requests.request(method, url + concrete(route.path), params={"token": TOKEN},
                                      json=[{"event": "pause"}], timeout=10)  # events the console may append
            answers[f"{method} /{route.path}"] = answer.status_code
            if answer.status_code == 403 and answer.json().get("reason") == "Forbidden":  # the guard's answer
                forbidden.append(f"{method} /{route.path}")
    assert sorted(forbidden) == sorted([  # every route of Rasa's API but the console's two
        "GET /", "GET /version", "GET /status", "GET /domain",
        "POST /model/train", "POST /model/test/stories", "POST /model/test/intents", "POST /model/predict",
        "POST /model/parse", "PUT /model", "DELETE /model",
        "PUT /conversations/<conversation_id:path>/tracker/events",
        "GET /conversations/<conversation_id:path>/story",
        "POST /conversations/<conversation_id:path>/execute",
        "POST /conversations/<conversation_id:path>/trigger_intent",
        "POST /conversations/<conversation_id:path>/predict",
        "POST /conversations/<conversation_id:path>/messages",
    ])
    # The console's calls reach Rasa's handlers (no model is loaded here: 409) and Rasa's token check.
    assert answers["GET /conversations/<conversation_id:path>/tracker"] == 409
    assert answers["POST /conversations/<conversation_id:path>/tracker/events"] == 409
    assert requests.get(f"{url}/conversations/c-1/tracker", timeout=5).status_code == 401
    assert answers["POST /webhooks/messenger/webhook"] == 403  # unsigned: the channel's own refusal


def test_a_path_that_looks_like_an_allowed_one_is_judged_by_its_route(url):
    assert requests.post(f"{url}/conversations/c-1/tracker/events/../execute", params={"token": TOKEN}, json={},
                         timeout=5).status_code in (403, 404)
    # A conversation id may hold slashes: this is the tracker of "c-1/execute", which the console may read.
    assert requests.get(f"{url}/conversations/c-1/execute/tracker", params={"token": TOKEN}, timeout=5
                        ).status_code == 409


def test_the_web_chats_socket_is_served(url):
    handshake = requests.get(f"{url}/socket.io/", params={"EIO": "4", "transport": "polling"}, timeout=5)
    assert handshake.status_code == 200 and '"sid"' in handshake.text  # engine.io's open packet


def test_the_allow_list_covers_the_channels():
    assert http_guard.allowed("POST", "webhooks/messenger/webhook")
    assert http_guard.allowed("GET", "socket.io") and http_guard.allowed("POST", "/socket.io")
    assert not http_guard.allowed("POST", "model/parse")
    from bot.channels.web_chat.channel import SOCKET_PATH

    assert SOCKET_PATH.strip("/") == http_guard.SOCKET_IO_ROUTE


def test_rasas_bodies_are_bounded_before_they_are_read(rasa):
    url, app = rasa
    assert app.config.REQUEST_MAX_SIZE == http_guard.REQUEST_MAX_BYTES
    status = raw_request(url, "POST", "/conversations/c-1/tracker/events?token=" + TOKEN,
                         {"Content-Type": "application/json", "Content-Length": str(2 * 1024 * 1024)})
    assert status == 413


def test_a_compressed_body_is_refused_by_rasas_api(url):
    answer = requests.post(f"{url}/conversations/c-1/tracker/events", params={"token": TOKEN},
                           data=gzip.compress(b"[]"), headers={"Content-Encoding": "gzip"}, timeout=5)
    assert answer.status_code == 415


def test_the_console_appends_its_own_kinds_of_event_only():
    from bot.rasa_server.http_guard import console_events_problem

    assert console_events_problem([{"event": "pause"}]) is None
    assert console_events_problem([{"event": "resume"}, {"event": "bot", "text": "I'm back."},
                                   {"event": "action", "name": "action_listen"}]) is None
    assert console_events_problem({"event": "bot", "text": "Hello", "metadata": {"agent": "camille"}}) is None
    for forged in ([{"event": "slot", "name": "identity", "value": "verified"}], [{"event": "user", "text": "hi"}],
                   [{"event": "action", "name": "action_show_balance"}], [{"event": "followup", "name": "x"}],
                   ["pause"], None):
        assert console_events_problem(forged) is not None, forged
