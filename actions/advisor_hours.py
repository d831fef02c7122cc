"""When the advisors who answer the chat are at work: the customer line's hours the bank publishes (bank_facts.yml,
`customer_line_weekdays` Monday to Friday, `customer_line_saturday`; closed on Sunday), Paris time. A customer who
asks for a person outside them is told when the advisors are back (actions/conversation.py), rather than only "an
answer within 30 minutes during opening hours" on a Sunday. Public holidays are not kept (as in the core bank)."""
from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any, Dict, Optional, Tuple

from actions.bank_day import BANK_ZONE

WEEKDAYS, SATURDAY = "customer_line_weekdays", "customer_line_saturday"


def _hours(value: Any) -> Optional[Tuple[time, time]]:
    """"08:00-20:00" -> (08:00, 20:00); None when it is not hours."""
    try:
        start, end = (time.fromisoformat(part.strip()) for part in str(value).split("-"))
    except (AttributeError, ValueError):
        return None
    return (start, end) if start < end else None


def back_at(now: datetime, facts: Dict[str, Any]) -> Optional[datetime]:
    """None while the advisors are at work at `now` (aware), or when the hours are unknown; else when they are next
    (aware, Paris time)."""
    weekdays, saturday = _hours(_value(facts.get(WEEKDAYS))), _hours(_value(facts.get(SATURDAY)))
    if weekdays is None:
        return None
    here = now.astimezone(BANK_ZONE)
    for ahead in range(8):
        day = here.date() + timedelta(days=ahead)
        hours = weekdays if day.weekday() < 5 else saturday if day.weekday() == 5 else None
        if hours is None:
            continue
        opens = datetime.combine(day, hours[0], tzinfo=BANK_ZONE)
        closes = datetime.combine(day, hours[1], tzinfo=BANK_ZONE)
        if ahead == 0 and opens <= here < closes:
            return None
        if here < opens:
            return opens
    return None


def _value(fact: Any) -> Any:
    """A fact as the core bank publishes it (its `value`, as an object or a dictionary), or a bare value."""
    if isinstance(fact, dict):
        return fact.get("value")
    return getattr(fact, "value", fact)
