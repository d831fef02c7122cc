"""The Page Inbox giving a conversation back ends the handoff: Rasa resumes, the console's entry is closed.

Meta's notification comes from the Graph API stand-in (its Page Inbox moves), is posted signed to the
Messenger channel, whose hook (wired as the Rasa server wires it) calls a stand-in for Rasa's HTTP API
and the handoff queue on a SQLite branch database.
"""
from __future__ import annotations

import json
import logging
from datetime import timedelta
from typing import Any, Dict, List

import pytest

import bot.channels.messenger.channel as channel_module
from bot.branch_db import session_factory
from bot.channels.messenger.channel import MessengerInput
from bot.channels.messenger.routing import META_PAGE_INBOX_APP_ID
from bot.channels.messenger.webhook import sign
from bot.devtools.graph_standin import GraphStandin
from bot.handoff.models import CLOSE, CLOSED, SYSTEM_AGENT, TAKEN, WAITING
from bot.handoff.queue import HandoffQueue
from bot.handoff.rasa_control import BACK_NOTE, RasaControl
from bot.handoff.thread_control import PAGE_INBOX_DETAIL, ThreadControlHook
from bot.settings import Settings
from tests.support.standin_server import PAGE_TOKEN
from tests.unit.recording_send_api import RecordingSendApi
from tests.unit.test_handoff_rasa_control import TOKEN, FakeRasa, serving

SECRET = "unit-app-secret"
PSID = "psid-4455667788"


@pytest.fixture
def queue(tmp_path):
    return HandoffQueue(session_factory(f"sqlite:///{tmp_path / 'branch.db'}"), sla=timedelta(minutes=30))


@pytest.fixture
async def rasa():
    fake = FakeRasa()
    async with serving(fake.app()) as url:
        yield fake, url


def channel_with_hook(rasa_url: str, queue: HandoffQueue) -> MessengerInput:
    settings = Settings(fb_app_secret=SECRET, fb_handover_enabled=True, rasa_url=rasa_url, rasa_api_token=TOKEN,
                        dialogue_thread=False)
    channel = MessengerInput(settings, send_api=RecordingSendApi())
    channel.wire_handoff()
    channel.on_thread_control._queue = lambda: queue  # the test's branch database
    return channel


async def post(channel: MessengerInput, body: Dict[str, Any]) -> int:
    raw = json.dumps(body).encode()
    status = channel.receive_webhook(raw, sign(raw, SECRET), _no_dialogue).status
    await channel.queues.wait_idle()
    return status


async def _no_dialogue(message: Any) -> None:
    raise AssertionError(f"a thread-control notification reached Rasa: {message.text}")


def resumed(fake: FakeRasa) -> List[Any]:
    return [(cid, [e["event"] for e in events], query.get("output_channel"))
            for cid, events, query in fake.appended]


def test_the_rasa_server_channel_is_built_with_the_hook(monkeypatch):
    settings = Settings(rasa_url="http://127.0.0.1:5999", rasa_api_token="server-token", fb_handover_enabled=True)
    monkeypatch.setattr(channel_module, "get_settings", lambda: settings)
    channel = MessengerInput.from_credentials(None)
    hook = channel.on_thread_control
    assert isinstance(hook, ThreadControlHook)
    assert hook.handover is channel.handover and isinstance(hook.rasa, RasaControl)
    assert hook.rasa.rasa_url == "http://127.0.0.1:5999" and hook.rasa._token == "server-token"
    assert MessengerInput(settings).on_thread_control is None  # only the Rasa server's channel has it


@pytest.mark.parametrize("taken", [False, True])
async def test_the_page_inbox_passing_the_thread_back_resumes_the_bot_and_closes_the_entry(rasa, queue, taken):
    fake, url = rasa
    handoff_id = queue.request_handoff(PSID, "messenger", "customer_asked", "talk to a human")
    if taken:
        assert queue.take(handoff_id, "alice")
    standin = GraphStandin(page_access_token=PAGE_TOKEN)
    standin.thread_owners[PSID] = META_PAGE_INBOX_APP_ID  # the bot had passed it to the Page Inbox
    channel = channel_with_hook(url, queue)
    try:
        assert await post(channel, standin.page_inbox_passes_back(PSID)) == 200
    finally:
        await channel.on_thread_control.close()
    assert standin.thread_owner(PSID) == standin.app_id
    assert resumed(fake) == [(PSID, ["resume", "bot", "action"], "latest")]
    assert fake.appended[0][1][1]["text"] == BACK_NOTE
    view = queue.get(handoff_id)
    assert view.status == CLOSED and not queue.is_paused(PSID)
    last = queue.actions(handoff_id)[-1]
    assert (last.agent, last.action, last.detail) == (SYSTEM_AGENT, CLOSE, PAGE_INBOX_DETAIL)


async def test_a_release_by_the_page_inbox_ends_the_handoff_too(rasa, queue):
    fake, url = rasa
    handoff_id = queue.request_handoff(PSID, "messenger", "customer_asked", "help")
    standin = GraphStandin(page_access_token=PAGE_TOKEN)
    channel = channel_with_hook(url, queue)
    try:
        released = standin.page_inbox_releases(PSID)
        await post(channel, released)
        await post(channel, released)  # Meta's retry of the same notification: handled once
    finally:
        await channel.on_thread_control.close()
    assert [cid for cid, _, _ in resumed(fake)] == [PSID]
    assert queue.get(handoff_id).status == CLOSED


async def test_the_page_inbox_taking_or_being_asked_for_the_thread_changes_nothing(rasa, queue):
    fake, url = rasa
    handoff_id = queue.request_handoff(PSID, "messenger", "customer_asked", "help")
    standin = GraphStandin(page_access_token=PAGE_TOKEN)
    channel = channel_with_hook(url, queue)
    taken = standin.page_inbox_takes(PSID)
    passed_to_inbox = json.loads(json.dumps(taken).replace("take_thread_control", "pass_thread_control"))
    requested = json.loads(json.dumps(taken).replace("take_thread_control", "request_thread_control"))
    requested["entry"][0]["messaging"][0]["request_thread_control"] = {"requested_owner_app_id": standin.app_id}
    try:
        for body in (taken, passed_to_inbox, requested):
            assert await post(channel, body) == 200
    finally:
        await channel.on_thread_control.close()
    assert fake.appended == []
    assert queue.get(handoff_id).status == WAITING


async def test_when_rasa_cannot_resume_the_entry_stays_open_for_the_idle_sweep(queue, caplog):
    handoff_id = queue.request_handoff(PSID, "messenger", "customer_asked", "help")
    queue.take(handoff_id, "alice")
    hook = ThreadControlHook(
        channel_with_hook("http://127.0.0.1:9", queue).handover, RasaControl("http://127.0.0.1:9", TOKEN),
        queue=lambda: queue,
    )
    caplog.set_level(logging.ERROR)
    try:
        await hook(PSID, "pass_thread_control", "1000000000000001")
    finally:
        await hook.close()
    assert queue.get(handoff_id).status == TAKEN
    assert "could not resume" in caplog.text and PSID not in caplog.text


async def test_without_an_open_handoff_the_bot_is_resumed_all_the_same(rasa, queue):
    fake, url = rasa
    channel = channel_with_hook(url, queue)
    try:
        await channel.on_thread_control(PSID, "pass_thread_control", None)
    finally:
        await channel.on_thread_control.close()
    assert [cid for cid, _, _ in resumed(fake)] == [PSID]
