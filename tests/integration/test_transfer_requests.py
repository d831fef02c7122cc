"""What a customer tester typed in the money-transfer service, end to end through every process: a new request after
the limit was told, euros written "30e", a payee given with a mobile number. Each conversation stops before any money
moves (cancel, or "no" when the code is asked): the seeded balances other tests read stay as they are."""
from bot.core_bank.seed import DEMO_CUSTOMER_NUMBER, DEMO_PHONE
from tests.integration.test_french_conversations import french_customer, in_french, verify_in_french
from tests.integration.test_service_conversations import joined, new_psid, verify_as
from tests.support.branch import Branch


def test_after_the_limit_putting_the_money_in_savings_is_the_move_asked_for(branch: Branch):
    psid = new_psid()
    branch.exchange(psid, "send 400€ to tom")
    verify_as(branch, psid, DEMO_CUSTOMER_NUMBER, DEMO_PHONE)
    assert "at most" in branch.texts_to(psid)[-2], branch.texts_to(psid)[-2:]  # the limit, then "How much?"

    replies = branch.exchange(psid, "put 400 in my savings")
    said = joined(replies)
    assert "Move €400.00 from your current account to your savings account?" in said, replies
    assert "at most" not in said, replies  # a move has no transfer limit: the limit is not told again

    replies = branch.exchange(psid, "cancel")
    assert "I've sent a code" not in joined(branch.texts_to(psid)), replies


def test_apres_le_plafond_mettre_l_argent_sur_le_livret_est_le_virement_demande(branch: Branch):
    psid = french_customer(branch)
    branch.exchange(psid, "envoie 400 € à tom")
    told = verify_in_french(branch, psid, DEMO_CUSTOMER_NUMBER, DEMO_PHONE)
    assert "Un virement est limité à" in told, told

    replies = branch.exchange(psid, "mets 400 sur mon livret")
    said = in_french(replies)
    assert "400,00\u00a0€ de votre compte courant vers votre compte épargne ?" in said, replies
    branch.exchange(psid, "annuler")


def test_euros_written_30e_are_30_euros(branch: Branch):
    psid = french_customer(branch)
    branch.exchange(psid, "envoie 30e à Tom")
    confirmation = verify_in_french(branch, psid, DEMO_CUSTOMER_NUMBER, DEMO_PHONE)
    assert "Envoyer 30,00\u00a0€ à Tom Bernard" in confirmation, confirmation  # not asked how much
    branch.exchange(psid, "annuler")


def test_a_name_with_a_mobile_number_keeps_the_name_and_never_says_the_number_back(branch: Branch):
    psid = new_psid()
    branch.exchange(psid, "send 20€ to Tom 06 11 22 33 44")
    verify_as(branch, psid, DEMO_CUSTOMER_NUMBER, DEMO_PHONE)
    confirmation = branch.texts_to(psid)[-1]
    assert "Send €20.00 to Tom (mobile number ending in 44)" in confirmation, confirmation

    replies = branch.tap(psid, "Yes, send it")
    assert "To approve sending €20.00 to Tom Bernard" in joined(replies), replies  # the number's holder, per the bank
    replies = branch.exchange(psid, "no")
    assert "haven't sent anything" in joined(replies), replies
    assert "11 22 33" not in joined(branch.texts_to(psid))
    for log in branch.logs.iterdir():  # nor written in clear in any process's log
        written = log.read_text(errors="replace")
        assert not any(number in written for number in ("06 11 22 33 44", "0611223344", "+33611223344")), log


def test_un_nom_avec_un_numero_de_mobile_en_francais(branch: Branch):
    psid = french_customer(branch)
    branch.exchange(psid, "envoie 20 € à Tom au 06 11 22 33 44")
    confirmation = verify_in_french(branch, psid, DEMO_CUSTOMER_NUMBER, DEMO_PHONE)
    assert "Envoyer 20,00\u00a0€ à Tom (mobile se terminant par 44)" in confirmation, confirmation
    assert "11 22 33" not in joined(branch.texts_to(psid))
    branch.exchange(psid, "annuler")
