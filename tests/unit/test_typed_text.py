import pytest

from bot.channels.typed_text import as_typed_text


@pytest.mark.parametrize("typed, expected", [
    ("/affirm", "affirm"),
    ('/check_balance{"customer":"100002"}', 'check_balance{"customer":"100002"}'),
    ("  //greet ", "greet"),
    ("/ /inform", "inform"),
    ("what's my balance?", "what's my balance?"),
    ("50/50 split", "50/50 split"),
])
def test_typed_text_never_starts_with_a_command_prefix(typed, expected):
    assert as_typed_text(typed) == expected
