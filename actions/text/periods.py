"""Periods as customers say them, in English or French, turned into dates for transaction filters.

Everything is relative to `today`, which the caller passes (the actions pass the bank's day, actions/bank_day.py;
tests a fixed one). The same rules hold in both languages, accents optional ("derniere", "aout"):

- a day: "today", "this morning", "aujourd'hui", "ce matin"; "yesterday", "hier"; "the day before
  yesterday", "avant-hier"; "3 days ago", "il y a trois jours"; a weekday ("on Monday", "last Friday", "lundi", "vendredi dernier"):
  the last such day before today; a date ("le 1er novembre", "15 March", "March 15", "on the 1st",
  "le 15", "15/11", "15/11/2025", day before month as in Ireland and France);
- a calendar week, weekend, month, quarter or year: "this week", "cette semaine", "last week",
  "la semaine dernière/passée", "last weekend", "le week-end dernier", "this month", "ce mois-ci",
  "last month", "le mois dernier", "last quarter", "le trimestre dernier", "this year", "cette
  année", "last year", "l'an dernier", "l'année dernière";
- the last N days, weeks or months up to today: "last 7 days", "past two weeks", "les 30 derniers
  jours", "les deux dernières semaines", "depuis 3 jours", "depuis une semaine";
- a month ("in October", "en octobre", "octobre", "août 2025"): the last one that has begun, unless
  a year is given; a year ("in 2024", "en 2024");
- since a day, weekday, month or year, up to today: "since Monday", "depuis lundi", "depuis le 1er
  novembre", "since the 15th", "depuis octobre", "since the start of the month", "depuis le début
  de l'année", "depuis hier";
- a range: "du 3 au 10 novembre", "du 28 octobre au 3 novembre", "from 1 to 15 March", "between
  the 1st and the 10th", "entre le 1er et le 10": a missing month is the other end's, else the
  current month; a missing year the last one that makes the range begin by today.

No period ends after today (the end is cut to today). "may" is a month only in "in May", "May 2026"
and the like ("may I see..."). Vague wording ("recently", "ces derniers temps", "in the summer")
names no period: None, as for garbage (never an exception).
"""
from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Callable, List, Optional, Tuple

from actions.text.numbers import fold, small_number

_ENGLISH_MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august", "september",
                   "october", "november", "december"]
_FRENCH_MONTHS = ["janvier", "fevrier", "mars", "avril", "mai", "juin", "juillet", "aout", "septembre",
                  "octobre", "novembre", "decembre"]
MONTHS = {name: number for names in (_ENGLISH_MONTHS, _FRENCH_MONTHS) for number, name in enumerate(names, 1)}
MONTHS.update({name[:3]: number for number, name in enumerate(_ENGLISH_MONTHS, 1)})
MONTHS.update({"sept": 9, "janv": 1, "fev": 2, "fevr": 2, "avr": 4, "juil": 7})
WEEKDAYS = {name: number for names in (
    ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"],
    ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"],
) for number, name in enumerate(names)}
WEEKDAYS.update({"tues": 1, "weds": 2, "thurs": 3})

_MONTH = "(?P<{}>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_DAY = r"(?P<{}>1er|premier|first|\d{{1,2}})(?:er|st|nd|rd|th|eme|e)?"
_YEAR = r"(?P<{}>20\d\d)"
_COUNT = r"(?P<count>\d+|[a-z]+(?:-[a-z]+){0,4})"
_UNIT_DAYS = {"day": 1, "days": 1, "jour": 1, "jours": 1, "week": 7, "weeks": 7, "semaine": 7, "semaines": 7}
_UNIT_MONTHS = {"month": 1, "months": 1, "mois": 1, "year": 12, "years": 12, "an": 12, "ans": 12, "annee": 12,
                "annees": 12}
_UNITS = "|".join(sorted(list(_UNIT_DAYS) + list(_UNIT_MONTHS), key=len, reverse=True))
MAX_TEXT = 1000  # characters read: a period is said early in a message
_LAST = r"(?:derniers|dernieres|dernier|derniere|passes|passees)"
_SINCE = r"(?:since|depuis|from|a partir du|a partir de|a compter du|starting)"


@dataclass(frozen=True)
class Period:
    since: date
    until: date  # inclusive

    def contains(self, day: date) -> bool:
        return self.since <= day <= self.until


