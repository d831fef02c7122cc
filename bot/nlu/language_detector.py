"""Rasa entity extractor: the language a message asks for, or is confidently written in (en | fr).

Use in config.yml, after the other extractors (EntitySynonymMapper then never remaps its value)::

    - name: bot.nlu.language_detector.LanguageDetector

It adds at most one entity, ``{"entity": "language", "value": "en" | "fr", "extractor":
"LanguageDetector", "start": 0, "end": len(text)}``; the ``language`` slot takes it (from_entity), so
the bot answers in that language from this turn on. No entity: the conversation keeps its language.

What decides, in this order:

1. **An explicit request** wins over the language the message is written in: "in English please",
   "en anglais stp", "speak French", "parlez-vous français ?", "français svp", "English?", a message
   that is just the language's name. A refusal asks for the other one: "I don't speak French",
   "je ne parle pas anglais", "pas en anglais". The language's name must end the request (end of the
   message, punctuation, or a courtesy word such as "please", "now", "svp"): "I have a French bank
   account", "talk about my French account" and "un virement en France" ask for nothing. A message
   asking for both ("English or French?") decides nothing by itself and goes on to 2.
2. **Short messages** (fewer than ``min_words`` distinct words or ``min_letters`` letters, digits,
   emojis and the text 5 leaves out not counted) never go to the statistical detector: only when
   every word is an unambiguous courtesy word of one language ("bonjour", "merci", "oui", "salut",
   "d'accord", "au revoir"; "thanks", "thank you", "yes", "please", "goodbye") do they decide. "ok",
   "cool", "super", "hello", "bye", "no", "100001", a code, an emoji: nothing ("hello" and "bye" are
   everyday French too).
3. **Names** ("Paul Dupont", "Marie Dubois": up to three words, all capitalised) decide nothing: they
   are answers to "who should I send it to?", not a language.
4. **Mixed messages**: courtesy words do not decide a message that has other words, the request
   does. "bonjour, what's my balance?" is English, "hello, quel est mon solde ?" is French; the
   rest of the message is then judged by 2 and 5.
5. **Text that is no word of a language** is left out before 2 is applied and never reaches lingua
   (which names English or French for any string of letters: "bbbb bbbb bbbb" was French at 0.97,
   "asdf qwer zxcv" English at 0.70). A word of a language has a vowel (a, e, i, o, u, y, accented or
   not), two different letters or more unless it is one letter, and is neither a short unit repeated
   ("bbbbbbbbbb", "hahaha", "jdjdjd", "lololol": one to three letters three times or more) nor a slide
   along a row of a QWERTY or AZERTY keyboard ("asdf", "qwerty", "azerty", "qsdfgh", "uiop", "asdfasdf":
   runs of three neighbouring keys or more, either way). Digits and emojis were never words. The words
   left must still be ``min_words`` distinct words and ``min_letters`` letters: a repeated word counts
   once ("a a a a a a a a" decides nothing). Vowelless abbreviations ("rdv", "cb", "sms", "bjr") go out
   with the mash; the words around them decide. A mash with vowels that is none of these shapes
   ("fjdkslaie qpwoeiru") can still be read as a language: the rule takes out the usual shapes, not all.
6. **Names inside a sentence** ("transfer 250 to Pierre": capitalised words after the first) are
   left out, then **the statistical detector** (lingua, English and French only, high accuracy mode)
   names a language only if its two candidates are at least ``min_relative_distance`` apart (0.3:
   the top one has a confidence of 0.65 or more); below that the message is mixed or too unclear.

Measured on the held-out NLU sets (tests/nlu/independent_heldout_{en,fr}.yml, 1,283 English and
1,350 French lines): right 81 % / 81 %, wrong 0.2 % / 0.5 % (mixed lines such as "last mouvements",
"la mastercard", "blocker ma carte"), no decision for the rest (greetings such as "hi robot",
"slt", one-word answers, codes). A wrong switch costs more than none (the conversation keeps its
language), yet "quel est mon solde" (confidence 0.69) must switch: 0.4 gets 79 % / 79 % right and
0.2 % / 0.4 % wrong, 0.2 gets 84 % / 83 % right and 0.6 % / 0.8 % wrong. The low accuracy mode
(10 MB of models instead of ~130 MB) is wrong ten times as often.

Those figures predate rule 5. On the training lines (data/nlu/: 4,860 English, 4,926 French, the
out_of_scope keyboard mash included) it took 15 English and 7 French lines from their file's language to
no decision (5 of them mash; repeated words such as "stop stop stop", "nope nope", "annule annule";
vowelless abbreviations: "derniers mvts", "le solde de mon LDDS svp") and 11 from the other language to
no decision ("dfgdfg sdf ghhh", "jhgfd lkjhg", "lst operations", "mes prlvts", "ciao ciao"); none changed
from one language to the other.

The detector is built once per process, with both models loaded up front (about 0.25 s), and
shared by every instance; a message takes well under a millisecond.
"""
from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from typing import Any, Dict, FrozenSet, List, Optional, Sequence, Text, Tuple

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.constants import (
    ENTITIES, ENTITY_ATTRIBUTE_END, ENTITY_ATTRIBUTE_START, ENTITY_ATTRIBUTE_TYPE, ENTITY_ATTRIBUTE_VALUE,
    EXTRACTOR, TEXT,
)
from rasa.shared.nlu.training_data.message import Message

