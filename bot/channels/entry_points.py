"""The branch's entry points: taps any customer may send at any time, in any channel.

The Get Started button and the persistent menu are set on the Facebook page
(bot/channels/messenger/profile.py builds the Messenger profile from them);
their payloads are valid for everyone, without having been offered in the
conversation (bot/channels/offered_payloads.py derives its allow-list from
here). They are `/intent` commands the dialogue knows.

The language switch is one too: the menu (and the web chat's header) offers the other language,
`/switch_language{"language": "fr"}` in English, `.../"en"` in French; its `language` entity sets
the `language` slot (domain.yml, from_entity).
"""
from __future__ import annotations

import json
from typing import Dict, FrozenSet, NamedTuple, Tuple

GET_STARTED_PAYLOAD = "/get_started"


class MenuItem(NamedTuple):
    title: str  # English, the page's default
    payload: str
    title_fr: str  # shown to customers whose Facebook is in French


# The persistent menu, in order.
MENU_ITEMS: Tuple[MenuItem, ...] = (
    MenuItem("Balance", "/check_balance", "Mon solde"),
    MenuItem("Spending", "/spending_insights", "Mes dépenses"),
    MenuItem("Cards", "/card_menu", "Mes cartes"),
    MenuItem("Loans", "/loan_inquiry", "Crédits"),
    MenuItem("Book an appointment", "/book_appointment", "Prendre rendez-vous"),
    MenuItem("Talk to an advisor", "/human_handoff", "Parler à un conseiller"),
)



def switch_language_payload(language: str) -> str:
    """ '/switch_language{"language":"fr"}' """
    return "/switch_language" + json.dumps({"language": language}, separators=(",", ":"))


# The menu's last item: the other language, named in that language.
SWITCH_TO_FRENCH = MenuItem("Français", switch_language_payload("fr"), "Français")
SWITCH_TO_ENGLISH = MenuItem("English", switch_language_payload("en"), "English")
OTHER_LANGUAGE: Dict[str, MenuItem] = {"en": SWITCH_TO_FRENCH, "fr": SWITCH_TO_ENGLISH}

ENTRY_PAYLOADS: FrozenSet[str] = frozenset({
    GET_STARTED_PAYLOAD, *(item.payload for item in MENU_ITEMS), SWITCH_TO_FRENCH.payload, SWITCH_TO_ENGLISH.payload,
})