# What a reader returns for a period it recognises but that cannot be ("du 10 au 3 novembre"): the
# search stops there, and parse_period returns None (it begins after any today).
_NO_PERIOD = Period(date.max, date.max)


def parse_period(text: str, today: date) -> Optional[Period]:
    """The period named in `text`, relative to `today`; None when it names none."""
    words = " ".join(fold((text or "")[:MAX_TEXT]).replace("-", " - ").split())
    words = re.sub(r"\s-\s", "-", words)  # "week - end" → "week-end", spacing normalised
    for reader in _READERS:
        try:
            period = reader(words, today)
        except (ValueError, OverflowError):  # a date no calendar has ("les 9999 derniers mois")
            return None
        if period is not None:
            if period.since > today:  # _NO_PERIOD included
                return None
            return Period(period.since, min(period.until, today))
    return None


# --- readers, in the order they are tried ---------------------------------------------------------


def _range(words: str, today: date) -> Optional[Period]:
    article = r"(?:le\s+|the\s+)?"
    match = re.search(
        rf"\b(?:du|from|between|entre|de)\s+{article}{_date_pattern('a')}"
        rf"(?:\s*-\s*(?=\d)|\s+(?:au|to|and|et|until|till|jusqu'au|jusqu au|a)\s+{article}){_date_pattern('b')}",
        words,
    ) or re.search(  # "1er novembre - 10 novembre", "3 au 10 novembre": no "du", but no doubt either
        rf"\b{article}{_date_pattern('a')}(?:\s*-\s*(?=\d)|\s+(?:au|to|until|till|jusqu'au|jusqu au)\s+{article})"
        rf"{_date_pattern('b')}",
        words,
    )
    if not match:
        return None
    first, last = _date_parts(match, "a"), _date_parts(match, "b")
    if first is None or last is None:
        return _NO_PERIOD
    month_a, month_b = first[1] or last[1], last[1] or first[1]
    if month_a is None:  # "between the 1st and the 10th": this month, or the last one if it lies ahead
        month_a = month_b = today.month if first[0] <= today.day else (today.replace(day=1) - timedelta(days=1)).month
    since = _resolve(first[0], month_a, first[2] or last[2], today)
    if since is None:
        return _NO_PERIOD
    year_b = last[2] or since.year
    until = _resolve(last[0], month_b, year_b, today, latest=False)
    if until is not None and until < since and last[2] is None and month_b < month_a:  # "du 28 décembre au 3 janvier"
        until = _resolve(last[0], month_b, year_b + 1, today, latest=False)
    return Period(since, until) if until is not None and since <= until else _NO_PERIOD


def _since(words: str, today: date) -> Optional[Period]:
    start = re.search(rf"\b{_SINCE}\b\s*(?P<rest>.*)", words)
    if not start:
        return None
    rest = start.group("rest")
    count = re.match(rf"(?:(?:the\s+)?(?:last|past)\s+)?{_COUNT}\s+(?P<unit>{_UNITS})\b", rest)
    recent = _last(count.group("count"), count.group("unit"), today) if count else None
    if recent is not None:  # "depuis 3 jours": the last 3 days ("since 3 days" is not English, but means as much)
        return recent
    begun = _start_of(rest, today)
    return Period(begun, today) if begun is not None else None


