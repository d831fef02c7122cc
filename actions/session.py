"""action_session_start: a new session keeps the customer's language and locale, and nothing else.

Rasa runs it when a conversation starts and when the last one expired (`session_config`). The domain
has `carry_over_slots_to_new_session: false`: identity, the request in progress and every form's
answers must not survive a session. This action carries over ``language`` and ``locale`` only.

The tracker it receives is the one of the session that ends (its slots are that session's), with
``session_started_metadata`` set by Rasa to the metadata of the message that starts the new one
(rasa.core.processor `_update_tracker_session`). The channels put there what they know of the
customer's language, already checked and normalised:

* the web chat (bot/channels/web_chat/): ``language``, the page's `<html lang>`, and ``locale``, the
  browser's `navigator.language`;
* Messenger (bot/channels/messenger/): ``locale``, the user's profile locale, when the page may read it.

When the ending session has no language, the page's language is taken, else the locale's when it is
English or French. The locale is kept, else taken from the metadata. Anything else in the metadata,
or a value not in the channels' normalised form, is ignored.

As Rasa's own action_session_start, it returns SessionStarted, the slots, then action_listen (the
user's message follows).
"""
from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

LANGUAGES = ("en", "fr")
SESSION_STARTED_METADATA = "session_started_metadata"
# The channels' normal form: babel's, "fr_FR", "en", "pt_BR".
_LOCALE = re.compile(r"[a-z]{2,3}(?:_[A-Z]{2})?")
CARRIED_OVER = ("language", "locale")


def language_from(metadata: Any) -> Optional[str]:
    """en, fr or None from session metadata: the page's language, else the locale's."""
    if not isinstance(metadata, dict):
        return None
    language = metadata.get("language")
    if language in LANGUAGES:
        return language
    locale = locale_from(metadata)
    if locale is not None and locale.split("_")[0] in LANGUAGES:
        return locale.split("_")[0]
    return None


def locale_from(metadata: Any) -> Optional[str]:
    locale = metadata.get("locale") if isinstance(metadata, dict) else None
    return locale if isinstance(locale, str) and _LOCALE.fullmatch(locale) else None


class ActionSessionStart(Action):
    def name(self) -> Text:
        return "action_session_start"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        metadata = tracker.get_slot(SESSION_STARTED_METADATA)
        language = tracker.get_slot("language")
        if language not in LANGUAGES:
            language = language_from(metadata)
        locale = tracker.get_slot("locale") or locale_from(metadata)
        events: List[EventType] = [SessionStarted()]
        events += [SlotSet(name, value) for name, value in (("language", language), ("locale", locale))
                   if value is not None]
        events.append(ActionExecuted("action_listen"))
        return events
