"""Codes and card numbers are masked before a conversation is stored."""
import json
import re
import sqlite3

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActiveLoop, BotUttered, SlotSet, UserUttered
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


@pytest.mark.parametrize("text, expected", [
    ("4970.1012.3456.7891", "•••• 7891"),
    ("card 4970/1012/3456/7891 please", "card •••• 7891 please"),
    ("4970 - 1012 - 3456 - 7891", "•••• 7891"),
    ("4970-1012 3456.7891", "•••• 7891"),  # separators mixed
    ("1234.5678.9012.3", "•••• 0123"),  # 13 digits, not Luhn-valid
    ("4970101234567891234", "•••• 1234"),  # 19 digits
    ("4970 1012 3456 7891 12/27", "•••• 1227"),  # with the expiry: longer than a card, masked all the same
    ("４９７０１０１２３４５６７８９１", "•••• ７８９１"),  # full-width digits
])
def test_card_numbers_are_masked_whatever_separates_their_digits(text, expected):
    assert mask_card_numbers(text) == expected


@pytest.mark.parametrize("text", [
    "send 1.500,00 € on 2026-12-04",
    "from 01/12/2026 to 31/12/2026",
    "call +33 6 11 22 33 44 or +86 138 0013 8000",  # phone numbers, even of 13 digits
    "customer 100001, code 412.612, 12 345,67 €",
])
def test_amounts_dates_and_phone_numbers_are_not_card_numbers(text):
    assert mask_card_numbers(text) == text


@pytest.mark.parametrize("typed", ["412.612", "412 612", "4-1-2-6-1-2", "412/612", "412,612", "4 1 2 . 6 1 2",
                                   "the code is 412 - 612!"])
def test_a_code_answer_keeps_no_digit_whatever_separates_them(typed):
    masked = mask_codes(typed)
    assert not re.search(r"\d", masked) and masked.count("•") == 6


def test_amounts_and_dates_are_kept_outside_a_code_question():
    events = events_of_a_verification("412.612")
    events[-1] = {"event": "user", "text": "send 1.500,00 € on 2026-12-04",
                  "parse_data": {"text": "send 1.500,00 € on 2026-12-04", "entities": []}}
    redacted = redact_all(events)
    assert redacted[4]["text"] == "••••••" and redacted[4]["parse_data"]["text"] == "••••••"
    assert redacted[-1]["text"] == "send 1.500,00 € on 2026-12-04"


def test_a_code_typed_with_separators_is_masked_in_text_parse_data_and_entities():
    events = events_of_a_verification("it's 4-1-2-6-1-2")
    events[4]["parse_data"]["entities"] = [{"entity": "amount", "value": "4-1-2-6-1-2", "start": 5, "end": 16}]
    redacted = redact_all(events)
    answer = redacted[4]
    assert answer["text"] == "it's ••••••" and answer["parse_data"]["text"] == "it's ••••••"
    assert answer["parse_data"]["entities"][0]["value"] == "••••••"
    assert answer["parse_data"]["entities"][0]["start"] == 5  # numbers that are not text are left alone


def test_card_numbers_are_masked_in_a_replys_buttons_custom_json_and_metadata():
    card = "4970.1012.3456.7891"
    bot = {"event": "bot", "text": f"I couldn't find {card} among your payees.",
           "data": {"buttons": [{"title": f"Pay {card}", "payload": f"/pay{{\"to\": \"{card}\"}}"}],
                    "quick_replies": [{"title": card, "payload": card}], "custom": {"card": [card]}},
           "metadata": {"payee": card, "utter_action": "utter_payee_unknown"}}
    redacted = redact_all([bot])[0]
    assert "1012" not in json.dumps(redacted) and "7891" in json.dumps(redacted)
    assert redacted["metadata"] == {"payee": "•••• 7891", "utter_action": "utter_payee_unknown"}
    assert bot["metadata"]["payee"] == card  # the input is left as it was


def test_card_numbers_are_masked_in_slot_values_of_any_shape():
    card = "4970.1012.3456.7891"
    events = [
        {"event": "slot", "name": "transfer_payee", "value": card},
        {"event": "slot", "name": "transfer_draft",
         "value": json.dumps({"transfer": {"payee_phone": "4970101234567891"}, "payee_name": card})},
        {"event": "slot", "name": "anything", "value": {"cards": [card, 42], card[:4]: None}},
        {"event": "slot", "name": "transfer_amount", "value": "1500.00 EUR"},
    ]
    redacted = redact_all(events)
    assert "1012" not in json.dumps(redacted)
    assert redacted[0]["value"] == "•••• 7891"
    assert json.loads(redacted[1]["value"])["transfer"]["payee_phone"] == "•••• 7891"
    assert redacted[2]["value"] == {"cards": ["•••• 7891", 42], "4970": None}
    assert redacted[3] is events[3]


def test_the_digits_of_a_code_answer_are_masked_where_the_turn_repeats_them():
    events = [
        {"event": "slot", "name": "requested_slot", "value": "transfer_code"},
        {"event": "user", "text": "412.612", "parse_data": {"text": "412.612"}},
        {"event": "slot", "name": "period", "value": "412612"},
        {"event": "bot", "text": "Sorry, 412 612 is not a date", "metadata": {"period": "412-612"}},
        {"event": "slot", "name": "requested_slot", "value": None},
        {"event": "user", "text": "412612 again"},
        {"event": "bot", "text": "412612?"},
    ]
    redacted = redact_all(events)
    assert "412" not in json.dumps(redacted[:5])
    assert redacted[5]["text"] == "412612 again" and redacted[6]["text"] == "412612?"  # no code asked any more


async def test_the_store_keeps_no_code_or_card_typed_with_dots(tmp_path):
    domain = Domain.from_yaml(
        "version: '3.1'\nslots:\n  transfer_code:\n    type: text\n    mappings: [{type: custom}]\n"
        "  transfer_payee:\n    type: text\n    mappings: [{type: custom}]\n"
        "  requested_slot:\n    type: any\n    mappings: [{type: custom}]\n"
    )
    store = RedactingSQLTrackerStore(domain=domain, dialect="sqlite", db=str(tmp_path / "tracker.db"))
    tracker = DialogueStateTracker.from_events("customer", [
        SlotSet("requested_slot", "transfer_payee"),
        UserUttered("4970.1012.3456.7891"),
        SlotSet("transfer_payee", "4970.1012.3456.7891"),
        BotUttered("I couldn't find 4970.1012.3456.7891", metadata={"payee": "4970.1012.3456.7891"}),
        SlotSet("requested_slot", "transfer_code"),
        UserUttered("412.612"),
        SlotSet("transfer_code", "412612"),
        ActiveLoop(None),
    ], slots=domain.slots)
    await store.save(tracker)

    rows = [json.loads(row[0]) for row in sqlite3.connect(tmp_path / "tracker.db").execute("select data from events")]
    texts = " ".join(strings_in(rows))  # what was typed or said: not the timestamps, whose digits are anyone's
    assert "412" not in texts and "612" not in texts and "1012" not in texts and "3456" not in texts
    assert "•••• 7891" in texts


def strings_in(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings_in(item)