def _start_of(rest: str, today: date) -> Optional[date]:
    """The first day named at the start of `rest` (what follows "since"/"depuis")."""
    week_start = today - timedelta(days=today.weekday())
    if re.match(r"(?:the\s+)?(?:start|beginning)\s+of\s+(?:the\s+|this\s+)?month|(?:le\s+)?debut\s+(?:du|de ce)\s+mois", rest):
        return today.replace(day=1)
    if re.match(r"(?:the\s+)?(?:start|beginning)\s+of\s+(?:the\s+|this\s+)?week|(?:le\s+)?debut\s+(?:de la|de cette)\s+semaine", rest):
        return week_start
    if re.match(r"(?:the\s+)?(?:start|beginning)\s+of\s+(?:the\s+|this\s+)?year|(?:le\s+)?debut\s+(?:de l'|de cette\s+)annee", rest):
        return today.replace(month=1, day=1)
    if re.match(r"(?:ce matin|this morning|aujourd ?'?hui|today)\b", rest):
        return today
    if re.match(r"(?:hier|yesterday)\b", rest):
        return today - timedelta(days=1)
    if re.match(r"(?:avant hier|avant-hier|the day before yesterday)\b", rest):
        return today - timedelta(days=2)
    weekday = re.match(r"(?:last\s+|le\s+)?(?P<day>[a-z]+)\b", rest)
    if weekday and weekday.group("day") in WEEKDAYS:
        return _last_weekday(WEEKDAYS[weekday.group("day")], today)
    day = re.match(rf"(?:le\s+|the\s+)?{_date_pattern('a')}", rest)
    if day:
        parts = _date_parts(day, "a")
        if parts is not None:
            return _resolve(*parts, today)
    month = re.match(rf"(?:(?:le\s+)?mois\s+(?:de\s+|d')?)?{_MONTH.format('month')}(?:\s+{_YEAR.format('year')})?\b", rest)
    if month:
        period = _month(MONTHS[month.group("month")], month.group("year"), today)
        return period.since
    year = re.match(rf"(?:l'annee\s+)?{_YEAR.format('year')}\b", rest)
    if year:
        return date(int(year.group("year")), 1, 1)
    return None


def _day_before_yesterday(words: str, today: date) -> Optional[Period]:
    if re.search(r"\bavant[- ]hier\b|\bday before yesterday\b", words):
        return _day(today - timedelta(days=2))
    return None


def _today(words: str, today: date) -> Optional[Period]:
    if re.search(r"\b(?:today|tonight|this (?:morning|afternoon|evening))\b|\baujourd ?'?hui\b|\bce (?:matin|soir)\b"
                 r"|\bcet apres[- ]midi\b", words):
        return _day(today)
    return None


def _yesterday(words: str, today: date) -> Optional[Period]:
    if re.search(r"\b(?:yesterday|hier|last night)\b", words):
        return _day(today - timedelta(days=1))
    return None


def _days_ago(words: str, today: date) -> Optional[Period]:
    """ "3 days ago", "il y a 3 jours", "il y a trois jours": that one day."""
    match = re.search(rf"\b{_COUNT}\s+days?\s+ago\b", words) or re.search(rf"\bil y a\s+{_COUNT}\s+jours?\b", words)
    count = small_number(match.group("count")) if match else None
    if count is None or count > 3660:
        return None
    return _day(today - timedelta(days=count))


def _calendar(words: str, today: date) -> Optional[Period]:
    """This or last week, weekend, month, quarter, year."""
    week_start = today - timedelta(days=today.weekday())
    month_start = today.replace(day=1)
    quarter_start = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    this = r"(?:this|current)"
    last = r"(?:last|past|previous)"
    if re.search(rf"\b{last} week-?\s?end\b|\bweek-?\s?ends?\s+(?:dernier|passe)\b|\bover the week-?\s?end\b"
                 rf"|\b(?:le|du|pendant le|ce)\s+(?:dernier\s+)?week-?\s?end\b|\bthis week-?\s?end\b", words):
        if today.weekday() >= 5 and re.search(r"\b(?:ce|this)\s+week-?\s?end\b", words):
            return Period(week_start + timedelta(days=5), today)
        return Period(week_start - timedelta(days=2), week_start - timedelta(days=1))
    if re.search(rf"\b{this} week\b|\bcette semaine\b|\bsemaine (?:en cours|actuelle)\b", words):
        return Period(week_start, today)
    if re.search(rf"\b{last} week\b|\bsemaine (?:derniere|passee|precedente)\b|\bderniere semaine\b", words):
        return Period(week_start - timedelta(days=7), week_start - timedelta(days=1))
    if re.search(rf"\b{this} month\b|\bce mois\b|\bmois (?:en cours|actuel)\b", words):
        return Period(month_start, today)
    if re.search(rf"\b{last} month\b|\bmois (?:dernier|passe|precedent)\b|\bdernier mois\b", words):
        last_month_end = month_start - timedelta(days=1)
        return Period(last_month_end.replace(day=1), last_month_end)
    if re.search(rf"\b{this} quarter\b|\bce trimestre\b|\btrimestre (?:en cours|actuel)\b", words):
        return Period(quarter_start, today)
    if re.search(rf"\b{last} quarter\b|\btrimestre (?:dernier|passe|precedent)\b|\bdernier trimestre\b", words):
        end = quarter_start - timedelta(days=1)
        return Period(date(end.year, end.month - 2, 1), end)
    if re.search(rf"\b{this} year\b|\bcette annee\b|\bannee (?:en cours|actuelle)\b", words):
        return Period(today.replace(month=1, day=1), today)
    if re.search(r"\b(?:last|previous) year\b|\bannee (?:derniere|passee|precedente)\b|\ban (?:dernier|passe)\b"
                 r"|\bderniere annee\b", words):
        return Period(date(today.year - 1, 1, 1), date(today.year - 1, 12, 31))
    return None


