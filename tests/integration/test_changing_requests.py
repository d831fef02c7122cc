"""A customer who changes their mind mid-request, end to end through every process (Messenger, English and French):

- another service asked inside a form starts that service, the request in progress left and said so (not "I couldn't
  find that payment" again and again);
- a service asked while the code is awaited waits for the verification instead of the first request;
- a second request in the same message ("my balance and my recent transactions") is offered once the first is done,
  tapped or accepted with a typed "oui";
- a typed "yes" / "oui" to a two-button offer ("Would you like to book one?") accepts it, as the button would (the
  replacement card offered after a block: test_french_conversations.py, "oui stp"; no card is blocked here, the stack
  is shared and the other tests need theirs).
"""
import uuid

from bot.core_bank.seed import DEMO_CUSTOMER_NUMBER, DEMO_PHONE
from tests.integration.test_appointment_conversations import cancel_upcoming
from tests.integration.test_messenger_language import facebook_in
from tests.support.branch import Branch

CAMILLE = ("100002", "+33698765432")


def new_psid() -> str:
    return f"psid-{uuid.uuid4().hex[:12]}"


def joined(texts) -> str:
    return "\n".join(texts)


def verified(branch: Branch, psid: str, customer_number: str, phone: str) -> str:
    branch.exchange(psid, customer_number)
    return joined(branch.exchange(psid, branch.latest_code(phone)))


def test_a_transfer_asked_during_a_dispute_leaves_the_dispute(branch: Branch):
    psid = new_psid()
    branch.exchange(psid, "I was charged twice at Fnac yesterday")
    listed = verified(branch, psid, DEMO_CUSTOMER_NUMBER, DEMO_PHONE)
    assert "Which payment do you want to dispute" in listed, listed

    replies = joined(branch.exchange(psid, "actually I'd rather send 20 euros to Tom"))
    assert "I've left the request you were making" in replies, replies
    assert "Send €20.00 to Tom Bernard" in replies, replies  # the transfer's confirmation
    assert "couldn't find that" not in replies and "Which payment" not in replies, replies
    assert branch.slots(psid)["dispute_reason"] is None
    loops = [e["name"] for e in branch.tracker_events(psid) if e["event"] == "active_loop"]
    assert loops[-1] == "transfer_form", loops


def test_another_service_asked_while_the_code_is_awaited_comes_after_the_verification(branch: Branch):
    psid = new_psid()
    branch.exchange(psid, "what's my balance?")
    replies = joined(branch.exchange(psid, "no wait, I need to block my card"))
    assert "doesn't look like" not in replies, replies
    assert "make sure it's really you" in replies and "customer number" in replies, replies
    listed = verified(branch, psid, DEMO_CUSTOMER_NUMBER, DEMO_PHONE)
    assert "Which card should I block" in listed and "Here are your balances" not in listed, listed


def test_oui_to_a_french_offer_books_the_appointment_offered(branch: Branch):
    cancel_upcoming(branch, CAMILLE)  # a stack used before may hold one
    psid = new_psid()
    facebook_in(branch, psid, "fr_FR")
    branch.exchange(psid, "je veux annuler mon rendez-vous")
    said = verified(branch, psid, *CAMILLE)
    assert "Vous n'avez aucun rendez-vous à venir" in said, said
    replies = joined(branch.exchange(psid, "oui"))
    assert "conseiller" in replies and "Comment puis-je" not in replies, replies


def test_the_second_answer_a_form_cannot_take_offers_an_advisor_and_advisor_is_understood(branch: Branch):
    psid = new_psid()
    branch.exchange(psid, "what's my balance?")
    first = joined(branch.exchange(psid, "I don't have it on me"))
    assert "customer number" in first and "advisor" not in first, first
    second = joined(branch.exchange(psid, "no idea sorry"))
    assert 'type "advisor" to talk to a person, or "cancel"' in second, second
    assert second.rstrip().endswith("registered with us?"), second  # the question comes last, as always
    replies = joined(branch.exchange(psid, "advisor"))
    assert "passing you to an advisor" in replies, replies


def test_conseiller_after_the_french_way_out(branch: Branch):
    psid = new_psid()
    facebook_in(branch, psid, "fr_FR")
    branch.exchange(psid, "quel est mon solde ?")
    branch.exchange(psid, "je ne le connais pas par cœur")
    second = joined(branch.exchange(psid, "il est sur un papier quelque part"))
    assert "écrivez « conseiller »" in second, second
    replies = joined(branch.exchange(psid, "conseiller"))
    assert "je vous mets en relation avec un conseiller" in replies, replies


def test_help_while_asked_who_they_are_says_how_and_the_request_goes_on(branch: Branch):
    psid = new_psid()
    branch.exchange(psid, "what's my balance?")
    replies = joined(branch.exchange(psid, "help"))
    assert "Your customer number (6 digits) is on your statements" in replies, replies
    assert replies.rstrip().endswith("registered with us?"), replies  # asked again, not the services' menu
    listed = verified(branch, psid, DEMO_CUSTOMER_NUMBER, DEMO_PHONE)
    assert "Here are your balances, Alex" in listed, listed


