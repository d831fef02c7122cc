"""What a customer's words say about an appointment (its topic, how to meet, which day), in English or
French, which of the times offered a typed answer names, and how its times are written: in the conversation's
language and locale, in the bank's time zone (Europe/Paris), always said so. Accents are optional in what customers
type.

A typed choice among the times offered (`slot_words`, then `typed_choice`): the quick reply's title as shown, or
what the words name, every part of it together: a weekday ("mardi", "tue", "mar."), a day of the month ("mardi 8",
"the 8th", "8 déc"), today or tomorrow, a time ("10h30", "10:30", "10.30", "à 14h", "2pm", "at 3"; an hour from 1
to 7 without am is the afternoon's), an advisor's first or last name ("celui avec Julien"), and a place in the list
("le deuxième", "the last one"; among those the other words leave: "the second one on Tuesday"). A message that is
only a number ("2") is a place in the list. Pure functions: the day "today" is means is given by the caller.

Hours asked for rather than a time chosen ("anything in the afternoon?", "plutôt le matin", "after 2pm", "avant
11h", "en fin de journée"): `slot_words(...).hours`, and `when_of` keeps them with the day ("4 hours=12:00-24:00" for
"jeudi après-midi"), so the times offered are those that fit (`fits`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, FrozenSet, List, Optional, Sequence, Tuple
from zoneinfo import ZoneInfo

from babel.dates import format_datetime

from actions.text.locale import Presentation
from actions.text.numbers import fold
from actions.text.periods import MONTHS
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
    """When a customer asks for: the day (an ISO weekday, "4" for "jeudi", or "next_week") and the hours
    ("hours=12:00-24:00" for "the afternoon"), space separated ("4 hours=12:00-24:00"); None when neither."""
    folded = fold(text)
    days = [str(day) for day, pattern in _WEEKDAYS.items() if pattern.search(folded)]
    parts = [days[0]] if len(days) == 1 else [NEXT_WEEK] if _NEXT_WEEK.search(folded) else []
    hours = hours_asked(text)
    if hours is not None:
        parts.append(f"{HOURS}{_clock(hours[0])}-{_clock(hours[1])}")
    return " ".join(parts) or None


# A day in the past ("last friday", "lundi dernier", "yesterday"): about something else than a time to come.
_PAST = re.compile(r"\blast\b|\byesterday\b|\bago\b|\bprevious\b|\bdernier|\bhier\b|\bpasse(?:e|s)?\b|\bprecedent")


def names_the_past(text: Optional[str]) -> bool:
    """Whether `text` speaks of a past day ("how much at Fnac last friday?", "mes opérations d'hier")."""
    return bool(_PAST.search(fold(text)))


def fits(starts_at: datetime, when: Optional[str], today: date) -> bool:
    """Whether a slot starting `starts_at` is on the day and within the hours the customer asked for (`when_of`)."""
    local = starts_at.astimezone(BANK_ZONE)
    minute = local.hour * 60 + local.minute
    for part in (when or "").split():
        if part == NEXT_WEEK:
            monday = today - timedelta(days=today.weekday()) + timedelta(days=7)
            if not monday <= local.date() < monday + timedelta(days=7):
                return False
        elif part.isdigit() and local.isoweekday() != int(part):
            return False
        elif part.startswith(HOURS):
            start, _, end = part[len(HOURS):].partition("-")
            if not _minutes(start) <= minute < _minutes(end):
                return False
    return True


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _minutes(clock: str) -> int:
    hour, _, minute = clock.partition(":")
    return int(hour) * 60 + int(minute or 0)


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


# --- a typed choice among the times offered ----------------------------------------------------------

_WEEKDAY_WORDS = {
    **{name: day for day, name in enumerate(
        ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"), 1)},
    **{name: day for day, name in enumerate(("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"), 1)},
    **{name: day for day, names in enumerate((("mon",), ("tue", "tues"), ("wed", "weds"), ("thu", "thur", "thurs"),
                                                ("fri",), ("sat",), ("sun",)), 1) for name in names},
    **{name: day for day, name in enumerate(("lun", "mar", "mer", "jeu", "ven", "sam", "dim"), 1)},
}
_WEEKDAY = r"(?P<weekday>" + "|".join(sorted(_WEEKDAY_WORDS, key=len, reverse=True)) + r")\b\.?"
# Months only beside a day number ("8 dec", "décembre 8"): "may" or "mars" alone say nothing. "mar" is Tuesday
# (the French titles' "mar.").
_MONTH_WORDS = {name: number for name, number in MONTHS.items() if name != "mar"}
_MONTH = r"(?P<month>" + "|".join(sorted(_MONTH_WORDS, key=len, reverse=True)) + r")\b\.?"
_DAY_NUMBER = r"(?P<day>[0-3]?\d)(?:er|st|nd|rd|th|eme|e)?\b"
_DAY_PATTERNS = (
    re.compile(_WEEKDAY + r"\s*(?:the\s+|le\s+)?" + _DAY_NUMBER),  # "mardi 8", "tue the 8th"
    re.compile(_DAY_NUMBER + r"\s*(?:of\s+)?" + _MONTH),  # "8 dec", "8th of December"
    re.compile(_MONTH + r"\s*" + _DAY_NUMBER),  # "dec 8"
    re.compile(r"\b(?:the|le)\s+" + _DAY_NUMBER),  # "le 8", "the 8th"
    re.compile(r"\b(?P<day>[0-3]?\d)(?:er|st|nd|rd|th)\b"),  # "8th", "1er"
)
_WEEKDAY_ALONE = re.compile(r"\b" + _WEEKDAY)
_RELATIVE_DAYS = {0: re.compile(r"\btoday\b|\baujourd'hui\b|\bce jour\b"),
                  1: re.compile(r"\btomorrow\b|\bdemain\b"),
                  2: re.compile(r"\bapres.demain\b|\bday after tomorrow\b")}
# Times: "10:30", "10h30", "10.30", "10 h 30", "2.30pm"; "14h", "10 heures"; "2pm"; "at 10", "à 14", "vers 15".
_CLOCK = re.compile(r"(?<![\d.,])(?P<hour>[01]?\d|2[0-3])\s*(?::|h|\.)\s*(?P<minute>[0-5]\d)(?!\d)\s*(?P<half>am|pm)?\b")
_HOUR_H = re.compile(r"(?<![\d.,])(?P<hour>[01]?\d|2[0-3])\s*(?:h|heures?)\b")
_HOUR_HALF = re.compile(r"(?<![\d.,])(?P<hour>1[0-2]|0?[1-9])\s*(?P<half>am|pm)\b")
_AT_HOUR = re.compile(r"\b(?:at|a|vers|around|about|for)\s+(?P<hour>[01]?\d|2[0-3])\b(?!\s*(?:st|nd|rd|th|er|e|eme)\b)")
_TIME_PATTERNS = (_CLOCK, _HOUR_H, _HOUR_HALF, _AT_HOUR)
_PLACES = {
    1: ("first", "premier", "premiere", "1st"), 2: ("second", "seconde", "deuxieme", "2nd", "2eme", "2e"),
    3: ("third", "troisieme", "3rd", "3eme", "3e"), 4: ("fourth", "quatrieme", "4th", "4eme", "4e"),
    5: ("fifth", "cinquieme", "5th", "5eme", "5e"), 6: ("sixth", "sixieme", "6th", "6eme", "6e"),
    7: ("seventh", "septieme", "7th", "7eme", "7e"), 8: ("eighth", "huitieme", "8th", "8eme", "8e"),
    -1: ("last", "dernier", "derniere"),
}
_PLACE_WORDS = {word: place for place, words in _PLACES.items() for word in words if not word[0].isdigit()}
_PLACE = re.compile(r"\b(?P<place>" + "|".join(sorted(_PLACE_WORDS, key=len, reverse=True)) + r")\b")
_DIGIT_PLACE = re.compile(r"^\s*(?:n(?:o|umber|umero|°)?\s*\.?\s*)?(?P<place>[1-9])\s*$")
_WORD = re.compile(r"[a-z]+(?:-[a-z]+)*")
AFTERNOON_FROM_1_TO = 7  # "at 3" in a bank's day is 15:00

# Hours asked for, Paris time, as minutes of the day [start, end): parts of the day, and times after or before one.
HOURS = "hours="
DAY_END = 24 * 60
_PARTS = (  # the evening before the afternoon: "end of the afternoon" is the evening
    ((17 * 60, DAY_END), re.compile(
        r"\bevening\b|\bsoir(?:ee)?\b|\bend of the (?:day|afternoon)\b|\bfin de (?:la )?(?:journee|apres.midi)\b"
        r"|\bafter work\b|\bapres (?:le |mon )?(?:travail|boulot)\b|\blate afternoon\b")),
    ((12 * 60, DAY_END), re.compile(r"\bafternoons?\b|\bapres.midi\b|\bafter (?:noon|lunch)\b|\bapres (?:le )?dejeuner\b")),
    ((0, 12 * 60), re.compile(r"\bmornings?\b|\bmatin(?:ee)?s?\b|\bbefore (?:noon|lunch)\b|\bavant (?:midi|le dejeuner)\b")),
)
_HOUR_WORDS = r"(?P<hour>[01]?\d|2[0-3])(?:\s*(?::|h|\.)\s*(?P<minute>[0-5]\d))?\s*(?:h\b|heures?\b)?\s*(?P<half>am|pm)?"
_NOT_A_DAY = r"(?!\d)(?!\s*(?:st|nd|rd|th|er|eme|e)\b)"  # "from the 8th", "dès le 1er" are days
_AFTER = re.compile(r"\b(?:after|from|later than|apres|a partir de|des|plus tard que)\s+" + _HOUR_WORDS + _NOT_A_DAY)
_BEFORE = re.compile(r"\b(?:before|until|till|earlier than|avant|jusqu'a|plus tot que)\s+" + _HOUR_WORDS + _NOT_A_DAY)


@dataclass(frozen=True)
class SlotWords:
    """What a typed choice says about the time it means; None: not said."""

    weekday: Optional[int] = None  # ISO, 1 Monday
    day: Optional[int] = None  # of the month
    month: Optional[int] = None
    days_ahead: Optional[int] = None  # 0 today, 1 tomorrow
    time: Optional[Tuple[int, int]] = None  # (hour, minute), Paris time
    place: Optional[int] = None  # 1 the first offered, -1 the last
    hours: Optional[Tuple[int, int]] = None  # asked for, [start, end) in minutes of the day: narrows, never chooses
    words: FrozenSet[str] = frozenset()  # the words, to find an advisor's name in

    @property
    def says_when(self) -> bool:
        return any(v is not None for v in (self.weekday, self.day, self.month, self.days_ahead, self.time))


def _blank(text: str, match: "re.Match[str]") -> str:
    """`text` with what `match` read replaced by spaces (so it is not read twice)."""
    return text[:match.start()] + " " * (match.end() - match.start()) + text[match.end():]


def _hour(hour: int, half: Optional[str]) -> int:
    if half == "pm" and hour < 12:
        return hour + 12
    if half == "am":
        return 0 if hour == 12 else hour
    return hour + 12 if 1 <= hour <= AFTERNOON_FROM_1_TO else hour


def slot_words(text: Optional[str]) -> SlotWords:
    """What a typed choice says (English or French, accents optional): see the module's docstring."""
    folded = fold(text)[:200]
    digit_place = _DIGIT_PLACE.match(folded)
    if digit_place:
        return SlotWords(place=int(digit_place["place"]))
    found: dict = {}
    folded, hours = _read_hours(folded)
    if hours is not None:
        found["hours"] = hours
    for pattern in _TIME_PATTERNS:
        match = pattern.search(folded)
        if match:
            minute = int(match.groupdict().get("minute") or 0)
            found["time"] = (_hour(int(match["hour"]), match.groupdict().get("half")), minute)
            folded = _blank(folded, match)
            break
    for pattern in _DAY_PATTERNS:
        match = pattern.search(folded)
        if match and 1 <= int(match["day"]) <= 31:
            found["day"] = int(match["day"])
            if match.groupdict().get("month"):
                found["month"] = _MONTH_WORDS[match["month"]]
            if match.groupdict().get("weekday"):
                found["weekday"] = _WEEKDAY_WORDS[match["weekday"]]
            folded = _blank(folded, match)
            break
    if "weekday" not in found:
        match = _WEEKDAY_ALONE.search(folded)
        if match:
            found["weekday"] = _WEEKDAY_WORDS[match["weekday"]]
            folded = _blank(folded, match)
    for ahead in sorted(_RELATIVE_DAYS, reverse=True):  # "après-demain" before "demain"
        match = _RELATIVE_DAYS[ahead].search(folded)
        if match:
            found["days_ahead"] = ahead
            folded = _blank(folded, match)
            break
    place = _PLACE.search(folded)
    if place:
        found["place"] = _PLACE_WORDS[place["place"]]
    return SlotWords(**found, words=frozenset(_WORD.findall(folded)))


