"""`ServiceEntityExtractor`: Rasa's CRFEntityExtractor, trained on the services' examples only.

The knowledge base's questions (`faq/<id>`, data/knowledge/) are written for their wording, not
annotated: "can I pay 200 with my card abroad" names no `amount` there. Trained on them, the CRF
learnt that amounts, loan kinds and payees are often not entities, and missed them in requests
("a 500 euro car loan", "un virement de 20 €"). The knowledge base needs no entity: its examples
are left out of this component's training, nothing else changes.
"""
from __future__ import annotations

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.nlu.extractors.crf_entity_extractor import CRFEntityExtractor
from rasa.shared.nlu.constants import INTENT
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.knowledge.topics import RETRIEVAL_INTENT


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=True)
class ServiceEntityExtractor(CRFEntityExtractor):
    def train(self, training_data: TrainingData) -> Resource:
        kept = [m for m in training_data.training_examples if m.get(INTENT) != RETRIEVAL_INTENT]
        return super().train(TrainingData(
            training_examples=kept,
            entity_synonyms=training_data.entity_synonyms,
            regex_features=training_data.regex_features,
            lookup_tables=training_data.lookup_tables,
        ))
