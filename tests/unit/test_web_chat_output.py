"""The web chat's output: a response's buttons stay in the thread (as Messenger's button template), quick replies are
the chips of the latest message only. Before, Rasa's socket.io output sent buttons as quick replies, so the "Block my
card" of the warning about a typed card number went as soon as the answer after it came with its own chips."""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

import pytest
from rasa.core.actions.action import create_bot_utterance
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, SlotSet
from rasa.shared.core.trackers import DialogueStateTracker

from bot.channels.offered_payloads import InMemoryOfferedPayloads
from bot.channels.web_chat.channel import BOT_MESSAGE_EVENT, WebChatOutput
from tests.support.processes import PROJECT_ROOT

DOMAIN = Domain.load(str(PROJECT_ROOT / "domain.yml"))
NLG = TemplatedNaturalLanguageGenerator(DOMAIN.responses)


class RecordingSio:
    def __init__(self) -> None:
        self.emitted: List[Tuple[str, Any, Any]] = []

    async def emit(self, event: str, data: Any, room: Any = None, **kwargs: Any) -> None:
        self.emitted.append((event, data, room))


def widget(emitted: List[Tuple[str, Any, Any]]) -> Tuple[List[Tuple[str, List[str]]], List[str]]:
    """What the widget shows (web-chat.js renderBot): the thread's texts with the buttons under them, and the chips,
    which are the latest message's quick replies."""
    thread: List[Tuple[str, List[str]]] = []
    chips: List[str] = []
    for _, message, _ in emitted:
        thread.append((message.get("text") or "", [b["title"] for b in message.get("buttons") or []]))
        chips = [q["title"] for q in message.get("quick_replies") or []]
    return thread, chips


async def say(output: WebChatOutput, response: str, language: str, channel: str = "socketio") -> None:
    tracker = DialogueStateTracker.from_events("s-1", [SlotSet("language", language)], slots=DOMAIN.slots)
    generated: Optional[Dict[str, Any]] = await NLG.generate(response, tracker, channel)
    assert generated is not None
    await output.send_response("s-1", create_bot_utterance(generated).message())  # as Rasa's processor sends it


@pytest.mark.parametrize("language, block, menu_item", [("en", "Block my card", "My balance"),
                                                         ("fr", "Bloquer ma carte", "Mon solde")])
async def test_the_block_button_of_the_card_number_warning_stays_after_the_answer_with_its_chips(
        language, block, menu_item):
    sio, offered = RecordingSio(), InMemoryOfferedPayloads()
    output = WebChatOutput(sio, BOT_MESSAGE_EVENT, offered=offered)
    await say(output, "utter_typed_secret", language)
    await say(output, "utter_how_can_i_help", language)  # the turn's answer, with the services as chips

    thread, chips = widget(sio.emitted)
    warning = sio.emitted[0][1]
    assert warning["text"].startswith("⚠️") and "quick_replies" not in warning
    assert warning["buttons"] == [{"title": block, "payload": "/block_card"}]
    assert thread[0][1] == [block]  # still under the warning once the answer came
    assert menu_item in chips and block not in chips
    assert await offered.was_offered("s-1", "/block_card")  # the tap is accepted
    assert all(event == BOT_MESSAGE_EVENT and room == "s-1" for event, _, room in sio.emitted)


async def test_buttons_go_under_the_last_paragraph_and_links_keep_their_url():
    sio = RecordingSio()
    output = WebChatOutput(sio, BOT_MESSAGE_EVENT)
    await output.send_text_with_buttons("s-1", "First.\n\nSecond?", [
        {"title": "Yes", "payload": "/affirm"}, {"type": "web_url", "title": "Rates", "url": "https://bank.example/r"}])
    assert [m for _, m, _ in sio.emitted] == [
        {"text": "First."},
        {"text": "Second?", "buttons": [{"title": "Yes", "payload": "/affirm"},
                                        {"type": "web_url", "title": "Rates", "url": "https://bank.example/r"}]},
    ]


async def test_quick_replies_are_still_chips_of_the_last_paragraph():
    sio = RecordingSio()
    output = WebChatOutput(sio, BOT_MESSAGE_EVENT)
    await output.send_response("s-1", BotUttered("One.\n\nTwo?", {"quick_replies": [{"title": "A", "payload": "/a"}]}).message())
    assert [m for _, m, _ in sio.emitted] == [
        {"text": "One.", "quick_replies": []},
        {"text": "Two?", "quick_replies": [{"content_type": "text", "title": "A", "payload": "/a"}]},
    ]
