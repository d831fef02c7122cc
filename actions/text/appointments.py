"""What a customer's words say about an appointment (its topic, how to meet, which day), in English or
French, which of the times offered a typed answer names, and how its times are written: in the conversation's
language and locale, in the bank's time zone (Europe/Paris), always said so. Accents are optional in what customers
type.
"""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any, List, Optional, Sequence
from zoneinfo import ZoneInfo

from babel.dates import format_datetime

from actions.text.locale import Presentation
from actions.text.numbers import fold
from bot.core_bank.contract.appointments import BANK_TIMEZONE

BANK_ZONE = ZoneInfo(BANK_TIMEZONE)

_TOPICS = {
    "mortgage": re.compile(
        r"\bmortgages?\b|\bhome loan|\bhouse loan|\bbuy(?:ing)? (?:a |my |our )?(?:home|house|flat|apartment)"
        r"|\bcredit immo|\bpret immo|\bimmobilier\b|\bachat (?:d'un|d'une|de notre|de ma|de mon) "
        r"(?:maison|appartement|logement)|\bacheter (?:une maison|un appartement|un logement)"
    ),
    "loan": re.compile(r"\bloans?\b|\bborrow|\bcredit\b|\bpret\b|\bprets\b|\bemprunt|\bfinanc"),
    "savings": re.compile(r"\bsavings?\b|\bsave\b|\binvest|\bepargne|\blivret|\bplacement|\bassurance.vie"),
    "account": re.compile(r"\baccounts?\b|\bcompte\b|\bcomptes\b"),
}
_OTHER = re.compile(r"\bother\b|\bsomething else\b|\bautre\b|\bautre chose\b")

_CHANNELS = {
    "video": re.compile(r"\bvideo|\bvisio|\bzoom\b|\bteams\b|\bwebcam\b|\ben ligne\b|\bonline\b"),
    "phone": re.compile(r"\bphone|\bcall\b|\bcalls\b|\bring\b|\btelephon|\bappel\b|\bappelle|\bappeler\b"),
    "branch": re.compile(
        r"\bbranch|\bin person\b|\bface to face\b|\bagence|\ben personne\b|\bface a face\b|\bsur place\b"
        r"|\ben vrai\b|\bpasser vous voir\b|\bcome (?:in|by|to the)"
    ),
}

# ISO weekdays (1 Monday … 5 Friday), then "next week".
_WEEKDAYS = {
    1: re.compile(r"\bmonday\b|\blundi\b"),
    2: re.compile(r"\btuesday\b|\bmardi\b"),
    3: re.compile(r"\bwednesday\b|\bmercredi\b"),
    4: re.compile(r"\bthursday\b|\bjeudi\b"),
    5: re.compile(r"\bfriday\b|\bvendredi\b"),
}
_NEXT_WEEK = re.compile(r"\bnext week\b|\bsemaine prochaine\b|\bla semaine d'apres\b")
NEXT_WEEK = "next_week"
_TIME = re.compile(r"\b([01]?\d|2[0-3])\s*(?:[:h.]\s*([0-5]\d))?\s*(?:h\b)?")


def topic_of(text: Optional[str]) -> Optional[str]:
    """mortgage | loan | savings | account | other when `text` names one topic ("about a mortgage",
    "pour un crédit immobilier": the mortgage, not a loan); None otherwise."""
    folded = fold(text)
    named = [topic for topic, pattern in _TOPICS.items() if pattern.search(folded)]
    if "mortgage" in named:
        return "mortgage"
    if len(named) == 1:
        return named[0]
    if not named and _OTHER.search(folded):
        return "other"
    return None


def channel_of(text: Optional[str]) -> Optional[str]:
    """branch | phone | video when `text` names one way of meeting ("a video call" is video); None otherwise."""
    folded = fold(text)
    named = [channel for channel, pattern in _CHANNELS.items() if pattern.search(folded)]
    if "video" in named:
        return "video"
    return named[0] if len(named) == 1 else None


def when_of(text: Optional[str]) -> Optional[str]:
    """The day a customer asks for: an ISO weekday ("4" for "jeudi"), "next_week", or None."""
    folded = fold(text)
    days = [str(day) for day, pattern in _WEEKDAYS.items() if pattern.search(folded)]
    if len(days) == 1:
        return days[0]
    if _NEXT_WEEK.search(folded):
        return NEXT_WEEK
    return None


def fits(starts_at: datetime, when: Optional[str], today: date) -> bool:
    """Whether a slot starting `starts_at` is on the day the customer asked for (`when_of`)."""
    local = starts_at.astimezone(BANK_ZONE).date()
    if when == NEXT_WEEK:
        monday = today - timedelta(days=today.weekday()) + timedelta(days=7)
        return monday <= local < monday + timedelta(days=7)
    if when and when.isdigit():
        return local.isoweekday() == int(when)
    return True


def short_time(shown_as: Presentation, starts_at: datetime) -> str:
    """A quick reply's title, Paris time: "Tue 8 Dec, 09:30" (en), "mar. 8 déc., 09:30" (fr); 20 characters
    at most."""
    return format_datetime(
        starts_at.astimezone(BANK_ZONE), shown_as.text("appointment.short_format"), tzinfo=BANK_ZONE,
        locale=shown_as.date_locale,
    )


def long_time(shown_as: Presentation, starts_at: datetime) -> str:
    """ "Tuesday 8 December 2026 at 09:30 (Paris time)", "mardi 8 décembre 2026 à 09:30 (heure de Paris)"."""
    moment = format_datetime(
        starts_at.astimezone(BANK_ZONE), shown_as.text("appointment.long_format"), tzinfo=BANK_ZONE,
        locale=shown_as.date_locale,
    )
    return shown_as.text("appointment.paris_time", moment=moment)


def typed_choice(shown_as: Presentation, text: str, offered: Sequence[Any]) -> List[Any]:
    """The offered items (free slots or appointments, each with its `starts_at`) a typed answer names: by its quick
    reply's title (`short_time`), else by a time ("10:30", "14h"), on the weekday it names when it names one
    ("jeudi 10h30")."""
    folded = fold(text).strip()
    named = [item for item in offered if fold(short_time(shown_as, item.starts_at)).strip() == folded]
    if named:
        return named
    match = _TIME.search(folded)
    if match is None:
        return []
    wanted = (int(match.group(1)), int(match.group(2) or 0))
    local = [(item, item.starts_at.astimezone(BANK_ZONE)) for item in offered]
    at_time = [(item, moment) for item, moment in local if (moment.hour, moment.minute) == wanted]
    weekday = when_of(text)
    if len(at_time) > 1 and weekday and weekday.isdigit():
        at_time = [(item, moment) for item, moment in at_time if moment.isoweekday() == int(weekday)]
    return [item for item, _ in at_time]
