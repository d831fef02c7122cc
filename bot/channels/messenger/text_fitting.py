"""Fitting text into Messenger's limits: counted, split and shortened the way Messenger counts.

Lengths are in UTF-16 code units (what Meta counts); a split prefers a paragraph break, then a
sentence end, then a space, and never cuts a grapheme (emoji with joiners, flags) in two.
"""
from __future__ import annotations

import re
import unicodedata
from typing import List

from bot.channels.limits import MAX_TEXT

ELLIPSIS = "…"


def length(value: str) -> int:
    """Length as Meta may count it: UTF-16 code units."""
    return len(value) + sum(1 for ch in value if ord(ch) > 0xFFFF)


def split_text(body: str, limit: int = MAX_TEXT) -> List[str]:
    """`body` in chunks of at most `limit` characters, cut where a reader would pause.

    Only the whitespace at a cut is dropped: joined with that whitespace, the
    chunks are `body` (stripped).
    """
    if limit < 2:
        raise ValueError("limit must be at least 2")
    if not body or not body.strip():
        return []
    if length(body) <= limit:
        return [body]
    chunks: List[str] = []
    rest = body.strip()
    while length(rest) > limit:
        cut = _cut_point(rest, limit)
        chunks.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        chunks.append(rest)
    return chunks


def shorten(value: str, limit: int) -> str:
    """`value` cut to `limit` characters, with an ellipsis when something was cut."""
    value = value.strip()
    if length(value) <= limit:
        return value
    cut = _grapheme_safe(value, _fit(value, limit - length(ELLIPSIS)))
    return value[:cut].rstrip() + ELLIPSIS


_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")
_SENTENCE_END = re.compile(r"[.!?…。！？][\"'”’»)\]]*(?=\s)")
_ZWJ = "\u200d"


def _cut_point(rest: str, limit: int) -> int:
    """Where to end the next chunk of `rest` (longer than `limit`): the best pause that fits."""
    end = max(_fit(rest, limit), 1)  # rest[:end] fits
    window = rest[:end + 1]  # whitespace right after the limit is a pause at the limit
    half = end // 2
    paragraphs = [m.start() for m in _PARAGRAPH_BREAK.finditer(window)]
    sentences = [m.end() for m in _SENTENCE_END.finditer(window)] + [i for i, ch in enumerate(window) if ch == "\n"]
    words = [i for i, ch in enumerate(window) if ch.isspace()]
    for candidates, earliest in ((paragraphs, half), (sentences, half), (words, 1)):
        fitting = [pos for pos in candidates if earliest <= pos <= end]
        if fitting:
            return max(fitting)
    return _grapheme_safe(rest, end)


def _fit(value: str, limit: int) -> int:
    """The largest i such that value[:i] is at most `limit` long."""
    used = 0
    for index, ch in enumerate(value):
        used += 2 if ord(ch) > 0xFFFF else 1
        if used > limit:
            return index
    return len(value)


def _grapheme_safe(value: str, index: int) -> int:
    """`index` moved back so that value[:index] does not end inside an accented letter, emoji or flag."""
    cut = index
    while 0 < cut < len(value) and (_joins_previous(value[cut]) or value[cut - 1] == _ZWJ):
        cut -= 1
    if 0 < cut < len(value) and _is_regional_indicator(value[cut]):
        before = 0
        while before < cut and _is_regional_indicator(value[cut - 1 - before]):
            before += 1
        if before % 2 == 1:  # value[cut - 1] and value[cut] make one flag
            cut -= 1
    return cut if cut > 0 else index


def _joins_previous(ch: str) -> bool:
    code = ord(ch)
    return (
        unicodedata.category(ch) in ("Mn", "Mc", "Me")  # combining accents, keycaps
        or ch == _ZWJ
        or 0xFE00 <= code <= 0xFE0F  # variation selectors (emoji presentation)
        or 0x1F3FB <= code <= 0x1F3FF  # skin tones
        or 0xE0020 <= code <= 0xE007F  # tag sequences (subdivision flags)
    )


def _is_regional_indicator(ch: str) -> bool:
    return 0x1F1E6 <= ord(ch) <= 0x1F1FF


# --- choices (buttons, quick replies) -------------------------------------------------------------