def test_a_no_to_the_card_to_block_ends_the_request_and_blocks_nothing(branch: Branch):
    psid = new_psid()
    branch.exchange(psid, "I lost my card")
    listed = verified(branch, psid, DEMO_CUSTOMER_NUMBER, DEMO_PHONE)
    assert "Which card should I block" in listed, listed
    replies = joined(branch.exchange(psid, "no don't block it"))
    assert "I won't touch any card" in replies and "Which card" not in replies, replies
    replies = joined(branch.exchange(psid, "what's my balance?"))  # the branch goes on as after a cancel
    assert "Here are your balances" in replies, replies


def test_a_second_request_in_the_same_message_is_offered_once_the_first_is_done(branch: Branch):
    psid = new_psid()
    branch.exchange(psid, "what's my balance and then my last transactions")
    listed = verified(branch, psid, DEMO_CUSTOMER_NUMBER, DEMO_PHONE)
    assert "Here are your balances, Alex" in listed, listed
    assert listed.rstrip().endswith("You also asked: “my last transactions”. Shall I go on with that?"), listed
    offer = branch.sent_to(psid)[-1]["message"]["attachment"]["payload"]["buttons"]
    assert [(b["title"], b["payload"]) for b in offer] == [("Yes, go on", "/recent_transactions"),
                                                           ("No, thanks", "/deny")]
    replies = joined(branch.exchange(psid, "Yes, go on", payload="/recent_transactions", postback=True))
    assert "transactions" in replies.lower() and "You also asked" not in replies, replies
    assert branch.slots(psid)["further_requests"] is None


def test_oui_accepts_the_second_request_in_french(branch: Branch):
    psid = new_psid()
    facebook_in(branch, psid, "fr_FR")
    branch.exchange(psid, "quel est mon solde et mes dernières opérations ?")
    listed = verified(branch, psid, DEMO_CUSTOMER_NUMBER, DEMO_PHONE)
    assert "Vous m'avez aussi demandé : « mes dernières opérations ». Je m'en occupe ?" in listed, listed
    replies = joined(branch.exchange(psid, "oui"))
    assert "Vous m'avez aussi demandé" not in replies and "Comment puis-je" not in replies, replies
    events = [e for e in branch.tracker_events(psid) if e["event"] == "user"]
    assert events[-1]["parse_data"]["intent"]["name"] == "recent_transactions", events[-1]["parse_data"]["intent"]


def test_asked_which_card_to_block_a_customer_who_would_rather_freeze_it_gets_the_freeze(branch: Branch):
    psid = new_psid()
    branch.exchange(psid, "I lost my card, block it please")
    listed = verified(branch, psid, DEMO_CUSTOMER_NUMBER, DEMO_PHONE)
    assert "Which card should I block" in listed, listed

    replies = joined(branch.exchange(psid, "wait, maybe it's in my car... can I just freeze it instead?"))
    assert "couldn't tell which card" not in replies and "Which card should I block" not in replies, replies
    assert "Which card should I freeze" in replies, replies
    loops = [e["name"] for e in branch.tracker_events(psid) if e["event"] == "active_loop"]
    assert loops[-1] == "freeze_card_form", loops
    branch.exchange(psid, "cancel")  # the stack is shared: no card is frozen here


def test_a_question_with_a_reason_after_it_is_answered_and_not_offered_again(branch: Branch):
    """"whats my iban? its for my employer": the whole a knowledge question; "whats my iban" alone reads as a balance,
    which used to be offered as a second request ("You also asked: whats my iban") and showed the balances."""
    psid = new_psid()
    replies = joined(branch.exchange(psid, "whats my iban? its for my employer"))
    assert "IBAN" in replies, replies
    assert "You also asked" not in replies, replies


def test_a_card_to_block_comes_before_a_search_asked_first_and_the_search_keeps_its_own_words(branch: Branch):
    """data/README.md: a protective request first, whatever the word order; the search offered after it reads its
    own clause ("at uber this month"), not the card words of the other one."""
    psid = new_psid()
    branch.exchange(psid, "how much did i spend at uber this month and block my credit card")
    listed = verified(branch, psid, DEMO_CUSTOMER_NUMBER, DEMO_PHONE)
    assert "block" in listed.lower() and "Uber" not in listed, listed  # the block's question, not the search
    parse = [e for e in branch.tracker_events(psid) if e["event"] == "user"][0]["parse_data"]
    assert parse["intent"]["name"] == "block_card", parse["intent"]
    text = parse["text"]
    clause = parse["request_clause"]
    assert text[clause["start"]:clause["end"]] == "block my credit card"
    assert [f["payload"] for f in parse["further_requests"]] == ["/search_transactions"]

    replies = joined(branch.exchange(psid, "no"))  # the stack is shared: no card is blocked here
    assert "You also asked: “how much did i spend at uber this month”" in replies, replies
    replies = joined(branch.tap(psid, "Yes, go on"))
    assert "Uber" in replies and "credit" not in replies.lower(), replies  # its own words: Uber, any card
