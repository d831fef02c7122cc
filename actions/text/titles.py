"""A button's or quick reply's title made of the customer's own data or the content's words (a payee's name, a
knowledge question): Messenger shows 20 characters at most, so a longer one ends with an ellipsis, the same in every
channel (the catalogue's own titles are written to fit: tests/unit/test_message_catalogues.py)."""
from __future__ import annotations

from typing import Iterable

MAX_TITLE = 20
ELLIPSIS = "…"


def short_title(text: str) -> str:
    """"SCI Montmartre (la…" rather than a cut mid-word with nothing to say it was cut."""
    text = " ".join(str(text or "").split())
    return text if len(text) <= MAX_TITLE else text[: MAX_TITLE - 1].rstrip() + ELLIPSIS


def fitting_title(candidates: Iterable[str]) -> str:
    """The first of `candidates` that fits whole, else the first one shortened ("bank phone number" rather than
    "what's your customer…"), with a capital first letter as a button reads ("Forgot pin": the content team's
    questions are written as customers type them)."""
    candidates = [" ".join(str(c or "").split()) for c in candidates]
    chosen = next((c for c in candidates if c and len(c) <= MAX_TITLE), short_title(candidates[0] if candidates else ""))
    return chosen[:1].upper() + chosen[1:]
