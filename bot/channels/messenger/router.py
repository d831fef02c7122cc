"""Where each webhook event goes: the one routing rule for both receive paths (direct and durable inbox).

    DIALOGUE        answered by the bot: text, taps, attachments
    STANDBY         another app owns the thread (an advisor's inbox): watched, never answered
    THREAD_CONTROL  the thread is passed, taken or asked for (Conversation Routing)
    FEEDBACK        an answer to the satisfaction survey's template: stored, never passed to the dialogue,
                    whichever app owns the thread (bot/handoff/csat.py)
    ACKNOWLEDGE     reactions, edits and kinds Meta adds later: logged, never answered
    IGNORE          deliveries, reads and the page's own echoes
"""
from __future__ import annotations

from enum import Enum

from typing import Optional

from bot import messages
from bot.channels.messenger.webhook import IGNORED_KINDS, EventKind, MessagingEvent

# The answers to attachments (bot/messages/<language>.yml), in English.
ATTACHMENT_REPLY = messages.text("attachment.any")
VOICE_REPLY = messages.text("attachment.voice")
LOCATION_REPLY = messages.text("attachment.location")
STICKER_REPLY = messages.text("attachment.sticker")
LIKE_REPLY = messages.text("attachment.like")


class Route(Enum):
    DIALOGUE = "dialogue"
    STANDBY = "standby"
    THREAD_CONTROL = "thread_control"
    FEEDBACK = "feedback"
    ACKNOWLEDGE = "acknowledge"
    IGNORE = "ignore"


def route(event: MessagingEvent) -> Route:
    if event.kind == EventKind.FEEDBACK:
        return Route.FEEDBACK
    if event.standby:
        return Route.STANDBY
    if event.kind in IGNORED_KINDS:
        return Route.IGNORE
    if event.kind == EventKind.HANDOVER:
        return Route.THREAD_CONTROL
    if event.kind in (EventKind.REACTION, EventKind.MESSAGE_EDIT, EventKind.OTHER):
        return Route.ACKNOWLEDGE
    return Route.DIALOGUE


def attachment_reply(event: MessagingEvent, language: Optional[str] = None) -> str:
    """The polite answer to a message that is an attachment rather than text, in the conversation's language.

    (A 👍 right after a yes/no question is no attachment to answer: it is the Yes, channel.py.)
    """
    if event.is_like:
        key = "attachment.like"
    elif event.is_sticker:
        key = "attachment.sticker"
    elif "location" in event.attachment_types:
        key = "attachment.location"
    elif "audio" in event.attachment_types:
        key = "attachment.voice"
    else:
        key = "attachment.any"
    return messages.text(key, language)
