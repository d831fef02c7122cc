"""The sentence embeddings of training lines, kept between trainings on this machine.

Encoding the ~13,000 training lines with the three sentence encoders is half of `rasa train` (about three minutes on
two cores), and each line's embedding is a pure function of the encoder (its weights, our code that runs them, its
settings) and of the line. Rasa's own training cache (`.rasa/cache`) is per checkout and keyed by whole components'
inputs: a fresh clone (CI, a new worktree) or one changed line encodes everything again. This cache is keyed per line:

- key: SHA-256 of the encoder's identity and the text; the identity is the featurizer's name and settings (prefix,
  maximum length), the SHA-256 of its model files, and the SHA-256 of the source files that compute its embedding
  (the featurizer's module and the bot/nlu/ modules it runs: `SentenceEmbeddingFeaturizer.code_files`; a change
  to any of them starts afresh: nothing stale is read; a module added to that code is added to that list);
- value: the unit-norm float32 vector, before the pipeline's scale;
- where: one SQLite file, the setting `BRANCH_EMBEDDING_CACHE` (bot/settings.py; default `~/.cache/facebook-branch/embeddings.sqlite3`;
  `off` turns it off), shared by every checkout of the user (trainings at the same time wait for each other's
  writes); rows unused for `KEEP_DAYS` days are deleted.

Training only (`SentenceEmbeddingFeaturizer.process_training_data`): a message being parsed is encoded, or taken
from the featurizer's memory of the texts it parsed last (`RecentEmbeddings`, in the process, never on disk).
A cache that cannot be read or written is left aside with a warning; the embeddings are then computed.
"""
from __future__ import annotations

import hashlib
import logging
import os
import sqlite3
import threading
import time
from collections import OrderedDict
from functools import lru_cache
from pathlib import Path
from typing import Callable, Dict, Iterable, List, Optional, Sequence

import numpy as np

logger = logging.getLogger(__name__)

ENVIRONMENT = "BRANCH_EMBEDDING_CACHE"  # bot/settings.py: branch_embedding_cache
OFF = "off"
KEEP_DAYS = 30
_DAY = 86_400


def default_location() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "facebook-branch" / "embeddings.sqlite3"


def location() -> Optional[Path]:
    """Where the cache is, or None when it is off (the setting as the environment and .env give it now)."""
    from bot.settings import Settings

    setting = Settings.from_env().branch_embedding_cache.strip()
    if setting.lower() == OFF:
        return None
    return Path(setting) if setting else default_location()


@lru_cache(maxsize=None)
def _file_digest(path: str, size: int, mtime_ns: int) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def files_digest(paths: Iterable[Path]) -> str:
    """SHA-256 over the files (directories: every file under them, by relative name), in a stable order."""
    digest = hashlib.sha256()
    for root in sorted(Path(p) for p in paths):
        files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file()
                                                     and "__pycache__" not in p.parts)
        for path in files:
            stat = path.stat()
            digest.update(str(path.relative_to(root) if path != root else path.name).encode())
            digest.update(_file_digest(str(path), stat.st_size, stat.st_mtime_ns).encode())
    return digest.hexdigest()


def identity(name: str, settings: Dict[str, object], model_files: Sequence[Path], code_files: Sequence[Path]) -> str:
    """What an embedding depends on besides its text."""
    return "|".join([name, repr(sorted(settings.items())), files_digest(model_files),
                     files_digest([Path(path) for path in code_files])])


