"""The knowledge base in the web chat, against the real branch: a general question on the English page and on
the French page gets its answer with the bank's facts written in the page's locale (the Messenger side:
tests/integration/test_knowledge_conversations.py)."""
from __future__ import annotations

from typing import Any, Dict, List

import requests

from actions.text import catalogue
from bot.core_bank.contract.facts import BankFacts
from bot.knowledge.render import fill
from bot.knowledge.topics import load_topics
from tests.e2e.test_web_chat_language import client_on_page
from tests.e2e.test_web_chat_sessions import clients, turn  # noqa: F401 - `clients` is a fixture
from tests.support.stack import Stack

TOPICS = {topic.id: topic for topic in load_topics()}


def answer(sandbox: Stack, topic_id: str, language: str, locale: str) -> str:
    facts = BankFacts.parse_obj(requests.get(f"{sandbox.branch.core_bank_url}/v1/bank/facts", timeout=5).json()).facts
    return fill(TOPICS[topic_id].wording(language).answer, facts, language, locale)


def last_bot_turn(sandbox: Stack, sender_id: str) -> List[Dict[str, Any]]:
    events = sandbox.branch.tracker_events(sender_id)
    last_user = max(i for i, e in enumerate(events) if e["event"] == "user")
    return [e for e in events[last_user:] if e["event"] == "bot"]


def test_an_english_question_on_the_english_page(sandbox: Stack, clients):
    client, me = client_on_page(sandbox, clients, {"language": "en", "locale": "en-GB"})
    turn(sandbox, client, me, {"message": "what does it cost to use my card abroad?"})
    reply = last_bot_turn(sandbox, me)[-1]  # after the first answer's bot disclosure, if any
    assert reply["text"] == answer(sandbox, "card_abroad", "en", "en_GB") and "2.00%" in reply["text"]
    titles = [q["title"] for q in (reply.get("data") or {}).get("quick_replies") or []]
    assert titles == [catalogue.text(f"knowledge.follow_up.{name}", "en") for name in TOPICS["card_abroad"].follow_ups]


def test_a_french_question_on_the_french_page(sandbox: Stack, clients):
    client, me = client_on_page(sandbox, clients, {"language": "fr", "locale": "fr-FR"})
    turn(sandbox, client, me, {"message": "vous êtes joignables à quelle heure le samedi ?"})
    reply = last_bot_turn(sandbox, me)[-1]  # after the first answer's bot disclosure, if any
    assert reply["text"] == answer(sandbox, "opening_hours", "fr", "fr_FR") and "8 h – 20 h" in reply["text"]
