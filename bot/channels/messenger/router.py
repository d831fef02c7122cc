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

from bot.channels.messenger.webhook import IGNORED_KINDS, EventKind, MessagingEvent

ATTACHMENT_REPLY = (
    "Thanks! I can only read text for now, so please type your question. "
    "For your safety, never send photos of your card or of your documents in this chat."
)
VOICE_REPLY = "Thanks! I can't listen to voice messages yet, so please type your question."
LOCATION_REPLY = "Thanks for sharing your location. I can't use it yet, so please type your question."
STICKER_REPLY = "Nice sticker! I can only read text, though, so please type your question."
LIKE_REPLY = "👍 Glad to help! Type your question whenever you need me."


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


def attachment_reply(event: MessagingEvent) -> str:
    """The polite answer to a message that is an attachment rather than text.

    (A 👍 right after a yes/no question is no attachment to answer: it is the Yes, channel.py.)
    """
    if event.is_like:
        return LIKE_REPLY
    if event.is_sticker:
        return STICKER_REPLY
    if "location" in event.attachment_types:
        return LOCATION_REPLY
    if "audio" in event.attachment_types:
        return VOICE_REPLY
    return ATTACHMENT_REPLY
