"""A handoff the customer left is closed: audited as `closed` by `system`, the bot resumed, the console says so."""
from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path

from bot.branch_db import session_factory
from bot.clock import utc_now
from bot.handoff.queue import HandoffQueue
from bot.handoff.rasa_control import RasaControl
from bot.handoff.staff_desk import StaffDesk
from tests.unit.staff_support import database_url
from tests.unit.test_console_queue import Console, console, log_in, post  # noqa: F401 (fixture)
from tests.unit.test_handoff_rasa_control import TOKEN, FakeRasa, serving

IDLE = timedelta(minutes=55)


def said(rasa: FakeRasa, conversation: str, minutes_ago: float) -> None:
    rasa.events.setdefault(conversation, []).append(
        {"event": "user", "text": "hello?", "timestamp": time.time() - minutes_ago * 60,
         "parse_data": {"intent": {"name": "greet"}}})


def queue_requested(tmp_path: Path, minutes_ago: float) -> HandoffQueue:
    return HandoffQueue(session_factory(database_url(tmp_path)),
                        clock=lambda: utc_now() - timedelta(minutes=minutes_ago))


async def test_only_handoffs_whose_customer_left_are_closed_and_the_bot_resumes_there(tmp_path: Path):
    rasa = FakeRasa()
    old = queue_requested(tmp_path, 120)
    left_waiting = old.request_handoff("left-waiting", "messenger", "customer_asked", "talk to a human")
    left_taken = old.request_handoff("left-taken", "socketio", "not_understood", "pizza?")
    assert old.take(left_taken, "alice")
    still_here = old.request_handoff("still-here", "socketio", "customer_asked", "a person please")
    just_asked = queue_requested(tmp_path, 1).request_handoff("just-asked", "messenger", "customer_asked", "human")
    said(rasa, "left-waiting", 70)
    said(rasa, "left-taken", 56)
    said(rasa, "still-here", 10)  # asked two hours ago, but wrote ten minutes ago
    # "just-asked" has no message in Rasa at all: the request's own time counts.

    async with serving(rasa.app()) as url:
        desk = StaffDesk(HandoffQueue(session_factory(database_url(tmp_path))), RasaControl(url, TOKEN))
        try:
            closed = await desk.close_idle(IDLE)
            again = await desk.close_idle(IDLE)
        finally:
            await desk.close()

    assert sorted(closed) == sorted([left_waiting, left_taken]) and again == []
    queue = HandoffQueue(session_factory(database_url(tmp_path)))
    assert {h.id for h in queue.open_handoffs()} == {still_here, just_asked}
    for handoff_id in (left_waiting, left_taken):
        view = queue.get(handoff_id)
        assert view.status == "closed" and view.returned_at is not None
        last = queue.actions(handoff_id)[-1]
        assert (last.agent, last.action, last.detail) == ("system", "closed", "no customer message for 55 min")
    assert not queue.hand_back(left_taken, "alice")  # nothing left to hand back
    resumed = {cid: [e.get("name", e["event"]) for e in events] for cid, events, _ in rasa.appended}
    assert resumed == {"left-waiting": ["resume", "action_listen"], "left-taken": ["resume", "action_listen"]}
    assert all("output_channel" not in query for _, _, query in rasa.appended)  # no note: the customer is gone


async def test_rasa_unreachable_leaves_the_handoff_open_for_the_next_sweep(tmp_path: Path):
    handoff_id = queue_requested(tmp_path, 120).request_handoff("gone", "messenger", "customer_asked", "human")
    desk = StaffDesk(HandoffQueue(session_factory(database_url(tmp_path))), RasaControl("http://127.0.0.1:9", TOKEN))
    try:
        assert await desk.close_idle(IDLE) == []
    finally:
        await desk.close()
    assert desk.queue.get(handoff_id).status == "waiting"


async def test_the_advisor_who_had_it_is_told_it_was_closed(console: Console):  # noqa: F811
    handoff_id = console.queue.request_handoff("widget-session-9", "socketio", "customer_asked", "a person")
    await log_in(console.alice, "alice")
    taken = await post(console.alice, f"/console/handoffs/{handoff_id}/take")
    assert taken.status == 303
    assert console.queue.close(handoff_id, "no customer message for 55 min")

    page = await console.alice.get(f"/console/handoffs/{handoff_id}", allow_redirects=False)
    assert page.status == 410
    assert "The customer wrote nothing for 55 minutes" in await page.text()
    reply = await post(console.alice, f"/console/handoffs/{handoff_id}/reply", text="still there?")
    assert reply.status == 410
    queue_page = await (await console.alice.get("/console/")).text()
    assert "a person" not in queue_page  # neither waiting nor hers any more


def test_the_automatic_close_reaches_the_archive_hook_like_staff_actions(tmp_path: Path):
    archived = []
    queue = HandoffQueue(session_factory(database_url(tmp_path)), archive=lambda *row: archived.append(row))
    handoff_id = queue.request_handoff("gone-away", "socketio", "customer_asked", "a person")
    assert queue.close(handoff_id, "no customer message for 55 min")
    assert not queue.close(handoff_id, "again")
    [(archived_id, conversation, channel, agent, action, detail, at)] = archived
    assert (archived_id, conversation, channel, agent, action) == (handoff_id, "gone-away", "socketio", "system", "closed")
    assert detail == "no customer message for 55 min" and at.tzinfo is not None
