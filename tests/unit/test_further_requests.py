"""A message of several requests: the clauses after the first are offered once the first request is done
(bot/rasa_server/further_requests.py). Pure rules here; end to end in tests/integration/test_changing_requests.py."""
from __future__ import annotations

from typing import Any, Dict, List

import pytest
from rasa.core.channels.channel import CollectingOutputChannel
from rasa.core.processor import MessageProcessor
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted, ActiveLoop, BotUttered, ConversationPaused, Event, SessionStarted, SlotSet, UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from bot.rasa_server import further_requests
from bot.rasa_server.further_requests import FURTHER_KEY, SLOT, clauses, further_requests as found_in
from tests.support.processes import PROJECT_ROOT

DOMAIN = Domain.load(str(PROJECT_ROOT / "domain.yml"))


@pytest.mark.parametrize("text, parts", [
    ("what's my balance and my last transactions", ["what's my balance", "my last transactions"]),
    ("block my card, and then order a new one please", ["block my card", "order a new one please"]),
    ("Quel est mon solde ? Et montre-moi mes dernières opérations", ["Quel est mon solde",
                                                                     "montre-moi mes dernières opérations"]),
    ("envoie 20 € à Tom puis bloque ma carte", ["envoie 20 € à Tom", "bloque ma carte"]),
    ("mon solde et aussi mes prélèvements", ["mon solde", "mes prélèvements"]),
    ("what's my balance", ["what's my balance"]),
    ("hi. balance", ["hi. balance"]),  # a part of one word stays with the one before
    ("Bread and butter", ["Bread and butter"]),
])
def test_clauses(text, parts):
    assert clauses(text) == parts


def parsed(text: str, intent: str, confidence: float = 0.95, retrieval: str = "") -> Dict[str, Any]:
    data: Dict[str, Any] = {"text": text, "intent": {"name": intent, "confidence": confidence}}
    if retrieval:
        data["intent"]["full_retrieval_intent_name"] = retrieval
    return data


def test_what_the_clauses_ask_beyond_the_message():
    whole = parsed("what's my balance and my last transactions", "check_balance")
    parts = [parsed("what's my balance", "check_balance"), parsed("my last transactions", "recent_transactions")]
    assert found_in(whole, parts) == [{"payload": "/recent_transactions", "said": "my last transactions"}]


def test_a_knowledge_question_is_offered_as_its_topic_and_a_card_number_is_never_said_back():
    whole = parsed("block card 4970101234567890 and how long for a new one", "block_card")
    parts = [parsed("block card 4970101234567890", "block_card"),
             parsed("how long for a new one", "faq", retrieval="faq/card_delivery")]
    assert found_in(whole, parts) == [{"payload": '/faq{"knowledge_topic":"card_delivery"}',
                                       "said": "how long for a new one"}]
    assert found_in(whole, [parsed("block card", "block_card"),
                            parsed("pay card 4970101234567890", "transfer_money")])[0]["said"] == "pay card •••• 7890"


@pytest.mark.parametrize("whole, parts", [
    (parsed("hi and thanks", "greet"), [parsed("thanks a lot", "check_balance")]),  # the message asks nothing
    (parsed("x", "check_balance"), [parsed("hello there", "greet")]),  # small talk is no request
    (parsed("x", "check_balance"), [parsed("and my savings", "check_balance")]),  # the same request
    (parsed("x", "check_balance"), [parsed("hmm maybe", "recent_transactions", 0.5)]),  # not sure enough
    (parsed("x", "check_balance", 0.5), [parsed("my transactions", "recent_transactions")]),
    # No clause alone is the whole's request: "whats my iban" alone a balance, the whole a knowledge question.
    (parsed("whats my iban? its for my employer", "faq", retrieval="faq/find_iban"),
     [parsed("whats my iban", "check_balance"), parsed("its for my employer", "out_of_scope")]),
])
def test_nothing_further(whole, parts):
    assert found_in(whole, parts) == []


