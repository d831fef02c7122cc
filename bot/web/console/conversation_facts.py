"""What the console shows of each conversation beside the queue's own record: its language, and whether the
customer proved who they are.

Read like the transcript, through the Rasa HTTP API (`StaffDesk.rasa.events`), one read per conversation:

* language: the latest `language` slot event wins. No language yet means English, the bot's default.
* identity: the `identity` slot the actions set (actions/identity.py): "verified" once the customer's one-time
  code was accepted by the core bank, "refused" when verification ended without it (a code refused or locked,
  the bank unreachable, the customer stopped). The time shown is when it became verified (the actions set the
  slot again on every verified request; the first of a run of "verified" counts). The bank session behind it
  ends with the core bank's token: "verified at 14:03" says when, not that it still holds.

A `restart` clears both; a new session (`session_started`) clears the identity (the domain carries no slot over; the
session start action sets the language again). When the tracker cannot be read the console says so rather than guess.
"""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Dict, Iterable, List, Optional, Tuple

from bot.handoff.rasa_control import RasaControl, RasaControlError

logger = logging.getLogger(__name__)

LANGUAGE_SLOT, IDENTITY_SLOT = "language", "identity"
VERIFIED, REFUSED = "verified", "refused"  # the values actions/identity.py sets
LABELS = {"en": "English", "fr": "French"}
DEFAULT_LABEL = "English (default)"
UNKNOWN_LABEL = "Unknown"
NOT_VERIFIED_LABEL = "Not verified"
REFUSED_LABEL = "Verification not completed"
RESETS = ("restart", "session_started")


@dataclass(frozen=True)
class ConversationFacts:
    language: str  # the language's label
    identity: str  # the identity's label
    verified: bool = False


UNKNOWN = ConversationFacts(UNKNOWN_LABEL, UNKNOWN_LABEL)


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


def identity_of(events: Iterable[Dict[str, Any]]) -> Tuple[Optional[str], Optional[datetime]]:
    """("verified", when), ("refused", None) or (None, None) from a tracker's events."""
    state: Optional[str] = None
    since: Optional[datetime] = None
    for event in events:
        if event.get("event") in RESETS:
            state, since = None, None
        elif event.get("event") == "slot" and event.get("name") == IDENTITY_SLOT:
            value = event.get("value")
            if value == VERIFIED and state != VERIFIED:
                since = _time_of(event)
            state = value if value in (VERIFIED, REFUSED) else None
    return state, since if state == VERIFIED else None


def _time_of(event: Dict[str, Any]) -> Optional[datetime]:
    try:
        return datetime.fromtimestamp(float(event["timestamp"]), tz=timezone.utc)
    except (KeyError, TypeError, ValueError, OverflowError, OSError):
        return None


def language_label(language: Optional[str]) -> str:
    return LABELS.get(language or "", DEFAULT_LABEL)


def identity_label(state: Optional[str], since: Optional[datetime]) -> str:
    """"Verified at 14:03 UTC", "Verification not completed", "Not verified"."""
    if state == VERIFIED:
        return f"Verified at {since:%H:%M} UTC" if since is not None else "Verified"
    return REFUSED_LABEL if state == REFUSED else NOT_VERIFIED_LABEL


def facts_of(events: List[Dict[str, Any]]) -> ConversationFacts:
    state, since = identity_of(events)
    return ConversationFacts(language_label(language_of(events)), identity_label(state, since), state == VERIFIED)


async def conversation_facts(rasa: RasaControl, conversation_ids: List[str]) -> Dict[str, ConversationFacts]:
    """Each conversation's facts, read concurrently; `Unknown` where Rasa did not answer."""
    unique = list(dict.fromkeys(conversation_ids))

    async def one(conversation_id: str) -> ConversationFacts:
        try:
            return facts_of(list(await rasa.events(conversation_id)))
        except (RasaControlError, asyncio.TimeoutError) as exc:
            logger.warning("Console: a conversation's language and identity are unknown: %s", exc)
            return UNKNOWN

    found = await asyncio.gather(*(one(c) for c in unique))
    return dict(zip(unique, found))
