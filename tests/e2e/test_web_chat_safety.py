"""The web chat end to end: the assistant says what it is once, the welcome names the bank's online chat (not the
Facebook branch), and a card number typed there is warned about and masked in the stored tracker.

The client is the one of test_web_chat_sessions.py (python-socketio), as the widget connects.
"""
from __future__ import annotations

from typing import List

from tests.e2e.test_web_chat_language import client_on_page
from tests.e2e.test_web_chat_sessions import clients, turn  # noqa: F401 - `clients` is a fixture
from tests.integration.test_safety_conversation import DISCLOSURE, WARNING, stored_events
from tests.support.stack import Stack


def answers_of_last_turn(sandbox: Stack, sender_id: str) -> List[str]:
    events = sandbox.branch.tracker_events(sender_id)
    last_user = max(i for i, e in enumerate(events) if e["event"] == "user")
    return [e.get("text") or "" for e in events[last_user:] if e["event"] == "bot"]


def test_the_web_chat_discloses_the_assistant_once_and_welcomes_to_the_online_chat(sandbox: Stack, clients):
    client, me = client_on_page(sandbox, clients, {"language": "en", "locale": "en-GB"})
    turn(sandbox, client, me, {"message": "hello"})
    first = answers_of_last_turn(sandbox, me)
    assert first[0].startswith(DISCLOSURE["en"]), first
    assert first[1].startswith("Hi! Welcome to your bank's online chat"), first
    assert "Facebook" not in first[1] and "never ask for your PIN, a password or your full card number" in first[1]

    turn(sandbox, client, me, {"message": "what can you do?"})
    assert not any(text.startswith(DISCLOSURE["en"]) for text in answers_of_last_turn(sandbox, me))


def test_a_french_page_gets_it_all_in_french_and_a_typed_card_number_is_warned_about_and_masked(sandbox: Stack, clients):
    client, me = client_on_page(sandbox, clients, {"language": "fr", "locale": "fr-FR"})
    turn(sandbox, client, me, {"message": "bonjour"})
    first = answers_of_last_turn(sandbox, me)
    assert first[0].startswith(DISCLOSURE["fr"]), first
    assert first[1].startswith("Bonjour ! Bienvenue dans le chat en ligne de votre banque"), first

    read, _ = turn(sandbox, client, me, {"message": "ma carte 4111 1111 1111 1111 a été volée"})
    assert read == "ma carte •••• 1111 a été volée"  # as stored
    answers = answers_of_last_turn(sandbox, me)
    assert answers[0].startswith(WARNING["fr"]) and len(answers) > 1, answers
    assert "4111111111111111" not in stored_events(sandbox.branch, me).replace(" ", "")
