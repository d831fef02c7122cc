"""Before an answer: the assistant disclosure once per session and after a hand-back, the warning when a
secret was typed; and the welcome that names the channel. In process, on the project's domain."""
from __future__ import annotations

from typing import List

import pytest
from rasa.core.channels.channel import CollectingOutputChannel, OutputChannel
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.core.processor import MessageProcessor
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted, BotUttered, ConversationPaused, ConversationResumed, Event, SessionStarted, SlotSet, UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from bot.rasa_server import answer_preamble
from bot.rasa_server.answer_preamble import DISCLOSES, DISCLOSURE, SECRET_WARNING, _WithPreamble
from tests.support.processes import PROJECT_ROOT

DOMAIN = Domain.load(str(PROJECT_ROOT / "domain.yml"))
NLG = TemplatedNaturalLanguageGenerator(DOMAIN.responses)


class Named(CollectingOutputChannel):
    def __init__(self, name: str) -> None:
        super().__init__()
        self._name = name

    def name(self) -> str:  # type: ignore[override]
        return self._name


class Answers:
    """An action that sets a slot, then answers."""

    def __init__(self, *texts: str) -> None:
        self.texts = texts

    def name(self) -> str:
        return "action_answers"

    async def run(self, output_channel, nlg, tracker, domain) -> List[Event]:
        return [SlotSet("requested_slot", None)] + [BotUttered(text) for text in self.texts]


def session(*events: Event, language: str = "en") -> DialogueStateTracker:
    start = [ActionExecuted("action_session_start"), SessionStarted(), SlotSet("language", language),
             ActionExecuted("action_listen")]
    return DialogueStateTracker.from_events("psid-1", start + list(events), slots=DOMAIN.slots)


async def answer(tracker: DialogueStateTracker, action=None, channel: OutputChannel = None) -> List[Event]:
    action = action or Answers("the answer")
    return await _WithPreamble(action).run(channel or Named("messenger"), NLG, tracker, DOMAIN)


def said(events: List[Event]) -> List[str]:
    return [event.metadata.get("utter_action") or event.text for event in events if isinstance(event, BotUttered)]


async def test_the_first_answer_of_a_session_is_preceded_by_the_disclosure_and_the_next_one_is_not():
    tracker = session(UserUttered("what's my balance?"))
    events = await answer(tracker)
    assert said(events) == [DISCLOSURE, "the answer"]
    assert isinstance(events[0], SlotSet)  # the action's events keep their order around it
    assert events[1].metadata[DISCLOSES] is True
    assert events[1].text.startswith("You're chatting with your bank's automated assistant")

    tracker.update_with_events([ActionExecuted("action_answers")] + events + [ActionExecuted("action_listen"),
                                                                              UserUttered("and my cards?")], DOMAIN)
    assert said(await answer(tracker)) == ["the answer"]


async def test_it_is_said_once_for_an_action_that_answers_twice_and_not_for_one_that_is_silent():
    assert said(await answer(session(UserUttered("hi")), Answers("one", "two"))) == [DISCLOSURE, "one", "two"]
    assert said(await answer(session(UserUttered("hi")), Answers())) == []


async def test_it_is_in_the_language_understood_from_the_message():
    tracker = session(UserUttered("bonjour"), SlotSet("language", "fr"), language="en")  # an English page
    events = await answer(tracker)
    assert events[1].text.startswith("Vous échangez avec l'assistant automatique de votre banque")


def handed_back(note_discloses: bool) -> DialogueStateTracker:
    tracker = session(UserUttered("hi"), ActionExecuted("utter_greet"),
                      BotUttered("disclosure", metadata={DISCLOSES: True}), BotUttered("hello"),
                      ActionExecuted("action_listen"), UserUttered("a human please"), ActionExecuted("action_handoff"),
                      BotUttered("passing you on"), ConversationPaused(), BotUttered("Hi, Alice here", metadata={"agent": "alice"}),
                      ConversationResumed())
    if note_discloses:
        tracker.update(BotUttered("You're back with your bank's automated assistant", metadata={DISCLOSES: True}))
    else:
        tracker.update(BotUttered("How did we do?"))  # the satisfaction survey says nothing of the assistant
    tracker.update_with_events([ActionExecuted("action_listen"), UserUttered("thanks, my balance?")], DOMAIN)
    return tracker


async def test_after_a_hand_back_the_back_note_discloses_or_else_the_first_answer_does():
    assert said(await answer(handed_back(note_discloses=True))) == ["the answer"]
    assert said(await answer(handed_back(note_discloses=False))) == [DISCLOSURE, "the answer"]


