import pytest

from actions.identity import parse_code, parse_identifier


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
])
def test_a_code_is_six_digits(typed, expected):
    assert parse_code(typed) == expected
