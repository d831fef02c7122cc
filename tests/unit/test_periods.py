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


def day(month: int, number: int, year: int = 2026) -> Period:
    return Period(date(year, month, number), date(year, month, number))


def span(since: tuple, until: tuple) -> Period:
    return Period(date(*since), date(*until))


@pytest.mark.parametrize("typed, expected", [
    # days
    ("aujourd'hui", day(11, 18)),
    ("aujourd’hui", day(11, 18)),  # a typographic apostrophe
    ("Aujourd hui", day(11, 18)),
    ("ce matin", day(11, 18)),
    ("hier", day(11, 17)),
    ("d'hier", day(11, 17)),  # the entity as the French data annotates it
    ("avant-hier", day(11, 16)),
    ("avant hier", day(11, 16)),
    ("il y a 3 jours", day(11, 15)),
    ("il y a trois jours", day(11, 15)),
    ("hier soir", day(11, 17)),
    ("lundi", day(11, 16)),
    ("lundi dernier", day(11, 16)),
    ("vendredi", day(11, 13)),
    ("mercredi", day(11, 11)),  # said on a Wednesday: last week's
    ("le 15", day(11, 15)),
    ("le 20", day(10, 20)),  # the 20th of this month is still ahead
    ("le 15 novembre", day(11, 15)),
    ("le 1er novembre", day(11, 1)),
    ("le 1ᵉʳ novembre", day(11, 1)),
    ("le premier novembre", day(11, 1)),
    ("le 3 décembre", day(12, 3, 2025)),
    ("15/11", day(11, 15)),
    ("15/11/2025", day(11, 15, 2025)),
    # calendar weeks, months, quarters, years
    ("cette semaine", span((2026, 11, 16), (2026, 11, 18))),
    ("la semaine dernière", span((2026, 11, 9), (2026, 11, 15))),
    ("la semaine derniere", span((2026, 11, 9), (2026, 11, 15))),
    ("de la semaine dernière", span((2026, 11, 9), (2026, 11, 15))),
    ("la semaine passée", span((2026, 11, 9), (2026, 11, 15))),
    ("le week-end dernier", span((2026, 11, 14), (2026, 11, 15))),
    ("ce week-end", span((2026, 11, 14), (2026, 11, 15))),  # said on a weekday: the last one
    ("ce mois-ci", span((2026, 11, 1), (2026, 11, 18))),
    ("ce mois ci", span((2026, 11, 1), (2026, 11, 18))),
    ("le mois dernier", span((2026, 10, 1), (2026, 10, 31))),
    ("du mois dernier", span((2026, 10, 1), (2026, 10, 31))),
    ("le mois passé", span((2026, 10, 1), (2026, 10, 31))),
    ("ce trimestre", span((2026, 10, 1), (2026, 11, 18))),
    ("le trimestre dernier", span((2026, 7, 1), (2026, 9, 30))),
    ("cette année", span((2026, 1, 1), (2026, 11, 18))),
    ("l'année dernière", span((2025, 1, 1), (2025, 12, 31))),
    ("l'an dernier", span((2025, 1, 1), (2025, 12, 31))),
    # the last N days, weeks, months
    ("les 30 derniers jours", span((2026, 10, 20), (2026, 11, 18))),
    ("les trente derniers jours", span((2026, 10, 20), (2026, 11, 18))),
    ("ces 7 derniers jours", span((2026, 11, 12), (2026, 11, 18))),
    ("les deux dernières semaines", span((2026, 11, 5), (2026, 11, 18))),
    ("les 3 derniers mois", span((2026, 8, 19), (2026, 11, 18))),
    ("depuis 3 jours", span((2026, 11, 16), (2026, 11, 18))),
    ("depuis une semaine", span((2026, 11, 12), (2026, 11, 18))),
    # months and years
    ("en octobre", span((2026, 10, 1), (2026, 10, 31))),
    ("octobre", span((2026, 10, 1), (2026, 10, 31))),
    ("novembre", span((2026, 11, 1), (2026, 11, 18))),
    ("en août", span((2026, 8, 1), (2026, 8, 31))),
    ("en aout", span((2026, 8, 1), (2026, 8, 31))),
    ("fevrier", span((2026, 2, 1), (2026, 2, 28))),
    ("février", span((2026, 2, 1), (2026, 2, 28))),
    ("decembre", span((2025, 12, 1), (2025, 12, 31))),
    ("en mai", span((2026, 5, 1), (2026, 5, 31))),
    ("août 2025", span((2025, 8, 1), (2025, 8, 31))),
    ("en 2024", span((2024, 1, 1), (2024, 12, 31))),
    # since
    ("depuis lundi", span((2026, 11, 16), (2026, 11, 18))),
    ("depuis mardi dernier", span((2026, 11, 17), (2026, 11, 18))),
    ("depuis hier", span((2026, 11, 17), (2026, 11, 18))),
    ("depuis le 1er novembre", span((2026, 11, 1), (2026, 11, 18))),
    ("depuis le 15", span((2026, 11, 15), (2026, 11, 18))),
    ("depuis octobre", span((2026, 10, 1), (2026, 11, 18))),
    ("depuis le mois d'octobre", span((2026, 10, 1), (2026, 11, 18))),
    ("depuis le début du mois", span((2026, 11, 1), (2026, 11, 18))),
    ("depuis le debut de l'annee", span((2026, 1, 1), (2026, 11, 18))),
    ("à partir du 3 novembre", span((2026, 11, 3), (2026, 11, 18))),
    # ranges
    ("du 3 au 10 novembre", span((2026, 11, 3), (2026, 11, 10))),
    ("du 3 novembre au 10 novembre", span((2026, 11, 3), (2026, 11, 10))),
    ("du 28 octobre au 3 novembre", span((2026, 10, 28), (2026, 11, 3))),
    ("du 28 décembre au 3 janvier", span((2025, 12, 28), (2026, 1, 3))),
    ("du 20 au 25 novembre", span((2025, 11, 20), (2025, 11, 25))),  # this year's is still ahead
    ("du 10 au 25 novembre", span((2026, 11, 10), (2026, 11, 18))),  # cut to today
    ("entre le 1er et le 10", span((2026, 11, 1), (2026, 11, 10))),
    ("du 01/11 au 10/11", span((2026, 11, 1), (2026, 11, 10))),
    ("dépenses du 3-10 novembre", span((2026, 11, 3), (2026, 11, 10))),
    ("1er novembre - 10 novembre", span((2026, 11, 1), (2026, 11, 10))),
    # in a whole request
    ("quelles sont mes dépenses de la semaine dernière ?", span((2026, 11, 9), (2026, 11, 15))),
    ("montre-moi mes transactions d'octobre", span((2026, 10, 1), (2026, 10, 31))),
    ("mes paiements de plus de 50 € depuis lundi", span((2026, 11, 16), (2026, 11, 18))),
])
def test_french_periods(typed, expected):
    assert parse_period(typed, TODAY) == expected


