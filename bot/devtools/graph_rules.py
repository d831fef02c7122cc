"""Meta's rules for what the Graph API accepts, as the stand-in (graph_standin.py) checks them.

Written from Meta's documentation on their own, never imported from the code under test
(bot/channels/messenger/payloads.py): the stand-in checks our code, not itself.
"""
from __future__ import annotations

import re
import time
from datetime import timedelta
from typing import Any, Dict, List, Optional

MESSAGING_TYPES = {"RESPONSE", "UPDATE", "MESSAGE_TAG"}
# The one message tag left: a person's reply up to 7 days after the customer's last message.
MESSAGE_TAGS = {"HUMAN_AGENT"}
# Tags Meta retired on 2026-04-27: a message with one fails with error 100.
RETIRED_TAGS = {"ACCOUNT_UPDATE", "CONFIRMED_EVENT_UPDATE", "POST_PURCHASE_UPDATE"}
SENDER_ACTIONS = {"typing_on", "typing_off", "mark_seen"}
MAX_TEXT = 2000  # Meta's documented limit, written here on its own: the stand-in checks our code, not itself
MAX_QUICK_REPLIES = 13
MAX_QUICK_REPLY_TITLE = 20

# The customer feedback template (Meta's "Customer Feedback Template", in development at Meta): one screen with
# one scored question, the business's privacy policy, an expiry of 1 to 7 days. The score types and options
# are Meta's; the lengths are our reading of its page.
FEEDBACK_TYPES = {"csat": ("one_to_five", "five_stars", "five_emojis"), "nps": ("zero_to_ten",),
                  "ces": ("one_to_seven",)}
FEEDBACK_SCORES = {"csat": range(1, 6), "nps": range(0, 11), "ces": range(1, 8)}
FEEDBACK_LABELS = ("neg_pos", "pos_neg")
MAX_FEEDBACK_TITLE = 65
MAX_FEEDBACK_SUBTITLE = 80
MAX_FEEDBACK_BUTTON = 20
# What the stand-in answers when the page may not send the template (POST /_standin/page {"feedback_template": false}).
FEEDBACK_TEMPLATE_UNAVAILABLE = (100, "(#100) The customer feedback template is not available for this Page")
_FEEDBACK_ID = re.compile(r"^\w{1,80}$", re.ASCII)

STANDARD_WINDOW = timedelta(hours=24)
HUMAN_AGENT_WINDOW = timedelta(days=7)

# Messenger Profile API
PROFILE_PROPERTIES = {
    "get_started", "greeting", "ice_breakers", "persistent_menu", "whitelisted_domains",
    "account_linking_url", "commands", "title", "description",
}
MAX_GREETING_TEXT = 160
MAX_MENU_ITEMS = 20
MAX_MENU_TITLE = 30
MAX_PAYLOAD = 1000
MENU_BUTTON_TYPES = {"postback", "web_url"}

# Graph API versions. Meta serves each for about two years (v21.0 until 2027-01-21, v25.0 until 2028-07-29).
# The stand-in refuses every version before OLDEST_SERVED_VERSION, with Graph error 12 (deprecated), so code
# that drifts back to an expiring version fails its tests. (Meta itself, as documented, answers a call to an
# expired version as the oldest version it still serves: a silent change, which is why the stand-in refuses.)
OLDEST_SERVED_VERSION = (24, 0)
DEPRECATED_VERSION_CODE = 12
_GRAPH_VERSION = re.compile(r"^v(\d+)\.(\d+)$")

MAX_HANDOVER_METADATA = 1000
DEFAULT_APP_ID = "1000000000000001"  # the app the page token belongs to: the bot
PAGE_INBOX_APP_ID = "263902037430900"  # Meta's Page Inbox (the Meta Business Suite's inbox)
THREAD_CONTROL_EDGES = ("pass_thread_control", "take_thread_control", "request_thread_control",
                        "release_thread_control")
