"""What the pipeline stores in the model archive loads back as the same model, fast and without running code:
the logistic regressions as arrays (bot.nlu.linear_model_files), the CRFs in CRFsuite's format, and the
knowledge base's answers are not tokenized for training (bot.nlu.question_tokenizer)."""
import numpy as np
import pytest
import scipy.sparse
from sklearn.linear_model import LogisticRegression

from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.extractors.crf_entity_extractor import CRFEntityExtractor
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, FEATURE_TYPE_SEQUENCE, INTENT, RESPONSE, TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.knowledge.topics import RETRIEVAL_INTENT
from bot.nlu import linear_model_files
from bot.nlu.question_tokenizer import QuestionTokenizer
from bot.nlu.service_entities import ServiceEntityExtractor
from bot.nlu.service_intents import ServiceIntentClassifier
from tests.unit.test_knowledge_routing import CENTRES, component, message, vector


def context(name: str) -> ExecutionContext:
    return ExecutionContext(GraphSchema({}), node_name=name)


@pytest.mark.parametrize("labels", [["a", "b"], ["a", "b", "c"]])  # binary and multinomial
def test_a_logistic_regression_comes_back_the_same(tmp_path, labels):
    rng = np.random.default_rng(3)
    x = rng.normal(size=(60, 5))
    y = [labels[i % len(labels)] for i in range(60)]
    model = LogisticRegression(C=0.5, max_iter=50).fit(x, y)
    linear_model_files.save(model, tmp_path / "m.npz")
    loaded = linear_model_files.load(tmp_path / "m.npz")
    assert list(loaded.classes_) == labels
    np.testing.assert_array_equal(loaded.predict_proba(x), model.predict_proba(x))
    assert loaded.get_params() == model.get_params()


def test_nothing_trained_comes_back_as_nothing(tmp_path):
    linear_model_files.save(None, tmp_path / "m.npz")
    assert linear_model_files.load(tmp_path / "m.npz") is None


def test_a_file_holding_objects_is_refused(tmp_path):
    np.savez(tmp_path / "m.npz", fitted=np.array(True), coef_=np.array([object()], dtype=object))
    (tmp_path / "m.json").write_text("{}")
    with pytest.raises(ValueError):  # numpy will not unpickle
        linear_model_files.load(tmp_path / "m.npz")


def test_the_intent_classifier_loads_as_trained_without_skops(tmp_path):
    rng = np.random.default_rng(7)
    data = TrainingData([message(f"{label} {i}", vector(label, rng), label) for label in CENTRES for i in range(20)])
    classifier = component(ServiceIntentClassifier, {"max_iter": 100}, tmp_path, "intents")
    classifier.train(data)
    stored = list((tmp_path / "intents").iterdir())
    assert not [path for path in stored if path.suffix == ".skops"], stored
    loaded = ServiceIntentClassifier.load(classifier.config, classifier._model_storage,
                                          classifier._resource, context("intents"))
    probe = [message("balance", vector("check_balance", rng)), message("weather", vector("out_of_scope", rng))]
    x = classifier._create_X(probe)
    np.testing.assert_array_equal(loaded.clf.predict_proba(x), classifier.clf.predict_proba(x))


def test_the_intent_classifier_stacks_features_as_rasa_joins_them():
    """Two sparse featurizers and two dense ones per message: the matrix is Rasa's, column for column."""
    rng = np.random.default_rng(5)
    messages = []
    for i in range(6):
        m = Message(data={TEXT: f"text {i}", INTENT: "check_balance"})
        for origin, width in (("words", 3), ("chars", 4)):
            m.add_features(Features(scipy.sparse.random(1, width, density=0.5, random_state=i, format="coo"),
                                    FEATURE_TYPE_SENTENCE, TEXT, origin))
            m.add_features(Features(scipy.sparse.random(2, width, density=0.5, random_state=i, format="coo"),
                                    FEATURE_TYPE_SEQUENCE, TEXT, origin))
        for origin, width in (("minilm", 2), ("e5", 5)):
            m.add_features(Features(rng.normal(size=(1, width)), FEATURE_TYPE_SENTENCE, TEXT, origin))
        messages.append(m)
    sparse, dense = ServiceIntentClassifier._blocks(messages)
    rasa_sparse = scipy.sparse.vstack([m.get_sparse_features(attribute=TEXT)[1].features for m in messages])
    rasa_dense = np.vstack([m.get_dense_features(attribute=TEXT)[1].features for m in messages])
    np.testing.assert_array_equal(sparse.toarray(), rasa_sparse.toarray())
    np.testing.assert_array_equal(dense, rasa_dense)
    messages[-1].features.pop()  # one message without its e5 features: not the same columns, Rasa's way instead
    assert ServiceIntentClassifier._blocks(messages) is None


