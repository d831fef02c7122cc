"""Each conversation's language as the console shows it: the `language` slot of its tracker.

Read like the transcript, through the Rasa HTTP API (`StaffDesk.rasa.events`): the latest `language` slot
event wins (a `restart` clears it). No language yet means English, the bot's default. When the tracker
cannot be read the console says so rather than guess.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any, Dict, Iterable, List, Optional

from bot.handoff.rasa_control import RasaControl, RasaControlError

logger = logging.getLogger(__name__)

LANGUAGE_SLOT = "language"
LABELS = {"en": "English", "fr": "French"}
DEFAULT_LABEL = "English (default)"
UNKNOWN_LABEL = "Unknown"


def language_of(events: Iterable[Dict[str, Any]]) -> Optional[str]:
    """en, fr or None (not chosen yet) from a tracker's events."""
    language: Optional[str] = None
    for event in events:
        if event.get("event") == "restart":
            language = None
        elif event.get("event") == "slot" and event.get("name") == LANGUAGE_SLOT:
            value = event.get("value")
            language = value if value in LABELS else None
    return language


def language_label(language: Optional[str]) -> str:
    return LABELS.get(language or "", DEFAULT_LABEL)


async def language_labels(rasa: RasaControl, conversation_ids: List[str]) -> Dict[str, str]:
    """The label of each conversation's language, read concurrently; `Unknown` where Rasa did not answer."""
    unique = list(dict.fromkeys(conversation_ids))

    async def one(conversation_id: str) -> str:
        try:
            return language_label(language_of(await rasa.events(conversation_id)))
        except (RasaControlError, asyncio.TimeoutError) as exc:
            logger.warning("Console: the language of a conversation is unknown: %s", exc)
            return UNKNOWN_LABEL

    labels = await asyncio.gather(*(one(c) for c in unique))
    return dict(zip(unique, labels))
