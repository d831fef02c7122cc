"""Amounts as the API carries them: decimal strings with at most two decimals, and a currency code.

`parse_amount` reads what a client sent (400 on anything else); `format_amount`
writes what the API answers ("20.00"); `spoken_amount` is for texts (SMS).
"""
from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from bot.core_bank.errors import InvalidRequest

SUPPORTED_CURRENCY = "EUR"
CENT = Decimal("0.01")
AMOUNT_PATTERN = re.compile(r"[0-9]{1,12}(\.[0-9]{1,2})?")
CURRENCY_PATTERN = re.compile(r"[A-Z]{3}")
CURRENCY_SYMBOLS = {"EUR": "€"}


def parse_amount(value: Any, field: str = "amount") -> Decimal:
    """A positive amount sent as a string such as "20.00" or "20.5"; InvalidRequest naming `field` otherwise."""
    if not isinstance(value, str) or not AMOUNT_PATTERN.fullmatch(value):
        raise InvalidRequest(f'{field} must be a string such as "20.00" (at most 2 decimals).')
    amount = Decimal(value).quantize(CENT)
    if amount <= 0:
        raise InvalidRequest(f"{field} must be more than 0.")
    return amount


def parse_currency(value: Any, field: str = "currency") -> str:
    """A three-letter currency code (whether the bank supports it is the domain's question)."""
    if not isinstance(value, str) or not CURRENCY_PATTERN.fullmatch(value):
        raise InvalidRequest(f'{field} must be a three-letter currency code such as "EUR".')
    return value


def format_amount(amount: Decimal) -> str:
    """Decimal("20") -> "20.00"."""
    return str(amount.quantize(CENT))


def spoken_amount(amount: Decimal, currency: str) -> str:
    """Decimal("1250") -> "€1,250.00" (for texts a person reads)."""
    symbol = CURRENCY_SYMBOLS.get(currency)
    figure = f"{amount.quantize(CENT):,.2f}"
    return f"{symbol}{figure}" if symbol else f"{figure} {currency}"
