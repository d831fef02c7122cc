"""The numpy all-MiniLM-L6-v2 encoder and its Rasa featurizer, on the real bundled model.

The encoder must reproduce, within 1e-5 per component, the golden vectors that the reference
implementation (PyTorch + transformers, cross-checked with sentence-transformers) computed from
the same model files (tests/fixtures/minilm_golden_vectors.json, made by scripts/golden-vectors),
and the similarity figures sentence-transformers publishes for this model. It must refuse model
files whose sha256 is not the pinned one, naming the file, before parsing any of them.
"""
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from bot.nlu.sentence_encoder import (
    DIMENSION,
    MODEL_FILES_SHA256,
    ModelFileMismatch,
    SentenceEncoder,
    default_model_dir,
)

GOLDEN = json.loads((Path(__file__).parents[1] / "fixtures" / "minilm_golden_vectors.json").read_text("utf-8"))


@pytest.fixture(scope="module")
def encoder() -> SentenceEncoder:
    return SentenceEncoder.load()


def cosine(encoder: SentenceEncoder, a: str, b: str) -> float:
    first, second = encoder.encode([a, b])
    return float(first @ second)


def test_embeddings_are_384_dimensional_float32_and_unit_norm(encoder):
    vectors = encoder.encode(["hi", "what is my balance", "I lost my card, please block it right now"])
    assert vectors.shape == (3, DIMENSION) == (3, 384)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert not np.allclose(vectors[0], vectors[1])


def test_reproduces_the_similarity_matrix_published_for_all_minilm_l6_v2(encoder):
    # sentence-transformers' quickstart, model all-MiniLM-L6-v2
    vectors = encoder.encode(["The weather is lovely today.", "It's so sunny outside!", "He drove to the stadium."])
    expected = np.array([[1.0000, 0.6660, 0.1046],
                         [0.6660, 1.0000, 0.1411],
                         [0.1046, 0.1411, 1.0000]])
    np.testing.assert_allclose(vectors @ vectors.T, expected, atol=1e-3)


def test_close_meanings_score_higher_than_unrelated_ones(encoder):
    food = "A man is eating food."
    assert cosine(encoder, food, "A man is eating a piece of bread.") > 0.7
    assert 0.1 < cosine(encoder, food, "A man is riding a horse.") < 0.3
    paraphrases = [
        ("how much money is in my account", "what is my balance"),
        ("I lost my credit card", "my card is missing"),
        ("send 20 euros to my brother", "transfer money to a family member"),
    ]
    for (a, b), (_, unrelated) in zip(paraphrases, paraphrases[1:] + paraphrases[:1]):
        assert cosine(encoder, a, b) > cosine(encoder, a, unrelated) + 0.2, (a, b, unrelated)


def test_a_batch_gives_the_same_vectors_as_one_text_at_a_time(encoder):
    texts = ["hi", "thanks, that's all for today", "A man is eating food.", "",
             "could you tell me how much I spent at the supermarket over the last two weeks"]
    batched = encoder.encode(texts, batch_size=2)  # mixed lengths: padding inside the batches
    alone = np.stack([encoder.encode([text])[0] for text in texts])
    np.testing.assert_allclose(batched, alone, atol=1e-5)
    np.testing.assert_allclose(encoder.encode(texts[::-1], batch_size=8), batched[::-1], atol=1e-5)


def test_long_texts_are_truncated_not_rejected(encoder):
    long_text = "please check my balance " * 200  # ~800 word pieces
    vector = encoder.encode([long_text])[0]
    assert vector.shape == (384,) and np.isfinite(vector).all()
    pieces = encoder.encode_texts([long_text])[0].pieces
    assert len(pieces) == encoder.max_length - 2  # [CLS] and [SEP] excluded


def test_the_weights_are_loaded_once_per_process():
    assert SentenceEncoder.load() is SentenceEncoder.load()


# --------------------------------------------------------------------------- golden vectors

@pytest.mark.parametrize("batch_size", [1, 3])  # 3: texts of different lengths padded together
def test_reproduces_the_golden_vectors_of_the_reference_implementation(encoder, batch_size):
    texts = [case["text"] for case in GOLDEN["cases"]]
    vectors = encoder.encode(texts, batch_size=batch_size)
    for case, vector in zip(GOLDEN["cases"], vectors):
        np.testing.assert_allclose(vector, np.array(case["vector"], dtype=np.float64), rtol=0, atol=1e-5,
                                   err_msg=f"text: {case['text'][:60]!r}")


def test_the_golden_texts_exercise_truncation_at_the_model_max_seq_length(encoder):
    assert encoder.max_length == GOLDEN["model"]["max_seq_length"] == 256
    from tokenizers import Tokenizer

    untruncated = Tokenizer.from_str(encoder.tokenizer.to_str())
    untruncated.no_truncation()
    pieces = [len(untruncated.encode(case["text"]).ids) for case in GOLDEN["cases"]]
    assert pieces == [case["word_pieces"] for case in GOLDEN["cases"]]  # the reference's tokenizer
    assert any(n > 256 for n in pieces)  # truncated by both
    assert any(128 < n <= 256 for n in pieces)  # truncated by tokenizer.json's own setting only


