"""action_session_start carries over the language and the locale only, else takes them from the channel's metadata."""
import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.session import ActionSessionStart, language_from
from tests.support.processes import PROJECT_ROOT

DOMAIN = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text())


def ending_session(slots, metadata=None):
    slots = {**slots, "session_started_metadata": metadata}
    return Tracker("psid-1", slots, {}, [], False, None, {}, "action_listen")


async def run(slots, metadata=None):
    return await ActionSessionStart().run(CollectingDispatcher(), ending_session(slots, metadata), DOMAIN)


def slot_events(events):
    return {e["name"]: e["value"] for e in events if e["event"] == "slot"}


async def test_a_new_session_keeps_the_language_and_locale_and_forgets_the_identity():
    events = await run({"language": "fr", "locale": "fr_BE", "identity": "verified", "pending_request":
                        "check_balance", "customer_identifier": "100001"}, {"language": "en", "locale": "en_GB"})
    assert events[0]["event"] == "session_started"
    assert (events[-1]["event"], events[-1]["name"]) == ("action", "action_listen")
    assert slot_events(events) == {"language": "fr", "locale": "fr_BE"}


@pytest.mark.parametrize("metadata, expected", [
    ({"channel": "web_chat", "language": "fr", "locale": "en_US"}, {"language": "fr", "locale": "en_US"}),
    ({"channel": "web_chat", "language": "en", "locale": "fr_FR"}, {"language": "en", "locale": "fr_FR"}),
    ({"locale": "fr_FR"}, {"language": "fr", "locale": "fr_FR"}),       # Messenger's profile
    ({"locale": "fr_CA"}, {"language": "fr", "locale": "fr_CA"}),
    ({"locale": "de_DE"}, {"locale": "de_DE"}),                         # numbers in German, words in English
    ({"locale": "en"}, {"language": "en", "locale": "en"}),
    ({"channel": "web_chat"}, {}),
    (None, {}),
])
async def test_without_a_language_the_first_session_takes_the_channels_hint(metadata, expected):
    assert slot_events(await run({}, metadata)) == expected


@pytest.mark.parametrize("metadata", [
    {"language": "de"}, {"language": "FR"}, {"language": ["fr"]}, {"locale": "fr-FR"}, {"locale": "fr_FR; x"},
    {"locale": "../../etc"}, {"locale": 7}, "fr", ["fr"],
])
def test_only_the_channels_normal_form_is_read(metadata):
    assert language_from(metadata) is None


async def test_a_kept_locale_wins_over_the_browsers():
    events = await run({"locale": "fr_BE"}, {"language": "fr", "locale": "en_US"})
    assert slot_events(events) == {"language": "fr", "locale": "fr_BE"}


def test_the_domain_declares_it_and_carries_nothing_over_by_itself():
    assert "action_session_start" in DOMAIN["actions"]
    assert DOMAIN["session_config"]["carry_over_slots_to_new_session"] is False
