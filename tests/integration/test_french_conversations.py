"""Every service in French, end to end through every process, as a French Messenger customer writes:
the words are French, the answers are French, money and dates are written the French way. Switching to
English works at any turn, inside a form and during verification."""
import asyncio
import re
import uuid

import requests

from bot.core_bank.seed import DEMO_CARD_LAST4, DEMO_CUSTOMER_NUMBER, DEMO_PHONE
from bot.handoff.staff_desk import StaffDesk
from bot.messages import text as bot_text
from tests.integration.test_handoff_conversation import desk_for
from tests.integration.test_messenger_language import facebook_in
from tests.support.branch import Branch

CAMILLE = ("100002", "+33698765432")
# The same words an English conversation would have: any of them in an answer means English leaked.
ENGLISH = re.compile(r"\b(the|your|you|please|would|which|card|send|account)\b", re.IGNORECASE)


def french_customer(branch: Branch, locale: str = "fr_FR") -> str:
    psid = f"psid-{uuid.uuid4().hex[:12]}"
    facebook_in(branch, psid, locale)
    return psid


def joined(texts):
    return "\n".join(texts)


def in_french(replies) -> str:
    everything = joined(replies)
    assert not ENGLISH.search(everything), f"English in a French conversation: {replies}"
    return everything


def verify_in_french(branch: Branch, psid: str, customer_number: str, phone: str) -> str:
    replies = branch.exchange(psid, customer_number)
    assert "code à 6 chiffres par SMS" in in_french(replies), replies
    sms = requests.get(f"{branch.core_bank_url}/dev/sms-outbox", params={"to": phone}, timeout=5)
    assert sms.json()["messages"][0]["text"].startswith("Votre code"), sms.json()  # the SMS is French too
    replies = branch.exchange(psid, branch.latest_code(phone))
    return in_french(replies)


def test_balance_and_last_weeks_transactions_in_french_then_in_english(branch: Branch):
    psid = french_customer(branch)
    replies = branch.exchange(psid, "bonjour, quel est mon solde ?")
    assert "m'assurer qu'il s'agit bien de vous" in in_french(replies)
    done = verify_in_french(branch, psid, DEMO_CUSTOMER_NUMBER, DEMO_PHONE)
    assert "Merci Alex, votre identité est vérifiée" in done
    assert "Voici vos soldes" in done and "2\u202f450,31\u00a0€" in done, done

    replies = branch.exchange(psid, "et mes opérations de la semaine dernière ?")
    listed = in_french(replies)
    # Whatever the seed holds for last week (maybe nothing): the list or the French "none", never English months.
    assert listed.startswith("Dernières opérations, Compte courant") or listed == (
        "Je n'ai trouvé aucune opération pour ce compte sur cette période."), listed
    assert not re.search(r"\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\b", listed)

    replies = branch.exchange(psid, "in English please")
    assert joined(replies) == "Sure, I'll carry on in English."
    replies = branch.exchange(psid, "what's my balance?")
    assert "Here are your balances, Alex" in joined(replies)
    assert "2\u202f450,31\u00a0€" in joined(replies)  # the language changed, not the locale


def test_a_lost_card_is_blocked_and_replaced_in_french(branch: Branch):
    psid = french_customer(branch)
    assert "m'assurer" in in_french(branch.exchange(psid, "j'ai perdu ma carte bleue"))
    done = verify_in_french(branch, psid, *CAMILLE)  # Camille's card: Alex's is blocked by an English test
    assert "Quelle carte dois-je bloquer" in done, done

    replies = branch.tap(psid, "Débit •••• 1590")
    assert "votre carte de débit •••• 1590 est bloquée" in in_french(replies)
    # A question about the offer first (whatever it is answered), then a typed yes: the offer's yes all the same.
    assert "Commander une carte" not in in_french(branch.exchange(psid, "ça coûte combien la nouvelle ?"))
    replies = branch.exchange(psid, "ok oui remplacez la")  # typed instead of tapping "Remplacer la carte"
    assert "Commander une carte de débit en remplacement" in in_french(replies), replies
    replies = branch.tap(psid, "Oui, commander")
    assert "Votre carte est commandée" in in_french(replies)


