"""Answering from the knowledge base (actions/knowledge.py): facts written the customer's way, the topic chosen
(or two offered), follow-ups as quick replies."""
from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

import actions.knowledge as knowledge
from actions.banking import BankError
from actions.text.locale import Presentation
from bot.core_bank.contract.facts import Fact
from bot.knowledge.check import bank_facts
from bot.knowledge.render import fact_text, fill
from bot.knowledge.topics import load_topics

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "knowledge"
TOPICS = {topic.id: topic for topic in load_topics(FIXTURES)}


@pytest.mark.parametrize("kind, value, locale, language, shown", [
    ("money", "50.00", "en_IE", "en", "€50.00"),
    ("money", "22950.00", "fr_FR", "fr", "22\u202f950,00\xa0€"),
    ("money", "2450.31", "it_IT", "en", "2.450,31\xa0€"),
    ("percent", "2.40", "en_IE", "en", "2.40%"),
    ("percent", "2.40", "fr_FR", "fr", "2,40\xa0%"),
    ("days", "7", "fr_FR", "fr", "7"),
    ("count", "25", "en_IE", "en", "25"),
    ("hours", "08:00-20:00", "en_IE", "en", "8:00 am–8:00 pm"),
    ("hours", "09:30-18:00", "fr_FR", "fr", "9 h 30 – 18 h"),
    ("phone", "+33 1 84 88 20 00", "fr_FR", "fr", "+33 1 84 88 20 00"),
])
def test_a_fact_is_written_the_customer_s_way(kind, value, locale, language, shown):
    assert fact_text(kind, value, language, locale) == shown


@pytest.mark.parametrize("name, kind, value, locale, language, shown", [
    ("pin_reminder_fee", "money", "0.00", "en_IE", "en", "free"),
    ("pin_reminder_fee", "money", "0.00", "fr_FR", "fr", "gratuit"),
    ("account_fee_under_25", "money", "0.00", "it_IT", "en", "free"),
    ("foreign_card_fee", "percent", "0.00", "fr_FR", "fr", "gratuit"),
    ("card_replacement_fee", "money", "10.00", "fr_FR", "fr", "10,00\xa0€"),  # a fee that is charged: its price
    ("overdraft_standard", "money", "0.00", "en_IE", "en", "€0.00"),  # no fee: an amount like any other
])
def test_a_fee_at_zero_is_written_free(name, kind, value, locale, language, shown):
    assert fact_text(kind, value, language, locale, name) == shown


@pytest.mark.parametrize("language, locale", [("en", "en_IE"), ("fr", "fr_FR")])
def test_no_answer_says_a_zero_price_or_costs_free(language, locale):
    """Every answer of the knowledge base with the bank's facts: a free service is said free, in a sentence that
    reads well with it (the forgotten-PIN answer said "costs €0.00", "pour 0,00 €")."""
    facts = bank_facts()
    zero = re.compile(r"(?<![\d\u202f])" + re.escape(fact_text("money", "0.00", language, locale)))
    awkward = re.compile(r"(costs?|pay|coûtent|coûte|pour) (free|gratuit)\b|\b(free|gratuit) (a|par) (year|month|an|mois)\b")
    answers = {topic.id: fill(topic.wording(language).answer, facts, language, locale) for topic in load_topics()}
    assert not [i for i, answer in answers.items() if zero.search(answer)]
    assert not [(i, awkward.search(answer).group(0)) for i, answer in answers.items() if awkward.search(answer)]
    assert "(price: free)" in answers["pin_forgotten"] or "(tarif : gratuit)" in answers["pin_forgotten"]


def test_an_answer_is_filled_with_the_bank_s_facts():
    facts = bank_facts()
    en = fill(TOPICS["opening_hours"].en.answer, facts, "en", "en_IE")
    fr = fill(TOPICS["opening_hours"].fr.answer, facts, "fr", "fr_FR")
    assert "Monday to Friday, 8:00 am–8:00 pm, and on Saturday, 9:00 am–5:00 pm" in en
    assert "du lundi au vendredi, de 8 h – 20 h" in fr and "{" not in fr


def ranked(*pairs):
    return {"response_selector": {"faq": {"ranking": [{"intent_response_key": f"faq/{k}", "confidence": c}
                                                      for k, c in pairs]}}}