ENTITY = "language"
ENGLISH, FRENCH = "en", "fr"
LANGUAGES = (ENGLISH, FRENCH)

MIN_RELATIVE_DISTANCE = "min_relative_distance"
MIN_WORDS = "min_words"
MIN_LETTERS = "min_letters"
LOW_ACCURACY = "low_accuracy"

# A word: letters, with inner apostrophes and hyphens ("what's", "d'accord", "parlez-vous").
_WORD = re.compile(r"[^\W\d_]+(?:['’\-][^\W\d_]+)*")

# --------------------------------------------------------------------------- explicit requests

# Every spelling is compared without accents and in lower case.
_NAMES = {
    ENGLISH: r"(?:english|englsih|englis|inglish|anglais|anglai|angalis)",
    FRENCH: r"(?:french|frensh|frech|frenh|francais|francai|fancais|francaise)",
}
# What may follow the language's name in a request: nothing, punctuation, or one of these.
_TAIL = (r"(?:please|pls|plz|thanks|thank|now|instead|only|from|so|because|if|and|or|for|with|then|"
         r"svp|stp|merci|maintenant|plutot|seulement|si|s'il|sil|car|parce|a|des|desormais|aussi|et|ou|"
         r"avec|pour|moi|me|thx|mtn)")
_END = rf"(?=\s*(?:$|[^\w\s'’]|{_TAIL}\b))"
_ARTICLE = r"(?:(?:the|le|l'|l’|en)\s*)?"
# Verbs that ask for a language: "speak French", "reply in English", "parlez-vous anglais", "écrivez en français".
_VERB = (r"(?:speak|speaks|talk|write|writing|reply|answer|respond|chat|continue|carry on|switch|switch to|"
         r"change to|go back to|back to|use|understand|read|"
         r"parle|parles|parlez|parler|parlons|ecris|ecrivez|ecrire|reponds|repondez|repondre|"
         r"continuez|continuer|passe|passez|passer|passons|repasser|utilise|utilisez|utiliser|comprends|"
         r"comprenez|comprendre|lis|lire|discuter|discutons|causer|"
         r"parlez-vous|parles-tu|parle-tu|parlez vous|parles tu)")
_NEGATION_AFTER = r"(?:pas|plus|point)"
# A refusal needs its speaker: "I don't speak French" asks for English, "why don't you speak French?" for French.
_I_CANNOT = r"(?:i|i'm|im)\s+(?:really\s+|just\s+)?(?:don't|dont|do not|can't|cant|cannot|can not|am not|never)"
_JE_NE = r"(?:je|j')\s*(?:ne\s+|n')?"


