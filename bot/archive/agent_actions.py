"""Staff actions (take, reply, hand back) as archive rows, from the handoff queue (bot/handoff/queue.py).

The queue calls the archiver after its audit row is committed; the row goes
through the process's writer thread, so a down archive neither fails nor slows
the staff console. Replies are masked like everything staff see
(bot/privacy/masking.py): no code, no full card number.
"""
from __future__ import annotations

import logging
from datetime import datetime
from typing import Callable, Optional

from bot.archive.chain import NewEntry
from bot.archive.models import AGENT
from bot.privacy.masking import mask_sensitive

logger = logging.getLogger(__name__)

# (handoff id, conversation id, channel, agent, action, detail, time)
AgentArchiver = Callable[[int, str, str, str, str, str, datetime], None]


def agent_archiver(url: str) -> AgentArchiver:
    from bot.archive.service import writer_for

    writer = writer_for(url)

    def archive(handoff_id: int, conversation_id: str, channel: str, agent: str, action: str, detail: str,
                at: datetime) -> None:
        try:
            writer.put(agent_entry(handoff_id, conversation_id, channel, agent, action, detail, at))
        except Exception:  # noqa: BLE001 - archiving must never fail a staff action
            logger.exception("ARCHIVE: agent action %s on handoff %s not archived", action, handoff_id)

    return archive


def agent_entry(handoff_id: int, conversation_id: str, channel: Optional[str], agent: str, action: str,
                detail: str, at: datetime) -> NewEntry:
    return NewEntry(at=at, channel=channel or "unknown", conversation_id=conversation_id, direction=AGENT,
                    kind=action, text=mask_sensitive(detail or ""), agent=agent, reference=f"handoff:{handoff_id}")