# What Meta answers when the page's Conversation Routing does not let the app use the thread-control endpoints.
# (The message is Meta's; the code is our guess, and our code goes by the message.)
HANDOVER_APIS_DISABLED = (10, "(#10) Handover Protocol APIs disabled for this app on this Page")
# Private replies to a page comment (Send API, `recipient: {"comment_id": ...}`): one per comment, within
# 7 days of the comment. Meta's documentation states the rule but not the error of a second reply; developers
# report "(#10900) Activity already replied to" from the legacy private_replies edge. The stand-in answers
# Graph error 10 (permission: permanent, never retried) with that message; our code goes by neither.
PRIVATE_REPLY_WINDOW = timedelta(days=7)
ALREADY_REPLIED = (10, "(#10) Activity already replied to: a comment may get one private reply only")
PRIVATE_REPLY_TOO_LATE = (10, 2018278, "(#10) This message is sent outside of allowed window.")
MAX_COMMENT_TEXT = 8000
# What the Send API answers while Meta restricts the page from sending messages.
PAGE_RESTRICTED = (10, 1893063, "(#10) This Page is restricted from sending messages.")
_APP_ID = re.compile(r"^\d{1,20}$")


def request_problem(body: Any) -> Optional[str]:
    """What Meta would object to in a Send API request body, or None."""
    if not isinstance(body, dict):
        return "The request body must be an object"
    recipient = body.get("recipient")
    if isinstance(recipient, dict) and "comment_id" in recipient:
        return _private_reply_problem(body)
    if not isinstance(recipient, dict) or not recipient.get("id"):
        return "param recipient[id] must be non-empty"
    has_message, has_action = "message" in body, "sender_action" in body
    if has_message == has_action:
        return "Exactly one of message and sender_action must be given"
    if has_action:
        return None if body["sender_action"] in SENDER_ACTIONS else "param sender_action is not valid"
    if body.get("messaging_type") not in MESSAGING_TYPES:
        return "param messaging_type must be one of RESPONSE, UPDATE, MESSAGE_TAG"
    if body["messaging_type"] == "MESSAGE_TAG" and body.get("tag") in RETIRED_TAGS:
        return (f"The message tag {body['tag']} is no longer supported (retired on 2026-04-27): "
                "param tag must be HUMAN_AGENT with messaging_type MESSAGE_TAG")
    if body["messaging_type"] == "MESSAGE_TAG" and body.get("tag") not in MESSAGE_TAGS:
        return "param tag must be one of " + ", ".join(sorted(MESSAGE_TAGS)) + " with messaging_type MESSAGE_TAG"
    if body["messaging_type"] != "MESSAGE_TAG" and "tag" in body:
        return "param tag is only allowed with messaging_type MESSAGE_TAG"
    message = body["message"]
    problem = _text_or_attachment_problem(message)
    if problem:
        return problem
    template = template_of(message)
    if template.get("template_type") == "customer_feedback":
        problem = feedback_template_problem(template)
        if problem:
            return problem
    quick_replies = message.get("quick_replies")
    if quick_replies is not None:
        if not isinstance(quick_replies, list) or not 0 < len(quick_replies) <= MAX_QUICK_REPLIES:
            return f"param message[quick_replies] must have 1 to {MAX_QUICK_REPLIES} elements"
        for reply in quick_replies:
            if reply.get("content_type") == "text" and not 0 < len(reply.get("title", "")) <= MAX_QUICK_REPLY_TITLE:
                return f"quick reply titles must have 1 to {MAX_QUICK_REPLY_TITLE} characters"
    return None


def _private_reply_problem(body: Dict[str, Any]) -> Optional[str]:
    """A private reply to a comment: one recipient key, a message (no sender action), a text or attachment."""
    recipient = body["recipient"]
    if len(recipient) != 1 or not isinstance(recipient.get("comment_id"), str) or not recipient["comment_id"]:
        return "param recipient must have exactly one of id, user_ref, comment_id, post_id"
    if "sender_action" in body or "message" not in body:
        return "A private reply must be a message (sender actions need a PSID)"
    if body.get("messaging_type", "RESPONSE") != "RESPONSE" or "tag" in body:
        return "param messaging_type must be RESPONSE for a private reply"
    return _text_or_attachment_problem(body["message"])


def _text_or_attachment_problem(message: Any) -> Optional[str]:
    """What every message body needs: exactly one of a text (1 to MAX_TEXT characters) and an attachment."""
    if not isinstance(message, dict) or ("text" in message) == ("attachment" in message):
        return "param message must have exactly one of text and attachment"
    text = message.get("text")
    if text is not None and (not isinstance(text, str) or not text or len(text) > MAX_TEXT):
        return f"param message[text] must be a non-empty UTF-8 string of at most {MAX_TEXT} characters"
    return None


def comment_problem(body: Any) -> Optional[str]:
    """What Meta would object to in `POST /{comment-id}/comments` (the page replying in public), or None."""
    if not isinstance(body, dict):
        return "The request body must be an object"
    message = body.get("message")
    if not isinstance(message, str) or not message.strip() or len(message) > MAX_COMMENT_TEXT:
        return f"param message must be a non-empty string of at most {MAX_COMMENT_TEXT} characters"
    return None


