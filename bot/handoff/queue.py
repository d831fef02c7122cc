"""The handoff queue: conversations waiting for a person, who took them, and what staff did.

Shared by the Rasa server (which records requests) and the web service (the
staff console), through the branch database. Every change is one transaction;
taking is a single conditional UPDATE, so two agents can never both take a
conversation.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Callable, List, Optional, Tuple

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from bot.branch_db import session_factory
from bot.channels.limits import MAX_TEXT
from bot.clock import Clock, utc_now
from bot.db_migrations import ensure_upgraded
from bot.handoff.models import (
    CLOSE,
    CLOSED,
    HAND_BACK,
    REASONS,
    REPLY,
    RETURNED,
    SYSTEM_AGENT,
    TAKE,
    TAKEN,
    WAITING,
    AgentAction,
    Handoff,
)
from bot.privacy.masking import mask_sensitive
from bot.privacy.pseudonyms import pseudonym
from bot.settings import Settings, get_settings

logger = logging.getLogger(__name__)

NOT_DELIVERED = "not delivered"  # how a reply that did not reach the customer is audited




@dataclass(frozen=True)
class HandoffView:
    """One handoff as staff see it (`waiting_seconds`/`overdue` are as of the call)."""

    id: int
    conversation_id: str
    channel: str
    reason: str
    last_customer_message: str
    requested_at: datetime
    status: str
    taken_by: Optional[str]
    taken_at: Optional[datetime]
    returned_at: Optional[datetime]
    waiting_seconds: int
    overdue: bool


@dataclass(frozen=True)
class AgentActionView:
    handoff_id: int
    agent: str
    action: str
    at: datetime
    detail: str


class HandoffQueue:
    def __init__(self, sessions: sessionmaker, *, sla: timedelta = timedelta(minutes=30), clock: Clock = utc_now,
                 create_tables: bool = True, archive: Optional[Callable[..., None]] = None) -> None:
        self._sessions = sessions
        self._archive = archive  # bot/archive/agent_actions.py: staff actions also go to the compliance archive
        self.sla = sla
        self._clock = clock
        if create_tables:  # brings the branch database to the schema this code expects (migrations/branch/)
            ensure_upgraded("branch", sessions.kw["bind"].url)

    @property
    def sessions(self) -> sessionmaker:
        """The branch database's sessions (the CSAT surveys share them: bot/handoff/csat.py)."""
        return self._sessions

    @classmethod
    def from_settings(cls, settings: Settings, clock: Clock = utc_now) -> "HandoffQueue":
        from bot.archive.agent_actions import agent_archiver

        return cls(session_factory(settings.branch_database_url),
                   sla=timedelta(minutes=settings.handoff_sla_minutes), clock=clock,
                   archive=agent_archiver(settings.archive_database_url))

    # -- the customer's side (Rasa server) -----------------------------------------------------------

    def request_handoff(self, conversation_id: str, channel: str, reason: str, last_message: str) -> int:
        """Queues the conversation for a person; while one is open for it, returns that one's id instead."""
        if reason not in REASONS:
            raise ValueError(f"reason must be one of {REASONS}, not {reason!r}")
        existing = self._open_id(conversation_id)
        if existing is not None:
            return existing
        row = Handoff(
            conversation_id=conversation_id, channel=channel or "unknown", reason=reason,
            last_customer_message=mask_sensitive(last_message or "")[:MAX_TEXT],
            requested_at=self._clock(), status=WAITING,
        )
        try:
            with self._sessions.begin() as session:
                session.add(row)
                session.flush()
                handoff_id = int(row.id)
        except IntegrityError:  # another request for it got in first (the open-conversation index)
            existing = self._open_id(conversation_id)
            if existing is None:
                raise
            return existing
        logger.info("Handoff %s requested for %s (%s, %s)", handoff_id, pseudonym(conversation_id), channel, reason)
        return handoff_id

    def _open_id(self, conversation_id: str) -> Optional[int]:
        with self._sessions() as session:
            return session.scalar(
                select(Handoff.id).where(Handoff.conversation_id == conversation_id,
                                         Handoff.status.in_((WAITING, TAKEN)))
            )

    def status_of(self, conversation_id: str) -> Optional[str]:
        """`waiting` or `taken` while the conversation has a request open, else None."""
        with self._sessions() as session:
            return session.scalar(
                select(Handoff.status).where(Handoff.conversation_id == conversation_id,
                                             Handoff.status.in_((WAITING, TAKEN)))
            )

    def note_customer_message(self, conversation_id: str, text: str) -> Optional[str]:
        """Keeps `text` (masked) as the open request's last customer message, for the queue to show what the customer
        wrote last; the request's status (`waiting`, `taken`), or None when none is open."""
        with self._sessions.begin() as session:
            row = session.scalar(select(Handoff).where(Handoff.conversation_id == conversation_id,
                                                       Handoff.status.in_((WAITING, TAKEN))))
            if row is None:
                return None
            row.last_customer_message = mask_sensitive(text or "")[:MAX_TEXT]
            return str(row.status)

    def withdraw(self, conversation_id: str, detail: str) -> Optional[int]:
        """Closes the conversation's request while nobody has taken it yet (the customer changed their mind), audited
        as `close` does; its id, or None when none is waiting (an advisor who took it meanwhile keeps it)."""
        handoff_id = self._open_id(conversation_id)
        if handoff_id is None or not self.close(handoff_id, detail, statuses=(WAITING,)):
            return None
        return handoff_id

    def is_paused(self, conversation_id: str) -> bool:
        """True while the conversation is with staff (waiting or taken): the bot must stay silent."""
        return self._open_id(conversation_id) is not None

    # -- the staff's side (web service) ---------------------------------------------------------------

    def waiting(self) -> List[HandoffView]:
        """Conversations waiting for a person, oldest first."""
        with self._sessions() as session:
            rows = session.scalars(
                select(Handoff).where(Handoff.status == WAITING).order_by(Handoff.requested_at, Handoff.id)
            ).all()
            return [self._view(row) for row in rows]

    def taken_by(self, agent: str) -> List[HandoffView]:
        """The conversations `agent` has now, oldest request first."""
        with self._sessions() as session:
            rows = session.scalars(
                select(Handoff).where(Handoff.status == TAKEN, Handoff.taken_by == agent)
                .order_by(Handoff.requested_at, Handoff.id)
            ).all()
            return [self._view(row) for row in rows]

    def get(self, handoff_id: int) -> Optional[HandoffView]:
        with self._sessions() as session:
            row = session.get(Handoff, handoff_id)
            return self._view(row) if row is not None else None

    def take(self, handoff_id: int, agent: str) -> bool:
        """Gives the conversation to `agent`; False when it is not waiting (someone else took it first)."""
        now = self._clock()
        with self._sessions.begin() as session:
            taken = session.execute(
                update(Handoff).where(Handoff.id == handoff_id, Handoff.status == WAITING)
                .values(status=TAKEN, taken_by=agent, taken_at=now)
                .execution_options(synchronize_session=False)
            ).rowcount
            if taken != 1:
                return False
            session.add(AgentAction(handoff_id=handoff_id, agent=agent, action=TAKE, at=now, detail=""))
        self._archived(handoff_id, agent, TAKE, "", now)
        logger.info("Handoff %s taken", handoff_id)
        return True

    def record_reply(self, handoff_id: int, agent: str, text: str = "", not_delivered: Optional[str] = None) -> bool:
        """Audits a message `agent` sent in the conversation (`not_delivered`: why it did not reach the customer);
        False unless `agent` has it."""
        detail = text if not_delivered is None else f"{NOT_DELIVERED} ({not_delivered}): {text}"
        with self._sessions.begin() as session:
            if not self._held_by(session, handoff_id, agent):
                return False
            at = self._clock()
            session.add(AgentAction(handoff_id=handoff_id, agent=agent, action=REPLY, at=at,
                                    detail=mask_sensitive(detail)[:MAX_TEXT]))
        self._archived(handoff_id, agent, REPLY, detail, at)
        return True

    def replied(self, handoff_id: int) -> bool:
        """Whether staff's message reached the customer in this handoff (a survey asks how that help was)."""
        with self._sessions() as session:
            return session.scalar(
                select(AgentAction.id).where(
                    AgentAction.handoff_id == handoff_id, AgentAction.action == REPLY,
                    AgentAction.detail.not_like(f"{NOT_DELIVERED} (%"),
                ).limit(1)
            ) is not None

    def hand_back(self, handoff_id: int, agent: str) -> bool:
        """Returns the conversation to the bot; False unless `agent` has it."""
        now = self._clock()
        with self._sessions.begin() as session:
            returned = session.execute(
                update(Handoff).where(Handoff.id == handoff_id, Handoff.status == TAKEN, Handoff.taken_by == agent)
                .values(status=RETURNED, returned_at=now)
                .execution_options(synchronize_session=False)
            ).rowcount
            if returned != 1:
                return False
            session.add(AgentAction(handoff_id=handoff_id, agent=agent, action=HAND_BACK, at=now, detail=""))
        self._archived(handoff_id, agent, HAND_BACK, "", now)
        logger.info("Handoff %s handed back", handoff_id)
        return True

    def open_handoffs(self) -> List[HandoffView]:
        """Every conversation with staff now (waiting or taken), oldest request first."""
        with self._sessions() as session:
            rows = session.scalars(
                select(Handoff).where(Handoff.status.in_((WAITING, TAKEN))).order_by(Handoff.requested_at, Handoff.id)
            ).all()
            return [self._view(row) for row in rows]

    def close(self, handoff_id: int, detail: str = "", statuses: Tuple[str, ...] = (WAITING, TAKEN)) -> bool:
        """Ends an open handoff nobody handed back in the console (the customer left or withdrew the request, or the
        Page Inbox gave the conversation back to the bot); audited as `closed` by `system` with `detail`, the reason.

        False when it is no longer in one of `statuses` (handed back or closed meanwhile; taken, for a withdrawal).
        """
        now = self._clock()
        with self._sessions.begin() as session:
            closed = session.execute(
                update(Handoff).where(Handoff.id == handoff_id, Handoff.status.in_(statuses))
                .values(status=CLOSED, returned_at=now)
                .execution_options(synchronize_session=False)
            ).rowcount
            if closed != 1:
                return False
            session.add(AgentAction(handoff_id=handoff_id, agent=SYSTEM_AGENT, action=CLOSE, at=now,
                                    detail=mask_sensitive(detail)[:MAX_TEXT]))
        self._archived(handoff_id, SYSTEM_AGENT, CLOSE, detail, now)
        logger.info("Handoff %s closed: %s", handoff_id, detail)
        return True

    def close_open(self, conversation_id: str, detail: str) -> Optional[int]:
        """Closes the conversation's open handoff (waiting or taken) as `close` does; its id, or None when none was open."""
        handoff_id = self._open_id(conversation_id)
        if handoff_id is None or not self.close(handoff_id, detail):
            return None
        return handoff_id

    def actions(self, handoff_id: int) -> List[AgentActionView]:
        """The audit of one handoff, in order."""
        with self._sessions() as session:
            rows = session.scalars(
                select(AgentAction).where(AgentAction.handoff_id == handoff_id).order_by(AgentAction.id)
            ).all()
            return [AgentActionView(r.handoff_id, r.agent, r.action, r.at, r.detail) for r in rows]

    def _archived(self, handoff_id: int, agent: str, action: str, detail: str, at: datetime) -> None:
        """The archive hook: called once the audit row is committed (never fails the action)."""
        if self._archive is not None:
            handoff = self.get(handoff_id)
            self._archive(handoff_id, handoff.conversation_id if handoff else "", handoff.channel if handoff else "",
                          agent, action, detail, at)

    @staticmethod
    def _held_by(session, handoff_id: int, agent: str) -> bool:
        return session.scalar(
            select(Handoff.id).where(Handoff.id == handoff_id, Handoff.status == TAKEN, Handoff.taken_by == agent)
        ) is not None

    def _view(self, row: Handoff) -> HandoffView:
        until = row.taken_at or row.returned_at or self._clock()
        waited = max(int((until - row.requested_at).total_seconds()), 0)
        return HandoffView(
            id=row.id, conversation_id=row.conversation_id, channel=row.channel, reason=row.reason,
            last_customer_message=row.last_customer_message, requested_at=row.requested_at, status=row.status,
            taken_by=row.taken_by, taken_at=row.taken_at, returned_at=row.returned_at,
            waiting_seconds=waited, overdue=row.status == WAITING and waited > self.sla.total_seconds(),
        )


@lru_cache(maxsize=1)
def default_queue() -> HandoffQueue:
    """The process's queue, on BRANCH_DATABASE_URL."""
    return HandoffQueue.from_settings(get_settings())
