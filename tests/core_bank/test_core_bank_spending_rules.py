"""The rules behind search, recurring payments and spending, on their own: loose merchant names, categories decided
at booking, the recurring-payment rule, and the periods compared."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Iterator, Optional
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import sessionmaker

from bot.core_bank.accounts import CustomerRecords
from bot.core_bank.contract.categories import TRANSACTION_CATEGORIES
from bot.core_bank.errors import InvalidRequest
from bot.core_bank.merchant_matching import folded, matching_names, name_matches
from bot.core_bank.merchants import KIND_CATEGORIES, KNOWN_MERCHANTS, classify
from bot.core_bank.models import Transaction, create_database_engine, create_session_factory
from bot.core_bank.periods import Days, add_months
from bot.core_bank.recurring_payments import Payment, detect_recurring_payments
from bot.core_bank.seed import DEMO_ACCOUNT_IDS
from bot.core_bank.server import prepare_database
from bot.core_bank.spending import percent_change, spending_periods

SEEDED_AT = datetime(2026, 6, 11, 9, 30, tzinfo=timezone.utc)
CURRENT = DEMO_ACCOUNT_IDS["current"]
NAMES = ["Uber", "Uber Eats", "Netflix", "Spotify", "Fnac", "Franprix", "Amazon", "Monoprix", "EDF", "Basic-Fit",
         "Café Oberkampf", "Tom Bernard", "Lidl", "Le Petit Zinc", "Pharmacie Lafayette"]


# --- merchant names as typed ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("uber", ["Uber", "Uber Eats"]), ("UBER", ["Uber", "Uber Eats"]), ("Über", ["Uber", "Uber Eats"]),
        ("uber eats", ["Uber Eats"]), ("UberEats", ["Uber Eats"]), ("eats", ["Uber Eats"]),
        ("netflix", ["Netflix"]), ("netflx", ["Netflix"]), ("Netfilx", ["Netflix"]), ("spotfy", ["Spotify"]),
        ("fnac", ["Fnac"]), ("fnác", ["Fnac"]), ("fanc", ["Fnac"]), ("amazn", ["Amazon"]), ("monop", ["Monoprix"]),
        ("edf", ["EDF"]), ("basic fit", ["Basic-Fit"]), ("basicfit", ["Basic-Fit"]), ("cafe", ["Café Oberkampf"]),
        ("café oberkampf", ["Café Oberkampf"]), ("tom", ["Tom Bernard"]), ("pharmacy", ["Pharmacie Lafayette"]),
        ("zinc", ["Le Petit Zinc"]),
        # not a name: too short a piece of a word, another word, an unrelated typo, punctuation only
        ("a", []), ("ub", []), ("ed", []), ("ubr", []), ("gym", []), ("phone", []), ("xetflix", []), ("!!", []),
        ("amazon prime", []), ("lidll lidl", []),
    ],
)
def test_names_are_matched_loosely_but_not_wildly(typed: str, expected: list[str]):
    assert matching_names(typed, NAMES) == expected


def test_folding_removes_accents_case_and_punctuation():
    assert folded("  Café-Oberkampf ") == "cafe oberkampf"
    assert folded("ÜBER*EATS") == "uber eats"
    assert folded("Œuvre & Straße") == "œuvre strasse"  # letters without accents are kept
    assert folded("Ταβέρνα") == "ταβερνα" and name_matches("ταβερνα", "Ταβέρνα")
    assert not name_matches("", "Uber") and not name_matches("uber", "")


# --- categories, decided when booked -----------------------------------------------------------------


def test_known_merchants_have_their_usual_name_and_category_others_the_category_of_their_kind():
    assert classify("card_payment", "Amazon EU") == classify("card_payment", "amazon eu")
    assert (classify("card_payment", "Amazon EU").merchant, classify("card_payment", "Amazon EU").category) == (
        "Amazon", "shopping")
    assert classify("card_payment", "Uber Eats").category == "restaurants"
    assert classify("card_payment", "Uber").category == "transport"
    assert classify("direct_debit", "Netflix").category == "leisure"
    assert classify("direct_debit", "Orange Mobile").merchant == "Orange"
    assert classify("rent", "Foncia Paris").category == "housing"
    assert (classify("card_payment", "Le Bistrot Inconnu").category, classify("card_payment", "Le Bistrot Inconnu").merchant) == (
        "other", "Le Bistrot Inconnu")
    assert classify("direct_debit", "Assurance Inconnue").category == "bills"
    for kind, category in (("salary", "income"), ("transfer_out", "transfers"), ("transfer_in", "transfers"),
                           ("savings_transfer_out", "savings"), ("cash_withdrawal", "cash"), ("other", "other"),
                           (None, "other"), ("lottery_win", "other")):
        assert (classify(kind, "Somebody").category, classify(kind, "Somebody").merchant) == (category, None)
    assert {m.category for m in KNOWN_MERCHANTS.values()} | set(KIND_CATEGORIES.values()) <= set(TRANSACTION_CATEGORIES)


@pytest.fixture
def sessions(tmp_path: Path) -> Iterator[sessionmaker]:
    engine = create_database_engine(f"sqlite:///{tmp_path / 'core_bank.db'}")
    prepare_database(engine, now=SEEDED_AT)
    yield create_session_factory(engine)
    engine.dispose()


def test_a_booking_is_categorised_from_its_kind_and_counterparty_unless_it_says(sessions: sessionmaker):
    moment = SEEDED_AT + timedelta(hours=1)
    with sessions() as session:
        session.add_all([
            Transaction(id="txn_a", account_id=CURRENT, booked_at=moment, description="Card payment — UBER EATS",
                        amount_minor=-1250, currency="EUR", kind="card_payment", counterparty="UBER EATS"),
            Transaction(id="txn_b", account_id=CURRENT, booked_at=moment, description="Transfer to Tom Bernard",
                        amount_minor=-2000, currency="EUR", kind="transfer_out", counterparty="Tom Bernard"),
            Transaction(id="txn_c", account_id=CURRENT, booked_at=moment, description="Card payment — Fnac",
                        amount_minor=-999, currency="EUR", kind="card_payment", counterparty="Fnac",
                        category="leisure", merchant="Fnac Spectacles"),
        ])
        session.commit()
        session.execute(text(  # a row of an earlier version: no kind, no category
            "INSERT INTO transactions (id, account_id, booked_at, description, amount_minor, currency) "
            f"VALUES ('txn_old', '{CURRENT}', '2026-06-11 11:00:00.000000', 'Cheque 0012345', -2500, 'EUR')"
        ))
        session.commit()
        rows = {t.id: (t.category, t.merchant) for t in session.execute(
            select(Transaction).where(Transaction.id.in_(["txn_a", "txn_b", "txn_c", "txn_old"]))).scalars()}

    assert rows == {"txn_a": ("restaurants", "Uber Eats"), "txn_b": ("transfers", None),
                    "txn_c": ("leisure", "Fnac Spectacles"), "txn_old": ("other", None)}
    newest = CustomerRecords(sessions).transactions(1, CURRENT, limit=4).transactions
    assert {(t.transaction_id, t.category, t.merchant) for t in newest} >= {("txn_old", "other", None)}


# --- the recurring-payment rule ---------------------------------------------------------------------------


def payments(name: str, days: list[date], amounts: list[str], to_merchant: bool = True, category: str = "leisure") -> list[Payment]:
    return [Payment(transaction_id=f"t-{name}-{i}", day=day, amount=Decimal(amount), name=name, to_merchant=to_merchant,
                    category=category, kind="card_payment")
            for i, (day, amount) in enumerate(zip(days, amounts))]


def monthly(first: date, count: int, day: Optional[int] = None) -> list[date]:
    return [add_months(first, i, day or first.day) for i in range(count)]


TODAY = date(2026, 6, 11)


def test_a_monthly_subscription_is_found_with_its_next_date():
    found = detect_recurring_payments(payments("Netflix", monthly(date(2026, 3, 15), 3), ["13.49"] * 3), TODAY, "EUR")

    assert len(found) == 1
    netflix = found[0]
    assert (netflix.merchant, netflix.frequency, netflix.typical_amount, netflix.occurrences) == (
        "Netflix", "monthly", Decimal("13.49"), 3)
    assert (netflix.first_date, netflix.last_date, netflix.next_date, netflix.active) == (
        date(2026, 3, 15), date(2026, 5, 15), date(2026, 6, 15), True)
    assert netflix.last_transaction_id == "t-Netflix-2" and netflix.currency == "EUR"


def test_a_one_off_payment_random_ones_and_people_are_not_recurring():
    one_off = payments("Ticketmaster", [date(2026, 5, 1)], ["89.00"])
    random_rides = payments("Uber", [date(2026, 4, 2), date(2026, 4, 9), date(2026, 4, 30), date(2026, 5, 3)],
                            ["14.20", "19.75", "11.30", "24.10"])
    irregular_amounts = payments("Monoprix", monthly(date(2026, 3, 2), 3), ["12.00", "80.00", "35.50"])
    twice_a_friend = payments("Tom Bernard", monthly(date(2026, 4, 20), 2), ["58.00", "58.00"], to_merchant=False)
    two_prices = payments("Deezer", monthly(date(2026, 4, 11), 2), ["11.99", "12.49"])
    cash = payments("ATM", monthly(date(2026, 3, 1), 3), ["60.00"] * 3, category="cash")
    savings = payments("Savings", monthly(date(2026, 3, 26), 3), ["300.00"] * 3, category="savings")

    assert detect_recurring_payments(
        one_off + random_rides + irregular_amounts + twice_a_friend + two_prices + cash + savings, TODAY, "EUR") == []


def test_two_like_payments_to_a_merchant_a_month_apart_are_enough_three_when_the_amount_moves():
    assert [r.merchant for r in detect_recurring_payments(
        payments("Deezer", monthly(date(2026, 4, 11), 2), ["11.99", "11.99"]), TODAY, "EUR")] == ["Deezer"]
    phone = detect_recurring_payments(payments("Orange", monthly(date(2026, 3, 5), 3), ["19.99", "21.40", "19.99"]), TODAY, "EUR")
    assert [(r.merchant, r.typical_amount, r.last_amount) for r in phone] == [("Orange", Decimal("19.99"), Decimal("19.99"))]
    assert detect_recurring_payments(payments("Orange", monthly(date(2026, 4, 5), 2), ["19.99", "21.40"]), TODAY, "EUR") == []


def test_weekly_and_yearly_payments():
    weekly = payments("Cours de yoga", [date(2026, 5, 19) + timedelta(days=7 * i) for i in range(3)], ["15.00"] * 3)
    yearly = payments("Amazon", [date(2025, 3, 2), date(2026, 3, 2)], ["49.00", "49.00"])
    found = {r.merchant: r for r in detect_recurring_payments(weekly + yearly, TODAY, "EUR")}

    assert (found["Cours de yoga"].frequency, found["Cours de yoga"].next_date) == ("weekly", date(2026, 6, 9))
    assert found["Cours de yoga"].active  # two days late: within 3 days
    assert (found["Amazon"].frequency, found["Amazon"].next_date, found["Amazon"].active) == ("yearly", date(2027, 3, 2), True)
    two_weeks = payments("Cours de yoga", [date(2026, 5, 26), date(2026, 6, 2)], ["15.00"] * 2)
    assert detect_recurring_payments(two_weeks, TODAY, "EUR") == []  # weekly needs three


def test_a_double_charge_counts_once_and_the_end_of_the_month_is_kept():
    double = payments("Spotify", [date(2026, 4, 8), date(2026, 5, 8), date(2026, 5, 8), date(2026, 6, 8)], ["10.99"] * 4)
    found = detect_recurring_payments(double, TODAY, "EUR")
    assert [(r.occurrences, r.last_transaction_id) for r in found] == [(3, "t-Spotify-3")]

    month_ends = payments("Loyer", [date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 31)], ["700.00"] * 3)
    assert detect_recurring_payments(month_ends, date(2026, 4, 1), "EUR")[0].next_date == date(2026, 4, 30)


def test_payments_that_stopped_are_not_active_and_come_last():
    stopped = payments("Canal+", monthly(date(2026, 1, 3), 3), ["22.99"] * 3)  # last on March 3: April 3 expected
    running = payments("Netflix", monthly(date(2026, 3, 15), 3), ["13.49"] * 3)
    found = detect_recurring_payments(stopped + running, TODAY, "EUR")

    assert [(r.merchant, r.active, r.next_date) for r in found] == [
        ("Netflix", True, date(2026, 6, 15)), ("Canal+", False, date(2026, 4, 3))]
    late = detect_recurring_payments(running, date(2026, 6, 22), "EUR")[0]
    assert late.active and detect_recurring_payments(running, date(2026, 6, 23), "EUR")[0].active is False


# --- the periods compared -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "today, asked, period, previous",
    [
        (date(2026, 6, 11), {}, ((2026, 6, 1), (2026, 6, 11)), ((2026, 5, 1), (2026, 5, 11))),
        (date(2026, 6, 11), {"month": date(2026, 5, 1)}, ((2026, 5, 1), (2026, 5, 31)), ((2026, 4, 1), (2026, 4, 30))),
        (date(2026, 6, 11), {"month": date(2026, 1, 1)}, ((2026, 1, 1), (2026, 1, 31)), ((2025, 12, 1), (2025, 12, 31))),
        (date(2026, 3, 30), {}, ((2026, 3, 1), (2026, 3, 30)), ((2026, 2, 1), (2026, 2, 28))),
        (date(2026, 3, 31), {}, ((2026, 3, 1), (2026, 3, 31)), ((2026, 2, 1), (2026, 2, 28))),
        (date(2026, 6, 11), {"since": date(2026, 5, 4), "until": date(2026, 5, 10)},
         ((2026, 5, 4), (2026, 5, 10)), ((2026, 4, 27), (2026, 5, 3))),
        (date(2026, 6, 11), {"since": date(2026, 6, 5)}, ((2026, 6, 5), (2026, 6, 11)), ((2026, 5, 29), (2026, 6, 4))),
        (date(2026, 6, 11), {"since": date(2026, 6, 5), "until": date(2027, 1, 1)},
         ((2026, 6, 5), (2026, 6, 11)), ((2026, 5, 29), (2026, 6, 4))),
    ],
)
def test_the_period_and_the_one_before(today: date, asked: dict, period: tuple, previous: tuple):
    found, before = spending_periods(today, **asked)

    assert (found.since, found.until) == (date(*period[0]), date(*period[1]))
    assert (before.since, before.until) == (date(*previous[0]), date(*previous[1]))


def test_a_period_that_has_not_begun_is_refused():
    with pytest.raises(InvalidRequest, match="month has not begun"):
        spending_periods(date(2026, 6, 11), month=date(2026, 7, 1))
    with pytest.raises(InvalidRequest, match="since is after today"):
        spending_periods(date(2026, 6, 11), since=date(2026, 6, 12))


def test_days_are_bounded_in_their_time_zone_across_a_clock_change():
    paris = ZoneInfo("Europe/Paris")
    start, end = Days(date(2026, 3, 29), date(2026, 3, 29)).bounds(paris)  # the clocks go forward: a 23-hour day

    assert (start, end) == (datetime(2026, 3, 28, 23, tzinfo=timezone.utc), datetime(2026, 3, 29, 22, tzinfo=timezone.utc))
    assert Days(date(2026, 5, 1), date(2026, 5, 31)).before() == Days(date(2026, 3, 31), date(2026, 4, 30))
    with pytest.raises(ValueError):
        Days(date(2026, 5, 2), date(2026, 5, 1))


def test_a_change_in_percent():
    assert percent_change(11000, 10000) == Decimal("10.00")
    assert percent_change(6667, 10000) == Decimal("-33.33")
    assert percent_change(100, 0) is None
    assert percent_change(1, 3) == Decimal("-66.67")
