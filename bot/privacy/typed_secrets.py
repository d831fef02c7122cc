"""What a customer must never type in a chat, and types anyway: a full card number, a PIN, a password.

The bank never asks for them (the welcome says so). When a customer types one, the bot warns them
(bot/rasa_server/answer_preamble.py) and the secret is masked wherever the conversation is kept or
shown (bot/privacy/redaction.py for the tracker store, the event broker and the archive;
bot/privacy/masking.py for staff). The rules, in one place:

- a card number: 13 to 19 digits, together or grouped by spaces, dots, dashes or slashes (as
  redaction.py reads them), that pass the Luhn check; not a phone number (a leading `+` and at most
  15 digits) and not glued to letters ("FR76 3000 6000 ...": an IBAN, a reference). Storage masks
  every run of 13 digits or more anyway (redaction.py); the Luhn check decides the warning only.
- a PIN: 4 to 6 digits right after a word for a PIN ("pin", "PIN code", "code PIN", "code secret",
  "code confidentiel", "code CB", "code de ma carte", "passcode"), with at most a few linking words between
  ("is", ":", "c'est" or, typed in a hurry, "c", "est", "to"...): "my pin is 4821", "mon code secret c'est 4821",
  "code PIN : 4 8 2 1", "mon code cb c 4821"; or exactly 4 digits after "mon code" / "my code" ("mon code c 4821":
  the one-time codes have 6).
  While the bot asks for a one-time code (6 digits), a 6-digit "PIN" is that code: no warning
  (it is masked as a code anyway).
- a password: the word after "password", "passwd", "mot de passe" or "mdp" with those linking
  words, when it follows ":" or "=" or quotes, or holds a digit or a symbol ("password: hunter2",
  "my password is hunter2", "mot de passe : azerty"); "my password is wrong" or "mon mot de passe
  est bloqué" name no password.

Never secrets: the customer number and the SMS code (6 digits with no PIN word before them),
amounts, dates, phone numbers, IBAN fragments, the last 4 digits of a card.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import FrozenSet, List

MASK = "•"
CARD_NUMBER, PIN, PASSWORD = "card_number", "pin", "password"
CARD_MIN_DIGITS, CARD_MAX_DIGITS = 13, 19
PHONE_MAX_DIGITS = 15  # E.164
CODE_DIGITS = 6  # the one-time codes (bot/core_bank/otp.py)
PASSWORD_MASK = MASK * 8  # a password's length is not told

_SPACE = "[ \t\u00a0\u2007\u202f]"
_DASH = "\\-\u2010-\u2015\u2212"
# A run of digits written together or grouped, a card number when long enough: between two of its digits, one
# space, or one dot, dash or slash with a space on either side or none.
_CARD_SEPARATOR = f"(?:{_SPACE}?[.{_DASH}/]{_SPACE}?|{_SPACE})"
# Not glued to a letter on either side: "46d6-8690-891471048f2a" is part of an identifier (a UUID, an
# IBAN), not a card number, and masking it broke the idempotency key of a card order now and then.
CARD_RUN = re.compile(rf"(?<!\w)\d(?:{_CARD_SEPARATOR}?\d)*(?!\w)")
_NOT_DIGIT = re.compile(r"\D")
_PIN_WORD = (r"(?:pin(?:[ \-]?(?:code|number|no\.?|n°|#))?|code[ \-](?:pin|secret|confidentiel|cb|bancaire"
             r"|carte(?:[ \-]bancaire)?)|passcode|num[ée]ro[ \-]pin"
             r"|code[ \t]+(?:de|of)[ \t]+(?:ma|la|my|the)[ \t]+(?:carte|card|cb)(?:[ \t]+bancaire)?)")
# "mon code", "my code" alone: the card's PIN when four digits follow (the one-time codes have six).
_MY_CODE = r"(?:mon|my)[ \t]+code"
_PASSWORD_WORD = r"(?:password|passwd|pass[ \-]word|mot[ \-]de[ \-]passe|mdp)"
# What may stand between the word and the secret: a few linking words and punctuation.
_LINK_WORD = (r"(?:is|was|it'?s|it’s|will[ ]be|now|to|est|c'?est|c’est|c|cest|ce|sera|en|maintenant|actuellement"
              r")(?!\w)")  # "c", "cest": "c'est" as typed in a hurry ("mon code c 1234")
_LINK = rf"(?:[ \t]*(?:{_LINK_WORD}|[:=→\-]|->))*[ \t]*"
_PIN_VALUE = r"(?P<value>\d(?:[ .]?\d){3,5})(?![\d.,]?\d)"
_PIN_PHRASE = re.compile(rf"(?<![\w]){_PIN_WORD}{_LINK}{_PIN_VALUE}", re.IGNORECASE)
_MY_CODE_PHRASE = re.compile(rf"(?<![\w]){_MY_CODE}{_LINK}(?P<value>\d(?:[ .]?\d){{3}})(?![\d.,]?\d)", re.IGNORECASE)
_PASSWORD_PHRASE = re.compile(
    rf"(?<![\w]){_PASSWORD_WORD}(?P<link>{_LINK})(?P<quote>[\"'«“‘]?)[ \t]*(?P<value>[^\s\"'»”’]+)", re.IGNORECASE)
# Words that say something about a password rather than being one.
_NOT_A_PASSWORD = frozenset("""
    wrong incorrect invalid blocked locked expired forgotten lost changed not no the my a an too
    faux incorrect invalide bloqué bloque expiré expire oublié oublie perdu changé change pas plus trop le la mon
    un une
