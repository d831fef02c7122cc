"""What a customer's words say about a loan, in English or French: which kind (accents optional).

For actions/loans.py when the NLU tagged no loan type in a request that names one ("15 000 euros for a car over 5
years", "un crédit immo de 200k sur 20 ans", "a loan to buy a house"): the request's figures were kept, but the
products were shown as if no kind had been said.
"""
from __future__ import annotations

import re
from typing import Optional

from actions.text.numbers import fold

_KINDS = {
    "home": re.compile(
        r"\bmortgages?\b|\bhome loan|\bhouses?\b|\bflat\b|\bapartment\b|\bproperty\b|\bimmo\b|\bimmobiliers?\b"
        r"|\bmaisons?\b|\blogement\b|\bappart(?:ement)?s?\b|\bhypothe"),
    "car": re.compile(r"\bcars?\b|\bauto\b|\bvehicles?\b|\bvoitures?\b|\bbagnole\b|\bmoto\b|\bvehicules?\b"),
    "personal": re.compile(r"\bpersonal\b|\bperso\b|\bpersonnel\b|\bconso(?:mmation)?\b|\btravaux\b|\bwedding\b"
                           r"|\bmariage\b|\brenovation\b"),
}


def loan_type_of(text: Optional[str]) -> Optional[str]:
    """home | car | personal when `text` names one kind of loan; None when it names none, or several."""
    folded = fold(text)
    named = [kind for kind, pattern in _KINDS.items() if pattern.search(folded)]
    return named[0] if len(named) == 1 else None
