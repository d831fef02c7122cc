"""Handoff requests, recorded in the staff queue by the Rasa server when it stores the turn.

The action server knows only the core bank. `action_handoff` says what it wants
in its reply, `{"handover": {"reason": ...}}` (bot/dialogue_signals.py), and pauses
the conversation; the tracker store (tracker_store.py), which sees each turn's
new events, finds that reply and queues the conversation for staff
(bot/handoff/queue.py, BRANCH_DATABASE_URL) with its channel, the reason and the
customer's last real message, masked. A conversation with a request open keeps
that one request.

A queue that cannot be written is logged (the error's type only: its text may
quote the customer id) and the turn is stored all the same: the customer was
told a person will answer, and the conversation stays paused.
"""
from __future__ import annotations

import logging
from typing import Any, Callable, Dict, Iterable, Optional

from bot.dialogue_signals import HANDOVER_KEY
from bot.handoff.conversation import last_customer_text
from bot.handoff.queue import HandoffQueue, default_queue
from bot.privacy.pseudonyms import pseudonym

logger = logging.getLogger(__name__)

Event = Dict[str, Any]


def requested_reason(new_events: Iterable[Event]) -> Optional[str]:
    """The reason of a handoff asked for among a turn's new events, or None."""
    for event in new_events:
        custom = (event.get("data") or {}).get("custom") if event.get("event") == "bot" else None
        if isinstance(custom, dict) and HANDOVER_KEY in custom:
            details = custom[HANDOVER_KEY]
            return str(details.get("reason") or "customer_asked") if isinstance(details, dict) else "customer_asked"
    return None


def latest_channel(events: Iterable[Event]) -> str:
    channels = [e.get("input_channel") for e in events if e.get("event") == "user" and e.get("input_channel")]
    return str(channels[-1]) if channels else "unknown"


def record_if_requested(
    sender_id: str, events: Iterable[Event], new_events: Iterable[Event],
    queue: Callable[[], HandoffQueue] = default_queue,
) -> Optional[int]:
    """Queues the conversation when this turn asked for a person; returns the request's id."""
    reason = requested_reason(new_events)
    if reason is None:
        return None
    events = list(events)
    try:
        return queue().request_handoff(sender_id, latest_channel(events), reason, last_customer_text(events))
    except Exception as exc:  # noqa: BLE001 - the turn is stored whatever the queue does
        logger.error("Handoff for %s not queued: %s", pseudonym(sender_id), type(exc).__name__)
        return None
