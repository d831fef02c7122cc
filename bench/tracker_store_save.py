"""Micro-benchmark of one tracker-store save: the previous RedactingSQLTrackerStore, the current one, plain Rasa.

`python -m bench.tracker_store_save` (after a `make bench`, which leaves var/bench/tracker-ours.db):
replays the longest bench conversation, saving every 8 events as a turn would, into
a fresh SQLite file per store, and prints the wall and CPU time per save.
The previous store is kept here, as it was, for the comparison only.
"""
from __future__ import annotations

import asyncio
import copy
import json
import sqlite3
import sys
import tempfile
import time
from pathlib import Path
from typing import List

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import Event
from rasa.shared.core.trackers import DialogueStateTracker

from bot.privacy.redaction import redact_all
from bot.rasa_server.tracker_store import RedactingSQLTrackerStore

CONVERSATIONS = Path("var/bench/tracker-ours.db")


class PreviousRedactingSQLTrackerStore(SQLTrackerStore):
    """The store before the bench: a redacted copy of the whole tracker, replayed, on every save."""

    async def save(self, tracker: DialogueStateTracker) -> None:
        events: List[Event] = []
        for data in redact_all([event.as_dict() for event in tracker.events]):
            event = Event.from_parameters(data)
            if event is not None:
                events.append(event)
        slots = copy.deepcopy(list(tracker.slots.values()))
        await super().save(DialogueStateTracker.from_events(
            tracker.sender_id, events, slots=slots, max_event_history=tracker._max_event_history,
            sender_source=tracker.sender_source,
        ))


async def measure(store_class: type, domain: Domain, sender: str, events: List[Event]) -> str:
    with tempfile.TemporaryDirectory() as directory:
        store = store_class(domain=domain, dialect="sqlite", db=str(Path(directory) / "tracker.db"))
        wall = cpu = 0.0
        saves = 0
        for end in range(8, len(events) + 8, 8):
            tracker = DialogueStateTracker.from_events(sender, events[:end], slots=domain.slots)
            started, started_cpu = time.perf_counter(), time.process_time()
            await store.save(tracker)
            wall += time.perf_counter() - started
            cpu += time.process_time() - started_cpu
            saves += 1
    return f"{store_class.__name__}: {saves} saves, {1000 * wall / saves:.1f} ms wall, {1000 * cpu / saves:.1f} ms CPU (whole process) per save"


async def main() -> int:
    if not CONVERSATIONS.exists():
        print(f"{CONVERSATIONS} is missing: run `make bench` first", file=sys.stderr)
        return 1
    domain = Domain.load("domain.yml")
    with sqlite3.connect(CONVERSATIONS) as database:
        sender = database.execute(
            "select sender_id from events group by sender_id order by count(*) desc limit 1").fetchone()[0]
        rows = [json.loads(r[0]) for r in database.execute(
            "select data from events where sender_id = ? order by id", (sender,))]
    events = list(DialogueStateTracker.from_dict(sender, rows, domain.slots).events)
    print(f"{len(events)} events")
    for _ in range(2):
        for store_class in (PreviousRedactingSQLTrackerStore, RedactingSQLTrackerStore, SQLTrackerStore):
            print(await measure(store_class, domain, sender, events))
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
