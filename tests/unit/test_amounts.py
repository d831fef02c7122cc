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


# --- French, and the rules both languages share ----------------------------------------------------

NNBSP, NBSP = "\u202f", "\u00a0"


def euros(value: str) -> Money:
    return Money(Decimal(value), "EUR")


@pytest.mark.parametrize("typed, expected", [
    ("20 balles", euros("20.00")),
    ("100 balles", euros("100.00")),
    ("20 €", euros("20.00")),
    ("20€", euros("20.00")),
    ("20 euros", euros("20.00")),
    ("€ 20", euros("20.00")),
    ("1 500 €", euros("1500.00")),
    (f"1{NNBSP}500{NNBSP}€", euros("1500.00")),  # how French prints it
    (f"1{NBSP}500,50 €", euros("1500.50")),
    ("1.500,50 €", euros("1500.50")),
    ("1500,50", euros("1500.50")),
    ("1 500,5", euros("1500.50")),
    ("10 000", euros("10000.00")),
    ("1 000 000", euros("1000000.00")),
    ("1'500", euros("1500.00")),  # Swiss
    ("0,50 €", euros("0.50")),
    ("1,50 €", euros("1.50")),
    ("mille euros", euros("1000.00")),
    ("deux cents euros", euros("200.00")),
    ("trois cent cinquante euros", euros("350.00")),
    ("deux mille cinq cents", euros("2500.00")),
    ("cinquante", euros("50.00")),
    ("vingt", euros("20.00")),
    ("vingt-cinq", euros("25.00")),
    ("Vingt-Cinq €", euros("25.00")),
    ("vingt et un euros", euros("21.00")),
    ("soixante et onze", euros("71.00")),
    ("soixante-dix", euros("70.00")),
    ("soixante-dix-sept", euros("77.00")),
    ("quatre-vingts", euros("80.00")),
    ("quatre-vingt-dix", euros("90.00")),
    ("quatre-vingt-dix-neuf euros", euros("99.00")),
    ("nonante-cinq", euros("95.00")),  # Belgian, Swiss
    ("dix mille", euros("10000.00")),
    ("deux mille vingt-cinq euros", euros("2025.00")),
    ("un million", euros("1000000.00")),  # the core bank refuses it, not the parser
    ("un million deux cent mille euros", euros("1200000.00")),
    ("2 millions d'euros", euros("2000000.00")),
    ("1,5 million", euros("1500000.00")),
    ("10 mille", euros("10000.00")),
    ("10k", euros("10000.00")),
    ("10 k€", euros("10000.00")),
    ("10K€", euros("10000.00")),
    ("1,5k", euros("1500.00")),  # a decimal comma: one digit after it
    ("1.5k", euros("1500.00")),
    ("un euro", euros("1.00")),
    ("12€50", euros("12.50")),
    ("12 euros 50", euros("12.50")),
    ("envoie 12 € 50 à Tom", euros("12.50")),
    ("12 euros et 50 centimes", euros("12.50")),
    ("douze euros cinquante", euros("12.50")),
    ("50 centimes", euros("0.50")),
    ("cinquante centimes", euros("0.50")),
    ("envoie 20 balles à Tom", euros("20.00")),
    ("je veux faire un virement de cinquante euros à Paul", euros("50.00")),
    ("un virement de 20 €", euros("20.00")),  # "un" is an article
    ("mets plutôt 30€", euros("30.00")),
    ("un prêt auto de 15 000 € sur 5 ans", euros("15000.00")),
    ("sur 5 ans, 10 000 €", euros("10000.00")),  # "5 ans" is a term, not an amount
    ("sur 4 ans 5000", euros("5000.00")),
    ("envoie 20 € au 06 12 34 56 78", euros("20.00")),  # the phone number is no amount
    ("envoie cinquante euros au 0612345678", euros("50.00")),
    ("le 15 novembre, envoie 40 €", euros("40.00")),
    ("le 1er, 20€", euros("20.00")),
    ("20 € le 15", euros("20.00")),
    ("20 € 15 fois", euros("20.00")),
    ("20 francs suisses", Money(Decimal("20.00"), "CHF")),  # recognised, so that it can be refused
    ("20 livres sterling", Money(Decimal("20.00"), "GBP")),
    ("20 dollars", Money(Decimal("20.00"), "USD")),
])
def test_french_amounts(typed, expected):
    assert parse_money(typed) == expected


@pytest.mark.parametrize("typed, expected", [
    ("1,500", "1500.00"),      # three digits after the separator: thousands, in either language
    ("1.500", "1500.00"),
    ("1,500.50", "1500.50"),
    ("1.500,50", "1500.50"),
    ("1 500.50", "1500.50"),
    ("1,50", "1.50"),          # one or two: decimals, in either language
    ("1.50", "1.50"),
    ("1,5", "1.50"),
    ("1,000,000", "1000000.00"),
    ("1.000.000,99", "1000000.99"),
])
def test_the_separator_rule_is_the_same_in_both_languages(typed, expected):
    assert parse_money(typed) == euros(expected)