@pytest.mark.parametrize("typed, expected", [
    ("the day before yesterday", day(11, 16)),
    ("this morning", day(11, 18)),
    ("last night", day(11, 17)),
    ("5 days ago", day(11, 13)),
    ("on Tuesday", day(11, 17)),
    ("last Friday", day(11, 13)),
    ("on the 1st", day(11, 1)),
    ("15 March", day(3, 15)),
    ("March 15", day(3, 15)),
    ("since Monday", span((2026, 11, 16), (2026, 11, 18))),
    ("since last Tuesday", span((2026, 11, 17), (2026, 11, 18))),
    ("since the 15th", span((2026, 11, 15), (2026, 11, 18))),
    ("since January", span((2026, 1, 1), (2026, 11, 18))),
    ("since the start of the month", span((2026, 11, 1), (2026, 11, 18))),
    ("last weekend", span((2026, 11, 14), (2026, 11, 15))),
    ("over the weekend", span((2026, 11, 14), (2026, 11, 15))),
    ("for the past three months", span((2026, 8, 19), (2026, 11, 18))),
    ("in the last 30 days", span((2026, 10, 20), (2026, 11, 18))),
    ("last quarter", span((2026, 7, 1), (2026, 9, 30))),
    ("last year", span((2025, 1, 1), (2025, 12, 31))),
    ("in 2024", span((2024, 1, 1), (2024, 12, 31))),
    ("from 1 to 15 March", span((2026, 3, 1), (2026, 3, 15))),
    ("between the 1st and the 10th", span((2026, 11, 1), (2026, 11, 10))),
    ("la semaine dernière and this month", span((2026, 11, 9), (2026, 11, 15))),  # mixed: the first rule that reads it
])
def test_english_periods_the_annotations_use(typed, expected):
    assert parse_period(typed, TODAY) == expected


def test_a_weekend_asked_during_the_weekend():
    saturday = date(2026, 11, 21)
    assert parse_period("ce week-end", saturday) == span((2026, 11, 21), (2026, 11, 21))
    assert parse_period("le week-end dernier", saturday) == span((2026, 11, 14), (2026, 11, 15))


def test_periods_follow_the_reference_date_not_the_clock():
    new_year = date(2027, 1, 2)  # a Saturday
    assert parse_period("le mois dernier", new_year) == span((2026, 12, 1), (2026, 12, 31))
    assert parse_period("la semaine dernière", new_year) == span((2026, 12, 21), (2026, 12, 27))
    assert parse_period("en décembre", new_year) == span((2026, 12, 1), (2026, 12, 31))
    assert parse_period("hier", new_year) == day(1, 1, 2027)
    assert parse_period("le trimestre dernier", new_year) == span((2026, 10, 1), (2026, 12, 31))


@pytest.mark.parametrize("typed", [
    "", "mes transactions", "récemment", "ces derniers temps", "cet été", "n'importe quoi 42",
    "sept jours",                # a count, not September
    "le 31 novembre", "le 32", "31/02",   # no such day
    "du 10 au 3 novembre",       # reversed
    "du 40 au 3 novembre",
    "Marie m'a envoyé 20 €",
    "les 9999 derniers mois", "depuis 99999 jours", "2099",  # beyond any calendar, or ahead
    "{\"period\": null}", "\x00\ud800",
])
def test_no_french_period(typed):
    assert parse_period(typed, TODAY) is None


def test_a_long_message_is_read_from_its_beginning_only():
    assert parse_period("hier " + "quatre-vingt-" * 10_000, TODAY) == day(11, 17)
    assert parse_period("bla " * 10_000 + "hier", TODAY) is None
