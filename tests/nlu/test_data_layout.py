"""data/ is laid out per service (data/README.md): each intent's examples live in exactly one file per
language folder (data/nlu/en/, data/nlu/fr/), and the rules and stories name only intents, actions,
forms and slots of domain.yml.
Read with Rasa's own loaders, as `rasa train` reads them."""
from collections import defaultdict
from pathlib import Path
from typing import Dict, List, Set

import pytest
from rasa.shared.core.constants import DEFAULT_INTENTS, RULE_SNIPPET_ACTION_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, ActiveLoop, SlotSet, UserUttered
from rasa.shared.core.training_data.story_reader.yaml_story_reader import YAMLStoryReader
from rasa.shared.data import get_data_files, is_nlu_file
from rasa.shared.nlu.training_data.loading import load_data

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "data"
LANGUAGES = ("en", "fr")
# Tapped only (Messenger's Get Started button, the persistent menu), as domain.yml says: no typed examples.
TAPPED_ONLY = {"get_started", "card_menu"}
# Rasa's built-in intents come without examples, except out_of_scope, which we train. The knowledge base's
# retrieval intent has its examples in data/knowledge/, one file per topic (bot/knowledge/importer.py).
NO_EXAMPLES = TAPPED_ONLY | (set(DEFAULT_INTENTS) - {"out_of_scope"}) | {"faq"}


def files_per_intent(nlu_folder: Path) -> Dict[str, List[str]]:
    """Intent -> the files (relative to nlu_folder) holding examples of it."""
    found = defaultdict(list)
    for path in sorted(nlu_folder.rglob("*.y*ml")):
        for intent in load_data(str(path)).intents:
            found[intent].append(path.relative_to(nlu_folder).as_posix())
    return dict(found)


def misplaced_intents(nlu_folder: Path, domain: Domain) -> List[str]:
    problems = []
    found = files_per_intent(nlu_folder)
    for intent in sorted(set(domain.intents) | set(found)):
        files = found.get(intent, [])
        if intent not in domain.intents:
            problems.append(f"{intent}: examples in {files} but not an intent of domain.yml")
        elif intent in NO_EXAMPLES and files:
            problems.append(f"{intent}: has no typed examples by design, yet examples in {files}")
        elif intent not in NO_EXAMPLES and len(files) != 1:
            problems.append(f"{intent}: examples must be in exactly one file, found in {files or 'none'}")
    return problems


def unknown_names(data_folder: Path, domain: Domain) -> List[str]:
    """What the rules and stories under data_folder name that domain.yml does not have."""
    actions: Set[str] = set(domain.action_names_or_texts) | {RULE_SNIPPET_ACTION_NAME}
    slots = {slot.name for slot in domain.slots}
    problems = []
    reader_files = get_data_files([str(data_folder)], YAMLStoryReader.is_stories_file)
    for path in sorted(reader_files):
        for step in YAMLStoryReader(domain).read_from_file(path):
            where = f"{Path(path).relative_to(data_folder).as_posix()}: {step.block_name!r}"
            for event in step.events:
                if isinstance(event, UserUttered) and event.intent_name not in domain.intents:
                    problems.append(f"{where} uses the intent {event.intent_name!r}")
                elif isinstance(event, ActionExecuted) and event.action_name not in actions:
                    problems.append(f"{where} uses the action {event.action_name!r}")
                elif isinstance(event, ActiveLoop) and event.name is not None and event.name not in domain.form_names:
                    problems.append(f"{where} uses the form {event.name!r}")
                elif isinstance(event, SlotSet) and event.key not in slots:
                    problems.append(f"{where} uses the slot {event.key!r}")
    return problems


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(ROOT / "domain.yml"))


def test_nlu_data_is_only_under_data_nlu_language():
    nlu_files = get_data_files([str(DATA)], is_nlu_file)
    assert nlu_files, "no NLU data under data/"
    outside = [f for f in nlu_files if len(Path(f).relative_to(DATA).parts) != 3 or Path(f).relative_to(DATA).parts[0] != "nlu"]
    assert not outside, f"NLU data belongs in data/nlu/<language>/<service>.yml: {outside}"


def test_every_language_has_a_folder_and_no_other_folder_is_there():
    folders = sorted(p.name for p in (DATA / "nlu").iterdir() if p.is_dir())
    assert folders == sorted(LANGUAGES)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_intent_has_its_examples_in_exactly_one_file_per_language(domain, language):
    assert not misplaced_intents(DATA / "nlu" / language, domain)


def test_rules_and_stories_name_only_what_the_domain_has(domain):
    assert not unknown_names(DATA, domain)


def test_the_checks_catch_misplaced_data(tmp_path, domain):
    nlu = tmp_path / "nlu" / "fr"
    nlu.mkdir(parents=True)
    (nlu / "a.yml").write_text('version: "3.1"\nnlu:\n- intent: greet\n  examples: |\n    - hi\n'
                               '- intent: get_started\n  examples: |\n    - start\n'
                               '- intent: greeet\n  examples: |\n    - hey\n')
    (nlu / "b.yml").write_text('version: "3.1"\nnlu:\n- intent: greet\n  examples: |\n    - hello\n')
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "x.yml").write_text(
        'version: "3.1"\nrules:\n- rule: r\n  condition:\n  - active_loop: no_such_form\n  steps:\n'
        '  - intent: no_such_intent\n  - action: utter_no_such_response\n  - slot_was_set:\n    - no_such_slot: 1\n')
    problems = misplaced_intents(nlu, domain)
    assert any(p.startswith("greet: examples must be in exactly one file") for p in problems)
    assert any(p.startswith("get_started: has no typed examples") for p in problems)
    assert any(p.startswith("greeet: examples in") for p in problems)
    assert any(p.startswith("goodbye: examples must be in exactly one file, found in none") for p in problems)
    unknown = " | ".join(unknown_names(tmp_path, domain))
    for name in ("no_such_form", "no_such_intent", "utter_no_such_response", "no_such_slot"):
        assert repr(name) in unknown, unknown
