"""Rasa's training reads the knowledge base through this importer (config.yml `importers:`, beside
RasaFileImporter): no generated file to keep in sync with the content.

For each topic of `<training path>/knowledge/` (data/knowledge/ for `rasa train`, `rasa data validate`,
`make eval-nlu`): its questions, both languages, become NLU examples of the retrieval intent
`faq/<id>`, and its answers the response `utter_faq/<id>` (the French one on `language: fr`, as
domain.yml writes variations). Rasa adds the responses and the retrieval intent to the domain
(ResponsesSyncImporter); the topic files themselves are not Rasa training files, so RasaFileImporter
passes over them. A file that is not a valid topic stops the training with its name
(`python -m bot knowledge check` says more).
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa.shared.core.domain import Domain
from rasa.shared.core.training_data.structures import StoryGraph
from rasa.shared.importers.importer import TrainingDataImporter
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.knowledge.topics import Topic, knowledge_dirs, load_topics
from bot.nlu import uncached_training


def responses(topic: Topic) -> List[Dict[str, Any]]:
    return [
        {"condition": [{"type": "slot", "name": "language", "value": "fr"}], "text": topic.fr.answer},
        {"text": topic.en.answer},
    ]


def training_data(topics: List[Topic]) -> TrainingData:
    examples = [Message.build(text=question, intent=topic.intent)
                for topic in topics for language in ("en", "fr") for question in topic.wording(language).questions]
    return TrainingData(training_examples=examples, responses={topic.response: responses(topic) for topic in topics})


class KnowledgeImporter(TrainingDataImporter):
    """The topics of data/knowledge/ as NLU examples and responses; nothing else."""

    def __init__(self, config_file: Optional[Text] = None, domain_path: Optional[Text] = None,
                 training_data_paths: Optional[List[Text]] = None, **kwargs: Any) -> None:
        self._folders = knowledge_dirs(training_data_paths)
        uncached_training.install()  # every `rasa train` of the project builds this importer first

    def topics(self) -> List[Topic]:
        return [topic for folder in self._folders for topic in load_topics(folder)]

    def get_nlu_data(self, language: Optional[Text] = "en") -> TrainingData:
        return training_data(self.topics())

    def get_domain(self) -> Domain:
        return Domain.empty()

    def get_stories(self, exclusion_percentage: Optional[int] = None) -> StoryGraph:
        return StoryGraph([])

    def get_conversation_tests(self) -> StoryGraph:
        return StoryGraph([])

    def get_config(self) -> Dict:
        return {}

    def get_config_file_for_auto_config(self) -> Optional[Text]:
        return None


def write_nlu_data(out: str, config: str = "config.yml", domain: str = "domain.yml", data: str = "data") -> int:
    """Every NLU example as training reads it (data/ and the knowledge base) in one Rasa YAML file, for the Rasa
    commands that read NLU files without config.yml's importers: `rasa test nlu --nlu <out>` (with or without
    --cross-validation). A throwaway file for testing (var/), never a source: the topics stay the source.
    An `out` ending in `.jsonl`: one JSON object a line instead, {"text": ..., "label": ...}, the label the full
    intent (`faq/<topic>` for a knowledge question), what `make tune-e5` learns from."""
    import json
    from pathlib import Path

    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLWriter

    importer = TrainingDataImporter.load_nlu_importer_from_config(config, domain, training_data_paths=[data])
    nlu = importer.get_nlu_data()
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    if out.endswith(".jsonl"):
        with open(out, "w", encoding="utf-8") as file:
            for message in nlu.intent_examples:
                file.write(json.dumps({"text": message.get("text"), "label": message.get_full_intent()},
                                      ensure_ascii=False) + "\n")
    else:
        RasaYAMLWriter().dump(out, nlu)
    return len(nlu.intent_examples)