def _patterns(name: str) -> Tuple[re.Pattern, re.Pattern, re.Pattern, re.Pattern]:
    """The patterns of one language's name: asks for it, refuses it, alone, mentioned at all."""
    in_language = rf"(?:in|en|into)\s+{_ARTICLE}{name}"
    either = rf"(?:{in_language}|{_ARTICLE}{name})"
    asks = re.compile(
        # "reply in English", "speak French", "parlez-vous le français", "passer en anglais"
        rf"\b{_VERB}\b(?:\s+[\w'\-]+){{0,3}}?\s+{either}{_END}"
        # "in English please", "en français svp" anywhere when the name ends the request
        rf"|\b{in_language}{_END}"
    )
    refuses = re.compile(
        # "I don't speak French", "I can't read english", "je ne parle pas anglais", "je comprends pas le français"
        rf"\b{_I_CANNOT}\s+(?:\w+\s+)?{_VERB}\s+{either}\b"
        rf"|\b{_JE_NE}{_VERB}\s+{_NEGATION_AFTER}\s+(?:\w+\s+)?{either}\b"
        # "not in French", "no French please", "non, pas en anglais" (opening the message or a sentence:
        # "tu parles pas français ?" asks for French)
        rf"|(?:^|[,.;:!?]\s*)\W*(?:not|no|pas)\s+{either}{_END}"
    )
    # The name alone, or with courtesy words and punctuation only: "English?", "français svp", "en anglais".
    alone = re.compile(rf"^\W*(?:{_TAIL}\W+)*(?:in\s+)?{_ARTICLE}{name}(?:\W+{_TAIL})*\W*$")
    mentioned = re.compile(rf"\b{name}\b")
    return asks, refuses, alone, mentioned


_TRANSLATION = re.compile(
    r"\b(?:translat\w*|tradu\w*|how do you say|comment (?:on )?dit|comment dit-on|word for|mot pour)")
_REQUESTS = {language: _patterns(name) for language, name in _NAMES.items()}


def _other(language: str) -> str:
    return FRENCH if language == ENGLISH else ENGLISH


def asked_language(text: str) -> Optional[str]:
    """The language a message explicitly asks for, or None (no request, or both asked for)."""
    folded = fold(text)
    if not any(mentioned.search(folded) for _, _, _, mentioned in _REQUESTS.values()):
        return None
    if _TRANSLATION.search(folded):  # "translate this letter into English" is a question, not a request
        return None
    asked = set()
    for language, (asks, refuses, alone, _) in _REQUESTS.items():
        if refuses.search(folded):
            asked.add(_other(language))
        elif alone.match(folded) or asks.search(folded):
            asked.add(language)
    return asked.pop() if len(asked) == 1 else None


# --------------------------------------------------------------------------- short messages

# Unambiguous courtesy words: a short message made of these alone says which language it is in.
_COURTESY: Dict[str, FrozenSet[str]] = {
    FRENCH: frozenset({"bonjour", "bonsoir", "merci", "beaucoup", "oui", "ouais", "salut", "coucou", "non",
                       "d'accord", "daccord", "au", "revoir", "svp", "stp", "bonne", "journee", "soiree",
                       "s'il", "vous", "plait", "tres", "bien"}),
    ENGLISH: frozenset({"thanks", "thank", "you", "yes", "yeah", "yep", "please", "goodbye", "good", "morning",
                        "evening", "afternoon", "cheers", "very", "much"}),
}
# Words that greet, thank or ask politely, in either language (or both): they do not decide a
# message that has other words ("bonjour, what's my balance?" is English).
_GREETINGS = frozenset({"bonjour", "bonsoir", "salut", "coucou", "merci", "beaucoup", "svp", "stp", "hello",
                        "hi", "hey", "thanks", "thank", "please", "pls", "plz", "cheers", "ok", "okay", "bye"})


def courtesy_language(words: Sequence[str]) -> Optional[str]:
    """en or fr when every word is one of that language's unambiguous courtesy words."""
    if not words:
        return None
    found = [language for language, lexicon in _COURTESY.items() if all(w in lexicon for w in words)]
    # "vous" alone is not a greeting; "you" neither: at least one word must be more than filler.
    return found[0] if len(found) == 1 and not set(words) <= {"vous", "you", "very", "much", "au", "tres"} else None


