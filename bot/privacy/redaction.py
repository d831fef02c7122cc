"""What is never kept in clear: one-time codes and card numbers.

Customers type them in the chat (a code when asked for one, sometimes a card
number though the bot never asks). Before a conversation is stored (the tracker
store, the archive, logs), the code typed while a code was asked for is replaced
by `•` characters, and any 13–19 digit number is cut to its last four digits.

The functions work on Rasa events as dictionaries (`Event.as_dict()`), in order,
because whether a message answers a code question depends on what came before.
"""
from __future__ import annotations

import copy
import re
from typing import Any, Dict, Iterable, Iterator, List, Optional

# The slots whose value is a one-time code while asked for (actions/identity.py, actions/transfers.py).
CODE_SLOTS = frozenset({"otp_code", "transfer_code"})
MASK = "•"

# 13 to 19 digits, possibly grouped by spaces or dashes ("4970 1012 3456 7890"): a card number.
_CARD_NUMBER = re.compile(r"(?<!\d)(?:\d[ \-]?){12,18}\d(?!\d)")
# What a typed code looks like: a run of 4 to 8 digits (customers add spaces: "482 913").
_CODE = re.compile(r"(?<!\d)\d(?:[ \-]?\d){3,7}(?!\d)")


def mask_card_numbers(text: str) -> str:
    """ "my card 4970 1012 3456 7890" → "my card •••• 7890": the last four digits, as cards are shown."""
    def cut(match: "re.Match[str]") -> str:
        digits = re.sub(r"\D", "", match.group(0))
        return f"{MASK * 4} {digits[-4:]}"

    return _CARD_NUMBER.sub(cut, text)


def mask_codes(text: str) -> str:
    """Every run of digits that could be a code, replaced by as many `•`."""
    return _CODE.sub(lambda match: MASK * len(re.sub(r"\D", "", match.group(0))), text)


def redact_text(text: Optional[str], code_asked: bool) -> Optional[str]:
    if not text:
        return text
    text = mask_card_numbers(text)
    return mask_codes(text) if code_asked else text


class CodeQuestion:
    """Whether the bot is asking for a one-time code at this point of a conversation.

    The one rule every reader of a conversation applies (tracker store, staff transcript,
    archive): a user message answers a code question when the form's last `requested_slot`
    before it is a code slot, and no form was left since. `follow` each event, in order.
    """

    __slots__ = ("requested_slot",)

    def __init__(self) -> None:
        self.requested_slot: Optional[str] = None

    def follow(self, event: Dict[str, Any]) -> None:
        kind = event.get("event")
        if kind == "slot" and event.get("name") == "requested_slot":
            self.requested_slot = event.get("value")
        elif kind == "active_loop" and event.get("name") is None:
            self.requested_slot = None

    @property
    def asked(self) -> bool:
        return self.requested_slot in CODE_SLOTS


def redact_events(events: Iterable[Dict[str, Any]]) -> Iterator[Dict[str, Any]]:
    """The same events with codes and card numbers masked (the input is not changed).

    A user message answering a code question (`CodeQuestion`) has its text, the text
    inside its parse data and the entity values masked. A code slot's value is masked
    wherever it is set.
    """
    question = CodeQuestion()
    for event in events:
        question.follow(event)
        yield _redacted(event, code_asked=question.asked)


def _redacted(event: Dict[str, Any], code_asked: bool) -> Dict[str, Any]:
    kind = event.get("event")
    if kind == "user":
        result = copy.deepcopy(event)
        result["text"] = redact_text(result.get("text"), code_asked)
        parse_data = result.get("parse_data")
        if isinstance(parse_data, dict):
            parse_data["text"] = redact_text(parse_data.get("text"), code_asked)
            for entity in parse_data.get("entities") or []:
                if isinstance(entity.get("value"), str):
                    entity["value"] = redact_text(entity["value"], code_asked)
        return result
    if kind == "slot":
        value = event.get("value")
        if event.get("name") in CODE_SLOTS and value:
            return {**event, "value": MASK * 6}
        if isinstance(value, str):
            masked = mask_card_numbers(value)
            if masked != value:
                return {**event, "value": masked}
        return event
    if kind == "bot" and isinstance(event.get("text"), str):
        masked = mask_card_numbers(event["text"])
        return event if masked == event["text"] else {**event, "text": masked}
    return event


def redact_all(events: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    return list(redact_events(events))
