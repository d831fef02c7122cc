"""The knowledge base's content check (bot/knowledge/check.py): the real content passes; each rule is shown
failing on a doctored copy of the fixtures (tests/fixtures/knowledge/)."""
from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
import yaml

from bot.knowledge import check as content_check
from bot.knowledge.topics import KNOWLEDGE_DIR, load_topics

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "knowledge"
ON = date(2026, 12, 1)


def test_the_real_content_passes():
    problems = content_check.check(KNOWLEDGE_DIR)
    assert not problems, "\n".join(map(str, problems))
    assert load_topics(KNOWLEDGE_DIR)


def test_the_fixtures_pass():
    assert content_check.check(FIXTURES, on=ON) == []


@pytest.fixture
def content(tmp_path):
    folder = tmp_path / "knowledge"
    shutil.copytree(FIXTURES, folder)
    return folder


def edit(folder: Path, relative: str, change) -> None:
    path = folder / relative
    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))


PIN = "cards/pin_forgotten.yml"


def problems(folder: Path, on: date = ON) -> str:
    return "\n".join(map(str, content_check.check(folder, on=on)))


@pytest.mark.parametrize("change, expected", [
    (lambda d: d.pop("fr"), "fr: missing"),
    (lambda d: d["en"].update(questions=[]), "en.questions"),
    (lambda d: d["fr"].update(answer="  "), "fr.answer: must not be empty"),
    (lambda d: d["en"]["questions"].append(""), "must not be empty"),
    (lambda d: d.pop("owner"), "owner: missing"),
    (lambda d: d.update(owner=""), "owner: must not be empty"),
    (lambda d: d.update(id="pin_lost"), "id 'pin_lost' is not the file's name"),
    (lambda d: d.update(last_reviewed="2025-11-30"), "review overdue"),
    (lambda d: d.update(review_every_days=180, last_reviewed="2026-05-01"), "due by 2026-10-28"),
    (lambda d: d["en"].update(answer=d["en"]["answer"] + " {pin_postage}"), "{pin_postage} not a published fact"),
    (lambda d: d.update(follow_ups=["block_card", "check_iban"]), "['check_iban'] are not services"),
    (lambda d: d.update(follow_ups=["block_card", "order_card", "check_balance", "human_handoff"]), "at most 3"),
    (lambda d: d["fr"].update(answer="x" * 630 + " {deposit_guarantee}"), "fr answer: 643 characters"),
    (lambda d: d.update(extra_field=1), "extra fields not permitted"),
])
def test_each_rule_refuses_a_doctored_topic(content, change, expected):
    edit(content, PIN, change)
    assert expected in problems(content)


def test_an_answer_is_measured_with_its_facts_at_their_longest(content):
    # 630 characters as typed; "{deposit_guarantee}" (19) is "€100,000.00" (11) or "100 000,00 €" (12) once filled.
    edit(content, PIN, lambda d: d["en"].update(answer="x" * 611 + "{deposit_guarantee}"))
    assert problems(content) == ""
    edit(content, PIN, lambda d: d["en"].update(answer="x" * 629 + "{deposit_guarantee}"))
    assert "en answer: 641 characters" in problems(content)


def test_duplicate_ids_and_questions_across_topics_are_refused(content):
    shutil.copy(content / PIN, content / "help" / "pin_forgotten.yml")
    found = problems(content)
    assert "id 'pin_forgotten' is also the id of" in found
    assert "'forgot pin' is a question of pin_forgotten (en), pin_forgotten (en)" in found


def test_a_question_of_two_topics_is_refused_once_normalized(content):
    edit(content, "help/opening_hours.yml", lambda d: d["fr"]["questions"].append("Code oublié !"))
    assert "'code oublié' is a question of pin_forgotten (fr), opening_hours (fr)" in problems(content)


def test_a_quick_reply_title_over_20_characters_is_refused(content):
    titles = {("block_card", "en"): "Block a card right now please"}
    found = content_check.check(content, on=ON, title=lambda name, language: titles.get((name, language), "ok"))
    assert any("title 'Block a card right now please' is over 20" in str(p) for p in found)


def test_every_follow_up_has_a_short_title_in_both_languages():
    for name in content_check.FOLLOW_UPS:
        for language in ("en", "fr"):
            title = content_check.follow_up_title(name, language)
            assert title and len(title) <= 20, (name, language, title)


def test_the_reference_date_is_the_head_commit_s_then_the_variable_then_today(tmp_path):
    # This checkout: HEAD's commit date (the calendar does not move it).
    assert content_check.reference_date() == date.fromisoformat(
        __import__("subprocess").run(["git", "log", "-1", "--format=%cs"], capture_output=True, text=True,
                                     cwd=content_check.ROOT).stdout.strip())
    # Outside a git checkout: the variable, else today.
    assert content_check.reference_date(tmp_path, {"KNOWLEDGE_REVIEW_DATE": "2027-01-31"}) == date(2027, 1, 31)
    assert content_check.reference_date(tmp_path, {}) == date.today()


def test_the_cli_exits_1_and_names_the_problem(content):
    edit(content, PIN, lambda d: d.update(last_reviewed="2020-01-01"))
    lines = []
    assert content_check.main(on="2026-12-01", folder=str(content), out=lines.append) == 1
    assert lines[0].startswith("cards/pin_forgotten.yml: review overdue")
    assert content_check.main(on="2020-06-01", folder=str(content), out=lines.append) == 0
