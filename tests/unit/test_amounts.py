from decimal import Decimal

import pytest

from actions.text.amounts import Money, parse_money, parse_term_months, term_only


@pytest.mark.parametrize("typed, expected", [
    ("50€", Money(Decimal("50.00"), "EUR")),
    ("send 20€ to Tom", Money(Decimal("20.00"), "EUR")),
    ("EUR 1,200.50", Money(Decimal("1200.50"), "EUR")),
    ("1.200,50 €", Money(Decimal("1200.50"), "EUR")),
    ("1 200,50 euros", Money(Decimal("1200.50"), "EUR")),
    ("20,5", Money(Decimal("20.50"), "EUR")),
    ("fifty euros", Money(Decimal("50.00"), "EUR")),
    ("two hundred and fifty euros", Money(Decimal("250.00"), "EUR")),
    ("a 10k car loan", Money(Decimal("10000.00"), "EUR")),
    ("twenty thousand", Money(Decimal("20000.00"), "EUR")),
    ("$30", Money(Decimal("30.00"), "USD")),
    ("12.345", Money(Decimal("12345.00"), "EUR")),
])
def test_amounts_as_customers_type_them(typed, expected):
    assert parse_money(typed) == expected


@pytest.mark.parametrize("typed", ["", "hello", "zero euros", "0", "send money to Tom"])
def test_no_amount(typed):
    assert parse_money(typed) is None


@pytest.mark.parametrize("typed, months", [
    ("36 months", 36), ("3 years", 36), ("over 5 yrs", 60), ("two years", 24), ("18 mois", 18),
    ("1.5 years", 18), ("a 10k loan over 4 years", 48),
])
def test_terms_in_months(typed, months):
    assert parse_term_months(typed) == months


@pytest.mark.parametrize("typed", ["", "36", "soon", "0 months"])
def test_no_term(typed):
    assert parse_term_months(typed) is None


@pytest.mark.parametrize(
    "text, months",
    [("4 years", 48), ("36 months", 36), ("two years", 24), ("5000 over 4 years", None), ("10k", None),
     ("fifty euros", None), ("€12,000 for 5 years", None)],
)
def test_a_term_alone_is_told_from_an_amount_with_a_term(text, months):
    assert term_only(text) == months
