"""`MashGuard`: a message made only of keyboard mash is not understood, whatever the intent classifier says.

Use in config.yml just before FallbackClassifier::

    - name: bot.nlu.mash_guard.MashGuard

A message whose every word is mash by `bot.nlu.language_detector.is_mash` (a unit repeated: "bbbb…", "hahaha";
a slide along a keyboard row: "asdf qwer", "qsdfgh"; five letters or more without a vowel), and that has no digit
(an amount, a code, a customer number), gets the intent `nlu_fallback`: the bot says it did not understand, and a
form in progress goes on. The classifiers read such text by its character n-grams and embeddings, which carry no
meaning there: a 1,500-character "bbbb…" was `cancel` at 0.6, which would have dropped a transfer the customer was
making. Payloads ("/intent"), emojis and punctuation alone are left to the classifiers.
"""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, PREDICTED_CONFIDENCE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.language_detector import is_mash, words_of

FALLBACK = "nlu_fallback"


def is_all_mash(text: str) -> bool:
    """Whether `text` has words, no digit, and every word is mash."""
    if not text or any(c.isdigit() for c in text):
        return False
    words = words_of(text)
    return bool(words) and all(is_mash(word) for word in words)


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class MashGuard(GraphComponent):
    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "MashGuard":
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT)
            if not isinstance(text, str) or text.startswith("/") or not is_all_mash(text):
                continue
            fallback = {INTENT_NAME_KEY: FALLBACK, PREDICTED_CONFIDENCE_KEY: 1.0}
            ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get(INTENT_NAME_KEY) != FALLBACK]
            message.set(INTENT, fallback, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [fallback, *ranking], add_to_output=True)
        return messages
