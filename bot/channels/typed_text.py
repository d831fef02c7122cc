"""What a customer types is text, never a command.

Rasa reads a message that starts with `/` as `/intent{"entity": "value"}` and
skips NLU: right for the payload of a button the bot offered, wrong for text a
customer typed, which could otherwise pick an intent or set slots. Channels pass
typed text through `as_typed_text` and only button payloads as they are.
"""
from __future__ import annotations

COMMAND_PREFIX = "/"


def as_typed_text(text: str) -> str:
    """`text` with any leading command prefix removed, so Rasa runs NLU on it."""
    stripped = text.strip()
    while stripped.startswith(COMMAND_PREFIX):
        stripped = stripped[len(COMMAND_PREFIX):].lstrip()
    return stripped
