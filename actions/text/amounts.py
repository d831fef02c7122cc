"""Amounts and loan terms as customers type them: "50€", "EUR 1,200.50", "fifty euros", "10k", "3 years"."""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Optional

CENT = Decimal("0.01")

_UNITS = {
    "zero": 0, "one": 1, "a": 1, "an": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}
_TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fourty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90,
}
_SCALES = {"hundred": 100, "thousand": 1000, "k": 1000, "grand": 1000, "million": 1_000_000}
_CURRENCIES = {"€": "EUR", "eur": "EUR", "euro": "EUR", "euros": "EUR", "$": "USD", "usd": "USD",
               "dollar": "USD", "dollars": "USD", "£": "GBP", "gbp": "GBP", "pound": "GBP", "pounds": "GBP"}

_NUMBER = re.compile(
    r"(?P<number>\d{1,3}(?:[ ,.\u00a0\u202f]\d{3})+(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,2})?)\s*(?P<k>k\b|m\b)?",
    re.IGNORECASE,
)
_TERM = re.compile(
    r"(?:\b(\d+(?:[.,]5)?)\s*|\b([a-z]+)\s+)-?\s*(years?|yrs?|ans?|months?|mos?|mois)\b", re.IGNORECASE
)
_WORDS = re.compile(r"[a-z€$£]+|\d+(?:[.,]\d+)?", re.IGNORECASE)


@dataclass(frozen=True)
class Money:
    amount: Decimal
    currency: str

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"


def parse_money(text: str, default_currency: str = "EUR") -> Optional[Money]:
    """The first amount in `text`, with its currency (default EUR), rounded to the cent; None if none."""
    if not text:
        return None
    currency = _currency_in(text) or default_currency
    amount = _digits_amount(text)
    if amount is None:
        amount = _words_amount(text)
    if amount is None or amount <= 0:
        return None
    return Money(amount.quantize(CENT), currency)


def parse_term_months(text: str) -> Optional[int]:
    """A loan term in months: "36 months", "3 years", "5 yrs", "two years", "18 mois"; None if none."""
    if not text:
        return None
    match = _TERM.search(text)
    if not match:
        return None
    quantity_text, unit = (match.group(1) or match.group(2)).lower(), match.group(3).lower()
    if quantity_text.replace(",", ".").replace(".", "", 1).isdigit():
        quantity = Decimal(quantity_text.replace(",", "."))
    elif quantity_text in _UNITS or quantity_text in _TENS:
        quantity = Decimal(_UNITS.get(quantity_text, _TENS.get(quantity_text, 0)))
    else:
        return None
    months = quantity * 12 if unit.startswith(("y", "a")) else quantity
    return int(months) if months > 0 and months == int(months) else None


def term_only(text: str) -> Optional[int]:
    """The term in months when `text` names a term and no amount ("4 years", not "5000 over 4 years")."""
    months = parse_term_months(text)
    if months is None:
        return None
    return months if parse_money(_TERM.sub(" ", text)) is None else None


def _currency_in(text: str) -> Optional[str]:
    for token in re.findall(r"[€$£]|[a-z]+", text.lower()):
        if token in _CURRENCIES:
            return _CURRENCIES[token]
    return None


def _digits_amount(text: str) -> Optional[Decimal]:
    match = _NUMBER.search(text)
    if not match:
        return None
    raw = match.group("number").replace("\u00a0", " ").replace("\u202f", " ")
    value = _normalize_separators(raw)
    if value is None:
        return None
    scale = {"k": 1000, "m": 1_000_000}.get((match.group("k") or "").lower(), 1)
    return value * scale


def _normalize_separators(raw: str) -> Optional[Decimal]:
    """ "1,200.50" / "1.200,50" / "1 200,50" / "20,5" → Decimal."""
    compact = raw.replace(" ", "")
    last_sep = max(compact.rfind(","), compact.rfind("."))
    if last_sep != -1 and len(compact) - last_sep - 1 in (1, 2):
        whole, fraction = compact[:last_sep], compact[last_sep + 1:]
    else:
        whole, fraction = compact, ""
    whole = whole.replace(",", "").replace(".", "")
    try:
        return Decimal(f"{whole}.{fraction}" if fraction else whole)
    except InvalidOperation:
        return None


def _words_amount(text: str) -> Optional[Decimal]:
    """ "fifty euros", "two hundred and fifty", "one thousand two hundred" → Decimal."""
    total, current, seen = 0, 0, False
    for word in _WORDS.findall(text.lower()):
        if word in _UNITS and word not in ("a", "an"):
            current += _UNITS[word]
            seen = True
        elif word in ("a", "an"):
            continue
        elif word in _TENS:
            current += _TENS[word]
            seen = True
        elif word == "hundred" and seen:
            current = max(current, 1) * 100
        elif word in _SCALES and seen:
            total += max(current, 1) * _SCALES[word]
            current = 0
        elif word == "and":
            continue
        elif seen:
            break
    return Decimal(total + current) if seen else None
