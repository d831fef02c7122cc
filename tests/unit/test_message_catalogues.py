"""Every customer-facing text exists in English and in French, alike but for the words.

- domain.yml: each response has an English default (no condition) and one French variation on the
  `language` slot being `fr` (per channel when it varies by `channel:`), with the same placeholders and the same quick replies and buttons
  (same number, same payloads, in order); titles fit Messenger (20 characters), texts too (2000);
- the catalogues of fragments (actions/text/catalogue/) and of bot/'s own texts (bot/messages/):
  the same keys in both languages, with the same placeholders.
"""
from __future__ import annotations

import copy
import string
from pathlib import Path
from typing import Any, Dict, List, Optional

import pytest
import yaml

from tests.support.processes import PROJECT_ROOT

DOMAIN = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))
FRENCH_CONDITION = [{"type": "slot", "name": "language", "value": "fr"}]
MAX_TITLE = 20  # Messenger: a quick reply's or a button's title
MAX_TEXT = 2000
CATALOGUES = [PROJECT_ROOT / "actions" / "text" / "catalogue", PROJECT_ROOT / "bot" / "messages"]
# Fragments that become titles of quick replies or buttons, with the longest value they are filled with.
TITLE_FRAGMENTS = {
    "card.choice.debit": {"masked": "•••• 1234"},
    "card.choice.credit": {"masked": "•••• 1234"},
    "card.order_replacement": {},
    "card.no_thanks": {},
    "card.order_new": {},
    "loan.product.button": {},
    "csat.template_button": {},
}


def placeholders(text: Optional[str]) -> set:
    return {name for _, name, _, _ in string.Formatter().parse(text or "") if name}


def _choices(variation: Dict[str, Any]) -> Dict[str, List[Dict[str, Any]]]:
    return {kind: list(variation.get(kind) or []) for kind in ("quick_replies", "buttons")}


def response_problems(responses: Dict[str, List[Dict[str, Any]]]) -> List[str]:
    """What is wrong with the responses of a domain, one sentence each (none: all good).

    A response may vary by `channel:` too (the welcome names the channel): then each channel it names has
    its own English default and French variation, as the variations without a channel do (Rasa prefers a
    channel's variation to one without, whatever the language, so a channel's needs both languages)."""
    problems: List[str] = []
    for name, variations in responses.items():
        channels = sorted({v.get("channel") or "" for v in variations})
        if "" not in channels:
            problems.append(f"{name}: no variation for every channel")
        for channel in channels:
            label = f"{name} [{channel}]" if channel else name
            problems += _variation_problems(label, [v for v in variations if (v.get("channel") or "") == channel])
    return problems


def _variation_problems(name: str, variations: List[Dict[str, Any]]) -> List[str]:
    problems: List[str] = []
    english = [v for v in variations if not v.get("condition")]
    french = [v for v in variations if v.get("condition") == FRENCH_CONDITION]
    others = [v for v in variations if v.get("condition") and v.get("condition") != FRENCH_CONDITION]
    if len(english) != 1:
        problems.append(f"{name}: {len(english)} English defaults (one wanted)")
    if len(french) != 1:
        problems.append(f"{name}: {len(french)} French variations on language: fr (one wanted)")
    if others:
        problems.append(f"{name}: a variation on another condition")
    if len(english) != 1 or len(french) != 1:
        return problems
    en, fr = english[0], french[0]
    if placeholders(en.get("text")) != placeholders(fr.get("text")):
        problems.append(f"{name}: placeholders differ: {placeholders(en.get('text'))} / {placeholders(fr.get('text'))}")
    for variation, language in ((en, "en"), (fr, "fr")):
        if not (variation.get("text") or "").strip():
            problems.append(f"{name} ({language}): no text")
        elif len(variation["text"]) > MAX_TEXT:
            problems.append(f"{name} ({language}): text longer than {MAX_TEXT}")
        for kind, items in _choices(variation).items():
            for item in items:
                if len(item.get("title") or "") > MAX_TITLE:
                    problems.append(f"{name} ({language}): {kind} title {item.get('title')!r} over {MAX_TITLE}")
    for kind in ("quick_replies", "buttons"):
        en_payloads = [item.get("payload") for item in _choices(en)[kind]]
        fr_payloads = [item.get("payload") for item in _choices(fr)[kind]]
        if en_payloads != fr_payloads:
            problems.append(f"{name}: {kind} differ: {en_payloads} / {fr_payloads}")
    return problems


