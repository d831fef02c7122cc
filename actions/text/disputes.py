"""What a customer's words say about a payment they dispute, in English or French (accents optional):
charged twice, or not recognised at all; and the merchant they name among those of their payments.

For actions/disputes.py: the reason decides which payments are offered first (the duplicates when charged
twice) and the reason sent to the core bank, whose own rule decides whether an advisor must take the case.
"""
from __future__ import annotations

import re
from typing import Iterable, Optional

from actions.text.numbers import fold

CHARGED_TWICE, NOT_RECOGNISED, OTHER = "charged_twice", "not_recognised", "other"
REASONS = (NOT_RECOGNISED, CHARGED_TWICE, OTHER)

_TWICE = re.compile(
    r"\btwice\b|\btwo times\b|\b2 times\b|\bdouble(?:d)?\b|\bdouble[- ]?(?:charged|billed|debited)|\bduplicate"
    r"|\bcharged (?:me )?two\b|\bsame (?:payment|charge|amount|purchase) (?:twice|two|again)"
    r"|\bonly paid once\b|\bpaid (?:just )?once\b|\bpaye qu'une fois\b|\bpaye une seule fois\b"
    r"|\bdeux fois\b|\b2 fois\b|\ben double\b|\bdoublon|\bx ?2\b|\bdebite(?:e|s)? deux\b"
    r"|\b(?:meme|memes) (?:paiement|achat|montant|prelevement|somme)s? (?:deux|2)\b|\bdeux prelevements identiques"
)
_NOT_MINE = re.compile(
    r"\b(?:don'?t|do not|dont|didn'?t|did not|can'?t|cannot|never) (?:recogni[sz]e|know|make|made|authori[sz]e|"
    r"buy|bought|order|ordered|do|did|spend|spent)\b|\bunrecogni|\bnot recogni|\bnot mine\b|\bnot me\b"
    r"|\bwasn'?t me\b|\bwas not me\b|\bnever (?:made|did|bought|ordered|authori[sz]ed|been)\b|\bunauthori"
    r"|\bfraud|\bsuspicious|\bscam|\bunknown (?:payment|charge|transaction|debit)|\bno idea what"
    r"|\breconnai[st] pas\b|\breconnais rien\b|\bpas moi\b|\bpas de moi\b|\bpas (?:fait|effectue|autorise|commande)"
    r"|\bjamais (?:fait|effectue|achete|commande|autorise|mis les pieds)|\bfraud|\bsuspect|\binconnu"
    r"|\bisn'?t mine\b|\bis not mine\b|\bnever (?:heard|signed)\b|\bn'est pas (?:a moi|de moi|la mienne|le mien)\b"
    r"|\bnon autorise|\bne (?:la |le |les )?connais pas\b|\bjamais souscrit|\brien (?:commande|achete)\b"
    r"|\bpirat|\barnaque|\bescroqu|\bne sais pas (?:ce que|d'ou|de quoi)"
)


def reason_in_text(text: Optional[str]) -> Optional[str]:
    """ "charged_twice" ("I was charged twice at Fnac", "on m'a débité deux fois"), "not_recognised" ("I don't
    recognise this payment", "je ne reconnais pas ce prélèvement"), or None when the words say neither."""
    folded = fold(text)
    if _TWICE.search(folded):
        return CHARGED_TWICE
    if _NOT_MINE.search(folded):
        return NOT_RECOGNISED
    return None


def names_merchant(text: Optional[str], names: Iterable[Optional[str]]) -> bool:
    """Whether `text` names one of `names` ("Amazon" for "Amazon EU", "fnac"), as whole words."""
    folded = fold(text)
    for name in names:
        wanted = fold(name).strip()
        if len(wanted) >= 2 and re.search(r"(?<![a-z0-9])" + re.escape(wanted) + r"(?![a-z0-9])", folded):
            return True
    return False


_LONG_NUMBER = re.compile(r"\d(?:[ .-]?\d){7,}")


def customer_words(text: Optional[str], limit: int = 500) -> str:
    """The customer's own words for a case (reason `other`): long numbers (a card number, a code) masked, cut."""
    return _LONG_NUMBER.sub("••••", (text or "").strip())[:limit] or "-"
