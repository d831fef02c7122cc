"""`KnowledgeSelector`: whether a message asks the knowledge base, and which topic, in Rasa's output format.

Two logistic regressions over the sentence embeddings the pipeline already computed (those of the featurizers named
in `featurizers`, by alias: MiniLM's and multilingual-e5's; all when empty; the word and character n-grams too with
`sparse_features`, slower and no better: config.yml):

* the router, trained on every example with its full intent as label (each topic `faq/<id>` apart, beside
  each service intent, `out_of_scope` and small talk): the message is a knowledge question when the topics
  together hold more than `knowledge_threshold` of its probability. Then its intent becomes `faq` with that
  confidence, whatever the intent classifier before it (bot.nlu.service_intents, which never learns `faq`)
  said; else `faq` is only ranked. One class per topic is what a linear model needs: one `faq` class around
  questions about everything a bank does took service requests and lost knowledge questions (config.yml).
* the selector, trained on the topics' questions only, `faq/<id>` as label: which topic. It writes what
  Rasa's ResponseSelector writes, `message["response_selector"]["faq"] = {"response": {...}, "ranking": [...]}`
  with `intent_response_key` "faq/<id>" and `utter_action` "utter_faq/<id>", so Rasa fills
  `intent.full_retrieval_intent_name` and the rest stays Rasa-native. `responses` is left empty: the answer
  is rendered by `action_answer_question` from the content, with the bank's facts, and the tracker does not
  carry both answers on every message.

Why not ResponseSelector: figures in config.yml (same top-1, a fraction of the training time).
"""
from __future__ import annotations

import json
import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Dict, List, Optional, Text, Type, Union

import numpy as np
from scipy.sparse import csr_matrix, hstack, vstack
from sklearn.linear_model import LogisticRegression

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.featurizers.featurizer import Featurizer
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, INTENT_RESPONSE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu import linear_model_files

logger = logging.getLogger(__name__)

PROPERTY = "response_selector"
SELECTOR_FILE, ROUTER_FILE, LABELS_FILE = "selector.npz", "router.npz", "labels.json"
LEGACY_FILE = "knowledge_selector.skops"


def features(messages: List[Message], sparse_features: bool = False,
             featurizers: Optional[List[str]] = None) -> Union[csr_matrix, np.ndarray]:
    """The sentence features of each message: the dense ones (the sentence embeddings) of `featurizers` (aliases;
    None or empty: all), and with `sparse_features` the word and character n-grams first, as Rasa's
    LogisticRegressionClassifier reads them."""
    chosen = list(featurizers or [])
    if not sparse_features:
        # Embeddings only: a dense array (logistic regression fits a dense matrix several times faster), stacked
        # at once rather than through a sparse matrix per message.
        return np.vstack([np.asarray(message.get_dense_features(TEXT, chosen)[1].features, dtype=np.float64)
                          .reshape(-1) for message in messages])
    rows = []
    for message in messages:
        sparse = message.get_sparse_features(attribute=TEXT)[1]
        dense = message.get_dense_features(TEXT, chosen)[1]
        rows.append(hstack([csr_matrix(sparse.features if sparse else []),
                            csr_matrix(dense.features if dense else [])]))
    return vstack(rows).tocsr()


