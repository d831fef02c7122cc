"""What a customer types is text: valid Unicode, and never a command.

Rasa reads a message that starts with `/` as `/intent{"entity": "value"}` and
skips NLU: right for the payload of a button the bot offered, wrong for text a
customer typed, which could otherwise pick an intent or set slots. Channels pass
typed text (and the title of a tap read as text) through `as_typed_text`, and only
button payloads the bot offered as they are.

JSON can carry what UTF-8 cannot (`"\\ud800"`, a lone surrogate), and any message can
carry control characters. Both channels clean what a customer sends first
(`clean_text`): a lone surrogate or a noncharacter becomes U+FFFD, control characters
other than newline and tab are removed, and line ends become `\\n`. Nothing past the
channel (NLU, the tracker store, Redis, logs) meets text it cannot encode.
"""
from __future__ import annotations

import re

COMMAND_PREFIX = "/"
REPLACEMENT = "\ufffd"

_LINE_ENDS = re.compile(r"\r\n?|[\u2028\u2029\x85]")
# C0 controls but tab and newline, DEL, C1 controls.
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Lone surrogates (never valid in text) and the 66 noncharacters.
_INVALID = re.compile(
    "[\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff"
    + "".join(f"{chr(plane * 0x10000 + 0xFFFE)}{chr(plane * 0x10000 + 0xFFFF)}" for plane in range(1, 17))
    + "]"
)


def clean_text(text: str) -> str:
    """`text` as valid Unicode: invalid code points become U+FFFD, control characters but `\\n` and `\\t` go."""
    if not isinstance(text, str):
        return ""
    return _INVALID.sub(REPLACEMENT, _CONTROLS.sub("", _LINE_ENDS.sub("\n", text)))


def as_typed_text(text: str) -> str:
    """`text` cleaned, with any leading command prefix removed, so Rasa runs NLU on it."""
    stripped = clean_text(text).strip()
    while stripped.startswith(COMMAND_PREFIX):
        stripped = stripped[len(COMMAND_PREFIX):].lstrip()
    return stripped
