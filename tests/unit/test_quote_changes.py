"""A figure typed right after the loan quote changes the quote (bot/rasa_server/quote_changes.py). Pure rules here;
end to end in tests/integration/test_service_conversations.py and test_french_conversations.py."""
from __future__ import annotations

from typing import Any, Dict, List

import pytest
from rasa.shared.core.events import ActionExecuted, BotUttered, Event, SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.rasa_server.quote_changes import as_loan_question, changes_the_quote, quote_just_given


def tracker_of(events: List[Event]) -> DialogueStateTracker:
    return DialogueStateTracker.from_events("psid-1", events)


QUOTE = BotUttered("A car loan of €10,000.00 over 48 months costs…", metadata={"utter_action": "utter_loan_quote"})


def test_the_quote_counts_until_the_customer_answers_it():
    asked = [UserUttered("a 10k car loan over 4 years"), ActionExecuted("action_show_loan_quote"), QUOTE,
             ActionExecuted("action_listen")]
    assert quote_just_given(tracker_of(asked))
    answered = asked + [UserUttered("no thanks"), BotUttered("Anything else?", metadata={"utter_action": "x"})]
    assert not quote_just_given(tracker_of(answered))
    assert not quote_just_given(tracker_of(asked + [SessionStarted()]))


def parsed(text: str, intent: str, confidence: float, *entities: str) -> Dict[str, Any]:
    return {"text": text, "intent": {"name": intent, "confidence": confidence},
            "entities": [{"entity": name, "value": "x"} for name in entities]}


@pytest.mark.parametrize("message, changes", [
    (parsed("and for 15k?", "nlu_fallback", 0.40, "amount"), True),
    (parsed("no, make it 5 years", "deny", 1.0, "term"), True),
    (parsed("hmm and over 10 years?", "show_more", 0.82, "term"), True),
    (parsed("and 30k?", "inform", 0.81), True),  # digits, no entity
    (parsed("what about over 5 years instead?", "faq", 0.62, "term"), True),  # the NLU unsure of its question
    (parsed("send 15k to Tom", "transfer_money", 0.99, "amount"), False),
    (parsed("can I repay it early after 2 years?", "faq", 1.0, "term"), False),
    (parsed("no thanks", "deny", 0.99), False),  # no figure: the quote declined
    (parsed("je vais réfléchir, je reviens dans 2 jours", "nlu_fallback", 0.45), False),  # digits in a remark
    (parsed("merci, on a 3 enfants", "out_of_scope", 0.5), False),
    (parsed("yes please", "affirm", 0.99), False),
])
def test_a_figure_changes_the_quote_unless_another_request_is_sure(message, changes):
    assert changes_the_quote(message) is changes


def test_the_change_is_a_loan_question_with_its_words_and_entities():
    message = parsed("no, make it 5 years", "deny", 0.97, "term")
    message["intent_ranking"] = [{"name": "deny", "confidence": 0.97}, {"name": "loan_inquiry", "confidence": 0.02}]
    read = as_loan_question(message)
    assert read["intent"] == {"name": "loan_inquiry", "confidence": 0.97}
    assert [r["name"] for r in read["intent_ranking"]] == ["loan_inquiry", "deny"]
    assert read["text"] == message["text"] and read["entities"] == message["entities"]
