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
