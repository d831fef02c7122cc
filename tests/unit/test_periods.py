from datetime import date

import pytest

from actions.text.periods import Period, parse_period

TODAY = date(2026, 11, 18)  # a Wednesday


@pytest.mark.parametrize("typed, expected", [
    ("today", Period(date(2026, 11, 18), date(2026, 11, 18))),
    ("what did I spend yesterday", Period(date(2026, 11, 17), date(2026, 11, 17))),
    ("this week", Period(date(2026, 11, 16), date(2026, 11, 18))),
    ("last week", Period(date(2026, 11, 9), date(2026, 11, 15))),
    ("this month", Period(date(2026, 11, 1), date(2026, 11, 18))),
    ("payments last month", Period(date(2026, 10, 1), date(2026, 10, 31))),
    ("in October", Period(date(2026, 10, 1), date(2026, 10, 31))),
    ("in december", Period(date(2025, 12, 1), date(2025, 12, 31))),  # the last December that has begun
    ("in May 2026", Period(date(2026, 5, 1), date(2026, 5, 31))),
    ("november", Period(date(2026, 11, 1), date(2026, 11, 18))),
    ("last 7 days", Period(date(2026, 11, 12), date(2026, 11, 18))),
    ("past two weeks", Period(date(2026, 11, 5), date(2026, 11, 18))),
])
def test_periods(typed, expected):
    assert parse_period(typed, TODAY) == expected


@pytest.mark.parametrize("typed", ["", "show my transactions", "may I see my payments"])
def test_no_period(typed):
    assert parse_period(typed, TODAY) is None