def _recent(words: str, today: date) -> Optional[Period]:
    """The last N days, weeks or months, today included."""
    for pattern in (
        rf"\b(?:last|past|previous)\s+{_COUNT}\s+(?P<unit>{_UNITS})\b",
        rf"\b{_COUNT}\s+{_LAST}\s+(?P<unit>{_UNITS})\b",  # "les 30 derniers jours"
        rf"\b{_LAST}\s+{_COUNT}\s+(?P<unit>{_UNITS})\b",  # "les derniers 30 jours"
    ):
        for match in re.finditer(pattern, words):
            period = _last(match.group("count"), match.group("unit"), today)
            if period is not None:
                return period
    return None


def _weekday(words: str, today: date) -> Optional[Period]:
    for token in re.findall(r"[a-z]+", words):
        if token in WEEKDAYS:
            return _day(_last_weekday(WEEKDAYS[token], today))
    return None


def _date(words: str, today: date) -> Optional[Period]:
    """A day with its month ("le 1er novembre", "15/11", "March 15"), or a day of the month ("on the 1st")."""
    for match in re.finditer(rf"\b{_date_pattern('a')}", words):
        parts = _date_parts(match, "a")
        if parts is not None and parts[1] is not None:
            day = _resolve(*parts, today)
            if day is not None:
                return _day(day)
    for match in re.finditer(rf"\b(?:le|the|on the|on)\s+{_DAY.format('day_a')}(?![a-z0-9])(?!\s*(?:{_UNITS}|%))"
                             rf"(?!\s+(?:of\s+)?{_MONTH.format('next')})", words):
        parts = _date_parts(match, "a")
        day = _resolve(*parts, today) if parts is not None else None
        if day is not None:
            return _day(day)
    return None


def _named_month(words: str, today: date) -> Optional[Period]:
    for match in re.finditer(rf"\b{_MONTH.format('month')}(?:\s+{_YEAR.format('year')})?(?![a-z])", words):
        name = match.group("month")
        if re.search(r"\d(?:er|st|nd|rd|th|eme|e)?\s+(?:of\s+)?$", words[:match.start()]):
            return None  # "le 31 novembre": a date, one that does not exist
        if re.match(r"\s*(?:" + _UNITS + r")\b", words[match.end():]):
            continue  # "sept jours": a count
        if name == "may" and not (match.group("year") or re.search(r"\b(?:in|since|for|during|of|from|en)\s+may\b", words)):
            continue  # "may I see ..." names no month
        if name == "mar" and not match.group("year"):
            continue  # "mar." is also mardi
        return _month(MONTHS[name], match.group("year"), today)
    return None


def _year(words: str, today: date) -> Optional[Period]:
    match = re.search(rf"\b(?:in|en|for|pour|during|durant|pendant|of|de|l'annee|year|annee)\s+{_YEAR.format('year')}\b", words)
    if not match:
        match = re.fullmatch(rf"\s*{_YEAR.format('year')}\s*", words)
    if not match:
        return None
    year = int(match.group("year"))
    return Period(date(year, 1, 1), date(year, 12, 31))


_READERS: List[Callable[[str, date], Optional[Period]]] = [
    _range, _since, _day_before_yesterday, _days_ago, _today, _yesterday, _calendar, _recent, _weekday, _date,
    _named_month, _year,
]


# --- dates -----------------------------------------------------------------------------------------


