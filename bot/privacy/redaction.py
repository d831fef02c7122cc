"""What is never kept in clear: one-time codes, card numbers, PINs and passwords.

Customers type them in the chat (a code when asked for one, sometimes a card
number though the bot never asks), in any form: "4970 1012 3456 7890",
"4970.1012.3456.7890", "412 612", "412.612", "4-1-2-6-1-2". Before a conversation
is stored (the tracker store, the archive, logs):

- any run of 13 or more digits, written together or grouped by spaces, dots,
  dashes or slashes, is cut to its last four digits (Luhn-valid or not); a
  number written with a leading `+` and at most 15 digits is a phone number
  (E.164), not a card;
- while a code is asked for, every digit of what the customer types is masked
  (`•`), whatever separates them, and the digits they typed are masked again
  wherever they come back in the same turn (a slot, a reply);
- a PIN or a password the customer typed ("my pin is 4821", "password: hunter2":
  the rules are bot/privacy/typed_secrets.py's) is masked, and masked again
  wherever it comes back in the same turn (an entity, a slot, a reply).

Card numbers are masked everywhere text is kept: user messages and their parse
data, the bot's text, buttons, quick replies, custom JSON and metadata, and slot
values (strings, or the strings inside lists and dictionaries).

The functions work on Rasa events as dictionaries (`Event.as_dict()`), in order,
because whether a message answers a code question depends on what came before.
"""
from __future__ import annotations

import copy
import re
from typing import Any, Dict, FrozenSet, Iterable, Iterator, List, Optional

from bot.privacy.typed_secrets import (  # noqa: F401 - MASK and the card limits are read from here too
    CARD_MIN_DIGITS, CARD_RUN, MASK, PASSWORD_MASK, PHONE_MAX_DIGITS, digits_of, mask_pins_and_passwords, secret_values,
)

# The slots whose value is a one-time code while asked for (actions/identity.py, actions/transfers.py).
CODE_SLOTS = frozenset({"otp_code", "transfer_code"})

# Between two digits of a typed code: up to three characters that are neither letters, digits nor line ends.
_CODE_RUN = re.compile(r"\d(?:[^\w\n]{0,3}\d)*")


def mask_card_numbers(text: str) -> str:
    """ "my card 4970.1012.3456.7890" → "my card •••• 7890": the last four digits, as cards are shown."""
    if not text:
        return text

    def cut(match: "re.Match[str]") -> str:
        digits = digits_of(match.group(0))
        if len(digits) < CARD_MIN_DIGITS:
            return match.group(0)
        if len(digits) <= PHONE_MAX_DIGITS and match.start() > 0 and text[match.start() - 1] == "+":
            return match.group(0)  # "+86 138 0013 8000": a phone number
        return f"{MASK * 4} {digits[-4:]}"

    return CARD_RUN.sub(cut, text)


def mask_codes(text: str) -> str:
    """Every digit, whatever separates them: "it's 412.612" → "it's ••••••" (one `•` per digit)."""
    if not text:
        return text
    return _CODE_RUN.sub(lambda match: MASK * len(digits_of(match.group(0))), text)


def redact_text(text: Optional[str], code_asked: bool) -> Optional[str]:
    if not text:
        return text
    text = mask_card_numbers(mask_pins_and_passwords(text))
    return mask_codes(text) if code_asked else text


def typed_digits(text: Optional[str]) -> FrozenSet[str]:
    """The digit strings a customer typed as a code: each run of 4 digits or more, and all of them together."""
    if not text:
        return frozenset()
    runs = {digits_of(match.group(0)) for match in _CODE_RUN.finditer(text)}
    runs.add(digits_of(text))
    return frozenset(run for run in runs if len(run) >= 4)


def mask_echoes(text: str, secrets: FrozenSet[str]) -> str:
    """`text` with every digit run that repeats one of `secrets` (digits) masked, and every other secret (a
    password) replaced wherever it appears."""
    if not text or not secrets:
        return text
    numbers = [secret for secret in secrets if secret.isdigit()]

    def hide(match: "re.Match[str]") -> str:
        digits = digits_of(match.group(0))
        if any(secret in digits for secret in numbers):
            return MASK * len(digits)
        return match.group(0)

    if numbers:
        text = _CODE_RUN.sub(hide, text)
    for secret in secrets:
        if not secret.isdigit():
            text = text.replace(secret, PASSWORD_MASK)
    return text


def redact_value(value: Any, code_asked: bool = False, secrets: FrozenSet[str] = frozenset()) -> Any:
    """`value` with every string in it (in lists and dictionaries too, keys left alone) redacted."""
    if isinstance(value, str):
        return mask_echoes(redact_text(value, code_asked) or value, secrets)
    if isinstance(value, dict):
        return {key: redact_value(item, code_asked, secrets) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact_value(item, code_asked, secrets) for item in value]
    return value


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

    A user message answering a code question (`CodeQuestion`) has every digit of its text
    and parse data masked, and the digits it typed are masked in the events after it until
    the next user message (a slot or a reply repeating them). A code slot's value is masked
    wherever it is set. A PIN or a password typed is masked in its message, its parse data and
    the events after it until the next user message. Card numbers are masked in every text kept.
    """
    question = CodeQuestion()
    secrets: FrozenSet[str] = frozenset()
    for event in events:
        question.follow(event)
        if event.get("event") == "user":
            text = event.get("text")
            secrets = (typed_digits(text) if question.asked else frozenset()) | secret_values(text or "")
        yield _redacted(event, code_asked=question.asked, secrets=secrets)


def _redacted(event: Dict[str, Any], code_asked: bool, secrets: FrozenSet[str]) -> Dict[str, Any]:
    kind = event.get("event")
    if kind == "user":
        result = copy.copy(event)
        result["text"] = redact_text(event.get("text"), code_asked)
        if isinstance(event.get("parse_data"), dict):
            result["parse_data"] = redact_value(event["parse_data"], code_asked, secrets)
        # `metadata` is the channel's (page id, event kind), never the customer's words: kept as it is.
        return result
    if kind == "slot":
        value = event.get("value")
        if event.get("name") in CODE_SLOTS and value:
            return {**event, "value": MASK * 6}
        masked = redact_value(value, secrets=secrets)
        return event if masked == value else {**event, "value": masked}
    if kind == "bot":
        return _with_redacted(event, ("text", "data", "metadata"), secrets)
    if kind == "entities":
        return _with_redacted(event, ("entities",), secrets, code_asked)
    if kind == "action":
        return _with_redacted(event, ("action_text",), secrets)
    return event


def _with_redacted(event: Dict[str, Any], keys: Iterable[str], secrets: FrozenSet[str],
                   code_asked: bool = False) -> Dict[str, Any]:
    changed = {key: redact_value(event[key], code_asked, secrets) for key in keys if event.get(key) is not None}
    changed = {key: value for key, value in changed.items() if value != event[key]}
    return {**event, **changed} if changed else event


def redact_all(events: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    return list(redact_events(events))
