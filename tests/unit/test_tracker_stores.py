"""The redacting tracker store writes each event once, masked as the whole conversation would be."""
import json
import sqlite3

from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActiveLoop, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.privacy.redaction import redact_all
from bot.rasa_server.tracker_store import RedactingSQLTrackerStore, redacted_new_events

CODE = "482913"
DOMAIN = Domain.from_yaml(
    "version: '3.1'\nslots:\n  otp_code:\n    type: text\n    mappings: [{type: custom}]\n"
    "  requested_slot:\n    type: any\n    mappings: [{type: custom}]\n"
)


def stored_rows(path):
    return [json.loads(row[0]) for row in sqlite3.connect(path).execute("select data from events order by id")]


async def test_a_code_typed_after_an_earlier_save_is_still_masked(tmp_path):
    """The code question was saved with one message, the code comes with the next: the context carries over."""
    db = tmp_path / "tracker.db"
    store = RedactingSQLTrackerStore(domain=DOMAIN, dialect="sqlite", db=str(db))
    tracker = DialogueStateTracker.from_events("customer", [
        UserUttered("what's my balance"),
        ActiveLoop("identity_form"),
        SlotSet("requested_slot", "otp_code"),
        BotUttered("Please type the code you received."),
    ], slots=DOMAIN.slots)
    await store.save(tracker)

    tracker.update(UserUttered(f"it's {CODE}"))
    tracker.update(SlotSet("otp_code", CODE))
    tracker.update(ActiveLoop(None))
    tracker.update(UserUttered("and my card 4970 1012 3456 7890?"))
    tracker.update(UserUttered("customer 100001"))
    await store.save(tracker)

    rows = stored_rows(db)
    assert len(rows) == len(tracker.events)  # each event written once
    raw = json.dumps(rows, ensure_ascii=False)
    assert CODE not in raw and "4970" not in raw
    assert [r["text"] for r in rows if r["event"] == "user"] == [
        "what's my balance", "it's ••••••", "and my card •••• 7890?", "customer 100001",
    ]
    assert tracker.get_slot("otp_code") == CODE  # the live tracker is untouched


async def test_saving_again_without_new_events_writes_nothing(tmp_path):
    db = tmp_path / "tracker.db"
    store = RedactingSQLTrackerStore(domain=DOMAIN, dialect="sqlite", db=str(db))
    tracker = DialogueStateTracker.from_events("customer", [UserUttered("hi")], slots=DOMAIN.slots)
    await store.save(tracker)
    await store.save(tracker)
    assert len(stored_rows(db)) == 1


def test_new_events_are_redacted_as_within_the_whole_conversation():
    events = [
        UserUttered("balance"),
        SlotSet("requested_slot", "otp_code"),
        UserUttered(CODE),
        SlotSet("otp_code", CODE),
        ActiveLoop(None),
        UserUttered("123456 is my old code"),
    ]
    whole = redact_all([event.as_dict() for event in events])
    for stored in range(len(events) + 1):
        assert redacted_new_events(events, stored) == whole[stored:]
