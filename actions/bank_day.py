"""The bank's calendar, as every action reads it: the bank's own day (Paris, as its working days and its advisors'
hours), from which "today", "last week" and "in October" are counted, and on which a payment is shown; the core
bank is asked to count the same days (`time_zone=BANK_TIMEZONE` on every query with days)."""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.clock import utc_now
from bot.core_bank.contract.appointments import BANK_TIMEZONE

BANK_ZONE = ZoneInfo(BANK_TIMEZONE)

__all__ = ["BANK_TIMEZONE", "BANK_ZONE", "day_of", "today"]


def today() -> date:
    """The bank's day now."""
    return utc_now().astimezone(BANK_ZONE).date()


def day_of(moment: datetime) -> date:
    """The bank's day at `moment` (aware): a payment booked at 23:30 UTC on 30 November is one of 1 December."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime")
    return moment.astimezone(BANK_ZONE).date()