@pytest.mark.parametrize("typed, expected", [
    ("send fifty euros to +33 6 11 22 33 44", euros("50.00")),  # the amount with a currency wins
    ("send 20 euros to 0612345678", euros("20.00")),
    ("fifty cents", euros("0.50")),
    ("50 cents", euros("0.50")),
    ("a hundred", euros("100.00")),
    ("a thousand euros", euros("1000.00")),
    ("20 thousand", euros("20000.00")),
    ("twenty grand", euros("20000.00")),
    ("twelve hundred", euros("1200.00")),
    ("ninety-nine", euros("99.00")),
    ("vingt-cinq euros, I mean 25", euros("25.00")),  # mixed: the one with a currency
])
def test_english_cases_the_shared_rules_read_better(typed, expected):
    assert parse_money(typed) == expected


@pytest.mark.parametrize("typed", [
    "", "   ", "bonjour", "envoie de l'argent à Tom", "un virement", "zéro euro", "0 €", "0,00",
    "1,500,50",        # a grouping comma, then a decimal comma: no amount can be both
    "12.3456",         # more than two decimals
    "0,500",
    "€€€", "-", "1er", "15th", "10h", "1e9", "FR76",
    "5 ans", "36 mois", "3 %", "20 pour cent",
    "le 15 novembre", "les 30 derniers jours",
    "un appartement neuf",  # new, not nine
    "merci",
    "9" * 40,
    "{\"amount\": }", "\x00\ud800", "/inform{\"amount\":\"x\"}",
])
def test_no_french_amount(typed):
    assert parse_money(typed) is None


@pytest.mark.parametrize("typed", [
    "30e", "30 e", "30E", "30 eur", "30 euros", "envoie 30e à Tom", "envoie 30 e à Tom", "vire 30e sur mon livret",
    "30e stp", "mets plutôt 30e", "le 3e, envoie 30e", "envoie 30e au 06 12 34 56 78",
])
def test_an_e_after_a_number_is_euros_as_french_customers_write_them(typed):
    assert parse_money(typed) == euros("30.00")
    assert parse_money(typed, currency_required=True) == euros("30.00")  # written with its currency


@pytest.mark.parametrize("typed", [
    "le 3e", "le 3e jour", "3e jour", "ma 2e carte", "au 3e étage", "paiements du 3e au 10e", "2eme", "2e3",
])
def test_an_e_that_makes_an_ordinal_is_no_currency(typed):
    assert parse_money(typed, currency_required=True) is None


def test_money_is_decimal():
    money = parse_money("1 500,50 €")
    assert isinstance(money.amount, Decimal) and money.amount == Decimal("1500.50")


@pytest.mark.parametrize("typed, months", [
    ("3 ans", 36), ("36 mois", 36), ("sur 5 ans", 60), ("deux ans", 24), ("un an", 12), ("une année", 12),
    ("5 années", 60), ("5 annees", 60), ("vingt-cinq ans", 300), ("trente-six mois", 36), ("quinze ans", 180),
    ("sur vingt ans", 240), ("2 ans et demi", 30), ("trois ans et demi", 42), ("1 an et 6 mois", 18),
    ("1,5 an", 18), ("pour 60 mensualités", 60), ("un prêt de 10 000 € sur 5 ans", 60),
    ("two and a half years", 30), ("2 years 6 months", 30), ("a year", 12),
])
def test_french_terms_in_months(typed, months):
    assert parse_term_months(typed) == months


@pytest.mark.parametrize("typed", ["", "36", "bientôt", "0 mois", "99999999999999999999999999999999 ans", "un appartement", "an apartment", "1,3 ans", "ans"])
def test_no_french_term(typed):
    assert parse_term_months(typed) is None


@pytest.mark.parametrize("text, months", [
    ("3 ans", 36), ("sur 5 ans", 60), ("deux ans", 24), ("36 mois", 36),
    ("10 000 € sur 5 ans", None), ("5000 sur 4 ans", None), ("dix mille", None), ("20 balles", None),
])
def test_a_french_term_alone_is_told_from_an_amount_with_a_term(text, months):
    assert term_only(text) == months


def test_a_long_message_is_read_from_its_beginning_only():
    assert parse_money("envoie 20 € " + "quatre-vingt-" * 10_000) == euros("20.00")
    assert parse_money("bla " * 10_000 + "20 €") is None  # past the first 1,000 characters
    assert parse_term_months("1 " * 50_000) is None


@pytest.mark.parametrize("typed, expected", [
    ("je voudrais faire un virement de 20 € au +33 6 11 22 33 44", Money(Decimal("20.00"), "EUR")),
    ("envoie vingt euros à Tom", Money(Decimal("20.00"), "EUR")),
    ("EUR 50 to +33 6 11 22 33 44", Money(Decimal("50.00"), "EUR")),
    ("send 20 to Tom", None),  # a bare number in a request may be a count, a day, part of a name
    ("virement à Tom le 15 novembre", None),
    ("un virement au +33 6 11 22 33 44", None),
])
def test_an_amount_with_its_currency_only(typed, expected):
    assert parse_money(typed, currency_required=True) == expected
