"""What a customer's words say about a card, in English or French: which kind, whether it was stolen.

For actions/cards.py, whose own matching reads English only (`c.kind in text` misses "crédit",
STOLEN_WORDS misses "on m'a volé ma carte"). Accents are optional.
"""
from __future__ import annotations

import re
from typing import Optional

from actions.text.numbers import fold

_KINDS = {
    "credit": re.compile(r"\bcredit\b|\bmastercard\b|\bcarte de credit\b"),
    "debit": re.compile(r"\bdebit\b|\bcarte bleue\b|\bcb\b|\bcarte bancaire\b|\bbank card\b"),
}
_STOLEN = re.compile(
    r"\b(?:stol|steal|theft|thief|pickpocket|robbed|mugged)"  # English, as actions/cards.py had it
    r"|\bvol(?:e|ee|es|ees|eur|euse|eurs)?\b|\bpiquee?s?\b|\bderob|\bcambriol|\bagress|\barrache|\bbraqu|\bsubtilis"
)


def card_kind(text: Optional[str]) -> Optional[str]:
    """ "debit" or "credit" when `text` names one kind of card ("ma carte de crédit", "the debit one",
    "carte bleue"); None when it names none, or both."""
    folded = fold(text)
    named = [kind for kind, pattern in _KINDS.items() if pattern.search(folded)]
    return named[0] if len(named) == 1 else None


def says_stolen(text: Optional[str]) -> bool:
    """Whether `text` says the card was stolen, not lost: "my card was stolen", "on m'a volé ma carte",
    "je me suis fait agresser", "un pickpocket"."""
    return bool(_STOLEN.search(fold(text)))
