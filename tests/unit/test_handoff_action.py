"""action_handoff asks for a person; the Rasa server queues the conversation for staff when it stores the turn,
with its channel, reason and last real message."""
from datetime import datetime, timedelta, timezone

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

import actions.conversation as conversation

ADVISORS_BACK = conversation.advisors_back  # the real one, before the fixture below replaces it
from bot.branch_db import session_factory
from bot.handoff.queue import HandoffQueue
from bot.rasa_server.handoff_requests import record_if_requested
from bot.settings import Settings


def user(text, intent, channel="messenger"):
    return {"event": "user", "text": text, "timestamp": 1_700_000_000.0, "input_channel": channel,
            "parse_data": {"intent": {"name": intent}}}


def tracker(sender, events):
    return Tracker(sender, {}, events[-1] if events else {}, events, False, None, {}, "action_listen")


QUEUE = None


@pytest.fixture(autouse=True)
def advisors_at_work(monkeypatch):
    """The bank's hours are read from the core bank (not running here): at work unless a test says otherwise."""
    async def at_work():
        return None

    monkeypatch.setattr(conversation, "advisors_back", at_work)


@pytest.fixture
def queue(tmp_path):
    global QUEUE
    QUEUE = HandoffQueue(session_factory(f"sqlite:///{tmp_path / 'branch.db'}"), sla=timedelta(minutes=30))
    return QUEUE


def bot_events(messages):
    """The bot events Rasa makes of the action's messages (what the tracker store sees)."""
    return [{"event": "bot", "text": m.get("text"), "data": {"custom": m.get("custom")}} for m in messages]


async def run(events, sender="psid-1", queue=lambda: QUEUE):
    """Runs the action, then stores the turn as the Rasa server's tracker store does."""
    dispatcher = CollectingDispatcher()
    result = await conversation.ActionHandoff().run(dispatcher, tracker(sender, events), {})
    new = [{"event": "action", "name": "action_handoff"}, *bot_events(dispatcher.messages), *result]
    record_if_requested(sender, events + new, new, queue=queue)
    return dispatcher.messages, result


async def test_a_customer_asking_is_queued(queue):
    messages, events = await run([user("my card 4970101234567890 is gone", "lost_card"),
                                  user("talk to a human", "human_handoff")])
    [handoff] = queue.waiting()
    assert (handoff.conversation_id, handoff.channel, handoff.reason) == ("psid-1", "messenger", "customer_asked")
    assert handoff.last_customer_message == "talk to a human"
    assert {"handover": {"reason": "customer_asked"}} in [m.get("custom") for m in messages]
    assert {"event": "pause", "timestamp": None} in events


async def test_two_misses_then_the_button_is_not_understood(queue):
    messages, _ = await run([user("weather?", "out_of_scope", "socketio"), user("pizza 123456", "nlu_fallback", "socketio"),
                             user("/human_handoff", "human_handoff", "socketio")])
    [handoff] = queue.waiting()
    assert (handoff.channel, handoff.reason, handoff.last_customer_message) == ("socketio", "not_understood", "pizza ••••••")
    assert {"handover": {"reason": "not_understood"}} in [m.get("custom") for m in messages]


async def test_asking_twice_keeps_one_request(queue):
    await run([user("talk to a human", "human_handoff")])
    await run([user("talk to a human", "human_handoff"), user("a human please", "human_handoff")])
    assert len(queue.waiting()) == 1


async def test_the_customer_is_answered_even_when_the_queue_fails():
    def broken():
        raise RuntimeError("database down")

    messages, events = await run([user("talk to a human", "human_handoff")], queue=broken)
    assert messages[0]["response"] == "utter_handoff"
    assert {"event": "pause", "timestamp": None} in events


def test_a_turn_without_a_handoff_request_queues_nothing(queue):
    new = [{"event": "bot", "text": "Hi!", "data": {"custom": None}}, {"event": "pause"}]
    assert record_if_requested("psid-1", [user("hello", "greet")] + new, new, queue=lambda: queue) is None
    assert queue.waiting() == []


def test_handoff_settings():
    settings = Settings.from_env({"HANDOFF_SLA_MINUTES": "15", "RASA_API_TOKEN": "a-real-token"})
    assert settings.handoff_sla_minutes == 15 and settings.rasa_api_token == "a-real-token"
    assert "RASA_API_TOKEN" not in settings.demo_secrets_in_use
    defaults = Settings.from_env({})
    assert defaults.handoff_sla_minutes == 30 and "RASA_API_TOKEN" in defaults.demo_secrets_in_use


async def test_after_hours_the_customer_is_told_when_the_advisors_are_back(queue, monkeypatch):
    from actions import knowledge
    from actions.advisor_hours import back_at

    async def facts():
        return {"customer_line_weekdays": {"kind": "hours", "value": "08:00-20:00"},
                "customer_line_saturday": {"kind": "hours", "value": "09:00-17:00"}}

    sunday = datetime(2026, 12, 13, 15, 0, tzinfo=timezone.utc)
    monkeypatch.setattr(knowledge.FACTS, "get", facts)
    monkeypatch.setattr(conversation, "utc_now", lambda: sunday)
    monkeypatch.setattr(conversation, "advisors_back", ADVISORS_BACK)
    messages, _ = await run([user("talk to a human", "human_handoff")])
    assert [m.get("response") for m in messages][:2] == ["utter_handoff", "utter_handoff_after_hours"]
    assert messages[1]["back"] == "Monday 14 December 2026 at 08:00 (Paris time)"
    assert back_at(sunday, await facts()) is not None and len(queue.waiting()) == 1  # queued all the same
