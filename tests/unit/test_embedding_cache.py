"""bot/nlu/embedding_cache.py: training lines' sentence embeddings kept between trainings, keyed by what makes them."""
from __future__ import annotations

import logging
from pathlib import Path
from typing import List

import numpy as np
import pytest
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu import embedding_cache
from bot.nlu.embedding_cache import EmbeddingCache, identity
from bot.nlu.use_featurizer import USEFeaturizer


class Counting:
    """A stand-in encoder: a vector from the text's length, and the texts it was asked for."""

    def __init__(self) -> None:
        self.asked: List[List[str]] = []

    def __call__(self, texts: List[str]) -> np.ndarray:
        self.asked.append(list(texts))
        return np.array([[len(t), 1.0, -0.5] for t in texts], dtype=np.float32)


def test_only_texts_never_encoded_with_that_identity_are_computed(tmp_path: Path):
    cache, encoder = EmbeddingCache(tmp_path / "e.sqlite3"), Counting()
    first = cache.embeddings("model-a", ["hello", "my balance", "hello"], encoder)
    assert encoder.asked == [["hello", "my balance"]]
    assert first.tolist() == [[5, 1, -0.5], [10, 1, -0.5], [5, 1, -0.5]]

    again = EmbeddingCache(tmp_path / "e.sqlite3").embeddings("model-a", ["my balance", "new line"], encoder)
    assert encoder.asked[1:] == [["new line"]] and again.tolist() == [[10, 1, -0.5], [8, 1, -0.5]]
    assert again.dtype == np.float32

    cache.embeddings("model-b", ["hello"], encoder)  # another encoder, code or setting: computed again
    assert encoder.asked[2:] == [["hello"]]


def test_the_identity_follows_the_model_files_the_settings_and_the_code(tmp_path: Path):
    weights, code = tmp_path / "weights.bin", tmp_path / "transformer.py"
    weights.write_bytes(b"\x00" * 64)
    code.write_text("x = 1\n")
    base = identity("E5Featurizer", {"prefix": "query: "}, [weights], [code])
    assert identity("E5Featurizer", {"prefix": "query: "}, [weights], [code]) == base
    assert identity("E5Featurizer", {"prefix": "passage: "}, [weights], [code]) != base
    assert identity("MiniLMFeaturizer", {"prefix": "query: "}, [weights], [code]) != base
    code.write_text("x = 2\n")
    assert identity("E5Featurizer", {"prefix": "query: "}, [weights], [code]) != base
    code.write_text("x = 1\n")
    weights.write_bytes(b"\x01" + b"\x00" * 63)
    assert identity("E5Featurizer", {"prefix": "query: "}, [weights], [code]) != base


def test_each_featurizer_names_the_code_of_its_encoder():
    from bot.nlu.e5_featurizer import E5Featurizer
    from bot.nlu.minilm_featurizer import MiniLMFeaturizer

    named = {
        MiniLMFeaturizer: {"minilm_featurizer.py", "sentence_featurizer.py", "sentence_encoder.py", "transformer.py"},
        E5Featurizer: {"e5_featurizer.py", "sentence_featurizer.py", "e5_encoder.py", "e5_model_file.py", "e5_adapter.py",
                       "e5_tokenizer.py", "transformer.py"},
        USEFeaturizer: {"use_featurizer.py", "sentence_featurizer.py"},
    }
    for featurizer, files in named.items():
        made = featurizer({**featurizer.get_default_config(), "sequence_features": False}, "node")
        assert {path.name for path in made.code_files()} == files
        assert all(path.is_file() for path in made.code_files())


def test_an_unreadable_cache_is_left_aside_and_everything_computed(tmp_path: Path, caplog):
    broken = tmp_path / "e.sqlite3"
    broken.write_bytes(b"this is no database" * 100)
    encoder = Counting()
    with caplog.at_level(logging.WARNING):
        result = EmbeddingCache(broken).embeddings("model-a", ["hello"], encoder)
    assert encoder.asked == [["hello"]] and result.tolist() == [[5, 1, -0.5]]
    assert "not read" in caplog.text


def test_rows_unused_for_a_month_are_deleted(tmp_path: Path, monkeypatch):
    now = [1_800_000_000.0]
    monkeypatch.setattr(embedding_cache.time, "time", lambda: now[0])
    cache, encoder = EmbeddingCache(tmp_path / "e.sqlite3"), Counting()
    cache.embeddings("model-a", ["old line"], encoder)
    now[0] += (embedding_cache.KEEP_DAYS + 1) * 86_400
    cache.embeddings("model-a", ["new line"], encoder)  # a write deletes what went unused since
    cache.embeddings("model-a", ["old line"], encoder)
    assert encoder.asked == [["old line"], ["new line"], ["old line"]]


