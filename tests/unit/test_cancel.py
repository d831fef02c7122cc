"""A cancel drops the request in progress whatever service it belongs to, and keeps the customer verified and their
language."""
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.conversation import ActionCancel
from tests.support.processes import PROJECT_ROOT

DOMAIN = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text())


async def test_cancel_clears_every_slot_of_every_form_and_keeps_the_verification():
    tracker = Tracker("psid-1", {"identity": "verified"}, {"intent": {"name": "cancel"}}, [], False, None,
                      {"name": "transfer_form"}, "action_listen")
    events = await ActionCancel().run(CollectingDispatcher(), tracker, DOMAIN)
    cleared = {e["name"] for e in events if e["event"] == "slot" and e["value"] is None}
    asked_by_forms = {slot for form in DOMAIN["forms"].values() for slot in form["required_slots"]}
    assert asked_by_forms | {"requested_slot", "pending_request", "otp_challenge", "transfer_draft"} <= cleared
    assert not {"identity", "language", "locale"} & cleared  # verified, and in the customer's language still
    assert {"event": "active_loop", "name": None, "timestamp": None} in events
