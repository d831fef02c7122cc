"""The bank's own time zone: its working days and its advisors' hours are Paris ones (times are stored UTC)."""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.core_bank.contract.appointments import BANK_TIMEZONE

BANK_ZONE = ZoneInfo(BANK_TIMEZONE)


def bank_day(moment: datetime) -> date:
    """The day it is in Paris at `moment` (aware)."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime")
    return moment.astimezone(BANK_ZONE).date()
