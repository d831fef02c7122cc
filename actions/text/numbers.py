"""Numbers written in words, in English and French, and the folding the parsers read text through.

`fold` makes text comparable whatever the keyboard: lower case, no accents ("décembre" and
"decembre" read alike), typographic apostrophes made plain, no-break and narrow no-break spaces
(U+00A0, U+202F, what French writes between thousands) made plain spaces.

`read_number_words` reads one number written in words from a list of words, in either language
(a customer may mix, though not within one number): "two hundred and fifty", "vingt-cinq",
"quatre-vingt-dix-neuf", "soixante et onze", "deux mille cinq cents", "un million". Belgian and
Swiss "septante", "huitante", "octante", "nonante" are read too. A sequence no one would say
("twenty thirty", "cinq dix") ends the number where it stops making sense.

An article ("a", "an", "un", "une") is a number only before a multiplier ("a hundred", "un
million", "une centaine" is not read) or, for "un"/"une", before a currency or unit that the
caller names (`one_before`): "un virement" names no amount.
"""
from __future__ import annotations

import re
import unicodedata
from typing import Collection, List, Optional, Tuple

_PLAIN = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'", "\u00b4": "'"})


def fold(text: Optional[str]) -> str:
    """Lower case, accents removed, plain apostrophes and spaces: "Aujourd’hui" → "aujourd'hui"."""
    text = unicodedata.normalize("NFKC", text or "").translate(_PLAIN)  # NFKC: U+00A0, U+202F → " "
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return text.lower()


ADDITIVE = {
    # English
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
    "twenty": 20, "thirty": 30, "forty": 40, "fourty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90,
    # French (accents folded: "zéro" → "zero")
    "un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "sept": 7, "huit": 8,
    "neuf": 9, "dix": 10, "onze": 11, "douze": 12, "treize": 13, "quatorze": 14, "quinze": 15, "seize": 16,
    "vingt": 20, "vingts": 20, "trente": 30, "quarante": 40, "cinquante": 50, "soixante": 60,
    "septante": 70, "huitante": 80, "octante": 80, "nonante": 90,
}
HUNDRED = {"hundred", "hundreds", "cent", "cents"}
SCALES = {
    "thousand": 1000, "thousands": 1000, "grand": 1000, "mille": 1000, "milles": 1000,
    "million": 1_000_000, "millions": 1_000_000, "milliard": 1_000_000_000, "milliards": 1_000_000_000,
    "billion": 1_000_000_000, "billions": 1_000_000_000,
}
ARTICLES = {"a", "an", "un", "une"}
_ENGLISH = {
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
    "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty", "thirty",
    "forty", "fourty", "fifty", "sixty", "seventy", "eighty", "ninety",
}
_CONNECTORS = {"and", "et"}
# Tens after which a number below 20 may follow ("soixante-dix-sept", "quatre-vingt-onze").
_TENS_BEFORE_TEENS = {60, 80}


def words(text: str) -> List[str]:
    """The words and digit runs of folded `text`, hyphens and punctuation dropped."""
    return re.findall(r"[a-z]+|\d+", text)


def read_number_words(
    tokens: List[str], start: int, one_before: Collection[str] = ()
) -> Optional[Tuple[int, int]]:
    """The number spelled from tokens[start] on, and the index after it; None if none starts there."""
    total = current = 0
    last_added: Optional[int] = None  # the last unit or ten added since the last hundred or scale
    last_scale: Optional[int] = None
    last_word = ""
    seen = False
    i = start
    end = start
    while i < len(tokens):
        word = tokens[i]
        following = tokens[i + 1] if i + 1 < len(tokens) else ""
        if word in ARTICLES and not seen:
            if following in HUNDRED or following in SCALES or (word in ("un", "une") and following in one_before):
                current, seen, last_added, i = 1, True, 1, i + 1
                end = i
                continue
            if word in ("a", "an"):
                break
            return None  # "un virement": an article, no number
        if word in _CONNECTORS and seen:
            if following in ADDITIVE and following not in ("zero",) and _may_add(last_added, ADDITIVE[following]):
                i += 1
                continue
            break
        if word == "quatre" and following in ("vingt", "vingts"):
            value, width = 80, 2
        elif word in ADDITIVE:
            value, width = ADDITIVE[word], 1
        else:
            value, width = None, 1
        if value is not None:
            if value == 0 and seen:
                break
            if seen and not _may_add(last_added, value):
                break
            current += value
            last_added, last_word = value, word
            seen = True
            i += width
            end = i
            if value == 0:
                break
            continue
        if word in ("cent", "cents") and last_word in _ENGLISH:
            break  # "fifty cents": money's cents, not French hundreds
        if word in HUNDRED and current < 100 and (seen or start == i):
            current = max(current, 1) * 100
            last_added = None
            seen = True
            i += 1
            end = i
            continue
        if word in SCALES and (seen or word in ("mille", "milles")) and (word != "grand" or current) and (last_scale is None or SCALES[word] < last_scale):
            total += max(current, 1) * SCALES[word]
            current, last_added, last_scale, seen = 0, None, SCALES[word], True
            i += 1
            end = i
            continue
        break
    if not seen:
        return None
    return total + current, end


def _may_add(last_added: Optional[int], value: int) -> bool:
    """Whether `value` may follow `last_added` within one number: "twenty five", "soixante dix"."""
    if last_added is None:
        return True
    if last_added % 10 or last_added == 0 or value >= last_added:
        return False  # "five four", "cinq dix", "twenty thirty"
    return value < 10 or (last_added in _TENS_BEFORE_TEENS and value < 20)


def small_number(phrase: str) -> Optional[int]:
    """A count written in digits or words, articles included: "30", "trente", "une", "vingt-cinq"."""
    tokens = words(fold(phrase))
    if len(tokens) == 1 and tokens[0].isdigit():
        return int(tokens[0])
    if len(tokens) == 1 and tokens[0] in ARTICLES:
        return 1
    read = read_number_words(tokens, 0) if tokens else None
    if read is None or read[1] != len(tokens):
        return None
    return read[0]
