"""The console's queue pages over HTTP: the real web app, a temporary SQLite database, and a stand-in for
Rasa's HTTP API that records every call (the real Rasa path is covered by
tests/integration/test_handoff_conversation.py)."""
from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import AsyncIterator

import pytest
from aiohttp.test_utils import TestClient, TestServer
from yarl import URL

from bot.branch_db import session_factory
from bot.clock import utc_now
from bot.handoff.queue import HandoffQueue
from bot.settings import Settings
from bot.staff.store import StaffStore
from bot.web.app import build_app
from bot.web.console.queue_pages import waiting_label
from tests.unit.staff_support import PASSWORD, FakeClock, database_url, new_store
from tests.unit.test_handoff_rasa_control import TOKEN, FakeRasa, serving

CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')
WIDGET_ID = "socket-session-1"
PSID = "2345678901"
CARD_MESSAGE = "my card 4111 1111 1111 1111 was <b>swallowed</b>"


@dataclass
class Console:
    alice: TestClient
    bob: TestClient
    rasa: FakeRasa
    queue: HandoffQueue
    store: StaffStore


def queue_with_clock(tmp_path: Path, minutes_ago: float) -> HandoffQueue:
    return HandoffQueue(session_factory(database_url(tmp_path)), clock=lambda: utc_now() - timedelta(minutes=minutes_ago))


@pytest.fixture
async def console(tmp_path: Path) -> AsyncIterator[Console]:
    store = new_store(tmp_path, FakeClock())
    store.add_account("alice", "Alice Martin", PASSWORD)
    store.add_account("bob", "Bob Durand", PASSWORD)
    rasa = FakeRasa()
    async with serving(rasa.app()) as rasa_url:
        settings = Settings(branch_database_url=database_url(tmp_path), rasa_url=rasa_url,
                            rasa_api_token=TOKEN, handoff_sla_minutes=30)
        server = TestServer(build_app(settings, staff_store=store))
        alice, bob = TestClient(server), TestClient(server)
        await alice.start_server()
        await bob.start_server()
        try:
            yield Console(alice, bob, rasa, queue_with_clock(tmp_path, 0), store)
        finally:
            await bob.close()
            await alice.close()
            store.close()


async def log_in(client: TestClient, username: str) -> None:
    form_page = await (await client.get("/console/login")).text()
    token = CSRF_INPUT.search(form_page).group(1)
    response = await client.post("/console/login", data={"csrf_token": token, "username": username,
                                                         "password": PASSWORD}, allow_redirects=False)
    assert response.status == 303


async def token_of(client: TestClient, path: str = "/console/") -> str:
    response = await client.get(path, allow_redirects=False)
    assert response.status == 200
    return CSRF_INPUT.search(await response.text()).group(1)


async def post(client: TestClient, path: str, **fields: str):
    token = await token_of(client)
    return await client.post(path, data={"csrf_token": token, **fields}, allow_redirects=False)


def widget_conversation(rasa: FakeRasa) -> None:
    rasa.events[WIDGET_ID] = [
        {"event": "user", "text": "<script>alert(1)</script> hello", "timestamp": time.time() - 120},
        {"event": "bot", "text": "I did not get that", "timestamp": time.time() - 119},
    ]


def test_waiting_label() -> None:
    assert [waiting_label(s) for s in (0, 59, 60, 12 * 60 + 30, 3600, 7500)] == [
        "under 1 min", "under 1 min", "1 min", "12 min", "1 h 00 min", "2 h 05 min"]


async def test_the_queue_lists_waiting_conversations_masked_with_the_overdue_ones_marked(
        console: Console, tmp_path: Path) -> None:
    old = queue_with_clock(tmp_path, 45).request_handoff(PSID, "messenger", "not_understood", CARD_MESSAGE)
    new = console.queue.request_handoff(WIDGET_ID, "socketio", "customer_asked", "a person please")
    await log_in(console.alice, "alice")

    response = await console.alice.get("/console/")
    assert response.status == 200
    html = await response.text()
    assert "4111 1111 1111 1111" not in html and "•••• 1111" in html
    assert "<b>swallowed</b>" not in html and "&lt;b&gt;swallowed&lt;/b&gt;" in html
    overdue_row, fresh_row = re.findall(r"<tr class=\"[^\"]*\">.*?</tr>", html, flags=re.S)
    assert 'class="overdue"' in overdue_row and "45 min" in overdue_row and "Overdue" in overdue_row
    assert "Messenger" in overdue_row and "The bot did not understand" in overdue_row
    assert f'action="/console/handoffs/{old}/take"' in overdue_row
    assert "Overdue" not in fresh_row and "under 1 min" in fresh_row and "Web chat" in fresh_row
    assert f'action="/console/handoffs/{new}/take"' in fresh_row
    assert '<script src="/console/static/queue.js" defer></script>' in html
    assert "<script>" not in html  # no inline script (CSP 'self'): only the script file above

    api = await console.alice.get("/console/api/queue")
    assert api.status == 200
    data = await api.json()
    assert [(w["id"], w["overdue"], w["waiting"]) for w in data["waiting"]] == [
        (old, True, "45 min"), (new, False, "under 1 min")]
    assert data["waiting"][0]["last_customer_message"].startswith("my card •••• 1111")
    assert data["mine"] == []


