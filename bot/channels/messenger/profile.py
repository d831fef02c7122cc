"""The page's Messenger profile: Get Started button, greeting, persistent menu.

Set once per page with `python -m bot messenger setup` (the Messenger Profile
API, `POST {graph}/me/messenger_profile`). The Get Started payload and the menu are
the branch's entry points (bot/channels/entry_points.py), which every channel
accepts as taps at any time.
"""
from __future__ import annotations

from typing import Any, Dict, List, Sequence, Tuple

from bot.channels.entry_points import GET_STARTED_PAYLOAD, MENU_ITEMS, OTHER_LANGUAGE
from bot.channels.messenger.graph_api import GraphApi, GraphResult

# Shown on the welcome screen before the first message (at most 160 characters), per Facebook locale:
# "default" (English) for everyone, French for customers whose Facebook is in French.
GREETING_TEXT = (
    "Welcome to your bank's Facebook branch: balances, spending, cards, loans and an advisor, right here. "
    "We never ask for your card number or passwords."
)
GREETING_TEXT_FR = (
    "Bienvenue dans votre agence Facebook : soldes, dépenses, cartes, crédits et un conseiller. "
    "Nous ne demandons jamais votre numéro de carte ni vos mots de passe."
)
FRENCH_LOCALES: Tuple[str, ...] = ("fr_FR", "fr_CA", "fr_BE", "fr_CH")

# The webhook fields the page's app subscribes to (POST /me/subscribed_apps): what the channel handles.
SUBSCRIBED_FIELDS: Tuple[str, ...] = (
    "messages", "messaging_postbacks", "message_reactions", "messaging_handovers", "standby",
    "messaging_feedback", "feed",
)
SUBSCRIPTION_PATH = "me/subscribed_apps"

PROFILE_FIELDS: Tuple[str, ...] = ("get_started", "greeting", "persistent_menu")
PROFILE_PATH = "me/messenger_profile"


def profile_body() -> Dict[str, Any]:
    """The Messenger Profile API body that sets the Get Started button, the greeting and the menu."""
    return {
        "get_started": {"payload": GET_STARTED_PAYLOAD},
        "greeting": [{"locale": "default", "text": GREETING_TEXT}]
        + [{"locale": locale, "text": GREETING_TEXT_FR} for locale in FRENCH_LOCALES],
        # Each menu ends with the other language ("Français" in English, "English" in French).
        "persistent_menu": [_menu("default", [(i.title, i.payload) for i in (*MENU_ITEMS, OTHER_LANGUAGE["en"])])]
        + [_menu(locale, [(i.title_fr, i.payload) for i in (*MENU_ITEMS, OTHER_LANGUAGE["fr"])])
           for locale in FRENCH_LOCALES],
    }


def _menu(locale: str, items: Sequence[Tuple[str, str]]) -> Dict[str, Any]:
    return {
        "locale": locale,
        "composer_input_disabled": False,  # customers can always type
        "call_to_actions": [{"type": "postback", "title": title, "payload": payload} for title, payload in items],
    }


async def subscribe_webhooks(graph: GraphApi) -> GraphResult:
    """Subscribes the page's app to `SUBSCRIBED_FIELDS`."""
    return await graph.post(SUBSCRIPTION_PATH, {"subscribed_fields": ",".join(SUBSCRIBED_FIELDS)})


async def set_profile(graph: GraphApi) -> GraphResult:
    """Sets `profile_body()` on the page."""
    return await graph.post(PROFILE_PATH, profile_body())


async def get_profile(graph: GraphApi, fields: Sequence[str] = PROFILE_FIELDS) -> GraphResult:
    """Reads the page's profile; `result.body["data"]` is a list with (at most) one object of the fields set."""
    return await graph.get(PROFILE_PATH, {"fields": ",".join(fields)})


def describe_profile(profile: Dict[str, Any]) -> List[str]:
    """Lines that tell a person what a profile sets (one object of Meta's `data` list, or `profile_body()`)."""
    lines: List[str] = []
    get_started = profile.get("get_started")
    if isinstance(get_started, dict):
        lines.append(f"Get Started button  payload {get_started.get('payload')!r}")
    for greeting in profile.get("greeting") or []:
        lines.append(f"Greeting ({greeting.get('locale')})  {greeting.get('text')}")
    for menu in profile.get("persistent_menu") or []:
        composer = "typing disabled" if menu.get("composer_input_disabled") else "typing enabled"
        lines.append(f"Persistent menu ({menu.get('locale')}, {composer})")
        for action in menu.get("call_to_actions") or []:
            target = action.get("payload") if action.get("type") == "postback" else action.get("url")
            lines.append(f"  {action.get('title')}  ->  {target}")
    return lines or ["(nothing set)"]
