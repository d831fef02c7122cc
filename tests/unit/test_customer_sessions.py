"""A verified session belongs to (input channel, sender id): proved in one channel, it is not usable from another."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import List

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

import actions.verified as verified
from actions.customer_sessions import CustomerSession, CustomerSessions

NOW = datetime(2026, 2, 1, 10, 0, tzinfo=timezone.utc)
WEB_SESSION_ID = "0123456789abcdef0123456789abcdef"


def tracker(sender_id: str, *channels: str) -> Tracker:
    """A conversation whose messages came, in order, from `channels`."""
    events = [{"event": "user", "text": "hi", "input_channel": channel, "parse_data": {}} for channel in channels]
    return Tracker(sender_id, {}, events[-1]["parse_data"] if events else {}, events, False, None, {}, "action_listen")


def session(expires_in: timedelta = timedelta(minutes=15)) -> CustomerSession:
    return CustomerSession("token-of-alex", "100001", "Alex", NOW + expires_in)


def test_a_session_proved_in_the_web_chat_is_not_usable_from_messenger_with_the_same_id():
    sessions = CustomerSessions(clock=lambda: NOW)
    sessions.start(tracker(WEB_SESSION_ID, "socketio"), session())

    assert sessions.get(tracker(WEB_SESSION_ID, "socketio", "socketio")) is not None
    assert sessions.get(tracker(WEB_SESSION_ID, "socketio", "messenger")) is None
    assert sessions.get(tracker(WEB_SESSION_ID)) is None  # no channel known: not the web chat's either
    sessions.end(tracker(WEB_SESSION_ID, "messenger"))  # ending the Messenger one leaves the web chat's
    assert sessions.get(tracker(WEB_SESSION_ID, "socketio")) is not None


def test_a_session_proved_in_messenger_is_not_usable_from_the_web_chat():
    sessions = CustomerSessions(clock=lambda: NOW)
    sessions.start(tracker("5512345678901234", "messenger"), session())
    assert sessions.get(tracker("5512345678901234", "socketio")) is None
    assert sessions.get(tracker("5512345678901234", "messenger")) is not None


def test_sessions_end_with_the_core_banks_token():
    sessions = CustomerSessions(clock=lambda: NOW)
    sessions.start(tracker("psid-1", "messenger"), session(expires_in=timedelta(0)))
    assert sessions.get(tracker("psid-1", "messenger")) is None


def test_a_bare_sender_id_is_refused():
    sessions = CustomerSessions(clock=lambda: NOW)
    with pytest.raises(TypeError):
        sessions.start("psid-1", session())  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        sessions.get("psid-1")  # type: ignore[arg-type]


async def test_messenger_with_a_web_chat_session_id_is_asked_to_verify(monkeypatch):
    sessions = CustomerSessions(clock=lambda: NOW)
    monkeypatch.setattr(verified, "customer_sessions", sessions)
    sessions.start(tracker(WEB_SESSION_ID, "socketio"), session())

    dispatcher = CollectingDispatcher()
    found, events = verified.verified_session(tracker(WEB_SESSION_ID, "socketio", "messenger"), dispatcher,
                                              request="check_balance")
    assert found is None
    assert [m["response"] for m in dispatcher.messages] == ["utter_verify_first"]
    slots: List[tuple] = [(e["name"], e["value"]) for e in events]
    assert slots == [("identity", "required"), ("pending_request", "check_balance")]

    found, events = verified.verified_session(tracker(WEB_SESSION_ID, "socketio"), CollectingDispatcher(),
                                              request="check_balance")
    assert found is not None and found.customer_number == "100001" and events == []