async def test_each_conversation_shows_its_language_in_the_queue_and_on_its_page(console: Console) -> None:
    widget_conversation(console.rasa)
    console.rasa.events[WIDGET_ID] += [{"event": "slot", "name": "language", "value": "en"},
                                       {"event": "slot", "name": "language", "value": "fr"}]  # the latest wins
    console.rasa.events[PSID] = [{"event": "user", "text": "hi", "timestamp": time.time() - 60}]  # none chosen
    french = console.queue.request_handoff(WIDGET_ID, "socketio", "customer_asked", "un conseiller svp")
    default = console.queue.request_handoff(PSID, "messenger", "customer_asked", "a person")
    unreadable = console.queue.request_handoff("no-such-tracker-" + "x" * 8, "messenger", "customer_asked", "hm")
    console.rasa.events.pop("no-such-tracker-" + "x" * 8, None)
    await log_in(console.alice, "alice")

    html = await (await console.alice.get("/console/")).text()
    assert "<th scope=\"col\">Language</th>" in html
    rows = re.findall(r"<tr class=\"[^\"]*\">.*?</tr>", html, flags=re.S)
    assert ["<td>French</td>" in rows[0], "<td>English (default)</td>" in rows[1]] == [True, True]
    data = await (await console.alice.get("/console/api/queue")).json()
    assert {w["id"]: w["language_label"] for w in data["waiting"]} == {
        french: "French", default: "English (default)", unreadable: "English (default)"}

    await post(console.alice, f"/console/handoffs/{french}/take")
    page = await (await console.alice.get(f"/console/handoffs/{french}")).text()
    assert '<span class="language">French</span>' in page
    home = await (await console.alice.get("/console/")).text()
    assert "Web chat · French · Not verified · Customer asked for a person" in home


async def test_a_language_rasa_cannot_tell_is_shown_as_unknown() -> None:
    from bot.handoff.rasa_control import RasaControl
    from bot.web.console.conversation_facts import conversation_facts, language_of
    from tests.unit.test_handoff_rasa_control import serving as serve

    assert language_of([{"event": "slot", "name": "language", "value": "fr"}, {"event": "restart"}]) is None
    rasa = FakeRasa()
    rasa.events["c1"] = [{"event": "slot", "name": "language", "value": "fr"}]
    async with serve(rasa.app()) as url:
        right, wrong = RasaControl(url, TOKEN), RasaControl(url, "not-the-token")
        facts = await conversation_facts(right, ["c1", "c1"])
        wrong_token = await conversation_facts(wrong, ["c1"])
        await right.close()
        await wrong.close()
    assert {c: (f.language, f.identity) for c, f in facts.items()} == {"c1": ("French", "Not verified")}
    assert {c: (f.language, f.identity) for c, f in wrong_token.items()} == {"c1": ("Unknown", "Unknown")}


def slot(name: str, value: object, at: float) -> dict:
    return {"event": "slot", "name": name, "value": value, "timestamp": at}


def test_verified_since_the_first_of_a_run_of_verified_and_cleared_by_a_new_session() -> None:
    from bot.web.console.conversation_facts import facts_of, identity_of

    at_1403 = datetime(2026, 3, 2, 14, 3, 30, tzinfo=timezone.utc).timestamp()
    verified = [slot("identity", "required", at_1403 - 60), slot("identity", "verified", at_1403),
                slot("identity", "verified", at_1403 + 600)]  # set again by a later verified request
    assert identity_of(verified) == ("verified", datetime.fromtimestamp(at_1403, tz=timezone.utc))
    assert facts_of(verified).identity == "Verified at 14:03 UTC" and facts_of(verified).verified
    assert facts_of(verified + [{"event": "session_started"}]).identity == "Not verified"
    assert facts_of(verified + [{"event": "restart"}]).identity == "Not verified"
    assert facts_of([slot("identity", "refused", at_1403)]).identity == "Verification not completed"
    assert not facts_of([slot("identity", "refused", at_1403)]).verified
    again = verified + [{"event": "session_started"}, slot("identity", "verified", at_1403 + 3600)]
    assert facts_of(again).identity == "Verified at 15:03 UTC"
    assert facts_of([slot("identity", "verified", None)]).identity == "Verified"  # no time: not made up