def entity_examples():
    tokenizer = WhitespaceTokenizer(WhitespaceTokenizer.get_default_config())
    examples = []
    for amount, payee in [("20", "Tom"), ("35", "Léa"), ("100", "Sam"), ("12", "Ana"), ("70", "Max"), ("5", "Zoé"), ("48", "Paul"),
                           ("250", "Inès"), ("9", "Hugo"), ("60", "Jade")]:
        text = f"send {amount} euros to {payee}"
        start = text.index(amount)
        examples.append(Message(data={TEXT: text, INTENT: "transfer_money", "entities": [
            {"entity": "amount", "value": amount, "start": start, "end": start + len(amount)},
            {"entity": "payee", "value": payee, "start": text.index(payee), "end": len(text)},
        ]}))
    data = TrainingData(examples)
    tokenizer.process_training_data(data)
    for example in data.training_examples:
        featurized(example)
    return data, tokenizer


def featurized(m: Message) -> Message:
    """Rasa's CRF learns only from messages some featurizer has seen (it reads the tokens themselves)."""
    m.add_features(Features(np.ones((len(m.get(TOKENS_NAMES[TEXT])), 1)), FEATURE_TYPE_SEQUENCE, TEXT, "test"))
    return m


def test_the_entity_extractor_loads_its_crfs_without_training_them_again(tmp_path, monkeypatch):
    data, tokenizer = entity_examples()
    storage, resource = LocalModelStorage(tmp_path), Resource("entities")
    extractor = ServiceEntityExtractor.create(ServiceEntityExtractor.get_default_config(), storage, resource,
                                              context("entities"))
    extractor.train(data)

    def no_training(*args, **kwargs):
        raise AssertionError("the CRFs were trained again at load")

    monkeypatch.setattr(ServiceEntityExtractor, "train_model", classmethod(no_training))
    loaded = ServiceEntityExtractor.load(ServiceEntityExtractor.get_default_config(), storage, resource,
                                         context("entities"))
    probe = Message(data={TEXT: "send 35 euros to Sam"})
    tokenizer.process([probe])
    loaded.process([featurized(probe)])
    assert {(e["entity"], e["value"]) for e in probe.get("entities")} == {("amount", "35"), ("payee", "Sam")}


def test_the_entity_extractor_learns_from_the_services_examples_only(tmp_path, monkeypatch):
    data, tokenizer = entity_examples()
    question = Message(data={TEXT: "can I pay 200 abroad", INTENT: RETRIEVAL_INTENT})
    tokenizer.process([question])
    data.training_examples.append(featurized(question))
    data.entity_synonyms = {"tommy": "Tom"}
    seen = []
    monkeypatch.setattr(CRFEntityExtractor, "train", lambda self, training_data: seen.append(training_data))
    extractor = ServiceEntityExtractor.create(ServiceEntityExtractor.get_default_config(), LocalModelStorage(tmp_path),
                                              Resource("entities"), context("entities"))
    extractor.train(data)
    assert seen[0].training_examples == data.training_examples[:-1]
    assert seen[0].entity_synonyms == {"tommy": "Tom"}


def test_a_knowledge_answer_is_not_tokenized_for_training_and_the_question_is_as_rasa_does():
    config = {**WhitespaceTokenizer.get_default_config(), "token_pattern": "[€$£]|[^€$£]+"}
    question = {TEXT: "when does the branch open on €-days", INTENT: "faq", RESPONSE: "We open at 9. " * 50}
    ours, rasa = Message(data=dict(question)), Message(data=dict(question))
    QuestionTokenizer(config).process_training_data(TrainingData([ours]))
    WhitespaceTokenizer(config).process_training_data(TrainingData([rasa]))
    assert ours.get(TOKENS_NAMES[RESPONSE]) is None
    assert [t.text for t in ours.get(TOKENS_NAMES[TEXT])] == [t.text for t in rasa.get(TOKENS_NAMES[TEXT])]
    assert [t.text for t in ours.get(TOKENS_NAMES[INTENT])] == [t.text for t in rasa.get(TOKENS_NAMES[INTENT])]
