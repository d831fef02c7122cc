"""Money, numbers and dates as the customer reads them: words in their language, conventions of their locale.

Two slots decide (domain.yml): `language` (en | fr; None is English), the language the customer
reads, and `locale` (a babel locale such as fr_FR, en_IE, it_IT; None is the language's default,
fr → fr_FR, en → en_IE), how numbers and dates are written where they live. The rule:

- words (month and day names, "Nov" or "nov.") are always in the conversation's LANGUAGE;
- conventions (decimal and grouping separators, where the currency symbol goes, the order of
  day, month and year) come from the LOCALE's territory: the formatting locale is
  `<language>_<territory of the locale>` when babel knows it (an English reader with it_IT gets
  en_IT: "18 Nov 2026", "2.450,31 €"; a French reader with fr_BE gets fr_BE);
- when babel has no such locale (a French reader with it_IT: there is no fr_IT), dates are
  written with the language's default locale ("18 nov. 2026", fr_FR) and numbers and money with
  the customer's locale ("2.450,31 €", it_IT): the separators the customer expects, and no
  word of another language in a date;
- a locale babel cannot read at all counts as none, and a bare language ("fr", "en") names no conventions:
  the language's default.

Which locale is the conversation's: the `locale` slot when set (the customer's browser, Messenger
profile, or the bank's profile copied there at verification: actions/identity.py), else the
verified customer's locale at the core bank when an action has it, else the language's default.

Every action builds one `Presentation.from_tracker(tracker)` and writes every amount, date and
fragment of text through it; fragments of text come from the per-language catalogue
(actions/text/catalogue/).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Optional, Union

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_interval
from babel.numbers import format_currency, format_decimal

from actions.text import catalogue

ENGLISH, FRENCH = "en", "fr"
LANGUAGES = (ENGLISH, FRENCH)
DEFAULT_LANGUAGE = ENGLISH
DEFAULT_LOCALES = {ENGLISH: "en_IE", FRENCH: "fr_FR"}
DEFAULT_LOCALE = DEFAULT_LOCALES[DEFAULT_LANGUAGE]


def language_of(value: Any) -> str:
    """The language a slot value names: "fr" or "en" (anything else, None included, is English)."""
    return value if value in LANGUAGES else DEFAULT_LANGUAGE


def _known(locale: Optional[str]) -> Optional[Locale]:
    if not locale or not isinstance(locale, str):
        return None
    try:
        return Locale.parse(locale.replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        return None


@dataclass(frozen=True)
class Presentation:
    """How one conversation's replies write things: `language` (en | fr) and the babel locales for dates
    (`date_locale`) and for numbers and money (`number_locale`), chosen by the rule of this module."""

    language: str
    date_locale: str
    number_locale: str

    @classmethod
    def of(cls, language: Any = None, locale: Optional[str] = None) -> "Presentation":
        language = language_of(language)
        default = DEFAULT_LOCALES[language]
        wanted = _known(locale)
        if wanted is None:
            return cls(language, default, default)
        if wanted.language == language:
            chosen = str(wanted) if wanted.territory else default  # a bare "fr" or "en": the language's default
            return cls(language, chosen, chosen)
        if wanted.territory:
            both = _known(f"{language}_{wanted.territory}")
            if both is not None:
                return cls(language, str(both), str(both))
        return cls(language, default, str(wanted))

    @classmethod
    def from_tracker(cls, tracker: Any, bank_locale: Optional[str] = None) -> "Presentation":
        """The conversation's: its `language` and `locale` slots (`bank_locale`, the verified customer's locale at
        the core bank, when the slot is empty)."""
        return cls.of(tracker.get_slot("language"), tracker.get_slot("locale") or bank_locale)

    # -- text --------------------------------------------------------------------------------------

    def text(self, key: str, **values: Any) -> str:
        """A fragment from the catalogue, in this language."""
        return catalogue.text(key, self.language, **values)

    def text_or(self, key: str, fallback: str, **values: Any) -> str:
        """A fragment from the catalogue, or `fallback` when the catalogue has no such key."""
        return catalogue.text_or(key, self.language, fallback, **values)

    # -- numbers, money, dates ---------------------------------------------------------------------

    def number(self, value: Union[Decimal, int, str]) -> str:
        """`Decimal("6.90")` → "6.9" (en_IE), "6,9" (fr_FR)."""
        return format_decimal(Decimal(str(value)), locale=self.number_locale)

    def rate(self, value: Union[Decimal, str]) -> str:
        """A rate in percent, two decimals as banks write them: "4.90" (en_IE), "4,90" (fr_FR)."""
        return format_decimal(Decimal(str(value)), format="#,##0.00", locale=self.number_locale)

    def money(self, amount: Union[Decimal, str], currency: str = "EUR") -> str:
        """`Decimal("2450.31"), "EUR"` → "€2,450.31" (en_IE), "2 450,31 €" (fr_FR), "2.450,31 €" (it_IT)."""
        return format_currency(Decimal(str(amount)), currency, locale=self.number_locale)

    def signed_money(self, amount: Decimal, currency: str = "EUR") -> str:
        """A movement on an account: "+€2,100.00" for money in, "−€23.40" for money out."""
        sign = "+" if amount > 0 else "−" if amount < 0 else ""
        return sign + self.money(abs(amount), currency)

    def day(self, moment: date) -> str:
        """ "18 Nov 2026" (en_IE), "18 nov. 2026" (fr_FR)."""
        return format_date(moment, format="medium", locale=self.date_locale)

    def day_from_iso(self, value: str) -> str:
        return self.day(date.fromisoformat(value))

    def days(self, since: date, until: date) -> str:
        """A span of days: "1–31 Oct 2026" (en_IE), "16–22 nov. 2026" (fr_FR)."""
        return format_interval(since, until, "yMMMd", locale=self.date_locale)


# -- the former one-locale helpers, kept for callers that know a locale only ------------------------


def money(amount: Decimal, currency: str, locale: str = DEFAULT_LOCALE) -> str:
    return format_currency(amount, currency, locale=locale or DEFAULT_LOCALE)


def day(moment: date, locale: str = DEFAULT_LOCALE) -> str:
    return format_date(moment, format="medium", locale=locale or DEFAULT_LOCALE)


def days(since: date, until: date, locale: str = DEFAULT_LOCALE) -> str:
    return format_interval(since, until, "yMMMd", locale=locale or DEFAULT_LOCALE)


def day_from_iso(value: str, locale: str = DEFAULT_LOCALE) -> str:
    return day(date.fromisoformat(value), locale)


def signed_money(amount: Decimal, currency: str, locale: str = DEFAULT_LOCALE) -> str:
    sign = "+" if amount > 0 else "−" if amount < 0 else ""
    return sign + money(abs(amount), currency, locale)