async def test_the_queue_and_the_conversation_say_whether_the_customer_is_verified(console: Console) -> None:
    widget_conversation(console.rasa)
    at = time.time() - 120
    console.rasa.events[WIDGET_ID] += [slot("identity", "verified", at)]
    console.rasa.events[PSID] = [{"event": "user", "text": "hi", "timestamp": at}]
    verified = console.queue.request_handoff(WIDGET_ID, "socketio", "customer_asked", "a person please")
    unverified = console.queue.request_handoff(PSID, "messenger", "customer_asked", "a person")
    since = datetime.fromtimestamp(at, tz=timezone.utc).strftime("%H:%M")
    await log_in(console.alice, "alice")

    html = await (await console.alice.get("/console/")).text()
    assert '<th scope="col">Identity</th>' in html
    rows = re.findall(r"<tr class=\"[^\"]*\">.*?</tr>", html, flags=re.S)
    assert f'<td class="identity verified">Verified at {since} UTC</td>' in rows[0]
    assert '<td class="identity unverified">Not verified</td>' in rows[1]
    data = await (await console.alice.get("/console/api/queue")).json()
    assert {w["id"]: (w["identity_label"], w["verified"]) for w in data["waiting"]} == {
        verified: (f"Verified at {since} UTC", True), unverified: ("Not verified", False)}

    await post(console.alice, f"/console/handoffs/{unverified}/take")
    page = await (await console.alice.get(f"/console/handoffs/{unverified}")).text()
    assert '<span class="identity unverified">Not verified</span>' in page
    home = await (await console.alice.get("/console/")).text()
    assert "Messenger · English (default) · Not verified · Customer asked for a person" in home


async def test_the_live_update_script_is_served_and_writes_text_only(console: Console) -> None:
    response = await console.alice.get("/console/static/queue.js")
    assert response.status == 200
    script = await response.text()
    assert "textContent" in script and "innerHTML" not in script and "/console/api/queue" in script


async def test_take_leads_to_the_conversation_and_a_second_agent_is_refused(console: Console) -> None:
    widget_conversation(console.rasa)
    handoff = console.queue.request_handoff(WIDGET_ID, "socketio", "customer_asked", "hello")
    await log_in(console.alice, "alice")
    await log_in(console.bob, "bob")

    taken = await post(console.alice, f"/console/handoffs/{handoff}/take")
    assert taken.status == 303 and taken.headers["Location"] == f"/console/handoffs/{handoff}"
    assert console.rasa.appended[-1][:2] == (WIDGET_ID, [{"event": "pause"}])

    conversation = await console.alice.get(f"/console/handoffs/{handoff}")
    assert conversation.status == 200
    html = await conversation.text()
    assert "&lt;script&gt;alert(1)&lt;/script&gt; hello" in html and "<script>alert" not in html
    assert "I did not get that" in html and 'name="text"' in html
    assert f'action="/console/handoffs/{handoff}/reply"' in html
    assert f'action="/console/handoffs/{handoff}/hand-back"' in html

    refused = await post(console.bob, f"/console/handoffs/{handoff}/take")
    assert refused.status == 303
    assert URL(refused.headers["Location"]).path == "/console/"
    queue_page = await (await console.bob.get(refused.headers["Location"])).text()
    assert "Another advisor took that conversation first" in queue_page
    assert console.queue.get(handoff).taken_by == "alice"

    forbidden = await console.bob.get(f"/console/handoffs/{handoff}")
    assert forbidden.status == 403
    assert "I did not get that" not in await forbidden.text()
    bob_reply = await post(console.bob, f"/console/handoffs/{handoff}/reply", text="it's Bob")
    bob_back = await post(console.bob, f"/console/handoffs/{handoff}/hand-back")
    assert bob_reply.status == 403 and bob_back.status == 403
    assert console.queue.get(handoff).status == "taken"

    mine = await (await console.alice.get("/console/api/queue")).json()
    assert mine["waiting"] == [] and [m["id"] for m in mine["mine"]] == [handoff]
    alice_home = await (await console.alice.get("/console/")).text()
    assert f'href="/console/handoffs/{handoff}"' in alice_home


