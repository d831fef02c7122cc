"""Moving money between one's own accounts in Messenger, end to end: "put 300 into my savings" is a move (no transfer
limit, a code that says so, both balances), not a transfer to someone nor a request the bot misreads."""
from decimal import Decimal

import requests

from tests.integration.test_french_conversations import french_customer, in_french, verify_in_french
from tests.integration.test_service_conversations import joined, new_psid, verify_as
from tests.support.branch import Branch, choices_of

TOM = ("100003", "+33611223344")  # a current and a savings account at the seed


def balances(branch: Branch) -> dict:
    token = branch.customer_token(TOM[1], TOM[0])
    accounts = requests.get(f"{branch.core_bank_url}/v1/accounts", headers={"Authorization": f"Bearer {token}"},
                            timeout=5).json()["accounts"]
    return {a["type"]: Decimal(a["balance"]) for a in accounts}


def latest_sms(branch: Branch) -> str:
    sent = requests.get(f"{branch.core_bank_url}/dev/sms-outbox", params={"to": TOM[1]}, timeout=5)
    return sent.json()["messages"][0]["text"]


def test_money_put_into_savings_and_back_moves_between_the_customers_accounts(branch: Branch):
    before = balances(branch)
    psid = new_psid()
    branch.exchange(psid, "put 300€ into my savings")  # more than one transfer may send: it stays Tom's
    verify_as(branch, psid, *TOM)
    confirmation = branch.texts_to(psid)[-1]
    assert "from your current account to your savings account?" in confirmation, confirmation
    assert "300.00" in confirmation

    replies = branch.tap(psid, "Yes, move it")
    assert "To approve moving €300.00 to your savings account, I've sent a code" in joined(replies), replies
    assert "to move" in latest_sms(branch) and "savings account" in latest_sms(branch)
    replies = branch.exchange(psid, branch.latest_code(TOM[1]))
    assert "Moved ✅" in joined(replies) and "Reference TR-" in joined(replies), replies
    after = balances(branch)
    assert after["current"] == before["current"] - Decimal("300.00")
    assert after["savings"] == before["savings"] + Decimal("300.00")

    branch.exchange(psid, "now take 300€ out of my savings")
    assert "from your savings account to your current account?" in branch.texts_to(psid)[-1]
    branch.tap(psid, "Yes, move it")
    replies = branch.exchange(psid, branch.latest_code(TOM[1]))
    assert "Moved ✅" in joined(replies), replies
    assert balances(branch) == before


def test_a_move_in_french(branch: Branch):
    before = balances(branch)
    psid = french_customer(branch)
    branch.exchange(psid, "mets 40 € sur mon livret")
    verify_in_french(branch, psid, *TOM)
    confirmation = in_french([branch.texts_to(psid)[-1]])
    assert "de votre compte courant vers votre compte épargne ?" in confirmation, confirmation

    replies = branch.tap(psid, "Oui, virer")
    assert "Ce code ne vaut que pour ce montant et ce compte" in in_french(replies), replies
    assert "vers votre compte épargne" in latest_sms(branch), latest_sms(branch)
    replies = branch.exchange(psid, branch.latest_code(TOM[1]))
    assert "Viré ✅" in in_french(replies), replies
    assert balances(branch)["savings"] == before["savings"] + Decimal("40.00")
    branch.exchange(psid, "reprends 40 € de mon livret")
    branch.tap(psid, "Oui, virer")
    branch.exchange(psid, branch.latest_code(TOM[1]))
    assert balances(branch) == before


def test_a_move_for_a_customer_without_savings_is_said_so_and_nothing_is_asked(branch: Branch):
    psid = new_psid()
    branch.exchange(psid, "put 100€ into my savings")
    verify_as(branch, psid, "100004", "+393471234567")  # Sofia: a current account only
    said = joined(branch.texts_to(psid)[-2:])
    assert "can't see a savings account in your name" in said, said
    assert "at most" not in said and "How much" not in said and "Who should I send it to" not in said
    replies = branch.exchange(psid, "what's my balance?")  # the transfer is over: the next request is served
    assert "Here are your balances" in joined(replies), replies


def test_a_customer_without_saved_payees_is_asked_for_a_mobile_number_not_to_pick_one(branch: Branch):
    psid = french_customer(branch)
    branch.exchange(psid, "envoie 20 € à Camille")  # Tom has no saved payee
    asked = verify_in_french(branch, psid, *TOM)
    assert "Vous n'avez pas encore de bénéficiaire enregistré : je ne peux pas trouver Camille." in asked, asked
    assert "Saisissez le numéro de mobile de la personne" in asked and "Choisissez" not in asked, asked
    assert not choices_of(branch.sent_to(psid)[-1]), "nothing to pick"
    replies = branch.exchange(psid, "+33 6 98 76 54 32")
    assert "Envoyer 20,00\u00a0€ à" in in_french(replies), replies
    branch.exchange(psid, "annuler")