def test_the_selected_topic_is_answered_or_two_close_ones_offered():
    assert knowledge.chosen_topics(ranked(("pin_forgotten", 0.8), ("opening_hours", 0.1)), TOPICS) == ["pin_forgotten"]
    assert knowledge.chosen_topics(ranked(("pin_forgotten", 0.45), ("opening_hours", 0.40)), TOPICS) == [
        "pin_forgotten", "opening_hours"]
    tapped = {"entities": [{"entity": "knowledge_topic", "value": "opening_hours"}], **ranked(("pin_forgotten", 0.9))}
    assert knowledge.chosen_topics(tapped, TOPICS) == ["opening_hours"]
    assert knowledge.chosen_topics({"entities": [{"entity": "knowledge_topic", "value": "nope"}]}, TOPICS) == []
    assert knowledge.chosen_topics(ranked(("removed_topic", 0.9)), TOPICS) == []


def tracker(message, language="en", locale=None):
    slots = {"language": language, "locale": locale}
    return Tracker("u1", slots, message, [], False, None, {}, "action_listen")


@pytest.fixture
def content(monkeypatch):
    monkeypatch.setattr(knowledge, "topics", lambda: TOPICS)
    facts = {name: Fact(kind=f.kind, value=f.value) for name, f in bank_facts().items()}

    async def get():
        return facts

    monkeypatch.setattr(knowledge.FACTS, "get", get)


def run(message, **slots):
    dispatcher = CollectingDispatcher()
    asyncio.run(knowledge.ActionAnswerQuestion().run(dispatcher, tracker(message, **slots), {}))
    return dispatcher.messages


def test_the_answer_in_french_with_the_follow_ups(content):
    [message] = run(ranked(("pin_forgotten", 0.9)), language="fr")
    assert message["text"].startswith("Pas d'inquiétude") and "sous 5 jours ouvrés (tarif : gratuit)" in message["text"]
    assert message["quick_replies"] == [{"title": "Bloquer une carte", "payload": "/block_card"},
                                        {"title": "Un conseiller", "payload": "/human_handoff"}]


def test_two_close_answers_are_offered_one_tap_each(content):
    # as buttons, which stay in the thread when a form asks its question again right after (quick replies would not)
    [message] = run(ranked(("pin_forgotten", 0.45), ("opening_hours", 0.40)))
    assert "• I forgot my PIN\n• what are your opening hours" in message["text"]
    assert "quick_replies" not in message
    assert message["buttons"] == [
        {"title": "I forgot my PIN", "payload": '/faq{"knowledge_topic":"pin_forgotten"}'},
        # the topic's first question that fits a button whole, not "what are your openi…"
        {"title": "Opening hours", "payload": '/faq{"knowledge_topic":"opening_hours"}'},
    ]


def test_nothing_known_takes_the_out_of_scope_answer(content):
    assert run({"entities": []}) == [dict(run({"entities": []})[0], response="utter_out_of_scope")]


def test_the_bank_unreachable_is_said_so(content, monkeypatch):
    async def down():
        raise BankError(0, "unavailable", "down")

    monkeypatch.setattr(knowledge.FACTS, "get", down)
    assert run(ranked(("opening_hours", 0.9)))[0]["response"] == "utter_bank_unavailable"


def test_the_facts_are_kept_a_short_while(monkeypatch):
    calls = []
    now = [0.0]

    class Bank:
        async def bank_facts(self):
            calls.append(now[0])
            return {"x": len(calls)}

    monkeypatch.setattr(knowledge, "core_bank", lambda: Bank())
    cache = knowledge.FactsCache(ttl=60, clock=lambda: now[0])
    assert asyncio.run(cache.get()) == {"x": 1}
    now[0] = 59
    assert asyncio.run(cache.get()) == {"x": 1}
    now[0] = 61
    assert asyncio.run(cache.get()) == {"x": 2}


def test_presentation_locale_decides_the_numbers(content):
    [message] = run(ranked(("pin_forgotten", 0.9)), language="en", locale="it_IT")
    assert "(price: free)" in message["text"]  # the words follow the language
    assert fill("{card_replacement_fee}", bank_facts(), "en", "it_IT") == "10,00\xa0€"  # the numbers the locale
