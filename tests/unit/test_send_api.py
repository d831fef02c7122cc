"""The Send API client against a real Graph API stand-in on a loopback port."""
import logging
import random
import time
from datetime import datetime, timedelta, timezone

import pytest

from bot.channels.messenger.graph_api import GraphApi, RetryPolicy
from bot.channels.messenger.messaging_window import MessagingWindows
from bot.channels.messenger.send_api import OUTSIDE_WINDOW, SendApi
from bot.privacy.pseudonyms import pseudonym
from tests.support.processes import free_port
from tests.support.standin_server import PAGE_TOKEN, VERSION, standin_in_loop

PSID = "2411223344556677"
FAST = RetryPolicy(max_attempts=4, base_delay_seconds=0.01, max_delay_seconds=0.05, total_seconds=5)


def now():
    return datetime.now(timezone.utc)


def send_api(url, token=PAGE_TOKEN, retry=FAST, timeout=2, windows=None):
    return SendApi(url, token, timeout, retry=retry, windows=windows)


async def test_a_bot_reply_goes_out_as_a_response():
    async with standin_in_loop() as (standin, url):
        api = send_api(url)
        try:
            await api.windows.customer_wrote(PSID, now())
            result = await api.deliver(PSID, {"text": "Hello"})
            assert await api.send_message(PSID, {"text": "Again"}) is True
            assert await api.send_action(PSID, "typing_on") is True
        finally:
            await api.close()
    assert result.ok and result.attempts == 1 and result.message_id
    bodies = [s.body for s in standin.messages_for(PSID)]
    assert bodies[0] == {"recipient": {"id": PSID}, "messaging_type": "RESPONSE", "message": {"text": "Hello"}}
    assert bodies[2] == {"recipient": {"id": PSID}, "sender_action": "typing_on"}


async def test_temporary_errors_and_rate_limits_are_retried_until_meta_accepts():
    async with standin_in_loop() as (standin, url):
        standin.inject_faults(PSID, [
            {"status": 500, "code": 2},
            {"status": 400, "code": 613, "message": "Calls to this api have exceeded the rate limit."},
            {"status": 500, "code": 1200, "message": "Temporary send message failure. Please try again later"},
        ])
        api = send_api(url)
        try:
            result = await api.deliver(PSID, {"text": "Your balance"})
        finally:
            await api.close()
    assert result.ok and result.attempts == 4
    assert [c.status for c in standin.calls_for(PSID, "messages")] == [500, 400, 500, 200]
    assert standin.texts_for(PSID) == ["Your balance"]  # sent once


@pytest.mark.parametrize("fault", [{"status": 503}, {"status": 400, "code": 4}, {"status": 429, "code": 80006}])
async def test_it_gives_up_after_the_last_attempt(fault):
    async with standin_in_loop() as (standin, url):
        standin.inject_faults(PSID, [fault] * 10)
        api = send_api(url)
        try:
            result = await api.deliver(PSID, {"text": "hi"})
        finally:
            await api.close()
    assert not result.ok and not result.permanent
    assert result.attempts == FAST.max_attempts == len(standin.calls_for(PSID))
    assert standin.texts_for(PSID) == []


@pytest.mark.parametrize("code, subcode", [(551, 1545041), (10, 2018278), (100, None), (200, None)])
async def test_permanent_errors_are_not_retried_and_are_logged_with_a_pseudonym(code, subcode, caplog):
    caplog.set_level(logging.INFO)
    async with standin_in_loop() as (standin, url):
        standin.inject_faults(PSID, [{"status": 400, "code": code, "subcode": subcode}, {"status": 500}])
        api = send_api(url)
        try:
            result = await api.deliver(PSID, {"text": "hi"})
        finally:
            await api.close()
    assert not result.ok and result.permanent
    assert (result.code, result.subcode, result.attempts) == (code, subcode, 1)
    assert len(standin.calls_for(PSID)) == 1
    assert pseudonym(PSID) in caplog.text and f"code {code}" in caplog.text
    assert PSID not in caplog.text


async def test_a_wrong_page_token_is_permanent_and_never_logged(caplog):
    caplog.set_level(logging.DEBUG)
    async with standin_in_loop() as (standin, url):
        api = send_api(url, token="secret-but-wrong-token")
        await api.windows.customer_wrote(PSID, now())
        try:
            result = await api.deliver(PSID, {"text": "hi"})
        finally:
            await api.close()
    assert result.permanent and result.code == 190 and result.attempts == 1
    assert "secret-but-wrong-token" not in caplog.text


async def test_a_timeout_is_retried():
    async with standin_in_loop() as (standin, url):
        standin.inject_faults(PSID, [{"delay": 1.0, "status": 500}])
        api = send_api(url, timeout=0.2)
        try:
            started = time.monotonic()
            result = await api.deliver(PSID, {"text": "hi"})
            elapsed = time.monotonic() - started
        finally:
            await api.close()
    assert result.ok and result.attempts == 2
    assert elapsed < 0.9  # did not wait for the slow answer
    assert standin.texts_for(PSID) == ["hi"]


