import json

import pytest

from bot.channels.messenger.channel import MessengerInput
from bot.channels.messenger.webhook import sign
from bot.channels.offered_payloads import InMemoryOfferedPayloads
from bot.channels.typed_text import as_typed_text, clean_text
from bot.channels.web_chat.channel import WebChatInput
from bot.settings import Settings
from tests.unit.recording_send_api import RecordingSendApi


@pytest.mark.parametrize("typed, expected", [
    ("/affirm", "affirm"),
    ('/check_balance{"customer":"100002"}', 'check_balance{"customer":"100002"}'),
    ("  //greet ", "greet"),
    ("/ /inform", "inform"),
    ("what's my balance?", "what's my balance?"),
    ("50/50 split", "50/50 split"),
])
def test_typed_text_never_starts_with_a_command_prefix(typed, expected):
    assert as_typed_text(typed) == expected


@pytest.mark.parametrize("typed, expected", [
    ("hello \ud800 world", "hello \ufffd world"),  # a lone surrogate: what JSON's "\ud800" decodes to
    ("\udc00\ud83d", "\ufffd\ufffd"),
    ("bad\ufffe\uffff\ufdd0\U0001fffe end", "bad\ufffd\ufffd\ufffd\ufffd end"),  # noncharacters
    ("a\x00b\x07c\x1bd\x7fe\x9bf", "abcdef"),  # controls removed
    ("line one\r\nline two\rthree\ttab", "line one\nline two\nthree\ttab"),
    ("\x00/check_balance", "check_balance"),  # no control character hides a command prefix
    ("emoji 👍🏽 and é", "emoji 👍🏽 and é"),  # valid text is untouched
])
def test_typed_text_is_valid_unicode_without_control_characters(typed, expected):
    cleaned = as_typed_text(typed)
    assert cleaned == expected
    cleaned.encode("utf-8")  # what NLU, the tracker store and Redis do with it


def test_clean_text_keeps_a_command_but_makes_it_valid():
    assert clean_text("/affirm\ud800") == "/affirm\ufffd"
    assert clean_text(None) == ""


SECRET = "unit-app-secret"
PSID = "psid-1234567890"


class Recorder:
    def __init__(self) -> None:
        self.texts = []

    async def __call__(self, message) -> None:
        self.texts.append(message.text)


async def test_messenger_text_and_tap_titles_reach_rasa_as_valid_text():
    channel = MessengerInput(Settings(fb_app_secret=SECRET), send_api=RecordingSendApi(log=[]),
                             offered=InMemoryOfferedPayloads())
    rasa = Recorder()
    base = {"sender": {"id": PSID}, "recipient": {"id": "page-1"}, "timestamp": 1700000000000}
    body = {"object": "page", "entry": [{"id": "page-1", "time": 1, "messaging": [
        {**base, "message": {"mid": "m1", "text": "hi \ud800"}},
        {**base, "message": {"mid": "m2", "text": "Yes\udfff", "quick_reply": {"payload": "/affirm\ud800"}}},
        {**base, "postback": {"mid": "m3", "title": "No\x00", "payload": "\ud800"}},
    ]}]}
    raw = json.dumps(body).encode()
    assert b"\\ud800" in raw
    assert channel.receive_webhook(raw, sign(raw, SECRET), rasa).status == 200
    await channel.queues.wait_idle()
    assert rasa.texts == ["hi \ufffd", "Yes\ufffd", "No"]


async def test_web_chat_text_and_tap_titles_reach_rasa_as_valid_text():
    channel = WebChatInput(Settings())
    await channel.offered.record("session-1", ["/affirm"])
    assert await channel._text_for_rasa("session-1", "hi \ud800\x00", None) == "hi \ufffd"
    assert await channel._text_for_rasa("session-1", "Yes\ud800", "/affirm\ud800") == "Yes\ufffd"
    assert await channel._text_for_rasa("session-1", "Yes", "/affirm") == "/affirm"