def comment_of(body: Any) -> Optional[str]:
    """The comment a Send API request answers privately (`recipient.comment_id`), or None."""
    recipient = body.get("recipient") if isinstance(body, dict) else None
    if isinstance(recipient, dict) and recipient.get("comment_id"):
        return str(recipient["comment_id"])
    return None


def template_of(message: Any) -> Dict[str, Any]:
    """The payload of a message's template attachment ({} when it has none)."""
    attachment = message.get("attachment") if isinstance(message, dict) else None
    if not isinstance(attachment, dict) or attachment.get("type") != "template":
        return {}
    payload = attachment.get("payload")
    return payload if isinstance(payload, dict) else {}


def feedback_template_problem(payload: Dict[str, Any]) -> Optional[str]:
    """What Meta would object to in a `customer_feedback` template payload, or None."""
    if not _short_text(payload.get("title"), MAX_FEEDBACK_TITLE):
        return f"param title must be a non-empty string of at most {MAX_FEEDBACK_TITLE} characters"
    if "subtitle" in payload and not _short_text(payload["subtitle"], MAX_FEEDBACK_SUBTITLE):
        return f"param subtitle must be a non-empty string of at most {MAX_FEEDBACK_SUBTITLE} characters"
    if not _short_text(payload.get("button_title"), MAX_FEEDBACK_BUTTON):
        return f"param button_title must be a non-empty string of at most {MAX_FEEDBACK_BUTTON} characters"
    privacy = payload.get("business_privacy")
    if not isinstance(privacy, dict) or not re.match(r"^https?://\S+$", str(privacy.get("url", ""))):
        return "param business_privacy[url] must be a valid URL"
    days = payload.get("expires_in_days", 1)
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 7:
        return "param expires_in_days must be between 1 and 7"
    screens = payload.get("feedback_screens")
    if not isinstance(screens, list) or len(screens) != 1 or not isinstance(screens[0], dict):
        return "param feedback_screens must have exactly one screen"
    questions = screens[0].get("questions")
    if not isinstance(questions, list) or len(questions) != 1 or not isinstance(questions[0], dict):
        return "param feedback_screens[0][questions] must have exactly one question"
    question = questions[0]
    if not _FEEDBACK_ID.match(str(question.get("id", ""))) or not isinstance(question.get("id"), str):
        return "param questions[0][id] must be 1 to 80 letters, digits or underscores"
    kind = question.get("type")
    if kind not in FEEDBACK_TYPES:
        return "param questions[0][type] must be one of csat, nps, ces"
    if "score_option" in question and question["score_option"] not in FEEDBACK_TYPES[kind]:
        return f"param questions[0][score_option] must be one of {', '.join(FEEDBACK_TYPES[kind])} for {kind}"
    if "score_label" in question and question["score_label"] not in FEEDBACK_LABELS:
        return "param questions[0][score_label] must be neg_pos or pos_neg"
    if "title" in question and not _short_text(question["title"], MAX_FEEDBACK_TITLE):
        return f"param questions[0][title] must be a non-empty string of at most {MAX_FEEDBACK_TITLE} characters"
    follow_up = question.get("follow_up")
    if follow_up is not None and (not isinstance(follow_up, dict) or follow_up.get("type") != "free_form"):
        return "param questions[0][follow_up][type] must be free_form"
    return None


def feedback_notification(psid: str, page_id: str, question_id: str, score: int, comment: str = "",
                          kind: str = "csat") -> Dict[str, Any]:
    """The webhook batch (field `messaging_feedback`) Meta posts when the customer submits the template."""
    answer: Dict[str, Any] = {"type": kind, "payload": str(score)}
    if comment:
        answer["follow_up"] = {"type": "free_form", "payload": comment}
    event = {"sender": {"id": psid}, "recipient": {"id": page_id}, "timestamp": int(time.time() * 1000),
             "messaging_feedback": {"feedback_screens": [{"screen_id": 0, "questions": {question_id: answer}}]}}
    return {"object": "page", "entry": [{"id": page_id, "time": event["timestamp"], "messaging": [event]}]}


