"""Money and dates as the customer reads them, in their locale."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from babel.dates import format_date, format_interval
from babel.numbers import format_currency

DEFAULT_LOCALE = "en_IE"


def money(amount: Decimal, currency: str, locale: str = DEFAULT_LOCALE) -> str:
    """`Decimal("2450.31"), "EUR"` → "€2,450.31" (en_IE) or "2 450,31 €" (fr_FR)."""
    return format_currency(amount, currency, locale=locale or DEFAULT_LOCALE)


def day(moment: date, locale: str = DEFAULT_LOCALE) -> str:
    """ "18 Nov 2026" (en_IE), "18 nov. 2026" (fr_FR)."""
    return format_date(moment, format="medium", locale=locale or DEFAULT_LOCALE)


def days(since: date, until: date, locale: str = DEFAULT_LOCALE) -> str:
    """A span of days: "1–31 Oct 2026" (en_IE), "16–22 nov. 2026" (fr_FR)."""
    return format_interval(since, until, "yMMMd", locale=locale or DEFAULT_LOCALE)


def day_from_iso(value: str, locale: str = DEFAULT_LOCALE) -> str:
    return day(date.fromisoformat(value), locale)


def signed_money(amount: Decimal, currency: str, locale: str = DEFAULT_LOCALE) -> str:
    """A movement on an account: "+€2,100.00" for money in, "−€23.40" for money out."""
    sign = "+" if amount > 0 else "−" if amount < 0 else ""
    return sign + money(abs(amount), currency, locale)
