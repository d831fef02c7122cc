"""A message of keyboard mash only is not understood (nlu_fallback), whatever the classifiers said before."""
import pytest
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.mash_guard import MashGuard, is_all_mash


@pytest.mark.parametrize("text", [
    "b" * 1500, "bbbb bbbb", "asdf qwer zxcv", "qsdfgh", "hahaha", "jdjdjd!!", "bcdfgh", "ASDF", "azerty uiop ?",
])
def test_mash_only(text):
    assert is_all_mash(text)


@pytest.mark.parametrize("text", [
    "", "ok", "rdv", "thx", "mdr", "cb", "svp", "bbbb cancel", "annule", "asdf 250", "123456", "👍", "?", "lol",
    "Paul Dupont", "stop stop stop", "bb",
])
def test_words_abbreviations_digits_and_emojis_are_not_mash(text):
    assert not is_all_mash(text)


def _message(text, intent="cancel", confidence=0.6):
    message = Message(data={"text": text})
    message.set("intent", {"name": intent, "confidence": confidence}, add_to_output=True)
    message.set("intent_ranking", [{"name": intent, "confidence": confidence},
                                   {"name": "out_of_scope", "confidence": 0.3}], add_to_output=True)
    return message


def test_mash_becomes_nlu_fallback_and_keeps_the_ranking_below_it():
    message, = MashGuard().process([_message("b" * 1500)])
    assert message.get("intent") == {"name": "nlu_fallback", "confidence": 1.0}
    assert [r["name"] for r in message.get("intent_ranking")] == ["nlu_fallback", "cancel", "out_of_scope"]


@pytest.mark.parametrize("text", ["cancel", "/cancel", "annule bbbb", "250"])
def test_other_messages_keep_their_intent(text):
    message, = MashGuard().process([_message(text)])
    assert message.get("intent")["name"] == "cancel"
