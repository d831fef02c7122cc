"""Moves between the customer's own accounts, inside the transfer: "put 200 into savings", "mets 50 sur mon livret",
"take 300 out of my savings".

A request is a move when it names the customer's savings and no one else to pay (a saved payee, a phone number:
those are transfers, whatever account they mention). Where the money goes is read from the words: to the savings,
unless the savings are named as where it comes from ("from my savings", "de mon livret"), then to the current
account. Both accounts are then looked up in the core bank's list of the customer's accounts: an account id never
comes from a message. The core bank checks the rest (whose accounts, the funds; no transfer limit applies to a move).
"""
from __future__ import annotations

import re
from typing import Any, List, Optional, Tuple

from actions.text.numbers import fold

SAVINGS, CURRENT = "savings", "current"

# Words for a savings account, read on folded text (lower case, no accents): "épargne" → "epargne".
_SAVINGS_WORDS = r"(?:savings?(?:\s+account|\s+pot)?|rainy\s+day\s+(?:fund|pot)|epargne|livret(?:\s+a)?|ldd|lep|cel|pel)"
_NAMES_SAVINGS = re.compile(rf"\b{_SAVINGS_WORDS}\b")
# The savings named as where the money comes from: "from my savings", "out of the savings account", "de mon livret",
# "depuis l'epargne", "du livret A".
_FROM_SAVINGS = re.compile(
    rf"\b(?:from|out\s+of|off)\s+(?:my\s+|the\s+|our\s+)?{_SAVINGS_WORDS}\b"
    rf"|\b(?:de|du|depuis|d')\s*(?:mon\s+|ma\s+|mes\s+|le\s+|la\s+|l'\s*|notre\s+)?(?:compte\s+)?{_SAVINGS_WORDS}\b"
)


def destination_type(text: str) -> Optional[str]:
    """The type of the customer's account the words send money to ("savings" or "current"), or None when they name
    no savings (a transfer to someone, or nothing said yet)."""
    folded = fold(text)
    if not _NAMES_SAVINGS.search(folded):
        return None
    return CURRENT if _FROM_SAVINGS.search(folded) else SAVINGS


def source_type(destination: str) -> str:
    """Where a move to an account of type `destination` comes from: the current account, or the savings account
    when the money goes to the current one."""
    return SAVINGS if destination == CURRENT else CURRENT


def accounts_of_move(destination: Optional[str], accounts: List[Any]) -> Optional[Tuple[Any, Any]]:
    """(from, to): the customer's accounts (the core bank's list) for a move to their account of type `destination`.
    None when the customer has no such pair of accounts."""
    if destination not in (SAVINGS, CURRENT):
        return None
    source = next((a for a in accounts if a.type == source_type(destination)), None)
    target = next((a for a in accounts if a.type == destination), None)
    if source is None or target is None:
        return None
    return source, target
