"""What the sentence-embedding featurizers of bot/nlu/ share (MiniLM, multilingual e5).

For each text (TEXT, and RESPONSE / ACTION_TEXT when present) a subclass gives a sentence
feature, shape (1, dim), and optionally a sequence feature, shape (n_tokens, dim), one row per
Rasa token; both are multiplied by ``scale`` (default 1.0): classifiers that put sparse counts
and dense features into one linear model (LogisticRegressionClassifier) weigh a unit-norm
embedding more with a larger scale.

Training data is encoded attribute by attribute, all texts at once (the subclass batches them), each text's
sentence vector kept between trainings on this machine (bot/nlu/embedding_cache.py: keyed by the encoder's model
files, settings and code; sentence features only); at inference the messages given to ``process`` are encoded
together, never from the cache.
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Text, Tuple, Type

import numpy as np

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.nlu.tokenizers.tokenizer import Token, Tokenizer
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.constants import ACTION_TEXT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu import embedding_cache

MAX_LENGTH = "max_length"
BATCH_SIZE = "batch_size"
SCALE = "scale"
SEQUENCE_FEATURES = "sequence_features"

# One text's features before scaling: (sequence feature or None, sentence vector).
Features = Tuple[Optional[np.ndarray], np.ndarray]


class SentenceEmbeddingFeaturizer(DenseFeaturizer, GraphComponent):
    """Base of the dense featurizers that add a sentence embedding; subclasses implement ``embed``.

    A subclass whose model gives a sentence vector only sets ``SENTENCE_ONLY`` (and ``sequence_features: False``
    in its default config): a config asking for sequence features is then refused.
    """

    SENTENCE_ONLY = False

    @classmethod
    def required_components(cls) -> List[Type]:
        return [Tokenizer]

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            **DenseFeaturizer.get_default_config(),
            MAX_LENGTH: None,  # model tokens per text, specials included; None: the model's own
            BATCH_SIZE: 32,
            SCALE: 1.0,
            SEQUENCE_FEATURES: True,  # one contextual vector per token, besides the sentence one
        }

    @classmethod
    def validate_config(cls, config: Dict[Text, Any]) -> None:
        if cls.SENTENCE_ONLY and config.get(SEQUENCE_FEATURES):
            raise InvalidConfigException(f"{cls.__name__}: sequence features are not implemented; "
                                         f"set {SEQUENCE_FEATURES}: false.")
        if config.get(MAX_LENGTH) is not None and int(config[MAX_LENGTH]) < 2:
            raise InvalidConfigException(f"{cls.__name__}: {MAX_LENGTH} must be at least 2.")
        if int(config.get(BATCH_SIZE, 32)) < 1:
            raise InvalidConfigException(f"{cls.__name__}: {BATCH_SIZE} must be at least 1.")
        if float(config.get(SCALE, 1.0)) <= 0:
            raise InvalidConfigException(f"{cls.__name__}: {SCALE} must be positive.")

    def __init__(self, config: Dict[Text, Any], name: Text) -> None:
        config = {**self.get_default_config(), **config}
        self.validate_config(config)
        super().__init__(name, config)
        self._batch_size = int(config[BATCH_SIZE])
        self._scale = np.float32(config[SCALE])
        self._sequence_features = bool(config[SEQUENCE_FEATURES])
        self._max_length = None if config[MAX_LENGTH] is None else int(config[MAX_LENGTH])

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "SentenceEmbeddingFeaturizer":
        return cls(config, execution_context.node_name)

    # ------------------------------------------------------------------ graph API

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Adds features to every training example's text and action text, encoded in batches.

        Not to RESPONSE: no component of ours reads response features (the knowledge selector reads
        the question's), and every `faq/<id>` example carries its topic's whole answer there, which
        cost more to encode than all the questions together.
        """
        cache = None if self._sequence_features else embedding_cache.training_cache()
        for attribute in (TEXT, ACTION_TEXT):
            self._featurize(training_data.training_examples, attribute, cache)
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        """Adds features to incoming messages (labels such as RESPONSE are featurized in training only); the sentence
        vectors of texts parsed lately are kept in memory (``embedding_cache.RecentEmbeddings``)."""
        if getattr(self, "_recent", None) is None:
            self._recent = None if self._sequence_features else embedding_cache.RecentEmbeddings()
        for attribute in (TEXT, ACTION_TEXT):
            self._featurize(messages, attribute, self._recent)
        return messages

    # ------------------------------------------------------------------ features

    def embed(self, texts: List[Text], tokens: List[List[Token]]) -> List[Features]:
        """Each text's (sequence feature or None when ``sequence_features`` is off, sentence vector)."""
        raise NotImplementedError

    def model_files(self) -> Sequence[Path]:
        """The files of the model the embeddings come from (their content keys the embedding cache)."""
        raise NotImplementedError

    def code_files(self) -> List[Path]:
        """The source files that compute this featurizer's sentence vectors (they key the embedding cache): its
        module and this one; subclasses add the modules of the encoder they run."""
        return [Path(sys.modules[type(self).__module__].__file__ or ""), Path(__file__)]

    def embedding_settings(self) -> Dict[str, object]:
        """What else than the model, the code and the text decides a sentence vector (keys the embedding cache)."""
        return {"max_length": self._max_length}

    def _cache_identity(self) -> str:
        if getattr(self, "_identity", None) is None:
            self._identity = embedding_cache.identity(type(self).__name__, self.embedding_settings(),
                                                      self.model_files(), self.code_files())
        return self._identity

    def _sentences(self, texts: List[Text], cache: "embedding_cache.EmbeddingCache") -> List[Features]:
        def compute(missing: List[Text]) -> np.ndarray:
            return np.stack([sentence for _, sentence in self.embed(missing, [[] for _ in missing])])

        return [(None, vector) for vector in cache.embeddings(self._cache_identity(), texts, compute)]

    def _featurize(self, messages: List[Message], attribute: Text,
                   cache: Optional["embedding_cache.EmbeddingCache"] = None) -> None:
        selected: List[Tuple[Message, List[Token]]] = []
        for message in messages:
            tokens = message.get(TOKENS_NAMES[attribute])
            if message.get(attribute) and tokens:
                selected.append((message, tokens))
        if not selected:
            return
        texts = [m.get(attribute) for m, _ in selected]
        features = (self._sentences(texts, cache) if cache is not None
                    else self.embed(texts, [t for _, t in selected]))
        for (message, _), (sequence, sentence) in zip(selected, features):
            self.add_features_to_message(
                None if sequence is None else sequence * self._scale,
                sentence[np.newaxis, :] * self._scale,
                attribute,
                message,
            )
