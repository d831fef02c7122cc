"""Every bot message Rasa sends a channel carries the conversation's language: ``"language": "en" | "fr"``.

The web chat's widget writes its own words (placeholder, send button, status, its language button) in the
conversation's language, not the page's: the customer may switch with the widget's button, by asking ("in
English please") or by writing in the other language (bot/nlu/language_detector.py), and the widget learns it
from the bot's messages, the same way for each: the answers to a message, what is said before them
(answer_preamble.py), and what staff or the system send through Rasa's HTTP API with side effects (a
staff reply, the hand-back note).

Where: Rasa sends every bot message through `MessageProcessor._send_bot_messages(events, tracker,
output_channel)`, after the action's events are on the tracker, so its `language` slot is the one the
message's text was chosen by. `install()` makes it add the slot to each message's dictionary; Rasa passes
that dictionary's keys to the output channel's methods as keyword arguments (as it does `utter_action`).
The web chat's output puts it in each socket.io message (bot/channels/web_chat/channel.py); the other
channels ignore it. No slot is English, as the responses' default variation. Nothing is stored: the
tracker's events are unchanged.

A message written by a member of staff (a bot event with `metadata.agent`, bot/handoff/rasa_control.py) also
carries ``"advisor": <the name staff chose to show, or "">``: the web chat shows it as an advisor's, not the
assistant's (Messenger's go by the Send API, not through here).
"""
from __future__ import annotations

from typing import List

from rasa.core.channels.channel import OutputChannel
from rasa.core.processor import MessageProcessor
from rasa.shared.core.events import BotUttered, Event
from rasa.shared.core.trackers import DialogueStateTracker

LANGUAGE_KEY = "language"
ADVISOR_KEY = "advisor"
LANGUAGES = ("en", "fr")
DEFAULT_LANGUAGE = "en"  # the responses' default variation: what a conversation without the slot reads


def conversation_language(tracker: DialogueStateTracker) -> str:
    """en or fr: the language the conversation's answers are written in."""
    language = tracker.get_slot(LANGUAGE_KEY)
    return language if language in LANGUAGES else DEFAULT_LANGUAGE


async def send_bot_messages_with_language(
    events: List[Event], tracker: DialogueStateTracker, output_channel: OutputChannel,
) -> None:
    """Rasa's `_send_bot_messages`, each message with the conversation's language (and a staff member's name)."""
    language = conversation_language(tracker)
    for event in events:
        if isinstance(event, BotUttered):
            message = {**event.message(), LANGUAGE_KEY: language}
            # Rasa puts a response's template variables in the message too: an appointment's {advisor} (the advisor
            # the customer will meet) made the web chat show the bot's confirmation as written by that advisor.
            message.pop(ADVISOR_KEY, None)
            metadata = event.metadata or {}
            if metadata.get("agent"):
                name = metadata.get("agent_name")
                message[ADVISOR_KEY] = name if isinstance(name, str) else ""
            await output_channel.send_response(tracker.sender_id, message)


def install() -> None:
    """Every bot message the Rasa server of this process sends carries the language (idempotent)."""
    MessageProcessor._send_bot_messages = staticmethod(send_bot_messages_with_language)  # type: ignore[method-assign]
