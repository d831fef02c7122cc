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

# Read on folded text (lower case, no accents: "épargne" → "epargne"), "compte d'epargne" as "compte epargne".
_SAV = (r"(?:sav(?:ings?|ngs|igns)(?:\s+(?:account|acc|pot))?|rainy\s+day\s+(?:fund|pot)|(?:compte\s+)?epargne"
        r"|livret(?:\s+a|\s+jeune)?|ldds?|lep|cel|pel)")
_CUR = r"(?:(?:compte\s+)?(?:current|curent|checking|everyday|main|card|courant|cheques?|principal|a\s+vue|de\s+depot))"
_OWNER = r"(?:my\s+|the\s+|our\s+|mon\s+|ma\s+|mes\s+|le\s+|la\s+|l'\s*|notre\s+)?"
_NAMES_SAVINGS = re.compile(rf"\b{_SAV}\b")
# Where the money goes, said with a preposition: "into my savings", "to current", "sur mon livret", "vers le courant";
# or a verb that fills the account: "top up my current", "renflouer le compte courant".
_TO = r"(?:to|into|onto|on|in|vers|sur|dans|a|au|en)"
_INTO_SAVINGS = re.compile(rf"\b{_TO}\s+{_OWNER}(?:own\s+|propre\s+)?{_SAV}\b")
_INTO_CURRENT = re.compile(rf"\b{_TO}\s+{_OWNER}{_CUR}\b|\b(?:top\s*up|renflou\w*|aliment\w*)\s+{_OWNER}{_CUR}\b")
# Where it comes from: "from my savings", "out of the savings pot", "de mon livret", "depuis l'epargne"; or a verb
# that takes money out of the savings: "take 300 out of", "dip into my savings", "reprends 200 sur mon livret".
_OUT_VERB = (r"(?:take|took|pull|withdraw|dip|dipping|raid|raiding|empty|emptying|use|using|grab|drain|reprend\w*"
             r"|prend\w*|prelev\w*|preleve\w*|puis\w*|vide\w*|retir\w*|sor[st]\w*|rapatri\w*|recuper\w*|debloqu\w*)")
_FROM_SAVINGS = re.compile(
    rf"\b(?:from|out\s+of|outta|off|de|du|depuis|d')\s*{_OWNER}{_SAV}\b"
    rf"|\b{_OUT_VERB}\b(?:\s+\S+){{0,5}}?(?:\s+(?:into|out\s+of|outta|from|off|sur|dans|de|du|d'))?\s*{_OWNER}{_SAV}\b"
)


# Someone else to pay: then it is a transfer to them, whichever account pays ("pay the electrician from my savings",
# "wire 2k to my brother from savings", "transfer 250 from my savings to Karine", "à mon frère depuis le livret").
_PEOPLE = (r"(?:brother|sister|mum|mom|mother|dad|father|son|daughter|wife|husband|partner|friend|mate|landlord|nan|gran"
           r"|frere|soeur|mere|pere|fils|fille|femme|mari|copain|copine|pote|ami|amie|proprio|proprietaire)")
_PAYS_SOMEONE = re.compile(rf"\b(?:pay|paying|payer|paie|paye|regler)\b|\b(?:to|a)\s+(?:my\s+|mon\s+|ma\s+)?{_PEOPLE}\b")
_TO_A_NAME = re.compile(r"\b(?:to|à|a)\s+[A-Z][a-zà-ÿ]+")


def destination_type(text: str) -> Optional[str]:
    """The type of the customer's account the words send money to ("savings" or "current"), or None when they name
    no savings, or use them to pay someone (a transfer to someone, or nothing said yet). Where the money goes, when
    said, decides (the last place named: "dip into my savings, move 400 to current"); else the savings named as where
    it comes from send it to the current account; else it goes to the savings."""
    folded = re.sub(r"compte\s+d'\s*epargne", "compte epargne", fold(text).replace("rainy-day", "rainy day"))
    if not _NAMES_SAVINGS.search(folded):
        return None
    taken_out = [m.span() for m in _FROM_SAVINGS.finditer(folded)]
    places = [(m.start(), CURRENT) for m in _INTO_CURRENT.finditer(folded)]
    places += [(m.start(), SAVINGS) for m in _INTO_SAVINGS.finditer(folded)
               if not any(start <= m.start() < end for start, end in taken_out)]  # "reprends 200 sur mon livret"
    if places:
        return max(places)[1]
    if _PAYS_SOMEONE.search(folded) or _TO_A_NAME.search(text or ""):
        return None  # no own account named as the place: the savings only pay someone
    return CURRENT if taken_out else SAVINGS


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