def test_is_my_card_blocked_in_french_lists_the_cards_and_their_state(branch: Branch):
    psid = french_customer(branch)
    assert "m'assurer" in in_french(branch.exchange(psid, "ma carte est bloquée ou pas ?"))  # asks, blocks nothing
    listed = verify_in_french(branch, psid, *CAMILLE)
    assert "Vos cartes :" in listed and "Quelle carte dois-je bloquer" not in listed, listed
    assert "sur votre compte courant :" in listed, listed
    assert "valable jusqu'à fin" in listed or "bloquée définitivement" in listed, listed  # a blocked card: no validity


def test_a_mislaid_card_is_frozen_then_unfrozen_in_french(branch: Branch):
    psid = french_customer(branch)
    credit = DEMO_CARD_LAST4["credit"]  # Alex's credit card: no other test blocks it
    assert "m'assurer" in in_french(branch.exchange(psid, "j'ai égaré ma carte"))
    done = verify_in_french(branch, psid, DEMO_CUSTOMER_NUMBER, DEMO_PHONE)
    assert "je peux la geler pour l'instant" in done, done

    replies = branch.tap(psid, "Geler pour l'instant")
    assert "Quelle carte dois-je geler" in in_french(replies), replies
    replies = branch.tap(psid, f"Crédit •••• {credit}")
    assert f"votre carte de crédit •••• {credit} est gelée" in in_french(replies), replies

    replies = branch.exchange(psid, "ça y est je l'ai retrouvée, débloque ma carte stp")  # the one frozen card
    assert "Quelle carte" not in in_french(replies), replies
    assert f"votre carte de crédit •••• {credit} est de nouveau active" in in_french(replies), replies


def test_a_loan_quote_then_the_application_in_french(branch: Branch):
    psid = french_customer(branch)
    replies = branch.exchange(psid, "combien me coûterait un crédit auto de 10 000 € sur 4 ans ?")
    quote = in_french(replies)
    assert "10\u202f000,00\u00a0€ sur 48 mois" in quote and "par mois" in quote, quote
    # Other figures, right after the quote: the quote again with what changed, the rest kept.
    quote = in_french(branch.exchange(psid, "et sur 5 ans plutôt ?"))
    assert "crédit auto de 10\u202f000,00\u00a0€ sur 60 mois" in quote, quote
    quote = in_french(branch.exchange(psid, "et pour 12 000 € ?"))
    assert "crédit auto de 12\u202f000,00\u00a0€ sur 60 mois" in quote, quote
    quote = in_french(branch.exchange(psid, "et pour 9 500 € ?"))  # thousands apart: 9 500, not 500
    assert "crédit auto de 9\u202f500,00\u00a0€ sur 60 mois" in quote, quote
    replies = branch.tap(psid, "Faire la demande")
    assert "m'assurer" in in_french(replies)
    done = verify_in_french(branch, psid, DEMO_CUSTOMER_NUMBER, DEMO_PHONE)
    assert "Votre demande est bien enregistrée" in done, done


def test_a_transfer_over_the_limit_is_refused_in_french_at_once_and_english_midway_is_understood(branch: Branch):
    psid = french_customer(branch)
    branch.exchange(psid, "envoie 300 balles à Tom")
    refused = verify_in_french(branch, psid, DEMO_CUSTOMER_NUMBER, DEMO_PHONE)
    # The limit, said right after the code: before the payee is confirmed and before any code for the transfer.
    assert "Un virement est limité à" in refused and refused.count("Quel montant souhaitez-vous envoyer ?") == 1, refused
    assert "Envoyer 300,00" not in refused, refused

    replies = branch.exchange(psid, "in English please")  # inside the form: the question again, in English
    assert joined(replies).startswith("Sure, I'll carry on in English.")
    assert "How much would you like to send" in replies[-1], replies
    replies = branch.exchange(psid, "repasse en français stp")
    assert "Quel montant souhaitez-vous envoyer" in in_french(replies), replies

    replies = branch.exchange(psid, "100 €")
    assert "Envoyer 100,00\u00a0€ à Tom Bernard" in in_french(replies), replies
    replies = branch.exchange(psid, "laisse tomber")
    assert "annulé" in in_french(replies), replies
    replies = branch.exchange(psid, "ok merci bcp")  # after the cancel, still French (it used to fall back to English)
    in_french(replies)
    assert not any("Pour valider l'envoi" in t for t in branch.texts_to(psid))  # no code sent for a transfer


