"""The handoff queue's tables in the branch database (bot/branch_db.py).

`Handoff`: one request for a person, from waiting to taken to returned, or closed
when the customer left (no message for HANDOFF_IDLE_CLOSE_MINUTES). At most one
is open (waiting or taken) per conversation: a partial unique index says so on
SQLite and PostgreSQL alike. `AgentAction`: what staff did (and the automatic
close, by `SYSTEM_AGENT`), append-only (rows are only ever inserted).
"""
from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Text, text

from bot.branch_db import Base, UtcDateTime

WAITING, TAKEN, RETURNED, CLOSED = "waiting", "taken", "returned", "closed"
STATUSES = (WAITING, TAKEN, RETURNED, CLOSED)
# public_comment: a customer's public comment on the page (bot/channels/messenger/page_comments.py)
PUBLIC_COMMENT = "public_comment"
REASONS = ("customer_asked", "not_understood", "escalated", "public_comment")
TAKE, REPLY, HAND_BACK, CLOSE = "take", "reply", "hand_back", "closed"
SYSTEM_AGENT = "system"  # the name on actions nobody on the staff did (the automatic close)

_OPEN = text("status IN ('waiting', 'taken')")


class Handoff(Base):
    __tablename__ = "handoffs"

    id = Column(Integer, primary_key=True)
    conversation_id = Column(String(255), nullable=False, index=True)  # Rasa's sender id (the PSID on Messenger)
    channel = Column(String(32), nullable=False)  # "messenger" or "socketio"
    reason = Column(String(32), nullable=False)
    last_customer_message = Column(Text, nullable=False, default="")  # masked
    requested_at = Column(UtcDateTime, nullable=False)
    status = Column(String(16), nullable=False, default=WAITING, index=True)
    taken_by = Column(String(255))
    taken_at = Column(UtcDateTime)
    returned_at = Column(UtcDateTime)  # when it left the queue: handed back, or closed

    __table_args__ = (
        Index(
            "ux_handoffs_open_conversation", "conversation_id", unique=True,
            sqlite_where=_OPEN, postgresql_where=_OPEN,
        ),
    )


class AgentAction(Base):
    __tablename__ = "handoff_agent_actions"

    id = Column(Integer, primary_key=True)
    handoff_id = Column(Integer, ForeignKey("handoffs.id"), nullable=False, index=True)
    agent = Column(String(255), nullable=False)
    action = Column(String(16), nullable=False)  # take, reply, hand_back, closed
    at = Column(UtcDateTime, nullable=False)
    detail = Column(Text, nullable=False, default="")  # masked


# A satisfaction survey (CSAT) after a handoff ends (bot/handoff/csat.py): at most one per handoff.
SURVEY_PENDING, SURVEY_SENT, SURVEY_NOT_SENT = "pending", "sent", "not_sent"
SURVEY_STATUSES = (SURVEY_PENDING, SURVEY_SENT, SURVEY_NOT_SENT)
PAGE_INBOX_AGENT = "page_inbox"  # the survey's advisor when a person in Meta's Page Inbox ended the conversation


class CsatSurvey(Base):
    __tablename__ = "csat_surveys"

    id = Column(Integer, primary_key=True)
    handoff_id = Column(Integer, ForeignKey("handoffs.id"), nullable=False, unique=True)  # one survey per handoff
    conversation_id = Column(String(255), nullable=False, index=True)
    channel = Column(String(32), nullable=False)
    agent = Column(String(255))  # the advisor who had the conversation; None when nobody took it
    status = Column(String(16), nullable=False, default=SURVEY_PENDING)  # pending, sent, not_sent
    detail = Column(Text, nullable=False, default="")  # why it was not sent
    created_at = Column(UtcDateTime, nullable=False)
    # The answer: one per survey (a repeated delivery of it stores nothing more).
    score = Column(Integer)  # 1 to 5
    comment = Column(Text)  # masked (bot/privacy/masking.py)
    answered_at = Column(UtcDateTime)
    answered_via = Column(String(16))  # template, quick_reply, button
