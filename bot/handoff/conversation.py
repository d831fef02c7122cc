"""Reading a Rasa conversation (its tracker events, as the HTTP API and rasa-sdk give them) for staff.

A customer's text typed while the bot asked for a code (bot/privacy/redaction.py's
`CodeQuestion`) is masked whole; every other text has its codes and card numbers masked.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Dict, Iterable, List, Optional

from bot.privacy.masking import FULLY_MASKED, mask_sensitive
from bot.privacy.redaction import CodeQuestion

Event = Dict[str, Any]


@dataclass(frozen=True)
class TranscriptLine:
    who: str  # "customer", "bot" or "agent:<username>"
    text: str
    at: Optional[datetime]
    name: Optional[str] = None  # an advisor's display name, as the customer read it

    def as_dict(self) -> Dict[str, Any]:
        return {"who": self.who, "text": self.text, "at": self.at.isoformat() if self.at else None, "name": self.name}


def _time(event: Event) -> Optional[datetime]:
    stamp = event.get("timestamp")
    if not isinstance(stamp, (int, float)):
        return None
    return datetime.fromtimestamp(stamp, timezone.utc)


def _is_payload(text: str) -> bool:
    return text.startswith("/")  # a button's `/intent` payload, not something the customer wrote


def tapped_label(payload: str, offered: Optional[Dict[str, str]] = None) -> str:
    """What the customer chose, not a payload: the title of the button the bot offered with that payload
    ('(tapped: "Debit •••• 4821")'), or else the intent's name (`/loan_inquiry{"x": 1}` → "(tapped: loan inquiry)")."""
    title = (offered or {}).get(payload)
    if title:
        return f'(tapped: "{title}")'
    intent = payload[1:].split("{", 1)[0].strip().replace("_", " ")
    return f"(tapped: {intent})" if intent else "(tapped a button)"


def offered_titles(bot_event: Event) -> Dict[str, str]:
    """payload -> title of the choices a bot message offered (buttons, quick replies, a carousel's buttons)."""
    data = bot_event.get("data") or {}
    choices = list(data.get("buttons") or []) + list(data.get("quick_replies") or [])
    elements = data.get("elements") or []
    for element in elements if isinstance(elements, list) else []:
        if isinstance(element, dict):
            choices += list(element.get("buttons") or [])
    return {str(c["payload"]): str(c["title"]) for c in choices
            if isinstance(c, dict) and c.get("payload") and isinstance(c.get("title"), str) and c["title"].strip()}


def transcript_lines(events: Iterable[Event]) -> List[TranscriptLine]:
    """What was said, in order, masked for staff."""
    lines: List[TranscriptLine] = []
    question = CodeQuestion()
    offered: Dict[str, str] = {}  # what the bot's buttons said, by payload (the latest offer of a payload wins)
    for event in events:
        question.follow(event)
        kind = event.get("event")
        if kind == "bot":
            offered.update(offered_titles(event))
        if kind == "user":
            text = str(event.get("text") or "")
            if question.asked:
                text = FULLY_MASKED
            elif _is_payload(text):
                text = tapped_label(text, offered)
            lines.append(TranscriptLine("customer", mask_sensitive(text), _time(event)))
        elif kind == "bot" and event.get("text"):
            metadata = event.get("metadata") or {}
            agent, name = metadata.get("agent"), metadata.get("agent_name")
            who = f"agent:{agent}" if agent else "bot"
            lines.append(TranscriptLine(who, mask_sensitive(str(event["text"])), _time(event),
                                        name if agent and isinstance(name, str) and name else None))
    return lines


def last_customer_text(events: Iterable[Event]) -> str:
    """The customer's last real message (button payloads such as `/human_handoff` skipped), masked."""
    events = list(events)
    raw_texts = [str(e.get("text") or "") for e in events if e.get("event") == "user"]
    lines = [line for line in transcript_lines(events) if line.who == "customer"]
    for line, raw in reversed(list(zip(lines, raw_texts))):
        if raw and not _is_payload(raw):
            return line.text
    return ""


def last_customer_message_at(events: Iterable[Event]) -> Optional[datetime]:
    """When the customer last wrote (for Messenger's messaging windows)."""
    times = [_time(e) for e in events if e.get("event") == "user"]
    times = [t for t in times if t is not None]
    return times[-1] if times else None
