"""The branch's adapter of multilingual-e5-small (bot/nlu/e5_adapter.py): merged into the model it was tuned for,
refused for any other or when a matrix does not fit, and part of what keys the e5 features in the embedding cache."""
import json
from pathlib import Path

import numpy as np
import pytest

from bot.nlu import e5_adapter
from bot.nlu.e5_adapter import DEFAULT_ADAPTER, AdapterMismatch
from bot.nlu.e5_encoder import E5Encoder
from bot.nlu.e5_model_file import MODEL_SHA256


@pytest.fixture(scope="module")
def published() -> E5Encoder:
    return E5Encoder.load()


@pytest.fixture(scope="module")
def tuned() -> E5Encoder:
    return E5Encoder.load(adapter_path=DEFAULT_ADAPTER)


def test_the_shipped_adapter_describes_itself_and_fits_the_pinned_model():
    meta = e5_adapter.read(DEFAULT_ADAPTER)["meta"]
    assert meta["base_sha256"] == MODEL_SHA256
    assert meta["layers"] and meta["rank"] > 0 and meta["lines"] > 10_000


def test_the_adapter_changes_only_the_layers_it_tunes(published, tuned):
    tuned_layers = set(e5_adapter.read(DEFAULT_ADAPTER)["meta"]["layers"])
    for index, (before, after) in enumerate(zip(published.layers, tuned.tuned_layers)):
        changed = not np.array_equal(before.qkv_w, after.qkv_w)
        assert changed == (index in tuned_layers), index
        assert np.array_equal(before.qkv_b, after.qkv_b) and np.array_equal(before.out_ln_w, after.out_ln_w)


def test_a_tuned_embedding_is_unit_norm_and_moved(published, tuned):
    texts = ["where can I find my IBAN", "je veux bloquer ma carte", "what's the weather like"]
    before, after = published.encode(texts), tuned.encode(texts)
    np.testing.assert_allclose(np.linalg.norm(after, axis=1), 1.0, atol=1e-5)
    assert np.all(np.sum(before * after, axis=1) < 0.999)


def test_the_blend_lies_between_the_published_and_the_tuned_embedding(published, tuned):
    texts = ["combien coûte un virement à l'étranger", "can I raise my card limit"]
    blended = E5Encoder.load(adapter_path=DEFAULT_ADAPTER, adapter_weight=0.2).encode(texts)
    before, after = published.encode(texts), tuned.encode(texts)
    expected = 0.8 * before + 0.2 * after
    expected /= np.linalg.norm(expected, axis=1, keepdims=True)
    np.testing.assert_allclose(blended, expected, atol=1e-5)
    assert E5Encoder.load(adapter_path=DEFAULT_ADAPTER, adapter_weight=0.0).encode(texts) == pytest.approx(before)


def forged(tmp_path: Path, **changes) -> Path:
    archive = dict(np.load(DEFAULT_ADAPTER, allow_pickle=False))
    meta = json.loads(str(archive.pop("meta")))
    meta.update(changes.pop("meta", {}))
    archive.update(changes)
    path = tmp_path / "adapter.npz"
    np.savez(path, meta=np.array(json.dumps(meta)), **archive)
    return path


def test_an_adapter_for_another_model_file_is_refused_naming_it(tmp_path, published):
    path = forged(tmp_path, meta={"base_sha256": "0" * 64})
    with pytest.raises(AdapterMismatch, match="adapter.npz"):
        e5_adapter.apply(published.layers, path, MODEL_SHA256)


def test_a_factor_that_does_not_fit_its_matrix_is_refused(tmp_path, published):
    layer = e5_adapter.read(DEFAULT_ADAPTER)["meta"]["layers"][0]
    path = forged(tmp_path, **{f"l{layer}.fi.a": np.zeros((100, 4), dtype=np.float16)})
    with pytest.raises(AdapterMismatch, match=f"l{layer}.fi"):
        e5_adapter.apply(published.layers, path, MODEL_SHA256)


def test_the_adapter_keys_the_featurizers_cached_embeddings():
    from bot.nlu.e5_featurizer import E5Featurizer

    default = E5Featurizer(E5Featurizer.get_default_config(), "e5")
    plain = E5Featurizer({**E5Featurizer.get_default_config(), "adapter": None}, "e5")
    stronger = E5Featurizer({**E5Featurizer.get_default_config(), "adapter_weight": 0.5}, "e5")
    assert DEFAULT_ADAPTER in default.model_files() and DEFAULT_ADAPTER not in plain.model_files()
    assert Path(e5_adapter.__file__) in default.code_files()
    assert stronger.embedding_settings() != default.embedding_settings()
