"""Amounts and loan terms as customers type them, in English or French (or both at once).

Amounts: "50€", "EUR 1,200.50", "fifty euros", "10k", "20 balles", "1 500 €", "1.500,50 €",
"1500,50", "mille euros", "deux cents euros", "quatre-vingt-dix", "dix mille", "1,5k", "2 millions",
"12€50", "50 centimes". Terms: "36 months", "3 years", "3 ans", "sur 5 ans", "deux ans", "18 mois",
"2 ans et demi", "1 an et 6 mois".

The rules are the same in both languages, so no caller needs to say which one the customer writes:

- Separators. Money has at most two decimals, so a "," or "." followed by one or two digits is the
  decimal separator ("20,5", "1500,50", "12.50") and one followed by exactly three digits groups
  thousands ("1,500", "1.500", "12.345" are all thousands, in English as in French, where 1,50 €
  is how a decimal is written). Thousands may also be grouped by a space, a no-break space or a
  narrow no-break space (U+00A0, U+202F, how French prints "1 500 €") or an apostrophe (Swiss
  "1'500"). Groups must all use one separator and the decimals another ("1.500,50", "1,500.50",
  "1 500,50"); anything else ("1,500,50", "12.3456", "0,500") is not read as an amount at all.
- "k"/"K" and the words thousand/grand/mille, million(s), milliard(s) multiply the number before
  them, so "1,5k" and "1.5k" are 1500 and "2 millions" is 2000000. Limits are the core bank's.
- Cents: "12€50" and "12 euros 50" are 12.50 (the euros, then two digits at the end or followed
  by centimes/cents); "50 centimes", "50 cents" and "cinquante centimes" are 0.50.
- "balles" (colloquial French) is euros; "€", "eur", "euro(s)" too, and "e" right after a number in digits
  ("30e", "30 e", as French customers type euros) unless the number is an ordinal: after an article or a
  possessive ("le 3e", "au 2e", "ma 2e carte") or before another word than a preposition or a polite word
  ("3e jour", "2e prelevement"), or glued to more ("1e9", "2eme"). The rule: `_is_euro_e`; "$", "usd", "dollar(s)" are
  USD; "£", "gbp", "pound(s)", "livres sterling" GBP; "chf", "franc(s)" CHF (the callers accept
  euros only, and say so: a currency is recognised so that it can be refused).
- Which number is the amount: the first one written with a currency; else the first in digits;
  else the first in words. Numbers that are something else are skipped: a count of time ("5 ans",
  "36 months", "3 jours"), a percentage, a day of a month ("le 15 novembre"), an ordinal or
  hour ("1er", "15th", "10h"), a phone number ("06 12 34 56 78", "+33 6 11 22 33 44").
- "un"/"une", like "a"/"an", are articles, not amounts ("un virement de 20 €"), except before a
  multiplier or a currency ("un million", "un euro"). "zero"/"zéro", 0 and anything negative
  are no amount.

Garbage gives None, never an exception.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import List, NamedTuple, Optional, Tuple

from actions.text.numbers import SCALES, fold, read_number_words
from actions.text.periods import MONTHS

CENT = Decimal("0.01")

CURRENCIES = {
    "€": "EUR", "eur": "EUR", "euro": "EUR", "euros": "EUR", "balle": "EUR", "balles": "EUR",
    "$": "USD", "usd": "USD", "dollar": "USD", "dollars": "USD",
    "£": "GBP", "gbp": "GBP", "pound": "GBP", "pounds": "GBP", "sterling": "GBP",
    "chf": "CHF", "franc": "CHF", "francs": "CHF",
}
_CENTS = {"centime", "centimes", "cent", "cents", "ct", "cts"}  # "cent" only after a number in digits
_SUFFIXES = {"k": 1000, "m": 1_000_000}
_TIME_UNITS = {
    "an", "ans", "annee", "annees", "year", "years", "yr", "yrs", "mois", "month", "months", "mo", "mos",
    "mensualite", "mensualites", "semaine", "semaines", "week", "weeks", "jour", "jours", "day", "days",
    "fois", "times", "heure", "heures", "hour", "hours", "h", "min", "minute", "minutes",
}
_ORDER_WORDS = {"derniers", "dernieres", "premiers", "premieres", "prochains", "prochaines", "last", "next", "first"}
_PERCENT = {"%", "pourcent", "pourcents", "percent", "pct"}
# "e" after a number is euros ("30e", "30 e") unless an ordinal: these before the number make it one ("le 3e")...
_ORDINAL_BEFORE = {
    "le", "la", "les", "l", "au", "aux", "du", "des", "ce", "cet", "cette", "ces", "chaque", "mon", "ma", "mes",
    "ton", "ta", "tes", "son", "sa", "ses", "notre", "votre", "leur", "the", "my", "your", "every", "each",
}
# ...and an amount in euros is followed by nothing, a sign, or one of these (not by a noun: "3e jour", "2e carte").
_AFTER_EUROS = {
    "a", "au", "aux", "pour", "sur", "vers", "de", "d", "chez", "dans", "en", "par", "et", "ou", "stp", "svp",
    "merci", "max", "maxi", "maximum", "minimum", "mini", "environ", "pile", "seulement", "plutot", "tout", "to",
    "for", "on", "into", "from", "and", "or", "please", "thanks", "instead", "only", "at",
}

_NUMBER = re.compile(
    r"""(?<!\d)(?<!\d[.,'])
    (?:
        [1-9]\d{0,2}(?P<group>[ .,'])\d{3}(?:(?P=group)\d{3})*(?:(?!(?P=group))[.,]\d{1,2})?
      | \d+(?:[.,]\d{1,2})?
    )
    (?![.,']?\d)""",
    re.VERBOSE,
)
_TOKEN = re.compile(
    r"(?P<number>" + _NUMBER.pattern + r")|(?P<word>[a-z]+)|(?P<symbol>[€$£%+])|(?P<other>[^\s\-'])", re.VERBOSE
)
MAX_TERM_MONTHS = 1200  # 100 years: longer is no loan term (shorter ones out of range are the core bank's to refuse)
MAX_TEXT = 1000  # characters read: an amount, a term or a period is said early in a message
_PHONE = re.compile(r"(?<!\d)\+?\d[\d .\-()]{6,}\d(?!\d)")
_TERM_UNITS = {
    "year": 12, "years": 12, "yr": 12, "yrs": 12, "an": 12, "ans": 12, "annee": 12, "annees": 12,
    "month": 1, "months": 1, "mo": 1, "mos": 1, "mois": 1, "mensualite": 1, "mensualites": 1,
}
_TERM_NUMBER = re.compile(r"^\d+(?:[.,]\d+)?$")


@dataclass(frozen=True)
class Money:
    amount: Decimal
    currency: str

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"


class _Token(NamedTuple):
    kind: str  # number, word, symbol, other
    text: str
    start: int
    end: int


class _Candidate(NamedTuple):
    amount: Decimal
    currency: Optional[str]
    in_digits: bool


def parse_money(text: str, default_currency: str = "EUR", currency_required: bool = False) -> Optional[Money]:
    """The amount in `text` (see the module's rules), with its currency (default EUR), rounded to
    the cent; None if none. With `currency_required`, only an amount written with its currency ("20 €",
    "EUR 50", "fifty euros"): in a whole request, a bare number may be something else than the amount."""
    if not text:
        return None
    try:
        tokens = _tokens(fold(text[:MAX_TEXT]))
        candidates = _candidates(tokens)
    except (InvalidOperation, ValueError, ArithmeticError):
        return None
    if currency_required:
        candidates = [c for c in candidates if c.currency]
    if not candidates:
        return None
    chosen = (next((c for c in candidates if c.currency), None) or next((c for c in candidates if c.in_digits), None)
              or candidates[0])
    currency = chosen.currency or next(
        (CURRENCIES[t.text] for t in tokens if t.text in CURRENCIES and t.text != "sterling"), None
    ) or default_currency
    try:
        amount = chosen.amount.quantize(CENT)
    except InvalidOperation:  # more digits than any amount has
        return None
    if amount <= 0:
        return None
    return Money(amount, currency)


def parse_term_months(text: str) -> Optional[int]:
    """A loan term in months: "36 months", "3 years", "5 yrs", "two years", "18 mois", "sur 5 ans",
    "deux ans", "2 ans et demi" (30), "1 an et 6 mois" (18); None if none (a bare "36" included)."""
    try:
        found = _term(text)
    except (InvalidOperation, ValueError, ArithmeticError):
        return None
    return found[0] if found else None


def term_only(text: str) -> Optional[int]:
    """The term in months when `text` names a term and no amount ("4 years", not "5000 over 4 years")."""
    try:
        found = _term(text)
    except (InvalidOperation, ValueError, ArithmeticError):
        return None
    if found is None:
        return None
    months, (start, end) = found
    folded = fold(text[:MAX_TEXT])
    return months if parse_money(folded[:start] + " " + folded[end:]) is None else None


# --- amounts -------------------------------------------------------------------------------------


def _tokens(folded: str) -> List[_Token]:
    def unless_phone(match: "re.Match[str]") -> str:
        span = match.group(0)
        digits = re.sub(r"\D", "", span)
        grouped_amount = _NUMBER.fullmatch(span.strip()) is not None
        if span.startswith(("+", "0")) and 8 <= len(digits) <= 15 and not grouped_amount:
            return " " * len(span)
        return span

    masked = _PHONE.sub(unless_phone, folded)
    return [_token(match) for match in _TOKEN.finditer(masked)]


def _token(match: "re.Match[str]") -> _Token:
    for kind in ("number", "word", "symbol", "other"):
        if match.group(kind) is not None:
            return _Token(kind, match.group(0), match.start(), match.end())
    raise ValueError(match.group(0))  # unreachable: the pattern has no other alternative


def _digits_value(raw: str) -> Decimal:
    """ "1 500,50" → 1500.50: the decimal separator is the one followed by one or two digits."""
    match = re.search(r"[.,](\d{1,2})$", raw)
    whole, fraction = (raw[: match.start()], match.group(1)) if match else (raw, "")
    whole = re.sub(r"\D", "", whole)
    return Decimal(f"{whole}.{fraction}" if fraction else whole)


def _candidates(tokens: List[_Token]) -> List[_Candidate]:
    texts = [t.text for t in tokens]
    found: List[_Candidate] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.kind == "number":
            value, end, in_digits = _digits_value(token.text), i + 1, True
            glued = i > 0 and tokens[i - 1].end == token.start and tokens[i - 1].kind == "word"
            if glued and tokens[i - 1].text not in CURRENCIES:
                i += 1  # "fr76", "1e9": part of a code, not an amount
                continue
            attached = _attached(tokens, i)
            if attached is not None and attached.text not in _SUFFIXES and attached.text not in CURRENCIES \
                    and attached.text not in _CENTS and attached.text not in SCALES \
                    and not _is_euro_e(tokens, i, i + 1):
                i += 1  # "1er", "15th", "10h", "2eme", "le 20e": an ordinal or an hour
                continue
        elif token.kind == "word":
            read = read_number_words(texts, i, one_before=CURRENCIES)
            if read is None:
                i += 1
                continue
            number, end = read
            if texts[i:end] == ["neuf"] and _at(texts, end) not in CURRENCIES and len(texts) > 1:
                i += 1  # "un appartement neuf": new, not nine
                continue
            value, in_digits = Decimal(number), False
        else:
            i += 1
            continue
        candidate, end = _after_number(tokens, texts, i, end, value, in_digits)
        if candidate is not None:
            found.append(candidate)
        i = max(end, i + 1)
    return found


def _at(texts: List[str], index: int) -> str:
    return texts[index] if 0 <= index < len(texts) else ""


def _is_euro_e(tokens: List[_Token], start: int, end: int) -> bool:
    """Whether tokens[end] is an "e" that writes euros after the number in digits tokens[start:end] ("30e", "30 e à
    Tom"), not an ordinal's ("le 3e", "3e jour", "2e carte"). The rule is the module's, in its docstring."""
    if end >= len(tokens) or tokens[end].text != "e" or tokens[start].kind != "number":
        return False
    if start > 0 and tokens[start - 1].text in _ORDINAL_BEFORE:
        return False
    if end + 1 < len(tokens):
        following = tokens[end + 1]
        if following.start == tokens[end].end and following.kind in ("number", "word"):
            return False  # "1e9", "2e3": glued to more, a code or a number's exponent
        if following.kind == "word" and following.text not in _AFTER_EUROS:
            return False  # "3e jour", "2e prelevement"
    return True


def _attached(tokens: List[_Token], i: int) -> Optional[_Token]:
    """The word written right after tokens[i], without a space ("10k", "1er"), if any."""
    if i + 1 < len(tokens) and tokens[i + 1].start == tokens[i].end and tokens[i + 1].kind == "word":
        return tokens[i + 1]
    return None


def _after_number(
    tokens: List[_Token], texts: List[str], start: int, end: int, value: Decimal, in_digits: bool
) -> Tuple[Optional[_Candidate], int]:
    """What follows a number: a multiplier, a currency, cents; None when the number is no amount."""

    def at(index: int) -> str:
        return _at(texts, index)

    if in_digits and at(end) in _SUFFIXES and (at(end) == "k" or _attached(tokens, end - 1) is not None):
        value *= _SUFFIXES[at(end)]
        end += 1
    elif in_digits and at(end) in SCALES:
        value *= SCALES[at(end)]
        end += 1
    if at(end) == "pour" and at(end + 1) in ("cent", "cents"):
        return None, end + 2  # "3 pour cent"
    if at(end) in _TIME_UNITS or at(end) in _PERCENT or (at(end) in _ORDER_WORDS and at(end + 1) in _TIME_UNITS):
        return None, end  # "5 ans", "3 %", "les 30 derniers jours": no amount
    if at(end) in MONTHS or (at(end) == "of" and at(end + 1) in MONTHS):
        return None, end  # "le 15 novembre"
    if at(end) in _CENTS and (in_digits or at(end) != "cent"):
        return _Candidate(value / 100, "EUR" if at(end).startswith("centime") else None, in_digits), end + 1
    currency = CURRENCIES.get(at(start - 1)) if at(start - 1) != "sterling" else None
    if at(end) in ("de", "d", "of") and at(end + 1) in CURRENCIES:  # "un million d'euros"
        end += 1
    if at(end) in CURRENCIES or (in_digits and _is_euro_e(tokens, start, end)):
        currency = currency or CURRENCIES.get(at(end), "EUR")
        end += 1
        if at(end) == "sterling":
            end += 1
        if value == value.to_integral_value():
            cents, end = _cents_after_currency(tokens, texts, end)
            value += cents
    if at(end) in ("livre", "livres") and at(end + 1) == "sterling":
        currency, end = "GBP", end + 2
    return _Candidate(value, currency, in_digits), end


def _cents_after_currency(tokens: List[_Token], texts: List[str], end: int) -> Tuple[Decimal, int]:
    """ "12€50", "12 € 50 à Tom", "douze euros cinquante", "12 euros et 50 centimes" → 0.50 more: two
    digits after the currency, unless they count something else ("20 € 15 fois", "20 € 10 novembre");
    cents in words only at the end or named."""
    index = end + 1 if end < len(texts) and texts[end] in ("et", "and") else end
    if index >= len(tokens):
        return Decimal(0), end
    if tokens[index].kind == "number" and re.fullmatch(r"\d{2}", texts[index]):
        cents, after = int(texts[index]), index + 1
    elif tokens[index].kind == "word":
        read = read_number_words(texts, index)
        if read is None or read[0] >= 100:
            return Decimal(0), end
        cents, after = read
    else:
        return Decimal(0), end
    following = _at(texts, after)
    named = following in _CENTS
    last = all(t.kind == "other" for t in tokens[after:after + 3]) and after + 3 >= len(tokens)
    in_digits = tokens[index].kind == "number"
    something_else = (following in _TIME_UNITS or following in _PERCENT or following in MONTHS
                      or following in CURRENCIES or following in SCALES or following in _SUFFIXES)
    if named or (index == end and (last or (in_digits and not something_else))):
        return Decimal(cents) / 100, after + (1 if named else 0)
    return Decimal(0), end


# --- terms ---------------------------------------------------------------------------------------


def _term(text: str) -> Optional[Tuple[int, Tuple[int, int]]]:
    """The term in months and its span in the folded text."""
    if not text:
        return None
    folded = fold(text[:MAX_TEXT])
    tokens = [_Token("word" if m.group(0)[0].isalpha() else "number", m.group(0), m.start(), m.end())
              for m in re.finditer(r"[a-z]+|\d+(?:[.,]\d+)?", folded)]
    texts = [t.text for t in tokens]
    parts: List[Tuple[int, int, Decimal]] = []  # (first token, token after, months)
    for j, word in enumerate(texts):
        if word not in _TERM_UNITS or j == 0:
            continue
        quantity = _quantity_before(texts, j)
        if quantity is None:
            continue
        first, amount = quantity
        after = j + 1
        if texts[after:after + 2] in (["et", "demi"], ["et", "demie"]):
            amount, after = amount + Decimal("0.5"), after + 2
        parts.append((first, after, amount * _TERM_UNITS[word]))
    if not parts:
        return None
    first, after, months = parts[0]
    for next_first, next_after, more in parts[1:]:  # "1 an et 6 mois", "2 years 6 months"
        if next_first == after or (next_first == after + 1 and texts[after] in ("et", "and")):
            after, months = next_after, months + more
        else:
            break
    if months <= 0 or months != months.to_integral_value() or months > MAX_TERM_MONTHS:
        return None
    return int(months), (tokens[first].start, tokens[after - 1].end)


def _quantity_before(texts: List[str], unit: int) -> Optional[Tuple[int, Decimal]]:
    """The count of years or months written just before texts[unit], and where it starts."""
    before = texts[unit - 1]
    if _TERM_NUMBER.match(before):
        return unit - 1, Decimal(before.replace(",", "."))
    if before in ("a", "an", "un", "une"):
        return unit - 1, Decimal(1)
    if before == "half" and unit >= 3 and texts[unit - 2] == "a" and texts[unit - 3] == "and":
        whole = _quantity_before(texts, unit - 3)  # "two and a half years"
        return (whole[0], whole[1] + Decimal("0.5")) if whole else None
    for first in range(max(0, unit - 6), unit):
        read = read_number_words(texts, first, one_before=_TERM_UNITS)
        if read is not None and read[1] == unit:
            return first, Decimal(read[0])
    return None
