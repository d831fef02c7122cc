"""A card number, a PIN or a password typed in the chat: recognised, in English and French, masked wherever the
conversation is kept or shown; the digits a customer types for the branch's own questions are left alone."""
from __future__ import annotations

import json

import pytest

from bot.archive.events import EventTranslator
from bot.handoff.conversation import transcript_lines
from bot.privacy.masking import mask_sensitive
from bot.privacy.redaction import redact_all, redact_text
from bot.privacy.typed_secrets import CARD_NUMBER, PASSWORD, PIN, luhn_valid, typed_secrets

LUHN_CARD = "4111 1111 1111 1111"


def kinds_and_values(text: str, code_asked: bool = False):
    return [(secret.kind, secret.value) for secret in typed_secrets(text, code_asked)]


@pytest.mark.parametrize("text, found", [
    (f"my card is {LUHN_CARD}", [(CARD_NUMBER, "4111111111111111")]),
    ("ma carte 5555555555554444 est perdue", [(CARD_NUMBER, "5555555555554444")]),
    ("4111-1111-1111-1111", [(CARD_NUMBER, "4111111111111111")]),
    ("4111.1111.1111.1111", [(CARD_NUMBER, "4111111111111111")]),
    ("amex 3714 496353 98431", [(CARD_NUMBER, "371449635398431")]),
    ("my pin is 4821", [(PIN, "4821")]),
    ("My PIN code: 4821", [(PIN, "4821")]),
    ("PIN:4821", [(PIN, "4821")]),
    ("pin 4 8 2 1", [(PIN, "4821")]),
    ("the pin of my card is 4821", []),  # missed: a word other than a link stands between
    ("mon code secret c'est 4821", [(PIN, "4821")]),
    ("mon code secret c’est 4821", [(PIN, "4821")]),
    ("code PIN : 4821", [(PIN, "4821")]),
    ("le code de ma carte est 4821", [(PIN, "4821")]),
    ("mon code confidentiel est 482173", [(PIN, "482173")]),
    ("password: hunter2", [(PASSWORD, "hunter2")]),
    ("my password is hunter2.", [(PASSWORD, "hunter2")]),
    ("Password = 'Soleil'", [(PASSWORD, "Soleil")]),
    ("mot de passe : azerty", [(PASSWORD, "azerty")]),
    ("mon mot de passe c'est azerty123", [(PASSWORD, "azerty123")]),
    ("mdp: Chat!2024", [(PASSWORD, "Chat!2024")]),
    # French as typed in a hurry (a customer tried these; none was caught)
    ("allo ma carte c 4970 1012 3456 7893 et mon code c 1234", [(CARD_NUMBER, "4970101234567893"), (PIN, "1234")]),
    ("au fait mon code c 1234 c grave si je l'ai donné ?", [(PIN, "1234")]),
    ("mon code cb est 1234", [(PIN, "1234")]),
    ("le code de ma cb est 1234", [(PIN, "1234")]),
    ("mon code secret c 1234", [(PIN, "1234")]),
    ("mon code carte bancaire : 1234", [(PIN, "1234")]),
    ("my code is 1234", [(PIN, "1234")]),
    ("mon mot de passe c azerty123", [(PASSWORD, "azerty123")]),
])
def test_secrets_are_recognised_in_english_and_french(text, found):
    assert kinds_and_values(text) == found


@pytest.mark.parametrize("text", [
    "100001",  # the customer number, asked in the identity form
    "my customer number is 100001",
    "mon numéro client est le 100001",
    "482913", "the code is 482 913", "le code c'est 482913", "code: 482913",  # the SMS code
    "send €250.50 to Tom", "envoie 1 500 € à Tom", "virement de 4821 euros",  # amounts
    "transactions since 2026-12-04", "depuis le 04/12/2026",  # dates
    "FR76 3000 6000 0112 3456 7890 189", "my IBAN ends 0079", "IBAN FR76 •••• •••• 0079",  # IBANs
    "+33 6 12 34 56 78", "+33612345678", "06 12 34 56 78", "+86 138 0013 8000",  # phone numbers
    "the card ending 7890", "la carte qui finit par 4821",
    "4970 1012 3456 7890",  # 16 digits that fail the Luhn check: masked when kept, not warned about
    "I forgot my PIN", "j'ai oublié mon code secret", "my pin was blocked after 3 tries",
    "my password is wrong", "mon mot de passe est bloqué", "password forgotten", "mot de passe oublié",
    "what's my balance?", "quel est mon solde ?",
    "mon code c 482913", "my code is 482913", "mon code postal c 75011", "mon code client c 1234",  # not a PIN
    "j'ai oublié mon code", "mon code est bloqué", "mon code cb ne marche plus",
])
def test_the_branchs_own_digits_and_talk_about_secrets_are_no_secret(text):
    assert kinds_and_values(text) == []


