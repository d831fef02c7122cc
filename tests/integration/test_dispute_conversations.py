"""Disputed payments end to end through every process, in a Messenger conversation per language, on the core bank's
seed (yesterday, the same card payment at Fnac twice, for Alex and for Camille):

- English, Alex: charged twice at Fnac and asking for someone; after the OTP the duplicates are offered, one is
  picked, the card is left as it is, the case opens with its reference and days (the back office settles it: the
  advisor is offered, not imposed); the same payment disputed again is explained politely, one case only.
- French, Camille: a Fnac payment she does not recognise; the card is frozen for now, the case opens and, as the
  core bank's rule says for a payment not recognised, the conversation goes to the advisors' queue.
Nothing here depends on today's date: the seed is dated from the bank's clock, and the flow offers the recent card
payments when the day named holds none."""
import asyncio
import re
import uuid
from typing import List

import requests

from bot.core_bank.seed import DEMO_CUSTOMER_NUMBER, DEMO_PHONE
from bot.devtools.messenger_chat import choices_of
from tests.integration.test_handoff_conversation import desk_for
from tests.integration.test_messenger_language import facebook_in
from tests.support.branch import Branch
from tests.support.environment import CORE_BANKING_SERVICE_TOKEN

CAMILLE = ("100002", "+33698765432")
CARD_NUMBER = re.compile(r"\d{13,19}")
REFERENCE = re.compile(r"DP-[A-Z0-9]{8}")
ENGLISH = re.compile(r"\b(the|your|you|please|would|which|card|send|account)\b", re.IGNORECASE)


def joined(texts) -> str:
    return "\n".join(texts)


def offered_titles(branch: Branch, psid: str) -> List[str]:
    """The quick reply and button titles of the latest message that offered any."""
    for body in reversed(branch.sent_to(psid)):
        titles = [title for title, _, _ in choices_of(body)]
        if titles:
            return titles
    return []


def disputes_of(branch: Branch, token: str) -> list:
    response = requests.get(f"{branch.core_bank_url}/v1/disputes", headers={"Authorization": f"Bearer {token}"},
                            timeout=5)
    response.raise_for_status()
    return response.json()["disputes"]


def staff_queue(branch: Branch) -> list:
    response = requests.get(f"{branch.core_bank_url}/v1/staff/disputes",
                            headers={"X-Service-Token": CORE_BANKING_SERVICE_TOKEN}, timeout=5)
    response.raise_for_status()
    return response.json()["disputes"]


def test_charged_twice_at_fnac_one_case_with_its_reference_and_the_advisor_offered(branch: Branch):
    psid = f"psid-{uuid.uuid4().hex[:12]}"
    replies = branch.exchange(psid, "I was charged twice at Fnac yesterday, I want to talk to someone")
    assert "make sure it's really you" in joined(replies), replies  # a dispute behind the OTP, not a handoff
    branch.exchange(psid, DEMO_CUSTOMER_NUMBER)
    replies = branch.exchange(psid, branch.latest_code(DEMO_PHONE))
    listed = joined(replies)
    assert "you're verified" in listed and "dispute" in listed, replies
    assert "Card payment — Fnac" in listed and "49.99" in listed, replies
    titles = offered_titles(branch, psid)
    fnac = [t for t in titles if "Fnac" in t]
    assert fnac[:2] == [f"1 · Fnac · {fnac[0].split(' · ')[-1]}", f"2 · Fnac · {fnac[1].split(' · ')[-1]}"], titles
    assert "49.99" in fnac[0] and "49.99" in fnac[1] and "Not in this list" in titles  # the duplicates first

    replies = branch.tap(psid, fnac[0])
    assert "This was a card payment" in joined(replies) and "••••" in joined(replies), replies
    replies = branch.tap(psid, "Leave it as it is")
    opened = joined(replies)
    assert "Your dispute is open" in opened and "Next steps" in opened, replies
    reference = REFERENCE.search(opened).group(0)
    assert "Talk to an advisor" in offered_titles(branch, psid)

    # The same payment disputed again (a new request): the case that exists is named, none is opened.
    listed = joined(branch.exchange(psid, "I was charged twice at Fnac yesterday"))
    assert f"already disputed ({reference})" in listed, listed  # the list says so
    branch.tap(psid, fnac[0])
    replies = branch.tap(psid, "Leave it as it is")
    assert f"already disputed: your case {reference}" in joined(replies), replies

    cases = disputes_of(branch, branch.customer_token(DEMO_PHONE, DEMO_CUSTOMER_NUMBER))
    assert [c["reference"] for c in cases if c["transaction"]["counterparty"] == "Fnac"] == [reference]
    [case] = [c for c in cases if c["reference"] == reference]
    assert (case["reason"], case["advisor_required"]) == ("charged_twice", False)
    assert reference in [c["reference"] for c in staff_queue(branch)]
    assert not CARD_NUMBER.search(joined(branch.texts_to(psid)))

    replies = branch.tap(psid, "Talk to an advisor")  # offered with the next steps
    assert "passing you to an advisor" in joined(replies), replies


