"""A greeting before a request does not hide it: "bonjour, je voudrais parler à quelqu'un" asks for a person.

The NLU reads most such messages by their request ("hi, what's my balance" is check_balance), but not all: "bonjour,
je voudrais parler à quelqu'un" was greet 0.67, and the customer got the welcome menu instead of an advisor. The
convention of data/README.md says a greeting before a request never counts; this holds it where the model does not.

Where: `install()` wraps `MessageProcessor.parse_message` (the parse before this one). When the message is read as
`greet` and begins with a greeting followed by more words ("bonjour, …", "hi there! …", "good morning …"), the words
after the greeting are parsed alone; if they ask something else with SURE confidence or more, the message is read as
that (its text kept whole, the entities' offsets moved back into it). "bonjour, comment ça va ?" stays a greeting.
"""
from __future__ import annotations

import re
from typing import Any, Dict, Optional, Tuple

from rasa.core.channels.channel import UserMessage
from rasa.core.processor import MessageProcessor
from rasa.shared.core.trackers import DialogueStateTracker

from bot.rasa_server.parse_steps import Parse, install_step

GREET = "greet"
NOT_A_REQUEST = {GREET, "out_of_scope", "nlu_fallback", "goodbye", "affirm", "deny"}
SURE = 0.7
_GREETING = re.compile(
    r"^\s*(?:(?:hi|hello|hey|hiya|yo|good (?:morning|afternoon|evening)|bonjour|bonsoir|salut|coucou|allo|allô|"
    r"hola|re)(?:\s+(?:there|all|everyone|à tous|a tous|madame|monsieur))?)\b[\s,.!;:\-–—]*",
    re.IGNORECASE,
)
MIN_REST = 2  # words after the greeting, for them to be a request


def after_greeting(text: str) -> Optional[Tuple[int, str]]:
    """Where the words after a leading greeting start, and those words; None when the text does not begin with a
    greeting or nothing (or one word) follows it."""
    match = _GREETING.match(text or "")
    if match is None:
        return None
    rest = text[match.end():]
    if len(rest.split()) < MIN_REST:
        return None
    return match.end(), rest


def moved(entities: Any, offset: int) -> list:
    """The rest's entities, their offsets moved to the whole message's."""
    out = []
    for entity in entities or []:
        entity = dict(entity)
        for key in ("start", "end"):
            if isinstance(entity.get(key), int):
                entity[key] += offset
        out.append(entity)
    return out


async def parse_message_with_greeting_first(previous: Parse, processor: MessageProcessor, message: UserMessage,
                                            tracker: Optional[DialogueStateTracker] = None,
                                            only_output_properties: bool = True) -> Dict[str, Any]:
    """The parse before this one (`previous`), a greeting before a request read as the request."""
    parsed = await previous(processor, message, tracker, only_output_properties)
    text = str(message.text or "")
    if text.startswith("/") or (parsed.get("intent") or {}).get("name") != GREET:
        return parsed
    found = after_greeting(text)
    if found is None:
        return parsed
    offset, rest = found
    alone = UserMessage(rest, sender_id=message.sender_id, input_channel=message.input_channel,
                        metadata=message.metadata, message_id=message.message_id)
    request = await previous(processor, alone, tracker, only_output_properties)
    intent = request.get("intent") or {}
    if intent.get("name") in NOT_A_REQUEST or float(intent.get("confidence") or 0.0) < SURE:
        return parsed
    kept = [e for e in parsed.get("entities") or [] if e.get("entity") == "language"]  # read from the whole text
    rest_entities = [e for e in moved(request.get("entities"), offset) if e.get("entity") != "language"]
    return {**request, "text": text, "entities": rest_entities + kept}


def install() -> None:
    """Every message the Rasa server of this process parses gets the rule above, around the steps installed before."""
    install_step(parse_message_with_greeting_first)
