"""A greeting before a request does not hide it (bot/rasa_server/greeting_first.py). Pure rules here; end to end in
tests/integration/test_french_conversations.py."""
import pytest

from bot.rasa_server.greeting_first import after_greeting, moved


@pytest.mark.parametrize("text, rest", [
    ("bonjour, je voudrais parler à quelqu'un", "je voudrais parler à quelqu'un"),
    ("Hi there! what's my balance", "what's my balance"),
    ("good morning - can I book an appointment", "can I book an appointment"),
    ("salut à tous, mon solde svp", "mon solde svp"),
    ("Bonsoir... j'ai perdu ma carte", "j'ai perdu ma carte"),
])
def test_the_words_after_a_greeting(text, rest):
    offset, found = after_greeting(text)
    assert found == rest and text[offset:] == rest


@pytest.mark.parametrize("text", ["bonjour", "hello there", "hi!", "remind me my balance", "hey you", "what's up"])
def test_no_greeting_or_nothing_after_it(text):
    assert after_greeting(text) is None


def test_the_rest_s_entities_are_placed_in_the_whole_message():
    assert moved([{"entity": "amount", "start": 5, "end": 8, "value": "500"}], 9) == [
        {"entity": "amount", "start": 14, "end": 17, "value": "500"}]