def test_a_protective_request_comes_first_whatever_the_word_order():
    from bot.rasa_server.further_requests import protective_first

    parts = [parsed("how much did i spend at uber this month", "search_transactions"),
             parsed("block my credit card", "block_card")]
    assert protective_first(parsed("x", "search_transactions"), parts) == 1
    assert protective_first(parsed("x", "block_card"), parts) is None  # already first
    assert protective_first(parsed("x", "search_transactions"),
                            [parts[0], parsed("block my card maybe", "block_card", 0.5)]) is None  # not sure enough
    assert protective_first(parsed("hi and thanks", "greet"), parts) is None  # the message asks nothing
    reordered = {**parsed("x", "search_transactions"), "intent": parts[1]["intent"]}
    assert found_in(reordered, parts) == [{"payload": "/search_transactions",
                                           "said": "how much did i spend at uber this month"}]


def test_at_most_two_further_requests_each_once():
    whole = parsed("x", "check_balance")
    parts = [parsed(t, i) for t, i in (("x y", "check_balance"),
                                       ("a b", "recent_transactions"), ("c d", "recent_transactions"),
                                       ("e f", "block_card"), ("g h", "order_card"))]
    assert [f["payload"] for f in found_in(whole, parts)] == ["/recent_transactions", "/block_card"]


# --- the dialogue side ---

PENDING = [{"payload": "/recent_transactions", "said": "my last transactions"}]


def conversation(*events: Event, language: str = "en") -> DialogueStateTracker:
    start = [ActionExecuted("action_session_start"), SessionStarted(), SlotSet("language", language),
             ActionExecuted("action_listen")]
    return DialogueStateTracker.from_events("psid-1", start + list(events), slots=DOMAIN.slots)


def asked(text: str, intent: str, further=None) -> UserUttered:
    data = {"intent": {"name": intent, "confidence": 0.9}, "entities": []}
    if further:
        data[FURTHER_KEY] = further
    return UserUttered(text, data["intent"], [], data)


class Processor:
    def __init__(self) -> None:
        self.domain = DOMAIN

    async def execute_side_effects(self, events, tracker, output_channel) -> None:
        await MessageProcessor._send_bot_messages(events, tracker, output_channel)


async def turn(tracker: DialogueStateTracker, answers: List[Event], monkeypatch) -> List[Dict[str, Any]]:
    """One turn: the loop before ours adds `answers`; what the channel got."""
    async def loop(processor, output_channel, tracker) -> None:
        tracker.update_with_events(answers, DOMAIN)

    monkeypatch.setattr(further_requests, "_PREVIOUS_LOOP", loop)
    channel = CollectingOutputChannel()
    await further_requests.prediction_loop_with_further_requests(Processor(), channel, tracker)
    return channel.messages


async def test_the_second_request_is_offered_once_the_first_is_answered(monkeypatch):
    tracker = conversation(asked("what's my balance and my last transactions", "check_balance", PENDING))
    sent = await turn(tracker, [ActionExecuted("action_check_balance"), BotUttered("Your balance is 1,240.50 €")],
                      monkeypatch)
    [offer] = sent
    assert offer["text"] == "You also asked: “my last transactions”. Shall I go on with that?"
    assert [b["payload"] for b in offer["buttons"]] == ["/recent_transactions", "/deny"]
    assert tracker.get_slot(SLOT) is None and tracker.events[-2].text == offer["text"]


async def test_it_waits_while_a_form_asks_and_comes_in_french_after(monkeypatch):
    tracker = conversation(asked("mon solde et mes dernières opérations", "check_balance", PENDING), language="fr")
    asking = [ActionExecuted("identity_form"), ActiveLoop("identity_form"), BotUttered("Votre numéro client ?")]
    assert await turn(tracker, asking, monkeypatch) == []
    assert tracker.get_slot(SLOT) == PENDING

    tracker.update_with_events([ActionExecuted("action_listen"), asked("12345678", "inform")], DOMAIN)
    done = [ActionExecuted("identity_form"), ActiveLoop(None), BotUttered("Votre solde est de 1 240,50 €")]
    [offer] = await turn(tracker, done, monkeypatch)
    assert offer["text"] == "Vous m'avez aussi demandé : « my last transactions ». Je m'en occupe ?"
    assert [b["title"] for b in offer["buttons"]] == ["Oui, allez-y", "Non, merci"]


