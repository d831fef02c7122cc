"""RasaControl against a small stand-in for Rasa's HTTP API and the Graph API stand-in."""
import time
from contextlib import asynccontextmanager

import pytest
from aiohttp import web

from bot.channels.messenger.graph_api import GraphApi, RetryPolicy
from bot.channels.messenger.routing import Handover
from bot.channels.messenger.send_api import SendApi
from bot.dialogue_signals import DISCLOSURE_KEY
from bot.handoff.rasa_control import BACK_NOTE, RasaControl, RasaControlError
from tests.support.standin_server import PAGE_TOKEN, standin_in_loop

TOKEN = "unit-rasa-token"
PSID = "1234567890"
FAST = RetryPolicy(max_attempts=2, base_delay_seconds=0.01, max_delay_seconds=0.02, total_seconds=2)


class FakeRasa:
    """Keeps each conversation's events; answers 401 without the token, like `rasa run --auth-token`."""

    def __init__(self) -> None:
        self.events = {}
        self.appended = []  # (conversation, events, query)

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/conversations/{cid}/tracker", self._tracker)
        app.router.add_post("/conversations/{cid}/tracker/events", self._append)
        return app

    def _authorised(self, request):
        if request.query.get("token") != TOKEN:
            raise web.HTTPUnauthorized(text='{"status": "failure", "reason": "NotAuthenticated"}')

    async def _tracker(self, request):
        self._authorised(request)
        return web.json_response({"sender_id": request.match_info["cid"],
                                  "events": self.events.get(request.match_info["cid"], [])})

    async def _append(self, request):
        self._authorised(request)
        body = await request.json()
        cid = request.match_info["cid"]
        self.appended.append((cid, body, dict(request.query)))
        self.events.setdefault(cid, []).extend(body)
        return web.json_response({"sender_id": cid})


@asynccontextmanager
async def serving(app):
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


def customer_said(rasa, text, seconds_ago):
    rasa.events.setdefault(PSID, []).append(
        {"event": "user", "text": text, "timestamp": time.time() - seconds_ago, "parse_data": {"intent": {"name": "x"}}})


async def test_pause_resume_and_the_token():
    rasa = FakeRasa()
    async with serving(rasa.app()) as url:
        control = RasaControl(url, TOKEN)
        try:
            await control.pause(PSID)
            await control.resume(PSID)
        finally:
            await control.close()
        intruder = RasaControl(url, "wrong")
        try:
            with pytest.raises(RasaControlError) as refused:
                await intruder.pause(PSID)
        finally:
            await intruder.close()
    assert refused.value.status == 401 and TOKEN not in str(refused.value)
    (_, paused, q1), (_, resumed, q2) = rasa.appended
    assert paused == [{"event": "pause"}] and "execute_side_effects" not in q1
    # The back note says the customer talks to the automated assistant again, and is marked so.
    assert resumed == [{"event": "resume"}, {"event": "bot", "text": BACK_NOTE, "metadata": {DISCLOSURE_KEY: True}},
                       {"event": "action", "name": "action_listen"}]
    assert q2["output_channel"] == "latest" and q2["execute_side_effects"] == "true"


async def test_a_messenger_message_from_staff_goes_by_the_send_api_then_into_the_tracker():
    rasa = FakeRasa()
    customer_said(rasa, "hello", seconds_ago=60)
    async with standin_in_loop() as (standin, graph_url), serving(rasa.app()) as url:
        control = RasaControl(url, TOKEN, send_api=SendApi(graph_url, PAGE_TOKEN, 2, retry=FAST))
        try:
            result = await control.send_as_agent(PSID, "messenger", "Hi, Alice here", "alice")
        finally:
            await control.close()
    assert result.delivered and result.recorded
    [sent] = [s.body for s in standin.messages_for(PSID) if "message" in s.body]
    assert sent["message"] == {"text": "Hi, Alice here"} and sent["messaging_type"] == "RESPONSE"
    assert rasa.appended[-1][1] == [{"event": "bot", "text": "Hi, Alice here", "metadata": {"agent": "alice"}}]
    assert "output_channel" not in rasa.appended[-1][2]  # delivered already: Rasa must not send it again


