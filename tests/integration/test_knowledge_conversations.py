"""The knowledge base end to end in Messenger, through every process: a general question gets its vetted
answer in the customer's language, the bank's facts (from GET /v1/bank/facts) written in their locale, the
topic's follow-ups as quick replies; a question about their own account still goes to the service (their IBAN: the
bank details, after the code); a general
question inside a form is answered and the form goes on."""
from __future__ import annotations

import uuid

import requests

from actions.text import catalogue
from bot.core_bank.contract.facts import BankFacts
from bot.core_bank.seed import DEMO_CUSTOMER_NUMBER, DEMO_PHONE
from bot.knowledge.render import fill
from bot.knowledge.topics import load_topics
from tests.integration.test_messenger_language import facebook_in
from tests.support.branch import Branch

TOPICS = {topic.id: topic for topic in load_topics()}
CAMILLE = ("100002", "+33698765432")


def customer(branch: Branch, locale: str) -> str:
    psid = f"psid-{uuid.uuid4().hex[:12]}"
    facebook_in(branch, psid, locale)
    return psid


def expected(branch: Branch, topic_id: str, language: str, locale: str) -> str:
    """The topic's answer as the bank publishes its facts today, written in `locale`."""
    facts = BankFacts.parse_obj(requests.get(f"{branch.core_bank_url}/v1/bank/facts", timeout=5).json()).facts
    return fill(TOPICS[topic_id].wording(language).answer, facts, language, locale)


def follow_up_titles(topic_id: str, language: str) -> list:
    return [catalogue.text(f"knowledge.follow_up.{name}", language) for name in TOPICS[topic_id].follow_ups]


def offered(branch: Branch, psid: str) -> list:
    last = branch.sent_to(psid)[-1]
    return [reply["title"] for reply in last.get("message", {}).get("quick_replies") or []]


def test_a_general_question_in_english_gets_its_answer_with_the_facts_in_the_customer_s_locale(branch: Branch):
    psid = customer(branch, "en_GB")
    replies = branch.exchange(psid, "when can I phone customer service?")
    answer = expected(branch, "opening_hours", "en", "en_GB")
    assert replies[-1] == answer and "{" not in answer  # after the first answer's bot disclosure, if any
    assert "8:00 am–8:00 pm" in answer
    assert offered(branch, psid) == follow_up_titles("opening_hours", "en")


def test_a_general_question_in_french_gets_the_french_answer_written_the_french_way(branch: Branch):
    psid = customer(branch, "fr_FR")
    replies = branch.exchange(psid, "quels frais si je paie avec ma carte aux États-Unis ?")
    answer = expected(branch, "card_abroad", "fr", "fr_FR")
    assert replies[-1] == answer
    assert "2,00\xa0%" in answer  # foreign_card_fee, the French way
    assert offered(branch, psid) == follow_up_titles("card_abroad", "fr")
    # A follow-up is one tap away: the service starts (here: which card to block, after verification).
    assert "m'assurer qu'il s'agit bien de vous" in "\n".join(branch.tap(psid, follow_up_titles("card_abroad", "fr")[0]))


def bank_details(branch: Branch, phone: str, customer_number: str) -> dict:
    """Each account's whole IBAN as the core bank gives it to the customer signed in, by account type."""
    headers = {"Authorization": f"Bearer {branch.customer_token(phone, customer_number)}"}
    accounts = requests.get(f"{branch.core_bank_url}/v1/accounts", headers=headers, timeout=5).json()["accounts"]
    return {a["type"]: requests.get(f"{branch.core_bank_url}/v1/accounts/{a['account_id']}/details", headers=headers,
                                    timeout=5).json() for a in accounts}


def test_a_question_about_the_customer_s_own_account_goes_to_the_service(branch: Branch):
    psid = customer(branch, "en_IE")
    replies = branch.exchange(psid, "what's my IBAN?")
    assert "First I need to make sure it's really you" in "\n".join(replies), replies
    branch.exchange(psid, DEMO_CUSTOMER_NUMBER)
    said = "\n".join(branch.exchange(psid, branch.latest_code(DEMO_PHONE)))
    details = bank_details(branch, DEMO_PHONE, DEMO_CUSTOMER_NUMBER)
    assert "Here are your bank details, Alex. Holder: Alex Martin · BIC: FBRAFRPPXXX" in said, said
    assert f"• Current account: {details['current']['iban']}" in said, said
    assert f"• Savings account: {details['savings']['iban']}" in said, said
    assert "balances" not in said and "€" not in said, said
    stored = str(branch.tracker_events(psid))  # shown to the customer, kept masked like any long number
    assert details["current"]["iban"] not in stored and "FR76 ••••" in stored


def test_a_french_customer_asking_for_their_rib_gets_it_after_the_code(branch: Branch):
    psid = customer(branch, "fr_FR")
    assert "m'assurer qu'il s'agit bien de vous" in "\n".join(branch.exchange(psid, "il est quoi mon rib ?"))
    branch.exchange(psid, CAMILLE[0])
    said = "\n".join(branch.exchange(psid, branch.latest_code(CAMILLE[1])))
    iban = bank_details(branch, CAMILLE[1], CAMILLE[0])["current"]["iban"]
    assert "Voici vos coordonnées bancaires, Camille. Titulaire : Camille Dubois" in said, said
    assert f"• Compte courant : {iban}" in said, said


def test_a_general_question_inside_a_form_is_answered_and_the_form_goes_on(branch: Branch):
    psid = customer(branch, "en_IE")
    assert "First I need to make sure it's really you" in "\n".join(branch.exchange(psid, "what's my balance?"))
    replies = branch.exchange(psid, "what are the fees for using my card outside europe?")
    assert replies[0] == expected(branch, "card_abroad", "en", "en_IE"), replies
    assert "customer number" in replies[-1]  # asked again who they are
    assert branch.slots(psid).get("requested_slot") == "customer_identifier"
    assert branch.slots(psid).get("customer_identifier") is None  # the question was not taken as the answer
