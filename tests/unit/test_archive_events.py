"""What the event broker archives, and that no code or card number gets through."""
from __future__ import annotations

import asyncio
from datetime import datetime, timezone

from sqlalchemy import text

from bot.archive.agent_actions import agent_entry
from bot.archive.broker import ArchiveEventBroker
from bot.archive.events import EventTranslator, describe_bot_message
from bot.archive.store import ArchiveStore
from bot.archive.verify import verify
from bot.archive.writer import ArchiveWriter
from tests.unit.test_archive_support import sqlite_store  # noqa: F401 (fixture)

TS = datetime(2026, 2, 1, 10, 0, tzinfo=timezone.utc).timestamp()


def user(text: str, channel: str = "messenger", sender: str = "psid-1") -> dict:
    return {"sender_id": sender, "event": "user", "timestamp": TS, "text": text, "input_channel": channel}


def bot(text: str = "", sender: str = "psid-1", **data) -> dict:
    event = {"sender_id": sender, "event": "bot", "timestamp": TS + 1, "text": text, "data": data}
    return event


def slot(name: str, value, sender: str = "psid-1") -> dict:
    return {"sender_id": sender, "event": "slot", "timestamp": TS, "name": name, "value": value}


def test_user_and_bot_messages_become_inbound_and_outbound_rows_of_the_users_channel() -> None:
    translator = EventTranslator()

    inbound = translator.entry(user("what's my balance?", channel="socketio", sender="web-7"))
    outbound = translator.entry(bot("Your balance is €1,250.00", sender="web-7"))

    assert (inbound.direction, inbound.channel, inbound.conversation_id, inbound.text) == (
        "inbound", "socketio", "web-7", "what's my balance?")
    assert inbound.at == datetime(2026, 2, 1, 10, 0, tzinfo=timezone.utc)
    assert (outbound.direction, outbound.channel, outbound.text) == ("outbound", "socketio", "Your balance is €1,250.00")


def test_a_code_typed_while_one_is_asked_for_is_masked_and_a_card_number_always() -> None:
    translator = EventTranslator()
    translator.entry(slot("requested_slot", "otp_code"))

    typed_code = translator.entry(user("482 913"))
    translator.entry({"sender_id": "psid-1", "event": "active_loop", "name": None})
    translator.entry(slot("requested_slot", None))
    later = translator.entry(user("block card 4970101234567890 and send 482913 to me"))

    assert typed_code.text == "••••••"
    assert later.text == "block card •••• 7890 and send 482913 to me"  # a 6-digit number outside a code question stays


def test_a_code_and_a_card_typed_with_dots_are_masked() -> None:
    translator = EventTranslator()
    translator.entry(slot("requested_slot", "transfer_code"))
    typed_code = translator.entry(user("412.612"))
    translator.entry(slot("requested_slot", None))
    card = translator.entry(user("my card 4970.1012.3456.7891, on 2026-12-04, 1.500,00 €"))
    reply = translator.entry(bot("", quick_replies=[{"title": "4970.1012.3456.7891", "payload": "4970/1012/3456/7891"}]))

    assert typed_code.text == "••••••"
    assert card.text == "my card •••• 7891, on 2026-12-04, 1.500,00 €"
    assert reply.text == "[quick replies: •••• 7891]"


def test_buttons_quick_replies_carousels_and_custom_json_are_described() -> None:
    described = describe_bot_message(bot(
        "Which account?", buttons=[{"title": "Current", "payload": "/a"}, {"title": "Savings", "payload": "/b"}],
        quick_replies=[{"title": "Cancel", "payload": "/cancel"}],
        elements=[{"title": "Visa debit"}, {"title": "Mastercard"}], custom={"card": "4970101234567890"},
    ))

    assert described.splitlines() == [
        "Which account?", "[buttons: Current | Savings]", "[quick replies: Cancel]",
        "[carousel of 2: Visa debit | Mastercard]", '[custom: {"card": "•••• 7890"}]',
    ]


def test_pause_resume_code_and_verification_are_system_rows_naming_the_challenge() -> None:
    translator = EventTranslator()
    translator.entry(user("hi"))
    code_sent = translator.entry(slot("otp_challenge", "ch_123"))

    verified = translator.entry(slot("identity", "verified"))
    paused = translator.entry({"sender_id": "psid-1", "event": "pause", "timestamp": TS})
    agent_said = translator.entry({"sender_id": "psid-1", "event": "bot", "timestamp": TS, "text": "Hello, Anna here",
                                   "metadata": {"agent": "anna"}})

    assert (code_sent.direction, code_sent.kind, code_sent.reference) == ("system", "code_sent", "ch_123")
    assert (verified.direction, verified.kind, verified.reference, verified.channel) == (
        "system", "verified", "ch_123", "messenger")
    assert (paused.direction, paused.kind) == ("system", "paused")
    assert (agent_said.direction, agent_said.kind, agent_said.agent) == ("outbound", "agent_message", "anna")
    assert translator.entry(slot("pending_request", "check_balance")) is None
    assert translator.entry({"sender_id": "psid-1", "event": "action", "name": "action_listen"}) is None


def test_agent_actions_are_masked_and_name_the_agent_and_handoff() -> None:
    entry = agent_entry(12, "psid-1", "messenger", "anna", "reply", "your code 123456, card 4970 1012 3456 7890",
                        datetime(2026, 2, 1, tzinfo=timezone.utc))

    assert (entry.direction, entry.kind, entry.agent, entry.reference) == ("agent", "reply", "anna", "handoff:12")
    assert entry.text == "your code ••••••, card •••• 7890"


def test_the_broker_archives_published_events_in_order_through_its_writer(sqlite_store: ArchiveStore) -> None:  # noqa: F811
    broker = ArchiveEventBroker(ArchiveWriter(sqlite_store.append))
    for n in range(30):
        broker.publish(user(f"question {n}"))
        broker.publish(bot(f"answer {n}"))
    broker.publish({"sender_id": "psid-1", "event": "action", "name": "action_listen"})
    asyncio.run(broker.close())

    with sqlite_store.reader.connect() as connection:
        rows = connection.execute(text("SELECT direction, text FROM archive_entries ORDER BY seq")).all()
    expected = [row for n in range(30) for row in (("inbound", f"question {n}"), ("outbound", f"answer {n}"))]
    assert [tuple(row) for row in rows] == expected
    assert verify(sqlite_store).intact