async def test_a_question_with_buttons_is_answered_first(monkeypatch):
    tracker = conversation(asked("x and y", "block_card", PENDING))
    question = [ActionExecuted("action_block"), BotUttered("Which card?", data={"buttons": [
        {"title": "Debit", "payload": "/inform"}]})]
    assert await turn(tracker, question, monkeypatch) == []
    assert tracker.get_slot(SLOT) == PENDING


async def test_what_the_bot_offered_meanwhile_is_not_offered_again(monkeypatch):
    pending = [{"payload": "/order_card", "said": "order a new one"}]
    tracker = conversation(asked("block my card and order a new one", "block_card", pending))
    tracker.update_with_events([ActionExecuted("action_block_card"), BotUttered("Blocked. A replacement?", data={
        "buttons": [{"title": "Order", "payload": '/order_card{"card_type":"debit"}'},
                    {"title": "No, thanks", "payload": "/deny"}]}),
        ActionExecuted("action_listen"), asked("no", "deny")], DOMAIN)
    assert await turn(tracker, [ActionExecuted("utter_anything_else"), BotUttered("Anything else?")], monkeypatch) == []
    assert tracker.get_slot(SLOT) is None


@pytest.mark.parametrize("intent", ["cancel", "goodbye", "human_handoff"])
async def test_stopping_drops_what_was_pending(intent, monkeypatch):
    tracker = conversation(asked("x and y", "check_balance", PENDING), SlotSet(SLOT, PENDING),
                           ActionExecuted("action_listen"), asked("stop", intent))
    assert await turn(tracker, [BotUttered("OK")], monkeypatch) == []
    assert tracker.get_slot(SLOT) is None


async def test_nothing_while_staff_hold_the_conversation(monkeypatch):
    tracker = conversation(asked("x and y", "check_balance", PENDING), SlotSet(SLOT, PENDING), ConversationPaused(),
                           ActionExecuted("action_listen"), asked("hello?", "greet"))
    assert await turn(tracker, [], monkeypatch) == []
    assert tracker.get_slot(SLOT) == PENDING


async def test_a_conversation_that_moved_on_drops_it(monkeypatch):
    later = []
    for n in range(7):
        later += [ActionExecuted("action_listen"), asked(f"question {n}", "faq"), BotUttered("answer")]
    tracker = conversation(asked("x and y", "check_balance", PENDING), SlotSet(SLOT, PENDING), *later)
    assert await turn(tracker, [BotUttered("answer")], monkeypatch) == []
    assert tracker.get_slot(SLOT) is None


def test_install_wraps_the_hooks_before_it_once(monkeypatch):
    async def parse(*args, **kwargs): ...

    async def loop(*args, **kwargs): ...

    # Whatever an earlier test installed, the hooks before are these two; install() restores nothing itself.
    monkeypatch.setattr(MessageProcessor, "parse_message", parse)
    monkeypatch.setattr(MessageProcessor, "_run_prediction_loop", loop)
    monkeypatch.setattr(further_requests, "_PREVIOUS_PARSE", None)
    monkeypatch.setattr(further_requests, "_PREVIOUS_LOOP", None)
    further_requests.install()
    further_requests.install()
    assert MessageProcessor.parse_message is further_requests.parse_message_with_further_requests
    assert MessageProcessor._run_prediction_loop is further_requests.prediction_loop_with_further_requests
    assert further_requests._PREVIOUS_PARSE is parse and further_requests._PREVIOUS_LOOP is loop
