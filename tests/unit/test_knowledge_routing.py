"""KnowledgeSelector's router: a message is a knowledge question when the topics together are more probable than
the threshold; its intent then becomes `faq`, else the intent classifier's stays and `faq` is only ranked.
The intent classifier before it (ServiceIntentClassifier) never learns `faq`. Synthetic sentence features: one
cluster per label, so the outcome is known."""
import numpy as np
import pytest

from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, INTENT, INTENT_RESPONSE_KEY, TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.knowledge.selector import KnowledgeSelector
from bot.nlu.service_intents import ServiceIntentClassifier

CENTRES = {"faq/opening_hours": 0, "faq/pin_forgotten": 1, "check_balance": 2, "out_of_scope": 3}
DIMENSION = 8


def vector(label: str, rng: np.random.Generator) -> np.ndarray:
    centre = np.zeros(DIMENSION)
    centre[CENTRES[label]] = 5.0
    return centre + rng.normal(0, 0.3, DIMENSION)


def message(text: str, features: np.ndarray, label: str = "") -> Message:
    data = {TEXT: text}
    if label:
        intent, _, key = label.partition("/")
        data[INTENT] = intent
        if key:
            data[INTENT_RESPONSE_KEY] = label
    m = Message(data=data)
    m.add_features(Features(features.reshape(1, -1), FEATURE_TYPE_SENTENCE, TEXT, "test"))
    return m


@pytest.fixture()
def training_data():
    rng = np.random.default_rng(7)
    return TrainingData([message(f"{label} {i}", vector(label, rng), label) for label in CENTRES for i in range(20)])


def component(cls, config, tmp_path, name):
    storage = LocalModelStorage(tmp_path)
    return cls.create({**cls.get_default_config(), **config}, storage, Resource(name),
                      ExecutionContext(GraphSchema({}), node_name=name))


def test_a_knowledge_question_becomes_faq_and_a_request_keeps_its_intent(training_data, tmp_path):
    selector = component(KnowledgeSelector, {}, tmp_path, "selector")
    selector.train(training_data)
    rng = np.random.default_rng(11)
    question = message("when are you open", vector("faq/opening_hours", rng))
    request = message("my balance", vector("check_balance", rng))
    for m in (question, request):  # what the intent classifier before it wrote: never `faq`
        m.set(INTENT, {"name": "check_balance", "confidence": 0.9})
        m.set("intent_ranking", [{"name": "check_balance", "confidence": 0.9}])
    selector.process([question, request])

    assert question.get(INTENT)["name"] == "faq" and question.get(INTENT)["confidence"] > 0.5
    assert question.get("response_selector")["faq"]["response"]["intent_response_key"] == "faq/opening_hours"
    assert request.get(INTENT) == {"name": "check_balance", "confidence": 0.9}
    assert [r["name"] for r in request.get("intent_ranking")] == ["check_balance", "faq"]
    assert request.get("intent_ranking")[1]["confidence"] < 0.5


def test_the_threshold_decides(training_data, tmp_path):
    selector = component(KnowledgeSelector, {"knowledge_threshold": 1.0}, tmp_path, "selector")
    selector.train(training_data)
    question = message("when are you open", vector("faq/opening_hours", np.random.default_rng(3)))
    question.set(INTENT, {"name": "out_of_scope", "confidence": 0.6})
    selector.process([question])
    assert question.get(INTENT)["name"] == "out_of_scope"  # nothing is more than certain
    assert question.get("intent_ranking")[0]["name"] == "faq"


def test_the_router_survives_persisting_and_loading(training_data, tmp_path):
    selector = component(KnowledgeSelector, {}, tmp_path, "selector")
    selector.train(training_data)
    loaded = KnowledgeSelector.load(selector.config, selector._model_storage, selector._resource,
                                    ExecutionContext(GraphSchema({}), node_name="selector"))
    question = message("pin", vector("faq/pin_forgotten", np.random.default_rng(5)))
    question.set(INTENT, {"name": "out_of_scope", "confidence": 0.5})
    loaded.process([question])
    assert question.get(INTENT)["name"] == "faq"


def test_the_intent_classifier_never_learns_the_knowledge_base(training_data, tmp_path):
    classifier = component(ServiceIntentClassifier, {"max_iter": 100}, tmp_path, "intents")
    classifier.train(training_data)
    assert sorted(classifier.clf.classes_) == ["check_balance", "out_of_scope"]


def test_the_intent_classifier_s_matrix_is_rasa_s():
    import scipy.sparse as sp
    from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier

    rng = np.random.default_rng(1)
    messages = []
    for i in range(30):
        m = message(f"text {i}", rng.random(DIMENSION))
        m.add_features(Features(sp.random(1, 50, density=0.1, format="coo", random_state=i), FEATURE_TYPE_SENTENCE,
                                TEXT, "words"))
        messages.append(m)
    ours = ServiceIntentClassifier._create_X(ServiceIntentClassifier.__new__(ServiceIntentClassifier), messages)
    rasa = LogisticRegressionClassifier._create_X(None, messages).tocsr()
    assert ours.shape == rasa.shape == (30, 50 + DIMENSION)
    assert (ours != rasa).nnz == 0


def test_the_selector_reads_only_the_dense_features_of_the_featurizers_it_names(training_data, tmp_path):
    """config.yml gives the third sentence encoder (alias `use`) to the service intents' classifier only."""
    rng = np.random.default_rng(3)
    for m in training_data.training_examples:  # a second featurizer's vector beside the first's
        m.add_features(Features(rng.normal(0, 1, (1, 5)), FEATURE_TYPE_SENTENCE, TEXT, "other"))
    named = component(KnowledgeSelector, {"featurizers": ["test"]}, tmp_path, "named")
    named.train(training_data)
    everything = component(KnowledgeSelector, {}, tmp_path, "everything")
    everything.train(training_data)
    assert named.router.n_features_in_ == named.clf.n_features_in_ == DIMENSION
    assert everything.router.n_features_in_ == DIMENSION + 5
