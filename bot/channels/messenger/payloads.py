"""Rasa responses as Messenger messages, always within Messenger's limits.

Each builder takes what Rasa gives (text, buttons, quick replies, elements) and
returns the list of Send API `message` objects to send, in order. Nothing is
silently dropped: what does not fit one message goes into the next.

- text: at most 2,000 characters a message; longer text is split at a paragraph,
  sentence or line end, else between words, else anywhere (never inside an emoji
  or an accented letter), and no character is lost.
- quick replies: at most 13 a message, titles of at most 20 characters, payloads
  of at most 1,000; they go on the last chunk of a long text. More than 13, or a
  URL among them, become button templates (quick replies vanish when the next
  message arrives, so splitting them over several messages would lose choices).
- button template: text of at most 640 characters, at most 3 buttons with titles
  of at most 20 characters. Longer text goes first as text messages; more
  buttons become quick replies (all postbacks, at most 13) or several templates.
- generic template (carousel): at most 10 elements a message, titles and
  subtitles of at most 80 characters, at most 3 buttons an element (more make a
  second element with the same title).

Lengths are counted in UTF-16 code units (an emoji outside the basic plane
counts 2), the strictest way Meta may count "characters".

`message_problems` checks a message against all these limits; tests run every
message the channel sends through it.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

from bot.channels.limits import MAX_TEXT
from bot.channels.messenger.text_fitting import ELLIPSIS, length, shorten, split_text  # noqa: F401  (this module's API)
from bot.channels.typed_text import as_typed_text

logger = logging.getLogger(__name__)

MAX_QUICK_REPLIES = 13
MAX_QUICK_REPLY_TITLE = 20
MAX_TEMPLATE_BUTTONS = 3
MAX_BUTTON_TEMPLATE_TEXT = 640
MAX_BUTTON_TITLE = 20
MAX_GENERIC_ELEMENTS = 10
MAX_ELEMENT_TITLE = 80
MAX_ELEMENT_SUBTITLE = 80
MAX_ELEMENT_BUTTONS = 3
MAX_PAYLOAD = 1000

# The text of a button template or quick-reply message when the response had none,
# and of the templates that carry the buttons past the first three.
CHOOSE_TEXT = "Please choose:"
MORE_CHOICES_TEXT = "More choices:"
DEFAULT_URL_TITLE = "Open"

# Meta's customer feedback template (the CSAT survey after a handoff, bot/handoff/csat.py). Meta documents
# the score types and options; the lengths are our reading of its page and may be stricter than Meta.
MAX_FEEDBACK_TITLE = 65
MAX_FEEDBACK_SUBTITLE = 80
MAX_FEEDBACK_BUTTON_TITLE = 20
MAX_FEEDBACK_QUESTION_ID = 80
MAX_FEEDBACK_PLACEHOLDER = 80
FEEDBACK_SCORE_OPTIONS = {"csat": {"one_to_five", "five_stars", "five_emojis"}, "nps": {"zero_to_ten"},
                          "ces": {"one_to_seven"}}
FEEDBACK_SCORE_LABELS = frozenset({"neg_pos", "pos_neg"})
_FEEDBACK_QUESTION_ID = re.compile(r"^[A-Za-z0-9_]+$")

MEDIA_TYPES = frozenset({"image", "audio", "video", "file"})
BUTTON_TYPES = frozenset({"postback", "web_url", "phone_number"})
QUICK_REPLY_TYPES = frozenset({"text", "user_phone_number", "user_email"})

Payload = Dict[str, Any]


# --- builders -----------------------------------------------------------------------------------

def text(body: str) -> Payload:
    """One text message; `body` must already fit (see `text_messages`)."""
    return {"text": body}


def image(url: str) -> Payload:
    return {"attachment": {"type": "image", "payload": {"url": url, "is_reusable": True}}}


def text_messages(body: Optional[str]) -> List[Payload]:
    """`body` as text messages of at most 2,000 characters; none when it is blank."""
    return [text(chunk) for chunk in split_text(body or "")]


def quick_reply_messages(body: Optional[str], replies: Iterable[Mapping[str, Any]]) -> List[Payload]:
    """Rasa quick replies: Messenger quick replies on the last chunk of `body`, when they fit."""
    choices = _choices(replies)
    if not choices:
        return text_messages(body)
    if len(choices) > MAX_QUICK_REPLIES or any(c.kind != "postback" for c in choices):
        return _button_templates(body, choices)
    return _with_quick_replies(body, choices)


def button_messages(body: Optional[str], buttons: Iterable[Mapping[str, Any]]) -> List[Payload]:
    """Rasa buttons: a button template; quick replies when there are 4 to 13 postbacks; else more templates."""
    choices = _choices(buttons)
    if not choices:
        return text_messages(body)
    fits_quick_replies = len(choices) <= MAX_QUICK_REPLIES and all(c.kind == "postback" for c in choices)
    if len(choices) > MAX_TEMPLATE_BUTTONS and fits_quick_replies:
        return _with_quick_replies(body, choices)
    return _button_templates(body, choices)


def carousel_messages(elements: Iterable[Mapping[str, Any]]) -> List[Payload]:
    """Rasa elements as generic templates of at most 10 elements each."""
    cards = [card for element in elements for card in _cards(element)]
    return [
        _generic_template(cards[start:start + MAX_GENERIC_ELEMENTS])
        for start in range(0, len(cards), MAX_GENERIC_ELEMENTS)
    ]


def offered_payloads(message: Mapping[str, Any]) -> List[str]:
    """The payloads a customer can send back by tapping something in `message`."""
    found = [
        str(reply["payload"]) for reply in message.get("quick_replies") or []
        if isinstance(reply, Mapping) and reply.get("content_type") == "text" and reply.get("payload")
    ]
    template = _template_payload(message)
    buttons: List[Any] = list(template.get("buttons") or [])
    for element in template.get("elements") or []:
        if isinstance(element, Mapping):
            buttons += element.get("buttons") or []
    found += [
        str(button["payload"]) for button in buttons
        if isinstance(button, Mapping) and button.get("type") == "postback" and button.get("payload")
    ]
    return found


# --- text -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Choice:
    kind: str  # postback, web_url or phone_number
    title: str
    payload: str = ""
    url: str = ""


def _choices(raw_choices: Any) -> List[_Choice]:
    if not isinstance(raw_choices, (list, tuple)):
        if raw_choices:
            logger.warning("Buttons that are not a list were left out of a Messenger message")
        return []
    choices = []
    for raw in raw_choices:
        choice = _choice(raw)
        if choice is None:
            logger.warning("A button without a usable title, payload or URL was left out of a Messenger message")
        else:
            choices.append(choice)
    return choices


def _choice(raw: Any) -> Optional[_Choice]:
    if not isinstance(raw, Mapping):
        return None
    title = str(raw.get("title") or "").strip()
    kind = str(raw.get("type") or "")
    if raw.get("url") or kind == "web_url":
        url = str(raw.get("url") or raw.get("payload") or "").strip()
        return _Choice("web_url", title or DEFAULT_URL_TITLE, url=url) if _is_web_url(url) else None
    payload = "" if raw.get("payload") is None else str(raw["payload"])
    if kind == "phone_number":
        return _Choice("phone_number", title or payload, payload=payload) if payload.startswith("+") else None
    title = title or payload.strip()
    payload = payload if payload.strip() else title
    if not payload:
        return None
    if length(payload) > MAX_PAYLOAD:
        # Cannot be cut (it is a command); tapping the button reads as typing its title instead.
        logger.warning("A button payload longer than %s characters was replaced by its title", MAX_PAYLOAD)
        payload = shorten(as_typed_text(title), MAX_PAYLOAD)
        if not payload:
            return None
    return _Choice("postback", title, payload=payload)


def _with_quick_replies(body: Optional[str], choices: Sequence[_Choice]) -> List[Payload]:
    chunks = split_text(body or "") or [CHOOSE_TEXT]
    messages = [text(chunk) for chunk in chunks[:-1]]
    messages.append({"text": chunks[-1], "quick_replies": [_quick_reply(c) for c in choices]})
    return messages


def _button_templates(body: Optional[str], choices: Sequence[_Choice]) -> List[Payload]:
    """Text that does not fit a template first, then templates of 3 buttons."""
    lead, template_text = _split_tail(body or "", MAX_BUTTON_TEMPLATE_TEXT)
    messages = text_messages(lead)
    for start in range(0, len(choices), MAX_TEMPLATE_BUTTONS):
        group = choices[start:start + MAX_TEMPLATE_BUTTONS]
        body_text = (template_text or CHOOSE_TEXT) if start == 0 else MORE_CHOICES_TEXT
        messages.append(_button_template(body_text, [_button(c) for c in group]))
    return messages


def _split_tail(body: str, limit: int) -> Tuple[str, str]:
    """(head, tail) of `body` with the tail at most `limit` long, cut where a reader would pause."""
    stripped = body.strip()
    if length(stripped) <= limit:
        return "", stripped
    tail = split_text(stripped, limit)[-1]
    return stripped[:len(stripped) - len(tail)].rstrip(), tail


def _button_template(body: str, buttons: List[Payload]) -> Payload:
    return {
        "attachment": {
            "type": "template",
            "payload": {"template_type": "button", "text": body, "buttons": buttons},
        }
    }


def _button(choice: _Choice) -> Payload:
    title = shorten(choice.title, MAX_BUTTON_TITLE)
    if choice.kind == "web_url":
        return {"type": "web_url", "url": choice.url, "title": title}
    return {"type": choice.kind, "title": title, "payload": choice.payload}


def _quick_reply(choice: _Choice) -> Payload:
    return {"content_type": "text", "title": shorten(choice.title, MAX_QUICK_REPLY_TITLE), "payload": choice.payload}


def _is_web_url(value: str) -> bool:
    return value.startswith(("https://", "http://")) and len(value) > len("https://")


# --- generic template ---------------------------------------------------------------------------

def _cards(element: Any) -> List[Payload]:
    """One Rasa element as generic-template elements (more than one when it has more than 3 buttons)."""
    if not isinstance(element, Mapping):
        logger.warning("A carousel element that is not an object was left out of a Messenger message")
        return []
    title = str(element.get("title") or "").strip()
    subtitle = str(element.get("subtitle") or "").strip()
    if not title:
        title, subtitle = subtitle or ELLIPSIS, ""
    card: Payload = {"title": shorten(title, MAX_ELEMENT_TITLE)}
    if subtitle:
        card["subtitle"] = shorten(subtitle, MAX_ELEMENT_SUBTITLE)
    image_url = str(element.get("image_url") or "")
    if _is_web_url(image_url):
        card["image_url"] = image_url
    default_action = element.get("default_action")
    if isinstance(default_action, Mapping) and _is_web_url(str(default_action.get("url") or "")):
        card["default_action"] = {"type": "web_url", "url": str(default_action["url"])}
    buttons = [_button(c) for c in _choices(element.get("buttons") or [])]
    if not buttons:
        return [card]
    return [
        {**card, "buttons": buttons[start:start + MAX_ELEMENT_BUTTONS]}
        for start in range(0, len(buttons), MAX_ELEMENT_BUTTONS)
    ]


def _generic_template(cards: List[Payload]) -> Payload:
    return {"attachment": {"type": "template", "payload": {"template_type": "generic", "elements": cards}}}


def _template_payload(message: Mapping[str, Any]) -> Mapping[str, Any]:
    attachment = message.get("attachment")
    if not isinstance(attachment, Mapping) or attachment.get("type") != "template":
        return {}
    payload = attachment.get("payload")
    return payload if isinstance(payload, Mapping) else {}


# --- the validator ----------------------------------------------------------------------------------

def message_problem(message: Any) -> Optional[str]:
    """The first thing Messenger would refuse in `message`, or None."""
    problems = message_problems(message)
    return problems[0] if problems else None


def message_problems(message: Any) -> List[str]:
    """Everything in a Send API `message` object that breaks Messenger's limits (empty when none)."""
    if not isinstance(message, Mapping):
        return ["the message must be an object"]
    problems: List[str] = []
    if ("text" in message) == ("attachment" in message):
        problems.append("the message must have exactly one of text and attachment")
    if "text" in message:
        _check_text(message["text"], "text", MAX_TEXT, problems)
    if "attachment" in message:
        _check_attachment(message["attachment"], problems)
    if "quick_replies" in message:
        _check_quick_replies(message["quick_replies"], problems)
    return problems