def _read_hours(folded: str) -> Tuple[str, Optional[Tuple[int, int]]]:
    """The hours a folded text asks for, and the text without the words that said them."""
    for pattern, bound in ((_AFTER, "after"), (_BEFORE, "before")):
        match = pattern.search(folded)
        if match:
            at = _hour(int(match["hour"]), match["half"]) * 60 + int(match["minute"] or 0)
            return _blank(folded, match), ((at, DAY_END) if bound == "after" else (0, at))
    for hours, pattern in _PARTS:
        match = pattern.search(folded)
        if match:
            return _blank(folded, match), hours
    return folded, None


def hours_asked(text: Optional[str]) -> Optional[Tuple[int, int]]:
    """The hours a customer asks for ("the afternoon", "after 2pm", "avant 11h"), in minutes of the day; or None."""
    return _read_hours(fold(text)[:200])[1]


def _names(item: Any) -> FrozenSet[str]:
    """The folded first and last names of an offered item's advisor."""
    advisor = getattr(item, "advisor", None)
    return frozenset(_WORD.findall(fold(getattr(advisor, "name", "")))) if advisor is not None else frozenset()


def typed_choice(shown_as: Presentation, text: str, offered: Sequence[Any], today: Optional[date] = None) -> List[Any]:
    """The offered items (free slots or appointments, each with its `starts_at`, in the order shown) a typed answer
    names: one (it is chosen), several (which of them?) or none. By its quick reply's title (`short_time`) when
    typed as shown, else by what `slot_words` reads, every part of it together; `today`: the bank's day, for
    "tomorrow"."""
    folded = fold(text).strip()
    titled = [item for item in offered if fold(short_time(shown_as, item.starts_at)).strip() == folded]
    if titled:
        return titled
    said = slot_words(text)
    if said.hours is not None and said.time is None and said.place is None:
        return []  # hours asked for narrow the offer (`when_of`); they choose nothing
    names = [_names(item) & said.words for item in offered]
    named = any(names)
    if not said.says_when and not named and said.place is None:
        return []
    chosen = []
    for item, name in zip(offered, names):
        local = item.starts_at.astimezone(BANK_ZONE)
        if ((said.weekday is None or local.isoweekday() == said.weekday)
                and (said.day is None or local.day == said.day)
                and (said.month is None or local.month == said.month)
                and (said.days_ahead is None or (today is not None
                                                 and local.date() == today + timedelta(days=said.days_ahead)))
                and (said.time is None or (local.hour, local.minute) == said.time)
                and (not named or name)):
            chosen.append(item)
    if said.place is None:
        return chosen
    index = said.place - 1 if said.place > 0 else len(chosen) + said.place
    return [chosen[index]] if 0 <= index < len(chosen) else []