""".split())
_TRAILING = ".,;!?)"


@dataclass(frozen=True)
class TypedSecret:
    """One secret in a text: its kind (CARD_NUMBER, PIN, PASSWORD) and where its value is."""

    kind: str
    start: int
    end: int
    value: str


def digits_of(text: str) -> str:
    return _NOT_DIGIT.sub("", text)


def luhn_valid(digits: str) -> bool:
    total = 0
    for position, digit in enumerate(reversed(digits)):
        value = int(digit) * (2 if position % 2 else 1)
        total += value - 9 if value > 9 else value
    return bool(digits) and total % 10 == 0


def card_numbers(text: str) -> List[TypedSecret]:
    found: List[TypedSecret] = []
    for match in CARD_RUN.finditer(text):
        digits = digits_of(match.group(0))
        if not CARD_MIN_DIGITS <= len(digits) <= CARD_MAX_DIGITS or not luhn_valid(digits):
            continue
        before = text[match.start() - 1] if match.start() > 0 else ""
        after = text[match.end()] if match.end() < len(text) else ""
        if before == "+" and len(digits) <= PHONE_MAX_DIGITS:
            continue  # a phone number
        if before.isalpha() or after.isalpha():
            continue  # an IBAN or a reference
        found.append(TypedSecret(CARD_NUMBER, match.start(), match.end(), digits))
    return found


def pins(text: str, code_asked: bool = False) -> List[TypedSecret]:
    found: List[TypedSecret] = []
    for match in _PIN_PHRASE.finditer(text):
        digits = digits_of(match.group("value"))
        if code_asked and len(digits) == CODE_DIGITS:
            continue  # the one-time code asked for, called a PIN
        found.append(TypedSecret(PIN, match.start("value"), match.end("value"), digits))
    taken = {secret.start for secret in found}
    for match in _MY_CODE_PHRASE.finditer(text):
        if match.start("value") not in taken:
            found.append(TypedSecret(PIN, match.start("value"), match.end("value"), digits_of(match.group("value"))))
    return sorted(found, key=lambda secret: secret.start)


def passwords(text: str) -> List[TypedSecret]:
    found: List[TypedSecret] = []
    for match in _PASSWORD_PHRASE.finditer(text):
        value = match.group("value").rstrip(_TRAILING)
        if not value or value.casefold() in _NOT_A_PASSWORD:
            continue
        announced = match.group("quote") or any(mark in match.group("link") for mark in ":=")
        if not announced and value.isalpha():
            continue  # "my password is Soleil" is missed rather than "my password is gone" warned about
        start = match.start("value")
        found.append(TypedSecret(PASSWORD, start, start + len(value), value))
    return found


def typed_secrets(text: str, code_asked: bool = False) -> List[TypedSecret]:
    """Every card number, PIN and password in `text`, in order."""
    if not text:
        return []
    return sorted(card_numbers(text) + pins(text, code_asked) + passwords(text), key=lambda secret: secret.start)


def mask_pins_and_passwords(text: str) -> str:
    """`text` with each PIN's digits masked (one `•` each) and each password replaced by 8 `•`.

    Card numbers are left to `redaction.mask_card_numbers`, which cuts every long digit run to its last 4."""
    if not text:
        return text
    secrets = [secret for secret in pins(text) + passwords(text)]
    for secret in sorted(secrets, key=lambda s: s.start, reverse=True):
        hidden = MASK * len(secret.value) if secret.kind == PIN else PASSWORD_MASK
        text = text[:secret.start] + hidden + text[secret.end:]
    return text


def secret_values(text: str) -> FrozenSet[str]:
    """The PINs and passwords typed in `text`, to mask again where they come back (a slot, a reply)."""
    if not text:
        return frozenset()
    return frozenset(secret.value for secret in pins(text) + passwords(text))
