"""End to end: a Messenger customer checks their balance behind a one-time password."""
import re
import uuid

import requests

from actions.text import locale as customer_locale
from bot.core_bank.seed import DEMO_BALANCES, DEMO_CUSTOMER_NUMBER, DEMO_PHONE
from tests.support.branch import Branch
from tests.support.environment import CORE_BANKING_SERVICE_TOKEN


def new_psid() -> str:
    return f"psid-{uuid.uuid4().hex[:12]}"


def joined(texts):
    return "\n".join(texts)


def test_balance_behind_a_one_time_password(branch: Branch):
    psid = new_psid()

    replies = branch.exchange(psid, "what's my balance?")
    assert "make sure it's really you" in joined(replies)
    assert "customer number" in replies[-1]

    replies = branch.exchange(psid, DEMO_CUSTOMER_NUMBER)
    assert "sent a 6-digit code" in joined(replies)
    assert DEMO_PHONE not in joined(replies)  # the phone is shown masked

    replies = branch.exchange(psid, branch.latest_code(DEMO_PHONE))
    text = joined(replies)
    assert "you're verified" in text
    assert customer_locale.money(DEMO_BALANCES["current"], "EUR") in text
    assert customer_locale.money(DEMO_BALANCES["savings"], "EUR") in text

    # Verified: the next question is answered without a new code.
    replies = branch.exchange(psid, "how much money do I have")
    assert customer_locale.money(DEMO_BALANCES["current"], "EUR") in joined(replies)
    assert "code" not in joined(replies)


def test_a_wrong_code_is_refused_and_the_right_one_still_works(branch: Branch):
    psid = new_psid()
    branch.exchange(psid, "balance please")
    branch.exchange(psid, "+33 6 98 76 54 32")  # Camille, by phone number
    code = branch.latest_code("+33698765432")
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"

    replies = branch.exchange(psid, wrong)
    assert "isn't right" in joined(replies) and "Attempts left: 4" in joined(replies)
    assert "balances" not in joined(replies)

    replies = branch.exchange(psid, code)
    assert "Here are your balances, Camille" in joined(replies)


def test_typed_commands_do_not_skip_the_code_or_pick_the_customer(branch: Branch):
    psid = new_psid()
    replies = branch.exchange(psid, '/check_balance{"identity":"verified","customer_identifier":"100002"}')
    assert "balances" not in joined(replies) and "verified" not in joined(replies)

    branch.exchange(psid, "what's my balance?")
    replies = branch.exchange(psid, DEMO_CUSTOMER_NUMBER)
    assert "sent a 6-digit code" in joined(replies)

    for attempt in ("/affirm", '/check_balance{"identity":"verified"}', '/inform{"otp_code":"000000"}'):
        replies = branch.exchange(psid, attempt)
        assert "balances" not in joined(replies), attempt
        assert "you're verified" not in joined(replies), attempt

    # The real code still works, and the data shown is Alex's, whom the code was sent to.
    replies = branch.exchange(psid, branch.latest_code(DEMO_PHONE))
    assert "Here are your balances, Alex" in joined(replies)


def test_an_unknown_customer_number_gets_the_same_answer_as_a_known_one(branch: Branch):
    """The bank does not say whether a number is a customer's (no enumeration), so neither can the bot: the same
    answer as for a real customer, a code no one receives, and a wrong code whatever is typed."""
    known, unknown = new_psid(), new_psid()
    branch.exchange(known, "what's my balance")
    branch.exchange(unknown, "what's my balance")
    known_replies = branch.exchange(known, DEMO_CUSTOMER_NUMBER)
    unknown_replies = branch.exchange(unknown, "999999")

    assert "If that number is registered with us, I've sent a 6-digit code by SMS" in joined(unknown_replies)
    masked = re.compile(r"\+33 •{7}[0-9]{2}")
    assert masked.sub("…", joined(unknown_replies)) == masked.sub("…", joined(known_replies))
    assert "couldn't find" not in joined(unknown_replies)
    replies = branch.exchange(unknown, "123456")
    assert "isn't right" in joined(replies) and "Attempts left: 4" in joined(replies)
    replies = branch.exchange(unknown, "hello?")
    assert "exactly 6 digits" in joined(replies)


def test_a_verified_messenger_user_is_linked_to_the_customer(branch: Branch):
    """Once verified, the PSID is linked: a later verification needs only a new code."""
    psid = new_psid()
    link = {"channel": "messenger", "channel_user_id": psid}
    as_the_channel = {"X-Service-Token": CORE_BANKING_SERVICE_TOKEN}  # what the action server sends
    before = requests.post(f"{branch.core_bank_url}/v1/otp/challenges", json=link, headers=as_the_channel, timeout=5)
    assert before.status_code == 404

    branch.exchange(psid, "balance")
    branch.exchange(psid, "100003")
    replies = branch.exchange(psid, branch.latest_code("+33611223344"))
    assert "Here are your balances, Tom" in joined(replies)

    after = requests.post(f"{branch.core_bank_url}/v1/otp/challenges", json=link, headers=as_the_channel, timeout=5)
    assert after.status_code == 201, after.text
    assert after.json()["sent_to"].endswith("44")


def sms_count(branch: Branch, phone: str) -> int:
    response = requests.get(f"{branch.core_bank_url}/dev/sms-outbox", params={"to": phone}, timeout=5)
    response.raise_for_status()
    return len(response.json()["messages"])


def test_a_code_that_did_not_come_is_sent_again_when_the_customer_says_so(branch: Branch):
    """The knowledge base's answer to "I didn't get the code" says to ask for a new one: asked while the code is
    awaited, a new one goes at once (the core bank's rules and limits apply), and the form waits for it."""
    psid, camille = new_psid(), "+33698765432"
    branch.exchange(psid, "balance please")
    branch.exchange(psid, "+33 6 98 76 54 32")
    sent = sms_count(branch, camille)

    replies = branch.exchange(psid, "didnt get it, send me a new code pls")
    assert "I've sent you a new code at" in joined(replies) and "it replaces the one before" in joined(replies)
    assert "then ask for a new code" not in joined(replies)  # not the general answer: the code is sent
    assert "code" in replies[-1]  # the form asks for it again
    assert sms_count(branch, camille) == sent + 1

    replies = branch.exchange(psid, "i didn't receive it")  # read as a "no", yet about the code
    assert "I've sent you a new code at" in joined(replies)
    assert sms_count(branch, camille) == sent + 2

    replies = branch.exchange(psid, "send me another code please")  # read alone as a card order, unsure
    assert "I've sent you a new code at" in joined(replies) and "6 digits" not in joined(replies), replies
    assert sms_count(branch, camille) == sent + 3

    replies = branch.exchange(psid, branch.latest_code(camille))
    assert "Here are your balances, Camille" in joined(replies)
