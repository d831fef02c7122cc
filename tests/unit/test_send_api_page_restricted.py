"""Meta restricts the page from sending messages (error 10, subcode 1893063): no retries, a short back-off
for everything, one error line per period, and the signal operators see (the channel's health, the console)."""
from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta, timezone

import pytest

from bot.channels.messenger.channel import MessengerInput
from bot.channels.messenger.graph_api import RetryPolicy, is_transient
from bot.channels.messenger.page_health import PageHealth
from bot.channels.messenger.send_api import PAGE_RESTRICTED, SendApi
from bot.privacy.pseudonyms import pseudonym
from bot.settings import Settings
from tests.support.standin_server import PAGE_TOKEN, standin_in_loop

PSID = "5566778899001122"
FAST = RetryPolicy(max_attempts=4, base_delay_seconds=0.01, max_delay_seconds=0.02, total_seconds=5)
RESTRICTED = {"status": 400, "code": 10, "subcode": 1893063, "message": "(#10) This Page is restricted."}


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 12, 4, 9, 15, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.now


@pytest.mark.parametrize("status", [400, 500, 503])
def test_the_restriction_is_permanent_whatever_the_http_status(status):
    assert not is_transient(status, 10, 1893063)
    assert is_transient(500, 2, None)  # a temporary error still is


async def test_one_refusal_stops_all_sending_for_the_back_off_then_one_message_tries_again(caplog):
    clock = Clock()
    async with standin_in_loop() as (standin, url):
        standin.restricted = True
        api = SendApi(url, PAGE_TOKEN, 2, retry=FAST, clock=clock, health=PageHealth(clock))
        await api.windows.customer_wrote(PSID, clock.now)
        caplog.set_level(logging.INFO)
        try:
            first = await api.deliver(PSID, {"text": "Your balance"})
            later = [await api.deliver(f"{PSID}{n}", {"text": "Hello"}) for n in range(20)]
            typing = await api.send_action(PSID, "typing_on")
            staff = await api.deliver(PSID, {"text": "Marie here"}, from_staff=True)
            assert len(standin.calls) == 1, "one request: no retries, and nothing during the back-off"

            clock.now += timedelta(minutes=5, seconds=1)
            still = await api.deliver(PSID, {"text": "Your balance"})  # one tries again, still restricted
            clock.now += timedelta(minutes=1)
            assert (await api.deliver(PSID, {"text": "x"})).refused == PAGE_RESTRICTED
            clock.now += timedelta(minutes=5)
            standin.restricted = False  # a page admin resolved it
            lifted = await api.deliver(PSID, {"text": "Your balance"})
        finally:
            await api.close()
    assert not first.ok and first.permanent and first.attempts == 1 and (first.code, first.subcode) == (10, 1893063)
    assert first.description == "Meta restricts the page from sending messages"
    assert all(r.refused == PAGE_RESTRICTED and r.attempts == 0 for r in later + [staff]) and typing is False
    assert not still.ok and still.attempts == 1
    assert lifted.ok and api.health.as_json()["page_restricted"] is False
    assert len(standin.calls) == 3 and standin.texts_for(PSID) == ["Your balance"]
    # only page_health's lines: asyncio may log a task another test left behind, garbage-collected meanwhile
    errors = [r.getMessage() for r in caplog.records
              if r.levelno == logging.ERROR and r.name == "bot.channels.messenger.page_health"]
    assert len(errors) == 2, "once per back-off period, never once per message"
    assert "1893063" in errors[0] and "Meta Business Suite" in errors[0]
    assert PSID not in caplog.text and pseudonym(PSID) in caplog.text


async def test_the_signal_says_since_when_and_until_when():
    clock = Clock()
    health = PageHealth(clock)
    assert health.as_json() == {"page_restricted": False, "page_restricted_since": None,
                                "sending_paused_until": None, "handover_disabled": False,
                                "handover_disabled_since": None}
    health.page_restricted()
    clock.now += timedelta(minutes=7)
    health.page_restricted()
    signal = health.as_json()
    assert signal["page_restricted"] is True and signal["page_restricted_since"] == "2026-12-04T09:15:00+00:00"
    assert signal["sending_paused_until"] == "2026-12-04T09:27:00+00:00"
    clock.now += timedelta(minutes=6)
    assert health.as_json()["sending_paused_until"] is None and health.as_json()["page_restricted"] is True
    health.message_accepted()
    assert health.as_json()["page_restricted"] is False


async def test_the_channel_health_route_shows_the_restriction():
    async with standin_in_loop() as (standin, url):
        standin.restricted = True
        channel = MessengerInput(Settings(fb_page_access_token=PAGE_TOKEN, fb_graph_api_url=url, dialogue_thread=False))
        try:
            await channel.get_output_channel().send_text_message(PSID, "Hello")
        finally:
            await channel.send_api.close()
    assert channel.handover.health is channel.health is channel.send_api.health
    body = channel.health_answer()  # what GET /webhooks/messenger/ answers
    assert body["status"] == "ok" and json.loads(json.dumps(body)) == body
    assert body["page_restricted"] is True and body["page_restricted_since"] and body["sending_paused_until"]