class EmbeddingCache:
    """Embeddings by (identity, text) in one SQLite file."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(str(self.path), timeout=120)
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("CREATE TABLE IF NOT EXISTS embeddings "
                           "(key BLOB PRIMARY KEY, vector BLOB NOT NULL, used INTEGER NOT NULL)")
        return connection

    @staticmethod
    def key(identity_: str, text: str) -> bytes:
        return hashlib.sha256(identity_.encode() + b"\0" + text.encode()).digest()

    def embeddings(self, identity_: str, texts: List[str],
                   compute: Callable[[List[str]], np.ndarray]) -> np.ndarray:
        """The embedding of each text, shape (len(texts), dim): the ones kept, and `compute` for the others (kept)."""
        keys = [self.key(identity_, text) for text in texts]
        today = int(time.time() // _DAY)
        found: Dict[bytes, np.ndarray] = {}
        try:
            with self._connect() as connection:
                for start in range(0, len(keys), 500):
                    chunk = list(dict.fromkeys(keys[start:start + 500]))
                    rows = connection.execute(
                        f"SELECT key, vector FROM embeddings WHERE key IN ({','.join('?' * len(chunk))})", chunk)
                    found.update((key, np.frombuffer(vector, dtype=np.float32)) for key, vector in rows)
        except sqlite3.Error as error:
            logger.warning("Embedding cache %s not read (%s): every text is encoded", self.path, error)
            return compute(texts)
        kept = list(found)
        missing = list(dict.fromkeys(text for text, key in zip(texts, keys) if key not in found))
        logger.info("Embedding cache: %d of %d texts kept, %d to encode", len(texts) - len(missing), len(texts),
                    len(missing))
        if missing:
            computed = np.asarray(compute(missing), dtype=np.float32)
            fresh = {self.key(identity_, text): vector for text, vector in zip(missing, computed)}
            found.update(fresh)
            self._store(fresh, today)
        self._touch(kept, today)
        return np.stack([found[key] for key in keys]) if keys else np.zeros((0, 0), dtype=np.float32)

    def _store(self, fresh: Dict[bytes, np.ndarray], today: int) -> None:
        try:
            with self._connect() as connection:
                connection.executemany("INSERT OR REPLACE INTO embeddings (key, vector, used) VALUES (?, ?, ?)",
                                       [(key, vector.astype(np.float32).tobytes(), today)
                                        for key, vector in fresh.items()])
                connection.execute("DELETE FROM embeddings WHERE used < ?", (today - KEEP_DAYS,))
        except sqlite3.Error as error:
            logger.warning("Embedding cache %s not written (%s)", self.path, error)

    def _touch(self, keys: List[bytes], today: int) -> None:
        """Marks rows used today (once a day per row), so that what trainings still read is not deleted."""
        try:
            with self._connect() as connection:
                connection.executemany("UPDATE embeddings SET used = ? WHERE key = ? AND used < ?",
                                       [(today, key, today) for key in keys])
        except sqlite3.Error as error:
            logger.warning("Embedding cache %s not updated (%s)", self.path, error)


class RecentEmbeddings:
    """The embeddings of the texts a process parsed last, in memory (a Rasa server's messages: "yes", "oui", "hi",
    "what's my balance" come back again and again; each costs ~80 ms of the three encoders). Same interface as
    EmbeddingCache; a featurizer keeps its own, so the identity is the featurizer's and the vectors are exactly what
    it computed. Bounded: the least recently used text goes first. Kept by the text's SHA-256, never the text: a
    message may hold what a customer should not have typed (a card number), and this memory outlives the parse."""

    def __init__(self, size: int = 2048) -> None:
        self.size = size
        self._vectors: "OrderedDict[bytes, np.ndarray]" = OrderedDict()
        self._lock = threading.Lock()

    def embeddings(self, identity_: str, texts: List[str],
                   compute: Callable[[List[str]], np.ndarray]) -> np.ndarray:
        digests = {text: hashlib.sha256(text.encode("utf-8")).digest() for text in texts}
        found: Dict[str, np.ndarray] = {}
        with self._lock:
            for text, digest in digests.items():
                if digest in self._vectors:
                    self._vectors.move_to_end(digest)
                    found[text] = self._vectors[digest]
        missing = [text for text in digests if text not in found]
        if missing:
            computed = compute(missing)
            with self._lock:
                for text, vector in zip(missing, computed):
                    found[text] = self._vectors[digests[text]] = vector
                while len(self._vectors) > self.size:
                    self._vectors.popitem(last=False)
        return np.stack([found[text] for text in texts])


def training_cache() -> Optional[EmbeddingCache]:
    where = location()
    return None if where is None else EmbeddingCache(where)
