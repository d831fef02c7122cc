"""Masking and reading a conversation's events for staff."""
import pytest

from actions.conversation import handoff_reason
from bot.handoff.conversation import last_customer_message_at, last_customer_text, transcript_lines
from bot.privacy.masking import mask_sensitive


@pytest.mark.parametrize("text, masked", [
    ("482913", "••••••"),
    ("the code is 482913.", "the code is ••••••."),
    ("card 4970101234567890 lost", "card •••• 7890 lost"),
    ("4970 1012 3456 7890", "•••• 7890"),
    ("4970-1012-3456-7890-123", "•••• 0123"),
    ("1234567890123", "•••• 0123"),  # 13 digits
    ("customer 100001", "customer ••••••"),  # any 6 digits: a customer number is masked too
    ("my code 412.612", "my code ••••••"),
    ("412 612", "••••••"),
    ("4-1-2-6-1-2 ok", "•••••• ok"),
    ("card 4970.1012.3456.7891", "card •••• 7891"),
    ("card 4970/1012/3456/7891", "card •••• 7891"),
    ("1.500,00 € on 2026-12-04", "1.500,00 € on 2026-12-04"),  # an amount and a date are not codes
    ("12345", "12345"),
    ("1234567", "1234567"),
    ("+33612345678", "+33612345678"),  # 11 digits: a phone number is neither
    ("send 20€ to Tom", "send 20€ to Tom"),
])
def test_masking(text, masked):
    assert mask_sensitive(text) == masked


def user(text, intent="greet", at=1_700_000_000.0):
    return {"event": "user", "text": text, "timestamp": at, "parse_data": {"intent": {"name": intent}}}


def bot(text, **metadata):
    return {"event": "bot", "text": text, "timestamp": 1_700_000_001.0, "metadata": metadata}


def slot(name, value):
    return {"event": "slot", "name": name, "value": value}


def test_texts_typed_while_a_code_is_asked_are_masked_whole():
    events = [
        user("balance please", "check_balance"),
        slot("requested_slot", "otp_code"),
        bot("Please type the 6-digit code"),
        user("it's 48 29 13 I think", "inform"),
        slot("requested_slot", None),
        user("and card 4970101234567890", "inform"),
        bot("Sure", agent="alice"),
    ]
    lines = [(line.who, line.text) for line in transcript_lines(events)]
    assert lines == [
        ("customer", "balance please"),
        ("bot", "Please type the 6-digit code"),
        ("customer", "••••••"),
        ("customer", "and card •••• 7890"),
        ("agent:alice", "Sure"),
    ]
    assert transcript_lines(events)[0].as_dict()["at"] == "2023-11-14T22:13:20+00:00"


def test_a_form_left_stops_masking():
    events = [slot("requested_slot", "transfer_code"), {"event": "active_loop", "name": None}, user("hello")]
    assert [line.text for line in transcript_lines(events)] == ["hello"]


def test_the_last_real_message_skips_button_payloads():
    events = [user("what is love", "nlu_fallback"), user("do you like pizza 123456", "out_of_scope"),
              user("/human_handoff", "human_handoff")]
    assert last_customer_text(events) == "do you like pizza ••••••"
    assert last_customer_text([user("/human_handoff", "human_handoff")]) == ""


def test_reason_is_not_understood_after_two_misses():
    misses = [user("a", "nlu_fallback"), user("b", "out_of_scope"), user("/human_handoff", "human_handoff")]
    assert handoff_reason(misses) == "not_understood"
    assert handoff_reason([user("a", "greet"), user("b", "out_of_scope"), user("talk to a human", "human_handoff")]) \
        == "customer_asked"
    assert handoff_reason([user("talk to a human", "human_handoff")]) == "customer_asked"


def test_when_the_customer_last_wrote():
    events = [user("a", at=1_700_000_000.0), bot("b"), user("c", at=1_700_000_100.0), bot("d")]
    assert last_customer_message_at(events).timestamp() == 1_700_000_100.0
    assert last_customer_message_at([bot("x")]) is None


def test_a_tapped_button_reads_as_what_the_customer_chose():
    from bot.handoff.conversation import tapped_label, transcript_lines

    assert tapped_label("/loan_inquiry") == "(tapped: loan inquiry)"
    assert tapped_label('/block_card{"card_kind": "debit"}') == "(tapped: block card)"
    assert tapped_label("/") == "(tapped a button)"
    lines = transcript_lines([user("/loan_inquiry", "loan_inquiry"), user("loans please", "loan_inquiry")])
    assert [line.text for line in lines] == ["(tapped: loan inquiry)", "loans please"]


def test_a_tapped_button_reads_as_the_title_the_customer_tapped():
    from bot.handoff.conversation import transcript_lines

    which = {"event": "bot", "text": "Which card?", "data": {"quick_replies": [
        {"title": "Debit •••• 4821", "payload": '/inform{"card_last4":"4821"}'},
        {"title": "Credit •••• 1234", "payload": '/inform{"card_last4":"1234"}'}]}}
    carousel = {"event": "bot", "text": None, "data": {"elements": [
        {"title": "Car loan", "buttons": [{"title": "Simulate", "payload": '/inform{"loan_type":"car"}'}]}]}}
    lines = transcript_lines([which, user('/inform{"card_last4":"1234"}', "inform"), carousel,
                              user('/inform{"loan_type":"car"}', "inform"), user("/affirm", "affirm")])
    assert [line.text for line in lines if line.who == "customer"] == [
        '(tapped: "Credit •••• 1234")', '(tapped: "Simulate")', "(tapped: affirm)"]


def test_an_advisors_line_carries_the_name_the_customer_read():
    named = {"event": "bot", "text": "Hello", "metadata": {"agent": "amelie", "agent_name": "Amélie Durand"}}
    unnamed = {"event": "bot", "text": "Hi", "metadata": {"agent": "bob"}}
    botline = {"event": "bot", "text": "Hey", "metadata": {"agent_name": "not an agent"}}
    assert [(line.who, line.name) for line in transcript_lines([named, unnamed, botline])] == [
        ("agent:amelie", "Amélie Durand"), ("agent:bob", None), ("bot", None)]
    assert transcript_lines([named])[0].as_dict()["name"] == "Amélie Durand"
