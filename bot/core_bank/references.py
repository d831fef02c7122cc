"""References a customer can read out: "TR-7Q2K9XWB" (a prefix, a dash, 8 uppercase letters and digits)."""
from __future__ import annotations

import secrets
import string
from typing import Callable

REFERENCE_ALPHABET = string.ascii_uppercase + string.digits
REFERENCE_LENGTH = 8
CARD_ORDER_PREFIX = "CO"
LOAN_APPLICATION_PREFIX = "LA"
TRANSFER_PREFIX = "TR"
DISPUTE_PREFIX = "DP"
APPOINTMENT_PREFIX = "AP"

ReferenceGenerator = Callable[[str], str]


def new_reference(prefix: str) -> str:
    """A fresh random reference (36**8 possibilities; the tables also keep them unique)."""
    return prefix + "-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))
