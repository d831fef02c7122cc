"""Merchant names as customers type them: "uber", "Uber Eats", "netflx", "fnác" match the names on transactions.

A typed name matches a name when, both folded (accents removed, case ignored, punctuation as spaces):
- it is one or more of the name's words ("uber" and "eats" match "Uber Eats"; "uber eats" matches
  "Uber Eats" but not "Uber"), or the start of them from 3 letters on ("monop", "uber ea"), or the
  name written without spaces starts with it, from 4 on ("ubereats", "basicfit");
- or, from 4 letters on, it is a near spelling of the name or of as many of its words as it has
  ("netflx", "spotfy", "ubre"): difflib's similarity ratio at least `TYPO_RATIO`, the first letter
  right (a slip is rarely on the first letter, and it keeps "lidl" off "Fnac"-like coincidences).
Shorter words are matched exactly (as the start of a word): three letters leave no room for a typo.
"""
from __future__ import annotations

import re
import unicodedata
from difflib import SequenceMatcher
from typing import Iterable

TYPO_RATIO = 0.75
TYPO_MIN_LENGTH = 4
PREFIX_MIN_LENGTH = 3  # "a" or "ed" do not name Amazon or EDF: a part of a word needs 3 letters
_NOT_A_LETTER_OR_DIGIT = re.compile(r"[\W_]+")


def folded(text: str) -> str:
    """"  Café-Oberkampf " -> "cafe oberkampf": accents removed, case folded, anything but letters and digits (of
    any script) a single space."""
    decomposed = unicodedata.normalize("NFKD", text)
    letters = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    return _NOT_A_LETTER_OR_DIGIT.sub(" ", letters).strip()


def name_matches(typed: str, name: str) -> bool:
    """Whether what a customer typed names `name` (see the module's rules)."""
    query, target = folded(typed), folded(name)
    if not query or not target:
        return False
    for found in re.finditer(rf"(?:^| ){re.escape(query)}", target):
        whole_words = found.end() == len(target) or target[found.end()] == " "
        if whole_words or len(query) >= PREFIX_MIN_LENGTH:
            return True
    compact_query, compact_target = query.replace(" ", ""), target.replace(" ", "")
    if compact_target.startswith(compact_query) and len(compact_query) >= TYPO_MIN_LENGTH:
        return True
    if len(compact_query) < TYPO_MIN_LENGTH:
        return False
    words = target.split()
    width = len(query.split())
    candidates = {target, compact_target}
    candidates.update(" ".join(words[i : i + width]) for i in range(len(words) - width + 1))
    return any(
        candidate[0] == query[0] and SequenceMatcher(None, query, candidate).ratio() >= TYPO_RATIO
        for candidate in candidates
    )


def matching_names(typed: str, names: Iterable[str]) -> list[str]:
    """The names `typed` matches, sorted, each once."""
    return sorted({name for name in names if name and name_matches(typed, name)})
