"""Periods as customers say them ("last week", "in October") turned into dates, for transaction filters."""
from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Optional

_MONTHS = {name.lower(): number for number, name in enumerate(calendar.month_name) if name}
_MONTHS.update({name.lower(): number for number, name in enumerate(calendar.month_abbr) if name})
_MONTHS.update({"sept": 9})
_NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "ten": 10, "thirty": 30}


@dataclass(frozen=True)
class Period:
    since: date
    until: date  # inclusive

    def contains(self, day: date) -> bool:
        return self.since <= day <= self.until


def parse_period(text: str, today: date) -> Optional[Period]:
    """The period named in `text`, relative to `today`; None when it names none."""
    words = (text or "").lower()
    if re.search(r"\btoday\b", words):
        return Period(today, today)
    if re.search(r"\byesterday\b", words):
        return Period(today - timedelta(days=1), today - timedelta(days=1))
    week_start = today - timedelta(days=today.weekday())
    if re.search(r"\b(this|current) week\b", words):
        return Period(week_start, today)
    if re.search(r"\b(last|past|previous) week\b", words):
        return Period(week_start - timedelta(days=7), week_start - timedelta(days=1))
    month_start = today.replace(day=1)
    if re.search(r"\b(this|current) month\b", words):
        return Period(month_start, today)
    if re.search(r"\b(last|past|previous) month\b", words):
        last_month_end = month_start - timedelta(days=1)
        return Period(last_month_end.replace(day=1), last_month_end)
    if re.search(r"\b(this|current) year\b", words):
        return Period(today.replace(month=1, day=1), today)
    recent = re.search(r"\b(?:last|past)\s+(\d+|[a-z]+)\s+(days?|weeks?)\b", words)
    if recent:
        count = int(recent.group(1)) if recent.group(1).isdigit() else _NUMBER_WORDS.get(recent.group(1))
        if count:
            days = count * (7 if recent.group(2).startswith("week") else 1)
            return Period(today - timedelta(days=days - 1), today)
    for token in re.findall(r"[a-z]+", words):
        if token == "may" and not re.search(r"\bin may\b", words):
            continue  # "may I see ..." names no month
        if token in _MONTHS:
            return _month(_MONTHS[token], words, today)
    return None


def _month(month: int, words: str, today: date) -> Period:
    year_match = re.search(r"\b(20\d\d)\b", words)
    year = int(year_match.group(1)) if year_match else (today.year if month <= today.month else today.year - 1)
    last_day = calendar.monthrange(year, month)[1]
    until = min(date(year, month, last_day), today)
    return Period(date(year, month, 1), until)