def words_of(text: str) -> List[str]:
    return _WORD.findall(text)


def fold(text: str) -> str:
    """Lower case, without accents, apostrophes made straight: "Français" -> "francais"."""
    decomposed = unicodedata.normalize("NFKD", text.lower().replace("’", "'"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _capitalised(word: str) -> bool:
    return word[0].isupper() and not word.isupper()


# --------------------------------------------------------------------------- text that is no word

_VOWELS = frozenset("aeiouy")
# The letter rows of QWERTY and AZERTY keyboards: a run of 3 neighbouring keys or more along one, either way,
# is a slide of the fingers, not a word.
_KEYBOARD_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm", "azertyuiop", "qsdfghjklm", "wxcvbn")
_KEYBOARD_RUNS = frozenset(
    row[start:end]
    for line in _KEYBOARD_ROWS for row in (line, line[::-1])
    for start in range(len(row)) for end in range(start + 3, len(row) + 1)
)
_LONGEST_RUN = max(len(row) for row in _KEYBOARD_ROWS)


def _repeated_unit(letters: str) -> bool:
    """ "bbbb", "hahaha", "jdjdjd", "lololol": one to three letters, three times or more (the last may be cut)."""
    return any(len(letters) >= 3 * size and letters == (letters[:size] * len(letters))[:len(letters)]
               for size in (1, 2, 3))


def _keyboard_slide(letters: str) -> bool:
    """ "asdf", "qwerty", "poiuy", "asdfasdf": made of runs of 3+ neighbouring keys along a keyboard row."""
    if len(letters) < 3:
        return False
    ends = [True] + [False] * len(letters)  # ends[i]: letters[:i] is made of runs
    for end in range(3, len(letters) + 1):
        ends[end] = any(ends[start] and letters[start:end] in _KEYBOARD_RUNS
                        for start in range(max(0, end - _LONGEST_RUN), end - 2))
    return ends[-1]


def is_mash(word: str) -> bool:
    """Whether `word` is surely no word: a unit repeated ("bbbb", "hahaha"), a keyboard slide ("asdf", "qsdfgh"),
    or five letters or more without a vowel ("bcdfgh"). Shorter vowelless words may be abbreviations ("rdv",
    "cb", "svp", "thx", "mdr"): not mash, though not words of a language either (`is_a_word`)."""
    letters = "".join(c for c in fold(word) if c.isalpha())
    if not letters:
        return False
    return (_repeated_unit(letters) or _keyboard_slide(letters)
            or (len(letters) >= 5 and not _VOWELS.intersection(letters)))


def is_a_word(word: str) -> bool:
    """Whether `word` (letters, as `words_of` finds them) may be a word of a language (docstring, rule 5)."""
    letters = "".join(c for c in fold(word) if c.isalpha())
    if not letters or not _VOWELS.intersection(letters):
        return False
    if len(letters) > 1 and len(set(letters)) < 2:
        return False
    return not _repeated_unit(letters) and not _keyboard_slide(letters)


def looks_like_a_name(words: Sequence[str]) -> bool:
    """ "Paul Dupont", "Marie-Anne Dubois": two or three capitalised words."""
    return 2 <= len(words) <= 3 and all(_capitalised(w) for w in words)


# --------------------------------------------------------------------------- the statistical detector

@functools.lru_cache(maxsize=None)
def lingua_detector(min_relative_distance: float, low_accuracy: bool) -> Any:
    """lingua's detector for English and French, built once per process and setting."""
    from lingua import Language, LanguageDetectorBuilder

    builder = (LanguageDetectorBuilder.from_languages(Language.ENGLISH, Language.FRENCH)
               .with_minimum_relative_distance(min_relative_distance)
               .with_preloaded_language_models())
    if low_accuracy:
        builder = builder.with_low_accuracy_mode()
    return builder.build()


@dataclass(frozen=True)
class LanguageSettings:
    """The thresholds: the component's config keys, with these defaults (see get_default_config)."""

    min_relative_distance: float = 0.3
    min_words: int = 2
    min_letters: int = 8
    low_accuracy: bool = False


def detect_language(text: str, settings: Optional[LanguageSettings] = None) -> Optional[str]:
    """en, fr or None: what the message asks for, else what it is confidently written in."""
    settings = settings or LanguageSettings()
    if not text or not text.strip():
        return None
    asked = asked_language(text)
    if asked is not None:
        return asked
    words = words_of(text)
    folded = [fold(w) for w in words]
    # Greetings, thanks and "please" do not decide a message that has other words: the request does.
    request = [w for w, f in zip(words, folded) if f not in _GREETINGS]
    if looks_like_a_name(request):
        return None
    # Names inside a sentence ("transfer 250 to Pierre") are no language either.
    request = [w for i, w in enumerate(request) if i == 0 or not _capitalised(w)]
    # Nor is a repeated letter, a laugh or a keyboard mash: lingua would name a language for any letters.
    request = [w for w in request if is_a_word(w)]
    distinct = {fold(w) for w in request}
    if len(distinct) < settings.min_words or sum(len(w) for w in request) < settings.min_letters:
        return courtesy_language(folded)
    detector = lingua_detector(settings.min_relative_distance, settings.low_accuracy)
    found = detector.detect_language_of(" ".join(request))
    if found is None:
        return None
    return {"ENGLISH": ENGLISH, "FRENCH": FRENCH}.get(found.name)


# --------------------------------------------------------------------------- the Rasa component

@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False)
class LanguageDetector(GraphComponent, EntityExtractorMixin):
    """Adds the `language` entity (en | fr) a message asks for or is confidently written in."""

    @staticmethod
    def required_packages() -> List[Text]:
        return ["lingua"]

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            # lingua's minimum relative distance between English and French (0 to 0.99): 0.3 means the
            # top language has a confidence of at least 0.65. Higher: fewer decisions, fewer wrong ones.
            MIN_RELATIVE_DISTANCE: 0.3,
            # Shorter messages (courtesy words apart) are decided by the courtesy lexicon only.
            MIN_WORDS: 2,
            MIN_LETTERS: 8,
            # lingua's low accuracy mode: 10 MB of models instead of ~130 MB, ten times more wrong answers.
            LOW_ACCURACY: False,
        }

    @classmethod
    def validate_config(cls, config: Dict[Text, Any]) -> None:
        distance = float(config.get(MIN_RELATIVE_DISTANCE, 0.3))
        if not 0.0 <= distance < 1.0:
            raise InvalidConfigException(f"{cls.__name__}: {MIN_RELATIVE_DISTANCE} must be in [0, 1).")
        for key in (MIN_WORDS, MIN_LETTERS):
            if int(config.get(key, 1)) < 1:
                raise InvalidConfigException(f"{cls.__name__}: {key} must be at least 1.")

    def __init__(self, config: Dict[Text, Any]) -> None:
        config = {**self.get_default_config(), **config}
        self.validate_config(config)
        self.settings = LanguageSettings(
            min_relative_distance=float(config[MIN_RELATIVE_DISTANCE]),
            min_words=int(config[MIN_WORDS]),
            min_letters=int(config[MIN_LETTERS]),
            low_accuracy=bool(config[LOW_ACCURACY]),
        )
        lingua_detector(self.settings.min_relative_distance, self.settings.low_accuracy)  # load it now, once

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "LanguageDetector":
        return cls(config)

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT)
            if not isinstance(text, str) or text.startswith("/"):
                continue  # no text, or a payload: its entities are its own
            language = detect_language(text, self.settings)
            if language is None:
                continue
            entities = [e for e in message.get(ENTITIES, []) if e.get(ENTITY_ATTRIBUTE_TYPE) != ENTITY]
            entities.append({
                ENTITY_ATTRIBUTE_TYPE: ENTITY, ENTITY_ATTRIBUTE_VALUE: language,
                ENTITY_ATTRIBUTE_START: 0, ENTITY_ATTRIBUTE_END: len(text), EXTRACTOR: self.__class__.__name__,
            })
            message.set(ENTITIES, entities, add_to_output=True)
        return messages
