"""When the chat's advisors are next at work (actions/advisor_hours.py): fixed moments, never the clock."""
from datetime import datetime, timezone

import pytest

from actions.advisor_hours import back_at
from actions.bank_day import BANK_ZONE

FACTS = {"customer_line_weekdays": {"kind": "hours", "value": "08:00-20:00"},
         "customer_line_saturday": {"kind": "hours", "value": "09:00-17:00"}}


def paris(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=BANK_ZONE)  # December 2026: the 7th is a Monday


@pytest.mark.parametrize("now, back", [
    (paris(7, 10), None),                 # Monday morning: at work
    (paris(7, 19, 59), None),
    (paris(7, 20), paris(8, 8)),          # Monday evening: Tuesday 08:00
    (paris(8, 6, 30), paris(8, 8)),       # Tuesday before opening: the same day
    (paris(11, 21), paris(12, 9)),        # Friday night: Saturday 09:00
    (paris(12, 12), None),                # Saturday noon
    (paris(12, 17, 30), paris(14, 8)),    # Saturday after closing: Monday, never Sunday
    (paris(13, 15), paris(14, 8)),        # Sunday
])
def test_when_the_advisors_are_back(now, back):
    assert back_at(now, FACTS) == back


def test_a_utc_moment_is_read_in_paris_time():
    assert back_at(datetime(2026, 12, 7, 19, 30, tzinfo=timezone.utc), FACTS) == paris(8, 8)  # 20:30 in Paris


def test_unknown_hours_say_nothing():
    assert back_at(paris(13, 15), {}) is None
    assert back_at(paris(13, 15), {"customer_line_weekdays": {"value": "soon"}}) is None
    assert back_at(paris(13, 15), {"customer_line_weekdays": {"value": "08:00-20:00"}}) == paris(14, 8)  # no Saturday