async def test_an_unreachable_graph_api_is_retried_then_reported():
    api = send_api(f"http://127.0.0.1:{free_port()}/{VERSION}")
    try:
        result = await api.deliver(PSID, {"text": "hi"})
    finally:
        await api.close()
    assert not result.ok and not result.permanent
    assert result.status is None and result.attempts == FAST.max_attempts


async def test_the_time_budget_bounds_the_retries():
    budget = RetryPolicy(max_attempts=50, base_delay_seconds=0.1, max_delay_seconds=0.1, total_seconds=0.4)
    async with standin_in_loop() as (standin, url):
        standin.inject_faults(PSID, [{"status": 502}] * 50)
        api = send_api(url, retry=budget)
        try:
            started = time.monotonic()
            result = await api.deliver(PSID, {"text": "hi"})
            elapsed = time.monotonic() - started
        finally:
            await api.close()
    assert not result.ok and 2 <= result.attempts < 10
    assert elapsed < 1.0


async def test_backoff_grows_exponentially_with_jitter_and_honours_retry_after():
    waits = []

    async def recording_sleep(seconds):
        waits.append(seconds)

    policy = RetryPolicy(max_attempts=5, base_delay_seconds=0.1, max_delay_seconds=0.3, total_seconds=30)
    async with standin_in_loop() as (standin, url):
        standin.inject_faults(PSID, [{"status": 500}] * 3 + [{"status": 400, "code": 4, "retry_after": 2}])
        graph = GraphApi(url, PAGE_TOKEN, 2, policy, sleep=recording_sleep, rng=random.Random(7))
        try:
            result = await graph.post("me/messages", {
                "recipient": {"id": PSID}, "messaging_type": "RESPONSE", "message": {"text": "hi"}}, recipient_id=PSID)
        finally:
            await graph.close()
    assert result.ok and result.attempts == 5
    assert 0.05 <= waits[0] <= 0.1 and 0.1 <= waits[1] <= 0.2 and 0.15 <= waits[2] <= 0.3  # capped at max
    assert waits[3] == 0.3  # Retry-After: 2 s, but never more than the maximum delay
    assert len(set(waits[:3])) == 3


async def test_staff_write_with_the_human_agent_tag_between_24_hours_and_7_days():
    async with standin_in_loop() as (standin, url):
        api = send_api(url)
        wrote = now() - timedelta(hours=30)
        await api.windows.customer_wrote(PSID, wrote)
        standin.customer_wrote(PSID, wrote)  # the stand-in enforces the windows too
        try:
            staff = await api.deliver(PSID, {"text": "Hello, this is Marie from your branch"}, from_staff=True)
            bot = await api.deliver(PSID, {"text": "I'm the bot"})
            typing = await api.deliver_action(PSID, "typing_on")
        finally:
            await api.close()
    assert staff.ok
    assert standin.messages_for(PSID)[0].body["messaging_type"] == "MESSAGE_TAG"
    assert standin.messages_for(PSID)[0].body["tag"] == "HUMAN_AGENT"
    assert not bot.ok and bot.refused == OUTSIDE_WINDOW and bot.permanent and bot.attempts == 0
    assert not typing.ok and typing.refused == OUTSIDE_WINDOW
    assert len(standin.calls_for(PSID)) == 1  # nothing refused here reached Meta


@pytest.mark.parametrize("last_wrote", [None, timedelta(days=7, minutes=1)])
async def test_staff_cannot_write_without_a_known_message_in_the_last_7_days(last_wrote):
    async with standin_in_loop() as (standin, url):
        windows = MessagingWindows()
        if last_wrote is not None:
            await windows.customer_wrote(PSID, now() - last_wrote)
        api = send_api(url, windows=windows)
        try:
            result = await api.deliver(PSID, {"text": "Hello"}, from_staff=True)
            sent = await api.send_message(PSID, {"text": "Hello"}, from_staff=True)
        finally:
            await api.close()
    assert not result.ok and result.refused == OUTSIDE_WINDOW and not sent
    assert standin.calls == []


async def test_a_bot_reply_to_a_customer_the_store_does_not_know_is_a_response():
    async with standin_in_loop() as (standin, url):
        api = send_api(url)  # a fresh store: as after a restart
        try:
            assert await api.send_message(PSID, {"text": "Hi"})
        finally:
            await api.close()
    assert standin.messages_for(PSID)[0].body["messaging_type"] == "RESPONSE"


async def test_unknown_sender_actions_are_a_programming_error():
    api = send_api(f"http://127.0.0.1:9/{VERSION}")
    with pytest.raises(ValueError):
        await api.send_action(PSID, "dance")
