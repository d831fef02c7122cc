"""bot.nlu.language_detector: explicit requests first, then short messages, names, mixed messages and lingua."""
import time

import pytest
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.language_detector import (
    LanguageDetector, LanguageSettings, asked_language, detect_language, is_a_word, lingua_detector,
)

EXPLICIT = [
    ("in English please", "en"),
    ("en anglais stp", "en"),
    ("En anglais s'il vous plaît", "en"),
    ("speak French", "fr"),
    ("parlez-vous français ?", "fr"),
    ("parlez vous francais", "fr"),   # no hyphen, no accent
    ("tu parles anglais ?", "en"),
    ("français svp", "fr"),
    ("francais stp", "fr"),
    ("English?", "en"),
    ("english", "en"),
    ("Français", "fr"),
    ("FRENCH!!", "fr"),
    ("en francais", "fr"),
    ("switch to french", "fr"),
    ("can we talk in french", "fr"),
    ("reply in english", "en"),
    ("I'd rather write in French", "fr"),
    ("could we do this in English", "en"),
    ("passer en français", "fr"),
    ("réponds en anglais stp", "en"),
    ("can you speak englsih", "en"),  # typo
    ("do you speak frensh?", "fr"),   # typo
    # A refusal asks for the other language; a question with a negation does not refuse.
    ("I don't speak French", "en"),
    ("I dont understand french very well", "en"),
    ("je ne parle pas anglais", "fr"),
    ("je parle pas l'anglais", "fr"),
    ("j'comprends pas l'anglais", "fr"),
    ("no French please", "en"),
    ("non, pas en anglais", "fr"),
    ("why don't you speak French?", "fr"),
    ("tu parles pas français ?", "fr"),
]

# Explicit wins over the language the message is written in.
EXPLICIT_OVER_WRITTEN = [
    ("quel est mon solde en anglais", "en"),
    ("what is my balance in french", "fr"),
    ("je veux bloquer ma carte, in English please", "en"),
    ("can you speak French please", "fr"),
]

# Mentions of a language or of France that ask for nothing: decided by what they are written in.
NOT_A_REQUEST = [
    ("I have a French bank account", "en"),
    ("I want to talk about my French account", "en"),
    ("French fries are great", "en"),
    ("un virement en France", "fr"),
    ("je suis français", "fr"),
    ("tu peux traduire ce courrier en anglais", "fr"),   # a translation, out of scope
    ("what's the French word for overdraft", "en"),
    ("do you speak English or French?", "en"),   # asks for both: its words decide
]

WRITTEN = [
    ("what's my balance?", "en"),
    ("I lost my card yesterday", "en"),
    ("send 50 euros to my sister", "en"),
    ("how much can I borrow for a car", "en"),
    ("quel est mon solde", "fr"),
    ("je veux bloquer ma carte", "fr"),
    ("virement de 50 a Camille", "fr"),
    ("combien jai sur mon compte", "fr"),        # no apostrophe
    ("cest quoi mon solde", "fr"),
    ("jveux faire un virement", "fr"),           # SMS spelling
    ("je voudrais un pret pour ma voiture", "fr"),  # no accent
    ("mes dernieres operations svp", "fr"),
    ("show me my last transactions please", "en"),
]

# Greetings do not decide a message that has a request: the request does.
MIXED = [
    ("bonjour, what's my balance?", "en"),
    ("Bonjour ! I lost my card", "en"),
    ("hello, quel est mon solde ?", "fr"),
    ("hi, je veux bloquer ma carte", "fr"),
    ("merci, and what about my savings account?", "en"),
]

SHORT_UNAMBIGUOUS = [
    ("merci", "fr"), ("Merci !", "fr"), ("merci beaucoup", "fr"), ("bonjour", "fr"), ("Bonsoir", "fr"),
    ("oui", "fr"), ("non", "fr"), ("salut", "fr"), ("d'accord", "fr"), ("au revoir", "fr"),
    ("s'il vous plait", "fr"), ("oui merci", "fr"),
    ("thanks", "en"), ("thank you", "en"), ("yes", "en"), ("please", "en"), ("goodbye", "en"),
    ("good morning", "en"),
]

NEVER = [
    "ok", "OK", "okay", "cool", "super", "top", "hello", "hi", "bye", "no", "vous", "you",
    "100001", "482913", "+33612345678", "06 12 34 56 78", "4321", "10k", "50€", "FR76 3000 6000 0112 3456 7890 189",
    "👍", "😀😀", "?", "...", "", "   ",
    "Paul Dupont", "Marie Dubois", "Jean-Pierre Durand", "Alex Martin",
    "transfer 250 to Pierre",          # the name is French, the rest too short to tell
    "hey salut",                        # a greeting of each language
    "ok merci bye",
]

# Text that is no word of a language: lingua named one for each of these (the old rule let them through, French
# for some, English for others); none may switch a conversation, whichever language it is in.
NO_WORDS = [
    "bbbbbbbbbb", "b" * 1500, "bbbb bbbb bbbb", "bbbbbbbbbb bbbbbbbbbb", "mmmmmmmm nnnnnnnn",  # a repeated letter
    "hahaha hahaha", "ahahahah ptdrrrr", "jdjdjdj jdjdj", "lololol mdr ptdr",                # laughs, a unit repeated
    "asdf qwer zxcv", "qsdfgh jklm", "azerty uiop", "hjkl hjkl", "kjhkjh lkjlkj", "sdfsdf sdfsdf",  # keyboard mash
    "zxcvbnm asdfghjkl", "azertyuiop qsdfghjklm wxcvbn", "poiuytreza mlkjhgfdsq",
    "😀", "😀😀😀 👍", "123 456 789 000", "a a a a a a a a",                             # emojis, digits, one word
]

