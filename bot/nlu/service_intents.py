"""`ServiceIntentClassifier`: Rasa's LogisticRegressionClassifier, trained on every intent but the knowledge base's.

The knowledge base's ~2,200 questions (`faq/<id>`, 90 topics) as one `faq` class beside the services' intents
pulled both ways: a linear model cannot draw one region around questions about everything a bank does, so
service requests went to `faq` and knowledge questions to services (config.yml has the figures). Here the
services' intents, `out_of_scope` and small talk are learnt without them; whether a message is a knowledge
question is decided after, by `bot.knowledge.selector.KnowledgeSelector`, which sees every topic apart.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text, Tuple

import numpy as np
from scipy.sparse import csr_matrix, hstack, vstack

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.knowledge.topics import RETRIEVAL_INTENT
from bot.nlu import blockwise_logistic, linear_model_files

MODEL_FILE = "service_intents.npz"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class ServiceIntentClassifier(LogisticRegressionClassifier):
    """Stored as arrays (`bot.nlu.linear_model_files`), not with skops: the same model, loaded without skops's
    import, which costs every process that loads the model 8-14 s."""

    def persist(self) -> None:
        with self._model_storage.write_to(self._resource) as directory:
            linear_model_files.save(self.clf, directory / MODEL_FILE)

    @classmethod
    def load(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> "ServiceIntentClassifier":
        try:
            with model_storage.read_from(resource) as directory:
                clf = linear_model_files.load(directory / MODEL_FILE)
        except ValueError:  # nothing persisted for this resource: an untrained classifier, as Rasa's does
            return cls.create(config, model_storage, resource, execution_context)
        except FileNotFoundError:  # a model trained before: Rasa's skops file
            return super().load(config, model_storage, resource, execution_context, **kwargs)
        component = cls(config, execution_context.node_name, model_storage, resource)
        if clf is not None:
            component.clf = clf
        return component

    def _examples(self, training_data: TrainingData) -> List[Message]:
        return [e for e in training_data.intent_examples
                if e.get(INTENT) and e.get(TEXT) and e.get(INTENT) != RETRIEVAL_INTENT]

    def _create_training_matrix(self, training_data: TrainingData) -> Tuple[csr_matrix, List[str]]:
        examples = self._examples(training_data)
        return self._create_X(examples), [e.get(INTENT) for e in examples]

    def train(self, training_data: TrainingData) -> Resource:
        """Rasa's training, the model fitted with the embeddings as a dense block (`bot.nlu.blockwise_logistic`:
        the same objective and solver, three times faster) when every example has both kinds of features."""
        examples = self._examples(training_data)
        labels = [e.get(INTENT) for e in examples]
        blocks = self._blocks(examples)
        if blocks is None or not blockwise_logistic.applies_to(self.clf, labels):
            return super().train(training_data)
        blockwise_logistic.fit(self.clf, *blocks, labels)
        self.persist()
        return self._resource

    @staticmethod
    def _blocks(messages: List[Message]) -> Optional[Tuple[csr_matrix, np.ndarray]]:
        """Each message's sparse sentence features stacked, and its dense ones: the columns of `_create_X`.

        The same matrices as stacking each message's `get_sparse_features` / `get_dense_features`, which join every
        message's features one message at a time (~7 s of training): here each featurizer's column of features is
        stacked once, then the columns are put side by side."""
        sparse = _sentence_features(messages, sparse=True)
        dense = _sentence_features(messages, sparse=False)
        if not messages or sparse is None or dense is None:
            return None
        return (hstack([vstack(column) for column in sparse]).tocsr(),
                np.hstack([np.vstack([np.asarray(f).reshape(1, -1) for f in column]) for column in dense]))

    def _create_X(self, messages: List[Message]) -> csr_matrix:
        """Rasa's matrix (each message's sparse sentence features, then its dense ones), built in one stack rather
        than one sparse matrix per message (~7 s for the ~5,500 training examples)."""
        blocks = self._blocks(messages)
        if blocks is None:
            return super()._create_X(messages)
        return hstack([blocks[0], csr_matrix(blocks[1])]).tocsr()


def _sentence_features(messages: List[Message], sparse: bool) -> Optional[List[List[Any]]]:
    """The sentence features of every message's text, one list per featurizer in the order the message has them;
    None when a message has none of this kind or not the same featurizers as the first."""
    per_message = [
        [f.features for f in m.features
         if f.attribute == TEXT and f.type == FEATURE_TYPE_SENTENCE and f.is_sparse() == sparse]
        for m in messages
    ]
    widths = [[f.shape[-1] for f in features] for features in per_message]
    if not per_message or not widths[0] or any(w != widths[0] for w in widths):
        return None
    return [list(column) for column in zip(*per_message)]
