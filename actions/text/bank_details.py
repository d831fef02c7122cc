"""Whether a customer's words ask for their bank details (the whole IBAN, the BIC, a RIB) rather than a balance:
"what's my IBAN?", "send me my bank details", "il est quoi mon rib", "mes coordonnées bancaires". NLU reads these as
check_balance (a question about the customer's own account, behind the OTP); actions/accounts.py answers with the
details instead of the balances. Accents and case are optional.
"""
from __future__ import annotations

import re

from actions.text.numbers import fold

_BANK_DETAILS = re.compile(
    r"\b(?:iban|ibans|rib|ribs|bic|swift|sort code)\b"
    r"|\b(?:bank|banking|account) (?:details|info|information|coordinates)\b|\baccount number\b"
    r"|\bcoordonnees? bancaires?\b|\breleve d'identite bancaire\b|\bnumero de (?:mon |du )?compte\b"
)


def asks_bank_details(text: str) -> bool:
    return bool(_BANK_DETAILS.search(fold(text or "")))