# A real sentence still decides when mash, a laugh or an emoji comes with it.
WORDS_AMONG_NO_WORDS = [
    ("asdf je voudrais bloquer ma carte", "fr"),
    ("bbbbbbbb quel est mon solde", "fr"),
    ("😀 quel est mon solde ?", "fr"),
    ("qwerty what is my balance", "en"),
    ("hahaha I lost my card yesterday", "en"),
    ("I lost my card 😀 yesterday", "en"),
]


@pytest.mark.parametrize("text, language", EXPLICIT + EXPLICIT_OVER_WRITTEN)
def test_an_explicit_request_names_the_language_it_asks_for(text, language):
    assert asked_language(text) == language
    assert detect_language(text) == language


@pytest.mark.parametrize("text, language", NOT_A_REQUEST)
def test_a_mention_that_asks_for_nothing_is_no_request(text, language):
    assert asked_language(text) is None
    assert detect_language(text) == language


@pytest.mark.parametrize("text, language", WRITTEN)
def test_the_language_a_message_is_written_in(text, language):
    assert detect_language(text) == language


@pytest.mark.parametrize("text, language", MIXED)
def test_in_a_mixed_message_the_request_decides_not_the_greeting(text, language):
    assert detect_language(text) == language


@pytest.mark.parametrize("text, language", SHORT_UNAMBIGUOUS)
def test_short_but_unambiguous_courtesy_words_decide(text, language):
    assert detect_language(text) == language


@pytest.mark.parametrize("text", NEVER)
def test_numbers_codes_emojis_names_and_words_of_both_languages_decide_nothing(text):
    assert detect_language(text) is None



@pytest.mark.parametrize("text", NO_WORDS)
def test_text_that_is_no_word_of_a_language_decides_nothing(text):
    assert detect_language(text) is None


@pytest.mark.parametrize("text, language", WORDS_AMONG_NO_WORDS)
def test_the_words_of_a_message_decide_whatever_mash_comes_with_them(text, language):
    assert detect_language(text) == language


@pytest.mark.parametrize("word", [
    "a", "I", "y", "à", "my", "balance", "were", "type", "pour", "tres", "très", "d'accord", "parlez-vous", "coco",
    "bonbon", "ananas", "rythme", "strengths", "qu'est-ce",
])
def test_words_of_english_and_french_are_words(word):
    assert is_a_word(word)


@pytest.mark.parametrize("word", [
    "b", "bb", "bbbbbbbbbb", "aaaa", "zxcv", "hjkl", "rdv", "hahaha", "jdjdjd", "lololol", "asdf", "qwerty", "azerty",
    "qsdfgh", "uiop", "poiuy", "asdfasdf", "fghfghfgh",
])
def test_a_letter_repeated_a_unit_repeated_a_keyboard_slide_and_no_vowel_are_no_words(word):
    assert not is_a_word(word)

def test_a_higher_relative_distance_decides_less():
    text = "quel est mon solde"  # lingua: French at 0.69
    assert detect_language(text, LanguageSettings(min_relative_distance=0.3)) == "fr"
    assert detect_language(text, LanguageSettings(min_relative_distance=0.5)) is None


def test_min_words_and_letters_send_short_messages_to_the_lexicon_only():
    assert detect_language("virement urgent") == "fr"
    assert detect_language("virement urgent", LanguageSettings(min_words=3)) is None
    assert detect_language("virement urgent", LanguageSettings(min_letters=20)) is None


def test_the_detector_is_built_once_per_process_and_is_fast():
    assert lingua_detector(0.3, False) is lingua_detector(0.3, False)
    detect_language("warm up")
    texts = [text for text, _ in WRITTEN + MIXED + EXPLICIT] * 5
    started = time.perf_counter()
    for text in texts:
        detect_language(text)
    per_message_ms = (time.perf_counter() - started) * 1000 / len(texts)
    assert per_message_ms < 5, per_message_ms


# --------------------------------------------------------------------------- the Rasa component

def _parse(component, text, entities=()):
    message = Message(data={"text": text, "entities": list(entities)})
    component.process([message])
    return message.get("entities")


def test_the_component_adds_one_language_entity_spanning_the_message():
    component = LanguageDetector({})
    text = "parlez-vous français ?"
    assert _parse(component, text) == [
        {"entity": "language", "value": "fr", "start": 0, "end": len(text), "extractor": "LanguageDetector"},
    ]


def test_the_component_keeps_the_other_extractors_entities_and_adds_none_when_unsure():
    component = LanguageDetector({})
    crf = {"entity": "amount", "value": "50", "start": 5, "end": 7, "extractor": "CRFEntityExtractor"}
    entities = _parse(component, "send 50 euros to my sister", [crf])
    assert entities[0] == crf and [e["value"] for e in entities[1:]] == ["en"]
    assert _parse(component, "100001", [crf]) == [crf]



def test_the_component_adds_no_language_for_a_repeated_letter_or_a_keyboard_mash():
    component = LanguageDetector({})
    for text in ("bbbbbbbbbb", "b" * 1500, "bbbb bbbb bbbb", "asdf qwer zxcv", "😀"):
        assert _parse(component, text) == [], text

def test_a_payload_keeps_its_own_entities():
    component = LanguageDetector({})
    payload = '/switch_language{"language":"fr"}'
    assert _parse(component, payload) == []


def test_its_settings_come_from_the_config_and_are_checked():
    component = LanguageDetector({"min_relative_distance": 0.5, "min_words": 3})
    assert component.settings == LanguageSettings(min_relative_distance=0.5, min_words=3)
    with pytest.raises(InvalidConfigException):
        LanguageDetector({"min_relative_distance": 1.5})
    with pytest.raises(InvalidConfigException):
        LanguageDetector({"min_letters": 0})
