"""The knowledge base reaches Rasa's training through config.yml's importers (bot/knowledge/importer.py), and
KnowledgeSelector writes Rasa's response_selector format (bot/knowledge/selector.py)."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from rasa.shared.importers.importer import TrainingDataImporter

from bot.knowledge.importer import KnowledgeImporter
from bot.knowledge.selector import selection
from bot.knowledge.topics import KNOWLEDGE_DIR, knowledge_dirs, load_topics

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "knowledge"


@pytest.fixture
def project(tmp_path):
    """data/ with a rule-less NLU file and the fixture topics under data/knowledge/."""
    data = tmp_path / "data"
    shutil.copytree(FIXTURES, data / "knowledge")
    (data / "nlu.yml").write_text('version: "3.1"\nnlu:\n  - intent: greet\n    examples: |\n      - hello\n      - hi\n')
    return data


def test_the_topics_become_examples_of_faq_and_responses(project):
    importer = TrainingDataImporter.load_from_config(str(ROOT / "config.yml"), str(ROOT / "domain.yml"), [str(project)])
    nlu = importer.get_nlu_data()
    by_key = {}
    for message in nlu.intent_examples:
        by_key.setdefault(message.get("intent_response_key") or message.get("intent"), []).append(message.get("text"))
    pin = load_topics(FIXTURES / "cards")[0]
    assert by_key["faq/pin_forgotten"] == pin.en.questions + pin.fr.questions
    assert set(by_key) == {"greet", "faq/pin_forgotten", "faq/opening_hours"}
    domain = importer.get_domain()
    assert "faq" in domain.intents and domain.retrieval_intents == ["faq"]
    variations = domain.responses["utter_faq/pin_forgotten"]
    assert variations[0]["condition"] == [{"type": "slot", "name": "language", "value": "fr"}]
    assert variations[0]["text"] == pin.fr.answer and variations[1]["text"] == pin.en.answer


def test_the_nlu_importer_reads_them_too(project):
    """`rasa train nlu`, `make eval-nlu` and the held-out guard load NLU through this path."""
    importer = TrainingDataImporter.load_nlu_importer_from_config(
        str(ROOT / "config.yml"), str(ROOT / "domain.yml"), training_data_paths=[str(project)])
    keys = {m.get("intent_response_key") for m in importer.get_nlu_data().intent_examples}
    assert {"faq/pin_forgotten", "faq/opening_hours"} <= keys


def test_a_broken_topic_stops_the_training_with_its_name(project):
    (project / "knowledge" / "cards" / "pin_forgotten.yml").write_text("id: pin_forgotten\nowner: x\n")
    with pytest.raises(ValueError, match="pin_forgotten.yml: .*last_reviewed: missing"):
        KnowledgeImporter(training_data_paths=[str(project)]).get_nlu_data()


def test_the_knowledge_folder_is_found_under_each_training_path(project, tmp_path):
    assert knowledge_dirs([str(project)]) == [project / "knowledge"]
    assert knowledge_dirs([str(project / "knowledge")]) == [project / "knowledge"]
    assert knowledge_dirs(str(project)) == [project / "knowledge"]  # rasa data validate's one path
    assert knowledge_dirs([str(tmp_path / "elsewhere")]) == []
    assert knowledge_dirs(None) == [KNOWLEDGE_DIR]


def test_rasa_s_format_of_a_selection():
    ranking = [{"intent_response_key": "faq/pin_forgotten", "confidence": 0.8},
               {"intent_response_key": "faq/pin_blocked", "confidence": 0.1}]
    assert selection("faq", ranking) == {
        "response": {"responses": [], "confidence": 0.8, "intent_response_key": "faq/pin_forgotten",
                     "utter_action": "utter_faq/pin_forgotten"},
        "ranking": ranking,
    }


def test_every_example_is_written_labelled_as_json_lines_for_the_encoders_tuning(project, tmp_path):
    import json

    from bot.knowledge.importer import write_nlu_data

    out = tmp_path / "lines.jsonl"
    count = write_nlu_data(str(out), str(ROOT / "config.yml"), str(ROOT / "domain.yml"), str(project))
    lines = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    pin = load_topics(FIXTURES / "cards")[0]
    assert len(lines) == count
    assert {"text": "hello", "label": "greet"} in lines
    assert [line["text"] for line in lines if line["label"] == "faq/pin_forgotten"] == pin.en.questions + pin.fr.questions
