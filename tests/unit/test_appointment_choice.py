"""A typed choice among the appointment times offered (actions/text/appointments.py `slot_words`, `typed_choice`),
in English and French: a weekday, a day, a time written many ways, an advisor's name, a place in the list; one
match, several (which one?), or none. Fixed dates in Paris time (winter, UTC+1, and summer, UTC+2): nothing here
depends on today's date."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from actions.text.appointments import BANK_ZONE, SlotWords, fits, short_time, slot_words, typed_choice, when_of
from actions.text.locale import Presentation
from bot.core_bank.contract.appointments import Slot

JULIEN = {"advisor_id": "adv_julien", "name": "Julien Moreau", "channels": ["branch", "phone"], "branch": None}
CLAIRE = {"advisor_id": "adv_claire", "name": "Claire Lefèvre", "channels": ["branch", "phone", "video"],
          "branch": None}
TODAY = date(2026, 12, 7)  # Monday


def paris(day: int, hour: int, minute: int = 0, month: int = 12) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=BANK_ZONE).astimezone(timezone.utc)


def slot(starts_at: datetime, advisor: dict) -> Slot:
    return Slot.parse_obj({"slot_id": f"{advisor['advisor_id']}@{starts_at:%Y%m%dT%H%M}Z", "starts_at": starts_at,
                           "ends_at": starts_at + timedelta(minutes=45), "advisor": advisor})


# As offered: two a day at most, one per time (actions/appointment_offers.py `choose`).
OFFERED = [
    slot(paris(8, 9, 30), CLAIRE),  # Tue 8 Dec, 09:30 (08:30 UTC)
    slot(paris(8, 10, 30), JULIEN),  # Tue 8 Dec, 10:30
    slot(paris(9, 10, 30), CLAIRE),  # Wed 9 Dec, 10:30
    slot(paris(9, 15), JULIEN),  # Wed 9 Dec, 15:00
    slot(paris(15, 14), CLAIRE),  # Tue 15 Dec, 14:00
]
TUE_0930, TUE_1030, WED_1030, WED_1500, NEXT_TUE_1400 = OFFERED


@pytest.mark.parametrize("typed, words", [
    ("mardi 8 à 10h30", SlotWords(weekday=2, day=8, time=(10, 30))),
    ("mardi 8 a 10h30", SlotWords(weekday=2, day=8, time=(10, 30))),
    ("tue 10.30", SlotWords(weekday=2, time=(10, 30))),
    ("Tuesday at 10:30", SlotWords(weekday=2, time=(10, 30))),
    ("the 10:30 one", SlotWords(time=(10, 30))),
    ("10 h 30", SlotWords(time=(10, 30))),
    ("14h", SlotWords(time=(14, 0))),
    ("vers 15 heures", SlotWords(time=(15, 0))),
    ("2pm", SlotWords(time=(14, 0))),
    ("9.30am", SlotWords(time=(9, 30))),
    ("at 3", SlotWords(time=(15, 0))),  # a bank's day: the afternoon
    ("the 8th", SlotWords(day=8)),
    ("le 15 décembre", SlotWords(day=15, month=12)),
    ("dec 9", SlotWords(day=9, month=12)),
    ("jeudi", SlotWords(weekday=4)),
    ("mer.", SlotWords(weekday=3)),
    ("demain à 14h", SlotWords(days_ahead=1, time=(14, 0))),
    ("le deuxième", SlotWords(place=2)),
    ("the second one on Tuesday", SlotWords(weekday=2, place=2)),
    ("la dernière", SlotWords(place=-1)),
    ("3", SlotWords(place=3)),
])
def test_what_a_typed_choice_says(typed, words):
    said = slot_words(typed)
    assert said.__class__(**{**said.__dict__, "words": frozenset()}) == words


@pytest.mark.parametrize("typed, expected", [
    ("mardi 8 à 10h30", TUE_1030),
    ("mardi 8 a 10h30", TUE_1030),
    ("Mardi 8 A 10H30", TUE_1030),
    ("tue 10.30", TUE_1030),
    ("Tuesday at 10:30", TUE_1030),
    ("mercredi 10h30", WED_1030),
    ("the 10:30 one on Wednesday", WED_1030),
    ("15h", WED_1500),
    ("at 3pm", WED_1500),
    ("celui de 9h30", TUE_0930),
    ("le deuxième", TUE_1030),
    ("the second one", TUE_1030),
    ("the last one", NEXT_TUE_1400),
    ("2", TUE_1030),
    ("the second one on Wednesday", WED_1500),
    ("celui avec julien le mercredi", WED_1500),
    ("the one with Julien on the 9th", WED_1500),
    ("le 15", NEXT_TUE_1400),
    ("mardi 15 décembre", NEXT_TUE_1400),
    ("demain 9h30", TUE_0930),
])
def test_a_typed_choice_that_names_one_offered_time_picks_it(typed, expected):
    assert typed_choice(Presentation.of("fr"), typed, OFFERED, TODAY) == [expected]


@pytest.mark.parametrize("typed, expected", [
    ("the 10:30 one", [TUE_1030, WED_1030]),
    ("10h30", [TUE_1030, WED_1030]),
    ("celui avec julien", [TUE_1030, WED_1500]),
    ("the one with Julien", [TUE_1030, WED_1500]),
    ("mardi", [TUE_0930, TUE_1030, NEXT_TUE_1400]),
    ("tuesday the 8th", [TUE_0930, TUE_1030]),
])
def test_a_typed_choice_that_names_several_gives_them_all_in_the_order_offered(typed, expected):
    assert typed_choice(Presentation.of("en"), typed, OFFERED, TODAY) == expected


@pytest.mark.parametrize("typed", ["jeudi", "Thursday at 10:30", "mardi 8 à 16h", "le 10", "the one with Nadia",
                                   "le sixième", "7", "whenever suits you", "demain à 15h", "le 8 janvier"])
def test_a_typed_choice_that_names_none_of_them_gives_none(typed):
    assert typed_choice(Presentation.of("fr"), typed, OFFERED, TODAY) == []


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_quick_replys_title_typed_as_shown_is_that_time(language):
    shown_as = Presentation.of(language)
    for item in OFFERED:
        assert typed_choice(shown_as, short_time(shown_as, item.starts_at), OFFERED) == [item]


def test_times_are_paris_time_in_summer_too():
    summer = [slot(paris(16, 9, 30, month=6), CLAIRE), slot(paris(16, 14, month=6), JULIEN)]  # UTC+2
    assert summer[0].starts_at.hour == 7
    assert typed_choice(Presentation.of("en"), "Tuesday at 9:30", summer) == [summer[0]]
    assert typed_choice(Presentation.of("fr"), "mardi 16 juin à 14h", summer) == [summer[1]]
    assert typed_choice(Presentation.of("en"), "7:30", summer) == []  # UTC is not what customers read


def test_tomorrow_needs_the_bank_day_from_the_caller():
    assert typed_choice(Presentation.of("en"), "tomorrow", OFFERED, TODAY) == [TUE_0930, TUE_1030]
    assert typed_choice(Presentation.of("en"), "tomorrow", OFFERED, TODAY + timedelta(days=1)) == [
        WED_1030, WED_1500]
    assert typed_choice(Presentation.of("en"), "tomorrow", OFFERED) == []


# --- hours asked for rather than a time chosen ---------------------------------------------------------------

AFTERNOON, MORNING = (12 * 60, 24 * 60), (0, 12 * 60)


@pytest.mark.parametrize("typed, hours", [
    ("do u have anything in the afternoon?", AFTERNOON),
    ("plutôt l'après-midi", AFTERNOON),
    ("vous avez quelque chose jeudi apres midi ?", AFTERNOON),
    ("anything in the morning?", MORNING),
    ("rien le matin ?", MORNING),
    ("avant midi", MORNING),
    ("en fin de journée ?", (17 * 60, 24 * 60)),
    ("after work if possible", (17 * 60, 24 * 60)),
    ("any slots after 2pm?", (14 * 60, 24 * 60)),
    ("something after 5?", (17 * 60, 24 * 60)),  # a bank's day: 5 is 17:00
    ("à partir de 14h30", (14 * 60 + 30, 24 * 60)),
    ("avant 11h ?", (0, 11 * 60)),
    ("before 9:30am", (0, 9 * 60 + 30)),
    ("from the 8th", None),  # a day, not an hour
    ("mardi 8 à 10h30", None),
])
def test_the_hours_a_message_asks_for(typed, hours):
    assert slot_words(typed).hours == hours


@pytest.mark.parametrize("typed", ["anything in the afternoon?", "plutôt le matin", "after 2pm", "mardi après-midi"])
def test_hours_asked_for_choose_nothing_even_when_one_time_fits(typed):
    assert typed_choice(Presentation.of("en"), typed, OFFERED, TODAY) == []


def test_an_exact_time_with_its_part_of_the_day_still_chooses():
    assert typed_choice(Presentation.of("en"), "wednesday afternoon at 3", OFFERED, TODAY) == [WED_1500]


@pytest.mark.parametrize("typed, when", [
    ("jeudi après-midi", "4 hours=12:00-24:00"),
    ("next week in the morning", "next_week hours=00:00-12:00"),
    ("any slots after 2pm?", "hours=14:00-24:00"),
    ("jeudi", "4"),
    ("whenever suits you", None),
])
def test_when_keeps_the_day_and_the_hours(typed, when):
    assert when_of(typed) == when


@pytest.mark.parametrize("when, fitting", [
    ("hours=12:00-24:00", [WED_1500, NEXT_TUE_1400]),
    ("2 hours=12:00-24:00", [NEXT_TUE_1400]),
    ("hours=00:00-10:00", [TUE_0930]),
    ("next_week hours=12:00-24:00", [NEXT_TUE_1400]),
    ("3", [WED_1030, WED_1500]),
    (None, OFFERED),
])
def test_the_times_that_fit_the_day_and_the_hours(when, fitting):
    assert [item for item in OFFERED if fits(item.starts_at, when, TODAY)] == fitting