def test_a_six_digit_pin_is_the_code_asked_for_while_one_is():
    assert kinds_and_values("my pin is 482913", code_asked=True) == []
    assert kinds_and_values("my pin is 4821", code_asked=True) == [(PIN, "4821")]
    assert kinds_and_values(f"{LUHN_CARD}", code_asked=True) == [(CARD_NUMBER, "4111111111111111")]


def test_luhn():
    assert luhn_valid("4111111111111111") and luhn_valid("371449635398431")
    assert not luhn_valid("4970101234567890") and not luhn_valid("")


@pytest.mark.parametrize("text, kept", [
    (f"my card is {LUHN_CARD}", "my card is •••• 1111"),
    ("my pin is 4821", "my pin is ••••"),
    ("mon code secret c'est 4821", "mon code secret c'est ••••"),
    ("password: hunter2", "password: ••••••••"),
    ("mot de passe : azerty", "mot de passe : ••••••••"),
    ("customer 100001, +33 6 12 34 56 78, €250.50 on 2026-12-04", "customer 100001, +33 6 12 34 56 78, €250.50 on 2026-12-04"),
])
def test_what_is_kept_and_what_staff_read_hide_each_secret(text, kept):
    assert redact_text(text, code_asked=False) == kept
    assert mask_sensitive(text) == kept.replace("100001", "••••••")  # staff views also hide any 6 digits


def events_of_a_typed_pin(text: str):
    return [
        {"event": "slot", "name": "requested_slot", "value": "customer_identifier"},
        {"event": "user", "text": text,
         "parse_data": {"text": text, "entities": [{"entity": "amount", "value": "4821"},
                                                   {"entity": "payee", "value": "hunter2"}]}},
        {"event": "slot", "name": "amount", "value": "4821"},
        {"event": "bot", "text": "I couldn't find hunter2 among your payees", "data": {}},
        {"event": "user", "text": "send 4821 euros", "parse_data": {"text": "send 4821 euros", "entities": []}},
    ]


def test_a_secret_is_masked_in_the_stored_message_its_parse_data_and_where_the_turn_repeats_it():
    redacted = redact_all(events_of_a_typed_pin("my pin is 4821 and my password is hunter2"))
    turn = json.dumps(redacted[:4], ensure_ascii=False)
    assert "4821" not in turn and "hunter2" not in turn
    assert redacted[1]["text"] == "my pin is •••• and my password is ••••••••"
    assert redacted[3]["text"] == "I couldn't find •••••••• among your payees"
    assert redacted[4]["text"] == "send 4821 euros"  # the next turn is the customer's own again


def test_the_archive_and_the_console_never_show_a_typed_secret():
    translator = EventTranslator()
    archived = [translator.entry({"sender_id": "psid-1", "event": "user", "timestamp": 1.0, "text": text,
                                  "input_channel": "messenger"}).text
                for text in ("my pin is 4821", f"card {LUHN_CARD}", "password: hunter2")]
    assert archived == ["my pin is ••••", "card •••• 1111", "password: ••••••••"]
    lines = transcript_lines([{"event": "user", "text": "mon code secret c'est 4821", "timestamp": 1.0},
                              {"event": "user", "text": "mdp: azerty1", "timestamp": 2.0}])
    assert [line.text for line in lines] == ["mon code secret c'est ••••", "mdp: ••••••••"]


@pytest.mark.parametrize("key", [
    # The branch's card-order and loan-application keys are hex without dashes (actions/): their digits, glued to
    # letters, are no card number, even when 13+ of them in a row have a valid Luhn sum (a French lost-card test's
    # order once lost its key to the card-number mask).
    "c0ffee4539148803436467",
    "4539148803436467c0ffee",
    "ab4539148803436467cd",
])
def test_a_key_glued_to_letters_is_no_card_number(key):
    assert luhn_valid("4539148803436467")  # the digits would be a card number on their own
    assert [s for s in typed_secrets(key) if s.kind == CARD_NUMBER] == []
    assert redact_text(key, code_asked=False) == key
    assert redact_text("4539148803436467", code_asked=False) != "4539148803436467"