def test_a_transfer_in_french_is_approved_by_a_french_sms(branch: Branch):
    psid = french_customer(branch)
    branch.exchange(psid, "je voudrais faire un virement de 20 € au +33 6 11 22 33 44")
    verify_in_french(branch, psid, *CAMILLE)
    assert "Envoyer 20,00\u00a0€ à" in branch.texts_to(psid)[-1]
    replies = branch.tap(psid, "Oui, envoyer")
    in_french(replies)
    sms = requests.get(f"{branch.core_bank_url}/dev/sms-outbox", params={"to": CAMILLE[1]}, timeout=5)
    assert "20,00 €" in sms.json()["messages"][0]["text"]  # the code names what it approves, in French
    replies = branch.exchange(psid, branch.latest_code(CAMILLE[1]))
    done = in_french(replies)
    assert "Envoyé ✅ 20,00\u00a0€" in done and "Référence TR-" in done, done


def test_a_french_customer_asks_for_an_advisor_and_is_handed_back_in_french(branch: Branch):
    psid = french_customer(branch)
    # A greeting first does not hide the request (read as a greeting alone, it got the welcome menu).
    replies = branch.exchange(psid, "bonjour, je voudrais parler à quelqu'un")
    assert "je vous mets en relation avec un conseiller" in in_french(replies), replies

    desk: StaffDesk = desk_for(branch)
    handoff = next(h for h in desk.queue.waiting() if h.conversation_id == psid)

    async def take_answer_and_hand_back():
        try:
            taken = await desk.take(handoff.id, "chloe")
            answered = await desk.reply(handoff.id, "chloe", "Bonjour, Chloé de l'agence. C'est réglé.")
            return taken, answered.delivered, await desk.hand_back(handoff.id, "chloe")
        finally:
            await desk.close()

    assert asyncio.run(take_answer_and_hand_back()) == (True, True, True)
    # Sent by Rasa before hand_back returns: the note, then the survey (the advisor answered), both in French.
    assert branch.texts_to(psid)[-2] == bot_text("handoff.back_note", "fr")
    survey = branch.sent_to(psid)[-1]["message"]["attachment"]["payload"]
    assert "Votre avis" in str(survey), survey


def test_a_code_that_did_not_come_is_sent_again_in_french(branch: Branch):
    psid = french_customer(branch)
    branch.exchange(psid, "quel est mon solde ?")
    branch.exchange(psid, "06 98 76 54 32")
    replies = branch.exchange(psid, "j'ai pas reçu le code, vous pouvez m'en renvoyer un ?")
    assert "Je vous ai envoyé un nouveau code au" in in_french(replies), replies
    replies = branch.exchange(psid, branch.latest_code("+33698765432"))
    assert "Voici vos soldes" in in_french(replies), replies


def test_waiting_for_a_person_in_french_the_customer_is_told_and_can_withdraw(branch: Branch):
    psid = french_customer(branch)
    branch.exchange(psid, "je veux parler à un conseiller")
    assert branch.exchange(psid, "y a quelqu'un ?") == [
        "Votre message attend le conseiller : il le lira en reprenant notre échange. Si vous préférez revenir à "
        "l'assistant, dites « annuler »."]
    replies = branch.exchange(psid, "annuler")
    assert "j'ai annulé votre demande de conseiller" in in_french(replies), replies
