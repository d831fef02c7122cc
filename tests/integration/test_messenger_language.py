"""A Messenger conversation's language against the real branch: the customer's Facebook locale (the User Profile
API of the Graph stand-in) starts it in French, the persistent menu's language item switches it."""
import requests

from tests.integration.test_messenger_webhook import new_psid
from tests.support.branch import Branch


def facebook_in(branch: Branch, psid: str, locale: str) -> None:
    response = requests.post(f"{branch.standin_url}/_standin/user_profile",
                             json={"recipient": psid, "locale": locale}, timeout=5)
    response.raise_for_status()


def test_a_customer_whose_facebook_is_in_french_starts_in_french(branch: Branch):
    psid = new_psid()
    facebook_in(branch, psid, "fr_CA")
    branch.wait_until_handled(psid, branch.say(psid, "100001"))  # no language in the words
    assert {k: branch.slots(psid).get(k) for k in ("language", "locale")} == {"language": "fr", "locale": "fr_CA"}


def test_the_menus_language_item_switches_the_conversation(branch: Branch):
    psid = new_psid()
    branch.wait_until_handled(psid, branch.say(psid, "100001"))
    assert branch.slots(psid).get("language") == "en"  # the stand-in's default profile locale is en_US
    mid = branch.say(psid, "Français", payload='/switch_language{"language":"fr"}', postback=True)
    branch.wait_until_handled(psid, mid)
    assert branch.slots(psid)["language"] == "fr"
    assert branch.texts_to(psid)[-1] == "Très bien, je continue en français."