@pytest.mark.parametrize("setting, where", [("off", None), ("OFF", None), ("/somewhere/e.sqlite3",
                                                                          Path("/somewhere/e.sqlite3"))])
def test_the_setting(setting, where, monkeypatch):
    monkeypatch.setenv(embedding_cache.ENVIRONMENT, setting)
    assert embedding_cache.location() == where


def test_the_default_location_is_the_users_cache(monkeypatch, tmp_path: Path):
    monkeypatch.delenv(embedding_cache.ENVIRONMENT, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert embedding_cache.location() == tmp_path / "facebook-branch" / "embeddings.sqlite3"


def training_data(texts: List[str]) -> TrainingData:
    data = TrainingData([Message(data={TEXT: text, "intent": "x"}) for text in texts])
    WhitespaceTokenizer(WhitespaceTokenizer.get_default_config()).process_training_data(data)
    return data


def sentences(data: TrainingData) -> np.ndarray:
    return np.vstack([m.get_dense_features(TEXT)[1].features for m in data.training_examples])


def test_a_featurizer_trains_on_the_same_features_with_the_cache_cold_or_warm(tmp_path: Path, monkeypatch):
    texts = ["what's my balance", "quel est mon solde", "block my card"]
    featurizer = USEFeaturizer({**USEFeaturizer.get_default_config(), "scale": 10.0}, "use")
    without = sentences(featurizer.process_training_data(training_data(texts)))

    monkeypatch.setenv(embedding_cache.ENVIRONMENT, str(tmp_path / "e.sqlite3"))
    cold = sentences(featurizer.process_training_data(training_data(texts)))
    computed, embed = [], featurizer.embed
    monkeypatch.setattr(featurizer, "embed", lambda texts, tokens: computed.append(list(texts)) or embed(texts, tokens))
    warm = sentences(featurizer.process_training_data(training_data(texts)))
    assert computed == []  # nothing encoded: every line was kept
    np.testing.assert_allclose(cold, without, rtol=0, atol=1e-6)
    np.testing.assert_array_equal(warm, cold)

    # a message being parsed is always encoded, never read from the cache
    featurizer.process(training_data(["block my card"]).training_examples)
    assert computed == [["block my card"]]


def test_the_texts_parsed_lately_are_encoded_once_and_the_oldest_forgotten():
    recent, encoded = embedding_cache.RecentEmbeddings(size=2), []

    def compute(texts):
        encoded.append(list(texts))
        return np.array([[float(len(text))] for text in texts], dtype=np.float32)

    assert recent.embeddings("node", ["yes", "hello", "yes"], compute).ravel().tolist() == [3.0, 5.0, 3.0]
    assert recent.embeddings("node", ["hello", "oui"], compute).ravel().tolist() == [5.0, 3.0]
    assert recent.embeddings("node", ["yes"], compute).ravel().tolist() == [3.0]
    assert encoded == [["yes", "hello"], ["oui"], ["yes"]]  # "yes" was the least recently used of three


def test_the_memory_of_parsed_texts_never_holds_a_text():
    recent = embedding_cache.RecentEmbeddings()
    card = "my card is 4970 1012 3456 7890"
    recent.embeddings("node", [card], lambda texts: np.ones((len(texts), 2), dtype=np.float32))
    assert all(isinstance(key, bytes) and b"4970" not in key for key in recent._vectors)
    assert card not in repr(recent.__dict__)


def test_a_message_parsed_again_gets_the_same_features_without_encoding_it_again(monkeypatch):
    tokenizer = WhitespaceTokenizer(WhitespaceTokenizer.get_default_config())
    featurizer = USEFeaturizer(USEFeaturizer.get_default_config(), "use")
    calls = []
    embed = featurizer.embed
    monkeypatch.setattr(featurizer, "embed", lambda texts, tokens: calls.append(texts) or embed(texts, tokens))

    def parsed(text):
        message = Message(data={TEXT: text})
        tokenizer.process([message])
        featurizer.process([message])
        return message.get_dense_features(TEXT)[1].features

    first, again = parsed("what is my balance"), parsed("what is my balance")
    np.testing.assert_array_equal(first, again)
    assert calls == [["what is my balance"]]