def selection(retrieval_intent: str, ranking: List[Dict[str, Any]]) -> Dict[str, Any]:
    """Rasa's ResponseSelector output for one retrieval intent, from a ranking of {intent_response_key, confidence}."""
    top = ranking[0]
    return {
        "response": {
            "responses": [],
            "confidence": top["confidence"],
            INTENT_RESPONSE_KEY: top[INTENT_RESPONSE_KEY],
            "utter_action": f"utter_{top[INTENT_RESPONSE_KEY]}",
        },
        "ranking": ranking,
    }


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class KnowledgeSelector(GraphComponent):
    @classmethod
    def required_components(cls) -> List[Type]:
        return [Featurizer]

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"retrieval_intent": "faq", "sparse_features": False, "C": 1.0, "max_iter": 1000, "ranking_length": 5,
                "random_state": 42, "knowledge_threshold": 0.5, "router_max_iter": 200,
                "featurizers": []}  # the dense featurizers read, by alias; empty: all

    def __init__(self, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource) -> None:
        self.config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self.clf = None
        self.labels: List[str] = []
        self.router = None

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "KnowledgeSelector":
        return cls(config, model_storage, resource)

    def _examples(self, training_data: TrainingData) -> List[Message]:
        intent = self.config["retrieval_intent"]
        return [m for m in training_data.intent_examples
                if m.get(INTENT) == intent and m.get(INTENT_RESPONSE_KEY) and m.get(TEXT)]

    def _features(self, messages: List[Message]) -> Union[csr_matrix, np.ndarray]:
        return features(messages, self.config["sparse_features"], self.config["featurizers"])

    def train(self, training_data: TrainingData) -> Resource:
        """Fits the selector and the router side by side (two threads: L-BFGS's products release the GIL; ~42 s ->
        ~30 s of training on two cores, the same models)."""
        examples = self._examples(training_data)
        labels = [m.get(INTENT_RESPONSE_KEY) for m in examples]
        self.labels = sorted(set(labels))
        fits = []
        if len(self.labels) >= 2:
            self.clf = LogisticRegression(C=self.config["C"], max_iter=self.config["max_iter"],
                                          random_state=self.config["random_state"])
            fits.append((self.clf, self._features(examples), labels))
        everything = [m for m in training_data.intent_examples if m.get(INTENT) and m.get(TEXT)]
        if self.labels and len({m.get(INTENT) for m in everything}) >= 2:
            self.router = LogisticRegression(C=self.config["C"], max_iter=self.config["router_max_iter"],
                                             random_state=self.config["random_state"])
            fits.append((self.router, self._features(everything), [m.get_full_intent() for m in everything]))
        with ThreadPoolExecutor(max_workers=max(1, len(fits))) as pool:
            for done in [pool.submit(model.fit, X, y) for model, X, y in fits]:
                done.result()
        self.persist()
        return self._resource

    def persist(self) -> None:
        """Arrays and JSON (`bot.nlu.linear_model_files`), not skops: loading the model imports no skops (8-14 s)."""
        with self._model_storage.write_to(self._resource) as directory:
            linear_model_files.save(self.clf, directory / SELECTOR_FILE)
            linear_model_files.save(self.router, directory / ROUTER_FILE)
            (directory / LABELS_FILE).write_text(json.dumps(self.labels, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> "KnowledgeSelector":
        component = cls(config, model_storage, resource)
        try:
            with model_storage.read_from(resource) as directory:
                if (directory / LEGACY_FILE).is_file():  # a model trained before: one skops file
                    import skops.io as sio

                    path = directory / LEGACY_FILE
                    stored = sio.load(path, trusted=sio.get_untrusted_types(file=path))
                    component.clf, component.router = stored["clf"], stored.get("router")
                    component.labels = list(stored["labels"])
                    return component
                component.clf = linear_model_files.load(directory / SELECTOR_FILE)
                component.router = linear_model_files.load(directory / ROUTER_FILE)
                component.labels = list(json.loads((directory / LABELS_FILE).read_text(encoding="utf-8")))
        except ValueError:
            logger.debug("KnowledgeSelector: nothing trained")
        return component

    def ranking(self, messages: List[Message]) -> List[List[Dict[str, Any]]]:
        if self.clf is None:  # a single topic: nothing to choose
            return [[{INTENT_RESPONSE_KEY: self.labels[0], "confidence": 1.0}] for _ in messages]
        probabilities = self.clf.predict_proba(self._features(messages))
        result = []
        for row in probabilities:
            order = np.argsort(-row)[: self.config["ranking_length"]]
            result.append([{INTENT_RESPONSE_KEY: str(self.clf.classes_[i]), "confidence": float(row[i])}
                           for i in order])
        return result

    def knowledge_share(self, messages: List[Message]) -> List[float]:
        """The router's probability that each message asks the knowledge base: its topics' probabilities summed."""
        if self.router is None:
            return [0.0 for _ in messages]
        prefix = self.config["retrieval_intent"] + "/"
        topics = np.array([str(label).startswith(prefix) for label in self.router.classes_])
        probabilities = self.router.predict_proba(self._features(messages))
        return [float(p) for p in probabilities[:, topics].sum(axis=1)]

    def route(self, message: Message, share: float) -> None:
        """The message's intent becomes the knowledge base's when `share` is over the threshold; `faq` is ranked."""
        intent = self.config["retrieval_intent"]
        entry = {"name": intent, "confidence": share}
        ranking = [r for r in (message.get(INTENT_RANKING_KEY) or []) if r.get("name") != intent]
        ranking = sorted([*ranking, entry], key=lambda r: -r["confidence"])
        if share > self.config["knowledge_threshold"]:
            message.set(INTENT, entry, add_to_output=True)
        message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)

    def process(self, messages: List[Message]) -> List[Message]:
        if not messages or not self.labels:
            return messages
        intent = self.config["retrieval_intent"]
        for message, share in zip(messages, self.knowledge_share(messages)):
            if self.router is not None:
                self.route(message, share)
        for message, ranking in zip(messages, self.ranking(messages)):
            if not ranking:
                continue
            found = dict(message.get(PROPERTY) or {})
            found["all_retrieval_intents"] = [intent]
            found[intent] = selection(intent, ranking)
            message.set(PROPERTY, found, add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data