def _check_text(value: Any, where: str, limit: int, problems: List[str]) -> None:
    if not isinstance(value, str) or not value.strip():
        problems.append(f"{where} must be non-empty text")
    elif length(value) > limit:
        problems.append(f"{where} has {length(value)} characters, more than {limit}")


def _check_count(value: Any, where: str, limit: int, problems: List[str]) -> List[Any]:
    if not isinstance(value, list) or not 0 < len(value) <= limit:
        problems.append(f"{where} must be a list of 1 to {limit} items")
        return value if isinstance(value, list) else []
    return value


def _check_quick_replies(value: Any, problems: List[str]) -> None:
    for index, reply in enumerate(_check_count(value, "quick_replies", MAX_QUICK_REPLIES, problems)):
        where = f"quick_replies[{index}]"
        if not isinstance(reply, Mapping) or reply.get("content_type") not in QUICK_REPLY_TYPES:
            problems.append(f"{where} must be an object with a content_type of {sorted(QUICK_REPLY_TYPES)}")
            continue
        if reply["content_type"] == "text":
            _check_text(reply.get("title"), f"{where}.title", MAX_QUICK_REPLY_TITLE, problems)
            _check_text(reply.get("payload"), f"{where}.payload", MAX_PAYLOAD, problems)


def _check_attachment(attachment: Any, problems: List[str]) -> None:
    if not isinstance(attachment, Mapping) or not isinstance(attachment.get("payload"), Mapping):
        problems.append("attachment must be an object with a payload object")
        return
    kind, payload = attachment.get("type"), attachment["payload"]
    if kind in MEDIA_TYPES:
        if not _is_web_url(str(payload.get("url") or "")) and not payload.get("attachment_id"):
            problems.append(f"a {kind} attachment needs an http(s) url or an attachment_id")
    elif kind == "template":
        template = payload.get("template_type")
        if template == "button":
            _check_text(payload.get("text"), "button template text", MAX_BUTTON_TEMPLATE_TEXT, problems)
            buttons = _check_count(payload.get("buttons"), "button template buttons", MAX_TEMPLATE_BUTTONS, problems)
            _check_buttons(buttons, "button template", problems)
        elif template == "generic":
            elements = _check_count(
                payload.get("elements"), "generic template elements", MAX_GENERIC_ELEMENTS, problems
            )
            for index, element in enumerate(elements):
                _check_element(element, f"elements[{index}]", problems)
        elif template == "customer_feedback":
            _check_customer_feedback(payload, problems)
        elif not isinstance(template, str) or not template:
            problems.append("a template attachment needs a template_type")
    else:
        problems.append(f"attachment type {kind!r} is not one of image, audio, video, file, template")