@pytest.mark.parametrize("typed, language, start", [
    ("my card number is 4111 1111 1111 1111", "en", "⚠️ Never share your card number"),
    ("mon code secret c'est 4821", "fr", "⚠️ Ne communiquez jamais votre numéro de carte"),
    ("password: hunter2", "en", "⚠️ Never share"),
])
async def test_a_typed_secret_is_warned_about_before_the_answer_which_still_comes(typed, language, start):
    tracker = session(ActionExecuted("utter_greet"), BotUttered("hello", metadata={DISCLOSES: True}),
                      ActionExecuted("action_listen"), UserUttered(typed), language=language)
    events = await answer(tracker, Answers("What's your customer number?"))
    assert said(events) == [SECRET_WARNING, "What's your customer number?"]
    warning = events[1]
    assert warning.text.startswith(start)
    assert [button["payload"] for button in warning.data["buttons"]] == ["/block_card"]

    # Warned once per message: the turn's next action answers without it.
    tracker.update_with_events([ActionExecuted("action_answers")] + events, DOMAIN)
    assert said(await answer(tracker)) == ["the answer"]


async def test_the_first_message_may_need_both():
    events = await answer(session(UserUttered("hi, my pin is 4821")))
    assert said(events) == [DISCLOSURE, SECRET_WARNING, "the answer"]


async def test_the_code_asked_for_is_no_secret_even_called_a_pin():
    tracker = session(ActionExecuted("utter_greet"), BotUttered("hello", metadata={DISCLOSES: True}),
                      SlotSet("requested_slot", "otp_code"), ActionExecuted("action_listen"), UserUttered("pin 482913"))
    assert said(await answer(tracker)) == ["the answer"]


class Processor:
    """What `prediction_loop_warning_while_paused` uses of Rasa's MessageProcessor."""

    def __init__(self) -> None:
        self.nlg, self.domain = NLG, DOMAIN

    async def execute_side_effects(self, events, tracker, output_channel) -> None:
        await MessageProcessor._send_bot_messages(events, tracker, output_channel)


@pytest.mark.parametrize("paused", [True, False])
async def test_while_staff_hold_the_conversation_a_typed_secret_is_warned_about_at_once(paused, monkeypatch):
    # No action runs while the bot is paused: the warning goes out as the message is logged, sent and kept in the
    # tracker, without the "Block my card" button the bot would not act on. Not paused: actions warn as above.
    loops = []

    async def rasa_loop(processor, output_channel, tracker) -> None:
        loops.append(tracker.sender_id)

    monkeypatch.setattr(answer_preamble, "_ORIGINAL_PREDICTION_LOOP", rasa_loop)
    held = [ActionExecuted("action_handoff"), BotUttered("An advisor will be with you", metadata={DISCLOSES: True}),
            ConversationPaused()] if paused else []
    tracker = session(*held, ActionExecuted("action_listen"), UserUttered("mon code cb c 4821"), language="fr")
    channel = Named("socketio")
    await answer_preamble.prediction_loop_warning_while_paused(Processor(), channel, tracker)
    assert loops == ["psid-1"]  # Rasa's loop runs as before
    if not paused:
        assert channel.messages == [] and isinstance(tracker.events[-1], UserUttered)
        return
    [sent] = channel.messages
    assert sent["text"].startswith("⚠️ Ne communiquez jamais votre numéro de carte") and "buttons" not in sent
    warning = tracker.events[-1]
    assert said([warning]) == [SECRET_WARNING] and not warning.data.get("buttons")

    # Once per message: the advisor's next message in the same turn, or a second loop, does not warn again.
    await answer_preamble.prediction_loop_warning_while_paused(Processor(), channel, tracker)
    assert len(channel.messages) == 1


async def test_while_paused_a_message_with_no_secret_gets_nothing():
    tracker = session(ConversationPaused(), ActionExecuted("action_listen"), UserUttered("my code is not arriving"))
    channel = Named("messenger")
    assert await answer_preamble.paused_warning(tracker, NLG, channel, DOMAIN) == []


@pytest.mark.parametrize("response", ["utter_greet", "utter_welcome"])
@pytest.mark.parametrize("channel, language, names", [
    ("messenger", "en", "your bank's Facebook branch"),
    ("messenger", "fr", "l'agence Facebook de votre banque"),
    ("socketio", "en", "your bank's online chat"),
    ("socketio", "fr", "le chat en ligne de votre banque"),
])
async def test_the_welcome_names_the_channel_and_what_the_bank_never_asks(response, channel, language, names):
    generated = await NLG.generate(response, session(language=language), channel)
    assert names in generated["text"]
    never = {"en": "never ask for your PIN, a password or your full card number in chat",
             "fr": "jamais votre code secret, un mot de passe ni votre numéro de carte complet dans le chat"}
    assert never[language] in generated["text"]


def test_install_puts_the_preamble_in_rasas_message_processor():
    original, loop = MessageProcessor._run_action, MessageProcessor._run_prediction_loop
    try:
        answer_preamble.install()
        answer_preamble.install()
        assert MessageProcessor._run_action is answer_preamble.run_action_with_preamble
        assert MessageProcessor._run_prediction_loop is answer_preamble.prediction_loop_warning_while_paused
    finally:
        MessageProcessor._run_action, MessageProcessor._run_prediction_loop = original, loop