def catalogue_problems(english: Dict[str, str], french: Dict[str, str]) -> List[str]:
    problems = [f"{key}: no French" for key in sorted(set(english) - set(french))]
    problems += [f"{key}: no English" for key in sorted(set(french) - set(english))]
    for key in sorted(set(english) & set(french)):
        if placeholders(english[key]) != placeholders(french[key]):
            problems.append(f"{key}: placeholders differ")
        if not str(french[key]).strip() or not str(english[key]).strip():
            problems.append(f"{key}: empty")
    return problems


def load(folder: Path, language: str) -> Dict[str, str]:
    return yaml.safe_load((folder / f"{language}.yml").read_text(encoding="utf-8"))


# -- the domain -------------------------------------------------------------------------------------

def test_every_response_has_an_english_default_and_a_french_variation_alike():
    assert response_problems(DOMAIN["responses"]) == []


def test_the_check_catches_a_missing_french_variation():
    doctored = copy.deepcopy(DOMAIN["responses"])
    doctored["utter_goodbye"] = [v for v in doctored["utter_goodbye"] if not v.get("condition")]
    assert response_problems(doctored) == ["utter_goodbye: 0 French variations on language: fr (one wanted)"]


def test_the_check_catches_a_lost_placeholder_a_changed_payload_and_a_long_title():
    doctored = copy.deepcopy(DOMAIN["responses"])
    french = next(v for v in doctored["utter_verified"] if v.get("condition"))
    french["text"] = "Merci, votre identité est vérifiée"
    french = next(v for v in doctored["utter_offer_human"] if v.get("condition"))
    french["quick_replies"][0]["payload"] = "/greet"
    french["quick_replies"][1]["title"] = "Que savez-vous faire pour moi ?"
    found = response_problems(doctored)
    assert any(p.startswith("utter_verified: placeholders differ") for p in found)
    assert any(p.startswith("utter_offer_human: quick_replies differ") for p in found)
    assert any(p.startswith("utter_offer_human (fr): quick_replies title") for p in found)


def test_a_channel_variation_needs_its_french_twin():
    doctored = copy.deepcopy(DOMAIN["responses"])
    doctored["utter_welcome"] = [v for v in doctored["utter_welcome"]
                                 if not (v.get("channel") == "messenger" and v.get("condition"))]
    assert response_problems(doctored) == ["utter_welcome [messenger]: 0 French variations on language: fr (one wanted)"]


# -- the catalogues ---------------------------------------------------------------------------------

@pytest.mark.parametrize("folder", CATALOGUES, ids=lambda folder: str(folder.relative_to(PROJECT_ROOT)))
def test_every_catalogue_key_is_in_both_languages_with_the_same_placeholders(folder):
    assert catalogue_problems(load(folder, "en"), load(folder, "fr")) == []


def test_the_catalogue_check_catches_a_missing_key_and_a_lost_placeholder():
    english = {"a": "Hello {name}", "b": "Bye"}
    assert catalogue_problems(english, {"a": "Bonjour"}) == ["b: no French", "a: placeholders differ"]


@pytest.mark.parametrize("language", ["en", "fr"])
def test_fragments_that_become_titles_fit_messenger(language):
    fragments = {**load(CATALOGUES[0], language), **load(CATALOGUES[1], language)}
    for key, values in TITLE_FRAGMENTS.items():
        assert len(fragments[key].format(**values)) <= MAX_TITLE, key