def _check_customer_feedback(payload: Mapping[str, Any], problems: List[str]) -> None:
    """One screen with one scored question (csat, nps or ces), a privacy URL, expiry 1 to 7 days."""
    _check_text(payload.get("title"), "feedback title", MAX_FEEDBACK_TITLE, problems)
    if "subtitle" in payload:
        _check_text(payload["subtitle"], "feedback subtitle", MAX_FEEDBACK_SUBTITLE, problems)
    _check_text(payload.get("button_title"), "feedback button_title", MAX_FEEDBACK_BUTTON_TITLE, problems)
    privacy = payload.get("business_privacy")
    if not isinstance(privacy, Mapping) or not _is_web_url(str(privacy.get("url") or "")):
        problems.append("a feedback template needs business_privacy.url, an http(s) URL")
    days = payload.get("expires_in_days")
    if days is not None and (not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= 7):
        problems.append("feedback expires_in_days must be a whole number from 1 to 7")
    screens = _check_count(payload.get("feedback_screens"), "feedback_screens", 1, problems)
    for screen in screens:
        questions = _check_count(screen.get("questions") if isinstance(screen, Mapping) else None,
                                 "feedback_screens[0].questions", 1, problems)
        for question in questions:
            _check_feedback_question(question, problems)


def _check_feedback_question(question: Any, problems: List[str]) -> None:
    where = "feedback question"
    if not isinstance(question, Mapping):
        problems.append(f"{where} must be an object")
        return
    qid = question.get("id")
    if not isinstance(qid, str) or not _FEEDBACK_QUESTION_ID.match(qid) or len(qid) > MAX_FEEDBACK_QUESTION_ID:
        problems.append(f"{where} id must be 1 to {MAX_FEEDBACK_QUESTION_ID} letters, digits or underscores")
    kind = question.get("type")
    if kind not in FEEDBACK_SCORE_OPTIONS:
        problems.append(f"{where} type must be one of {sorted(FEEDBACK_SCORE_OPTIONS)}")
    elif "score_option" in question and question["score_option"] not in FEEDBACK_SCORE_OPTIONS[kind]:
        problems.append(f"{where} score_option must be one of {sorted(FEEDBACK_SCORE_OPTIONS[kind])} for {kind}")
    if "title" in question:
        _check_text(question["title"], f"{where} title", MAX_FEEDBACK_TITLE, problems)
    if "score_label" in question and question["score_label"] not in FEEDBACK_SCORE_LABELS:
        problems.append(f"{where} score_label must be one of {sorted(FEEDBACK_SCORE_LABELS)}")
    follow_up = question.get("follow_up")
    if follow_up is not None:
        if not isinstance(follow_up, Mapping) or follow_up.get("type") != "free_form":
            problems.append(f"{where} follow_up must be a free_form object")
        elif "placeholder" in follow_up:
            _check_text(follow_up["placeholder"], f"{where} follow_up placeholder", MAX_FEEDBACK_PLACEHOLDER, problems)


