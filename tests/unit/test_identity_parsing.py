import pytest
from rasa_sdk import Tracker

from actions.banking import ChannelUser
from actions.identity import channel_user, parse_code, parse_identifier, requester


@pytest.mark.parametrize("typed, expected", [
    ("100001", {"customer_number": "100001"}),
    ("my customer number is 100 002", {"customer_number": "100002"}),
    ("+33612345678", {"phone": "+33612345678"}),
    ("+33 6 12 34 56 78", {"phone": "+33612345678"}),
    ("06 12 34 56 78", {"phone": "0612345678"}),
    ("my phone is 06.98.76.54.32", {"phone": "0698765432"}),
    ("hello?", {}),
    ("12345", {}),
    ("", {}),
])
def test_customer_numbers_and_phones_are_told_apart(typed, expected):
    assert parse_identifier(typed) == expected


@pytest.mark.parametrize("typed, expected", [
    ("482913", "482913"),
    ("the code is 482 913", "482913"),
    ("code: 059321", "059321"),
    ("48291", None),
    ("4829133", None),
    ("/affirm", None),
    ("48 29 13", "482913"),
    ("mon code : 482-913 merci", "482913"),
    # sentences with numbers are not a code (all their digits together made 6: one of the bank's attempts lost)
    ("I'd like 25000 over 5 years", None),
    ("combien me coûterait un prêt auto de 10 000 € sur 4 ans", None),
    ("send 482913 € to Tom", None),
    ("prêt de 150000 euros", None),
    ("transfer 250 000 CHF", None),
    ("12 then 3456", None),
])
def test_a_code_is_six_digits(typed, expected):
    assert parse_code(typed) == expected


@pytest.mark.parametrize("input_channel, expected_channel, linkable", [
    ("messenger", "messenger", True),
    ("socketio", "socketio", False),
    (None, "unknown", False),
    ("Odd Channel!", "unknown", False),
])
def test_the_requester_is_who_writes_in_any_channel_and_only_messenger_users_are_linked(
    input_channel, expected_channel, linkable
):
    events = [{"event": "user", "text": "100001", "input_channel": input_channel}]
    tracker = Tracker("sender-7", {}, {}, events, False, None, None, None)

    assert requester(tracker) == ChannelUser(expected_channel, "sender-7")
    assert channel_user(tracker) == (ChannelUser("messenger", "sender-7") if linkable else None)
