"""Sender actions go out in the background, and nothing overtakes them: against a real stand-in."""
import asyncio
from datetime import datetime, timedelta, timezone

from bot.channels.messenger.graph_api import RetryPolicy
from bot.channels.messenger.send_api import SendApi
from tests.support.standin_server import PAGE_TOKEN, standin_in_loop

PSID = "2411223344556677"
FAST = RetryPolicy(max_attempts=2, base_delay_seconds=0.01, max_delay_seconds=0.05, total_seconds=5)


def sent(standin):
    return [s.body.get("sender_action") or s.body["message"]["text"] for s in standin.messages_for(PSID)]


async def test_the_caller_does_not_wait_for_meta_and_the_message_still_comes_after_the_actions():
    async with standin_in_loop() as (standin, url):
        standin.inject_faults(PSID, [{"delay": 0.5}, {"delay": 0.5}])  # Meta is slow to answer both actions
        api = SendApi(url, PAGE_TOKEN, 5, retry=FAST)
        try:
            await api.windows.customer_wrote(PSID, datetime.now(timezone.utc))
            assert await api.send_action(PSID, "mark_seen") is True
            assert await api.send_action(PSID, "typing_on") is True
            assert sent(standin) == []  # both on their way: the caller did not wait for Meta
            assert await api.send_message(PSID, {"text": "Your balance"}) is True
            assert sent(standin) == ["mark_seen", "typing_on", "Your balance"]
        finally:
            await api.close()


async def test_close_sends_what_is_still_on_its_way():
    async with standin_in_loop() as (standin, url):
        standin.inject_faults(PSID, [{"delay": 0.3}])
        api = SendApi(url, PAGE_TOKEN, 5, retry=FAST)
        assert await api.send_action(PSID, "typing_on") is True
        await api.close()
    assert sent(standin) == ["typing_on"]


async def test_an_action_outside_the_window_is_refused_at_once_and_never_sent():
    async with standin_in_loop() as (standin, url):
        api = SendApi(url, PAGE_TOKEN, 5, retry=FAST)
        await api.windows.customer_wrote(PSID, datetime.now(timezone.utc) - timedelta(hours=25))
        try:
            assert await api.send_action(PSID, "typing_on") is False
        finally:
            await api.close()
    assert standin.calls == []


async def test_a_failed_action_does_not_stop_the_message():
    async with standin_in_loop() as (standin, url):
        standin.inject_faults(PSID, [{"status": 400, "code": 100, "message": "(#100) bad"}])  # permanent
        api = SendApi(url, PAGE_TOKEN, 5, retry=FAST)
        try:
            assert await api.send_action(PSID, "typing_on") is True
            assert await api.send_message(PSID, {"text": "Hello"}) is True
            await asyncio.sleep(0)
        finally:
            await api.close()
    assert sent(standin) == ["Hello"]
    assert [c.status for c in standin.calls_for(PSID, "messages")] == [400, 200]