def version_problem(version: str) -> "Optional[tuple[int, str]]":
    """(Graph error code, message) when the stand-in does not serve `version` (e.g. "v21.0"), else None."""
    match = _GRAPH_VERSION.match(version)
    if not match:
        return 2500, f"Unknown path components: /{version}"
    if (int(match.group(1)), int(match.group(2))) < OLDEST_SERVED_VERSION:
        oldest = "v{}.{}".format(*OLDEST_SERVED_VERSION)
        return DEPRECATED_VERSION_CODE, (f"(#12) Graph API {version} is deprecated and no longer available: "
                                         f"call {oldest} or later")
    return None


def profile_problem(body: Any, current: Optional[Dict[str, Any]] = None) -> Optional[str]:
    """What Meta would object to in a Messenger Profile API POST body, or None.

    `current` is the profile already set (a persistent menu needs a Get Started
    button, set before or in the same request).
    """
    if not isinstance(body, dict) or not body:
        return "Requires one of the params: " + ", ".join(sorted(PROFILE_PROPERTIES))
    for name in body:
        if name not in PROFILE_PROPERTIES:
            return f"param {name} is not a Messenger profile property"
    if "get_started" in body:
        get_started = body["get_started"]
        if not isinstance(get_started, dict) or not _short_text(get_started.get("payload"), MAX_PAYLOAD):
            return f"param get_started[payload] must be a non-empty string of at most {MAX_PAYLOAD} characters"
    if "greeting" in body:
        problem = _greeting_problem(body["greeting"])
        if problem:
            return problem
    if "persistent_menu" in body:
        if "get_started" not in body and "get_started" not in (current or {}):
            return "You must set a Get Started button if you also wish to use persistent menu."
        problem = _menu_problem(body["persistent_menu"])
        if problem:
            return problem
    return None


def thread_control_problem(edge: str, body: Any) -> Optional[str]:
    """What Meta would object to in a pass/take/request_thread_control body, or None."""
    if not isinstance(body, dict):
        return "The request body must be an object"
    if recipient_of(body) is None:
        return "param recipient[id] must be non-empty"
    if edge == "pass_thread_control":
        target = body.get("target_app_id")
        if isinstance(target, bool) or not _APP_ID.match(str(target if target is not None else "")):
            return "param target_app_id must be a valid app id"
    metadata = body.get("metadata")
    if metadata is not None and (not isinstance(metadata, str) or len(metadata) > MAX_HANDOVER_METADATA):
        return f"param metadata must be a string of at most {MAX_HANDOVER_METADATA} characters"
    return None


def handover_notification(
    field_name: str, psid: str, page_id: str, previous_owner: Optional[str], new_owner: Optional[str],
    metadata: str = "",
) -> Dict[str, Any]:
    """The webhook batch (field `messaging_handovers`) Meta posts when a conversation changes hands.

    `pass_thread_control` goes to the app receiving the thread, `take_thread_control` to the app it was
    taken from; `release_thread_control` (the thread back to the page's routing) is shaped the same way.
    """
    details: Dict[str, Any] = {}
    if previous_owner is not None:
        details["previous_owner_app_id"] = previous_owner
    if new_owner is not None:
        details["new_owner_app_id"] = new_owner
    if metadata:
        details["metadata"] = metadata
    event = {"sender": {"id": psid}, "recipient": {"id": page_id}, "timestamp": int(time.time() * 1000),
             field_name: details}
    return {"object": "page", "entry": [{"id": page_id, "time": event["timestamp"], "messaging": [event]}]}


def visible_text(body: Dict[str, Any]) -> str:
    """The text a customer sees in a Send API message body (template text included)."""
    message = body.get("message") or {}
    if "text" in message:
        return message["text"]
    payload = (message.get("attachment") or {}).get("payload") or {}
    if payload.get("template_type") == "button":
        return payload.get("text", "")
    if payload.get("template_type") == "customer_feedback":
        return payload.get("title", "")
    if payload.get("template_type") == "generic":
        return "\n".join(f"{e.get('title', '')} {e.get('subtitle', '')}".strip() for e in payload.get("elements", []))
    return ""


def _greeting_problem(greeting: Any) -> Optional[str]:
    if not isinstance(greeting, list) or not greeting:
        return "param greeting must be a non-empty array"
    locales = []
    for item in greeting:
        if not isinstance(item, dict) or not isinstance(item.get("locale"), str):
            return "param greeting[locale] must be a locale"
        if not _short_text(item.get("text"), MAX_GREETING_TEXT):
            return f"param greeting[text] must be a non-empty string of at most {MAX_GREETING_TEXT} characters"
        locales.append(item["locale"])
    if "default" not in locales:
        return "param greeting must have a greeting for the default locale"
    if len(set(locales)) != len(locales):
        return "param greeting must have one greeting per locale"
    return None


