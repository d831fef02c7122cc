"""The Messenger webhook in Rasa's server app: bodies are bounded before the signature is checked, compressed and
deeply nested ones are refused with a 4xx."""
from __future__ import annotations

import gzip
import json
from typing import Dict, Iterator

import pytest
import requests
from rasa import server as rasa_server
from rasa.core.channels import channel as rasa_channels
from sanic import Sanic

from bot.channels.messenger.channel import MAX_WEBHOOK_BYTES, MessengerInput
from bot.channels.messenger.webhook import SIGNATURE_HEADER, sign
from bot.channels.offered_payloads import InMemoryOfferedPayloads
from bot.settings import Settings
from tests.support.raw_http import raw_request
from tests.support.sanic_serving import serving
from tests.unit.recording_send_api import RecordingSendApi

TOKEN = "unit-rasa-api-token"
SECRET = "unit-app-secret"
WEBHOOK = "/webhooks/messenger/webhook"
EMPTY_BATCH = json.dumps({"object": "page", "entry": []}).encode()


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    """Rasa's server app as `rasa run --enable-api --auth-token` builds it, with the branch's Messenger channel."""
    test_mode, Sanic.test_mode = Sanic.test_mode, True
    try:
        app = rasa_server.create_app(auth_token=TOKEN)
        messenger = MessengerInput(Settings(fb_app_secret=SECRET, dialogue_thread=False), send_api=RecordingSendApi(),
                                   offered=InMemoryOfferedPayloads())
        rasa_channels.register([messenger], app, route="/webhooks/")
        with serving(app) as base_url:
            yield base_url
    finally:
        Sanic.test_mode = test_mode


def signed(body: bytes) -> Dict[str, str]:
    return {"Content-Type": "application/json", SIGNATURE_HEADER: sign(body, SECRET)}


def test_a_signed_batch_is_received(url):
    assert requests.post(url + WEBHOOK, data=EMPTY_BATCH, headers=signed(EMPTY_BATCH), timeout=5).text == \
        "EVENT_RECEIVED"


def test_a_5_mb_webhook_is_refused_from_its_content_length_before_it_is_read(url):
    status = raw_request(url, "POST", WEBHOOK, {"Content-Type": "application/json", SIGNATURE_HEADER: "sha256=00",
                                               "Content-Length": str(5 * 1024 * 1024)})
    assert status == 413


def test_a_chunked_webhook_is_refused_once_it_passes_the_limit(url):
    chunk = b"x" * (64 * 1024)
    chunks = [chunk] * (MAX_WEBHOOK_BYTES // len(chunk) + 1)
    status = raw_request(url, "POST", WEBHOOK, {"Content-Type": "application/json", "Transfer-Encoding": "chunked"},
                         chunks=chunks)
    assert status == 413


def test_a_chunked_webhook_within_the_limit_is_received(url):
    status = raw_request(url, "POST", WEBHOOK, {**signed(EMPTY_BATCH), "Transfer-Encoding": "chunked"},
                         chunks=[EMPTY_BATCH[:10], EMPTY_BATCH[10:]])
    assert status == 200


def test_a_compressed_webhook_is_refused(url):
    body = gzip.compress(EMPTY_BATCH)
    answer = requests.post(url + WEBHOOK, data=body, headers={**signed(body), "Content-Encoding": "gzip"}, timeout=5)
    assert answer.status_code == 415


def test_a_deeply_nested_webhook_is_a_400_not_a_500(url):
    body = b"[" * 20_000 + b"]" * 20_000
    answer = requests.post(url + WEBHOOK, data=body, headers=signed(body), timeout=5)
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "invalid_request"