def test_a_payment_not_recognised_in_french_freezes_the_card_and_goes_to_an_advisor(branch: Branch):
    psid = f"psid-{uuid.uuid4().hex[:12]}"
    facebook_in(branch, psid, "fr_FR")
    replies = branch.exchange(psid, "il y a un paiement à la Fnac que je ne reconnais pas")
    assert "m'assurer qu'il s'agit bien de vous" in joined(replies), replies
    branch.exchange(psid, CAMILLE[0])
    replies = branch.exchange(psid, branch.latest_code(CAMILLE[1]))
    listed = joined(replies)
    assert not ENGLISH.search(listed), replies
    assert "Quel paiement contestez-vous" in listed and "Paiement par carte — Fnac" in listed, replies
    assert "34,90" in listed, replies  # money the French way
    fnac = [t for t in offered_titles(branch, psid) if "Fnac" in t]
    assert fnac and fnac[0].startswith("1 · Fnac · 34,90"), fnac

    replies = branch.tap(psid, fnac[0])
    asked = joined(replies)
    assert "Ce paiement a été fait par carte" in asked and not ENGLISH.search(asked), replies
    last4 = re.search(r"•••• (\d{4})", asked).group(1)
    replies = branch.tap(psid, "Geler pour l'instant")
    said = joined(replies)
    assert not ENGLISH.search(said), replies
    assert f"•••• {last4} est gelée pour l'instant" in said, replies
    assert "Votre contestation est enregistrée" in said and REFERENCE.search(said), replies
    assert "Un conseiller prend votre dossier" in said, replies
    reference = REFERENCE.search(said).group(0)

    token = branch.customer_token(CAMILLE[1], CAMILLE[0])
    headers = {"Authorization": f"Bearer {token}"}
    cards = requests.get(f"{branch.core_bank_url}/v1/cards", headers=headers, timeout=5).json()["cards"]
    [frozen] = [c for c in cards if c["last4"] == last4]
    assert frozen["status"] == "frozen"
    [case] = [c for c in disputes_of(branch, token) if c["reference"] == reference]
    assert (case["reason"], case["advisor_reason"]) == ("not_recognised", "possible_fraud")

    desk = desk_for(branch)
    try:
        [handoff] = [h for h in desk.queue.waiting() if h.conversation_id == psid]
        assert handoff.reason == "escalated"
    finally:
        asyncio.run(desk.close())
    # Leave Camille's card as the other tests expect it.
    requests.post(f"{branch.core_bank_url}/v1/cards/{frozen['card_id']}/unfreeze", headers=headers,
                  timeout=5).raise_for_status()
    assert not CARD_NUMBER.search(joined(branch.texts_to(psid)))
