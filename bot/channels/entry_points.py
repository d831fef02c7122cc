"""The branch's entry points: taps any customer may send at any time, in any channel.

The Get Started button and the persistent menu are set on the Facebook page
(bot/channels/messenger/profile.py builds the Messenger profile from them);
their payloads are valid for everyone, without having been offered in the
conversation (bot/channels/offered_payloads.py derives its allow-list from
here). They are `/intent` commands the dialogue knows.
"""
from __future__ import annotations

from typing import FrozenSet, NamedTuple, Tuple

GET_STARTED_PAYLOAD = "/get_started"


class MenuItem(NamedTuple):
    title: str  # English, the page's default
    payload: str
    title_fr: str  # shown to customers whose Facebook is in French


# The persistent menu, in order.
MENU_ITEMS: Tuple[MenuItem, ...] = (
    MenuItem("Balance", "/check_balance", "Mon solde"),
    MenuItem("Cards", "/card_menu", "Mes cartes"),
    MenuItem("Loans", "/loan_inquiry", "Crédits"),
    MenuItem("Talk to an advisor", "/human_handoff", "Parler à un conseiller"),
)

ENTRY_PAYLOADS: FrozenSet[str] = frozenset({GET_STARTED_PAYLOAD, *(item.payload for item in MENU_ITEMS)})