def _date_pattern(suffix: str) -> str:
    """A day with an optional month and year ("3", "1er novembre", "15 March 2025", "March 15",
    "15/11", "15/11/2025"), its parts in groups named day_<suffix>, month_<suffix>, ..."""
    day, month, year = _DAY.format("day_" + suffix), _MONTH.format("month_" + suffix), _YEAR.format("year_" + suffix)
    numeric = (rf"(?P<nday_{suffix}>\d{{1,2}})[/.](?P<nmonth_{suffix}>\d{{1,2}})"
               rf"(?:[/.](?P<nyear_{suffix}>(?:20)?\d\d))?(?![\d/.])")
    month_first = rf"{_MONTH.format('mfmonth_' + suffix)}\s+(?P<mfday_{suffix}>\d{{1,2}})(?:st|nd|rd|th)?(?!\d)(?:,?\s+(?P<mfyear_{suffix}>20\d\d))?"
    return (rf"(?:{numeric}|{month_first}|{day}(?:\s+(?:of\s+)?{month}(?:\s+{year})?)?)"
            rf"(?![a-z0-9])")


def _date_parts(match: "re.Match[str]", suffix: str) -> Optional[Tuple[int, Optional[int], Optional[int]]]:
    """(day, month or None, year or None) from a match of _date_pattern(suffix)."""
    groups = match.groupdict()
    if groups.get(f"nday_{suffix}"):
        year = groups.get(f"nyear_{suffix}")
        parts = (int(groups[f"nday_{suffix}"]), int(groups[f"nmonth_{suffix}"]),
                 (int(year) + (2000 if len(year) == 2 else 0)) if year else None)
    elif groups.get(f"mfday_{suffix}"):
        year = groups.get(f"mfyear_{suffix}")
        if groups[f"mfmonth_{suffix}"] in ("may", "mar") and not year:
            return None
        parts = (int(groups[f"mfday_{suffix}"]), MONTHS[groups[f"mfmonth_{suffix}"]], int(year) if year else None)
    elif groups.get(f"day_{suffix}"):
        raw = groups[f"day_{suffix}"]
        month = groups.get(f"month_{suffix}")
        year = groups.get(f"year_{suffix}")
        parts = (1 if raw in ("1er", "premier", "first") else int(raw), MONTHS[month] if month else None,
                 int(year) if year else None)
    else:
        return None
    day, month, _ = parts
    if not 1 <= day <= 31 or (month is not None and not 1 <= month <= 12):
        return None
    return parts


def _resolve(day: int, month: Optional[int], year: Optional[int], today: date, latest: bool = True) -> Optional[date]:
    """The date of `day` (of `month`, of `year`): when a part is missing, the last such date by today."""
    if month is None:
        candidates = [(today.year, today.month)]
        previous = today.replace(day=1) - timedelta(days=1)
        candidates.append((previous.year, previous.month))
        if not latest:
            candidates = candidates[:1]
        for y, m in candidates:
            if day <= calendar.monthrange(y, m)[1] and date(y, m, day) <= today:
                return date(y, m, day)
        return None if latest else _valid(candidates[0][0], candidates[0][1], day)
    if year is None:
        for y in (today.year, today.year - 1):
            found = _valid(y, month, day)
            if found is not None and (found <= today or not latest):
                return found
        return None
    return _valid(year, month, day)


def _valid(year: int, month: int, day: int) -> Optional[date]:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _day(day: date) -> Period:
    return Period(day, day)


def _last_weekday(weekday: int, today: date) -> date:
    """The last `weekday` before today ("lundi" said on a Monday is a week ago)."""
    return today - timedelta(days=(today.weekday() - weekday) % 7 or 7)


def _last(count_text: str, unit: str, today: date) -> Optional[Period]:
    count = small_number(count_text)
    if not count or count > 3660 or (unit in _UNIT_MONTHS and count * _UNIT_MONTHS[unit] > 1200):
        return None  # more than 10 years of days, or 100 years of months: not a period to list
    if unit in _UNIT_DAYS:
        return Period(today - timedelta(days=count * _UNIT_DAYS[unit] - 1), today)
    months = count * _UNIT_MONTHS[unit]
    year, month = divmod(today.year * 12 + today.month - 1 - months, 12)
    month += 1
    start = date(year, month, min(today.day, calendar.monthrange(year, month)[1])) + timedelta(days=1)
    return Period(start, today)


def _month(month: int, year_text: Optional[str], today: date) -> Period:
    year = int(year_text) if year_text else (today.year if month <= today.month else today.year - 1)
    last_day = calendar.monthrange(year, month)[1]
    return Period(date(year, month, 1), date(year, month, last_day))