def test_the_golden_vectors_come_from_the_pinned_model_files():
    assert {name: GOLDEN["model"]["files_sha256"][name] for name in MODEL_FILES_SHA256} == MODEL_FILES_SHA256
    assert GOLDEN["model"]["modules"] == ["sentence_transformers.models.Transformer",
                                          "sentence_transformers.models.Pooling",
                                          "sentence_transformers.models.Normalize"]


# --------------------------------------------------------------------------- pinned model files

def copy_of_the_model(directory: Path) -> Path:
    """The pinned model files in ``directory`` (the weights as a symbolic link: 90 MB)."""
    source = default_model_dir()
    for name in MODEL_FILES_SHA256:
        (directory / name).parent.mkdir(parents=True, exist_ok=True)
        if name == "model.safetensors":
            (directory / name).symlink_to(source / name)
        else:
            shutil.copyfile(source / name, directory / name)
    return directory


def tamper(path: Path, change) -> None:
    data = bytearray(path.read_bytes())
    path.unlink()  # the weights are a symbolic link: never write through it
    path.write_bytes(bytes(change(data)))


def test_an_intact_copy_of_the_model_files_loads_and_encodes_alike(tmp_path, encoder):
    copy = SentenceEncoder(copy_of_the_model(tmp_path))
    texts = ["what is my balance", GOLDEN["cases"][-1]["text"]]
    np.testing.assert_allclose(copy.encode(texts), encoder.encode(texts), atol=1e-6)


def flip_last_bit(data: bytearray) -> bytearray:  # a weight's last bit: the file still loads
    data[-1] ^= 1
    return data


def add_a_newline(data: bytearray) -> bytearray:  # the same JSON, other bytes
    return data + b"\n"


@pytest.mark.parametrize("name", sorted(MODEL_FILES_SHA256))
def test_a_tampered_model_file_is_refused_with_its_name(tmp_path, name):
    model_dir = copy_of_the_model(tmp_path)
    tamper(model_dir / name, flip_last_bit if name.endswith(".safetensors") else add_a_newline)
    with pytest.raises(ModelFileMismatch) as refused:
        SentenceEncoder(model_dir)
    message = str(refused.value)
    assert f"model file {name} " in message and str(model_dir / name) in message
    assert MODEL_FILES_SHA256[name] in message


@pytest.mark.parametrize("name", ["config.json", "tokenizer.json"])
def test_a_tampered_file_is_refused_before_any_file_is_parsed(tmp_path, name):
    model_dir = copy_of_the_model(tmp_path)
    tamper(model_dir / name, lambda data: b"not json")  # would fail to parse if it were read
    with pytest.raises(ModelFileMismatch, match=f"model file {name} "):
        SentenceEncoder(model_dir)


def test_a_missing_model_file_is_named(tmp_path):
    model_dir = copy_of_the_model(tmp_path)
    (model_dir / "sentence_bert_config.json").unlink()
    with pytest.raises(FileNotFoundError, match="sentence_bert_config.json"):
        SentenceEncoder(model_dir)


# --------------------------------------------------------------------------- the Rasa featurizer

def featurized(texts, **config):
    from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
    from rasa.shared.nlu.constants import TEXT
    from rasa.shared.nlu.training_data.message import Message

    from bot.nlu.minilm_featurizer import MiniLMFeaturizer

    tokenizer = WhitespaceTokenizer({**WhitespaceTokenizer.get_default_config()})
    messages = [Message(data={TEXT: text}) for text in texts]
    tokenizer.process(messages)
    featurizer = MiniLMFeaturizer({**MiniLMFeaturizer.get_default_config(), **config}, "minilm")
    featurizer.process(messages)
    return [message.get_dense_features(TEXT) for message in messages]


def test_featurizer_adds_a_sentence_vector_and_one_vector_per_token(encoder):
    texts = ["block my card please", "hi"]
    for text, (sequence, sentence) in zip(texts, featurized(texts)):
        assert sequence.features.shape == (len(text.split()), 384)
        assert sentence.features.shape == (1, 384)
        np.testing.assert_allclose(sentence.features[0], encoder.encode([text])[0], atol=1e-5)
        assert np.abs(sequence.features).sum(axis=1).min() > 0  # every token got its word pieces


def test_featurizer_scale_multiplies_both_features():
    (sequence, sentence), = featurized(["what is my balance"], scale=10.0)
    np.testing.assert_allclose(np.linalg.norm(sentence.features), 10.0, rtol=1e-5)
    (plain_sequence, _), = featurized(["what is my balance"])
    np.testing.assert_allclose(sequence.features, 10.0 * plain_sequence.features, rtol=1e-5)


def test_featurizer_truncates_like_the_reference_by_default():
    longest = max(GOLDEN["cases"], key=lambda case: case["word_pieces"])  # over 256 word pieces
    (_, sentence), = featurized([longest["text"]], sequence_features=False)
    np.testing.assert_allclose(sentence.features[0], longest["vector"], rtol=0, atol=1e-5)
    (_, shorter), = featurized([longest["text"]], sequence_features=False, max_length=64)
    assert np.abs(shorter.features[0] - np.array(longest["vector"])).max() > 1e-2


def test_featurizer_without_sequence_features_adds_the_sentence_vector_only():
    (sequence, sentence), = featurized(["what is my balance"], sequence_features=False)
    assert sequence is None
    assert sentence.features.shape == (1, 384)
