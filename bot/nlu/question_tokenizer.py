"""Rasa's WhitespaceTokenizer, without tokenizing the knowledge base's answers in training.

Use in config.yml instead of WhitespaceTokenizer (same options)::

    - name: bot.nlu.question_tokenizer.QuestionTokenizer

Every question of a knowledge topic is an example of the retrieval intent `faq/<id>`, and Rasa gives
each one its topic's whole answer as RESPONSE (`TrainingData`). Rasa's tokenizers tokenize it, and then
every sparse featurizer (regex, lexical, word and character n-grams) featurizes it: the answers are
four times as much text as every training example together, and no component of this pipeline reads
their features (the knowledge selector and the service classifier read the customer's words, TEXT).
This tokenizer leaves RESPONSE untokenized, so that no featurizer spends time on it; every other
attribute, and every message at inference, is tokenized exactly as WhitespaceTokenizer does.
"""
from __future__ import annotations

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.constants import MESSAGE_ATTRIBUTES, TOKENS_NAMES
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.constants import ACTION_NAME, INTENT, INTENT_RESPONSE_KEY, RESPONSE
from rasa.shared.nlu.training_data.training_data import TrainingData

NAME_ATTRIBUTES = (INTENT, ACTION_NAME, INTENT_RESPONSE_KEY)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False)
class QuestionTokenizer(WhitespaceTokenizer):
    """WhitespaceTokenizer that does not tokenize training examples' RESPONSE (the knowledge base's answers)."""

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        for example in training_data.training_examples:
            for attribute in MESSAGE_ATTRIBUTES:
                if attribute == RESPONSE or not example.get(attribute):
                    continue
                if attribute in NAME_ATTRIBUTES:
                    tokens = self._split_name(example, attribute)
                else:
                    tokens = self.tokenize(example, attribute)
                example.set(TOKENS_NAMES[attribute], tokens)
        return training_data
