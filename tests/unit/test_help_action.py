""""help" shows the services menu; asked in the middle of a request it leaves the request, so the menu is the
last message of the turn (before, the form asked its question again after the help: the loans carousel after
"loan rates", "help")."""
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.conversation import ActionHelp
from tests.support.processes import PROJECT_ROOT

DOMAIN = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text())
RULES = yaml.safe_load((PROJECT_ROOT / "data" / "rules" / "conversation.yml").read_text())


def tracker(active_loop=None, slots=None):
    return Tracker("psid-1", {"identity": "verified", **(slots or {})}, {"intent": {"name": "help"}}, [], False, None,
                   {"name": active_loop} if active_loop else {}, "action_listen")


async def test_help_inside_a_form_shows_the_menu_and_leaves_the_request():
    dispatcher = CollectingDispatcher()
    events = await ActionHelp().run(dispatcher, tracker("loan_form", {"requested_slot": "loan_type"}), DOMAIN)
    assert [m["response"] for m in dispatcher.messages] == ["utter_help_left_request", "utter_help"]
    assert {"event": "active_loop", "name": None, "timestamp": None} in events
    cleared = {e["name"] for e in events if e["event"] == "slot" and e["value"] is None}
    assert {"requested_slot", "loan_type", "loan_amount", "loan_term", "pending_request"} <= cleared
    assert "identity" not in cleared


async def test_help_with_nothing_in_progress_only_shows_the_menu():
    dispatcher = CollectingDispatcher()
    assert await ActionHelp().run(dispatcher, tracker(), DOMAIN) == []
    assert [m["response"] for m in dispatcher.messages] == ["utter_help"]


def test_the_help_rule_runs_the_action_and_the_help_offers_the_services():
    rule = next(r for r in RULES["rules"] if r["rule"] == "help")
    assert rule["steps"] == [{"intent": "help"}, {"action": "action_help"}]
    assert "action_help" in DOMAIN["actions"]
    assert all(variation.get("quick_replies") for variation in DOMAIN["responses"]["utter_help"])
