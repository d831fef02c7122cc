import pytest

from actions.text.cards import card_kind, says_stolen
from actions.text.numbers import fold, read_number_words, small_number, words


@pytest.mark.parametrize("typed, value", [
    ("two hundred and fifty", 250), ("twelve hundred", 1200), ("one hundred thousand", 100000),
    ("vingt-cinq", 25), ("vingt et un", 21), ("trente-et-un", 31), ("soixante et onze", 71),
    ("soixante-dix-neuf", 79), ("quatre-vingts", 80), ("quatre-vingt-un", 81), ("quatre-vingt-onze", 91),
    ("quatre-vingt-dix-neuf", 99), ("septante-deux", 72), ("huitante", 80), ("octante", 80), ("nonante", 90),
    ("cent", 100), ("cent un", 101), ("deux cents", 200), ("deux cent trois", 203), ("mille", 1000),
    ("mille deux cents", 1200), ("deux mille cinq cents", 2500), ("dix mille", 10000),
    ("un million deux cent mille", 1200000), ("deux milliards", 2000000000), ("zéro", 0), ("Zéro", 0),
])
def test_number_words(typed, value):
    tokens = words(fold(typed))
    assert read_number_words(tokens, 0) == (value, len(tokens))


@pytest.mark.parametrize("typed, value", [
    ("twenty thirty", 20), ("cinq dix", 5), ("five four", 5), ("mille mille", 1000), ("fifty cents", 50),
])
def test_a_sequence_nobody_says_ends_the_number(typed, value):
    assert read_number_words(words(fold(typed)), 0)[0] == value


@pytest.mark.parametrize("typed", ["un virement", "une carte", "a loan", "grand", "bonjour", ""])
def test_articles_and_other_words_are_no_number(typed):
    assert read_number_words(words(fold(typed)), 0) is None


def test_fold():
    assert fold("Aujourd’hui DÉCEMBRE 1\u202f500\u00a0€ 1ᵉʳ") == "aujourd'hui decembre 1 500 € 1er"
    assert fold(None) == ""


@pytest.mark.parametrize("typed, value", [
    ("30", 30), ("trente", 30), ("une", 1), ("a", 1), ("vingt-cinq", 25), ("few", None), ("", None),
])
def test_small_number(typed, value):
    assert small_number(typed) == value


@pytest.mark.parametrize("typed, kind", [
    ("ma carte de crédit", "credit"), ("la carte de credit", "credit"), ("Crédit", "credit"),
    ("the credit one", "credit"), ("ma carte de débit", "debit"), ("carte bleue", "debit"), ("ma CB", "debit"),
    ("debit card", "debit"), ("celle qui finit par 1234", None), ("crédit ou débit ?", None), ("", None),
])
def test_card_kind(typed, kind):
    assert card_kind(typed) == kind


@pytest.mark.parametrize("typed, stolen", [
    ("my card was stolen", True), ("I've been pickpocketed", True), ("on m'a volé ma carte", True),
    ("ma carte a été volée", True), ("un voleur a pris mon sac", True), ("je me suis fait agresser", True),
    ("on m'a piqué ma carte", True), ("j'ai perdu ma carte", False), ("I lost my card", False),
    ("ma carte a été avalée par le distributeur", False), ("", False),
])
def test_says_stolen(typed, stolen):
    assert says_stolen(typed) is stolen
