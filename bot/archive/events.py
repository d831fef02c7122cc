"""Which Rasa events become archive rows, and how they read.

The tracker store publishes events already redacted (bot/rasa_server/tracker_store.py);
this module masks again with bot.privacy.redaction, following the same `requested_slot`
context per conversation, so the archive never holds a one-time code or a card
number even behind another tracker store.

- `user`: inbound, its text and input channel;
- `bot`: outbound, its text plus a short description of buttons, quick
  replies, carousels, attachments or custom JSON (a staff member's message,
  appended by the console, carries the agent's name);
- `pause`/`resume`: system rows;
- a one-time code sent (`otp_challenge` slot set) and the `identity` slot set
  to `verified`: system rows referencing the core bank's OTP challenge, which
  is how `export --customer` finds the customer's conversations (the challenge
  row is there even when the turn that verified ran on another Rasa instance,
  which did not see the challenge being set).
Bot events carry no channel: the conversation's last inbound channel is used
(remembered per conversation in this process), else "unknown".
"""
from __future__ import annotations

import json
from collections import OrderedDict
from datetime import datetime, timezone
from typing import Any, Dict, List, Optional

from bot.archive.chain import NewEntry
from bot.archive.models import INBOUND, OUTBOUND, SYSTEM
from bot.privacy.redaction import CodeQuestion, mask_card_numbers, redact_text

UNKNOWN_CHANNEL = "unknown"
VERIFIED_KIND = "verified"
CODE_SENT_KIND = "code_sent"
MAX_CONVERSATIONS = 50_000  # per-conversation memory kept, least recently seen dropped first
# A new Rasa session is not archived: it is no message, and it comes before the user event that tells the channel.
_SYSTEM_KINDS = {"pause": "paused", "resume": "resumed"}


class _Conversation:
    __slots__ = ("channel", "question", "challenge")

    def __init__(self) -> None:
        self.channel: Optional[str] = None
        self.question = CodeQuestion()
        self.challenge: Optional[str] = None


class EventTranslator:
    """Turns published events into archive rows, remembering what each conversation needs."""

    def __init__(self, max_conversations: int = MAX_CONVERSATIONS) -> None:
        self._conversations: "OrderedDict[str, _Conversation]" = OrderedDict()
        self._max = max_conversations

    def entry(self, event: Dict[str, Any]) -> Optional[NewEntry]:
        sender = str(event.get("sender_id") or "")
        kind = event.get("event")
        if not sender or not kind:
            return None
        state = self._state(sender)
        state.question.follow(event)
        at = _time(event.get("timestamp"))
        if kind == "slot":
            return self._slot(sender, state, event, at)
        if kind == "user":
            state.channel = event.get("input_channel") or state.channel or UNKNOWN_CHANNEL
            text = redact_text(event.get("text") or "", code_asked=state.question.asked) or ""
            return NewEntry(at=at, channel=state.channel, conversation_id=sender, direction=INBOUND,
                            kind="message", text=text)
        if kind == "bot":
            agent = ((event.get("metadata") or {}).get("agent") or None)
            return NewEntry(at=at, channel=state.channel or UNKNOWN_CHANNEL, conversation_id=sender,
                            direction=OUTBOUND, kind="agent_message" if agent else "message",
                            text=describe_bot_message(event), agent=str(agent) if agent else None)
        if kind in _SYSTEM_KINDS:
            return NewEntry(at=at, channel=state.channel or UNKNOWN_CHANNEL, conversation_id=sender,
                            direction=SYSTEM, kind=_SYSTEM_KINDS[kind])
        return None

    def _slot(self, sender: str, state: _Conversation, event: Dict[str, Any], at: datetime) -> Optional[NewEntry]:
        name, value = event.get("name"), event.get("value")
        if name == "otp_challenge" and value:
            state.challenge = str(value)
            return NewEntry(at=at, channel=state.channel or UNKNOWN_CHANNEL, conversation_id=sender,
                            direction=SYSTEM, kind=CODE_SENT_KIND, text="one-time code sent", reference=str(value))
        elif name == "identity" and value == "verified":
            return NewEntry(at=at, channel=state.channel or UNKNOWN_CHANNEL, conversation_id=sender,
                            direction=SYSTEM, kind=VERIFIED_KIND, text="customer verified (one-time code)",
                            reference=state.challenge)
        return None

    def _state(self, sender: str) -> _Conversation:
        state = self._conversations.pop(sender, None) or _Conversation()
        self._conversations[sender] = state
        while len(self._conversations) > self._max:
            self._conversations.popitem(last=False)
        return state


def describe_bot_message(event: Dict[str, Any]) -> str:
    """The reply's text and, in brackets, what else it showed (choices, cards, attachments)."""
    parts: List[str] = []
    if event.get("text"):
        parts.append(str(event["text"]))
    data = event.get("data") or {}
    for key, label in (("buttons", "buttons"), ("quick_replies", "quick replies")):
        titles = [str(b.get("title") or b.get("payload") or "") for b in data.get(key) or [] if isinstance(b, dict)]
        if titles:
            parts.append(f"[{label}: {' | '.join(titles)}]")
    elements = data.get("elements") or []
    if elements:
        titles = [str(e.get("title") or "") for e in elements if isinstance(e, dict)]
        parts.append(f"[carousel of {len(elements)}: {' | '.join(titles)}]")
    for key in ("image", "attachment"):
        if data.get(key):
            parts.append(f"[{key}: {_short_json(data[key])}]")
    if data.get("custom"):
        parts.append(f"[custom: {_short_json(data['custom'])}]")
    return mask_card_numbers("\n".join(parts))


def _short_json(value: Any, limit: int = 500) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    return text if len(text) <= limit else text[:limit] + "…"


def _time(timestamp: Any) -> datetime:
    try:
        return datetime.fromtimestamp(float(timestamp), tz=timezone.utc)
    except (TypeError, ValueError, OverflowError, OSError):
        return datetime.now(timezone.utc)
