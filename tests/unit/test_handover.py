"""The thread-control client (Conversation Routing's handover endpoints) against a real Graph API stand-in."""
import logging

import aiohttp
import pytest

from bot.channels.messenger.graph_api import GraphApi, RetryPolicy
from bot.channels.messenger.page_health import PageHealth
from bot.channels.messenger.routing import HANDOVER_DISABLED, META_PAGE_INBOX_APP_ID, Handover, refused_by_routing
from bot.channels.messenger.send_api import SendApi
from bot.settings import Settings
from tests.support.standin_server import PAGE_TOKEN, VERSION, standin_in_loop

PSID = "9988776655"
FAST = RetryPolicy(max_attempts=3, base_delay_seconds=0.01, max_delay_seconds=0.02, total_seconds=5)


def handover(url, enabled=True, inbox=META_PAGE_INBOX_APP_ID):
    return Handover(GraphApi(url, PAGE_TOKEN, 2, FAST), enabled=enabled, page_inbox_app_id=inbox)


async def test_passing_to_the_page_inbox_and_taking_back():
    async with standin_in_loop() as (standin, url):
        thread = handover(url)
        try:
            passed = await thread.pass_thread_control(PSID, metadata="customer asked for an advisor")
            async with aiohttp.ClientSession() as http:
                owner_url = url.rsplit("/", 1)[0] + "/_standin/thread_owner"
                async with http.get(owner_url, params={"recipient": PSID}) as resp:
                    owner = await resp.json()
            requested = await thread.request_thread_control(PSID, metadata="the bot would like it back")
            owner_after_request = standin.thread_owner(PSID)
            taken = await thread.take_thread_control(PSID, metadata="advisor done")
        finally:
            await thread.close()
    assert passed.ok and passed.body == {"success": True}
    assert owner == {"recipient": PSID, "thread_owner": {"app_id": META_PAGE_INBOX_APP_ID}}
    assert requested.ok and owner_after_request == META_PAGE_INBOX_APP_ID
    assert taken.ok and standin.thread_owner(PSID) == standin.app_id
    assert [(h["edge"], h["metadata"]) for h in standin.handovers] == [
        ("pass_thread_control", "customer asked for an advisor"),
        ("request_thread_control", "the bot would like it back"),
        ("take_thread_control", "advisor done"),
    ]
    assert standin.handovers[0]["target_app_id"] == META_PAGE_INBOX_APP_ID


async def test_passing_to_another_app():
    async with standin_in_loop() as (standin, url):
        thread = handover(url, inbox="123456789")
        try:
            assert (await thread.pass_thread_control(PSID)).ok
            assert standin.thread_owner(PSID) == "123456789"
            assert (await thread.pass_thread_control(PSID, target_app_id="555")).ok
        finally:
            await thread.close()
    assert standin.thread_owner(PSID) == "555"
    assert "metadata" not in standin.handovers[0] or standin.handovers[0]["metadata"] == ""


async def test_disabled_handover_reaches_nobody():
    async with standin_in_loop() as (standin, url):
        thread = handover(url, enabled=False)
        try:
            results = [
                await thread.pass_thread_control(PSID),
                await thread.take_thread_control(PSID),
                await thread.request_thread_control(PSID),
            ]
        finally:
            await thread.close()
    assert all(not r.ok and r.refused == HANDOVER_DISABLED for r in results)
    assert standin.calls == [] and standin.thread_owner(PSID) is None


async def test_thread_control_is_retried_like_the_send_api():
    async with standin_in_loop() as (standin, url):
        standin.inject_faults(PSID, [{"status": 500, "code": 2}, {"status": 400, "code": 613}])
        thread = handover(url)
        try:
            result = await thread.pass_thread_control(PSID)
        finally:
            await thread.close()
    assert result.ok and result.attempts == 3
    assert standin.thread_owner(PSID) == META_PAGE_INBOX_APP_ID


async def test_an_invalid_target_app_is_a_permanent_error():
    async with standin_in_loop() as (standin, url):
        thread = handover(url, inbox="not-an-app-id")
        try:
            result = await thread.pass_thread_control(PSID)
        finally:
            await thread.close()
    assert not result.ok and result.permanent and result.code == 100 and result.attempts == 1


async def test_metadata_is_limited_to_1000_characters():
    thread = handover(f"http://127.0.0.1:9/{VERSION}")
    with pytest.raises(ValueError):
        await thread.pass_thread_control(PSID, metadata="x" * 1001)


async def test_while_the_inbox_owns_the_thread_the_bot_cannot_send():
    async with standin_in_loop() as (standin, url):
        graph = GraphApi(url, PAGE_TOKEN, 2, FAST)
        thread = Handover(graph, enabled=True)
        send_api = SendApi(url, PAGE_TOKEN, graph=graph)
        try:
            await thread.pass_thread_control(PSID)
            during = await send_api.deliver(PSID, {"text": "still the bot"})
            await thread.take_thread_control(PSID)
            after = await send_api.deliver(PSID, {"text": "the bot again"})
        finally:
            await graph.close()
    assert not during.ok and during.permanent and during.code == 10 and during.attempts == 1
    assert after.ok and standin.texts_for(PSID) == ["the bot again"]


