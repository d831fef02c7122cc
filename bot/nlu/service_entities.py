"""`ServiceEntityExtractor`: Rasa's CRFEntityExtractor, trained on the services' examples only.

The knowledge base's questions (`faq/<id>`, data/knowledge/) are written for their wording, not
annotated: "can I pay 200 with my card abroad" names no `amount` there. Trained on them, the CRF
learnt that amounts, loan kinds and payees are often not entities, and missed them in requests
("a 500 euro car loan", "un virement de 20 €"). The knowledge base needs no entity: its examples
are left out of this component's training, nothing else changes.

Amounts written with a space between thousands ("9 500 €", "12 500", "1 250 000"): the tokenizer splits them, and
the CRF may tag the last group alone ("500"). `extract_entities` widens an amount over the groups of digits right
before it, so that "un crédit de 9 500 €" is 9500, not 500.

Loading: Rasa's CRFEntityExtractor stores its training set and trains the CRFs again each time a model is
loaded (5-6 s in every Rasa server and `rasa test`). This one also stores each trained CRF in CRFsuite's own
model format (data, not code: what CRFsuite itself writes and reads) and loads those; a model without them
(trained before) is loaded the Rasa way.
"""
from __future__ import annotations

import re
from collections import OrderedDict
from pathlib import Path
from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.crf_entity_extractor import CRFEntityExtractor, CRFToken
import rasa.shared.utils.io
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.knowledge.topics import RETRIEVAL_INTENT

ORDER_FILE = "crf_order.json"  # Rasa's: the CRFs' tags, in order
AMOUNT = "amount"
# A group of thousands right before an amount's start: "9 ", "12 ", "1 250 " (spaces of all kinds); the amount itself
# must begin with three digits and no more.
_GROUP_BEFORE = re.compile(r"(?<![\d.,])(\d{1,3}(?:[ \u00a0\u202f]\d{3})*)[ \u00a0\u202f]$")
_THREE_DIGITS = re.compile(r"^\d{3}(?!\d)")


def with_thousands(text: str, entity: Dict[str, Any]) -> Dict[str, Any]:
    """An amount entity widened over the thousands written before it ("9 500": the CRF tagged "500")."""
    start, end = entity.get("start"), entity.get("end")
    if entity.get("entity") != AMOUNT or not isinstance(start, int) or not isinstance(end, int):
        return entity
    before = _GROUP_BEFORE.search(text[:start])
    if before is None or not _THREE_DIGITS.match(text[start:end]):
        return entity
    return {**entity, "start": before.start(1), "value": text[before.start(1):end]}


def model_file(tag: str) -> str:
    return f"crf_{tag}.crfsuite"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=True)
class ServiceEntityExtractor(CRFEntityExtractor):
    def train(self, training_data: TrainingData) -> Resource:
        services = TrainingData(
            entity_synonyms=training_data.entity_synonyms,
            regex_features=training_data.regex_features,
            lookup_tables=training_data.lookup_tables,
        )
        # Set after, not passed in: TrainingData() would sanitize the examples again, de-duplicating them by a hash
        # of each message with every feature the featurizers added (~10 s of training); they are Rasa's already.
        services.training_examples = [
            m for m in training_data.training_examples if m.get(INTENT) != RETRIEVAL_INTENT
        ]
        return super().train(services)

    def extract_entities(self, message: Message) -> List[Dict[Text, Any]]:
        text = message.get(TEXT) or ""
        return [with_thousands(text, entity) for entity in super().extract_entities(message)]

    def persist(self, dataset: List[List[CRFToken]]) -> None:
        super().persist(dataset)
        with self._model_storage.write_to(self._resource) as directory:
            for tag, tagger in self.entity_taggers.items():
                (directory / model_file(tag)).write_bytes(Path(tagger.modelfile.name).read_bytes())

    @classmethod
    def load(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> CRFEntityExtractor:
        import sklearn_crfsuite

        try:
            with model_storage.read_from(resource) as directory:
                order = rasa.shared.utils.io.read_json_file(directory / ORDER_FILE)
                if not all((directory / model_file(tag)).is_file() for tag in order):
                    raise FileNotFoundError
                taggers = OrderedDict()
                for tag in order:
                    tagger = sklearn_crfsuite.CRF(model_filename=str(directory / model_file(tag)))
                    tagger.tagger_  # opens the file now: CRFsuite reads it into memory, the folder may go
                    taggers[tag] = tagger
        except (ValueError, FileNotFoundError):  # not trained, or trained before the CRFs were stored
            return super().load(config, model_storage, resource, execution_context, **kwargs)
        extractor = cls({**cls.get_default_config(), **config}, model_storage, resource, taggers)
        extractor.crf_order = order
        return extractor
