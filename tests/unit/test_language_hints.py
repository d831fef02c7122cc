"""The language hints a channel may pass: the page's language (en|fr) and a locale babel knows, nothing else."""
import pytest

from bot.channels.language_hints import language_metadata, locale, page_language


@pytest.mark.parametrize("value, expected", [
    ("fr", "fr"), ("fr-FR", "fr"), ("FR", "fr"), ("fr_CA", "fr"), ("en", "en"), ("en-GB", "en"), (" en ", "en"),
    ("de", None), ("de-DE", None), ("", None), ("french", None), ("fr-FR-x-y", None), ("fr;DROP", None),
    (None, None), (7, None), (["fr"], None), ({"fr": 1}, None),
])
def test_the_page_language_is_english_or_french_only(value, expected):
    assert page_language(value) == expected


@pytest.mark.parametrize("value, expected", [
    ("fr-FR", "fr_FR"), ("fr_FR", "fr_FR"), ("fr-ca", "fr_CA"), ("en", "en"), ("EN-us", "en_US"), ("de-CH", "de_CH"),
    ("xx-YY", None), ("zz", None), ("fr-FR;q=0.9", None), ("../etc", None), ("a" * 40, None), ("", None), (None, None),
])
def test_a_locale_is_normalised_and_must_be_known_to_babel(value, expected):
    assert locale(value) == expected


def test_metadata_keeps_only_valid_hints():
    assert language_metadata("fr", "en-US") == {"language": "fr", "locale": "en_US"}
    assert language_metadata("de", "de-DE") == {"locale": "de_DE"}
    assert language_metadata("<script>", {"x": 1}) == {}
