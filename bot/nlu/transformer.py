"""The BERT encoder stack in numpy, shared by the sentence-embedding models of bot/nlu/.

all-MiniLM-L6-v2 (``bot.nlu.sentence_encoder``) and multilingual-e5-small (``bot.nlu.e5_encoder``)
are both BERT encoders: after their embeddings (which differ: word pieces and positions),
the same post-LayerNorm layers of multi-head self-attention with the padding mask and an
exact-erf GELU feed-forward, each with residual + LayerNorm, then mean pooling over the
attention mask and L2 normalisation. All in float32; texts padded per batch.
"""
from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Callable, Iterable, List, Sequence, TypeVar

import numpy as np
from threadpoolctl import threadpool_limits

T = TypeVar("T")
R = TypeVar("R")

_SQRT_HALF = np.float32(1.0 / np.sqrt(2.0))
_MASKED = np.float32(-1e9)  # added to the attention scores of padding


@dataclass(frozen=True)
class Layer:
    """One encoder layer's weights, matrices already (in, out) for ``x @ w``."""

    qkv_w: np.ndarray  # (hidden, 3*hidden): query, key, value side by side
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


def layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: np.float32) -> np.ndarray:
    mean = x.mean(axis=-1, keepdims=True)
    centred = x - mean
    variance = (centred * centred).mean(axis=-1, keepdims=True)
    return centred / np.sqrt(variance + eps) * weight + bias


# erfc(z) for z >= 0 as t * poly(t) * exp(-z^2), t = 1 / (1 + p z): Abramowitz & Stegun 7.1.26,
# absolute error under 1.5e-7, the precision of float32. scipy.special.erf on float32 arrays
# took a third of the encoders' time; this is ~10 times faster (the golden tests hold either way).
_ERFC_P = np.float32(0.3275911)
_ERFC_A = tuple(np.float32(a) for a in (1.061405429, -1.453152027, 1.421413741, -0.284496736, 0.254829592))


def gelu(x: np.ndarray) -> np.ndarray:
    """BERT's exact GELU: x * Phi(x) = 0.5 x (1 + erf(x / sqrt 2)), erf to float32 precision."""
    z = np.abs(x)
    z *= _SQRT_HALF
    t = z * _ERFC_P
    t += np.float32(1.0)
    np.reciprocal(t, out=t)
    phi = t * _ERFC_A[0]
    for a in _ERFC_A[1:]:
        phi += a
        phi *= t
    np.square(z, out=z)
    np.negative(z, out=z)
    np.exp(z, out=z)
    phi *= z
    phi *= np.float32(0.5)  # Phi(-|x|) = erfc(|x| / sqrt 2) / 2
    np.subtract(np.float32(1.0), phi, out=phi, where=x >= 0)  # Phi(x) = 1 - Phi(-x)
    phi *= x
    return phi


def softmax(x: np.ndarray) -> np.ndarray:
    x = x - x.max(axis=-1, keepdims=True)
    np.exp(x, out=x)
    x /= x.sum(axis=-1, keepdims=True)
    return x


def encode_layers(x: np.ndarray, mask: np.ndarray, layers: Sequence[Layer], heads: int,
                  eps: np.float32) -> np.ndarray:
    """Runs the layers on embedded, LayerNormed input.

    ``x``: shape (batch * length, hidden), the texts one after the other, each padded to
    ``length``; ``mask``: (batch, length), 1 for a real token, 0 for padding.
    Returns the last hidden states, shape (batch, length, hidden).
    """
    batch, length = mask.shape
    hidden = x.shape[1]
    head_dim = hidden // heads
    bias = np.where(mask[:, np.newaxis, np.newaxis, :] > 0, np.float32(0.0), _MASKED).astype(np.float32)
    scale = np.float32(1.0 / np.sqrt(head_dim))
    for layer in layers:
        qkv = x @ layer.qkv_w + layer.qkv_b  # (b*l, 3h): one BLAS call for the whole batch
        qkv = qkv.reshape(batch, length, 3, heads, head_dim).transpose(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]  # (b, heads, l, d)
        probs = softmax((q @ k.transpose(0, 1, 3, 2)) * scale + bias)
        context = (probs @ v).transpose(0, 2, 1, 3).reshape(batch * length, hidden)
        x = layer_norm(x + context @ layer.attn_out_w + layer.attn_out_b, layer.attn_ln_w, layer.attn_ln_b, eps)
        inner = gelu(x @ layer.inter_w + layer.inter_b)
        x = layer_norm(x + inner @ layer.out_w + layer.out_b, layer.out_ln_w, layer.out_ln_b, eps)
    return x.reshape(batch, length, hidden)


def mean_pool(states: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Unit-norm mean of each text's hidden states over its mask: (batch, length, h) -> (batch, h)."""
    pooled = (states * mask[:, :, np.newaxis]).sum(axis=1) / np.maximum(mask.sum(axis=1, keepdims=True), 1e-9)
    pooled /= np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), np.float32(1e-12))
    return pooled


def run_batches(batches: Iterable[T], encode: Callable[[T], R]) -> List[R]:
    """``encode`` applied to every batch, in order; two batches at a time when the process may use two cores.

    Encoding the training data is most of `rasa train`'s time. BLAS runs each product on one thread
    (OPENBLAS_NUM_THREADS=1 in `make test`: its threads wait spinning for work, which costs a core that another
    job keeps busy), so batches side by side in threads are what use a second core: numpy lets go of the GIL
    in its products and element-wise operations, and the weights are only read. A core that another process
    keeps busy is shared by the scheduler, thread by thread, rather than fought over. One batch (a message
    being parsed) runs in the calling thread. The results do not depend on the number of threads.
    """
    batches = list(batches)
    workers = min(2, len(os.sched_getaffinity(0)), len(batches))
    if workers < 2:
        return [encode(batch) for batch in batches]
    # BLAS's own threads would oversubscribe the cores (`make train` leaves OPENBLAS_NUM_THREADS unset): one each.
    with threadpool_limits(limits=1, user_api="blas"), \
            ThreadPoolExecutor(max_workers=workers, thread_name_prefix="encode") as pool:
        return list(pool.map(encode, batches))
