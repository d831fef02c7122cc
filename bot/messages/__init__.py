"""What bot/ itself writes to customers (attachment answers, the satisfaction survey, the hand-back note,
the replies to page comments), one YAML catalogue per language: en.yml, fr.yml.

The dialogue's replies are domain.yml responses (and the action server's fragments,
actions/text/catalogue/); this catalogue is for the texts the Rasa server's channels and the branch
web service send without the dialogue. Both files hold the same keys with the same `{placeholders}`
(tests/unit/test_message_catalogues.py).

The conversation's language is its tracker's `language` slot (en | fr; None is English), read where
the code runs: from the tracker store in the Rasa server (`language_in_tracker_store`), from the
events Rasa's HTTP API gives in the branch web service (`language_from_events`).
"""
from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, Iterable, Optional

import yaml

logger = logging.getLogger(__name__)

FOLDER = Path(__file__).parent
ENGLISH, FRENCH = "en", "fr"
LANGUAGES = (ENGLISH, FRENCH)
DEFAULT_LANGUAGE = ENGLISH
LANGUAGE_SLOT = "language"


@lru_cache(maxsize=None)
def catalogue(language: str) -> Dict[str, str]:
    """Every text of one language (an unknown language has none)."""
    if language not in LANGUAGES:
        return {}
    loaded = yaml.safe_load((FOLDER / f"{language}.yml").read_text(encoding="utf-8")) or {}
    return {str(key): str(value) for key, value in loaded.items()}


def language_of(value: Any) -> str:
    """"fr" or "en": anything else, None included, is English."""
    return value if value in LANGUAGES else DEFAULT_LANGUAGE


def text(key: str, language: Optional[str] = None, **values: Any) -> str:
    """The text `key` in `language` (English when None, unknown, or missing there), filled with `values`."""
    template = catalogue(language_of(language)).get(key)
    if template is None:
        template = catalogue(DEFAULT_LANGUAGE)[key]
    return template.format(**values)


def every_language(key: str, **values: Any) -> str:
    """The text in French then English, for a reader whose language is unknown (a page comment's author)."""
    return "\n\n".join(text(key, language, **values) for language in (FRENCH, ENGLISH))


def language_from_events(events: Iterable[Any]) -> str:
    """The `language` slot at the end of a conversation's events (dicts from Rasa's HTTP API, or Rasa
    Event objects): the value of its latest `slot` event; English when none."""
    found: Any = None
    for event in events or ():
        if isinstance(event, dict):
            if event.get("event") == "slot" and event.get("name") == LANGUAGE_SLOT:
                found = event.get("value")
        elif getattr(event, "type_name", None) == "slot" and getattr(event, "key", None) == LANGUAGE_SLOT:
            found = getattr(event, "value", None)
    return language_of(found)


async def language_in_tracker_store(tracker_store: Any, sender_id: str) -> str:
    """The conversation's language from the Rasa server's tracker store; English when it cannot say."""
    if tracker_store is None or not sender_id:
        return DEFAULT_LANGUAGE
    try:
        tracker = await tracker_store.retrieve(sender_id)
    except Exception:  # noqa: BLE001 - a store that fails costs the customer their language, never the answer
        logger.warning("The tracker store could not be read for a conversation's language", exc_info=True)
        return DEFAULT_LANGUAGE
    if tracker is None:
        return DEFAULT_LANGUAGE
    return language_of(tracker.get_slot(LANGUAGE_SLOT))


async def conversation_language(app: Any, sender_id: str) -> str:
    """The conversation's language in the Rasa server, from its Sanic `app` (the agent's tracker store)."""
    agent = getattr(getattr(app, "ctx", None), "agent", None)
    return await language_in_tracker_store(getattr(agent, "tracker_store", None), sender_id)
