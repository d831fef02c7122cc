"""Money and dates as the customer reads them, in their locale."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from babel.dates import format_date
from babel.numbers import format_currency

DEFAULT_LOCALE = "en_IE"


def money(amount: Decimal, currency: str, locale: str = DEFAULT_LOCALE) -> str:
    """`Decimal("2450.31"), "EUR"` → "€2,450.31" (en_IE) or "2 450,31 €" (fr_FR)."""
    return format_currency(amount, currency, locale=locale or DEFAULT_LOCALE)


def day(moment: datetime, locale: str = DEFAULT_LOCALE) -> str:
    return format_date(moment, format="medium", locale=locale or DEFAULT_LOCALE)