def test_settings_enable_handover_and_name_the_inbox():
    defaults = Settings.from_env({})
    assert defaults.fb_handover_enabled is False and defaults.fb_page_inbox_app_id == META_PAGE_INBOX_APP_ID
    settings = Settings.from_env({"FB_HANDOVER_ENABLED": "true", "FB_PAGE_INBOX_APP_ID": "42"})
    thread = Handover.from_settings(settings)
    assert thread.enabled and thread.page_inbox_app_id == "42"
    assert thread.graph.base_url == settings.fb_graph_api_url


async def test_the_bot_handing_over_passes_the_thread_and_sends_no_message():
    from bot.channels.messenger.channel import MessengerOutput

    async with standin_in_loop() as (standin, url):
        graph = GraphApi(url, PAGE_TOKEN, 2, FAST)
        output = MessengerOutput(SendApi(url, PAGE_TOKEN, graph=graph), handover=Handover(graph, enabled=True))
        try:
            await output.send_custom_json(PSID, {"handover": {"reason": "customer_asked"}})
        finally:
            await graph.close()
    assert standin.thread_owner(PSID) == META_PAGE_INBOX_APP_ID
    assert standin.handovers[0]["metadata"] == "customer_asked"
    assert standin.messages_for(PSID) == []


async def test_without_the_handover_protocol_the_bot_keeps_the_thread():
    from bot.channels.messenger.channel import MessengerOutput

    async with standin_in_loop() as (standin, url):
        graph = GraphApi(url, PAGE_TOKEN, 2, FAST)
        output = MessengerOutput(SendApi(url, PAGE_TOKEN, graph=graph), handover=Handover(graph, enabled=False))
        try:
            await output.send_custom_json(PSID, {"handover": {"reason": "customer_asked"}})
        finally:
            await graph.close()
    assert standin.handovers == [] and standin.messages_for(PSID) == []


async def test_releasing_a_thread_the_bot_owns_leaves_it_to_the_page_routing():
    async with standin_in_loop() as (standin, url):
        thread = handover(url)
        try:
            await thread.take_thread_control(PSID)
            released = await thread.release_thread_control(PSID)
            await thread.pass_thread_control(PSID)
            not_ours = await thread.release_thread_control(PSID)
        finally:
            await thread.close()
    assert released.ok and not not_ours.ok and not_ours.code == 10
    assert standin.thread_owner(PSID) == META_PAGE_INBOX_APP_ID
    assert [h["edge"] for h in standin.handovers] == ["take_thread_control", "release_thread_control",
                                                      "pass_thread_control"]


async def test_handover_apis_disabled_by_the_page_routing_is_an_operator_error_not_a_crash(caplog):
    from bot.channels.messenger.channel import MessengerOutput

    async with standin_in_loop() as (standin, url):
        standin.handover_apis = False
        graph = GraphApi(url, PAGE_TOKEN, 2, FAST)
        health = PageHealth()
        thread = Handover(graph, enabled=True, health=health)
        output = MessengerOutput(SendApi(url, PAGE_TOKEN, graph=graph), handover=thread)
        caplog.set_level(logging.INFO)
        try:
            for customer in (PSID, "another-customer", "a-third-one"):
                await output.send_custom_json(customer, {"handover": {"reason": "customer_asked"}})
            taken = await thread.take_thread_control(PSID)
        finally:
            await graph.close()
    assert not taken.ok and refused_by_routing(taken) and taken.attempts == 1  # permanent: not retried
    assert standin.thread_owner(PSID) is None and standin.sent == []  # the conversation stays with the bot's app
    errors = [r for r in caplog.records if r.levelno == logging.ERROR and r.name == "bot.channels.messenger.page_health"]
    assert len(errors) == 1, "once per period, not once per handoff"
    assert "Handover Protocol APIs disabled" in errors[0].getMessage()
    assert "FB_HANDOVER_ENABLED" in errors[0].getMessage() and "console" in errors[0].getMessage()
    assert health.as_json()["handover_disabled"] is True and health.as_json()["handover_disabled_since"]


async def test_once_the_routing_allows_it_again_the_signal_clears():
    async with standin_in_loop() as (standin, url):
        standin.handover_apis = False
        thread = handover(url)
        try:
            await thread.pass_thread_control(PSID)
            assert thread.health.as_json()["handover_disabled"] is True
            standin.handover_apis = True
            assert (await thread.pass_thread_control(PSID)).ok
        finally:
            await thread.close()
    assert thread.health.as_json()["handover_disabled"] is False


@pytest.mark.parametrize("kind, app_id, back", [
    ("pass_thread_control", "1000000000000001", True),
    ("pass_thread_control", None, True),
    ("pass_thread_control", META_PAGE_INBOX_APP_ID, False),
    ("release_thread_control", None, True),
    ("take_thread_control", META_PAGE_INBOX_APP_ID, False),
    ("request_thread_control", META_PAGE_INBOX_APP_ID, False),
])
def test_which_notifications_give_the_thread_back_to_the_bot(kind, app_id, back):
    assert handover(f"http://127.0.0.1:9/{VERSION}").returns_to_this_app(kind, app_id) is back
