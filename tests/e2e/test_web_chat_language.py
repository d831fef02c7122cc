"""The conversation's language against the real branch: the web page's language starts it, a request switches
it, the widget's language button is accepted from anyone, and a new session keeps it (and nothing else).

The client is the one of test_web_chat_sessions.py (python-socketio over long polling), as the widget connects.
"""
from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path
from typing import Any, Dict, List, Optional

from tests.e2e.test_web_chat_sessions import (  # noqa: F401 - `clients` is a fixture
    ChatClient, chat_session, clients, connected, turn,
)
from tests.support.stack import Stack

SWITCH_TO_FRENCH = '/switch_language{"language":"fr"}'
SWITCHED_TO_FRENCH = "Très bien, je continue en français."
SWITCHED_TO_ENGLISH = "Sure, I'll carry on in English."


def client_on_page(sandbox: Stack, clients: List[ChatClient], hints: Dict[str, Any]) -> tuple:
    """A widget on a page: its session request carries the page's language and the browser's locale."""
    session = chat_session(sandbox)
    client = connected(sandbox, clients, session)
    client.sio.emit("session_request", {"session_id": session["session_id"], **hints})
    assert client.next_event() == ("session_confirm", session["session_id"])
    return client, session["session_id"]


def slots(sandbox: Stack, sender_id: str) -> Dict[str, Any]:
    return sandbox.branch.slots(sender_id)


def test_the_french_page_starts_the_conversation_in_french_and_a_request_switches_it(sandbox: Stack, clients):
    client, me = client_on_page(sandbox, clients, {"language": "fr", "locale": "fr-BE"})
    turn(sandbox, client, me, {"message": "hello"})
    assert {k: v for k, v in slots(sandbox, me).items() if k in ("language", "locale")} == {
        "language": "fr", "locale": "fr_BE"}
    _, answers = turn(sandbox, client, me, {"message": "in English please"})
    assert answers.endswith(SWITCHED_TO_ENGLISH)
    assert slots(sandbox, me)["language"] == "en"


def test_hints_that_are_not_english_or_french_or_a_locale_are_dropped(sandbox: Stack, clients):
    client, me = client_on_page(sandbox, clients, {"language": "de", "locale": "<script>"})
    turn(sandbox, client, me, {"message": "100001"})  # no language in the words either
    assert "language" not in slots(sandbox, me) and "locale" not in slots(sandbox, me)


def test_the_widgets_language_button_is_accepted_without_having_been_offered(sandbox: Stack, clients):
    client, me = client_on_page(sandbox, clients, {"language": "en", "locale": "en-GB"})
    read, answers = turn(sandbox, client, me, {"message": "Français", "payload": SWITCH_TO_FRENCH})
    assert read == SWITCH_TO_FRENCH and answers.endswith(SWITCHED_TO_FRENCH)
    assert slots(sandbox, me)["language"] == "fr"


def test_switching_while_asked_who_they_are_answers_then_asks_again(sandbox: Stack, clients):
    client, me = client_on_page(sandbox, clients, {"language": "en", "locale": "en-GB"})
    turn(sandbox, client, me, {"message": "what's my balance?"})
    assert slots(sandbox, me).get("requested_slot") == "customer_identifier"
    turn(sandbox, client, me, {"message": "in French please"})
    assert responses_of_last_turn(sandbox, me) == ["utter_language_switched", "utter_ask_customer_identifier"]
    kept = slots(sandbox, me)
    assert kept["language"] == "fr" and kept.get("customer_identifier") is None  # not taken as the answer
    _, answers = turn(sandbox, client, me, {"message": "100001"})
    assert "100001" not in answers and slots(sandbox, me).get("requested_slot") == "otp_code"


def test_a_new_session_keeps_the_language_and_forgets_the_rest(sandbox: Stack, clients):
    client, me = client_on_page(sandbox, clients, {"language": "en"})
    turn(sandbox, client, me, {"message": "Français", "payload": SWITCH_TO_FRENCH})
    turn(sandbox, client, me, {"message": "quel est mon solde"})  # asked who they are: identity_form
    assert slots(sandbox, me)["language"] == "fr"
    assert slots(sandbox, me).get("requested_slot") == "customer_identifier"
    _age_conversation(sandbox, me, hours=2)  # domain.yml: a session expires after 60 minutes
    turn(sandbox, client, me, {"message": "100001"})
    events = sandbox.branch.tracker_events(me)
    assert [e["event"] for e in events].count("session_started") == 2
    kept = slots(sandbox, me)
    assert kept["language"] == "fr"
    assert kept.get("requested_slot") is None and kept.get("pending_request") is None  # the request is gone


def responses_of_last_turn(sandbox: Stack, sender_id: str) -> List[str]:
    """The responses the bot gave to the latest message, in order."""
    events = sandbox.branch.tracker_events(sender_id)
    last_user = max(i for i, e in enumerate(events) if e["event"] == "user")
    return [e.get("metadata", {}).get("utter_action") for e in events[last_user:] if e["event"] == "bot"]


def _age_conversation(sandbox: Stack, sender_id: str, hours: float) -> None:
    """Moves the stored conversation `hours` into the past, as if the customer had left it that long ago."""
    database = Path(sandbox.env["BRANCH_DATABASE_URL"].removeprefix("sqlite:///")).parent / "tracker.db"
    shift = hours * 3600
    with sqlite3.connect(database) as connection:
        rows = connection.execute("SELECT id, timestamp, data FROM events WHERE sender_id = ?", (sender_id,)).fetchall()
        assert rows, "no stored events"
        for row_id, timestamp, data in rows:
            event: Optional[Dict[str, Any]] = json.loads(data) if data else None
            if event is not None and isinstance(event.get("timestamp"), (int, float)):
                event["timestamp"] -= shift
            connection.execute("UPDATE events SET timestamp = ?, data = ? WHERE id = ?",
                                (timestamp - shift, json.dumps(event) if event is not None else data, row_id))
    assert all(e["timestamp"] < time.time() - shift + 60 for e in sandbox.branch.tracker_events(sender_id))


def test_a_french_customer_checks_their_balance_in_french_in_the_web_chat(sandbox: Stack, clients):
    from bot.core_bank.seed import DEMO_CUSTOMER_NUMBER, DEMO_PHONE

    client, me = client_on_page(sandbox, clients, {"language": "fr", "locale": "fr-FR"})
    turn(sandbox, client, me, {"message": "bonjour, je voudrais connaître mon solde"})
    _, answers = turn(sandbox, client, me, {"message": DEMO_CUSTOMER_NUMBER})
    assert "code à 6 chiffres par SMS" in answers, answers
    _, answers = turn(sandbox, client, me, {"message": sandbox.branch.latest_code(DEMO_PHONE)})
    assert "Merci Alex, votre identité est vérifiée" in answers and "Voici vos soldes" in answers, answers
    assert "2\u202f450,31\u00a0€" in answers
    assert responses_of_last_turn(sandbox, me) == ["utter_verified", "utter_balances"]
    assert not any(word in answers for word in ("balance", "verified", "Here are")), answers
