"""What staff read never shows a one-time code, a full card number, a PIN or a password.

The tracker store already masks the code typed while one was asked for
(bot/privacy/redaction.py); staff views also mask any 6 digits that could be a code,
wherever they were typed: six digits together ("412612"), or grouped by spaces, dots
or dashes ("412 612", "412.612", "4-1-2-6-1-2"). Amounts with decimals ("1.500,00") and
dates ("2026-12-04") have other digit counts and stay readable.
"""
from __future__ import annotations

import re

from bot.privacy.redaction import MASK, digits_of, mask_card_numbers
from bot.privacy.typed_secrets import mask_pins_and_passwords

_SPACE = "[ \t\u00a0\u2007\u202f]"
# Six digits in a row, or a run of digits grouped by single spaces, dots or dashes holding six in all.
_SIX_DIGIT_CODE = re.compile(r"(?<!\d)\d{6}(?!\d)")
_GROUPED_DIGITS = re.compile(rf"\d(?:(?:{_SPACE}?[.\-\u2010-\u2015\u2212]{_SPACE}?|{_SPACE})?\d)*")
FULLY_MASKED = MASK * 6


def mask_codes_for_staff(text: str) -> str:
    def hide(match: "re.Match[str]") -> str:
        return FULLY_MASKED if len(digits_of(match.group(0))) == 6 else match.group(0)

    return _SIX_DIGIT_CODE.sub(FULLY_MASKED, _GROUPED_DIGITS.sub(hide, text))


def mask_sensitive(text: str) -> str:
    """`text` with every card number cut to its last 4 digits, every PIN, password and 6-digit code masked."""
    return mask_codes_for_staff(mask_card_numbers(mask_pins_and_passwords(text)))
