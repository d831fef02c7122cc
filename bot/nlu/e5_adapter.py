"""The branch's low-rank adapter of multilingual-e5-small: what `make tune-e5` learnt from data/, applied at load.

multilingual-e5-small was trained to tell any two texts apart, not a bank's requests: frozen, it puts "where do I
find my IBAN" near "what's my IBAN" and a French question far from its English twin. `scripts/tune-e5` fine-tunes
its top layers on the training lines' labels (data/nlu/ and the knowledge base's questions; never the held-out
sets) with LoRA: each of a tuned layer's four matrices W (in, out; `x @ W`) gains the product of two thin ones,
W + A B, A (in, rank), B (rank, out). Only A and B are kept, float16, in one numpy ``.npz`` file of ~1 MB
(`bot/nlu/weights/e5-branch-lora.npz`), beside what describes them:

* ``l{layer}.{matrix}.a`` / ``.b`` for matrix in qkv (query, key and value side by side), ao (attention output),
  fi (feed-forward in), fo (feed-forward out), as ``bot.nlu.transformer.Layer`` holds them;
* ``meta``: JSON of the base model file's sha256 (the adapter fits that model only), rank, tuned layers, epochs,
  learning rate, seed, the number of training lines and their digest.

`load` checks the base model and every shape before anything is merged; a mismatch raises ``AdapterMismatch``
naming the file. The merged weights are computed once per process (the encoder is cached), so an encoded text
costs what it did without the adapter.
"""
from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any, Dict, List, Sequence

import numpy as np

from bot.nlu.transformer import Layer

DEFAULT_ADAPTER = Path(__file__).parent / "weights" / "e5-branch-lora.npz"
# the file's short names of a Layer's matrices
MATRICES = {"qkv": "qkv_w", "ao": "attn_out_w", "fi": "inter_w", "fo": "out_w"}


class AdapterMismatch(ValueError):
    """The adapter was not made for this model file, or its matrices do not fit the layers."""


def read(path: Path) -> Dict[str, Any]:
    """The adapter's factors (float32) and its ``meta``."""
    with np.load(path, allow_pickle=False) as archive:
        factors = {name: archive[name].astype(np.float32) for name in archive.files if name != "meta"}
        meta = json.loads(str(archive["meta"])) if "meta" in archive.files else {}
    return {"factors": factors, "meta": meta}


def apply(layers: Sequence[Layer], path: Path, model_sha256: str) -> List[Layer]:
    """``layers`` with the adapter at ``path`` merged in (new arrays; the given layers are left as they are)."""
    adapter = read(path)
    meta, factors = adapter["meta"], adapter["factors"]
    if meta.get("base_sha256") != model_sha256:
        raise AdapterMismatch(f"{path} was tuned for the model file {meta.get('base_sha256')!r}, not {model_sha256!r}")
    merged = list(layers)
    for index in meta.get("layers", []):
        if not 0 <= index < len(layers):
            raise AdapterMismatch(f"{path} tunes layer {index}; the model has {len(layers)}")
        changes = {}
        for short, field in MATRICES.items():
            a, b = factors.get(f"l{index}.{short}.a"), factors.get(f"l{index}.{short}.b")
            weight = getattr(layers[index], field)
            if a is None or b is None or a.shape[0] != weight.shape[0] or b.shape[1] != weight.shape[1] \
                    or a.shape[1] != b.shape[0]:
                raise AdapterMismatch(f"{path}: l{index}.{short} does not fit a {weight.shape} matrix")
            changes[field] = np.ascontiguousarray(weight + a @ b)
        merged[index] = replace(layers[index], **changes)
    return merged