def _check_element(element: Any, where: str, problems: List[str]) -> None:
    if not isinstance(element, Mapping):
        problems.append(f"{where} must be an object")
        return
    _check_text(element.get("title"), f"{where}.title", MAX_ELEMENT_TITLE, problems)
    if "subtitle" in element:
        _check_text(element["subtitle"], f"{where}.subtitle", MAX_ELEMENT_SUBTITLE, problems)
    if "image_url" in element and not _is_web_url(str(element["image_url"] or "")):
        problems.append(f"{where}.image_url must be an http(s) URL")
    action = element.get("default_action")
    if action is not None and (
        not isinstance(action, Mapping) or action.get("type") != "web_url"
        or not _is_web_url(str(action.get("url") or "")) or "title" in action
    ):
        problems.append(f"{where}.default_action must be a web_url action with a URL and no title")
    if "buttons" in element:
        buttons = _check_count(element["buttons"], f"{where}.buttons", MAX_ELEMENT_BUTTONS, problems)
        _check_buttons(buttons, where, problems)


def _check_buttons(buttons: List[Any], where: str, problems: List[str]) -> None:
    for index, button in enumerate(buttons):
        at = f"{where} button {index}"
        if not isinstance(button, Mapping) or button.get("type") not in BUTTON_TYPES:
            problems.append(f"{at} must be an object with a type of {sorted(BUTTON_TYPES)}")
            continue
        _check_text(button.get("title"), f"{at} title", MAX_BUTTON_TITLE, problems)
        if button["type"] == "web_url" and not _is_web_url(str(button.get("url") or "")):
            problems.append(f"{at} needs an http(s) url")
        elif button["type"] == "postback":
            _check_text(button.get("payload"), f"{at} payload", MAX_PAYLOAD, problems)
        elif button["type"] == "phone_number" and not str(button.get("payload") or "").startswith("+"):
            problems.append(f"{at} needs a phone number payload starting with +")
