"""Every bot message Rasa sends carries the conversation's language, and the web chat puts it in each socket.io
message it emits (bot/rasa_server/message_language.py, bot/channels/web_chat/channel.py): the widget follows it."""
from __future__ import annotations

from typing import Any, List, Optional, Tuple

import pytest
from rasa.core.channels.channel import CollectingOutputChannel
from rasa.core.processor import MessageProcessor
from rasa.shared.core.events import ActionExecuted, BotUttered, Event, SessionStarted, SlotSet
from rasa.shared.core.trackers import DialogueStateTracker

from bot import messages
from bot.channels.offered_payloads import InMemoryOfferedPayloads
from bot.channels.web_chat.channel import WebChatInput, WebChatOutput
from bot.handoff.csat import score_payload
from bot.rasa_server import message_language
from bot.rasa_server.message_language import send_bot_messages_with_language
from bot.rasa_server.tracker_store import RedactingSQLTrackerStore
from bot.settings import Settings
from tests.unit.test_answer_preamble import DOMAIN


class RecordingSio:
    def __init__(self) -> None:
        self.emitted: List[Tuple[str, Any, Any]] = []

    async def emit(self, event: str, data: Any, room: Any = None, **kwargs: Any) -> None:
        self.emitted.append((event, data, room))


class Recording(CollectingOutputChannel):
    """Keeps the message dictionaries Rasa hands the channel."""

    def __init__(self) -> None:
        super().__init__()
        self.responses: List[dict] = []

    async def send_response(self, recipient_id: str, message: dict) -> None:
        self.responses.append(dict(message))
        await super().send_response(recipient_id, message)


def conversation(language: Optional[str], *events: Event) -> DialogueStateTracker:
    start = [ActionExecuted("action_session_start"), SessionStarted()]
    if language is not None:
        start.append(SlotSet("language", language))
    return DialogueStateTracker.from_events("visitor-1", start + list(events), slots=DOMAIN.slots)


ANSWER = [SlotSet("requested_slot", None),
          BotUttered("Très bien, je continue en français.", metadata={"utter_action": "utter_language_switched"}),
          BotUttered("Comment puis-je vous aider ?", data={"quick_replies": [{"title": "Solde", "payload": "/b"}]})]


@pytest.mark.parametrize("slot, language", [("fr", "fr"), ("en", "en"), (None, "en")])
async def test_each_bot_message_carries_the_conversations_language_and_no_slot_is_english(slot, language):
    channel = Recording()
    await send_bot_messages_with_language(ANSWER, conversation(slot), channel)
    assert [(r["text"], r["language"]) for r in channel.responses] == [
        ("Très bien, je continue en français.", language), ("Comment puis-je vous aider ?", language)]
    assert channel.responses[0]["utter_action"] == "utter_language_switched"  # the rest of the message as Rasa's
    assert [m["text"] for m in channel.messages] == [r["text"] for r in channel.responses]


async def test_the_language_is_the_one_after_the_action_that_switched_it():
    # Rasa sends an action's messages once its events are on the tracker: the switch is there.
    channel = Recording()
    await send_bot_messages_with_language(ANSWER, conversation("en", SlotSet("language", "fr")), channel)
    assert {r["language"] for r in channel.responses} == {"fr"}


async def test_the_events_are_not_changed():
    before = [event.as_dict() for event in ANSWER]
    await send_bot_messages_with_language(ANSWER, conversation("fr"), Recording())
    assert [event.as_dict() for event in ANSWER] == before


async def test_every_socket_io_message_of_a_bot_message_carries_its_language():
    sio = RecordingSio()
    output = WebChatOutput(sio, "bot_uttered")
    await output.send_response("visitor-1", {
        "text": "Voici vos soldes.\n\nCourant : 2 450,31 €", "quick_replies": [{"title": "Solde", "payload": "/b"}],
        "language": "fr"})
    await output.send_response("visitor-1", {"image": "https://example.org/a.png", "language": "en"})
    await output.send_response("visitor-1", {"text": "no language said"})
    sent = [data for _, data, _ in sio.emitted]
    assert [(m.get("text"), m.get("language")) for m in sent] == [
        ("Voici vos soldes.", "fr"), ("Courant : 2 450,31 €", "fr"), (None, "en"), ("no language said", None)]
    assert sent[1]["quick_replies"][0]["title"] == "Solde"


async def test_a_value_other_than_english_or_french_is_not_passed_on():
    sio = RecordingSio()
    await WebChatOutput(sio, "bot_uttered").send_response("visitor-1", {"text": "hi", "language": "<b>de</b>"})
    assert "language" not in sio.emitted[0][1]


async def test_the_survey_thanks_the_channel_writes_itself_carry_their_language():
    channel = WebChatInput(Settings(dialogue_thread=False))
    channel.offered = InMemoryOfferedPayloads()
    await channel.offered.record("visitor-1", [score_payload(3, 4)])
    sio = RecordingSio()
    said = await channel._text_for_rasa("visitor-1", "4", score_payload(3, 4))
    assert await channel._survey_tap("visitor-1", said, WebChatOutput(sio, "bot_uttered"))
    # No Rasa app here: the conversation's language is the default one, and the thanks say which.
    assert sio.emitted[0][1] == {"text": messages.text("csat.thanks", "en"), "language": "en"}


async def test_installed_rasa_sends_what_an_action_says_to_the_web_chat_with_the_language():
    original = MessageProcessor.__dict__["_send_bot_messages"]
    try:
        message_language.install()
        message_language.install()
        sio = RecordingSio()
        # As Rasa's processor calls it after an action, and its HTTP API after events posted with side effects.
        await MessageProcessor._send_bot_messages(ANSWER, conversation("fr"), WebChatOutput(sio, "bot_uttered"))
        assert [(data["text"], data["language"]) for _, data, _ in sio.emitted] == [
            ("Très bien, je continue en français.", "fr"), ("Comment puis-je vous aider ?", "fr")]
    finally:
        MessageProcessor._send_bot_messages = original


def test_the_branchs_tracker_store_installs_it(tmp_path):
    original = MessageProcessor.__dict__["_send_bot_messages"]
    try:
        RedactingSQLTrackerStore(dialect="sqlite", db=str(tmp_path / "tracker.db"))
        assert MessageProcessor._send_bot_messages is send_bot_messages_with_language
    finally:
        MessageProcessor._send_bot_messages = original


async def test_a_message_staff_wrote_reaches_the_web_chat_as_an_advisors_with_their_name():
    written = [BotUttered("Bonjour, c'est Amélie.", metadata={"agent": "amelie", "agent_name": "Amélie Durand"}),
               BotUttered("Sans nom affiché.", metadata={"agent": "bob"}),
               BotUttered("Le bot.", metadata={"utter_action": "utter_greet"}),
               # an action's response whose template names the advisor of an appointment (Rasa keeps the variables)
               BotUttered("C'est réservé ✅ avec Claire Lefèvre.",
                          metadata={"utter_action": "utter_appointment_booked", "advisor": "Claire Lefèvre"})]
    sio = RecordingSio()
    await send_bot_messages_with_language(written, conversation("fr"), WebChatOutput(sio, "bot_uttered"))
    assert [(data["text"], data.get("advisor")) for _, data, _ in sio.emitted] == [
        ("Bonjour, c'est Amélie.", "Amélie Durand"), ("Sans nom affiché.", ""), ("Le bot.", None),
        ("C'est réservé ✅ avec Claire Lefèvre.", None)]
    assert {data["language"] for _, data, _ in sio.emitted} == {"fr"}
