"""What bot/ writes itself follows the conversation's `language` slot (bot/messages/)."""
from __future__ import annotations

from types import SimpleNamespace
from typing import Any, Optional

from bot import messages
from bot.channels.messenger import router
from bot.channels.messenger.webhook import EventKind, MessagingEvent
from bot.handoff import csat
from bot.handoff.rasa_control import BACK_NOTE


class FakeTrackerStore:
    def __init__(self, language: Optional[str]) -> None:
        self.language = language

    async def retrieve(self, sender_id: str) -> Any:
        return SimpleNamespace(get_slot=lambda name: self.language if name == "language" else None)


def test_texts_fall_back_to_english_and_fill_their_placeholders():
    assert messages.text("csat.thanks", "fr") == "Merci pour votre avis !"
    assert messages.text("csat.thanks", None) == messages.text("csat.thanks", "de") == "Thanks for your feedback!"


def test_the_language_is_the_latest_language_slot_event():
    events = [{"event": "slot", "name": "language", "value": "fr"}, {"event": "user", "text": "hello"},
              {"event": "slot", "name": "locale", "value": "en_IE"}]
    assert messages.language_from_events(events) == "fr"
    assert messages.language_from_events(events + [{"event": "slot", "name": "language", "value": None}]) == "en"
    assert messages.language_from_events([]) == "en"


async def test_the_rasa_server_reads_the_language_from_its_tracker_store():
    app = SimpleNamespace(ctx=SimpleNamespace(agent=SimpleNamespace(tracker_store=FakeTrackerStore("fr"))))
    assert await messages.conversation_language(app, "psid-1") == "fr"
    assert await messages.conversation_language(None, "psid-1") == "en"


def test_a_sticker_is_answered_in_the_conversation_s_language():
    sticker = MessagingEvent(EventKind.ATTACHMENT, "psid-1", "page-1", 0, attachment_types=["sticker"])
    assert router.attachment_reply(sticker) == router.STICKER_REPLY
    assert router.attachment_reply(sticker, "fr").startswith("Joli sticker !")


def test_the_survey_is_in_french_for_a_french_conversation():
    web = csat.survey_event(12, csat.SOCKETIO, "https://bank.example/privacy", "fr")
    assert web["text"].startswith("Êtes-vous satisfait")
    messenger = csat.survey_event(12, csat.MESSENGER, "https://bank.example/privacy", "fr")
    payload = messenger["data"]["custom"]["csat_survey"]["template"]["attachment"]["payload"]
    assert payload["button_title"] == "Donner mon avis" and len(payload["button_title"]) <= 20
    assert messenger["data"]["custom"]["csat_survey"]["fallback"]["text"] == messages.text("csat.question", "fr")
    assert csat.survey_event(12, csat.SOCKETIO, "https://bank.example/privacy")["text"] == csat.QUESTION


def test_the_back_note_default_is_the_english_text():
    assert BACK_NOTE == messages.text("handoff.back_note", "en")
