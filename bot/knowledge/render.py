"""The bank's facts written the customer's way, and an answer filled with them.

Words follow the conversation's language, number conventions its locale (as actions/text/locale.py
chooses them: pass `Presentation.language` and `Presentation.number_locale`):

- money (EUR): "€50.00" (en_IE), "50,00 €" (fr_FR);
- percent: "2.40%" (en), "2,40 %" (fr), the locale's percent pattern with two decimals;
- days, count: a bare number ("7"): the answer writes the unit;
- hours "08:00-20:00": "8:00 am–8:00 pm" (en), "8 h – 20 h" (fr), "9 h 30" for a half hour;
- phone, url, email, text: as written;
- a fee at zero (a money or percent fact with the word "fee" in its name: `pin_reminder_fee`,
  `account_fee_under_25`): "free" (en), "gratuit" (fr), never "€0.00". Answers name fees where either
  reads well ("(price: {pin_reminder_fee})", "yearly fee: {debit_card_fee}", "{account_fee_under_25} if
  you are under 25"), not after "costs" or before "a year".
"""
from __future__ import annotations

from decimal import Decimal
from typing import Mapping, Protocol

from babel import Locale
from babel.numbers import format_currency, format_decimal, format_percent

from bot.knowledge.topics import FACT_PATTERN


class FactLike(Protocol):
    kind: str
    value: str


def _clock(value: str, language: str) -> str:
    hours, minutes = (int(part) for part in value.split(":"))
    if language == "fr":
        return f"{hours} h" + (f" {minutes:02d}" if minutes else "")
    suffix = "am" if hours < 12 else "pm"
    twelve = hours % 12 or 12
    return f"{twelve}:{minutes:02d} {suffix}"


def hours(value: str, language: str) -> str:
    start, end = value.split("-")
    if language == "fr":
        return f"{_clock(start, language)} – {_clock(end, language)}"
    return f"{_clock(start, language)}–{_clock(end, language)}"


def percent(value: str, number_locale: str) -> str:
    pattern = Locale.parse(number_locale).percent_formats[None].pattern.split(";")[0]
    two_decimals = pattern.replace("#,##0", "#,##0.00").replace("#0", "#0.00", 1) if ".00" not in pattern else pattern
    return format_percent(Decimal(value) / 100, format=two_decimals, locale=number_locale, decimal_quantization=False)


FREE = {"en": "free", "fr": "gratuit"}


def is_fee(name: str) -> bool:
    """A price the bank charges, by the facts' naming (bot/core_bank/bank_facts.yml)."""
    return "fee" in name.split("_")


def fact_text(kind: str, value: str, language: str, number_locale: str, name: str = "") -> str:
    if is_fee(name) and kind in ("money", "percent") and Decimal(value) == 0:
        return FREE.get(language, FREE["en"])
    if kind == "money":
        return format_currency(Decimal(value), "EUR", locale=number_locale)
    if kind == "percent":
        return percent(value, number_locale)
    if kind in ("days", "count"):
        return format_decimal(Decimal(value), locale=number_locale)
    if kind == "hours":
        return hours(value, language)
    return value


def fill(answer: str, facts: Mapping[str, FactLike], language: str, number_locale: str) -> str:
    """The answer with every {fact} written out; a name the facts lack raises KeyError (the content
    check refuses such answers before they are trained)."""

    def replace(match) -> str:
        fact = facts[match.group(1)]
        return fact_text(fact.kind, fact.value, language, number_locale, match.group(1))

    return FACT_PATTERN.sub(replace, answer)
