"""Meta's webhook: the request signature, and the events inside a batch."""
from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Dict, Iterator, List, Optional, Tuple

SIGNATURE_HEADER = "X-Hub-Signature-256"
_SIGNATURE_PREFIX = "sha256="


def sign(body: bytes, app_secret: str) -> str:
    """The `X-Hub-Signature-256` value Meta sends for `body`."""
    digest = hmac.new(app_secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return _SIGNATURE_PREFIX + digest


def signature_is_valid(body: bytes, header_value: Optional[str], app_secret: str) -> bool:
    """Checks the header against an HMAC-SHA256 of the raw body, in constant time."""
    if not header_value or not header_value.startswith(_SIGNATURE_PREFIX):
        return False
    return hmac.compare_digest(sign(body, app_secret).encode("ascii"), header_value.strip().encode("ascii", "replace"))


class EventKind(str, Enum):
    TEXT = "text"  # typed by the customer
    QUICK_REPLY = "quick_reply"  # a quick reply the customer tapped
    POSTBACK = "postback"  # a button or menu item the customer tapped
    ATTACHMENT = "attachment"  # image, file, audio, video, location, sticker (type `sticker`), shared link
    ECHO = "echo"  # a message the page itself sent
    DELIVERY = "delivery"
    READ = "read"
    HANDOVER = "handover"  # thread control passed, taken, requested or released (Conversation Routing)
    REACTION = "reaction"  # an emoji reaction to a message, or its removal
    MESSAGE_EDIT = "message_edit"  # the customer edited a message they had sent
    FEEDBACK = "feedback"  # an answer to the customer feedback template (webhook field `messaging_feedback`)
    OTHER = "other"  # referral, optin, account_linking, policy-enforcement, anything new


# Events that carry nothing for the dialogue and are not worth a log line.
IGNORED_KINDS = frozenset({EventKind.ECHO, EventKind.DELIVERY, EventKind.READ})

# The fields of a messaging event that are thread-control notifications (webhook field `messaging_handovers`,
# kept by Conversation Routing). `release_thread_control` is read the same way should Meta send one.
HANDOVER_FIELDS = ("pass_thread_control", "take_thread_control", "request_thread_control", "release_thread_control")

# Sticker ids of Messenger's thumbs-up ("like") button, small to large.
LIKE_STICKER_IDS = frozenset({"369239263222822", "369239343222814", "369239383222810"})

# Keys every messaging event has; any other key names what the event is about.
_ENVELOPE_KEYS = frozenset({"sender", "recipient", "timestamp"})


@dataclass(frozen=True)
class FeedbackAnswer:
    """One question of a `messaging_feedback` event: its id, the score (None when it is not a whole
    number) and the free-form comment, if any."""

    question_id: str
    kind: str  # csat, nps, ces
    score: Optional[int]
    comment: Optional[str] = None


@dataclass(frozen=True)
class MessagingEvent:
    kind: EventKind
    sender_id: str
    recipient_id: str
    timestamp: int
    message_id: Optional[str] = None
    text: Optional[str] = None  # typed text, a quick reply's text, a postback button's title, an echo's text
    payload: Optional[str] = None
    attachment_types: List[str] = field(default_factory=list)
    sticker_id: Optional[str] = None
    # The webhook field the event came in when it is not a message: "pass_thread_control", "referral", ...
    field_name: Optional[str] = None
    # HANDOVER: the app that now owns the thread (pass, take, release) or asks for it (request), when Meta says.
    app_id: Optional[str] = None
    # Delivered in `entry[].standby`: another app owns the thread; this app only watches.
    standby: bool = False
    # FEEDBACK: the answers, one per question of the template's screens.
    feedback: Tuple[FeedbackAnswer, ...] = ()

    @property
    def dedup_key(self) -> str:
        """What identifies this event across Meta's retries."""
        prefix = "standby:" if self.standby else ""
        if self.message_id:
            return prefix + self.message_id
        parts = (self.kind.value, self.field_name or "", self.sender_id, str(self.timestamp), self.payload or "")
        return prefix + ":".join(parts)

    @property
    def customer_id(self) -> str:
        """The customer's PSID: the recipient of an echo (the page's own message), else the sender."""
        return self.recipient_id if self.kind == EventKind.ECHO else self.sender_id

    @property
    def is_like(self) -> bool:
        """The customer tapped Messenger's thumbs-up button."""
        return self.sticker_id in LIKE_STICKER_IDS

    @property
    def is_sticker(self) -> bool:
        """A sticker: an attachment of type `sticker`, or (older payloads) any attachment with a sticker id."""
        return self.sticker_id is not None or "sticker" in self.attachment_types


class MalformedWebhook(ValueError):
    """The body is not a page webhook batch."""


def is_page_batch(body: Any) -> bool:
    return isinstance(body, dict) and body.get("object") == "page" and isinstance(body.get("entry"), list)


def messaging_events(body: Dict[str, Any]) -> Iterator[MessagingEvent]:
    """Every event of every entry, in the order Meta sent them.

    An entry carries `messaging` (this app owns the thread) or `standby` (another
    app does, for example a live-agent inbox); standby events come marked `standby`.
    """
    for entry in body.get("entry", []):
        if not isinstance(entry, dict):
            raise MalformedWebhook("every entry must be an object")
        for key, standby in (("messaging", False), ("standby", True)):
            raw_events = entry.get(key) or []
            if not isinstance(raw_events, list):
                raise MalformedWebhook(f"entry.{key} must be a list")
            for raw in raw_events:
                yield _parse_event(raw, standby)


def _parse_event(raw: Any, standby: bool) -> MessagingEvent:
    if not isinstance(raw, dict):
        raise MalformedWebhook("every messaging event must be an object")
    sender_id = str(_object(raw.get("sender")).get("id") or "")
    recipient_id = str(_object(raw.get("recipient")).get("id") or "")
    if not sender_id and ("message" in raw or "postback" in raw):
        raise MalformedWebhook("a messaging event has no sender id")
    common: Dict[str, Any] = dict(
        sender_id=sender_id, recipient_id=recipient_id, timestamp=_timestamp(raw.get("timestamp")), standby=standby,
    )

    message = raw.get("message")
    if isinstance(message, dict):
        return _message_event(message, common)
    postback = raw.get("postback")
    if isinstance(postback, dict):
        return MessagingEvent(
            EventKind.POSTBACK, message_id=_str_or_none(postback.get("mid")), text=_str_or_none(postback.get("title")),
            payload=str(postback.get("payload") or ""), **common,
        )
    for name in HANDOVER_FIELDS:
        if name in raw:
            app_id = _handover_app_id(name, raw[name])
            return MessagingEvent(EventKind.HANDOVER, field_name=name, app_id=app_id, **common)
    if "messaging_feedback" in raw:
        return MessagingEvent(EventKind.FEEDBACK, field_name="messaging_feedback",
                              feedback=_feedback_answers(raw["messaging_feedback"]), **common)
    if "delivery" in raw:
        return MessagingEvent(EventKind.DELIVERY, **common)
    if "read" in raw:
        return MessagingEvent(EventKind.READ, **common)
    # The mid inside a reaction or an edit is the mid of the message reacted to or edited:
    # it must not count as this event's id (nor mark that message as seen).
    if "reaction" in raw:
        return MessagingEvent(EventKind.REACTION, field_name="reaction", **common)
    if "message_edit" in raw:
        return MessagingEvent(EventKind.MESSAGE_EDIT, field_name="message_edit", **common)
    other = sorted(set(raw) - _ENVELOPE_KEYS)
    return MessagingEvent(EventKind.OTHER, field_name=other[0] if other else None, **common)


def _message_event(message: Dict[str, Any], common: Dict[str, Any]) -> MessagingEvent:
    mid = _str_or_none(message.get("mid"))
    if message.get("is_echo"):
        return MessagingEvent(EventKind.ECHO, message_id=mid, text=_str_or_none(message.get("text")), **common)
    quick_reply = message.get("quick_reply")
    if isinstance(quick_reply, dict) and quick_reply.get("payload"):
        return MessagingEvent(
            EventKind.QUICK_REPLY, message_id=mid, text=_str_or_none(message.get("text")),
            payload=str(quick_reply["payload"]), **common,
        )
    if isinstance(message.get("text"), str) and message["text"].strip():
        return MessagingEvent(EventKind.TEXT, message_id=mid, text=message["text"], **common)
    attachments = [a for a in message.get("attachments") or [] if isinstance(a, dict)]
    sticker_id = message.get("sticker_id")
    if attachments or sticker_id:
        for attachment in attachments:
            sticker_id = sticker_id or _object(attachment.get("payload")).get("sticker_id")
        kinds = [str(a.get("type") or "unknown") for a in attachments] or ["sticker"]
        return MessagingEvent(
            EventKind.ATTACHMENT, message_id=mid, attachment_types=kinds,
            sticker_id=str(sticker_id) if sticker_id else None, **common,
        )
    return MessagingEvent(EventKind.OTHER, message_id=mid, field_name="message", **common)


def _feedback_answers(body: Any) -> Tuple[FeedbackAnswer, ...]:
    """`{"feedback_screens": [{"screen_id": 0, "questions": {"<id>": {"type": "csat", "payload": "4",
    "follow_up": {"type": "free_form", "payload": "..."}}}}]}`; what is not shaped so is left out."""
    answers: List[FeedbackAnswer] = []
    for screen in _object(body).get("feedback_screens") or []:
        questions = _object(screen).get("questions")
        if isinstance(questions, list):  # read a list of questions with their ids too
            questions = {str(_object(q).get("id") or ""): q for q in questions}
        for question_id, question in _object(questions).items():
            question = _object(question)
            if not question_id:
                continue
            payload = str(question.get("payload") if question.get("payload") is not None else "").strip()
            score = int(payload) if payload.isdigit() and len(payload) <= 3 else None
            comment = _str_or_none(_object(question.get("follow_up")).get("payload"))
            answers.append(FeedbackAnswer(str(question_id), str(question.get("type") or ""), score, comment))
    return tuple(answers)


def _handover_app_id(name: str, body: Any) -> Optional[str]:
    details = _object(body)
    key = "requested_owner_app_id" if name == "request_thread_control" else "new_owner_app_id"
    return _str_or_none(details.get(key))


def _object(value: Any) -> Dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _str_or_none(value: Any) -> Optional[str]:
    return None if value is None or value == "" else str(value)


def _timestamp(value: Any) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0
