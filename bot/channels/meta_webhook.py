"""Meta's webhook: the request signature, and the events inside a batch."""
from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Dict, Iterator, List, Optional

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
    ATTACHMENT = "attachment"  # image, file, audio, location, sticker
    ECHO = "echo"  # a message the page itself sent
    DELIVERY = "delivery"
    READ = "read"
    OTHER = "other"


# Events that carry nothing for the dialogue.
IGNORED_KINDS = frozenset({EventKind.ECHO, EventKind.DELIVERY, EventKind.READ})


@dataclass(frozen=True)
class MessagingEvent:
    kind: EventKind
    sender_id: str
    recipient_id: str
    timestamp: int
    message_id: Optional[str] = None
    text: Optional[str] = None
    payload: Optional[str] = None
    attachment_types: List[str] = field(default_factory=list)

    @property
    def dedup_key(self) -> str:
        """What identifies this event across Meta's retries."""
        if self.message_id:
            return self.message_id
        return f"{self.kind.value}:{self.sender_id}:{self.timestamp}:{self.payload or ''}"


class MalformedWebhook(ValueError):
    """The body is not a page webhook batch."""


def is_page_batch(body: Any) -> bool:
    return isinstance(body, dict) and body.get("object") == "page" and isinstance(body.get("entry"), list)


def messaging_events(body: Dict[str, Any]) -> Iterator[MessagingEvent]:
    """Every messaging event of every entry, in the order Meta sent them."""
    for entry in body.get("entry", []):
        if not isinstance(entry, dict):
            raise MalformedWebhook("every entry must be an object")
        for raw in entry.get("messaging", []) or []:
            event = _parse_event(raw)
            if event is not None:
                yield event


def _parse_event(raw: Any) -> Optional[MessagingEvent]:
    if not isinstance(raw, dict):
        raise MalformedWebhook("every messaging event must be an object")
    sender_id = str((raw.get("sender") or {}).get("id") or "")
    recipient_id = str((raw.get("recipient") or {}).get("id") or "")
    if not sender_id:
        raise MalformedWebhook("a messaging event has no sender id")
    common = dict(sender_id=sender_id, recipient_id=recipient_id, timestamp=int(raw.get("timestamp") or 0))

    message = raw.get("message")
    if isinstance(message, dict):
        mid = message.get("mid")
        if message.get("is_echo"):
            return MessagingEvent(EventKind.ECHO, message_id=mid, **common)
        quick_reply = message.get("quick_reply")
        if isinstance(quick_reply, dict) and quick_reply.get("payload"):
            return MessagingEvent(
                EventKind.QUICK_REPLY, message_id=mid, text=message.get("text"),
                payload=str(quick_reply["payload"]), **common,
            )
        if message.get("text"):
            return MessagingEvent(EventKind.TEXT, message_id=mid, text=str(message["text"]), **common)
        attachments = message.get("attachments") or []
        if attachments:
            kinds = [str(a.get("type", "unknown")) for a in attachments if isinstance(a, dict)]
            return MessagingEvent(EventKind.ATTACHMENT, message_id=mid, attachment_types=kinds, **common)
        return MessagingEvent(EventKind.OTHER, message_id=mid, **common)

    postback = raw.get("postback")
    if isinstance(postback, dict):
        return MessagingEvent(
            EventKind.POSTBACK, message_id=postback.get("mid"), text=postback.get("title"),
            payload=str(postback.get("payload") or ""), **common,
        )
    if "delivery" in raw:
        return MessagingEvent(EventKind.DELIVERY, **common)
    if "read" in raw:
        return MessagingEvent(EventKind.READ, **common)
    return MessagingEvent(EventKind.OTHER, **common)