def _menu_problem(menus: Any) -> Optional[str]:
    if not isinstance(menus, list) or not menus:
        return "param persistent_menu must be a non-empty array"
    locales = []
    for menu in menus:
        if not isinstance(menu, dict) or not isinstance(menu.get("locale"), str):
            return "param persistent_menu[locale] must be a locale"
        locales.append(menu["locale"])
        if not isinstance(menu.get("composer_input_disabled", False), bool):
            return "param persistent_menu[composer_input_disabled] must be a boolean"
        actions = menu.get("call_to_actions")
        if not isinstance(actions, list) or not 0 < len(actions) <= MAX_MENU_ITEMS:
            return f"param persistent_menu[call_to_actions] must have 1 to {MAX_MENU_ITEMS} elements"
        for action in actions:
            problem = _menu_item_problem(action)
            if problem:
                return problem
    if "default" not in locales:
        return "param persistent_menu must have a menu for the default locale"
    if len(set(locales)) != len(locales):
        return "param persistent_menu must have one menu per locale"
    return None


def _menu_item_problem(action: Any) -> Optional[str]:
    if not isinstance(action, dict):
        return "param call_to_actions must be an array of objects"
    if action.get("type") == "nested":
        return "Nested persistent menus are no longer supported"
    if action.get("type") not in MENU_BUTTON_TYPES:
        return "param call_to_actions[type] must be one of " + ", ".join(sorted(MENU_BUTTON_TYPES))
    if not _short_text(action.get("title"), MAX_MENU_TITLE):
        return f"param call_to_actions[title] must be a non-empty string of at most {MAX_MENU_TITLE} characters"
    if action["type"] == "postback" and not _short_text(action.get("payload"), MAX_PAYLOAD):
        return f"param call_to_actions[payload] must be a non-empty string of at most {MAX_PAYLOAD} characters"
    if action["type"] == "web_url" and not re.match(r"^https?://\S+$", str(action.get("url", ""))):
        return "param call_to_actions[url] must be an http(s) URL"
    return None


def profile_fields(raw: List[Any]) -> "tuple[List[str], Optional[str]]":
    fields = [str(name).strip() for name in raw if str(name).strip()]
    if not fields:
        return [], "The parameter fields is required"
    for name in fields:
        if name not in PROFILE_PROPERTIES:
            return [], "param fields must be one of " + ", ".join(sorted(PROFILE_PROPERTIES))
    return fields, None


def _short_text(value: Any, limit: int) -> bool:
    return isinstance(value, str) and 0 < len(value) <= limit


def recipient_of(body: Any) -> Optional[str]:
    recipient = body.get("recipient") if isinstance(body, dict) else None
    if isinstance(recipient, dict) and recipient.get("id"):
        return str(recipient["id"])
    return None


def optional_int(value: Any) -> Optional[int]:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("codes must be whole numbers")
    return value


# --- the Send API with a file (multipart form; Meta: "Send API > attachment upload", "saving assets") ---
UPLOAD_TYPES = frozenset({"image", "audio", "video", "file"})
MAX_UPLOAD_BYTES = 25 * 1024 * 1024  # "up to 25MB"
UPLOAD_CONTENT_TYPES = {"image": "image/", "audio": "audio/", "video": "video/"}


def upload_problem(message: Any, content_type: Optional[str], size: int) -> Optional[str]:
    """What Meta would object to in a message sent with its file (`filedata`), or None: an attachment of a type
    that takes a file, whose payload names no URL (the file is the asset), a file that is not empty, at most
    25 MB, of a content type of that attachment type."""
    attachment = message.get("attachment") if isinstance(message, dict) else None
    if not isinstance(attachment, dict) or attachment.get("type") not in UPLOAD_TYPES:
        return "param message[attachment][type] must be one of audio, file, image, video with filedata"
    payload = attachment.get("payload")
    if not isinstance(payload, dict) or "url" in payload or "attachment_id" in payload:
        return "param message[attachment][payload] must not name a url or attachment_id with filedata"
    if size <= 0:
        return "param filedata must be a non-empty file"
    if size > MAX_UPLOAD_BYTES:
        return "param filedata is larger than 25MB"
    prefix = UPLOAD_CONTENT_TYPES.get(attachment["type"])
    if prefix and not (content_type or "").startswith(prefix):
        return f"param filedata must have a Content-Type of type {prefix.rstrip('/')}"
    return None
