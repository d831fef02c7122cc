"""What a channel may tell the bot about the customer's language: checked and normalised, nothing else.

The channels pass it as message metadata, and action_session_start (actions/session.py) reads it when a
session starts and the conversation has no language yet:

    {"language": "en" | "fr", "locale": "fr_FR"}

* ``language``: the web page's `<html lang>` ("fr", "fr-FR", "en-GB"): its primary subtag, English or
  French only.
* ``locale``: the browser's `navigator.language` or the Messenger profile's locale ("fr-FR", "fr_FR",
  "en", "de_CH"), written as babel writes it (language in lower case, region in upper case, "_"), and only
  when babel knows it (money and dates are written with it).

Anything else (another language, a malformed tag, a value that is not a string) is dropped: a browser or
a client may not tell the bot anything but these two.
"""
from __future__ import annotations

import re
from typing import Any, Dict, Optional

from babel import Locale, UnknownLocaleError

LANGUAGES = ("en", "fr")
_TAG = re.compile(r"([A-Za-z]{2,3})(?:[-_]([A-Za-z]{2}))?")
MAX_TAG = 16


def page_language(value: Any) -> Optional[str]:
    """ "fr-FR" -> "fr"; None unless the tag is well formed and English or French."""
    match = _match(value)
    language = match.group(1).lower() if match else None
    return language if language in LANGUAGES else None


def locale(value: Any) -> Optional[str]:
    """ "fr-FR" -> "fr_FR", "EN" -> "en"; None for a malformed tag or one babel does not know."""
    match = _match(value)
    if match is None:
        return None
    language, region = match.group(1).lower(), match.group(2)
    name = f"{language}_{region.upper()}" if region else language
    try:
        Locale.parse(name)
    except (UnknownLocaleError, ValueError):
        return None
    return name


def language_metadata(language: Any = None, locale_tag: Any = None) -> Dict[str, str]:
    """The message metadata of a channel's hints: only the keys whose value is valid."""
    hints = {"language": page_language(language), "locale": locale(locale_tag)}
    return {key: value for key, value in hints.items() if value is not None}


def _match(value: Any) -> Optional["re.Match[str]"]:
    if not isinstance(value, str) or len(value) > MAX_TAG:
        return None
    return _TAG.fullmatch(value.strip())
