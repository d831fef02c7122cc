"""What a customer's words say about a card, in English or French: which kind, whether it was stolen,
whether they are only unsure where it is.

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

# "I can't find my card", "I've misplaced it", "j'ai égaré ma carte", "je ne la retrouve plus": maybe not lost for good.
_UNSURE = re.compile(
    r"\b(?:can ?not|can'?t|cant|couldn'?t|unable to) (?:find|locate)\b|\bmisplac|\b(?:don'?t|dont) know where"
    r"|\bno idea where|\bwhere(?: is|'s) my card|\blost track"
    r"|\begar(?:e|ee|es|ees)\b|\b(?:re)?trouve (?:plus|pas)\b"
    r"|\bsais (?:plus|pas) ou\b|\bintrouvable|\bpaumee?\b|\bremettre la main"
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


def says_unsure(text: Optional[str]) -> bool:
    """Whether `text` says the customer cannot find the card, rather than that it is lost or stolen:
    "I can't find my card", "I've misplaced my card", "j'ai égaré ma carte", "je ne trouve plus ma CB"."""
    return bool(_UNSURE.search(fold(text)))
