"""A typed yes to a two-button offer ("Shall I order a replacement?" [Order a replacement] [No, thanks]) is read as
the offer's button (bot/rasa_server/offer_answers.py)."""
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.rasa_server.offer_answers import as_offer, offered_payload

REPLACEMENT = '/order_card{"card_type":"debit"}'


def conversation(*events) -> DialogueStateTracker:
    return DialogueStateTracker.from_events("psid-1", [ActionExecuted("action_listen"),
                                                       UserUttered("yes block it"), *events])


def offer(*payloads, key="buttons") -> BotUttered:
    return BotUttered("Shall I?", data={key: [{"title": p.strip("/")[:20], "payload": p} for p in payloads]})


def test_the_offer_beside_no_thanks_is_what_a_yes_accepts():
    assert offered_payload(conversation(offer(REPLACEMENT, "/deny"))) == REPLACEMENT
    assert offered_payload(conversation(offer("/book_appointment", "/deny", key="quick_replies"))) == "/book_appointment"
    # the offer is the bot's last message with buttons since the customer wrote
    assert offered_payload(conversation(offer(REPLACEMENT, "/deny"), BotUttered("Anything else?"))) == REPLACEMENT


def test_no_offer_to_accept():
    assert offered_payload(conversation()) is None
    assert offered_payload(conversation(BotUttered("Done."))) is None
    assert offered_payload(conversation(offer("/affirm", "/deny"))) is None  # a form's confirmation: affirm answers it
    assert offered_payload(conversation(offer("/human_handoff", "/help"))) is None  # two offers: which one?
    assert offered_payload(conversation(offer("/freeze_card", "/block_card", "/deny"))) is None
    # an offer answered already: a later yes is not about it
    answered = conversation(offer(REPLACEMENT, "/deny"), ActionExecuted("action_listen"), UserUttered("no"),
                            BotUttered("Anything else?"))
    assert offered_payload(answered) is None
    # a new session since: yesterday's offer is not today's yes
    assert offered_payload(conversation(offer(REPLACEMENT, "/deny"), SessionStarted())) is None


def test_the_typed_words_stay_with_the_offer_s_meaning():
    typed = {"text": "oui", "intent": {"name": "affirm", "confidence": 0.97},
             "entities": [{"entity": "language", "value": "fr"}, {"entity": "amount", "value": "3"}]}
    tapped = {"text": REPLACEMENT, "intent": {"name": "order_card", "confidence": 1.0},
              "entities": [{"entity": "card_type", "value": "debit"}]}
    parsed = as_offer(typed, tapped)
    assert parsed["text"] == "oui" and parsed["intent"]["name"] == "order_card"
    assert [e["entity"] for e in parsed["entities"]] == ["card_type", "language"]


def asked(text: str, intent: str) -> UserUttered:
    return UserUttered(text, intent={"name": intent, "confidence": 0.9})


def test_a_question_or_two_about_the_offer_leave_it_open():
    question = conversation(offer(REPLACEMENT, "/deny"), ActionExecuted("action_listen"),
                            asked("how much is the new one?", "faq"), BotUttered("A replacement card is free."))
    assert offered_payload(question) == REPLACEMENT
    two = conversation(offer(REPLACEMENT, "/deny"), asked("ça coûte combien ?", "out_of_scope"), BotUttered("Sorry"),
                       asked("et le délai ?", "faq"), BotUttered("7 working days."))
    assert offered_payload(two) == REPLACEMENT
    three = conversation(offer(REPLACEMENT, "/deny"), asked("a", "faq"), BotUttered("A"), asked("b", "faq"),
                         BotUttered("B"), asked("c", "faq"), BotUttered("C"))
    assert offered_payload(three) is None


def test_an_answer_a_request_or_new_choices_close_the_offer():
    for between in (asked("no thanks", "deny"), asked("send 20 to Tom", "transfer_money")):
        assert offered_payload(conversation(offer(REPLACEMENT, "/deny"), between, BotUttered("..."))) is None
    with_choices = conversation(offer(REPLACEMENT, "/deny"), asked("fees?", "faq"), offer("/faq_a", "/faq_b"))
    assert offered_payload(with_choices) is None  # "which of these did you mean?": a yes is not about the offer


def test_an_aside_s_suggestions_leave_the_offer_open():
    follow_up = BotUttered("A replacement card is free.", data={"quick_replies": [
        {"title": "Order a card", "payload": "/order_card"}]})
    balance = BotUttered("Here are your balances: …")
    for between in ((asked("how much is a replacement card?", "faq"), follow_up),
                    (asked("how much is the new one?", "check_balance"), balance)):  # misread: the offer stays
        assert offered_payload(conversation(offer(REPLACEMENT, "/deny"), *between)) == REPLACEMENT


def test_a_refusal_s_services_menu_leaves_the_offer_open():
    menu = BotUttered("Sorry, that's not something I can help with here.",
                      data={"quick_replies": [{"title": t, "payload": f"/{t}"} for t in ("check_balance", "help")]})
    refused = conversation(offer(REPLACEMENT, "/deny"), asked("ça coute combien la nouvelle?", "out_of_scope"), menu)
    assert offered_payload(refused) == REPLACEMENT
    # the menu in answer to the offer itself (no aside): not an offer to say yes to
    assert offered_payload(conversation(menu)) is None