async def test_after_a_day_staff_write_with_the_human_agent_tag():
    rasa = FakeRasa()
    customer_said(rasa, "hello", seconds_ago=3 * 86400)
    async with standin_in_loop() as (standin, graph_url), serving(rasa.app()) as url:
        control = RasaControl(url, TOKEN, send_api=SendApi(graph_url, PAGE_TOKEN, 2, retry=FAST))
        try:
            result = await control.send_as_agent(PSID, "messenger", "Sorry for the wait", "alice")
        finally:
            await control.close()
    [sent] = [s.body for s in standin.messages_for(PSID) if "message" in s.body]
    assert result.delivered and (sent["messaging_type"], sent["tag"]) == ("MESSAGE_TAG", "HUMAN_AGENT")


async def test_after_seven_days_nothing_is_sent_or_recorded_and_the_reason_is_given():
    rasa = FakeRasa()
    customer_said(rasa, "hello", seconds_ago=8 * 86400)
    async with standin_in_loop() as (standin, graph_url), serving(rasa.app()) as url:
        control = RasaControl(url, TOKEN, send_api=SendApi(graph_url, PAGE_TOKEN, 2, retry=FAST))
        try:
            result = await control.send_as_agent(PSID, "messenger", "Anyone?", "alice")
        finally:
            await control.close()
    assert not result.delivered and not result.recorded and "messaging window" in result.reason
    assert standin.messages_for(PSID) == [] and rasa.appended == []


async def test_a_widget_message_is_emitted_by_rasas_socketio_channel():
    rasa = FakeRasa()
    async with serving(rasa.app()) as url:
        control = RasaControl(url, TOKEN)
        try:
            result = await control.send_as_agent("socket-session-1", "socketio", "Hello from Bob", "bob", "Bob Martin")
        finally:
            await control.close()
    assert result.delivered and result.recorded
    cid, events, query = rasa.appended[-1]
    # Who wrote it, and the name the widget shows (bot/rasa_server/message_language.py).
    assert cid == "socket-session-1" and events[0]["metadata"] == {"agent": "bob", "agent_name": "Bob Martin"}
    assert (query["output_channel"], query["execute_side_effects"]) == ("socketio", "true")


async def test_handing_back_on_messenger_takes_the_thread_when_the_protocol_is_on():
    rasa = FakeRasa()
    async with standin_in_loop() as (standin, graph_url), serving(rasa.app()) as url:
        handover = Handover(GraphApi(graph_url, PAGE_TOKEN, 2, FAST), enabled=True)
        control = RasaControl(url, TOKEN, handover=handover)
        try:
            await handover.pass_thread_control(PSID)
            await control.hand_back(PSID, "messenger")
        finally:
            await control.close()
            await handover.close()
    assert [h["edge"] for h in standin.handovers] == ["pass_thread_control", "take_thread_control"]
    assert rasa.appended[-1][1][0] == {"event": "resume"}


async def test_transcript_masks_codes():
    rasa = FakeRasa()
    rasa.events[PSID] = [
        {"event": "slot", "name": "requested_slot", "value": "otp_code"},
        {"event": "user", "text": "48 29 13", "timestamp": 1_700_000_000.0},
        {"event": "bot", "text": "Your code 123456 expired", "timestamp": 1_700_000_001.0},
    ]
    async with serving(rasa.app()) as url:
        control = RasaControl(url, TOKEN)
        try:
            lines = await control.transcript(PSID)
        finally:
            await control.close()
    assert [(l["who"], l["text"]) for l in lines] == [("customer", "••••••"), ("bot", "Your code •••••• expired")]
