"""The numpy all-MiniLM-L6-v2 encoder and its Rasa featurizer, on the real bundled model.

Reference figures are the ones sentence-transformers publishes for this model; the
encoder must reproduce them without torch.
"""
import numpy as np
import pytest

from bot.nlu.sentence_encoder import DIMENSION, SentenceEncoder


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


def test_featurizer_without_sequence_features_adds_the_sentence_vector_only():
    (sequence, sentence), = featurized(["what is my balance"], sequence_features=False)
    assert sequence is None
    assert sentence.features.shape == (1, 384)
