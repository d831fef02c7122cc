"""The actions' catalogue of text fragments, one YAML file per language (en.yml, fr.yml).

Whole replies are domain.yml responses (with a French variation each); what an action assembles
into them (a line of a list, a card's or a loan's name, a button title it builds, a reason for a
refusal) comes from here, never from a string in code. Keys are dotted names
(`card.kind.debit`), values `str.format` templates; both files hold the same keys with the same
placeholders (tests/unit/test_message_catalogues.py). A key missing in one language falls back
to English, and an unknown key is an error (KeyError), except through `text_or`.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Dict

import yaml

FOLDER = Path(__file__).parent
FALLBACK_LANGUAGE = "en"


@lru_cache(maxsize=None)
def entries(language: str) -> Dict[str, str]:
    """Every key of one language's file (empty for a language without a file)."""
    path = FOLDER / f"{language}.yml"
    if language not in ("en", "fr") or not path.is_file():
        return {}
    loaded = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {str(key): str(value) for key, value in loaded.items()}


def _template(key: str, language: str) -> str:
    found = entries(language).get(key)
    if found is None:
        found = entries(FALLBACK_LANGUAGE)[key]
    return found


def text(key: str, language: str, **values: Any) -> str:
    """The fragment `key` in `language` (English when that language lacks it), filled with `values`."""
    return _template(key, language).format(**values)


def text_or(key: str, language: str, fallback: str, **values: Any) -> str:
    """The fragment `key`, or `fallback` (as is) when neither language has it."""
    try:
        template = _template(key, language)
    except KeyError:
        return fallback
    return template.format(**values)
