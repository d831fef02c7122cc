"""Rasa's SQL tracker store, with codes and card numbers masked before anything is written.

endpoints.yml and endpoints.production.yml:

    tracker_store:
      type: bot.rasa_server.tracker_store.RedactingSQLTrackerStore

The database is TRACKER_DATABASE_URL (bot/settings.py: SQLite var/tracker.db by
default, PostgreSQL in production). An endpoints entry that names a database
itself (Rasa's SQL keys: `url`, or `db` with `dialect` and the rest) is used as
Rasa would use it: the project's endpoints files name none; tests and the bench
name files of their own.

The conversation in memory is untouched while a message is handled (the form has
read the code by the time the tracker is saved); what reaches the database, and
the event broker, is `bot.privacy.redaction.redact_events` of it. A tracker read back
later holds the masked text.

Each save writes only the events the database does not have yet (as Rasa's
SQLTrackerStore does), redacted. Whether a message answers a code question
depends on the slot and form events before it, so those earlier events go
through the redaction too, as context; nothing else of the stored part is
copied or replayed (that replay of the whole conversation on every save was
the store's main cost under load: bench/README.md).

A turn in which `action_handoff` asked for a person is recorded in the staff
queue here, in the store's thread, after the turn is written (handoff_requests.py).

Constructing the store checks the settings for their profile (under
BRANCH_PROFILE=production the Rasa server does not start on a demo or missing
secret: bot/settings.py) and installs the server's five changes to Rasa's own code, a
validator of action-server answers built once (action_results.py), what is said
before an answer (answer_preamble.py: the assistant disclosure, the warning when a
secret was typed), the conversation's language on every bot message sent
(message_language.py: the web chat's widget follows it), a typed yes to a
two-button offer read as the offer (offer_answers.py), and the further requests of a message of several,
offered once the first is done (further_requests.py): every Rasa server of the
branch builds this store (endpoints.yml, endpoints.production.yml).

The database work (reading a conversation, writing its new events, the commit
that waits for the disk) runs in one worker thread of the store's own, not on
the Rasa server's event loop, which meanwhile acknowledges webhooks and works
on other conversations. One thread: the store's calls reach the database one
at a time, as they did on the loop.
"""
from __future__ import annotations

import asyncio
import json
import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Dict, List, Optional, Text

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import ActiveLoop, Event, SlotSet
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY

from bot.privacy.redaction import redact_all
from bot.knowledge.unanswered import record_if_unanswered
from bot.rasa_server import (
    action_results, answer_preamble, further_requests, greeting_first, message_language, offer_answers, quote_changes,
)
from bot.rasa_server.handoff_requests import record_if_requested, requested_reason
from bot.settings import get_settings

logger = logging.getLogger(__name__)

# The only events whose content decides how later events are redacted (bot.privacy.redaction.redact_events).
_REDACTION_CONTEXT = (SlotSet, ActiveLoop)


def redacted_new_events(events: List[Event], stored: int) -> List[Dict[str, Any]]:
    """`events[stored:]` as redacted dictionaries, redacted as they would be within the whole list."""
    context = [event.as_dict() for event in events[:stored] if isinstance(event, _REDACTION_CONTEXT)]
    new = [event.as_dict() for event in events[stored:]]
    return redact_all(context + new)[len(context):]


class RedactingSQLTrackerStore(SQLTrackerStore):
    """Stores (and streams to the event broker) conversations with codes and card numbers masked."""

    def __init__(self, *, host: Optional[str] = None, **kwargs: Any) -> None:
        settings = get_settings()
        settings.check_for_profile()  # every Rasa server builds this store: none runs production on demo secrets
        action_results.install()
        answer_preamble.install()
        message_language.install()
        offer_answers.install()
        greeting_first.install()  # around offer_answers'
        quote_changes.install()  # around greeting_first's
        further_requests.install()  # after the hooks it wraps (the parses above, answer_preamble's loop)
        if host is None and "db" not in kwargs:  # the endpoints entry names no database: the setting's
            host = settings.tracker_database_url  # SQLTrackerStore takes a whole URL as its host
        super().__init__(host=host, **kwargs)
        self._database_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tracker-store")

    async def save(self, tracker: DialogueStateTracker) -> None:
        events = list(tracker.events)
        new = await asyncio.get_running_loop().run_in_executor(
            self._database_thread, self._write_new_events, tracker.sender_id, events,
        )
        if self.event_broker is not None:
            for data in new:
                self.event_broker.publish({"sender_id": tracker.sender_id, **data})
        logger.debug("Tracker of %s stored (%d new events, redacted)", tracker.sender_id, len(new))

    def _write_new_events(self, sender_id: str, events: List[Event]) -> List[Dict[str, Any]]:
        with self.session_scope() as session:
            # The events of the latest session already stored: what SQLTrackerStore._additional_events counts.
            stored = self._event_query(session, sender_id, fetch_events_from_all_sessions=False).count()
            new = redacted_new_events(events, stored)
            for data in new:
                session.add(
                    self.SQLEvent(
                        sender_id=sender_id,
                        type_name=data.get("event"),
                        timestamp=data.get("timestamp"),
                        intent_name=(data.get("parse_data") or {}).get("intent", {}).get(INTENT_NAME_KEY),
                        action_name=data.get("name"),
                        data=json.dumps(data),
                    )
                )
            session.commit()
        if requested_reason(new) is not None:
            record_if_requested(sender_id, [event.as_dict() for event in events], new)
        if any(e.get("event") == "user" for e in new):  # nothing answered it: kept, masked, for review
            record_if_unanswered(new, [event.as_dict() for event in events])
        return new

    async def _retrieve(
        self, sender_id: Text, fetch_events_from_all_sessions: bool
    ) -> Optional[DialogueStateTracker]:
        return await asyncio.get_running_loop().run_in_executor(
            self._database_thread, self._read_tracker, sender_id, fetch_events_from_all_sessions,
        )

    def _read_tracker(self, sender_id: Text, fetch_events_from_all_sessions: bool) -> Optional[DialogueStateTracker]:
        """SQLTrackerStore._retrieve's work, as it is, in the store's thread."""
        with self.session_scope() as session:
            rows = self._event_query(
                session, sender_id, fetch_events_from_all_sessions=fetch_events_from_all_sessions,
            ).all()
            events = [json.loads(row.data) for row in rows]
        if self.domain and events:
            return DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
        return None
