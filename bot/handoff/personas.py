"""Advisors' personas on the page (Meta's Personas API): a reply written by staff in Messenger comes with the
advisor's name and a picture above it, as the web chat names the advisor.

A persona is created the first time an advisor answers a Messenger customer (`POST /me/personas` with the name
and FB_PERSONA_PICTURE_URL; Meta downloads the picture) and kept in the branch database (`messenger_personas`,
one per advisor); a new one replaces it when the advisor's display name or the picture changes (the old one is
deleted at Meta, as far as Meta lets us). Naming is never in the way of the reply: when Meta cannot create the
persona, or no longer knows it, the reply goes out from the page, unnamed, and the cause is logged.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Optional

from sqlalchemy import Column, String
from sqlalchemy.orm import sessionmaker

from bot.branch_db import Base, UtcDateTime
from bot.channels.messenger.graph_api import GraphApi
from bot.clock import Clock, utc_now
from bot.staff.models import USERNAME_MAX_LENGTH

logger = logging.getLogger(__name__)

NAME_MAX_LENGTH = 50  # Meta: "freeform with a maximum of 50 characters"
PICTURE_URL_MAX_LENGTH = 500


class MessengerPersona(Base):
    """The persona an advisor (by username) answers under on the page, and what it was created with."""

    __tablename__ = "messenger_personas"

    agent = Column(String(USERNAME_MAX_LENGTH), primary_key=True)
    name = Column(String(NAME_MAX_LENGTH), nullable=False)
    picture_url = Column(String(PICTURE_URL_MAX_LENGTH), nullable=False)
    persona_id = Column(String(64), nullable=False)
    created_at = Column(UtcDateTime, nullable=False)


def persona_name(display_name: str) -> str:
    """The name Messenger shows: the display name on one line, at most 50 characters (cut between words)."""
    name = " ".join(display_name.split())
    if len(name) <= NAME_MAX_LENGTH:
        return name
    cut = name[: NAME_MAX_LENGTH + 1].rsplit(" ", 1)[0]
    return cut if cut and len(cut) <= NAME_MAX_LENGTH else name[:NAME_MAX_LENGTH]


class Personas:
    """`persona_for(agent, name)`: the advisor's persona id on the page, created when needed; None when Meta
    refused it (the reply then goes out unnamed). `forget(agent, persona_id)`: Meta no longer knows it."""

    def __init__(self, graph: GraphApi, sessions: sessionmaker, picture_url: str, clock: Clock = utc_now) -> None:
        self.graph = graph
        self.sessions = sessions
        self.picture_url = picture_url
        self._clock = clock

    async def persona_for(self, agent: str, display_name: Optional[str]) -> Optional[str]:
        name = persona_name(display_name or "") or persona_name(agent)
        known = await asyncio.to_thread(self._stored, agent)
        if known is not None and known.name == name and known.picture_url == self.picture_url:
            return known.persona_id
        created = await self.graph.post("me/personas", {"name": name, "profile_picture_url": self.picture_url})
        persona_id = str(created.body.get("id") or "") if created.ok else ""
        if not persona_id:
            logger.warning("No Messenger persona for advisor %s (the reply goes out unnamed): %s",
                           agent, created.description)
            return None
        await asyncio.to_thread(self._store, agent, name, persona_id)
        if known is not None:
            await self._delete_at_meta(known.persona_id)
        return persona_id

    async def forget(self, agent: str, persona_id: str) -> None:
        """Meta refused `persona_id` (deleted in the page's tools, another page): the next reply creates one."""
        await asyncio.to_thread(self._drop, agent, persona_id)

    async def _delete_at_meta(self, persona_id: str) -> None:
        deleted = await self.graph.delete(persona_id, {})
        if not deleted.ok:
            logger.info("Replaced Messenger persona %s not deleted at Meta: %s", persona_id, deleted.description)

    def _stored(self, agent: str) -> Optional[MessengerPersona]:
        with self.sessions() as session:
            return session.get(MessengerPersona, agent)

    def _store(self, agent: str, name: str, persona_id: str) -> None:
        with self.sessions.begin() as session:
            session.merge(MessengerPersona(agent=agent, name=name, picture_url=self.picture_url,
                                           persona_id=persona_id, created_at=self._clock()))

    def _drop(self, agent: str, persona_id: str) -> None:
        with self.sessions.begin() as session:
            found = session.get(MessengerPersona, agent)
            if found is not None and found.persona_id == persona_id:
                session.delete(found)
