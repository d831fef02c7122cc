"""The prepared validator of action-server answers accepts and refuses exactly what Rasa's one-shot check does."""
from __future__ import annotations

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction

from bot.rasa_server import action_results
from bot.rasa_server.tracker_store import RedactingSQLTrackerStore


@pytest.fixture(autouse=True, scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Every Rasa server of the branch builds the tracker store, which installs the validator."""
    RedactingSQLTrackerStore(dialect="sqlite", db=str(tmp_path_factory.mktemp("trackers") / "tracker.db"))

GOOD = [
    {"events": [], "responses": []},
    {"events": [{"event": "slot", "name": "identity", "value": "verified", "timestamp": None}],
     "responses": [{"text": "Here are your balances", "buttons": [{"title": "Debit", "payload": "/choose"}]}]},
    {"events": [{"event": "action", "name": "action_listen"}], "responses": [{"template": "utter_greet"}]},
    {"events": [{"event": "followup", "name": "action_balance"}], "responses": [{"response": "utter_help",
                                                                                   "custom": {"a": 1}}]},
]
BAD = [
    {"events": [{"name": "no type"}], "responses": []},
    {"events": [{"event": "slot"}], "responses": []},               # a slot event needs a name
    {"events": "not a list", "responses": []},
    {"events": [], "responses": "not a list"},
    {"events": [{"event": "not_an_event_type"}], "responses": []},
]


def action() -> RemoteAction:
    return RemoteAction("action_balance", None)


def test_the_branch_installs_the_prepared_validator():
    assert RemoteAction._validate_action_result is action_results.validate_action_result


@pytest.mark.parametrize("result", GOOD)
def test_valid_answers_pass_both(result):
    assert action_results.validate_action_result(action(), result) is True
    assert action_results._ORIGINAL(action(), result) is True


@pytest.mark.parametrize("result", BAD)
def test_invalid_answers_are_refused_with_rasas_error(result):
    with pytest.raises(ValidationError) as ours:
        action()._validate_action_result(result)
    with pytest.raises(ValidationError) as rasas:
        action_results._ORIGINAL(action(), result)
    assert ours.value.message == rasas.value.message
    assert "Failed to validate Action server response" in ours.value.message
    assert list(ours.value.path) == list(rasas.value.path)


def test_the_schema_is_checked_once():
    action_results.action_result_validator.cache_clear()
    for result in GOOD * 3:
        action()._validate_action_result(result)
    assert action_results.action_result_validator.cache_info().misses == 1
