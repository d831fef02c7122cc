"""Calendar days in a customer's time zone, and the UTC moments the bank's times are stored in.

A period is a run of whole days, both ends included, read in a time zone (an IANA name such as
"Europe/Paris"; "UTC" when none is given): November in Paris begins at 2026-10-31T23:00:00+00:00.
Months are calendar months; a day of the month that a shorter month lacks is its last day.
"""
from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

UTC_NAME = "UTC"


def time_zone(name: str) -> tzinfo:
    """The zone of an IANA name the contract accepted (contract.spending.TimeZoneName)."""
    return timezone.utc if name == UTC_NAME else ZoneInfo(name)


def local_day(moment: datetime, zone: tzinfo) -> date:
    """The calendar day `moment` falls on in `zone`."""
    return moment.astimezone(zone).date()


def start_of_day(day: date, zone: tzinfo) -> datetime:
    """The first moment of `day` in `zone`, in UTC."""
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(timezone.utc)


@dataclass(frozen=True)
class Days:
    """The days from `since` to `until`, both included."""

    since: date
    until: date

    def __post_init__(self) -> None:
        if self.since > self.until:
            raise ValueError("a period ends on or after its first day")

    @property
    def length(self) -> int:
        return (self.until - self.since).days + 1

    def bounds(self, zone: tzinfo) -> tuple[datetime, datetime]:
        """[start, end) in UTC: from the first moment of `since` to the first moment after `until`, in `zone`."""
        return start_of_day(self.since, zone), start_of_day(self.until + timedelta(days=1), zone)

    def before(self) -> "Days":
        """The as many days just before."""
        return Days(self.since - timedelta(days=self.length), self.since - timedelta(days=1))


def month_end(first_day: date) -> date:
    return first_day.replace(day=calendar.monthrange(first_day.year, first_day.month)[1])


def add_months(day: date, months: int, on_day: int = 0) -> date:
    """`day` moved by `months` calendar months, on day `on_day` of that month (default: `day`'s), or its last day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(on_day or day.day, last))
