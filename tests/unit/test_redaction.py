"""Codes and card numbers are masked before a conversation is stored."""
import json
import sqlite3

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActiveLoop, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.privacy.redaction import mask_card_numbers, mask_codes, redact_all
from bot.rasa_server.tracker_store import RedactingSQLTrackerStore

CODE = "482913"


@pytest.mark.parametrize("text, expected", [
    ("my card is 4970101234567890", "my card is •••• 7890"),
    ("4970 1012 3456 7890 lost", "•••• 7890 lost"),
    ("amex 3714-496353-98431", "amex •••• 8431"),
])
def test_card_numbers_keep_their_last_four_digits(text, expected):
    assert mask_card_numbers(text) == expected


def test_short_numbers_are_not_card_numbers():
    assert mask_card_numbers("customer 100001, phone +33612345678, 50€") == "customer 100001, phone +33612345678, 50€"


def test_codes_are_masked_with_their_spaces():
    assert mask_codes("it's 482 913") == "it's ••••••"


def events_of_a_verification(code_text: str):
    return [
        {"event": "user", "text": "what's my balance", "parse_data": {"text": "what's my balance", "entities": []}},
        {"event": "slot", "name": "requested_slot", "value": "customer_identifier"},
        {"event": "user", "text": "100001", "parse_data": {"text": "100001", "entities": []}},
        {"event": "slot", "name": "requested_slot", "value": "otp_code"},
        {"event": "user", "text": code_text,
         "parse_data": {"text": code_text, "entities": [{"entity": "amount", "value": CODE}]}},
        {"event": "slot", "name": "otp_code", "value": CODE},
        {"event": "slot", "name": "otp_code", "value": None},
        {"event": "active_loop", "name": None},
        {"event": "user", "text": "block 100001", "parse_data": {"text": "block 100001", "entities": []}},
    ]


def test_the_answer_to_a_code_question_is_masked_and_nothing_else():
    events = events_of_a_verification(f"the code is {CODE}")
    redacted = redact_all(events)
    assert CODE not in json.dumps(redacted, ensure_ascii=False)
    assert redacted[4]["text"] == "the code is ••••••"
    assert redacted[2]["text"] == "100001"  # the customer number was not answering a code question
    assert redacted[8]["text"] == "block 100001"  # the form is over: numbers are kept again
    assert events[4]["text"] == f"the code is {CODE}"  # the input is left as it was


async def test_the_store_writes_no_code_and_leaves_the_live_tracker_alone(tmp_path):
    domain = Domain.from_yaml(
        "version: '3.1'\nslots:\n  otp_code:\n    type: text\n    mappings: [{type: custom}]\n"
        "  requested_slot:\n    type: any\n    mappings: [{type: custom}]\n"
    )
    store = RedactingSQLTrackerStore(domain=domain, dialect="sqlite", db=str(tmp_path / "tracker.db"))
    tracker = DialogueStateTracker.from_events("customer", [
        UserUttered("what's my balance"),
        SlotSet("requested_slot", "otp_code"),
        UserUttered(CODE),
        SlotSet("otp_code", CODE),
        ActiveLoop(None),
        UserUttered("and my card 4970 1012 3456 7890?"),
    ], slots=domain.slots)
    await store.save(tracker)

    assert tracker.get_slot("otp_code") == CODE and tracker.latest_message.text.endswith("7890?")
    raw = "\n".join(row[0] for row in sqlite3.connect(tmp_path / "tracker.db").execute("select data from events"))
    assert CODE not in raw and "4970" not in raw and "1012 3456" not in raw
    stored = await store.retrieve("customer")
    assert [e.text for e in stored.events if isinstance(e, UserUttered)] == [
        "what's my balance", "••••••", "and my card •••• 7890?",
    ]
