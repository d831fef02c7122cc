"""Rasa's SQL tracker store, with codes and card numbers masked before anything is written.

endpoints.yml:

    tracker_store:
      type: bot.tracker_stores.RedactingSQLTrackerStore
      dialect: sqlite            # or postgresql, with host, port, db, username, password
      db: var/tracker.db

The conversation in memory is untouched while a message is handled (the form has
read the code by the time the tracker is saved); what reaches the database, and
the event broker, is `bot.redaction.redact_events` of it. A tracker read back
later holds the masked text.
"""
from __future__ import annotations

import copy
import logging
from typing import List

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import Event
from rasa.shared.core.trackers import DialogueStateTracker

from bot.redaction import redact_all

logger = logging.getLogger(__name__)


def redacted_copy(tracker: DialogueStateTracker) -> DialogueStateTracker:
    """A copy of the tracker whose events are redacted (the tracker itself is not changed)."""
    events: List[Event] = []
    for data in redact_all([event.as_dict() for event in tracker.events]):
        event = Event.from_parameters(data)
        if event is not None:
            events.append(event)
    slots = copy.deepcopy(list(tracker.slots.values()))  # replaying must not touch the live slots
    return DialogueStateTracker.from_events(
        tracker.sender_id, events, slots=slots, max_event_history=tracker._max_event_history,
        sender_source=tracker.sender_source,
    )


class RedactingSQLTrackerStore(SQLTrackerStore):
    """Stores (and streams to the event broker) conversations with codes and card numbers masked."""

    async def save(self, tracker: DialogueStateTracker) -> None:
        await super().save(redacted_copy(tracker))
