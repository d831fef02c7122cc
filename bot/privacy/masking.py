"""What staff read never shows a one-time code or a full card number.

The tracker store already masks the code typed while one was asked for
(bot/privacy/redaction.py); staff views also mask any 6-digit run, wherever it was typed.
"""
from __future__ import annotations

import re

from bot.privacy.redaction import MASK, mask_card_numbers

_SIX_DIGIT_CODE = re.compile(r"(?<![\d])\d{6}(?![\d])")
FULLY_MASKED = MASK * 6


def mask_sensitive(text: str) -> str:
    """`text` with every 13–19 digit number cut to its last 4 digits and every 6-digit code masked."""
    return _SIX_DIGIT_CODE.sub(FULLY_MASKED, mask_card_numbers(text))
