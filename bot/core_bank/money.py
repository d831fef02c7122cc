"""Amounts in the bank: Decimal, with a currency the bank supports.

What a client may send and how the API writes an amount ("20.00") are the contract's
(`contract.wire`: PositiveAmount, format_amount); `spoken_amount` is for texts a person
reads (SMS).
"""
from __future__ import annotations

from decimal import Decimal

from bot.core_bank.contract.wire import CENT, format_amount

__all__ = ["CENT", "SUPPORTED_CURRENCY", "format_amount", "spoken_amount"]

SUPPORTED_CURRENCY = "EUR"
CURRENCY_SYMBOLS = {"EUR": "€"}


def spoken_amount(amount: Decimal, currency: str) -> str:
    """Decimal("1250") -> "€1,250.00" (for texts a person reads)."""
    symbol = CURRENCY_SYMBOLS.get(currency)
    figure = f"{amount.quantize(CENT):,.2f}"
    return f"{symbol}{figure}" if symbol else f"{figure} {currency}"