async def test_reply_and_hand_back_go_through_rasa_and_are_audited(console: Console) -> None:
    widget_conversation(console.rasa)
    handoff = console.queue.request_handoff(WIDGET_ID, "socketio", "customer_asked", "hello")
    await log_in(console.alice, "alice")
    assert (await post(console.alice, f"/console/handoffs/{handoff}/take")).status == 303

    replied = await post(console.alice, f"/console/handoffs/{handoff}/reply", text="Hi, <i>Alice</i> here",
                         agent="mallory")
    assert replied.status == 303 and replied.headers["Location"] == f"/console/handoffs/{handoff}"
    cid, events, query = console.rasa.appended[-1]
    assert cid == WIDGET_ID
    # Who wrote it (the account, never the form's `agent`), and the name the customer reads in the web chat.
    assert events == [{"event": "bot", "text": "Hi, <i>Alice</i> here",
                       "metadata": {"agent": "alice", "agent_name": "Alice Martin"}}]
    assert query["output_channel"] == "socketio"
    html = await (await console.alice.get(f"/console/handoffs/{handoff}")).text()
    assert "Your message was sent." in html
    assert "Advisor Alice Martin (alice)" in html and "Hi, &lt;i&gt;Alice&lt;/i&gt; here" in html

    back = await post(console.alice, f"/console/handoffs/{handoff}/hand-back")
    assert back.status == 303 and URL(back.headers["Location"]).path == "/console/"
    resumed, survey = console.rasa.appended[-2:]
    assert resumed[1][0] == {"event": "resume"}
    assert survey[1][0]["metadata"]["csat_survey"] and survey[2]["output_channel"] == "socketio"  # the CSAT survey
    assert console.queue.get(handoff).status == "returned"
    assert "The conversation is back with the bot." in await (await console.alice.get(back.headers["Location"])).text()

    audit = [(a.action, a.agent) for a in console.queue.actions(handoff)]
    assert audit == [("take", "alice"), ("reply", "alice"), ("hand_back", "alice")]
    assert (await console.alice.get(f"/console/handoffs/{handoff}")).status == 403


async def test_a_reply_outside_the_messaging_window_shows_why_it_was_not_delivered(console: Console) -> None:
    console.rasa.events[PSID] = [{"event": "user", "text": "hello", "timestamp": time.time() - 8 * 86400}]
    handoff = console.queue.request_handoff(PSID, "messenger", "customer_asked", "hello")
    await log_in(console.alice, "alice")
    await post(console.alice, f"/console/handoffs/{handoff}/take")
    appended = len(console.rasa.appended)

    replied = await post(console.alice, f"/console/handoffs/{handoff}/reply", text="Anyone there?")
    assert replied.status == 303
    html = await (await console.alice.get(f"/console/handoffs/{handoff}")).text()
    assert "Your message was not delivered" in html and "messaging window" in html
    assert len(console.rasa.appended) == appended  # nothing recorded as said
    [(action, detail)] = [(a.action, a.detail) for a in console.queue.actions(handoff) if a.action == "reply"]
    assert detail.startswith("not delivered")


@pytest.mark.parametrize("path", ["/console/", "/console/handoffs/1"])
async def test_pages_need_a_login(console: Console, path: str) -> None:
    response = await console.alice.get(path, allow_redirects=False)
    assert response.status == 303 and URL(response.headers["Location"]).path == "/console/login"


async def test_the_queue_api_answers_401_without_a_login(console: Console) -> None:
    response = await console.alice.get("/console/api/queue", allow_redirects=False)
    assert response.status == 401
    assert (await response.json())["error"]["code"] == "unauthorized"


@pytest.mark.parametrize("action", ["take", "reply", "hand-back"])
async def test_posts_without_a_login_or_without_the_csrf_token_are_forbidden(console: Console, action: str) -> None:
    handoff = console.queue.request_handoff(WIDGET_ID, "socketio", "customer_asked", "hello")
    anonymous = await console.alice.post(f"/console/handoffs/{handoff}/{action}", data={"text": "x"},
                                         allow_redirects=False)
    assert anonymous.status == 403
    await log_in(console.alice, "alice")
    no_token = await console.alice.post(f"/console/handoffs/{handoff}/{action}", data={"text": "x"},
                                        allow_redirects=False)
    wrong_token = await console.alice.post(f"/console/handoffs/{handoff}/{action}",
                                           data={"text": "x", "csrf_token": "z" * 43}, allow_redirects=False)
    assert no_token.status == 403 and wrong_token.status == 403
    assert console.queue.get(handoff).status == "waiting" and console.queue.actions(handoff) == []
    assert console.rasa.appended == []


async def test_the_queue_works_without_javascript_from_take_to_hand_back(console: Console) -> None:
    """Plain form posts, following the redirects as a browser without scripts does."""
    handoff = console.queue.request_handoff(WIDGET_ID, "socketio", "escalated", "hello")
    await log_in(console.alice, "alice")
    conversation = await post(console.alice, f"/console/handoffs/{handoff}/take")
    followed = await console.alice.get(conversation.headers["Location"])
    assert followed.status == 200 and "Hand back to the bot" in await followed.text()
