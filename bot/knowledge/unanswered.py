"""What the branch could not answer, kept for the content team's review (the console's "Unanswered" page).

When a customer's message is out of scope or not understood (`out_of_scope`, `nlu_fallback`), the Rasa
server's tracker store records it here, in the branch database (BRANCH_DATABASE_URL, table
`unanswered_questions`, migration 0003), as it records handoff requests: the text masked
(`mask_sensitive`: card numbers to their last 4 digits, codes hidden), the conversation's language, the
channel, and when it was asked (timezone-aware UTC). No customer id: the team reviews questions, not people.
A store that cannot be written is logged (the error's type only) and the turn is stored all the same.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any, Dict, Iterable, List, Optional

from sqlalchemy import Column, Integer, String, Text, select
from sqlalchemy.orm import sessionmaker

from bot.branch_db import Base, UtcDateTime, session_factory
from bot.privacy.masking import mask_sensitive

logger = logging.getLogger(__name__)

MISSES = ("out_of_scope", "nlu_fallback")
Event = Dict[str, Any]


class UnansweredQuestion(Base):
    __tablename__ = "unanswered_questions"

    id = Column(Integer, primary_key=True)
    text = Column(Text, nullable=False)  # masked
    language = Column(String(8), nullable=False)  # en | fr
    channel = Column(String(32), nullable=False)  # "messenger" or "socketio"
    reason = Column(String(16), nullable=False)  # out_of_scope | nlu_fallback
    asked_at = Column(UtcDateTime, nullable=False, index=True)


@dataclass(frozen=True)
class Unanswered:
    text: str
    language: str
    channel: str
    reason: str
    asked_at: datetime


def misses(new_events: Iterable[Event], events: Iterable[Event]) -> List[Unanswered]:
    """The customer's messages among a turn's new events that nothing answered (typed text only, not taps)."""
    language = "en"
    for event in events:
        if event.get("event") == "slot" and event.get("name") == "language" and event.get("value") in ("en", "fr"):
            language = event["value"]
    found = []
    for event in new_events:
        if event.get("event") != "user":
            continue
        intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
        text = str(event.get("text") or "")
        if intent not in MISSES or not text.strip() or text.startswith("/"):
            continue
        moment = datetime.fromtimestamp(float(event.get("timestamp") or 0), tz=timezone.utc)
        found.append(Unanswered(mask_sensitive(text), language, str(event.get("input_channel") or "unknown"),
                                intent, moment))
    return found


class UnansweredLog:
    def __init__(self, sessions: sessionmaker) -> None:
        self._sessions = sessions

    def record(self, items: Iterable[Unanswered]) -> int:
        rows = [UnansweredQuestion(text=i.text, language=i.language, channel=i.channel, reason=i.reason,
                                   asked_at=i.asked_at) for i in items]
        if rows:
            with self._sessions() as session:
                session.add_all(rows)
                session.commit()
        return len(rows)

    def latest(self, limit: int = 200) -> List[Unanswered]:
        with self._sessions() as session:
            rows = session.execute(select(UnansweredQuestion).order_by(UnansweredQuestion.asked_at.desc(),
                                                                       UnansweredQuestion.id.desc()).limit(limit))
            return [Unanswered(r.text, r.language, r.channel, r.reason, r.asked_at) for r in rows.scalars()]


@lru_cache(maxsize=1)
def default_log() -> UnansweredLog:
    from bot.settings import get_settings

    return UnansweredLog(session_factory(get_settings().branch_database_url))


def record_if_unanswered(new_events: Iterable[Event], events: Iterable[Event],
                         log: Optional[UnansweredLog] = None) -> int:
    """Records this turn's unanswered messages; never raises (the turn is stored whatever the log does)."""
    found = misses(list(new_events), list(events))
    if not found:
        return 0
    try:
        return (log or default_log()).record(found)
    except Exception as exc:  # noqa: BLE001
        logger.error("Unanswered question not recorded: %s", type(exc).__name__)
        return 0
